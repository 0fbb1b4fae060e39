// Far control transfers: JMP/CALL/RET far, IRET, SYSCALL/SYSRET, SYSENTER/SYSEXIT.
import {
  CPU_OFF, CPU_STAR, CPU_LSTAR, CPU_CSTAR, CPU_SFMASK, CPU_SYSENTER_CS, CPU_SYSENTER_ESP, CPU_SYSENTER_EIP,
} from "../../layout";
import {
  cpl, mode64, longActive, protectedMode, setNextRip, nextRip, gpr, setGpr, setSeg, segSel, segLimit, segAttr, updateMode, efer, cr0,
  CS, SS, DS, ES, FS, GS, RSP, RCX, F_IF, F_IOPL, F_VM, F_RF, F_TF, F_NT, F_AC, F_ID, EFER_SCE, CR0_PE,
} from "../state";
import { getEflags, setEflags } from "../flags";
import { raise, raiseGP, raiseUD, faulted, GP, NP, SS_ } from "../fault";
import {
  readDescriptor, descLo, descAttr, descBase, descLimit, checkCodeTarget, loadCodeSegment, loadDataSegment, loadRealSegment,
} from "../segment";
import { selectTlbForCpl, isCanonical, readableOff } from "../mmu";
import { push, pop, peek, stackOpSize, setStackPointer, stackPointer } from "./operand";
import { farThroughGate } from "./call_gate";

/** JMP far / CALL far to sel:off: a code segment, or a call gate (call_gate.ts;
 * task gates and TSS descriptors raise #GP there). The pushes of a far CALL
 * are at the operand size (4 bytes in 64-bit mode without REX.W). */
export function farJump(sel: u32, off: u64, isCall: bool, opsz: i32): void {
  if (!protectedMode) {
    // Real mode: CS = sel, base sel << 4; CALL pushes CS then IP at the operand size.
    const ip = off & (opsz == 2 ? 0xffff : 0xffffffff);
    if (ip > (segLimit(CS) as u64)) { raiseGP(0); return; }
    if (isCall) {
      const sp = stackPointer();
      push(segSel(CS), opsz);
      push(nextRip & (opsz == 2 ? 0xffff : 0xffffffff), opsz);
      if (faulted) { setStackPointer(sp); return; }
    }
    loadRealSegment(CS, sel);
    setNextRip(ip);
    return;
  }
  if ((sel & 0xfffc) == 0) { raiseGP(0); return; }
  if (!readDescriptor(sel, false, GP)) return;
  const attr = descAttr(descLo);
  if ((attr & 0x10) == 0) { farThroughGate(sel, attr, isCall); return; }
  const newCpl = checkCodeTarget(sel);
  if (newCpl < 0) return;
  const ip = is64Code(descLo) ? off : off & (opsz == 2 ? 0xffff : 0xffffffff);
  if (!farTargetOk(descLo, ip)) return;
  if (is64Code(descLo) && !isCanonical(ip)) { raiseGP(0); return; }
  if (isCall) {
    const sp = stackPointer();
    push(segSel(CS), opsz);
    push(nextRip, opsz);
    if (faulted) { setStackPointer(sp); return; }
  }
  loadCodeSegment(sel, newCpl as u32);
  updateMode();
  setNextRip(ip);
}

/** The code segment of descriptor `lo` runs 64-bit code (L with EFER.LMA). */
function is64Code(lo: u64): bool {
  return longActive && (descAttr(lo) & 0x2000) != 0;
}

/** A far transfer's offset `ip` must lie within the new code segment's limit
 * outside 64-bit code: #GP(0) otherwise, before anything changes. */
function farTargetOk(lo: u64, ip: u64): bool {
  if (is64Code(lo) || ip <= (descLimit(lo) as u64)) return true;
  raiseGP(0);
  return false;
}

/** RET far (imm bytes released after popping); EIP and CS are popped at the
 * operand size (4 bytes in 64-bit mode without REX.W). */
export function farReturn(opsz: i32, release: u64): void {
  const sz = opsz;
  const off = peek(sz, 0);
  const sel = (peek(sz, sz as u64) & 0xffff) as u32;
  if (faulted) return;
  if (!protectedMode) {
    const ip = off & (sz == 2 ? 0xffff : 0xffffffff);
    if (ip > (segLimit(CS) as u64)) { raiseGP(0); return; }
    loadRealSegment(CS, sel);
    setStackPointer(stackPointer() + 2 * (sz as u64) + release);
    setNextRip(ip);
    return;
  }
  if ((sel & 0xfffc) == 0) { raiseGP(0); return; }
  if (!readDescriptor(sel, false, GP)) return;
  const attr = descAttr(descLo);
  const rpl = sel & 3;
  const dpl = (attr >> 5) & 3;
  // Non-conforming code: DPL = RPL; conforming: DPL <= RPL.
  if ((attr & 0x18) != 0x18 || rpl < (cpl as u32) || ((attr & 4) != 0 ? dpl > rpl : dpl != rpl)) {
    raiseGP(sel & 0xfffc);
    return;
  }
  if ((attr & 0x80) == 0) { raise(NP, sel & 0xfffc, true); return; }
  if (!farTargetOk(descLo, off)) return;
  if (is64Code(descLo) && !isCanonical(off)) { raiseGP(0); return; }
  if (rpl == (cpl as u32)) {
    loadCodeSegment(sel, rpl);
    setStackPointer(stackPointer() + 2 * (sz as u64) + release);
    updateMode();
    setNextRip(off);
    return;
  }
  // Return to an outer privilege level: SS:RSP follow.
  const base = 2 * (sz as u64) + release;
  const nsp = peek(sz, base);
  const nss = (peek(sz, base + (sz as u64)) & 0xffff) as u32;
  if (faulted) return;
  const codeLo = descLo;
  // SS first: it is checked against the new CPL, and a fault must leave CS alone.
  if (!loadOuterStack(nss, rpl)) return;
  loadCodeSegmentRaw(sel, rpl, codeLo);
  updateMode();
  setStackPointer(nsp + release);
  setNextRip(off);
  clearDataSegmentsAbove(rpl);
}

function loadCodeSegmentRaw(sel: u32, newCpl: u32, lo: u64): void {
  setSeg(CS, (sel & 0xfffc) | newCpl, descBase(lo), descLimit(lo), descAttr(lo));
}

/** Loads SS for a return to privilege `rpl` (null SS allowed in 64-bit mode). The
 * caller loads CS next and then calls updateMode() (the cached mode is stale until then). */
function loadOuterStack(sel: u32, rpl: u32): bool {
  if ((sel & 0xfffc) == 0) {
    if (!longActive || rpl == 3) { raiseGP(0); return false; }
    setSeg(SS, sel, 0, 0, (rpl << 5) | 0x10093);
    return true;
  }
  return loadDataSegment(SS, sel, rpl as i32, false);
}

/** After a return to an outer ring, data segments the new ring may not use become null. */
function clearDataSegmentsAbove(newCpl: u32): void {
  for (let s = 0; s < 6; s++) {
    if (s != ES && s != DS && s != FS && s != GS) continue;
    const a = load<u32>(CPU_OFF + 0x100 + s * 32 + 4);
    const dpl = (a >> 5) & 3;
    const conformingCode = (a & 0x1c) == 0x1c;
    if ((a & 0x10000) == 0 && !conformingCode && dpl < newCpl) {
      const o = CPU_OFF + 0x100 + s * 32;
      store<u16>(o, 0);
      store<u32>(o + 4, 0x10000);
    }
  }
}

/** IRET/IRETD/IRETQ. */
export function iret(opsz: i32): void {
  if (!protectedMode) {
    // Real mode: IP, CS, FLAGS at the operand size. IRETD keeps VM, VIF, VIP
    // (SDM vol. 2, IRET: EFLAGS <- tempEFLAGS AND 257FD5H OR EFLAGS AND 1A0000H).
    const sz = opsz;
    const ip = peek(sz, 0);
    const cs = (peek(sz, sz as u64) & 0xffff) as u32;
    const fl = peek(sz, 2 * (sz as u64)) as u32;
    if (faulted) return;
    if (ip > (segLimit(CS) as u64)) { raiseGP(0); return; }
    setStackPointer(stackPointer() + 3 * (sz as u64));
    loadRealSegment(CS, cs);
    if (sz == 2) setEflags((getEflags() & ~0xffff) | (fl & 0xffff));
    else setEflags((fl & 0x257fd5) | (getEflags() & 0x1a0000));
    setNextRip(ip);
    return;
  }
  if (!longActive && (getEflags() & F_NT) != 0) { raiseGP(0); return; } // task return: not supported
  const sz = mode64 ? (opsz == 2 ? 2 : opsz) : opsz;
  // IRETQ in 64-bit mode (SS's base is ignored there): a frame that sits in one page
  // of the read TLB is five loads; else each slot is peeked (and may fault).
  const fo = mode64 && sz == 8 ? readableOff(gpr(RSP), 40) : -1;
  let newRip: u64;
  let sel: u32;
  let fl: u32;
  if (fo >= 0) {
    newRip = load<u64>(fo as usize);
    sel = load<u16>(fo as usize, 8) as u32;
    fl = load<u32>(fo as usize, 16);
  } else {
    newRip = peek(sz, 0);
    sel = (peek(sz, sz as u64) & 0xffff) as u32;
    fl = peek(sz, 2 * (sz as u64)) as u32;
  }
  if (faulted) return;
  if ((sel & 0xfffc) == 0) { raiseGP(0); return; }
  if (!readDescriptor(sel, false, GP)) return;
  const attr = descAttr(descLo);
  const rpl = sel & 3;
  const conforming = (attr & 4) != 0;
  const dpl = (attr >> 5) & 3;
  if ((attr & 0x18) != 0x18 || rpl < (cpl as u32) || (conforming && dpl > rpl) || (!conforming && dpl != rpl)) {
    raiseGP(sel & 0xfffc); return;
  }
  if ((attr & 0x80) == 0) { raise(NP, sel & 0xfffc, true); return; }
  if (mode64 && (attr & 0x2000) != 0 && !isCanonical(newRip)) { raiseGP(0); return; }
  if (!farTargetOk(descLo, is64Code(descLo) ? newRip : newRip & (sz == 2 ? 0xffff : 0xffffffff))) return;
  const oldCpl = cpl as u32;
  const codeLo = descLo;
  const outer = rpl > oldCpl;
  if (mode64 || outer) {
    // 64-bit IRET always pops SS:RSP; legacy IRET only on a privilege change.
    const nsp = fo >= 0 ? load<u64>(fo as usize, 24) : peek(sz, 3 * (sz as u64));
    const nss = (fo >= 0 ? load<u16>(fo as usize, 32) as u32 : (peek(sz, 4 * (sz as u64)) & 0xffff) as u32);
    if (faulted) return;
    const csAttr = segAttr(CS);
    const csLimit = segLimit(CS);
    const ssAttr = segAttr(SS);
    const ssLimit = segLimit(SS);
    // SS first: it is checked against the new CPL, and a fault must leave CS alone.
    if (!loadOuterStack(nss, rpl)) return;
    loadCodeSegmentRaw(sel, rpl, codeLo);
    updateFlagsForIret(fl, sz, oldCpl);
    // The cached mode follows CR0, EFER and the segment registers: a return to the
    // same privilege through the same kinds of CS and SS (a kernel's interrupt
    // return) leaves it as it was. A fault above left it untouched too.
    if (outer || segAttr(CS) != csAttr || segLimit(CS) != csLimit || segAttr(SS) != ssAttr || segLimit(SS) != ssLimit) updateMode();
    if (mode64 || longActive) setGpr(RSP, sz == 8 ? nsp : nsp & 0xffffffff);
    else setStackPointer(nsp);
    if (outer) clearDataSegmentsAbove(rpl);
  } else {
    loadCodeSegmentRaw(sel, rpl, codeLo);
    updateFlagsForIret(fl, sz, oldCpl);
    setStackPointer(stackPointer() + 3 * (sz as u64));
    updateMode();
  }
  selectTlbForCpl();
  setNextRip(mode64 ? newRip : newRip & (sz == 2 ? 0xffff : 0xffffffff));
}

/** Which EFLAGS bits POPF/IRET may change at `atCpl`. */
export function writableFlags(atCpl: u32, sz: i32): u32 {
  let m: u32 = 0x3f7fd5 & ~(F_VM | 0x180000); // VIF/VIP/VM not modelled
  const iopl = (getEflags() & F_IOPL) >> 12;
  if (atCpl != 0) m &= ~F_IOPL;
  if (atCpl > iopl) m &= ~F_IF;
  if (sz == 2) m &= 0xffff;
  return m;
}

function updateFlagsForIret(fl: u32, sz: i32, oldCpl: u32): void {
  const m = writableFlags(oldCpl, sz);
  setEflags((getEflags() & ~m) | (fl & m));
}

export function popf(opsz: i32): void {
  const sz = stackOpSize(opsz);
  const v = pop(sz);
  if (faulted) return;
  const m = writableFlags(cpl as u32, sz) & ~F_RF;
  setEflags((getEflags() & ~m) | ((v as u32) & m));
}

export function syscall(): void {
  if ((efer() & EFER_SCE) == 0 || !longActive) { raiseUD(); return; }
  const star = load<u64>(CPU_OFF + CPU_STAR);
  const sel = ((star >> 32) & 0xfffc) as u32;
  const fl = getEflags();
  if (mode64) {
    setGpr(RCX, nextRip);
    setGpr(11, fl & ~F_RF);
    setNextRip(load<u64>(CPU_OFF + CPU_LSTAR));
  } else {
    setGpr(RCX, nextRip & 0xffffffff);
    setGpr(11, fl & ~F_RF);
    setNextRip(load<u64>(CPU_OFF + CPU_CSTAR));
  }
  setEflags(fl & ~(load<u32>(CPU_OFF + CPU_SFMASK)) & ~F_RF);
  setSeg(CS, sel, 0, 0xffffffff, 0xa09b); // 64-bit code, DPL 0
  setSeg(SS, sel + 8, 0, 0xffffffff, 0xc093);
  updateMode();
  selectTlbForCpl();
}

export function sysret(opsz: i32): void {
  if ((efer() & EFER_SCE) == 0 || !longActive || !mode64) { raiseUD(); return; }
  if (cpl != 0) { raiseGP(0); return; }
  const star = load<u64>(CPU_OFF + CPU_STAR);
  const base = ((star >> 48) & 0xfffc) as u32;
  const target = gpr(RCX);
  if (opsz == 8) {
    if (!isCanonical(target)) { raiseGP(0); return; }
    setSeg(CS, (base + 16) | 3, 0, 0xffffffff, 0xa0fb);
    setNextRip(target);
  } else {
    setSeg(CS, base | 3, 0, 0xffffffff, 0xc0fb);
    setNextRip(target & 0xffffffff);
  }
  // SS keeps a flat writable descriptor whatever the GDT says.
  setSeg(SS, (base + 8) | 3, 0, 0xffffffff, 0xc0f3);
  setEflags(((gpr(11) as u32) & 0x3c7fd7) | 2);
  updateMode();
  selectTlbForCpl();
}

export function sysenter(): void {
  const cs = load<u64>(CPU_OFF + CPU_SYSENTER_CS) as u32;
  if ((cr0() & CR0_PE) == 0 || (cs & 0xfffc) == 0) { raiseGP(0); return; }
  setEflags(getEflags() & ~(F_VM | F_IF | F_RF));
  if (longActive) {
    setSeg(CS, cs & 0xfffc, 0, 0xffffffff, 0xa09b);
    setNextRip(load<u64>(CPU_OFF + CPU_SYSENTER_EIP));
    setGpr(RSP, load<u64>(CPU_OFF + CPU_SYSENTER_ESP));
  } else {
    setSeg(CS, cs & 0xfffc, 0, 0xffffffff, 0xc09b);
    setNextRip(load<u64>(CPU_OFF + CPU_SYSENTER_EIP) & 0xffffffff);
    setGpr(RSP, load<u64>(CPU_OFF + CPU_SYSENTER_ESP) & 0xffffffff);
  }
  setSeg(SS, (cs & 0xfffc) + 8, 0, 0xffffffff, 0xc093);
  updateMode();
  selectTlbForCpl();
}

export function sysexit(opsz: i32): void {
  const cs = load<u64>(CPU_OFF + CPU_SYSENTER_CS) as u32;
  if ((cr0() & CR0_PE) == 0 || (cs & 0xfffc) == 0 || cpl != 0) { raiseGP(0); return; }
  if (opsz == 8) {
    setSeg(CS, ((cs + 32) & 0xfffc) | 3, 0, 0xffffffff, 0xa0fb);
    setSeg(SS, ((cs + 40) & 0xfffc) | 3, 0, 0xffffffff, 0xc0f3);
    setNextRip(gpr(2));
    setGpr(RSP, gpr(RCX));
  } else {
    setSeg(CS, ((cs + 16) & 0xfffc) | 3, 0, 0xffffffff, 0xc0fb);
    setSeg(SS, ((cs + 24) & 0xfffc) | 3, 0, 0xffffffff, 0xc0f3);
    setNextRip(gpr(2) & 0xffffffff);
    setGpr(RSP, gpr(RCX) & 0xffffffff);
  }
  updateMode();
  selectTlbForCpl();
}

export { F_TF, F_AC, F_ID, SS_ };
