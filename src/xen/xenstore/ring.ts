// The guest's xenstore connection: the xenstore_domain_interface page (reference §8;
// xen/include/public/io/xs_wire.h, docs/misc/xenstore-ring.txt). Requests arrive on
// req[1024], replies and WATCH_EVENTs leave on rsp[1024]; indices run freely (mod 2^32)
// and data sits at index & 1023.
//
// Everything on the page is guest-controlled. A producer more than a ring ahead is a
// ring-index error, an oversized message a protocol error: both set the page's
// `error` field (XENSTORE_SERVER_FEATURE_ERROR) and stop the connection until the
// guest asks for a reconnect (XENSTORE_SERVER_FEATURE_RECONNECTION).
//
// Flow control: the server reads a new request only while few reply bytes are
// waiting, so a guest that never reads replies stalls itself, not the host.

import {
  XENSTORE_CONNECTED,
  XENSTORE_ERROR_NONE,
  XENSTORE_ERROR_PROTO,
  XENSTORE_ERROR_RINGIDX,
  XENSTORE_PAYLOAD_MAX,
  XENSTORE_RECONNECT,
  XENSTORE_RING_SIZE,
  XENSTORE_SERVER_FEATURE_ERROR,
  XENSTORE_SERVER_FEATURE_RECONNECTION,
  XSD_HEADER_SIZE,
  XS_RING_CONNECTION,
  XS_RING_ERROR,
  XS_RING_EVTCHN_PORT,
  XS_RING_REQ,
  XS_RING_REQ_CONS,
  XS_RING_REQ_PROD,
  XS_RING_RSP,
  XS_RING_RSP_CONS,
  XS_RING_RSP_PROD,
  XS_RING_SERVER_FEATURES,
} from "../abi/xs_wire.js";
import { decodeHeader, handleRequest, watchEventMessage, type XsHeader } from "./protocol.js";
import type { XenStore, XsConn } from "./store.js";

/** Stop taking requests while this many reply bytes wait for ring space. */
const REPLY_BACKLOG_LIMIT = 2 * XENSTORE_RING_SIZE;
/** Watch events beyond this backlog are dropped (and counted). */
const EVENT_BACKLOG_LIMIT = 64 * 1024;

export class XsRing {
  private readonly dv: DataView;
  readonly conn: XsConn;
  /** Request bytes consumed from the ring but not yet a whole message. */
  private inBuf = new Uint8Array(XSD_HEADER_SIZE + XENSTORE_PAYLOAD_MAX);
  private inLen = 0;
  /** Encoded messages waiting for ring space. */
  private out: Uint8Array[] = [];
  private outOff = 0;
  private outBytes = 0;
  /** Events raised while a reply is being produced go after that reply. */
  private held: Uint8Array[] | null = null;
  /** Inside process(): events wait for its output pass instead of writing on their own. */
  private processing = false;
  droppedEvents = 0;
  requests = 0;

  constructor(
    readonly page: Uint8Array,
    private readonly store: XenStore,
    readonly domid: number,
    /** Signal the guest's store event channel. */
    private readonly notify: () => void,
  ) {
    this.dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
    this.conn = store.connect(domid, (path, token) => this.queueEvent(watchEventMessage(path, token)));
  }

  private u32(off: number): number {
    return this.dv.getUint32(off, true);
  }

  private setU32(off: number, v: number): void {
    this.dv.setUint32(off, v >>> 0, true);
  }

  /** Toolstack initialisation of the page: indices 0, features, connected, the port. */
  init(evtchnPort: number): void {
    this.page.fill(0, 0, XS_RING_EVTCHN_PORT + 4);
    this.setU32(XS_RING_SERVER_FEATURES, XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR);
    this.setU32(XS_RING_CONNECTION, XENSTORE_CONNECTED);
    this.setU32(XS_RING_EVTCHN_PORT, evtchnPort);
    this.dropState();
  }

  private dropState(): void {
    this.inLen = 0;
    this.out = [];
    this.outOff = 0;
    this.outBytes = 0;
    this.store.resetConn(this.conn);
  }

  get error(): number {
    return this.u32(XS_RING_ERROR);
  }

  private queueEvent(msg: Uint8Array): void {
    if (this.outBytes > EVENT_BACKLOG_LIMIT) {
      this.droppedEvents++;
      return;
    }
    if (this.held) {
      this.held.push(msg);
      return;
    }
    this.push(msg);
    // A host-side change: put the event on the ring now rather than at the next kick.
    if (!this.processing && this.u32(XS_RING_ERROR) === XENSTORE_ERROR_NONE && this.writeOutput()) this.notify();
  }

  private push(msg: Uint8Array): void {
    this.out.push(msg);
    this.outBytes += msg.length;
  }

  /** Do all the work the page allows: honour a reconnect request, take requests, answer
   * them, write queued output. Notifies the guest when anything moved. Call on every
   * guest notification and whenever host-side changes may have queued watch events. */
  process(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      this.processOnce();
    } finally {
      this.processing = false;
    }
  }

  private processOnce(): void {
    let moved = false;
    if (this.u32(XS_RING_CONNECTION) === XENSTORE_RECONNECT) {
      this.dropState();
      for (const o of [XS_RING_REQ_CONS, XS_RING_REQ_PROD, XS_RING_RSP_CONS, XS_RING_RSP_PROD]) this.setU32(o, 0);
      this.setU32(XS_RING_ERROR, XENSTORE_ERROR_NONE);
      this.setU32(XS_RING_CONNECTION, XENSTORE_CONNECTED);
      moved = true;
    }
    if (this.u32(XS_RING_ERROR) === XENSTORE_ERROR_NONE) {
      for (;;) {
        const wrote = this.writeOutput();
        const read = this.outBytes < REPLY_BACKLOG_LIMIT && this.readRequests();
        moved ||= wrote || read;
        if (!wrote && !read) break;
      }
    }
    if (moved) this.notify();
  }

  private fail(code: number): void {
    this.setU32(XS_RING_ERROR, code);
  }

  /** Copy request bytes in and handle at most one complete message. True if anything
   * was consumed. Only the bytes the current message still needs are taken, so later
   * requests stay on the ring until this one is answered. */
  private readRequests(): boolean {
    let progressed = false;
    for (;;) {
      const cons = this.u32(XS_RING_REQ_CONS);
      const prod = this.u32(XS_RING_REQ_PROD);
      const avail = (prod - cons) >>> 0;
      if (avail > XENSTORE_RING_SIZE) {
        this.fail(XENSTORE_ERROR_RINGIDX);
        return progressed;
      }
      let need: number;
      if (this.inLen < XSD_HEADER_SIZE) {
        need = XSD_HEADER_SIZE - this.inLen;
      } else {
        const h = decodeHeader(this.inBuf);
        if (h.len > XENSTORE_PAYLOAD_MAX) {
          this.fail(XENSTORE_ERROR_PROTO);
          return progressed;
        }
        need = XSD_HEADER_SIZE + h.len - this.inLen;
        if (need === 0) {
          this.handle(h);
          return true;
        }
      }
      const take = Math.min(avail, need);
      if (take === 0) return progressed;
      for (let i = 0; i < take; i++)
        this.inBuf[this.inLen++] = this.page[XS_RING_REQ + ((cons + i) & (XENSTORE_RING_SIZE - 1))];
      this.setU32(XS_RING_REQ_CONS, cons + take);
      progressed = true;
    }
  }

  private handle(h: XsHeader): void {
    const payload = this.inBuf.slice(XSD_HEADER_SIZE, this.inLen);
    this.inLen = 0;
    this.requests++;
    // Watch events the request causes (an initial watch fire) follow its reply.
    const held: Uint8Array[] = [];
    this.held = held;
    let reply: Uint8Array;
    try {
      reply = handleRequest(this.store, this.conn, h, payload);
    } finally {
      this.held = null;
    }
    this.push(reply);
    for (const e of held) this.push(e);
  }

  /** Write as much queued output as fits. True if anything was written. */
  private writeOutput(): boolean {
    if (this.outBytes === 0) return false;
    const cons = this.u32(XS_RING_RSP_CONS);
    let prod = this.u32(XS_RING_RSP_PROD);
    const used = (prod - cons) >>> 0;
    if (used > XENSTORE_RING_SIZE) {
      this.fail(XENSTORE_ERROR_RINGIDX);
      return false;
    }
    let space = XENSTORE_RING_SIZE - used;
    const start = prod;
    while (space > 0 && this.out.length) {
      const m = this.out[0];
      const n = Math.min(space, m.length - this.outOff);
      for (let i = 0; i < n; i++) this.page[XS_RING_RSP + ((prod + i) & (XENSTORE_RING_SIZE - 1))] = m[this.outOff + i];
      prod = (prod + n) >>> 0;
      space -= n;
      this.outOff += n;
      this.outBytes -= n;
      if (this.outOff === m.length) {
        this.out.shift();
        this.outOff = 0;
      }
    }
    if (prod === start) return false;
    this.setU32(XS_RING_RSP_PROD, prod);
    return true;
  }

  /** Bytes of replies and events waiting for ring space. */
  get backlog(): number {
    return this.outBytes;
  }
}
