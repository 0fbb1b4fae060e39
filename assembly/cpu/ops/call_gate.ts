// Far CALL and JMP through a system descriptor (SDM vol. 2, CALL and JMP,
// protected-mode pseudocode; vol. 3, 5.8 "Privilege Level Checking When
// Transferring Program Control Between Code Segments"): call gates, 16- and
// 32-bit in legacy mode and 64-bit (16-byte) in IA-32e mode, with the stack
// switch and, for legacy gates, the parameter copy of a CALL to a more
// privileged non-conforming code segment.
//
// Deliberately unsupported: task switches. A JMP or CALL to a TSS descriptor or
// through a task gate raises #GP(selector) (hardware would switch tasks; no PVH
// or Linux guest does that, and 64-bit mode has no task switching at all).
import {
  cpl, longActive, nextRip, setNextRip, gpr, setGpr, setSeg, segSel, segAttr, updateMode,
  SS, CS, RSP,
} from "../state";
import { raise, raiseGP, faulted, GP, NP, SS_, TS_ } from "../fault";
import {
  readDescriptor, descLo, descHi, descAttr, descBase, descLimit, loadCodeSegment, tssStack, stackFits,
} from "../segment";
import {
  readN, write16, write32, write64, setAccessPrivilege, selectTlbForCpl, isCanonical,
} from "../mmu";
import { linearOf } from "../decode";
import { push, setStackPointer, stackPointer } from "./operand";

// System descriptor types (descriptor bits 43:40).
// @ts-ignore: decorator
@inline const T_TSS16: u32 = 0x1;
// @ts-ignore: decorator
@inline const T_TSS16_BUSY: u32 = 0x3;
// @ts-ignore: decorator
@inline const T_CALL16: u32 = 0x4;
// @ts-ignore: decorator
@inline const T_TASK: u32 = 0x5;
// @ts-ignore: decorator
@inline const T_TSS32: u32 = 0x9;
// @ts-ignore: decorator
@inline const T_TSS32_BUSY: u32 = 0xb;
// @ts-ignore: decorator
@inline const T_CALL32: u32 = 0xc; // the 64-bit call gate in IA-32e mode

/** Parameters copied by a CALL through a legacy gate (at most 31 words or dwords). */
const params: usize = memory.data(32 * 4);

/** JMP/CALL far to `gsel`, whose descriptor (in descLo, access rights `gattr`)
 * is a system descriptor. The offset of the instruction is ignored: the gate
 * names the target. */
export function farThroughGate(gsel: u32, gattr: u32, isCall: bool): void {
  const type = gattr & 0xf;
  const gerr = gsel & 0xfffc;
  if (type == T_TASK || type == T_TSS16 || type == T_TSS16_BUSY || type == T_TSS32 || type == T_TSS32_BUSY) {
    raiseGP(gerr); // a task switch: not supported
    return;
  }
  if (type != T_CALL32 && (type != T_CALL16 || longActive)) { raiseGP(gerr); return; }
  const gate = descLo;
  let gateHi: u64 = 0;
  if (longActive) {
    // 16 bytes; the upper half's type field must be 0.
    if (!readDescriptor(gsel, true, GP)) return;
    gateHi = descHi;
    if (((gateHi >> 40) & 0x1f) != 0) { raiseGP(gerr); return; }
  }
  const gdpl = (gattr >> 5) & 3;
  if (gdpl < (cpl as u32) || gdpl < (gsel & 3)) { raiseGP(gerr); return; }
  if ((gattr & 0x80) == 0) { raise(NP, gerr, true); return; }

  const csel = ((gate >> 16) & 0xffff) as u32;
  let target: u64 = (gate & 0xffff) | (((gate >> 48) & 0xffff) << 16);
  if (type == T_CALL16) target &= 0xffff;
  if (longActive) target |= (gateHi & 0xffffffff) << 32;
  const count = ((gate >> 32) & 0x1f) as u32;
  const size: i32 = longActive ? 8 : type == T_CALL32 ? 4 : 2;

  // The code segment the gate names.
  if ((csel & 0xfffc) == 0) { raiseGP(0); return; }
  if (!readDescriptor(csel, false, GP)) return;
  const cerr = csel & 0xfffc;
  const cattr = descAttr(descLo);
  const cdpl = (cattr >> 5) & 3;
  const conforming = (cattr & 4) != 0;
  if ((cattr & 0x18) != 0x18 || cdpl > (cpl as u32)) { raiseGP(cerr); return; }
  // JMP never changes privilege: a non-conforming target must be at the CPL.
  if (!isCall && !conforming && cdpl != (cpl as u32)) { raiseGP(cerr); return; }
  // IA-32e mode gates lead to 64-bit code (L set, D clear).
  if (longActive && (cattr & 0x6000) != 0x2000) { raiseGP(cerr); return; }
  if ((cattr & 0x80) == 0) { raise(NP, cerr, true); return; }
  if (longActive ? !isCanonical(target) : target > (descLimit(descLo) as u64)) { raiseGP(0); return; }

  if (isCall && !conforming && cdpl < (cpl as u32)) {
    callInner(csel, cdpl, target, size, count);
    return;
  }
  // Same privilege: CALL pushes CS and the return address at the gate's size.
  if (isCall) {
    const sp = stackPointer();
    push(segSel(CS), size);
    push(nextRip, size);
    if (faulted) { setStackPointer(sp); return; }
  }
  loadCodeSegment(csel, cpl as u32);
  updateMode();
  setNextRip(target);
}

/** CALL through a gate to a more privileged non-conforming code segment:
 * SS:ESP for the new CPL from the TSS (RSP and a null SS in IA-32e mode), the
 * caller's SS, ESP, `count` parameters from its stack, CS and EIP on the new
 * one. Nothing changes before every check has passed and the frame is written. */
function callInner(csel: u32, newCpl: u32, target: u64, size: i32, count: u32): void {
  const oldSs = segSel(SS) as u64;
  const oldSp = gpr(RSP);
  const oldCs = segSel(CS) as u64;
  const ret = nextRip;
  const st = tssStack(newCpl, 0);
  if (faulted) return;

  if (longActive) {
    // 64-bit gate: four quadwords, no parameters, SS = null with RPL = new CPL.
    const rsp = st;
    if (!isCanonical(rsp - 32) || !isCanonical(rsp - 1)) { raise(SS_, 0, true); return; }
    setAccessPrivilege(false);
    write64(rsp - 8, oldSs);
    write64(rsp - 16, oldSp);
    write64(rsp - 24, oldCs);
    write64(rsp - 32, ret);
    selectTlbForCpl();
    if (faulted) return;
    if (!readDescriptor(csel, false, GP)) return;
    setSeg(SS, newCpl, 0, 0, (newCpl << 5) | 0x10093);
    loadCodeSegment(csel, newCpl);
    setGpr(RSP, rsp - 32);
    updateMode();
    selectTlbForCpl();
    setNextRip(target);
    return;
  }

  // Legacy gate: the inner SS must be a present, writable data segment at the new CPL.
  const newEsp = st & 0xffffffff;
  const newSs = ((st >> 32) & 0xffff) as u32;
  if ((newSs & 0xfffc) == 0) { raise(TS_, 0, true); return; }
  if (!readDescriptor(newSs, false, TS_)) return;
  const ssErr = newSs & 0xfffc;
  const ssAttr = descAttr(descLo);
  if ((newSs & 3) != newCpl || ((ssAttr >> 5) & 3) != newCpl || (ssAttr & 0x1a) != 0x12) { raise(TS_, ssErr, true); return; }
  if ((ssAttr & 0x80) == 0) { raise(SS_, ssErr, true); return; }
  const ssBase = descBase(descLo);
  const ssLimit = descLimit(descLo);
  const w = size as u64;
  const frame = (4 + count) as u64 * w;
  const spMask: u64 = (ssAttr & 0x4000) != 0 ? 0xffffffff : 0xffff;
  const sp = (newEsp - frame) & spMask;
  if (!stackFits(sp, frame, ssAttr, ssLimit)) { raise(SS_, ssErr, true); return; }

  // The parameters, through the caller's stack segment (its limit applies).
  const oldMask: u64 = (segAttr(SS) & 0x4000) != 0 ? 0xffffffff : 0xffff;
  for (let i: u32 = 0; i < count; i++) {
    const v = readN(linearOf(SS, (oldSp + (i as u64) * w) & oldMask), size);
    if (faulted) return;
    store<u32>(params + (i << 2), v as u32);
  }
  // The frame, lowest address first: EIP, CS, the parameters, ESP, SS.
  setAccessPrivilege(false);
  putW(ssBase + sp, ret, size);
  putW(ssBase + sp + w, oldCs, size);
  for (let i: u32 = 0; i < count; i++) putW(ssBase + sp + (2 + (i as u64)) * w, load<u32>(params + (i << 2)), size);
  putW(ssBase + sp + (2 + (count as u64)) * w, oldSp, size);
  putW(ssBase + sp + (3 + (count as u64)) * w, oldSs, size);
  selectTlbForCpl();
  if (faulted) return;
  if (!readDescriptor(csel, false, GP)) return;
  setSeg(SS, newSs, ssBase, ssLimit, ssAttr);
  loadCodeSegment(csel, newCpl);
  setGpr(RSP, (newEsp & ~spMask) | sp);
  updateMode();
  selectTlbForCpl();
  setNextRip(target);
}

function putW(lin: u64, v: u64, size: i32): void {
  if (size == 4) write32(lin & 0xffffffff, v & 0xffffffff);
  else write16(lin & 0xffffffff, v & 0xffff);
}
