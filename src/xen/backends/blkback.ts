// The PV block backend (xen-blkback / QEMU xen-block, as dom0): serves a guest's
// blkfront from a BlockBackend over the blkif ring (./io/blkif.ts).
//
// Handshake keys (xenbus.ts runs the state machine):
//   backend  sectors (512-byte units), sector-size 512, info (VDISK_READONLY),
//            mode r|w, feature-flush-cache 1, feature-discard (+ granularity),
//            type, dev, device-type, params, physical-device, hotplug-status
//   frontend virtual-device, device-type (Linux's blkfront ignores an HVM/PVH vbd
//            without it) — and from the guest: ring-ref, event-channel, protocol
//
// Offered: indirect descriptors (feature-max-indirect-segments 256). Not offered:
// multi-page rings (max-ring-page-order), several queues, persistent grants.
//
// Requests: every field comes from the guest and is checked — operation,
// nr_segments (1..11 for data), first_sect ≤ last_sect ≤ 7, the sector range against
// the disk, each grant (type, domid 0, readonly for reads into it). A bad request
// gets BLKIF_RSP_ERROR (unknown operations BLKIF_RSP_EOPNOTSUPP), counted and
// logged, never an exception. The data pages of a read stay mapped (GTF_writing set)
// until the data is in them; a write's data is copied out when the request is taken.
// Backend calls may finish at once or later (promises); late completions are
// written in poll(), in the order they finished, and the frontend is notified per
// RING_PUSH_RESPONSES_AND_CHECK_NOTIFY. A flush (or a write carrying
// FLUSH_DISKCACHE) is answered only after the backend's flush() finished.

import { GuestMemoryError } from "../../core/guest_memory.js";
import { callBackend, type BlockBackend, type MaybePromise } from "../../backends/block/block_backend.js";
import { GuestStruct } from "../abi/struct.js";
import type { HostPort } from "../evtchn.js";
import type { GrantMapping } from "../gnttab.js";
import type { Xen } from "../xen.js";
import { BackRing } from "./io/ring.js";
import {
  BLKIF_DISCARD_SECURE,
  BLKIF_MAX_SEGMENTS_PER_REQUEST,
  BLKIF_OP_DISCARD,
  BLKIF_OP_FLUSH_DISKCACHE,
  BLKIF_OP_INDIRECT,
  BLKIF_OP_READ,
  BLKIF_OP_WRITE,
  BLKIF_OP_WRITE_BARRIER,
  BLKIF_REQUEST,
  BLKIF_REQUEST_DISCARD,
  BLKIF_REQUEST_INDIRECT,
  BLKIF_REQUEST_INDIRECT_GREFS,
  BLKIF_REQUEST_SEG,
  BLKIF_REQUEST_SEGMENT,
  BLKIF_RESPONSE,
  BLKIF_RSP_EOPNOTSUPP,
  BLKIF_RSP_ERROR,
  BLKIF_RSP_OKAY,
  BLKIF_SECTOR_BYTES,
  BLKIF_SECTORS_PER_PAGE,
  BLKIF_SEGS_PER_INDIRECT_FRAME,
  VDISK_READONLY,
  XEN_IO_PROTO_ABI_X86_32,
  XEN_IO_PROTO_ABI_X86_64,
} from "./io/blkif.js";
import type { XenbusDevice, XenbusDriver } from "./xenbus.js";

/** feature-max-indirect-segments: what Linux's blkback offers (MAX_INDIRECT_SEGMENTS);
 * one indirect page's worth would be 512. Linux's blkfront uses 32 of them by default. */
export const BLKIF_MAX_INDIRECT_SEGMENTS = 256;

export interface BlkbackOptions {
  /** The vbd number (device/vbd/<devid>, the frontend's virtual-device). */
  devid: number;
  /** Disk name for the `dev` key ("xvda"). */
  vdev: string;
  /** -drive readonly=on (a read-only backend is read-only anyway). */
  readOnly?: boolean;
  /** What the `params` key shows (the image file, or the drive id). */
  params?: string;
  /** Called when async backend work finished, so the run loop calls poll(). */
  wake?: () => void;
  log?: (message: string) => void;
}

/** One connection to a frontend: its ring, its event channel, the ABI it speaks. */
interface Conn {
  readonly ring: BackRing;
  readonly ringMap: GrantMapping;
  readonly port: HostPort;
  readonly long: boolean;
  live: boolean;
  /** Grant mappings held by reads in flight (released at completion or disconnect). */
  readonly held: Set<GrantMapping>;
}

interface Segment {
  gref: number;
  /** Byte offset in the page and length. */
  off: number;
  len: number;
}

export class Blkback implements XenbusDriver {
  readonly kind = "vbd";
  readonly devid: number;
  readonly readOnly: boolean;
  readonly sectors: number;
  readonly stats = { requests: 0, guestErrors: 0, ioErrors: 0, notifications: 0 };
  private conn: Conn | null = null;
  private readonly done: (() => void)[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private warned = false;
  private closed = false;

  constructor(
    private xen: Xen,
    readonly backend: BlockBackend,
    private readonly opts: BlkbackOptions,
  ) {
    this.devid = opts.devid;
    this.readOnly = !!opts.readOnly || backend.readOnly;
    this.sectors = Math.floor(backend.size / BLKIF_SECTOR_BYTES);
  }

  private get canDiscard(): boolean {
    return !this.readOnly && typeof this.backend.discard === "function";
  }

  // ---- XenbusDriver ----

  frontendKeys(): Record<string, string> {
    return { "virtual-device": String(this.devid), "device-type": "disk" };
  }

  backendKeys(): Record<string, string> {
    const k: Record<string, string> = {
      dev: this.opts.vdev,
      type: "qdisk",
      params: this.opts.params ?? this.opts.vdev,
      mode: this.readOnly ? "r" : "w",
      "device-type": "disk",
      removable: "0",
      // An in-kernel blkback opens the host block device named here (major:minor,
      // hex); an image served by the host has none.
      "physical-device": "0:0",
      sectors: String(this.sectors),
      "sector-size": String(BLKIF_SECTOR_BYTES),
      "physical-sector-size": String(BLKIF_SECTOR_BYTES),
      info: String(this.readOnly ? VDISK_READONLY : 0),
      "feature-flush-cache": "1",
      "feature-barrier": "0",
      "feature-persistent": "0",
      "feature-max-indirect-segments": String(BLKIF_MAX_INDIRECT_SEGMENTS),
      "hotplug-status": "connected",
    };
    if (this.canDiscard) {
      k["feature-discard"] = "1";
      k["discard-granularity"] = String(BLKIF_SECTOR_BYTES);
      k["discard-alignment"] = "0";
      k["discard-secure"] = "0";
    }
    return k;
  }

  connect(dev: XenbusDevice): string | null {
    this.disconnect();
    if (this.closed) return "backend closed";
    if (dev.readFrontend("ring-page-order") !== null && dev.readFrontend("ring-ref") === null)
      return "multi-page rings are not offered (no max-ring-page-order); give ring-ref";
    if (dev.readFrontend("multi-queue-num-queues") !== null && dev.readFrontendUint("multi-queue-num-queues") !== 1)
      return "several queues are not offered";
    const ref = dev.readFrontendUint("ring-ref");
    if (ref === null) return "frontend has no valid ring-ref";
    const evtchn = dev.readFrontendUint("event-channel");
    if (evtchn === null) return "frontend has no valid event-channel";
    const proto = dev.readFrontend("protocol") ?? XEN_IO_PROTO_ABI_X86_64;
    if (proto !== XEN_IO_PROTO_ABI_X86_64 && proto !== XEN_IO_PROTO_ABI_X86_32) return `unknown protocol '${proto}'`;
    const long = proto === XEN_IO_PROTO_ABI_X86_64;

    const m = this.xen.gnttab.map(0, ref, true);
    if (typeof m === "number") return `ring-ref ${ref}: grant status ${m}`;
    const port = this.xen.hostPort(() => {
      this.stats.notifications++;
      this.kick();
    });
    const rc = port.bindGuestPort(evtchn);
    if (rc < 0) {
      port.close();
      m.release();
      return `event-channel ${evtchn}: bind failed (${rc})`;
    }
    const ring = new BackRing(this.xen.mem, m.gpa, BLKIF_REQUEST.of(long).size);
    this.conn = { ring, ringMap: m, port, long, live: true, held: new Set() };
    // Requests queued before the connection (the frontend may publish early).
    this.kick();
    return null;
  }

  disconnect(): void {
    const c = this.conn;
    if (!c) return;
    this.conn = null;
    c.live = false;
    for (const h of c.held) h.release();
    c.held.clear();
    c.port.close();
    c.ringMap.release();
  }

  /** Serve the guest of another Xen (the machine rebooted): the connection to the
   * old one is dropped; the backend stays open. */
  rebind(xen: Xen): void {
    this.disconnect();
    this.xen = xen;
  }

  // ---- the ring ----

  /** Take and start every request on the ring, then answer what finished. Runs on
   * every notification from the frontend and from poll(). */
  kick(): void {
    const c = this.conn;
    if (!c || !c.live) return;
    try {
      for (;;) {
        while (c.live && c.ring.unconsumed() > 0) this.start(c, c.ring.take());
        if (!c.live || !c.ring.finalCheck()) break;
      }
      if (c.ring.broken) this.ringBroken(c, "request producer index beyond the ring");
    } catch (e) {
      if (!(e instanceof GuestMemoryError)) throw e;
      this.ringBroken(c, "ring page is not RAM any more");
    }
    this.push(c);
  }

  /** Publish written responses; notify if the frontend asked for it. */
  private push(c: Conn): void {
    if (!c.live) return;
    try {
      if (c.ring.pushResponses()) c.port.notify();
    } catch (e) {
      if (!(e instanceof GuestMemoryError)) throw e;
      this.ringBroken(c, "ring page is not RAM any more");
    }
  }

  private ringBroken(c: Conn, why: string): void {
    this.guestError(`${why}; ring stopped until the frontend reconnects`);
    c.ring.broken = true;
  }

  /** Answer request `id` (the response slot is the next free one: blkif responses
   * may come in any order and are matched by id). */
  private respond(c: Conn, id: bigint, op: number, status: number): void {
    if (!c.live) return;
    const r = new GuestStruct(BLKIF_RESPONSE.of(c.long));
    r.set("id", id).set("operation", op).set("status", status);
    try {
      c.ring.respond(r.bytes);
    } catch (e) {
      if (!(e instanceof GuestMemoryError)) throw e;
      c.ring.broken = true;
    }
  }

  private guestError(message: string): void {
    this.stats.guestErrors++;
    this.xen.guestError(`vbd ${this.devid}: ${message}`);
  }

  private reject(c: Conn, id: bigint, op: number, why: string, status = BLKIF_RSP_ERROR): void {
    this.guestError(why);
    this.respond(c, id, op, status);
  }

  /** Parse one request (a private copy of its slot) and start it. */
  private start(c: Conn, bytes: Uint8Array): void {
    this.stats.requests++;
    const req = new GuestStruct(BLKIF_REQUEST.of(c.long), bytes);
    const op = req.get("operation");
    const id = req.big("id");
    switch (op) {
      case BLKIF_OP_READ:
      case BLKIF_OP_WRITE:
      case BLKIF_OP_FLUSH_DISKCACHE:
      case BLKIF_OP_WRITE_BARRIER:
        return this.startRw(c, op, id, req, bytes);
      case BLKIF_OP_DISCARD:
        return this.startDiscard(c, id, new GuestStruct(BLKIF_REQUEST_DISCARD.of(c.long), bytes));
      case BLKIF_OP_INDIRECT:
        return this.startIndirect(c, id, bytes);
      default:
        // The reserved op, garbage: not offered.
        return this.reject(c, id, op, `operation ${op} not supported`, BLKIF_RSP_EOPNOTSUPP);
    }
  }

  /** READ/WRITE/FLUSH_DISKCACHE/WRITE_BARRIER: segments in the request itself. */
  private startRw(c: Conn, op: number, id: bigint, req: GuestStruct, bytes: Uint8Array): void {
    const nseg = req.get("nr_segments");
    const isFlush = op === BLKIF_OP_FLUSH_DISKCACHE || op === BLKIF_OP_WRITE_BARRIER;
    if (nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST) return this.reject(c, id, op, `${nseg} segments (at most ${BLKIF_MAX_SEGMENTS_PER_REQUEST})`);
    if (nseg === 0 && !isFlush) return this.reject(c, id, op, "read/write without segments");
    const segOff = c.long ? BLKIF_REQUEST_SEG.x86_64 : BLKIF_REQUEST_SEG.x86_32;
    const segs = this.parseSegments(bytes.subarray(segOff), nseg);
    if (typeof segs === "string") return this.reject(c, id, op, segs);
    this.startData(c, op, id, req.big("sector_number"), segs);
  }

  /** BLKIF_OP_INDIRECT: the segments sit in up to 8 granted pages the request names. */
  private startIndirect(c: Conn, id: bigint, bytes: Uint8Array): void {
    const req = new GuestStruct(BLKIF_REQUEST_INDIRECT.of(c.long), bytes);
    const iop = req.get("indirect_op");
    const nseg = req.get("nr_segments");
    // The response names indirect_op, not BLKIF_OP_INDIRECT: Linux's blkfront checks
    // it and takes the device down on a mismatch.
    if (iop !== BLKIF_OP_READ && iop !== BLKIF_OP_WRITE) return this.reject(c, id, iop, `indirect operation ${iop}`);
    if (nseg === 0 || nseg > BLKIF_MAX_INDIRECT_SEGMENTS) return this.reject(c, id, iop, `${nseg} indirect segments (1..${BLKIF_MAX_INDIRECT_SEGMENTS})`);
    const pages = Math.ceil(nseg / BLKIF_SEGS_PER_INDIRECT_FRAME);
    const grefOff = c.long ? BLKIF_REQUEST_INDIRECT_GREFS.x86_64 : BLKIF_REQUEST_INDIRECT_GREFS.x86_32;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const table = new Uint8Array(nseg * 8);
    for (let p = 0; p < pages; p++) {
      const gref = dv.getUint32(grefOff + p * 4, true);
      const n = Math.min(BLKIF_SEGS_PER_INDIRECT_FRAME, nseg - p * BLKIF_SEGS_PER_INDIRECT_FRAME);
      const got = this.xen.gnttab.copyFrom(0, gref, 0, n * 8);
      if (typeof got === "number") return this.reject(c, id, iop, `indirect page grant ${gref}: status ${got}`);
      table.set(got, p * BLKIF_SEGS_PER_INDIRECT_FRAME * 8);
    }
    const segs = this.parseSegments(table, nseg);
    if (typeof segs === "string") return this.reject(c, id, iop, segs);
    this.startData(c, iop, id, req.big("sector_number"), segs);
  }

  /** blkif_request_segment[n] from `bytes` (a private copy), checked; or what is wrong. */
  private parseSegments(bytes: Uint8Array, n: number): Segment[] | string {
    const segs: Segment[] = [];
    for (let i = 0; i < n; i++) {
      const s = new GuestStruct(BLKIF_REQUEST_SEGMENT.l64, bytes.subarray(i * 8, i * 8 + 8));
      const first = s.get("first_sect");
      const last = s.get("last_sect");
      if (first > last || last >= BLKIF_SECTORS_PER_PAGE) return `segment ${i}: sectors ${first}..${last}`;
      segs.push({ gref: s.get("gref"), off: first * BLKIF_SECTOR_BYTES, len: (last - first + 1) * BLKIF_SECTOR_BYTES });
    }
    return segs;
  }

  /** Start a data request: segments are in-page sector ranges, consecutive on the
   * disk from `sector`. */
  private startData(c: Conn, op: number, id: bigint, sector: bigint, segs: Segment[]): void {
    const isFlush = op === BLKIF_OP_FLUSH_DISKCACHE || op === BLKIF_OP_WRITE_BARRIER;
    const nseg = segs.length;
    let total = 0;
    for (const s of segs) total += s.len;
    if (nseg > 0 && sector + BigInt(total / BLKIF_SECTOR_BYTES) > BigInt(this.sectors))
      return this.reject(c, id, op, `sectors ${sector}+${total / BLKIF_SECTOR_BYTES} beyond the disk (${this.sectors})`);
    const offset = Number(sector) * BLKIF_SECTOR_BYTES;
    const writes = op !== BLKIF_OP_READ && nseg > 0;
    if (writes && this.readOnly) return this.reject(c, id, op, "write to a read-only disk");

    if (op === BLKIF_OP_READ) {
      // Map every data page writable now (a bad grant fails the request before any I/O)
      // and keep them mapped until the data is in.
      const maps: GrantMapping[] = [];
      for (const s of segs) {
        const m = this.xen.gnttab.map(0, s.gref, true);
        if (typeof m === "number") {
          for (const x of maps) {
            c.held.delete(x);
            x.release();
          }
          return this.reject(c, id, op, `read into grant ${s.gref}: status ${m}`);
        }
        maps.push(m);
        c.held.add(m);
      }
      const buf = new Uint8Array(total);
      this.run(() => this.backend.read(offset, buf), (ok) => {
        let status = ok ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR;
        if (ok && c.live) {
          try {
            let pos = 0;
            segs.forEach((s, i) => {
              this.xen.mem.write(maps[i].gpa + s.off, buf.subarray(pos, pos + s.len));
              pos += s.len;
            });
          } catch (e) {
            if (!(e instanceof GuestMemoryError)) throw e;
            this.guestError("a read's data page is not RAM any more");
            status = BLKIF_RSP_ERROR;
          }
        }
        for (const m of maps) {
          c.held.delete(m);
          m.release();
        }
        this.respond(c, id, op, status);
      });
      return;
    }

    // Writes (and flushes carrying data): copy the data out of the grants now.
    let data: Uint8Array | null = null;
    if (writes) {
      data = new Uint8Array(total);
      let pos = 0;
      for (const s of segs) {
        const got = this.xen.gnttab.copyFrom(0, s.gref, s.off, s.len);
        if (typeof got === "number") return this.reject(c, id, op, `write from grant ${s.gref}: status ${got}`);
        data.set(got, pos);
        pos += s.len;
      }
    }
    const write = data ? (): MaybePromise => this.backend.write(offset, data!) : (): MaybePromise => undefined;
    const flush = (): MaybePromise => this.backend.flush();
    const op2 = isFlush ? () => chain(write(), flush) : write;
    if (op === BLKIF_OP_WRITE_BARRIER && this.inflight.size) {
      // A barrier: everything issued before it completes first.
      const before = Promise.allSettled([...this.inflight]).then(() => undefined);
      this.run(() => chain(before, op2), (ok) => this.respond(c, id, op, ok ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR));
      return;
    }
    this.run(op2, (ok) => this.respond(c, id, op, ok ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR));
  }

  private startDiscard(c: Conn, id: bigint, req: GuestStruct): void {
    const op = BLKIF_OP_DISCARD;
    if (!this.canDiscard) return this.reject(c, id, op, "discard not offered", BLKIF_RSP_EOPNOTSUPP);
    if (req.get("flag") & BLKIF_DISCARD_SECURE) return this.reject(c, id, op, "secure discard not offered", BLKIF_RSP_EOPNOTSUPP);
    const sector = req.big("sector_number");
    const n = req.big("nr_sectors");
    if (sector + n > BigInt(this.sectors)) return this.reject(c, id, op, `discard ${sector}+${n} beyond the disk (${this.sectors})`);
    if (n === 0n) return this.respond(c, id, op, BLKIF_RSP_OKAY);
    const off = Number(sector) * BLKIF_SECTOR_BYTES;
    const len = Number(n) * BLKIF_SECTOR_BYTES;
    this.run(() => this.backend.discard!(off, len), (ok) => this.respond(c, id, op, ok ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR));
  }

  /** Run `op` on the backend; `then(ok)` now when it finished synchronously, else from
   * poll() once its promise settles. */
  private run(op: () => MaybePromise, then: (ok: boolean) => void): void {
    const r = callBackend(op);
    if (!r) {
      then(true);
      return;
    }
    const p = r.then(
      () => void this.done.push(() => then(true)),
      (e) => {
        this.backendFailed(e);
        this.done.push(() => then(false));
      },
    );
    this.inflight.add(p);
    p.finally(() => {
      this.inflight.delete(p);
      this.opts.wake?.();
    });
  }

  private backendFailed(e: unknown): void {
    this.stats.ioErrors++;
    if (!this.warned) this.opts.log?.(`xpvh: xen vbd ${this.opts.vdev}: ${(e as Error)?.message ?? String(e)}`);
    this.warned = true;
  }

  // ---- run-loop hooks ----

  /** Write the responses of backend calls that finished, notify, and look for
   * requests again (slots freed by the responses, or a missed notification). */
  poll(): void {
    while (this.done.length) this.done.shift()!();
    const c = this.conn;
    if (!c) return;
    this.push(c);
    this.kick();
  }

  /** Backend work in flight or finished but not yet answered. */
  get busy(): boolean {
    return this.inflight.size > 0 || this.done.length > 0;
  }

  /** Wait for requests in flight, flush and close the backend. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inflight]);
    this.disconnect();
    try {
      await this.backend.flush();
    } finally {
      await this.backend.close();
    }
  }
}

/** `first` then `next`, synchronously when `first` finished synchronously. */
function chain(first: MaybePromise, next: () => MaybePromise): MaybePromise {
  if (first) return first.then(() => next());
  return next();
}
