// The interpreter: run(budget) executes guest instructions until the budget is
// spent or something needs the host (a KVM_RUN-style exit).
import {
  CTL_OFF, CTL_EXIT_REASON, CTL_IO_PORT, CTL_IO_SIZE, CTL_IO_WRITE, CTL_IO_DATA, CTL_MSR_INDEX,
  CTL_MSR_VALUE, CTL_INSN_COUNT, CTL_LAST_RIP, CPU_OFF, CPU_RFLAGS, CPU_HALTED, CPU_SHADOW,
  CPU_NMI_PENDING, CPU_PENDING_EXT, CPU_KERNEL_GS_BASE, CPU_TSC_AUX, CPU_CR0, XEN_OFF,
  EXIT_BUDGET, EXIT_HYPERCALL, EXIT_IO, EXIT_HLT, EXIT_SHUTDOWN, EXIT_WRMSR, EXIT_OUT_OF_MEMORY, EXIT_DEAD,
  SEG_BASE, IO_BITMAP_OFF, BLOCK_ARENA_OFF, CTL_PAUSE_EXITS, EXIT_PAUSE,
} from "../layout";
import {
  rip, nextRip, setRip, setNextRip, cpl, mode64, gpr, setGpr, gpr32, updateMode, saveRipToState,
  loadRipFromState, segSel, segOff, segBase, segLimit, csLimited, cr0, modeKey, ripMask, chainEpoch,
  RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, CS, SS, DS, ES, FS, GS,
  F_CF, F_IF, F_DF, F_IOPL, F_ZF, CR0_PE, CR0_MP, CR0_EM, CR0_TS,
} from "./state";
import {
  eflags, getEflags, setEflags, flushFlags, testCC, sizeMask, getZF,
} from "./flags";
import {
  faulted, raise, raiseGP, raiseUD, DE, BP, OF_, NM, GP, clearFault,
} from "./fault";
import {
  decode, initDecodeTable, ins, setIns, computeEa, materialize, eaLinear, linearOf, eaOff,
  dOpcode, dOpsize, dAdsize, dModrm, dRegf, dRmf, dIsMem, dImm, dImm2, dRep, dLock, dRex, dRexW, dSegOvr,
  E_LEN, E_KIND, E_FLAGS, E_PAGEOFF, EF_MEM, EF_LOCK, EF_INVALID,
} from "./decode";
import {
  alu, incDec, neg, shift, shiftDouble, mulU128, mulS128, mulHi, setMulFlags, divU128, divS128, divRem,
  divError, bitScan, popcount, bitOp, sext, countZeros, bcdAdjust,
} from "./ops/alu";
import {
  readReg, writeReg, readRM, writeRM, readRMForWrite, readG, writeG, push, pop, peek, stackOpSize,
  stackPointer, setStackPointer, maskStack,
} from "./ops/operand";
import { movs, stos, lods, cmps } from "./ops/string";
import { farJump, farReturn, iret, popf, syscall, sysret, sysenter, sysexit } from "./ops/control";
import {
  movToCr, movFromCr, movDr, loadDescriptorTable, storeDescriptorTable, invlpg, clts, ioAllowed,
} from "./ops/system";
import { sseExec, grp15 } from "./ops/sse";
import { x87Exec, fwait, fpuReset } from "./ops/x87";
import { loadSegment, loadTaskRegister, loadLdt, readDescriptor, descLo, descAttr, descLimit } from "./segment";
import { deliverPendingFault, deliverExternal, deliverSoftware, tripleFault } from "./interrupt";
import { readN, writeN, read8, probeWrite, selectTlbForCpl, isCanonical, codePage, setStackRef } from "./mmu";
import { cpuid } from "./cpuid";
import { evtchnSendInCore } from "../xen/evtchn_send";
import { rdmsr, wrmsr, msrExit, clearMsrExit } from "./msr";
import { insnCount, addInsn, markEntry, tscNow, setInsnCount, rdtscValue } from "./tsc";
import { execFast, runEntries, entryAt, endsBlock, rasPush, rasPop, SLOW, GO, KS_CALL, KS_RET, K_GENERIC_IN } from "./fastpath";
import { blockHit, blockAt, blockCacheFlush, codeGenBump, B_COUNT, B_LINK, E_NEXT, E_LINK } from "./blocks";
import { outOfFrames } from "../mem/phys";
import { lapicPendingVector, lapicAccept, lapicTick, lapicCheckAt } from "../apic/lapic";
import { pendingExit, clearPendingExit } from "../virtio/notify";

let exitReason: u32 = 0;
/** The run loop does its per-boundary work (exits, budget, the LAPIC timer,
 * interrupts) only when insnCount reaches stopAt; anything that needs it sooner
 * sets stopAt to 0 (requestCheck). */
let stopAt: u64 = 0;
/** insnCount at which the current run's budget is spent. */
let runEnd: u64 = 0;
/** An interrupt may be deliverable: set by the host, the LAPIC and IF 0→1
 * (setEflags); cleared when nothing is deliverable, IF=0 included. */
export let intrPending: bool = true;
export function signalInterrupt(): void { intrPending = true; stopAt = 0; }
/** Something changed that the run loop must look at before the next instruction
 * (a device asked for an exit, the LAPIC timer was reprogrammed, a frame could
 * not be allocated): the memory slow paths call this. */
export function requestCheck(): void { stopAt = 0; }
function setExit(r: u32): void { exitReason = r; stopAt = 0; }
let shadow: bool = false;
let halted: bool = false;
/** The last exit was an IN whose data the host has now supplied in CTL_IO_DATA. */
let ioInReady: bool = false;

export function initCpu(): void {
  // The block arena sits above AssemblyScript's static data.
  if (__heap_base > (BLOCK_ARENA_OFF as usize)) unreachable();
  initDecodeTable();
  fpuReset();
}

// Xen callback-vector latch (HVM_PARAM_CALLBACK_IRQ type 2): the vector is
// delivered directly while vcpu_info.evtchn_upcall_pending is set.
// @ts-ignore: decorator
@inline const XEN_CALLBACK_VECTOR: u32 = 0; // u32 at XEN_OFF
// @ts-ignore: decorator
@inline const XEN_VCPU_INFO_OFF: u32 = 8; // u32 wasm offset of the vcpu_info byte, 0 = none

function callbackPending(): i32 {
  const vec = load<u32>(XEN_OFF + XEN_CALLBACK_VECTOR);
  if (vec == 0) return -1;
  const off = load<u32>(XEN_OFF + XEN_VCPU_INFO_OFF);
  if (off == 0 || load<u8>(off) == 0) return -1;
  return vec as i32;
}

/** Delivers one external interrupt if the CPU can take it; returns true if it did.
 * With nothing deliverable (IF=0 included) it clears intrPending: whatever makes
 * an interrupt deliverable later (IF 0→1, a new IRR bit, an NMI, the host) sets it. */
function tryInterrupt(): bool {
  if (load<u32>(CPU_OFF + CPU_NMI_PENDING) != 0) {
    store<u32>(CPU_OFF + CPU_NMI_PENDING, 0);
    deliverExternal(2);
    return true;
  }
  if ((eflags & F_IF) == 0) { intrPending = false; return false; }
  const ext = load<u32>(CPU_OFF + CPU_PENDING_EXT);
  if (ext != 0) {
    store<u32>(CPU_OFF + CPU_PENDING_EXT, 0);
    deliverExternal(ext as i32);
    return true;
  }
  const cb = callbackPending();
  if (cb >= 0) {
    deliverExternal(cb);
    afterDelivery();
    return true;
  }
  const v = lapicPendingVector();
  if (v >= 0) {
    lapicAccept(v);
    deliverExternal(v);
    afterDelivery();
    return true;
  }
  intrPending = false;
  return false;
}

/** After an external interrupt went through an interrupt gate (IF now 0), only an
 * NMI could be taken next, and raising one signals again: the run loop need not
 * look at the next boundary. A trap gate leaves IF set, so it keeps looking. */
// @ts-ignore: decorator
@inline function afterDelivery(): void {
  if ((eflags & F_IF) == 0 && load<u32>(CPU_OFF + CPU_NMI_PENDING) == 0) intrPending = false;
}

function saveState(): void {
  saveRipToState();
  flushFlags();
  store<u64>(CPU_OFF + CPU_RFLAGS, eflags);
  store<u32>(CPU_OFF + CPU_HALTED, halted ? 1 : 0);
  store<u32>(CPU_OFF + CPU_SHADOW, shadow ? 1 : 0);
  store<u64>(CTL_OFF + CTL_INSN_COUNT, insnCount);
}

/** Reloads the state the host may have edited between runs. */
export function loadState(): void {
  loadCpuState();
  blockCacheFlush(); // the host may have restored memory wholesale (snapshots)
}

/** Another vCPU's register file is now in CPU_OFF (the host switched vCPUs):
 * take it up at the next run. Decoded blocks stay: memory did not change, and
 * the TLB flush that goes with a switch makes blocks re-check their frames. */
export function vcpuLoaded(): void {
  loadCpuState();
  hostDirty = false;
}

function loadCpuState(): void {
  loadRipFromState();
  setEflags(load<u64>(CPU_OFF + CPU_RFLAGS) as u32);
  halted = load<u32>(CPU_OFF + CPU_HALTED) != 0;
  shadow = load<u32>(CPU_OFF + CPU_SHADOW) != 0;
  setInsnCount(load<u64>(CTL_OFF + CTL_INSN_COUNT));
  updateMode();
  selectTlbForCpl();
  signalInterrupt();
  ioInReady = false;
}

function recordExitInsn(): void {
  store<u64>(CTL_OFF + CTL_LAST_RIP, rip);
}

/** The next run() may keep the decoded blocks as they are: since the last exit
 * the host changed registers and Xen's event state only, no code. */
let sameCode: bool = false;
export function resumeSameCode(): void { sameCode = true; }

/** The host edited CPU state (stateChanged()): reload it at the next run. */
let hostDirty: bool = true;
export function markHostDirty(): void { hostDirty = true; }

export function run(budget: i32): u32 {
  // Between runs the host only touches GPRs (read in place) and the control
  // block, unless it said otherwise: the cached state stays valid.
  if (hostDirty) {
    loadState();
    hostDirty = false;
  }
  markEntry();
  // The host and its backends may have written guest memory (code too) since the
  // last run, unless it said it only answered in registers (resumeSameCode()).
  if (sameCode) sameCode = false;
  else codeGenBump();
  lapicTick(tscNow()); // the TSC may have moved while the host waited: fire an expired timer first
  if (load<u32>(CTL_OFF + CTL_EXIT_REASON) == EXIT_IO && load<u32>(CTL_OFF + CTL_IO_WRITE) == 0) ioInReady = true;
  exitReason = 0;
  if (halted) {
    if (!tryInterrupt()) {
      const r = (eflags & F_IF) != 0 || load<u32>(CPU_OFF + CPU_NMI_PENDING) != 0 ? EXIT_HLT : EXIT_DEAD;
      saveState();
      store<u32>(CTL_OFF + CTL_EXIT_REASON, r);
      return r;
    }
    halted = false;
    if (tripleFault) return shutdown();
  }
  runEnd = insnCount + (budget > 0 ? budget as u64 : 0);
  stopAt = 0;
  while (true) {
    if (insnCount >= stopAt && boundary()) break;
    step();
  }
  if (exitReason == 0) exitReason = EXIT_BUDGET;
  if (exitReason == EXIT_SHUTDOWN) return shutdown();
  saveState();
  store<u32>(CTL_OFF + CTL_EXIT_REASON, exitReason);
  return exitReason;
}

/** The work between instructions that is not needed before every one. Returns
 * true when the run must end (exitReason says why, 0 = budget). */
function boundary(): bool {
  // The timer first: an instruction that reached the deadline raises it, whatever ends the run.
  if (insnCount >= lapicCheckAt) lapicTick(tscNow());
  if (exitReason != 0) return true;
  if (tripleFault) { exitReason = EXIT_SHUTDOWN; return true; }
  if (pendingExit != 0) { exitReason = pendingExit; clearPendingExit(); return true; }
  if (outOfFrames) { exitReason = EXIT_OUT_OF_MEMORY; return true; }
  if (insnCount >= runEnd) return true;
  stopAt = 0xffffffffffffffff;
  let next = runEnd < lapicCheckAt ? runEnd : lapicCheckAt;
  if (shadow) {
    // STI / MOV SS / POP SS: no interrupt before the next instruction completes.
    shadow = false;
    if (intrPending) next = insnCount + 1;
  } else if (intrPending) {
    tryInterrupt();
    if (tripleFault) { exitReason = EXIT_SHUTDOWN; return true; }
    // After a delivery, look again at the next boundary (the handler may run with IF=1).
    if (intrPending) next = insnCount + 1;
  }
  // Whatever asked for a check meanwhile (stopAt = 0) gets it after the next instruction.
  stopAt = stopAt == 0 ? insnCount + 1 : next;
  return false;
}

/** Runs the next blocks of instructions (or one instruction the blocks cannot
 * hold), stopping early when insnCount reaches stopAt. */
// @ts-ignore: decorator
@inline function step(): void {
  const lin = mode64 ? rip : (rip + segBase(CS)) & 0xffffffff;
  let h = blockHit(lin);
  if (h == 0) h = blockAt(lin, rip);
  if (h == 0) { stepOne(); return; }
  let i: u32 = 0;
  while (true) {
    if (!runBlocks(h, i)) return;
    // Entry slowIndex of block slowBlock needs more than the inline fast paths.
    h = slowBlock;
    i = slowIndex;
    if (!stepSlow(h + 64 + ((i as usize) << 6))) return;
    if (++i == (load<u8>(h, B_COUNT) as u32) || insnCount >= stopAt) return;
  }
}

/** Where runBlocks() stopped for an instruction it could not run. */
let slowBlock: usize = 0;
let slowIndex: u32 = 0;

/** Runs block `h` from instruction `i` with the inline fast paths, and the
 * blocks after it as long as they are found as they are, until stopAt or an
 * instruction they cannot run: it returns true then, with RIP and insnCount at
 * that instruction (slowBlock, slowIndex). The loop calls nothing, so its state
 * stays in registers; RIP and the instruction count are written back at the end
 * (nothing reads them meanwhile) and stopAt cannot move. */
function runBlocks(h: usize, i: u32): bool {
  let e = h + 64 + ((i as usize) << 6);
  // The RIP of the block's page (RIP - page offset): the loop keeps no RIP of
  // its own, an entry's address is rb + its offset (E_PAGEOFF, E_NEXT).
  let rb = rip - (load<u16>(e, E_PAGEOFF) as u64);
  let r: u64 = rip;
  // Instructions retired before this block's instruction 0 (its first may be i).
  let base = insnCount - (i as u64);
  // Finding the first block may have asked for a check (a TLB fill): then after one instruction.
  const stop = stopAt > insnCount ? stopAt : insnCount + 1;
  while (true) {
    // How far this block may run: its entries up to `end`.
    const n = load<u8>(h, B_COUNT) as u32;
    const left = stop - base;
    const st = runEntries(e, h + 64 + (((left < (n as u64) ? left as u32 : n) as usize) << 6), rb);
    e = entryAt;
    // Instructions of this block before e.
    const done = ((e - h) >> 6) as u32 - 1;
    // Where the next block's link is: the block's own (it ran to its end), the
    // branch entry's, or for a return the one of the call block it returns to.
    let l: usize = 0;
    if (st == GO) {
      base += done as u64;
      r = (rb + (load<u16>(e - 64, E_NEXT) as u64)) & ripMask;
      if (base >= stop) break;
      l = h + B_LINK;
    } else if (st == SLOW) {
      setRip((rb + (load<u16>(e, E_PAGEOFF) as u64)) & ripMask);
      setInsnCount(base + (done as u64));
      slowBlock = h;
      slowIndex = done;
      return true;
    } else {
      r = st;
      base += (done + 1) as u64;
      if (base >= stop) break;
      const k = load<u8>(e, E_KIND) & ~1;
      if (k == KS_RET) l = rasPop(r);
      else if (k == KS_CALL) {
        // A call that ends its block: the block's own link is its return's.
        rasPush((rb + (load<u16>(e, E_NEXT) as u64)) & ripMask, h + B_LINK);
        l = e + E_LINK;
      } else l = e + E_LINK;
    }
    // On to the next block: the one the link holds if it is from this chainEpoch
    // (the target of a link is fixed while it holds; see blocks.ts), else the one
    // blockHit() finds as it is.
    let s: usize = 0;
    if (l != 0) {
      if (load<u32>(l, 4) == chainEpoch) s = load<u32>(l) as usize;
    }
    if (s == 0) {
      s = blockHit(mode64 ? r : (r + segBase(CS)) & 0xffffffff);
      if (s == 0) break;
      if (l != 0) {
        store<u32>(l, s as u32);
        store<u32>(l, chainEpoch, 4);
      }
    }
    h = s;
    e = h + 64;
    rb = r - (load<u16>(e, E_PAGEOFF) as u64);
  }
  setRip(r);
  setInsnCount(base);
  return false;
}

/** Runs the block entry `e` (at RIP) out of line: the full fast path or the
 * generic one. False when the block ends here (it branched, faulted, or is
 * generic). */
function stepSlow(e: usize): bool {
  const nr = rip + (load<u8>(e, E_LEN) as u64);
  setNextRip(nr);
  const k = load<u8>(e, E_KIND);
  if (k != 0 && k != K_GENERIC_IN) execFast(k, e);
  else { setIns(e); generic(); }
  addInsn();
  if (faulted) {
    deliverPendingFault();
    if (tripleFault) stopAt = 0;
    return false;
  }
  setRip(nextRip & ripMask);
  return nextRip == nr && !endsBlock(k);
}

/** One instruction decoded on its own (it straddles a page, is invalid, or its
 * fetch faults). */
function stepOne(): void {
  decode();
  if (!faulted) {
    setNextRip(rip + (load<u8>(ins, E_LEN) as u64));
    generic();
  }
  if (faulted) {
    deliverPendingFault();
    if (tripleFault) stopAt = 0;
  } else setRip(nextRip & ripMask);
  addInsn();
}

/** Any instruction, by opcode: the decoded fields come from the entry. */
function generic(): void {
  const fl = load<u8>(ins, E_FLAGS);
  setStackRef(false);
  if ((fl & EF_MEM) != 0) computeEa();
  if ((fl & EF_INVALID) != 0 || ((fl & EF_LOCK) != 0 && !lockAllowed())) { raiseUD(); return; }
  execute();
}

function shutdown(): u32 {
  recordExitInsn();
  saveState();
  store<u32>(CTL_OFF + CTL_EXIT_REASON, EXIT_SHUTDOWN);
  return EXIT_SHUTDOWN;
}

// ---------------------------------------------------------------------------
// Instruction semantics. The opcode is 0x00-0xFF (one byte), 0x100|b (0F b),
// 0x200|b (0F 38 b), 0x300|b (0F 3A b).

function aluOp(): void {
  const op = ((dOpcode() >> 3) & 7) as i32;
  const form = dOpcode() & 7;
  const size = (form & 1) == 0 ? 1 : dOpsize();
  switch (form) {
    case 0: case 1: { // r/m, reg
      const src = readG(size);
      if (op == 7) { alu(7, readRM(size), src, size); return; }
      const dst = readRMForWrite(size);
      if (faulted) return;
      writeRM(size, alu(op, dst, src, size));
      return;
    }
    case 2: case 3: { // reg, r/m
      const src = readRM(size);
      if (faulted) return;
      const r = alu(op, readG(size), src, size);
      if (op != 7) writeG(size, r);
      return;
    }
    default: { // AL/eAX, imm
      const r = alu(op, readReg(RAX, size), size == 1 ? dImm() : dImm(), size);
      if (op != 7) writeReg(RAX, size, r);
    }
  }
}

function grp1(): void {
  const size = dOpcode() == 0x80 || dOpcode() == 0x82 ? 1 : dOpsize();
  let src = dImm();
  if (dOpcode() == 0x83) src = sext(dImm(), 1);
  const op = dRegf() & 7;
  if (op == 7) { alu(7, readRM(size), src, size); return; }
  const dst = readRMForWrite(size);
  if (faulted) return;
  writeRM(size, alu(op, dst, src, size));
}

function grp2(size: i32, count: u32): void {
  const dst = readRMForWrite(size);
  if (faulted) return;
  writeRM(size, shift(dRegf() & 7, dst, count, size));
}

function grp3(): void {
  const size = dOpcode() == 0xf6 ? 1 : dOpsize();
  switch (dRegf() & 7) {
    case 0: case 1: alu(4, readRM(size), dImm(), size); return;
    case 2: { const v = readRMForWrite(size); if (faulted) return; writeRM(size, ~v & sizeMask(size)); return; }
    case 3: { const v = readRMForWrite(size); if (faulted) return; writeRM(size, neg(v, size)); return; }
    case 4: case 5: { // MUL / IMUL
      const src = readRM(size);
      if (faulted) return;
      const signed = (dRegf() & 7) == 5;
      if (size == 1) {
        const a = readReg(RAX, 1);
        const r: u64 = signed ? ((sext(a, 1) as i64) * (sext(src, 1) as i64)) as u64 & 0xffff : a * src;
        writeReg(RAX, 2, r);
        const over = signed ? sext(r & 0xff, 1) != sext(r, 2) : (r >> 8) != 0;
        setMulFlags(r & 0xff, 1, over);
      } else if (size == 8) {
        const lo = signed ? mulS128(gpr(RAX), src) : mulU128(gpr(RAX), src);
        const hi = mulHi;
        setGpr(RAX, lo); setGpr(RDX, hi);
        const over = signed ? hi != (((lo as i64) >> 63) as u64) : hi != 0;
        setMulFlags(lo, 8, over);
      } else {
        const bits = (size as u64) << 3;
        const a = readReg(RAX, size);
        const r: u64 = signed ? ((sext(a, size) as i64) * (sext(src, size) as i64)) as u64 : a * src;
        const m = sizeMask(size);
        writeReg(RAX, size, r & m);
        writeReg(RDX, size, (r >> bits) & m);
        const over = signed ? sext(r & m, size) != r : (r >> bits) != 0;
        setMulFlags(r & m, size, over);
      }
      return;
    }
    case 6: case 7: { // DIV / IDIV
      const d = readRM(size);
      if (faulted) return;
      const signed = (dRegf() & 7) == 7;
      if (d == 0) { raise(DE, 0, false); return; }
      if (size == 8) {
        const q = signed ? divS128(gpr(RDX), gpr(RAX), d) : divU128(gpr(RDX), gpr(RAX), d);
        if (divError) { raise(DE, 0, false); return; }
        setGpr(RAX, q); setGpr(RDX, divRem);
        return;
      }
      const bits = (size as u64) << 3;
      const m = sizeMask(size);
      const dividend: u64 = size == 1 ? readReg(RAX, 2) : (readReg(RAX, size) | (readReg(RDX, size) << bits));
      if (signed) {
        const n = sext(dividend, size * 2) as i64;
        const dv = sext(d, size) as i64;
        if (n == i64.MIN_VALUE && dv == -1) { raise(DE, 0, false); return; }
        const q = n / dv;
        const r = n % dv;
        const lim = (1 as i64) << ((bits - 1) as i64);
        if (q >= lim || q < -lim) { raise(DE, 0, false); return; }
        if (size == 1) writeReg(RAX, 2, ((q as u64) & 0xff) | (((r as u64) & 0xff) << 8));
        else { writeReg(RAX, size, (q as u64) & m); writeReg(RDX, size, (r as u64) & m); }
      } else {
        const q = dividend / d;
        if (q > m) { raise(DE, 0, false); return; }
        const r = dividend % d;
        if (size == 1) writeReg(RAX, 2, q | (r << 8));
        else { writeReg(RAX, size, q); writeReg(RDX, size, r); }
      }
      return;
    }
  }
}

function grp45(): void {
  const r = dRegf() & 7;
  if (dOpcode() == 0xfe) {
    if (r > 1) { raiseUD(); return; }
    const v = readRMForWrite(1);
    if (faulted) return;
    writeRM(1, incDec(v, 1, r == 1));
    return;
  }
  switch (r) {
    case 0: case 1: {
      const v = readRMForWrite(dOpsize());
      if (faulted) return;
      writeRM(dOpsize(), incDec(v, dOpsize(), r == 1));
      return;
    }
    case 2: { // CALL near indirect
      const sz = stackOpSize(dOpsize());
      const t = readRM(sz);
      if (faulted) return;
      if (mode64 && !isCanonical(t)) { raiseGP(0); return; } // the fault is the CALL's
      if (!nearTargetOk(t & sizeMask(sz))) return;
      push(nextRip, sz);
      if (faulted) return;
      setNextRip(t);
      return;
    }
    case 3: case 5: { // CALL/JMP far indirect (m16:16/32/64)
      if (!dIsMem()) { raiseUD(); return; }
      const lin = eaLinear();
      const osz = dOpsize();
      const off = readN(lin, osz);
      const sel = readN(lin + (osz as u64), 2) as u32;
      if (faulted) return;
      farJump(sel, off, r == 3, osz);
      return;
    }
    case 4: { // JMP near indirect
      const t = readRM(mode64 ? 8 : dOpsize());
      if (faulted) return;
      if (mode64 && !isCanonical(t)) { raiseGP(0); return; } // the fault is the JMP's
      if (!nearTargetOk(t)) return;
      setNextRip(t);
      return;
    }
    case 6: { // PUSH r/m
      const sz = stackOpSize(dOpsize());
      const v = readRM(sz);
      if (faulted) return;
      push(v, sz);
      return;
    }
  }
  raiseUD();
}

function jumpRel(disp: u64): void {
  let t = nextRip + disp;
  if (!mode64) t = dOpsize() == 2 ? t & 0xffff : t & 0xffffffff;
  else if (!isCanonical(t)) { raiseGP(0); return; }
  if (!nearTargetOk(t)) return;
  setNextRip(t);
}

/** A near branch beyond CS's limit faults on the branch: #GP(0) (only when
 * csLimited; in 64-bit mode the target is checked for canonicality instead). */
// @ts-ignore: decorator
@inline function nearTargetOk(t: u64): bool {
  if (csLimited && t > (segLimit(CS) as u64)) { raiseGP(0); return false; }
  return true;
}

function movSreg(): void {
  const s = dRegf() & 7;
  if (s > 5 || s == CS) { raiseUD(); return; }
  const sel = readRM(2) as u32;
  if (faulted) return;
  if (!loadSegment(s, sel)) return;
  if (s == SS) shadow = true;
}

function pushSeg(s: i32): void {
  push(segSel(s), stackOpSize(dOpsize()));
}

function popSeg(s: i32): void {
  const sz = stackOpSize(dOpsize());
  const v = peek(sz, 0) as u32;
  if (faulted) return;
  if (!loadSegment(s, v & 0xffff)) return;
  setStackPointer(stackPointer() + (sz as u64));
  if (s == SS) shadow = true;
}

function ioPort(): u32 {
  if (dOpcode() == 0xe4 || dOpcode() == 0xe5 || dOpcode() == 0xe6 || dOpcode() == 0xe7) return dImm() as u32;
  return gpr32(RDX) & 0xffff;
}

/** IN: the first execution exits to the host; the retry after the host answered
 * takes CTL_IO_DATA. */
/** Ports the host did not claim (IO_BITMAP_OFF) have nothing behind them. */
// @ts-ignore: decorator
@inline function hostPort(port: u32): bool {
  return ((load<u8>(IO_BITMAP_OFF + (port >> 3)) as u32) & ((1 as u32) << (port & 7))) != 0;
}

function portIn(port: u32, size: i32): bool {
  if (!hostPort(port)) {
    store<u64>(CTL_OFF + CTL_IO_DATA, size == 4 ? 0xffffffff : size == 2 ? 0xffff : 0xff);
    return true;
  }
  if (ioInReady && load<u32>(CTL_OFF + CTL_IO_PORT) == port) {
    ioInReady = false;
    return true;
  }
  store<u32>(CTL_OFF + CTL_IO_PORT, port);
  store<u32>(CTL_OFF + CTL_IO_SIZE, size);
  store<u32>(CTL_OFF + CTL_IO_WRITE, 0);
  store<u64>(CTL_OFF + CTL_IO_DATA, 0xffffffff);
  setExit(EXIT_IO);
  setNextRip(rip);
  return false;
}

function portOut(port: u32, size: i32, v: u64): void {
  if (!hostPort(port)) return;
  store<u32>(CTL_OFF + CTL_IO_PORT, port);
  store<u32>(CTL_OFF + CTL_IO_SIZE, size);
  store<u32>(CTL_OFF + CTL_IO_WRITE, 1);
  store<u64>(CTL_OFF + CTL_IO_DATA, v);
  setExit(EXIT_IO);
}

function stringIo(isOut: bool, size: i32): void {
  if (!ioAllowed()) { raiseGP(0); return; }
  const am: u64 = dAdsize() == 8 ? 0xffffffffffffffff : dAdsize() == 4 ? 0xffffffff : 0xffff;
  const rep = dRep() != 0;
  if (rep && (gpr(RCX) & am) == 0) return;
  const port = gpr32(RDX) & 0xffff;
  const d: u64 = (eflags & F_DF) != 0 ? 0 - (size as u64) : size as u64;
  if (isOut) {
    const si = gpr(RSI) & am;
    const v = readN(linearOf(dSegOvr() >= 0 ? dSegOvr() : DS, si), size);
    if (faulted) return;
    portOut(port, size, v);
    setGpr(RSI, (gpr(RSI) & ~am) | ((si + d) & am));
  } else {
    const di = gpr(RDI) & am;
    const lin = linearOf(ES, di);
    probeWrite(lin, size);
    if (faulted) return;
    if (!portIn(port, size)) return;
    writeN(lin, size, load<u64>(CTL_OFF + CTL_IO_DATA));
    setGpr(RDI, (gpr(RDI) & ~am) | ((di + d) & am));
  }
  if (rep) {
    const c = ((gpr(RCX) & am) - 1) & am;
    setGpr(RCX, (gpr(RCX) & ~am) | c);
    if (c != 0) setNextRip(rip);
  }
}

function enter(): void {
  const sz = stackOpSize(dOpsize());
  const alloc = dImm() & 0xffff;
  const level = (dImm2() & 31) as i32;
  const frame = stackPointer() - (sz as u64);
  push(gpr(RBP), sz);
  if (faulted) return;
  let bp = gpr(RBP);
  for (let i = 1; i < level; i++) {
    bp -= sz as u64;
    const v = readN(linearOf(SS, maskStack(bp)), sz);
    if (faulted) return;
    push(v, sz);
    if (faulted) return;
  }
  if (level > 0) { push(frame, sz); if (faulted) return; }
  writeReg(RBP, sz, frame);
  setStackPointer(stackPointer() - alloc);
}

function execute(): void {
  const op = dOpcode();
  if (op < 0x40) {
    const low = op & 7;
    if (low < 6) { aluOp(); return; }
    if (mode64) { raiseUD(); return; }
    switch (op) {
      case 0x06: pushSeg(ES); return;
      case 0x07: popSeg(ES); return;
      case 0x0e: pushSeg(CS); return;
      case 0x16: pushSeg(SS); return;
      case 0x17: popSeg(SS); return;
      case 0x1e: pushSeg(DS); return;
      case 0x1f: popSeg(DS); return;
    }
    bcdAdjust(op);
    return;
  }
  if (op < 0x100) { execOneByte(op); return; }
  if (op < 0x200) { execTwoByte(op & 0xff); return; }
  if (op == 0x2f0 || op == 0x2f1) { movbe(op == 0x2f1); return; }
  materialize();
  sseExec();
}

/** MOVBE Gv, Mv (0F 38 F0) and MOVBE Mv, Gv (0F 38 F1): a load or store with the
 * bytes reversed, 16/32/64-bit. Memory operands only; with F3 it is #UD, and
 * F2 0F 38 F0/F1 is CRC32 (SSE4.2, not implemented: #UD). A 16-bit load keeps
 * the register's upper bits, a 32-bit one zero-extends (SDM vol. 2, MOVBE). */
function movbe(toMem: bool): void {
  if (!dIsMem() || dRep() != 0) { raiseUD(); return; }
  const size = dOpsize();
  if (toMem) { writeRM(size, byteSwap(readG(size), size)); return; }
  const v = readRM(size);
  if (faulted) return;
  writeG(size, byteSwap(v, size));
}

function byteSwap(v: u64, size: i32): u64 {
  if (size == 8) return bswap<u64>(v);
  if (size == 4) return bswap<u32>(v as u32) as u64;
  return (((v & 0xff) << 8) | ((v >> 8) & 0xff));
}

function execOneByte(op: u32): void {
  switch (op) {
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
    case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f: {
      // INC/DEC r (32-bit mode only: in 64-bit mode these bytes are REX).
      const r = (op & 7) as i32;
      writeReg(r, dOpsize(), incDec(readReg(r, dOpsize()), dOpsize(), op >= 0x48));
      return;
    }
    case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57: {
      const r = ((op & 7) | ((dRex() & 1) << 3)) as i32;
      const sz = stackOpSize(dOpsize());
      push(sz == 2 ? gpr(r) & 0xffff : gpr(r), sz);
      return;
    }
    case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f: {
      const r = ((op & 7) | ((dRex() & 1) << 3)) as i32;
      const sz = stackOpSize(dOpsize());
      const v = pop(sz);
      if (faulted) return;
      writeReg(r, sz, v);
      return;
    }
    case 0x60: { // PUSHA
      if (mode64) { raiseUD(); return; }
      const sp = gpr(RSP);
      for (let r = 0; r < 8; r++) {
        push(r == RSP ? sp : gpr(r), dOpsize());
        if (faulted) return;
      }
      return;
    }
    case 0x61: { // POPA
      if (mode64) { raiseUD(); return; }
      for (let r = 7; r >= 0; r--) {
        const v = pop(dOpsize());
        if (faulted) return;
        if (r != RSP) writeReg(r, dOpsize(), v);
      }
      return;
    }
    case 0x63: { // MOVSXD (64-bit mode); ARPL is not supported in 32-bit mode
      if (!mode64) { raiseUD(); return; }
      const v = readRM(4);
      if (faulted) return;
      writeG(dOpsize(), dOpsize() == 8 ? sext(v, 4) : v);
      return;
    }
    case 0x68: push(dOpsize() == 2 ? dImm() & 0xffff : dImm(), stackOpSize(dOpsize())); return;
    case 0x6a: push(sext(dImm(), 1), stackOpSize(dOpsize())); return;
    case 0x69: case 0x6b: { // IMUL r, r/m, imm
      const src = readRM(dOpsize());
      if (faulted) return;
      const k = op == 0x6b ? sext(dImm(), 1) : sext(dImm(), dOpsize() == 2 ? 2 : 4);
      imul2(src, k);
      return;
    }
    case 0x6c: stringIo(false, 1); return;
    case 0x6d: stringIo(false, dOpsize() == 2 ? 2 : 4); return;
    case 0x6e: stringIo(true, 1); return;
    case 0x6f: stringIo(true, dOpsize() == 2 ? 2 : 4); return;
    case 0x80: case 0x81: case 0x82: case 0x83:
      if (op == 0x82 && mode64) { raiseUD(); return; }
      grp1();
      return;
    case 0x84: case 0x85: {
      const size = op == 0x84 ? 1 : dOpsize();
      const a = readRM(size);
      if (faulted) return;
      alu(4, a, readG(size), size);
      return;
    }
    case 0x86: case 0x87: {
      const size = op == 0x86 ? 1 : dOpsize();
      const a = readRMForWrite(size);
      if (faulted) return;
      const b = readG(size);
      writeRM(size, b);
      writeG(size, a);
      return;
    }
    case 0x88: writeRM(1, readG(1)); return;
    case 0x89: writeRM(dOpsize(), readG(dOpsize())); return;
    case 0x8a: { const v = readRM(1); if (faulted) return; writeG(1, v); return; }
    case 0x8b: { const v = readRM(dOpsize()); if (faulted) return; writeG(dOpsize(), v); return; }
    case 0x8c: { // MOV r/m, Sreg
      const s = dRegf() & 7;
      if (s > 5) { raiseUD(); return; }
      const v = segSel(s) as u64;
      if (dIsMem()) writeRM(2, v); else writeReg(dRmf(), dOpsize(), v);
      return;
    }
    case 0x8d: { // LEA
      if (!dIsMem()) { raiseUD(); return; }
      let a = eaOffset();
      writeG(dOpsize(), a);
      return;
    }
    case 0x8e: movSreg(); return;
    case 0x8f: { // POP r/m
      const sz = stackOpSize(dOpsize());
      const v = peek(sz, 0);
      if (faulted) return;
      // The address uses RSP after the pop.
      const old = gpr(RSP);
      setStackPointer(stackPointer() + (sz as u64));
      if (dIsMem()) {
        const lin = eaLinearAfterPop();
        writeN(lin, sz, v);
        if (faulted) { setGpr(RSP, old); return; }
      } else writeReg(dRmf(), sz, v);
      return;
    }
    case 0x90: {
      if ((dRex() & 1) != 0) { xchgAx(8); return; } // XCHG r8, rAX
      // PAUSE in a spin loop: on an SMP machine the vCPU it waits for may need the time.
      if (dRep() == 1 && load<u32>(CTL_OFF + CTL_PAUSE_EXITS) != 0) setExit(EXIT_PAUSE);
      return; // NOP / PAUSE
    }
    case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97:
      xchgAx(((op & 7) | ((dRex() & 1) << 3)) as i32);
      return;
    case 0x98: // CBW/CWDE/CDQE
      if (dOpsize() == 2) writeReg(RAX, 2, sext(readReg(RAX, 1), 1));
      else if (dOpsize() == 4) writeReg(RAX, 4, sext(readReg(RAX, 2), 2) & 0xffffffff);
      else setGpr(RAX, sext(gpr(RAX), 4));
      return;
    case 0x99: { // CWD/CDQ/CQO
      const neg_ = (readReg(RAX, dOpsize()) >> ((((dOpsize() as u64) << 3) - 1))) & 1;
      writeReg(RDX, dOpsize(), neg_ != 0 ? sizeMask(dOpsize()) : 0);
      return;
    }
    case 0x9a: if (mode64) { raiseUD(); return; } farJump(dImm2() as u32, dImm(), true, dOpsize()); return;
    case 0x9b: // WAIT/FWAIT: #NM only when both MP and TS are set
      if ((cr0() & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) { raise(NM, 0, false); return; }
      fwait();
      return;
    case 0x9c: { // PUSHF
      const sz = stackOpSize(dOpsize());
      push((getEflags() & 0xfcffff) as u64, sz); // VM and RF read as 0
      return;
    }
    case 0x9d: {
      const wasIf = (eflags & F_IF) != 0;
      popf(dOpsize());
      if (!wasIf && (eflags & F_IF) != 0) intrPending = true;
      return;
    }
    case 0x9e: { // SAHF
      const ah = (gpr(RAX) >> 8) & 0xd5;
      setEflags((getEflags() & ~0xd5) | (ah as u32));
      return;
    }
    case 0x9f: // LAHF
      store<u8>(CPU_OFF + 1, (getEflags() & 0xd7) as u8);
      return;
    case 0xa0: { const v = readN(eaLinear(), 1); if (faulted) return; writeReg(RAX, 1, v); return; }
    case 0xa1: { const v = readN(eaLinear(), dOpsize()); if (faulted) return; writeReg(RAX, dOpsize(), v); return; }
    case 0xa2: writeN(eaLinear(), 1, readReg(RAX, 1)); return;
    case 0xa3: writeN(eaLinear(), dOpsize(), readReg(RAX, dOpsize())); return;
    case 0xa4: movs(1); return;
    case 0xa5: movs(dOpsize()); return;
    case 0xa6: cmps(1, false); return;
    case 0xa7: cmps(dOpsize(), false); return;
    case 0xa8: alu(4, readReg(RAX, 1), dImm(), 1); return;
    case 0xa9: alu(4, readReg(RAX, dOpsize()), dImm(), dOpsize()); return;
    case 0xaa: stos(1); return;
    case 0xab: stos(dOpsize()); return;
    case 0xac: lods(1); return;
    case 0xad: lods(dOpsize()); return;
    case 0xae: cmps(1, true); return;
    case 0xaf: cmps(dOpsize(), true); return;
    case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7:
      writeReg(((op & 7) | ((dRex() & 1) << 3)) as i32, 1, dImm());
      return;
    case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
      writeReg(((op & 7) | ((dRex() & 1) << 3)) as i32, dOpsize(), dImm());
      return;
    case 0xc0: grp2(1, dImm() as u32); return;
    case 0xc1: grp2(dOpsize(), dImm() as u32); return;
    case 0xc2: case 0xc3: { // RET near
      const sz = stackOpSize(dOpsize());
      const t = peek(sz, 0);
      if (faulted) return;
      if (mode64 && !isCanonical(t)) { raiseGP(0); return; } // the RET faults, RSP unchanged
      if (!nearTargetOk(t)) return;
      setStackPointer(stackPointer() + (sz as u64) + (op == 0xc2 ? dImm() & 0xffff : 0));
      setNextRip(t);
      return;
    }
    case 0xc4: case 0xc5: { // LES/LDS (VEX in 64-bit mode and with a register operand: #UD at decode)
      if (mode64 || !dIsMem()) { raiseUD(); return; }
      const lin = eaLinear();
      const off = readN(lin, dOpsize());
      const sel = readN(lin + (dOpsize() as u64), 2) as u32;
      if (faulted) return;
      if (!loadSegment(op == 0xc4 ? ES : DS, sel)) return;
      writeG(dOpsize(), off);
      return;
    }
    case 0xc6: if ((dRegf() & 7) != 0) { raiseUD(); return; } writeRM(1, dImm()); return;
    case 0xc7: if ((dRegf() & 7) != 0) { raiseUD(); return; } writeRM(dOpsize(), dImm()); return;
    case 0xc8: enter(); return;
    case 0xc9: { // LEAVE
      const sz = stackOpSize(dOpsize());
      const sp = mode64 ? gpr(RBP) : gpr(RBP) & 0xffffffff;
      const v = readN(linearOf(SS, maskStack(sp)), sz);
      if (faulted) return;
      setStackPointer(sp + (sz as u64));
      writeReg(RBP, sz, v);
      return;
    }
    case 0xca: farReturn(dOpsize(), dImm() & 0xffff); return;
    case 0xcb: farReturn(dOpsize(), 0); return;
    case 0xcc: deliverSoftware(BP, nextRip); afterSoftInt(); return;
    case 0xcd: deliverSoftware((dImm() & 0xff) as i32, nextRip); afterSoftInt(); return;
    case 0xce:
      if (mode64) { raiseUD(); return; }
      if ((getEflags() & 0x800) != 0) { deliverSoftware(OF_, nextRip); afterSoftInt(); }
      return;
    case 0xcf: iret(dOpsize()); intrPending = true; return;
    case 0xd0: grp2(1, 1); return;
    case 0xd1: grp2(dOpsize(), 1); return;
    case 0xd2: grp2(1, gpr32(RCX) & 0xff); return;
    case 0xd3: grp2(dOpsize(), gpr32(RCX) & 0xff); return;
    case 0xd4: case 0xd5: // AAM / AAD
      if (mode64) { raiseUD(); return; }
      if (op == 0xd4 && (dImm() & 0xff) == 0) { raise(DE, 0, false); return; }
      bcdAdjust(op);
      return;
    case 0xd7: { // XLAT
      const am: u64 = dAdsize() == 8 ? 0xffffffffffffffff : dAdsize() == 4 ? 0xffffffff : 0xffff;
      const v = read8(linearOf(dSegOvr() >= 0 ? dSegOvr() : DS, (gpr(RBX) + readReg(RAX, 1)) & am));
      if (faulted) return;
      writeReg(RAX, 1, v);
      return;
    }
    case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf:
      if ((cr0() & (CR0_EM | CR0_TS)) != 0) { raise(NM, 0, false); return; }
      materialize();
      x87Exec();
      return;
    case 0xe0: case 0xe1: case 0xe2: { // LOOPNE LOOPE LOOP
      const am: u64 = dAdsize() == 8 ? 0xffffffffffffffff : dAdsize() == 4 ? 0xffffffff : 0xffff;
      const c = (gpr(RCX) - 1) & am;
      setGpr(RCX, (gpr(RCX) & ~am) | c);
      let take = c != 0;
      if (op == 0xe0) take = take && !getZF();
      else if (op == 0xe1) take = take && getZF();
      if (take) jumpRel(sext(dImm(), 1));
      return;
    }
    case 0xe3: { // JrCXZ
      const am: u64 = dAdsize() == 8 ? 0xffffffffffffffff : dAdsize() == 4 ? 0xffffffff : 0xffff;
      if ((gpr(RCX) & am) == 0) jumpRel(sext(dImm(), 1));
      return;
    }
    case 0xe4: case 0xe5: case 0xec: case 0xed: {
      if (!ioAllowed()) { raiseGP(0); return; }
      const size = (op & 1) == 0 ? 1 : dOpsize() == 2 ? 2 : 4;
      if (portIn(ioPort(), size)) writeReg(RAX, size, load<u64>(CTL_OFF + CTL_IO_DATA));
      return;
    }
    case 0xe6: case 0xe7: case 0xee: case 0xef: {
      if (!ioAllowed()) { raiseGP(0); return; }
      const size = (op & 1) == 0 ? 1 : dOpsize() == 2 ? 2 : 4;
      portOut(ioPort(), size, readReg(RAX, size));
      return;
    }
    case 0xe8: { // CALL rel
      const sz = stackOpSize(dOpsize());
      push(nextRip, sz);
      if (faulted) return;
      jumpRel(dImm());
      return;
    }
    case 0xe9: jumpRel(dImm()); return;
    case 0xea: if (mode64) { raiseUD(); return; } farJump(dImm2() as u32, dImm(), false, dOpsize()); return;
    case 0xeb: jumpRel(sext(dImm(), 1)); return;
    case 0xf1: deliverSoftware(1, nextRip); afterSoftInt(); return;
    case 0xf4: // HLT
      if (cpl != 0) { raiseGP(0); return; }
      halted = true;
      setExit((eflags & F_IF) != 0 || load<u32>(CPU_OFF + CPU_NMI_PENDING) != 0 ? EXIT_HLT : EXIT_DEAD);
      recordExitInsn();
      return;
    case 0xf5: setEflags(getEflags() ^ F_CF); return;
    case 0xf6: case 0xf7: grp3(); return;
    case 0xf8: setEflags(getEflags() & ~F_CF); return;
    case 0xf9: setEflags(getEflags() | F_CF); return;
    case 0xfa: // CLI
      if ((cr0() & CR0_PE) != 0 && (cpl as u32) > ((eflags & F_IOPL) >> 12)) { raiseGP(0); return; }
      setEflags(getEflags() & ~F_IF);
      return;
    case 0xfb: // STI: interrupts wait one more instruction
      if ((cr0() & CR0_PE) != 0 && (cpl as u32) > ((eflags & F_IOPL) >> 12)) { raiseGP(0); return; }
      if ((eflags & F_IF) == 0) { shadow = true; intrPending = true; }
      setEflags(getEflags() | F_IF);
      return;
    case 0xfc: setEflags(getEflags() & ~F_DF); return;
    case 0xfd: setEflags(getEflags() | F_DF); return;
    case 0xfe: case 0xff: grp45(); return;
  }
  if (op >= 0x70 && op < 0x80) {
    if (testCC((op & 0xf) as i32)) jumpRel(sext(dImm(), 1));
    return;
  }
  raiseUD();
}

/** LOCK is allowed only on the read-modify-write instructions with a memory
 * destination (SDM vol. 2, LOCK); anywhere else it is #UD, before any access. */
function lockAllowed(): bool {
  if (!dIsMem()) return false;
  const op = dOpcode();
  const r = dRegf() & 7;
  if (op < 0x40) return (op & 7) < 2 && (op & 0x38) != 0x38; // ADD OR ADC SBB AND SUB XOR r/m, r
  switch (op) {
    case 0x80: case 0x81: case 0x82: case 0x83: return r != 7; // not CMP
    case 0x86: case 0x87: return true; // XCHG
    case 0xf6: case 0xf7: return r == 2 || r == 3; // NOT NEG
    case 0xfe: case 0xff: return r < 2; // INC DEC
    case 0x1ab: case 0x1b3: case 0x1bb: return true; // BTS BTR BTC r/m, r
    case 0x1ba: return r >= 5; // BTS BTR BTC r/m, imm8
    case 0x1b0: case 0x1b1: case 0x1c0: case 0x1c1: return true; // CMPXCHG XADD
    case 0x1c7: return r == 1; // CMPXCHG8B/16B
  }
  return false;
}

function afterSoftInt(): void {
  // Delivery already moved RIP to the handler: keep it.
  if (!faulted) setNextRip(rip_after_delivery());
}

// deliverSoftware writes the handler address into RIP; pick it up as nextRip.
function rip_after_delivery(): u64 { return rip; }

function xchgAx(r: i32): void {
  const a = readReg(RAX, dOpsize());
  writeReg(RAX, dOpsize(), readReg(r, dOpsize()));
  writeReg(r, dOpsize(), a);
}

function imul2(a: u64, b: u64): void {
  if (dOpsize() == 8) {
    const lo = mulS128(a, b);
    const over = mulHi != (((lo as i64) >> 63) as u64);
    writeG(8, lo);
    setMulFlags(lo, 8, over);
    return;
  }
  const r = (sext(a, dOpsize()) as i64) * (sext(b, dOpsize()) as i64);
  const m = sizeMask(dOpsize());
  const over = sext((r as u64) & m, dOpsize()) != (r as u64);
  writeG(dOpsize(), (r as u64) & m);
  setMulFlags((r as u64) & m, dOpsize(), over);
}

/** Effective address offset (no segment base) for LEA. */
function eaOffset(): u64 {
  const v = eaLinearNoSeg();
  return dOpsize() == 8 ? v : v & sizeMask(dOpsize());
}

function eaLinearNoSeg(): u64 { return eaOff; }

function eaLinearAfterPop(): u64 {
  // POP r/m with an RSP-based address: recompute with the incremented RSP.
  if ((dModrm() & 7) == 4 && dIsMem()) {
    // Recomputing the SIB form exactly is rare; approximate by adding the pop size.
    return eaLinear() + (stackOpSize(dOpsize()) as u64);
  }
  return eaLinear();
}

function execTwoByte(b: u32): void {
  switch (b) {
    case 0x00: grp6(); return;
    case 0x01: grp7(); return;
    case 0x02: case 0x03: larLsl(b == 0x03); return;
    case 0x05: syscall(); return;
    case 0x06: clts(); return;
    case 0x07: sysret(dOpsize()); return;
    case 0x08: case 0x09: if (cpl != 0) raiseGP(0); return; // INVD/WBINVD
    case 0x0b: raiseUD(); return;
    case 0x0d: return; // PREFETCHW
    case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f: return; // hints, NOP r/m
    case 0x20: movFromCr(); return;
    case 0x21: movDr(false); return;
    case 0x22: movToCr(); return;
    case 0x23: movDr(true); return;
    case 0x30: { // WRMSR
      if (cpl != 0) { raiseGP(0); return; }
      const idx = gpr32(RCX);
      const v = ((gpr(RDX) & 0xffffffff) << 32) | (gpr(RAX) & 0xffffffff);
      wrmsr(idx, v);
      requestCheck(); // the LAPIC timer or TPR may have changed
      codeGenBump(); // EFER.NXE changes fetch permissions
      if (msrExit) {
        clearMsrExit();
        store<u32>(CTL_OFF + CTL_MSR_INDEX, idx);
        store<u64>(CTL_OFF + CTL_MSR_VALUE, v);
        setExit(EXIT_WRMSR);
      }
      return;
    }
    case 0x31: { // RDTSC
      const t = rdtscValue();
      setGpr(RAX, t & 0xffffffff);
      setGpr(RDX, t >> 32);
      return;
    }
    case 0x32: { // RDMSR
      if (cpl != 0) { raiseGP(0); return; }
      const v = rdmsr(gpr32(RCX));
      if (faulted) return;
      setGpr(RAX, v & 0xffffffff);
      setGpr(RDX, v >> 32);
      return;
    }
    case 0x33: raiseGP(0); return; // RDPMC: no counters
    case 0x34: sysenter(); return;
    case 0x35: sysexit(dOpsize()); return;
    case 0xa0: pushSeg(FS); return;
    case 0xa1: popSeg(FS); return;
    case 0xa2: cpuid(); return;
    case 0xa8: pushSeg(GS); return;
    case 0xa9: popSeg(GS); return;
    case 0xa3: case 0xab: case 0xb3: case 0xbb: bitTestReg(b); return;
    case 0xba: bitTestImm(); return;
    case 0xa4: case 0xa5: case 0xac: case 0xad: {
      const count = (b & 1) == 0 ? (dImm() as u32) : gpr32(RCX) & 0xff;
      const dst = readRMForWrite(dOpsize());
      if (faulted) return;
      writeRM(dOpsize(), shiftDouble(dst, readG(dOpsize()), count, dOpsize(), b < 0xa8));
      return;
    }
    case 0xae: materialize(); grp15(); return;
    case 0xaf: { const v = readRM(dOpsize()); if (faulted) return; imul2(readG(dOpsize()), v); return; }
    case 0xb0: case 0xb1: { // CMPXCHG
      const size = b == 0xb0 ? 1 : dOpsize();
      const dst = readRMForWrite(size);
      if (faulted) return;
      const acc = readReg(RAX, size);
      alu(7, acc, dst, size);
      if (acc == dst) writeRM(size, readG(size));
      else {
        if (dIsMem()) writeRM(size, dst); // the destination is always written
        writeReg(RAX, size, dst);
      }
      return;
    }
    case 0xb2: case 0xb4: case 0xb5: { // LSS LFS LGS
      if (!dIsMem()) { raiseUD(); return; }
      const lin = eaLinear();
      const off = readN(lin, dOpsize());
      const sel = readN(lin + (dOpsize() as u64), 2) as u32;
      if (faulted) return;
      const s = b == 0xb2 ? SS : b == 0xb4 ? FS : GS;
      if (!loadSegment(s, sel)) return;
      writeG(dOpsize(), off);
      if (s == SS) shadow = true;
      return;
    }
    case 0xb6: case 0xb7: { // MOVZX
      const v = readRM(b == 0xb6 ? 1 : 2);
      if (faulted) return;
      writeG(dOpsize(), v);
      return;
    }
    case 0xbe: case 0xbf: { // MOVSX
      const sz = b == 0xbe ? 1 : 2;
      const v = readRM(sz);
      if (faulted) return;
      writeG(dOpsize(), sext(v, sz) & sizeMask(dOpsize()));
      return;
    }
    case 0xb8: { // POPCNT (F3 prefix)
      if (dRep() != 1) { raiseUD(); return; }
      const v = readRM(dOpsize());
      if (faulted) return;
      writeG(dOpsize(), popcount(v, dOpsize()));
      return;
    }
    case 0xbc: case 0xbd: { // BSF/BSR; with F3, TZCNT/LZCNT
      const v = readRM(dOpsize());
      if (faulted) return;
      if (dRep() == 1) { writeG(dOpsize(), countZeros(v, dOpsize(), b == 0xbd)); return; }
      const r = bitScan(v, dOpsize(), b == 0xbd);
      if (r >= 0) writeG(dOpsize(), r as u64);
      return;
    }
    case 0xc0: case 0xc1: { // XADD
      const size = b == 0xc0 ? 1 : dOpsize();
      const dst = readRMForWrite(size);
      if (faulted) return;
      const src = readG(size);
      const sum = alu(0, dst, src, size);
      writeG(size, dst);
      writeRM(size, sum);
      return;
    }
    case 0xc7: grp9(); return;
    case 0xc8: case 0xc9: case 0xca: case 0xcb: case 0xcc: case 0xcd: case 0xce: case 0xcf: {
      const r = ((b & 7) | ((dRex() & 1) << 3)) as i32;
      if (dOpsize() == 8) setGpr(r, bswap<u64>(gpr(r)));
      else if (dOpsize() == 4) setGpr(r, bswap<u32>(gpr32(r)) as u64);
      else writeReg(r, 2, 0); // BSWAP r16 is undefined; real CPUs give 0
      return;
    }
  }
  if (b >= 0x40 && b < 0x50) { // CMOVcc
    const v = readRM(dOpsize());
    if (faulted) return;
    if (testCC((b & 0xf) as i32)) writeG(dOpsize(), v);
    else if (dOpsize() == 4) writeG(4, readG(4)); // 32-bit CMOV zero-extends even when not taken
    return;
  }
  if (b >= 0x80 && b < 0x90) {
    if (testCC((b & 0xf) as i32)) jumpRel(dImm());
    return;
  }
  if (b >= 0x90 && b < 0xa0) {
    writeRM(1, testCC((b & 0xf) as i32) ? 1 : 0);
    return;
  }
  if (b == 0x77 || b == 0x0e) { // EMMS / FEMMS
    materialize();
    sseExec();
    return;
  }
  materialize();
  sseExec();
}

function bitTestReg(b: u32): void {
  const op = b == 0xa3 ? 0 : b == 0xab ? 1 : b == 0xb3 ? 2 : 3;
  const bitsz = (dOpsize() as u64) << 3;
  let off = readG(dOpsize());
  if (!dIsMem()) {
    const v = readReg(dRmf(), dOpsize());
    const r = bitOp(v, (off & (bitsz - 1)) as u32, op);
    if (op != 0) writeReg(dRmf(), dOpsize(), r);
    return;
  }
  // Memory form: the bit offset is signed and may reach outside the operand.
  const soff = sext(off, dOpsize()) as i64;
  const byteDisp = (soff >> 3) & ~((dOpsize() - 1) as i64);
  const lin = eaLinear() + (byteDisp as u64);
  const bit = (soff & ((bitsz - 1) as i64)) as u32;
  if (op != 0) { probeWrite(lin, dOpsize()); if (faulted) return; }
  const v = readN(lin, dOpsize());
  if (faulted) return;
  const r = bitOp(v, bit, op);
  if (op != 0) writeN(lin, dOpsize(), r);
}

function bitTestImm(): void {
  const r = dRegf() & 7;
  if (r < 4) { raiseUD(); return; }
  const op = r - 4;
  const bit = (dImm() as u32) & ((dOpsize() << 3) - 1);
  const v = op != 0 ? readRMForWrite(dOpsize()) : readRM(dOpsize());
  if (faulted) return;
  const res = bitOp(v, bit, op);
  if (op != 0) writeRM(dOpsize(), res);
}

function grp6(): void {
  const r = dRegf() & 7;
  switch (r) {
    case 0: writeSelector(segSel(6)); return; // SLDT
    case 1: writeSelector(segSel(7)); return; // STR
    case 2: case 3: {
      if (cpl != 0) { raiseGP(0); return; }
      const sel = readRM(2) as u32;
      if (faulted) return;
      if (r == 2) loadLdt(sel); else loadTaskRegister(sel);
      return;
    }
    case 4: case 5: { // VERR / VERW
      const sel = readRM(2) as u32;
      if (faulted) return;
      let ok = false;
      if ((sel & 0xfffc) != 0 && readDescriptor(sel, false, GP)) {
        const a = descAttr(descLo);
        const dpl = (a >> 5) & 3;
        const code = (a & 8) != 0;
        const conforming = code && (a & 4) != 0;
        const privOk = conforming || (dpl >= (cpl as u32) && dpl >= (sel & 3));
        if ((a & 0x10) != 0 && privOk) ok = r == 4 ? (!code || (a & 2) != 0) : (!code && (a & 2) != 0);
      }
      clearFault();
      flushFlags();
      setEflags(ok ? eflags | F_ZF : eflags & ~F_ZF);
      return;
    }
  }
  raiseUD();
}

function writeSelector(sel: u32): void {
  if (dIsMem()) writeRM(2, sel as u64);
  else writeReg(dRmf(), dOpsize(), sel as u64);
}

function larLsl(lsl: bool): void {
  const sel = readRM(2) as u32;
  if (faulted) return;
  let ok = false;
  let val: u64 = 0;
  if ((sel & 0xfffc) != 0 && readDescriptor(sel, false, GP)) {
    const a = descAttr(descLo);
    const dpl = (a >> 5) & 3;
    const conforming = (a & 0x1c) == 0x1c;
    if ((conforming || (dpl >= (cpl as u32) && dpl >= (sel & 3))) && (a & 0x10) != 0) {
      ok = true;
      val = lsl ? descLimit(descLo) as u64 : (descLo >> 32) & 0x00f0ff00;
    }
  }
  clearFault();
  flushFlags();
  setEflags(ok ? eflags | F_ZF : eflags & ~F_ZF);
  if (ok) writeG(dOpsize() == 8 ? 4 : dOpsize(), val);
}

function grp7(): void {
  const r = dRegf() & 7;
  if (!dIsMem()) {
    const m = dModrm();
    switch (m) {
      case 0xc1: case 0xd9: // VMCALL / VMMCALL: a Xen hypercall
        if (evtchnSendInCore()) return;
        setExit(EXIT_HYPERCALL);
        recordExitInsn();
        return;
      case 0xf8: { // SWAPGS
        if (!mode64) { raiseUD(); return; }
        if (cpl != 0) { raiseGP(0); return; }
        const g = segOff(GS) + SEG_BASE;
        const k = load<u64>(CPU_OFF + CPU_KERNEL_GS_BASE);
        store<u64>(CPU_OFF + CPU_KERNEL_GS_BASE, load<u64>(g));
        store<u64>(g, k);
        return;
      }
      case 0xf9: { // RDTSCP
        const t = rdtscValue();
        setGpr(RAX, t & 0xffffffff);
        setGpr(RDX, t >> 32);
        setGpr(RCX, load<u64>(CPU_OFF + CPU_TSC_AUX) & 0xffffffff);
        return;
      }
    }
    if (r == 4) { writeReg(dRmf(), dOpsize(), cr0() & 0xffff); return; } // SMSW r
    if (r == 6) { lmsw(readReg(dRmf(), 2)); return; }
    raiseUD();
    return;
  }
  switch (r) {
    case 0: storeDescriptorTable(false); return;
    case 1: storeDescriptorTable(true); return;
    case 2: loadDescriptorTable(false); return;
    case 3: loadDescriptorTable(true); return;
    case 4: writeRM(2, cr0() & 0xffff); return;
    case 6: { const v = readRM(2); if (faulted) return; lmsw(v); return; }
    case 7: invlpg(); return;
  }
  raiseUD();
}

function lmsw(v: u64): void {
  if (cpl != 0) { raiseGP(0); return; }
  // LMSW can set PE but not clear it; it touches only PE MP EM TS.
  const c = cr0();
  const nv = (c & ~(0xe as u64)) | (v & 0xf) | (c & 1);
  store<u64>(CPU_OFF + CPU_CR0, nv);
  updateMode();
}

function grp9(): void {
  const r = dRegf() & 7;
  if (r == 1 && dIsMem()) { // CMPXCHG8B / CMPXCHG16B
    const wide = dRexW();
    const lin = eaLinear();
    if (wide && (lin & 15) != 0) { raiseGP(0); return; }
    probeWrite(lin, wide ? 16 : 8);
    if (faulted) return;
    if (wide) {
      const lo = readN(lin, 8), hi = readN(lin + 8, 8);
      if (faulted) return;
      flushFlags();
      if (lo == gpr(RAX) && hi == gpr(RDX)) {
        writeN(lin, 8, gpr(RBX)); writeN(lin + 8, 8, gpr(RCX));
        setEflags(eflags | F_ZF);
      } else {
        writeN(lin, 8, lo); writeN(lin + 8, 8, hi);
        setGpr(RAX, lo); setGpr(RDX, hi);
        setEflags(eflags & ~F_ZF);
      }
    } else {
      const v = readN(lin, 8);
      if (faulted) return;
      const cmp = (gpr(RAX) & 0xffffffff) | ((gpr(RDX) & 0xffffffff) << 32);
      flushFlags();
      if (v == cmp) {
        writeN(lin, 8, (gpr(RBX) & 0xffffffff) | ((gpr(RCX) & 0xffffffff) << 32));
        setEflags(eflags | F_ZF);
      } else {
        writeN(lin, 8, v);
        setGpr(RAX, v & 0xffffffff); setGpr(RDX, v >> 32);
        setEflags(eflags & ~F_ZF);
      }
    }
    return;
  }
  raiseUD();
}

