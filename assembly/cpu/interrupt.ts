// Exception and interrupt delivery through the IDT: 64-bit gates (with IST) in
// long mode, 32-bit interrupt/trap gates in protected mode, privilege changes via
// the TSS, and the double/triple-fault rules.
import { CPU_OFF, CPU_IDTR_BASE, CPU_IDTR_LIMIT, CPU_CR2, EXC_RING_OFF, EXC_RING_ENTRIES } from "../layout";
import { insnCount } from "./tsc";
import {
  rip, setRip, cpl, mode64, longActive, protectedMode, segSel, segAttr, segLimit, setSeg, updateMode, gpr, setGpr,
  CS, SS, RSP, F_IF, F_TF, F_NT, F_RF, F_VM, F_AC, stack32,
} from "./state";
import { getEflags, setEflags } from "./flags";
import {
  faulted, faultVector, faultCode, faultHasCode, faultAddr, clearFault, raise, GP, PF, DF, NP, TS_, SS_,
} from "./fault";
import {
  read32, read64, write16, write64, write32, setAccessPrivilege, selectTlbForCpl, setStackRef, readableOff, writableOff,
} from "./mmu";
import {
  readDescriptor, descLo, descAttr, descBase, descLimit, loadCodeSegment, loadRealSegment, tssStack, stackFits,
} from "./segment";
import { linearOf } from "./decode";

// @ts-ignore: decorator
@inline export const K_EXCEPTION: i32 = 0;
// @ts-ignore: decorator
@inline export const K_EXTERNAL: i32 = 1;
// @ts-ignore: decorator
@inline export const K_SOFTWARE: i32 = 2; // INT n, INT3, INTO: gate DPL is checked

/** Set when delivery failed three times over: the machine shuts down. */
export let tripleFault: bool = false;

function isContributory(v: i32): bool {
  return v == 0 || (v >= 10 && v <= 13);
}

/** Delivers the pending fault (from `fault.ts`), escalating to #DF and triple fault. */
/** Records an exception in the diagnostics ring the host prints on a crash. */
function recordException(vec: i32, code: u32): void {
  const n = load<u32>(EXC_RING_OFF + 0x800);
  const e = EXC_RING_OFF + ((n & (EXC_RING_ENTRIES - 1)) << 5);
  store<u32>(e, vec);
  store<u32>(e, code, 4);
  store<u64>(e, rip, 8);
  store<u64>(e, load<u64>(CPU_OFF + CPU_CR2), 16);
  store<u64>(e, insnCount, 24);
  store<u32>(EXC_RING_OFF + 0x800, n + 1);
}

export function deliverPendingFault(): void {
  let vec = faultVector;
  let code = faultCode;
  let hasCode = faultHasCode;
  if (vec == PF) store<u64>(CPU_OFF + CPU_CR2, faultAddr);
  recordException(vec, code);
  clearFault();
  for (let attempt = 0; attempt < 3; attempt++) {
    deliver(vec, hasCode, code, K_EXCEPTION, rip);
    if (!faulted) return;
    const second = faultVector;
    if (vec == DF) break;
    const first = vec;
    if (second == PF) store<u64>(CPU_OFF + CPU_CR2, faultAddr);
    recordException(second, faultCode);
    if ((isContributory(first) && isContributory(second)) || (first == PF && (second == PF || isContributory(second)))) {
      vec = DF; code = 0; hasCode = true;
    } else {
      vec = second; code = faultCode; hasCode = faultHasCode;
    }
    clearFault();
  }
  clearFault();
  tripleFault = true;
}

/** Delivers an external interrupt (or NMI) at the current instruction boundary. */
export function deliverExternal(vector: i32): void {
  deliver(vector, false, 0, K_EXTERNAL, rip);
  if (faulted) deliverPendingFault();
}

/** INT n / INT3 / INTO: the return address is the next instruction. */
export function deliverSoftware(vector: i32, returnRip: u64): void {
  deliver(vector, false, 0, K_SOFTWARE, returnRip);
}

/** One attempt to deliver `vector`; on failure leaves a fault pending. */
function deliver(vector: i32, hasCode: bool, code: u32, kind: i32, retRip: u64): void {
  const idtBase = load<u64>(CPU_OFF + CPU_IDTR_BASE);
  const idtLimit = load<u32>(CPU_OFF + CPU_IDTR_LIMIT);
  if (!protectedMode) { deliverReal(vector, retRip, idtBase, idtLimit); return; }
  const ext: u32 = kind == K_SOFTWARE ? 0 : 1;
  const gateSize: u32 = longActive ? 16 : 8;
  const gateErr = ((vector as u32) << 3) | 2 | ext;
  if (((vector as u32) * gateSize) + gateSize - 1 > idtLimit) { raise(GP, gateErr, true); return; }
  setAccessPrivilege(false);
  const gateLin = idtBase + (vector as u64) * gateSize;
  let g0: u64;
  let g1: u64 = 0;
  // The gate in one page of the read TLB: one lookup for both halves (read64's own).
  const go = readableOff(gateLin, gateSize as i32);
  if (go >= 0) {
    g0 = load<u64>(go as usize);
    if (longActive) g1 = load<u64>(go as usize, 8);
  } else {
    g0 = read64(gateLin);
    if (longActive) g1 = read64(gateLin + 8);
  }
  selectTlbForCpl();
  if (faulted) return;
  const type = ((g0 >> 40) & 0x1f) as u32;
  const gdpl = ((g0 >> 45) & 3) as u32;
  const present = ((g0 >> 47) & 1) != 0;
  const is32Gate = type == 0x0e || type == 0x0f;
  const is16Gate = !longActive && (type == 0x06 || type == 0x07);
  if (!is32Gate && !is16Gate) { raise(GP, gateErr, true); return; }
  if (kind == K_SOFTWARE && gdpl < (cpl as u32)) { raise(GP, gateErr, true); return; }
  if (!present) { raise(NP, gateErr, true); return; }
  const trapGate = (type & 1) != 0;
  const sel = ((g0 >> 16) & 0xffff) as u32;
  let target: u64 = (g0 & 0xffff) | (((g0 >> 48) & 0xffff) << 16);
  if (longActive) target |= (g1 & 0xffffffff) << 32;
  const ist = longActive ? ((g0 >> 32) & 7) as u32 : 0;

  if ((sel & 0xfffc) == 0) { raise(GP, ext, true); return; }
  if (!readDescriptor(sel, false, GP)) return;
  const cattr = descAttr(descLo);
  const cdpl = (cattr >> 5) & 3;
  if ((cattr & 0x18) != 0x18 || cdpl > (cpl as u32)) { raise(GP, (sel & 0xfffc) | ext, true); return; }
  if ((cattr & 0x80) == 0) { raise(NP, (sel & 0xfffc) | ext, true); return; }
  if (longActive && (cattr & 0x2000) == 0) { raise(GP, (sel & 0xfffc) | ext, true); return; }
  const conforming = (cattr & 4) != 0;
  const newCpl: u32 = conforming ? cpl : cdpl;

  const oldFlags = getEflags();
  const oldCsAttr = segAttr(CS);
  const oldCsLimit = segLimit(CS);
  const oldCs = segSel(CS);
  const oldSs = segSel(SS);
  const oldRsp = gpr(RSP);
  const oldCpl = cpl;

  if (longActive) {
    let rsp = oldRsp;
    if (newCpl != (oldCpl as u32) || ist != 0) {
      rsp = tssStack(newCpl, ist);
      if (faulted) return;
    }
    rsp &= ~(0xf as u64);
    // Build the frame at the new privilege.
    setAccessPrivilege(newCpl == 3);
    const frame: u64 = hasCode ? 48 : 40;
    const top = rsp - frame;
    // The frame in one page of the write TLB (so canonical, writable, no code in
    // it): plain stores. Otherwise write64 each slot, which walks and faults.
    const fo = writableOff(top, frame as i32);
    if (fo >= 0) {
      let o = fo as usize;
      if (hasCode) { store<u64>(o, code as u64); o += 8; }
      store<u64>(o, retRip); store<u64>(o, oldCs as u64, 8); store<u64>(o, oldFlags as u64, 16);
      store<u64>(o, oldRsp, 24); store<u64>(o, oldSs as u64, 32);
    } else {
      let p = top;
      setStackRef(true); // a non-canonical stack is #SS
      if (hasCode) { write64(p, code); p += 8; }
      write64(p, retRip); write64(p + 8, oldCs); write64(p + 16, oldFlags);
      write64(p + 24, oldRsp); write64(p + 32, oldSs);
      setStackRef(false);
      if (faulted) { selectTlbForCpl(); return; }
    }
    if (newCpl != (oldCpl as u32)) setSeg(SS, newCpl, 0, 0, (newCpl << 5) | 0x10093);
    loadCodeSegment(sel, newCpl);
    setGpr(RSP, top);
    setRip(target);
  } else {
    // 32-bit protected mode: 32- or 16-bit gates.
    const wide = is32Gate;
    const w: u64 = wide ? 4 : 2;
    const ip = target & (wide ? 0xffffffff : 0xffff);
    if (ip > (descLimit(descLo) as u64)) { raise(GP, ext, true); return; }
    const privChange = !conforming && cdpl < (cpl as u32);
    let newSs = oldSs;
    let esp = oldRsp;
    let ssBase = segBaseOf(SS);
    let ssLimit = segLimit(SS);
    let ssAttr = segAttr(SS);
    if (privChange) {
      const st = tssStack(cdpl, 0);
      if (faulted) return;
      esp = st & 0xffffffff;
      newSs = ((st >> 32) & 0xffff) as u32;
      if ((newSs & 0xfffc) == 0) { raise(TS_, ext, true); return; }
      if (!readDescriptor(newSs, false, TS_)) return;
      ssAttr = descAttr(descLo);
      // The inner stack: RPL = DPL = the handler's CPL, writable data, present.
      if ((newSs & 3) != cdpl || ((ssAttr >> 5) & 3) != cdpl || (ssAttr & 0x1a) != 0x12) { raise(TS_, (newSs & 0xfffc) | ext, true); return; }
      if ((ssAttr & 0x80) == 0) { raise(SS_, (newSs & 0xfffc) | ext, true); return; }
      ssBase = descBase(descLo);
      ssLimit = descLimit(descLo);
    }
    const n: u64 = (privChange ? 5 : 3) + (hasCode ? 1 : 0);
    const spMask: u64 = (ssAttr & 0x4000) != 0 ? 0xffffffff : 0xffff;
    const sp = (esp - n * w) & spMask;
    // The frame must lie within the stack segment: #SS (the new SS's selector after a switch).
    if (!stackFits(sp, n * w, ssAttr, ssLimit)) { raise(SS_, privChange ? (newSs & 0xfffc) | ext : ext, true); return; }
    setAccessPrivilege(cdpl == 3);
    let p = sp;
    if (hasCode) { writeW(ssBase + p, code, wide); p += w; }
    writeW(ssBase + p, retRip, wide); writeW(ssBase + p + w, oldCs, wide); writeW(ssBase + p + 2 * w, oldFlags, wide);
    if (privChange) { writeW(ssBase + p + 3 * w, oldRsp, wide); writeW(ssBase + p + 4 * w, oldSs, wide); }
    if (faulted) { selectTlbForCpl(); return; }
    // Descriptors last, once nothing can fault (descLo holds the SS one now: read CS again).
    if (privChange) setSeg(SS, newSs, ssBase, ssLimit, ssAttr);
    if (!readDescriptor(sel, false, GP)) return;
    loadCodeSegment(sel, newCpl);
    setGpr(RSP, (gpr(RSP) & ~spMask) | sp);
    setRip(ip);
  }
  let f = oldFlags & ~(F_TF | F_NT | F_RF | F_VM);
  if (!trapGate) f &= ~F_IF;
  setEflags(f);
  // The cached mode depends on CR0, EFER and the segment registers; delivery changed
  // CS, and SS only with the privilege. The common case (a kernel interrupted in its
  // own flat code segment) leaves all of it as it was.
  if (newCpl != (oldCpl as u32) || segAttr(CS) != oldCsAttr || segLimit(CS) != oldCsLimit) updateMode();
  selectTlbForCpl();
}

/** Real-address mode: through the interrupt vector table at IDTR.base (4-byte
 * IP:CS entries). FLAGS, CS and IP go on the stack as words, without an error
 * code; IF, TF and AC are cleared (SDM vol. 2, INT n, REAL-ADDRESS-MODE). */
function deliverReal(vector: i32, retRip: u64, idtBase: u64, idtLimit: u32): void {
  const at = (vector as u32) << 2;
  if (at + 3 > idtLimit) { raise(GP, 0, true); return; }
  setAccessPrivilege(false);
  const entry = read32(idtBase + (at as u64));
  if (faulted) return;
  const flags = getEflags();
  const big = stack32;
  const sp = gpr(RSP);
  const mask: u64 = big ? 0xffffffff : 0xffff;
  push16(sp - 2, mask, flags & 0xffff);
  push16(sp - 4, mask, segSel(CS));
  push16(sp - 6, mask, retRip & 0xffff);
  if (faulted) return;
  setGpr(RSP, (sp & ~mask) | ((sp - 6) & mask));
  loadRealSegment(CS, (entry >> 16) as u32);
  setRip(entry & 0xffff);
  setEflags(flags & ~(F_IF | F_TF | F_AC));
}

function push16(sp: u64, mask: u64, v: u64): void {
  write16(linearOf(SS, sp & mask), v);
}

function writeW(lin: u64, v: u64, wide: bool): void {
  if (wide) write32(lin, v & 0xffffffff);
  else write16(lin, v & 0xffff);
}


function segBaseOf(s: i32): u64 {
  return load<u64>(CPU_OFF + 0x100 + s * 32 + 16);
}

export { mode64 };
