// The shared producer/consumer ring of the PV device protocols
// (xen/include/public/io/ring.h, DEFINE_RING_TYPES), backend half.
//
// Page layout (every protocol, 32- and 64-bit alike):
//
//   0   req_prod    u32   written by the frontend
//   4   req_event   u32   written by the backend: "notify me when req_prod passes this"
//   8   rsp_prod    u32   written by the backend
//   12  rsp_event   u32   written by the frontend
//   16  pvt[4], __pad[44]
//   64  ring[]      union { request; response }, a power of two of them
//
// Indices run freely (mod 2^32); entry i sits at slot i & (size - 1). The backend
// keeps req_cons and rsp_prod_pvt privately. Everything on the page belongs to the
// guest and can change at any time: requests are copied out before they are parsed
// (RING_COPY_REQUEST), and a producer index that claims more requests than the ring
// can hold marks the ring broken (RING_REQUEST_PROD_OVERFLOW) instead of being
// trusted as a count.

import type { GuestMemory } from "../../../core/guest_memory.js";
import { PAGE_SIZE } from "../../../core/guest_memory.js";

export const SRING_REQ_PROD = 0;
export const SRING_REQ_EVENT = 4;
export const SRING_RSP_PROD = 8;
export const SRING_RSP_EVENT = 12;
/** offsetof(struct *_sring, ring). */
export const SRING_RING = 64;

/** __CONST_RING_SIZE: entries of `entryBytes` that fit after the header in `bytes`,
 * rounded down to a power of two. */
export function ringSize(entryBytes: number, bytes = PAGE_SIZE): number {
  const n = Math.floor((bytes - SRING_RING) / entryBytes);
  return n >= 1 ? 2 ** Math.floor(Math.log2(n)) : 0;
}

/** The backend end of one single-page shared ring mapped at guest-physical `gpa`. */
export class BackRing {
  /** Next request to take. */
  reqCons = 0;
  /** Next response slot (published by pushResponses). */
  rspProdPvt = 0;
  readonly size: number;
  /** The frontend's indices went out of range: stop using this ring. */
  broken = false;

  constructor(
    private readonly mem: GuestMemory,
    readonly gpa: number,
    /** sizeof(union *_sring_entry): the larger of request and response. */
    readonly entryBytes: number,
  ) {
    this.size = ringSize(entryBytes);
    if (this.size < 1) throw new RangeError(`ring entry of ${entryBytes} bytes does not fit a page`);
  }

  private u32(off: number): number {
    return this.mem.readU32(this.gpa + off);
  }

  private setU32(off: number, v: number): void {
    this.mem.writeU32(this.gpa + off, v >>> 0);
  }

  /** What the frontend sees after SHARED_RING_INIT; for tests and for frontends the
   * host plays itself. */
  static initShared(mem: GuestMemory, gpa: number): void {
    mem.fill(gpa, SRING_RING, 0);
    mem.writeU32(gpa + SRING_REQ_EVENT, 1);
    mem.writeU32(gpa + SRING_RSP_EVENT, 1);
  }

  /** RING_HAS_UNCONSUMED_REQUESTS: requests that may be taken now (bounded by the
   * response slots still free). Marks the ring broken when req_prod is impossible. */
  unconsumed(): number {
    if (this.broken) return 0;
    const prod = this.u32(SRING_REQ_PROD);
    // RING_REQUEST_PROD_OVERFLOW: more requests outstanding than slots exist.
    if (((prod - this.rspProdPvt) >>> 0) > this.size) {
      this.broken = true;
      return 0;
    }
    const req = (prod - this.reqCons) >>> 0;
    const rsp = this.size - ((this.reqCons - this.rspProdPvt) >>> 0);
    return Math.min(req, rsp);
  }

  /** A private copy of request `idx` (RING_COPY_REQUEST), `len` bytes of its slot. */
  request(idx: number, len = this.entryBytes): Uint8Array {
    return this.mem.read(this.slotGpa(idx), Math.min(len, this.entryBytes));
  }

  /** Take the next request (copy) and advance req_cons. */
  take(len = this.entryBytes): Uint8Array {
    const r = this.request(this.reqCons, len);
    this.reqCons = (this.reqCons + 1) >>> 0;
    return r;
  }

  /** Write the next response slot (not yet visible to the frontend). */
  respond(bytes: Uint8Array): void {
    this.mem.write(this.slotGpa(this.rspProdPvt), bytes.subarray(0, this.entryBytes));
    this.rspProdPvt = (this.rspProdPvt + 1) >>> 0;
  }

  private slotGpa(idx: number): number {
    return this.gpa + SRING_RING + (idx & (this.size - 1)) * this.entryBytes;
  }

  /** RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: publish rsp_prod; true when the frontend
   * asked to be notified for a response in the range just published (rsp_event). */
  pushResponses(): boolean {
    const old = this.u32(SRING_RSP_PROD);
    const next = this.rspProdPvt;
    if (old === next) return false;
    this.setU32(SRING_RSP_PROD, next);
    const event = this.u32(SRING_RSP_EVENT);
    return ((next - event) >>> 0) < ((next - old) >>> 0);
  }

  /** RING_FINAL_CHECK_FOR_REQUESTS: before going idle, ask for a notification on the
   * next request (req_event = req_cons + 1) and look once more. True when there is
   * work after all. */
  finalCheck(): boolean {
    if (this.broken) return false;
    if (this.unconsumed() > 0) return true;
    this.setU32(SRING_REQ_EVENT, this.reqCons + 1);
    return this.unconsumed() > 0;
  }

  /** Ask for a notification once req_prod reaches `idx` (req_event = idx): a backend
   * that needs more requests than are there (a netif packet whose later slots are
   * missing, rx buffers for a large frame). True when req_prod got there meanwhile. */
  notifyAt(idx: number): boolean {
    if (this.broken) return false;
    this.setU32(SRING_REQ_EVENT, idx);
    return ((this.u32(SRING_REQ_PROD) - idx) | 0) >= 0;
  }
}
