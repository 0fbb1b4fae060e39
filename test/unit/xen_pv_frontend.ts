// A PV frontend played by the tests, the way Linux's blkfront/netfront/hvc_xen drive
// their side (drivers/xen/xenbus/xenbus_client.c, io/ring.h's FRONT_RING macros):
// grant pages to dom0 in the guest's own grant table, initialise shared rings, make
// unbound event channels for dom0, publish keys in the frontend directory on the
// guest's own xenstore connection, and step its XenbusState. Not a test file: the
// xen_pv_*.test.ts suites import it.

import { GuestStruct, type Layout } from "../../src/xen/abi/struct.js";
import { DOMID_SELF } from "../../src/xen/abi/xen.js";
import { GTF_permit_access, GTF_readonly } from "../../src/xen/abi/grant_table.js";
import type { Xen } from "../../src/xen/xen.js";
import type { XsConn } from "../../src/xen/xenstore/store.js";
import { XsError } from "../../src/xen/xenstore/store.js";
import { BackRing, ringSize, SRING_REQ_EVENT, SRING_REQ_PROD, SRING_RING, SRING_RSP_EVENT, SRING_RSP_PROD } from "../../src/xen/backends/io/ring.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

export class TestFrontend {
  readonly conn: XsConn;
  readonly events: string[] = [];
  readonly path: string;

  constructor(
    readonly xen: Xen,
    readonly kind: string,
    readonly devid: number,
  ) {
    this.conn = xen.store.connect(xen.config.domid, (p) => this.events.push(p));
    this.path = `device/${kind}/${devid}`;
  }

  // ---- xenstore, as the guest ----

  read(rel: string): string | null {
    try {
      return dec(this.xen.store.read(this.conn, 0, rel));
    } catch (e) {
      if (e instanceof XsError) return null;
      throw e;
    }
  }

  /** A key of the frontend directory. */
  fe(key: string): string | null {
    return this.read(`${this.path}/${key}`);
  }

  /** A key of the backend directory the frontend names. */
  be(key: string): string | null {
    const b = this.fe("backend");
    return b === null ? null : this.read(`${b}/${key}`);
  }

  backendState(): number {
    return Number(this.be("state"));
  }

  /** Write frontend keys in one transaction, as xenbus_transaction_start/end does. */
  publish(keys: Record<string, string | number>): void {
    const store = this.xen.store;
    const tx = store.transactionStart(this.conn);
    for (const [k, v] of Object.entries(keys)) store.write(this.conn, tx, `${this.path}/${k}`, enc(String(v)));
    store.transactionEnd(this.conn, tx, true);
  }

  /** Remove a frontend key. */
  remove(key: string): void {
    this.xen.store.rm(this.conn, 0, `${this.path}/${key}`);
  }

  /** xenbus_switch_state. */
  setState(s: number): void {
    this.publish({ state: s });
  }

  // ---- grants and event channels ----

  /** gnttab_grant_foreign_access_ref to dom0 (frame, domid, then flags last). */
  grant(ref: number, gfn: number, readonly = false, domid = 0): void {
    const f = this.xen.gnttab.frame(ref >> 9);
    const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
    const o = (ref & 511) * 8;
    dv.setUint32(o + 4, gfn, true);
    dv.setUint16(o + 2, domid, true);
    dv.setUint16(o, GTF_permit_access | (readonly ? GTF_readonly : 0), true);
  }

  revoke(ref: number): void {
    const f = this.xen.gnttab.frame(ref >> 9);
    new DataView(f.buffer, f.byteOffset).setUint16((ref & 511) * 8, 0, true);
  }

  grantFlags(ref: number): number {
    const f = this.xen.gnttab.frame(ref >> 9);
    return new DataView(f.buffer, f.byteOffset).getUint16((ref & 511) * 8, true);
  }

  /** EVTCHNOP_alloc_unbound(DOMID_SELF, remote 0). */
  allocPort(): number {
    const p = this.xen.evtchn.allocUnbound(DOMID_SELF, 0);
    if (p <= 0) throw new Error(`alloc_unbound: ${p}`);
    return p;
  }

  /** Was the port raised since the last call? (The guest clears pending bits itself.) */
  takeEvent(port: number): boolean {
    const p = this.xen.shinfo.isPending(port);
    if (p) this.xen.shinfo.clearPending(port);
    return p;
  }

  /** EVTCHNOP_send. */
  notify(port: number): void {
    const rc = this.xen.evtchn.send(port);
    if (rc !== 0) throw new Error(`evtchn send: ${rc}`);
  }
}

/** The front half of a shared ring in guest memory (FRONT_RING_INIT and friends). */
export class FrontRing {
  reqProdPvt = 0;
  rspCons = 0;
  readonly size: number;

  constructor(
    readonly xen: Xen,
    readonly gpa: number,
    readonly entryBytes: number,
  ) {
    this.size = ringSize(entryBytes);
    BackRing.initShared(xen.mem, gpa);
  }

  private slot(idx: number): number {
    return this.gpa + SRING_RING + (idx & (this.size - 1)) * this.entryBytes;
  }

  /** Queue a request (not yet visible). */
  put(bytes: Uint8Array): void {
    this.xen.mem.write(this.slot(this.reqProdPvt), bytes);
    this.reqProdPvt = (this.reqProdPvt + 1) >>> 0;
  }

  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY. */
  push(): boolean {
    const m = this.xen.mem;
    const old = m.readU32(this.gpa + SRING_REQ_PROD);
    const next = this.reqProdPvt;
    m.writeU32(this.gpa + SRING_REQ_PROD, next);
    const event = m.readU32(this.gpa + SRING_REQ_EVENT);
    return ((next - event) >>> 0) < ((next - old) >>> 0);
  }

  get rspProd(): number {
    return this.xen.mem.readU32(this.gpa + SRING_RSP_PROD);
  }

  get reqEvent(): number {
    return this.xen.mem.readU32(this.gpa + SRING_REQ_EVENT);
  }

  setRspEvent(v: number): void {
    this.xen.mem.writeU32(this.gpa + SRING_RSP_EVENT, v >>> 0);
  }

  /** Set req_prod by hand (a misbehaving frontend). */
  setReqProd(v: number): void {
    this.xen.mem.writeU32(this.gpa + SRING_REQ_PROD, v >>> 0);
  }

  /** Take every published response (RING_FINAL_CHECK_FOR_RESPONSES: rsp_event = cons + 1). */
  responses<F extends string>(layout: Layout<F>): GuestStruct<F>[] {
    const out: GuestStruct<F>[] = [];
    const prod = this.rspProd;
    while (this.rspCons !== prod) {
      out.push(new GuestStruct(layout, this.xen.mem.read(this.slot(this.rspCons), layout.size)));
      this.rspCons = (this.rspCons + 1) >>> 0;
    }
    this.setRspEvent(this.rspCons + 1);
    return out;
  }
}
