// Grant tables, version 1 only (reference §7; xen/include/public/grant_table.h).
//
// The table is up to `maxFrames` host-owned pages of 512 grant_entry_v1 each. An
// HVM/PVH guest sees frame n where it asks with add_to_physmap(XENMAPSPACE_grant_table,
// idx = n, gpfn); the integrator overlays the page there (Xen.overlay callback).
// Refs 0 and 1 are pre-filled for the console and xenstore rings, as the domain
// builder does.
//
// Backends (the host is dom0) access granted guest pages through map() / copyFrom()
// / copyTo(), which enforce what Xen enforces: type permit_access, no sub-page or
// transitive grants, the grantee domid, readonly; and which keep GTF_reading /
// GTF_writing set in the guest's entry while any mapping exists (refcounted), so a
// guest revoking a grant can see it is still in use.

import type { GuestMemory } from "../core/guest_memory.js";
import { PAGE_SIZE } from "../core/guest_memory.js";
import {
  EINVAL,
  ENOSYS,
  GNTST_bad_copy_arg,
  GNTST_bad_domain,
  GNTST_bad_gntref,
  GNTST_bad_page,
  GNTST_general_error,
  GNTST_okay,
  GNTST_permission_denied,
} from "./errno.js";
import {
  GRANT_ENTRIES_PER_FRAME,
  GRANT_ENTRY_V1_DOMID,
  GRANT_ENTRY_V1_FLAGS,
  GRANT_ENTRY_V1_FRAME,
  GRANT_ENTRY_V1_SIZE,
  GTF_permit_access,
  GTF_reading,
  GTF_readonly,
  GTF_sub_page,
  GTF_type_mask,
  GTF_writing,
} from "./abi/grant_table.js";
import { DOMID_SELF } from "./abi/xen.js";

export const GNTTAB_DEFAULT_MAX_FRAMES = 64;

export interface GrantEntry {
  flags: number;
  domid: number;
  frame: number;
}

/** A granted guest page mapped by a backend. */
export interface GrantMapping {
  readonly ref: number;
  /** Guest frame from the grant entry, and its guest-physical address. */
  readonly gfn: number;
  readonly gpa: number;
  readonly write: boolean;
  /** Drop this mapping; the last one clears GTF_reading/GTF_writing. Idempotent. */
  release(): void;
}

/** One side of a GNTTABOP_copy segment. */
export interface CopyPtr {
  /** `ref` when isRef, else a gmfn. */
  u: number;
  domid: number;
  offset: number;
  isRef: boolean;
}

export interface GnttabState {
  nrFrames: number;
  gfns: (number | null)[];
}

export class GrantTable {
  private readonly frames: Uint8Array[] = [];
  private readonly gfns: (number | null)[] = [];
  private nr = 1;
  /** Active backend mappings per ref. */
  private readonly active = new Map<number, { readers: number; writers: number }>();
  /** Only v1 exists here. */
  readonly version = 1;

  constructor(
    private readonly mem: GuestMemory,
    private readonly domid: number,
    readonly maxFrames: number,
    /** The host-owned page for frame idx (see XenCallbacks.hostPage). */
    private readonly page: (idx: number) => Uint8Array,
  ) {
    if (!(maxFrames >= 1 && maxFrames <= 1024)) throw new RangeError(`gnttab max frames ${maxFrames}`);
  }

  get nrFrames(): number {
    return this.nr;
  }

  get nrEntries(): number {
    return this.nr * GRANT_ENTRIES_PER_FRAME;
  }

  /** The host-owned page holding frame idx (allocated on first use). */
  frame(idx: number): Uint8Array {
    let f = this.frames[idx];
    if (!f) {
      f = this.page(idx);
      if (f.length !== PAGE_SIZE) throw new Error("grant table frame must be 4096 bytes");
      this.frames[idx] = f;
    }
    return f;
  }

  /** Where the guest mapped frame idx, or null. */
  gfnOf(idx: number): number | null {
    return this.gfns[idx] ?? null;
  }

  /** add_to_physmap(XENMAPSPACE_grant_table): the caller overlays the page. */
  mapFrame(idx: number, gfn: number): number {
    if (!Number.isInteger(idx) || idx < 0 || idx >= this.maxFrames) return -EINVAL;
    this.frame(idx);
    this.gfns[idx] = gfn;
    if (idx + 1 > this.nr) this.nr = idx + 1;
    return 0;
  }

  /** GNTTABOP_setup_table: grow to nr frames; the frame list reports their gfns
   * (~0 where not mapped: HVM guests map frames with add_to_physmap). */
  setupTable(dom: number, nr: number): { status: number; gfns: number[] } {
    if (!this.isSelf(dom)) return { status: GNTST_bad_domain, gfns: [] };
    if (nr > this.maxFrames) return { status: GNTST_general_error, gfns: [] };
    for (let i = 0; i < nr; i++) this.frame(i);
    if (nr > this.nr) this.nr = nr;
    const gfns: number[] = [];
    for (let i = 0; i < nr; i++) gfns.push(this.gfns[i] ?? -1);
    return { status: GNTST_okay, gfns };
  }

  /** GNTTABOP_set_version: only v1 exists here. */
  setVersion(v: number): number {
    if (v === 1) return 0;
    if (v === 2) return -ENOSYS;
    return -EINVAL;
  }

  private isSelf(dom: number): boolean {
    return dom === DOMID_SELF || dom === this.domid;
  }

  // ---- entries ----

  private locate(ref: number): [Uint8Array, DataView, number] | null {
    if (!Number.isInteger(ref) || ref < 0 || ref >= this.nrEntries) return null;
    const f = this.frame(Math.floor(ref / GRANT_ENTRIES_PER_FRAME));
    const off = (ref % GRANT_ENTRIES_PER_FRAME) * GRANT_ENTRY_V1_SIZE;
    return [f, new DataView(f.buffer, f.byteOffset, f.byteLength), off];
  }

  entry(ref: number): GrantEntry | null {
    const l = this.locate(ref);
    if (!l) return null;
    const [, dv, off] = l;
    return {
      flags: dv.getUint16(off + GRANT_ENTRY_V1_FLAGS, true),
      domid: dv.getUint16(off + GRANT_ENTRY_V1_DOMID, true),
      frame: dv.getUint32(off + GRANT_ENTRY_V1_FRAME, true),
    };
  }

  /** What the domain builder does for the reserved refs: grant `gfn` to `domid`. */
  prefill(ref: number, domid: number, gfn: number, readonly = false): void {
    const l = this.locate(ref);
    if (!l) throw new RangeError(`grant ref ${ref} beyond the table`);
    const [, dv, off] = l;
    dv.setUint16(off + GRANT_ENTRY_V1_DOMID, domid, true);
    dv.setUint32(off + GRANT_ENTRY_V1_FRAME, gfn >>> 0, true);
    dv.setUint16(off + GRANT_ENTRY_V1_FLAGS, GTF_permit_access | (readonly ? GTF_readonly : 0), true);
  }

  private setFlagBits(ref: number, bits: number, on: boolean): void {
    const l = this.locate(ref);
    if (!l) return;
    const [, dv, off] = l;
    const f = dv.getUint16(off + GRANT_ENTRY_V1_FLAGS, true);
    dv.setUint16(off + GRANT_ENTRY_V1_FLAGS, on ? f | bits : f & ~bits, true);
  }

  /** The access check every backend path makes. Returns the entry or a GNTST code. */
  private check(domid: number, ref: number, write: boolean): GrantEntry | number {
    const e = this.entry(ref);
    if (!e) return GNTST_bad_gntref;
    const must = GTF_type_mask | GTF_sub_page | (write ? GTF_readonly : 0);
    if ((e.flags & must) !== GTF_permit_access) return GNTST_permission_denied;
    if (e.domid !== domid) return GNTST_permission_denied;
    if (!this.mem.isRam(e.frame * PAGE_SIZE)) return GNTST_bad_page;
    return e;
  }

  // ---- backend API ----

  /** Map ref for backend domain `domid` (the host is 0). A GNTST code on failure. */
  map(domid: number, ref: number, write: boolean): GrantMapping | number {
    const e = this.check(domid, ref, write);
    if (typeof e === "number") return e;
    const a = this.active.get(ref) ?? { readers: 0, writers: 0 };
    a.readers++;
    if (write) a.writers++;
    this.active.set(ref, a);
    this.setFlagBits(ref, GTF_reading | (write ? GTF_writing : 0), true);
    let live = true;
    return {
      ref,
      gfn: e.frame,
      gpa: e.frame * PAGE_SIZE,
      write,
      release: () => {
        if (!live) return;
        live = false;
        this.unmapOne(ref, write);
      },
    };
  }

  private unmapOne(ref: number, write: boolean): void {
    const a = this.active.get(ref);
    if (!a) return;
    a.readers--;
    if (write) a.writers--;
    if (a.writers === 0) this.setFlagBits(ref, GTF_writing, false);
    if (a.readers === 0) {
      this.setFlagBits(ref, GTF_reading, false);
      this.active.delete(ref);
    }
  }

  /** Active mappings of ref (for tests and diagnostics). */
  mappings(ref: number): { readers: number; writers: number } {
    return { ...(this.active.get(ref) ?? { readers: 0, writers: 0 }) };
  }

  /** Copy `len` bytes at `offset` of granted page `ref` out (map + memcpy + unmap). */
  copyFrom(domid: number, ref: number, offset: number, len: number): Uint8Array | number {
    if (!segmentOk(offset, len)) return GNTST_bad_copy_arg;
    const m = this.map(domid, ref, false);
    if (typeof m === "number") return m;
    try {
      return this.mem.read(m.gpa + offset, len);
    } finally {
      m.release();
    }
  }

  /** Copy `data` into granted page `ref` at `offset`. Returns a GNTST code. */
  copyTo(domid: number, ref: number, offset: number, data: Uint8Array): number {
    if (!segmentOk(offset, data.length)) return GNTST_bad_copy_arg;
    const m = this.map(domid, ref, true);
    if (typeof m === "number") return m;
    try {
      this.mem.write(m.gpa + offset, data);
      return GNTST_okay;
    } finally {
      m.release();
    }
  }

  // ---- GNTTABOP_copy from the guest itself ----

  /** Resolve one side of a guest copy to a guest-physical address, or a GNTST code.
   * A domU has no foreign domain to copy from: grant refs must be its own grants to
   * itself; gmfns must be its own RAM. */
  private resolveCopyPtr(p: CopyPtr, write: boolean, len: number): number {
    if (!segmentOk(p.offset, len)) return GNTST_bad_copy_arg;
    if (!this.isSelf(p.domid)) return GNTST_bad_domain;
    let gfn: number;
    if (p.isRef) {
      const e = this.check(this.domid, p.u, write);
      if (typeof e === "number") return e;
      gfn = e.frame;
    } else {
      gfn = p.u;
      if (!Number.isSafeInteger(gfn) || gfn < 0 || !this.mem.isRam(gfn * PAGE_SIZE)) return GNTST_bad_page;
    }
    return gfn * PAGE_SIZE + p.offset;
  }

  /** One GNTTABOP_copy segment; returns its GNTST status. */
  guestCopy(src: CopyPtr, dst: CopyPtr, len: number): number {
    const s = this.resolveCopyPtr(src, false, len);
    if (s < 0) return s;
    const d = this.resolveCopyPtr(dst, true, len);
    if (d < 0) return d;
    // Both segments lie in one page (segmentOk): copy view to view, no bounce buffer.
    const from = this.mem.span(s, len);
    const to = this.mem.span(d, len);
    if (from && to) to.set(from);
    else this.mem.write(d, this.mem.read(s, len));
    return GNTST_okay;
  }

  /** Soft reset: back to one frame, nothing mapped, no active mappings. */
  reset(): void {
    this.nr = 1;
    this.gfns.length = 0;
    this.active.clear();
  }

  save(): GnttabState {
    return { nrFrames: this.nr, gfns: Array.from(this.gfns, (g) => g ?? null) };
  }

  restore(s: GnttabState): void {
    this.nr = s.nrFrames;
    this.gfns.length = 0;
    s.gfns.forEach((g, i) => {
      this.gfns[i] = g;
      this.frame(i);
    });
    this.active.clear();
  }
}

/** A copy segment must stay inside one page. */
function segmentOk(offset: number, len: number): boolean {
  return Number.isInteger(offset) && Number.isInteger(len) && offset >= 0 && len >= 0 && offset + len <= PAGE_SIZE;
}
