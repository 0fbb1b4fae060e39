// The PV console ring, xencons_interface (reference §9; xen/include/public/io/console.h):
// out[2048] carries guest output, in[1024] host input. Indices run freely (mod 2^32);
// data sits at index mod the buffer size.
//
// Linux's hvc_xen spins on SCHEDOP_yield when `out` is full, so the host drains it
// whenever it gets the chance (notify, yield, the run loop's poll) rather than
// waiting for an event. The indices come from guest memory: a producer more than a
// ring ahead of the consumer is treated as garbage, never trusted as a length.

import {
  XENCONS_IN,
  XENCONS_IN_CONS,
  XENCONS_IN_PROD,
  XENCONS_IN_SIZE,
  XENCONS_OUT,
  XENCONS_OUT_CONS,
  XENCONS_OUT_PROD,
  XENCONS_OUT_SIZE,
} from "./abi/console.js";

export class ConsoleRing {
  private readonly dv: DataView;
  /** Times the guest left out_prod more than a ring ahead of out_cons. */
  badIndices = 0;

  constructor(readonly page: Uint8Array) {
    this.dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  }

  private u32(off: number): number {
    return this.dv.getUint32(off, true);
  }

  private setU32(off: number, v: number): void {
    this.dv.setUint32(off, v >>> 0, true);
  }

  /** Take everything the guest has produced on `out`. Empty when nothing is pending. */
  drain(): Uint8Array {
    const cons = this.u32(XENCONS_OUT_CONS);
    const prod = this.u32(XENCONS_OUT_PROD);
    let avail = (prod - cons) >>> 0;
    if (avail === 0) return new Uint8Array(0);
    let start = cons;
    if (avail > XENCONS_OUT_SIZE) {
      // Inconsistent: keep only the newest ring's worth and resynchronise.
      this.badIndices++;
      start = (prod - XENCONS_OUT_SIZE) >>> 0;
      avail = XENCONS_OUT_SIZE;
    }
    const out = new Uint8Array(avail);
    for (let i = 0; i < avail; i++) out[i] = this.page[XENCONS_OUT + ((start + i) % XENCONS_OUT_SIZE)];
    this.setU32(XENCONS_OUT_CONS, prod);
    return out;
  }

  /** Queue host input on `in`; returns how many bytes fitted (the rest is the caller's). */
  push(input: Uint8Array): number {
    const cons = this.u32(XENCONS_IN_CONS);
    let prod = this.u32(XENCONS_IN_PROD);
    const used = (prod - cons) >>> 0;
    if (used > XENCONS_IN_SIZE) return 0; // the guest corrupted the indices; accept nothing
    const n = Math.min(XENCONS_IN_SIZE - used, input.length);
    for (let i = 0; i < n; i++) {
      this.page[XENCONS_IN + (prod % XENCONS_IN_SIZE)] = input[i];
      prod = (prod + 1) >>> 0;
    }
    this.setU32(XENCONS_IN_PROD, prod);
    return n;
  }

  /** Bytes of host input the guest has not consumed yet. */
  inputPending(): number {
    return (this.u32(XENCONS_IN_PROD) - this.u32(XENCONS_IN_CONS)) >>> 0;
  }
}
