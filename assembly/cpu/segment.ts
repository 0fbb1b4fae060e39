// Segment descriptors: loading selectors into segment registers with the
// protected-mode checks, and reading gate/system descriptors.
import {
  CPU_OFF, CPU_GDTR_BASE, CPU_GDTR_LIMIT, SEG_BASE, SEG_LIMIT,
} from "../layout";
import {
  setSeg, segOff, segBase, segLimit, segAttr, cpl, mode64, longActive, protectedMode, updateMode,
  CS, SS, LDTR, TR,
} from "./state";
import { raise, GP, NP, SS_, TS_, faulted } from "./fault";
import { read32, read64, write8, setAccessPrivilege, isUserAccess } from "./mmu";

// Descriptor fields cached by readDescriptor().
export let descLo: u64 = 0;   // first 8 bytes
export let descHi: u64 = 0;   // second 8 bytes (64-bit system descriptors)
export let descAddr: u64 = 0; // linear address of the descriptor

/** Attribute word (VMX layout) of a descriptor's first 8 bytes. */
// @ts-ignore: decorator
@inline export function descAttr(lo: u64): u32 {
  return (((lo >> 40) & 0xff) | (((lo >> 52) & 0xf) << 12)) as u32;
}
// @ts-ignore: decorator
@inline export function descBase(lo: u64): u64 {
  return ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24);
}
// @ts-ignore: decorator
@inline export function descLimit(lo: u64): u32 {
  let l = ((lo & 0xffff) | (((lo >> 48) & 0xf) << 16)) as u32;
  if (((lo >> 55) & 1) != 0) l = (l << 12) | 0xfff;
  return l;
}

/** Reads the descriptor for `sel` from the GDT or LDT (supervisor access).
 * Returns false after raising #GP(sel) (or `vec`) when it lies beyond the table. */
export function readDescriptor(sel: u32, wide: bool, vec: i32): bool {
  let base: u64;
  let limit: u32;
  if ((sel & 4) != 0) {
    base = segBase(LDTR);
    limit = segLimit(LDTR);
  } else {
    base = load<u64>(CPU_OFF + CPU_GDTR_BASE);
    limit = load<u32>(CPU_OFF + CPU_GDTR_LIMIT);
  }
  const idx = sel & 0xfff8;
  if (idx + (wide ? 15 : 7) > limit) {
    raise(vec, sel & 0xfffc, true);
    return false;
  }
  descAddr = base + idx;
  const wasUser = isUserAccess();
  setAccessPrivilege(false);
  descLo = read64(descAddr);
  descHi = wide ? read64(descAddr + 8) : 0;
  setAccessPrivilege(wasUser);
  return !faulted;
}

/** Sets the accessed bit of the descriptor last read. */
export function markAccessed(): void {
  if (((descLo >> 40) & 1) != 0) return;
  const wasUser = isUserAccess();
  setAccessPrivilege(false);
  write8(descAddr + 5, ((descLo >> 40) & 0xff) | 1);
  setAccessPrivilege(wasUser);
}

/** A segment load in real-address mode (MOV/POP Sreg, LDS..LGS, far JMP/CALL/RET,
 * INT, IRET): base = selector << 4. The limit, D/B and G stay as they were (so
 * big real mode keeps its 4 GiB limit); the rest becomes a present, accessed
 * read/write data segment (execute/read code for CS) at DPL 0. A segment that
 * was unusable (a null selector loaded in protected mode) gets the reset values. */
export function loadRealSegment(seg: i32, sel: u32): void {
  const old = segAttr(seg);
  const unusable = (old & 0x10000) != 0;
  const attr = (unusable ? 0 : old & 0xd000) | (seg == CS ? 0x9b : 0x93);
  setSeg(seg, sel & 0xffff, ((sel & 0xffff) as u64) << 4, unusable ? 0xffff : segLimit(seg), attr);
  if (seg == SS || seg == CS) updateMode();
}

/** MOV/POP Sreg and LDS..LGS in either mode. Returns false after a fault. */
export function loadSegment(seg: i32, sel: u32): bool {
  if (!protectedMode) { loadRealSegment(seg, sel); return true; }
  return loadDataSegment(seg, sel);
}

/** MOV/POP to DS, ES, FS, GS or SS in protected mode. Returns false after a fault.
 * `forCpl` is the privilege the SS checks use when it is not the current one
 * (IRET and RET far to an outer ring load SS for the CPL they return to).
 * `modeNow`: recompute the cached mode after an SS load; false for callers that
 * load CS as well and call updateMode() once themselves. */
export function loadDataSegment(seg: i32, sel: u32, forCpl: i32 = -1, modeNow: bool = true): bool {
  const rpl = sel & 3;
  const c: u32 = forCpl >= 0 ? forCpl as u32 : cpl as u32;
  if ((sel & 0xfffc) == 0) {
    if (seg == SS && (!mode64 || rpl != c)) {
      raise(GP, 0, true);
      return false;
    }
    // A null selector: unusable segment (bit 16), DPL kept for SS (it carries the CPL).
    const keep = seg == SS ? (c << 5) | 0x10093 : 0x10000;
    setSeg(seg, sel, 0, 0, keep);
    if (seg == SS && modeNow) updateMode();
    return true;
  }
  if (!readDescriptor(sel, false, GP)) return false;
  const attr = descAttr(descLo);
  const type = attr & 0xf;
  const dpl = (attr >> 5) & 3;
  const isCode = (type & 8) != 0;
  if ((attr & 0x10) == 0) { raise(GP, sel & 0xfffc, true); return false; }
  if (seg == SS) {
    if (isCode || (type & 2) == 0 || rpl != c || dpl != c) {
      raise(GP, sel & 0xfffc, true);
      return false;
    }
    if ((attr & 0x80) == 0) { raise(SS_, sel & 0xfffc, true); return false; }
  } else {
    if (isCode && (type & 2) == 0) { raise(GP, sel & 0xfffc, true); return false; }
    const conforming = isCode && (type & 4) != 0;
    if (!conforming && (dpl < rpl || dpl < (cpl as u32))) { raise(GP, sel & 0xfffc, true); return false; }
    if ((attr & 0x80) == 0) { raise(NP, sel & 0xfffc, true); return false; }
  }
  markAccessed();
  // FS/GS bases in 64-bit mode keep their upper half only through the MSRs; a
  // selector load sets the 32-bit base.
  setSeg(seg, sel, descBase(descLo), descLimit(descLo), attr);
  if (seg == SS && modeNow) updateMode();
  return true;
}

/** Loads CS for a far transfer to `sel` at privilege `newCpl` (descriptor already
 * read and checked by the caller). */
export function loadCodeSegment(sel: u32, newCpl: u32): void {
  const attr = descAttr(descLo);
  markAccessed();
  setSeg(CS, (sel & 0xfffc) | newCpl, descBase(descLo), descLimit(descLo), attr);
}

/** Checks a code-segment descriptor (in descLo) as a far JMP/CALL target.
 * Returns the new CPL or -1 after raising a fault. */
export function checkCodeTarget(sel: u32): i32 {
  const attr = descAttr(descLo);
  const type = attr & 0xf;
  const dpl = (attr >> 5) & 3;
  if ((attr & 0x10) == 0 || (type & 8) == 0) { raise(GP, sel & 0xfffc, true); return -1; }
  const conforming = (type & 4) != 0;
  if (conforming) {
    if (dpl > (cpl as u32)) { raise(GP, sel & 0xfffc, true); return -1; }
  } else if ((sel & 3) > (cpl as u32) || dpl != (cpl as u32)) {
    raise(GP, sel & 0xfffc, true);
    return -1;
  }
  if ((attr & 0x80) == 0) { raise(NP, sel & 0xfffc, true); return -1; }
  // In long mode a code segment with L and D both set is invalid.
  if (longActive && (attr & 0x6000) == 0x6000) { raise(GP, sel & 0xfffc, true); return -1; }
  return cpl;
}

/** LTR: loads an available TSS descriptor and marks it busy. */
export function loadTaskRegister(sel: u32): bool {
  if ((sel & 0xfffc) == 0 || (sel & 4) != 0) { raise(GP, sel & 0xfffc, true); return false; }
  if (!readDescriptor(sel, longActive, GP)) return false;
  const attr = descAttr(descLo);
  const type = attr & 0x1f;
  if (type != 0x09 && type != 0x01) { raise(GP, sel & 0xfffc, true); return false; }
  if ((attr & 0x80) == 0) { raise(NP, sel & 0xfffc, true); return false; }
  let base = descBase(descLo);
  if (longActive) base |= (descHi & 0xffffffff) << 32;
  const wasUser = isUserAccess();
  setAccessPrivilege(false);
  write8(descAddr + 5, ((descLo >> 40) & 0xff) | 2); // busy
  setAccessPrivilege(wasUser);
  if (faulted) return false;
  setSeg(TR, sel, base, descLimit(descLo), attr | 2);
  return true;
}

/** LLDT. */
export function loadLdt(sel: u32): bool {
  if ((sel & 0xfffc) == 0) { setSeg(LDTR, sel, 0, 0, 0x10000); return true; }
  if ((sel & 4) != 0) { raise(GP, sel & 0xfffc, true); return false; }
  if (!readDescriptor(sel, longActive, GP)) return false;
  const attr = descAttr(descLo);
  if ((attr & 0x1f) != 0x02) { raise(GP, sel & 0xfffc, true); return false; }
  if ((attr & 0x80) == 0) { raise(NP, sel & 0xfffc, true); return false; }
  let base = descBase(descLo);
  if (longActive) base |= (descHi & 0xffffffff) << 32;
  setSeg(LDTR, sel, base, descLimit(descLo), attr);
  return true;
}

/** `bytes` at offset `sp` lie within a stack segment with `attr` and `limit`
 * (expand-down: above the limit, up to 0xFFFF or 0xFFFFFFFF by B): interrupt
 * and call-gate frames pushed on a new stack. */
export function stackFits(sp: u64, bytes: u64, attr: u32, limit: u32): bool {
  const last = sp + bytes - 1;
  if ((attr & 0xc) == 4) return sp > (limit as u64) && last <= ((attr & 0x4000) != 0 ? 0xffffffff : 0xffff);
  return last <= (limit as u64);
}

/** Reads a stack pointer from the TSS for privilege `dpl` (or IST slot `ist`). */
export function tssStack(dpl: u32, ist: u32): u64 {
  const base = segBase(TR);
  const wasUser = isUserAccess();
  setAccessPrivilege(false);
  let v: u64;
  if (longActive) {
    const off: u64 = ist != 0 ? 36 + ((ist - 1) << 3) : 4 + (dpl << 3);
    if (off + 7 > segLimit(TR)) { setAccessPrivilege(wasUser); raise(TS_, segSelTr(), true); return 0; }
    v = read64(base + off);
  } else {
    const off: u64 = 4 + (dpl << 3);
    if (off + 5 > segLimit(TR)) { setAccessPrivilege(wasUser); raise(TS_, segSelTr(), true); return 0; }
    v = read32(base + off) | ((read32(base + off + 4) & 0xffff) << 32); // esp, ss in the high half
  }
  setAccessPrivilege(wasUser);
  return v;
}

function segSelTr(): u32 {
  return load<u16>(segOff(TR)) & 0xfffc;
}

export { segAttr, SEG_BASE, SEG_LIMIT };
