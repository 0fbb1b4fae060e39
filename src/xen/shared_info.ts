// The shared_info page and the per-vCPU vcpu_info / vcpu_time_info records.
//
// shared_info is a host-owned 4 KiB page (Xen allocates it at domain creation);
// the guest chooses where to see it with add_to_physmap(XENMAPSPACE_shared_info),
// and the integrator overlays the same page at that gfn. Because the page is host
// memory, event-channel bits can be set before the guest maps it, exactly as in
// Xen. A vCPU's vcpu_info is slot `id` of the page until the guest registers
// another location in its own RAM (VCPUOP_register_vcpu_info).
//
// Layout (64- vs 32-bit) is latched by the caller: see Xen.noteGuestMode().

import type { GuestMemory } from "../core/guest_memory.js";
import { PAGE_SIZE } from "../core/guest_memory.js";
import type { XenVcpu } from "./guest.js";
import { EBUSY, EINVAL } from "./errno.js";
import {
  SHARED_INFO_32,
  SHARED_INFO_64,
  type SharedInfoLayout,
  TIME_FLAGS,
  TIME_SYSTEM_TIME,
  TIME_TSC_SHIFT,
  TIME_TSC_TIMESTAMP,
  TIME_TSC_TO_SYSTEM_MUL,
  TIME_VERSION,
  VCPU_INFO_SIZE,
  VCPU_INFO_TIME,
  VCPU_INFO_UPCALL_MASK,
  VCPU_INFO_UPCALL_PENDING,
  VCPU_TIME_INFO_SIZE,
  XEN_LEGACY_MAX_VCPUS,
  XEN_PVCLOCK_TSC_STABLE_BIT,
} from "./abi/shared_info.js";
import type { PvclockAnchor, PvclockScale } from "./pvclock.js";

export interface SharedInfoState {
  gfn: number | null;
  longMode: boolean;
  vcpuInfoGpa: (number | null)[];
  timeAreaGva: (string | null)[];
}

export class SharedInfo {
  private readonly dv: DataView;
  /** Guest frame where the page is mapped, or null before add_to_physmap. */
  private gfnMapped: number | null = null;
  private layoutNow: SharedInfoLayout = SHARED_INFO_64;
  /** Registered vcpu_info gpa per vCPU (null: slot in shared_info). */
  private readonly registered: (number | null)[];
  /** Registered vcpu_time_info copies (VCPUOP_register_vcpu_time_memory_area), as gva. */
  private readonly timeArea: (bigint | null)[];

  constructor(
    /** The host-owned page. */
    readonly page: Uint8Array,
    private readonly mem: GuestMemory,
    private readonly vcpus: readonly XenVcpu[],
  ) {
    if (page.length !== PAGE_SIZE) throw new Error("shared_info page must be 4096 bytes");
    this.dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
    this.viBytes = page;
    this.registered = vcpus.map(() => null);
    this.timeArea = vcpus.map(() => null);
  }

  get gfn(): number | null {
    return this.gfnMapped;
  }

  /** Guest-physical address of the page, or -1 while unmapped. */
  get gpa(): number {
    return this.gfnMapped === null ? -1 : this.gfnMapped * PAGE_SIZE;
  }

  /** Record where the guest mapped the page (the caller does the overlay). */
  setGfn(gfn: number | null): void {
    this.gfnMapped = gfn;
  }

  get layout(): SharedInfoLayout {
    return this.layoutNow;
  }

  get longMode(): boolean {
    return this.layoutNow === SHARED_INFO_64;
  }

  setLongMode(long: boolean): void {
    this.layoutNow = long ? SHARED_INFO_64 : SHARED_INFO_32;
  }

  // ---- event-channel bitmaps (bit p is byte p>>3, bit p&7 in both layouts) ----
  // Plain byte arithmetic, nothing allocated: EVTCHNOP_send runs through here.

  isPending(port: number): boolean {
    return (this.page[this.layoutNow.evtchn_pending + (port >> 3)] & (1 << (port & 7))) !== 0;
  }

  /** Sets pending[port]; returns whether it was already set. */
  testAndSetPending(port: number): boolean {
    const o = this.layoutNow.evtchn_pending + (port >> 3);
    const m = 1 << (port & 7);
    const was = (this.page[o] & m) !== 0;
    this.page[o] |= m;
    return was;
  }

  clearPending(port: number): void {
    this.page[this.layoutNow.evtchn_pending + (port >> 3)] &= ~(1 << (port & 7));
  }

  isMasked(port: number): boolean {
    return (this.page[this.layoutNow.evtchn_mask + (port >> 3)] & (1 << (port & 7))) !== 0;
  }

  setMask(port: number, masked: boolean): void {
    const o = this.layoutNow.evtchn_mask + (port >> 3);
    const m = 1 << (port & 7);
    if (masked) this.page[o] |= m;
    else this.page[o] &= ~m;
  }

  /** Clears mask[port]; returns whether it was set. */
  testAndClearMask(port: number): boolean {
    const o = this.layoutNow.evtchn_mask + (port >> 3);
    const m = 1 << (port & 7);
    const was = (this.page[o] & m) !== 0;
    this.page[o] &= ~m;
    return was;
  }

  // ---- vcpu_info ----

  /** Guest-physical address of vCPU `id`'s vcpu_info, or -1 when the guest cannot see it. */
  vcpuInfoGpa(id: number): number {
    const reg = this.registered[id];
    if (reg !== null && reg !== undefined) return reg;
    if (id >= XEN_LEGACY_MAX_VCPUS || this.gfnMapped === null) return -1;
    return this.gfnMapped * PAGE_SIZE + id * VCPU_INFO_SIZE;
  }

  /** Where vCPU `id`'s vcpu_info is, as an offset into guest memory's backing bytes
   * (registered) or into `page` (its slot here); null when it has none. */
  vcpuInfoPlace(id: number): { inPage: boolean; offset: number } | null {
    if (!this.locate(id)) return null;
    return { inPage: this.viBytes === this.page, offset: this.viOff };
  }

  isRegistered(id: number): boolean {
    return this.registered[id] !== null;
  }

  /** vCPU `id`'s 64-byte vcpu_info, wherever it lives, or null if it has none (id ≥ 32
   * and unregistered, or its registered page stopped being RAM). */
  vcpuInfo(id: number): Uint8Array | null {
    const reg = this.registered[id];
    if (reg !== null && reg !== undefined) {
      try {
        return this.mem.span(reg, VCPU_INFO_SIZE);
      } catch {
        return null; // the page went away (ballooned out or overlaid)
      }
    }
    if (id < XEN_LEGACY_MAX_VCPUS) return this.page.subarray(id * VCPU_INFO_SIZE, (id + 1) * VCPU_INFO_SIZE);
    return null;
  }

  /** Where locate() found the last vcpu_info: its bytes are viBytes[viOff, viOff + 64). */
  private viBytes: Uint8Array;
  private viOff = 0;

  /** Points viBytes/viOff at vCPU `id`'s vcpu_info, as vcpuInfo() finds it, without
   * making a view (the event raise path); false when it has none. */
  private locate(id: number): boolean {
    const reg = this.registered[id];
    if (reg !== null && reg !== undefined) {
      const o = this.mem.hostOffset(reg, VCPU_INFO_SIZE);
      if (o < 0) return false; // the page went away (ballooned out or overlaid)
      this.viBytes = this.mem.source.bytes;
      this.viOff = o;
      return true;
    }
    if (id >= XEN_LEGACY_MAX_VCPUS) return false;
    this.viBytes = this.page;
    this.viOff = id * VCPU_INFO_SIZE;
    return true;
  }

  /** VCPUOP_register_vcpu_info: move vCPU `id`'s vcpu_info to guest RAM at gpa.
   * The caller validated gfn/offset against the ABI; this checks RAM and re-registration.
   * The old contents are carried over and every pending_sel bit is set with
   * upcall_pending = 1, so the guest rescans (the caller then delivers the upcall). */
  registerVcpuInfo(id: number, gpa: number): number {
    if (this.registered[id] !== null) return -EBUSY;
    let dst: Uint8Array | null;
    try {
      dst = this.mem.span(gpa, VCPU_INFO_SIZE);
    } catch {
      dst = null;
    }
    if (!dst) return -EINVAL;
    const old = this.vcpuInfo(id);
    if (old) dst.set(old);
    else dst.fill(0);
    this.registered[id] = gpa;
    const sel = this.layoutNow.pendingSel;
    dst.fill(0xff, sel, sel + this.layoutNow.wordBits / 8);
    dst[VCPU_INFO_UPCALL_PENDING] = 1;
    return 0;
  }

  /** Sets bit `idx` of pending_sel; returns whether it was set. False-with-no-effect
   * (`null`) when the vCPU has no vcpu_info. */
  testAndSetPendingSel(id: number, idx: number): boolean | null {
    if (!this.locate(id)) return null;
    const v = this.viBytes;
    const o = this.viOff + this.layoutNow.pendingSel + (idx >> 3);
    const m = 1 << (idx & 7);
    const was = (v[o] & m) !== 0;
    v[o] |= m;
    return was;
  }

  /** Sets evtchn_upcall_pending; returns whether it was already set (null: no vcpu_info). */
  testAndSetUpcallPending(id: number): boolean | null {
    if (!this.locate(id)) return null;
    const o = this.viOff + VCPU_INFO_UPCALL_PENDING;
    const was = this.viBytes[o] !== 0;
    this.viBytes[o] = 1;
    return was;
  }

  upcallPending(id: number): boolean {
    return this.locate(id) && this.viBytes[this.viOff + VCPU_INFO_UPCALL_PENDING] !== 0;
  }

  /** SCHEDOP_block's "re-enable event delivery" (evtchn_upcall_mask is PV-only otherwise). */
  clearUpcallMask(id: number): void {
    const v = this.vcpuInfo(id);
    if (v) v[VCPU_INFO_UPCALL_MASK] = 0;
  }

  // ---- time ----

  /** VCPUOP_register_vcpu_time_memory_area: an extra copy at a guest-virtual address. */
  setTimeArea(id: number, gva: bigint | null): void {
    this.timeArea[id] = gva;
  }

  /** Publish the time anchor to vCPU `id`: its vcpu_info.time (slot and registered copy)
   * and its time area, each under the version seqlock (odd while updating). */
  publishTime(id: number, anchor: PvclockAnchor, scale: PvclockScale, tscStable: boolean): void {
    const rec = new Uint8Array(VCPU_TIME_INFO_SIZE);
    const rdv = new DataView(rec.buffer);
    rdv.setBigUint64(TIME_TSC_TIMESTAMP, BigInt.asUintN(64, anchor.tsc), true);
    rdv.setBigUint64(TIME_SYSTEM_TIME, BigInt.asUintN(64, anchor.ns), true);
    rdv.setUint32(TIME_TSC_TO_SYSTEM_MUL, scale.mul, true);
    rdv.setInt8(TIME_TSC_SHIFT, scale.shift);
    rdv.setUint8(TIME_FLAGS, tscStable ? XEN_PVCLOCK_TSC_STABLE_BIT : 0);

    const write = (bytes: Uint8Array, off: number): void => {
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const version = dv.getUint32(off + TIME_VERSION, true);
      const odd = (version | 1) >>> 0;
      dv.setUint32(off + TIME_VERSION, odd, true);
      bytes.set(rec.subarray(TIME_TSC_TIMESTAMP), off + TIME_TSC_TIMESTAMP);
      dv.setUint32(off + TIME_VERSION, (odd + 1) >>> 0, true);
    };
    if (id < XEN_LEGACY_MAX_VCPUS) write(this.page, id * VCPU_INFO_SIZE + VCPU_INFO_TIME);
    if (this.registered[id] !== null) {
      const v = this.vcpuInfo(id);
      if (v) write(v, VCPU_INFO_TIME);
    }
    const gva = this.timeArea[id];
    if (gva !== null && gva !== undefined) {
      // Guest-virtual: read the old version, then write the record with version+2.
      const vcpu = this.vcpus[id];
      try {
        const cur = new DataView(vcpu.readVirt(gva, 4).buffer).getUint32(0, true);
        const copy = rec.slice();
        new DataView(copy.buffer).setUint32(TIME_VERSION, ((cur | 1) + 1) >>> 0, true);
        vcpu.writeVirt(gva, copy);
      } catch {
        // A bad area is the guest's problem; Xen ignores copy failures here too.
      }
    }
  }

  /** shared_info.wc_*: Unix time at system time 0, under wc_version. */
  publishWallclock(sec: bigint, nsec: number): void {
    const l = this.layoutNow;
    const version = this.dv.getUint32(l.wc_version, true);
    const odd = (version | 1) >>> 0;
    this.dv.setUint32(l.wc_version, odd, true);
    this.dv.setUint32(l.wc_sec, Number(sec & 0xffff_ffffn), true);
    this.dv.setUint32(l.wc_nsec, nsec, true);
    this.dv.setUint32(l.wc_sec_hi, Number((sec >> 32n) & 0xffff_ffffn), true);
    this.dv.setUint32(l.wc_version, (odd + 1) >>> 0, true);
  }

  /** Forget registrations (soft reset); the page keeps its contents. */
  reset(): void {
    this.gfnMapped = null;
    this.registered.fill(null);
    this.timeArea.fill(null);
  }

  save(): SharedInfoState {
    return {
      gfn: this.gfnMapped,
      longMode: this.longMode,
      vcpuInfoGpa: [...this.registered],
      timeAreaGva: this.timeArea.map((g) => (g === null ? null : String(g))),
    };
  }

  restore(s: SharedInfoState): void {
    this.gfnMapped = s.gfn;
    this.setLongMode(s.longMode);
    s.vcpuInfoGpa.forEach((g, i) => (this.registered[i] = g));
    s.timeAreaGva.forEach((g, i) => (this.timeArea[i] = g === null ? null : BigInt(g)));
  }
}
