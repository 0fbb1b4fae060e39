// Local APIC of the running vCPU (Intel SDM vol. 3, chapter 11 "Advanced
// Programmable Interrupt Controller"): the xAPIC register page at 0xFEE00000, the
// x2APIC MSRs 0x800-0x8FF, the LVT timer (one-shot, periodic, TSC-deadline), IPIs
// and MSI delivery. PVH has no IOAPIC or PIC, so this is the only interrupt
// controller. The host swaps the page with the rest of a vCPU's state; IPIs and
// MSIs that name another vCPU go to the mailbox (apic/mailbox.ts) for the host.
//
// The guest-visible registers live at their xAPIC offsets in the LAPIC_OFF page
// (so the host can dump them); IRR/ISR/TMR are the architectural 8 x 32-bit
// words at 16-byte strides. Derived registers (PPR, current count, the x2APIC
// LDR) are computed on read. The timer's internal state sits in the same page
// from 0x800, so the page is the whole APIC state.
//
// The timer counts TSC ticks (tscNow(), the CTL_TSC_BASE domain): with divide
// value d, the current count drops by one every d ticks. The run loop compares
// insnCount with `lapicCheckAt` after every instruction (within one run the TSC
// advances one tick per instruction, so the instruction count at which the
// deadline falls is exact); the host reads CTL_LAPIC_DEADLINE to bound HLT waits.
import {
  LAPIC_OFF, CPU_OFF, CPU_APIC_BASE, CPU_TSC_OFFSET, CPU_NMI_PENDING, CTL_OFF, CTL_LAPIC_DEADLINE, CTL_RET0,
} from "../layout";
import { signalInterrupt } from "../cpu/exec";
import { tscNow, insnCount } from "../cpu/tsc";
import { raiseGP } from "../cpu/fault";
import { mailPost, otherVcpus } from "./mailbox";
import { MAIL_ICR, MAIL_MSI, CTL_VCPU_ID } from "../layout";

// @ts-ignore: decorator
@inline export const LAPIC_GPA: u64 = 0xfee00000;

// Register offsets in the xAPIC page (x2APIC MSR = 0x800 + offset / 16).
// @ts-ignore: decorator
@inline const R_ID: u32 = 0x20;
// @ts-ignore: decorator
@inline const R_VERSION: u32 = 0x30;
// @ts-ignore: decorator
@inline const R_TPR: u32 = 0x80;
// @ts-ignore: decorator
@inline const R_APR: u32 = 0x90;
// @ts-ignore: decorator
@inline const R_PPR: u32 = 0xa0;
// @ts-ignore: decorator
@inline const R_EOI: u32 = 0xb0;
// @ts-ignore: decorator
@inline const R_RRD: u32 = 0xc0;
// @ts-ignore: decorator
@inline const R_LDR: u32 = 0xd0;
// @ts-ignore: decorator
@inline const R_DFR: u32 = 0xe0;
// @ts-ignore: decorator
@inline const R_SVR: u32 = 0xf0;
// @ts-ignore: decorator
@inline const R_ISR: u32 = 0x100;
// @ts-ignore: decorator
@inline const R_TMR: u32 = 0x180;
// @ts-ignore: decorator
@inline const R_IRR: u32 = 0x200;
// @ts-ignore: decorator
@inline const R_ESR: u32 = 0x280;
// @ts-ignore: decorator
@inline const R_LVT_CMCI: u32 = 0x2f0;
// @ts-ignore: decorator
@inline const R_ICR_LO: u32 = 0x300;
// @ts-ignore: decorator
@inline const R_ICR_HI: u32 = 0x310;
// @ts-ignore: decorator
@inline const R_LVT_TIMER: u32 = 0x320;
// @ts-ignore: decorator
@inline const R_LVT_THERMAL: u32 = 0x330;
// @ts-ignore: decorator
@inline const R_LVT_PERF: u32 = 0x340;
// @ts-ignore: decorator
@inline const R_LVT_LINT0: u32 = 0x350;
// @ts-ignore: decorator
@inline const R_LVT_LINT1: u32 = 0x360;
// @ts-ignore: decorator
@inline const R_LVT_ERROR: u32 = 0x370;
// @ts-ignore: decorator
@inline const R_TIMER_INIT: u32 = 0x380;
// @ts-ignore: decorator
@inline const R_TIMER_CUR: u32 = 0x390;
// @ts-ignore: decorator
@inline const R_TIMER_DCR: u32 = 0x3e0;
// @ts-ignore: decorator
@inline const R_SELF_IPI: u32 = 0x3f0; // x2APIC only

/** Version register: version 0x14 (integrated APIC), max LVT entry 5 (timer,
 * thermal, perf, LINT0, LINT1, error), no EOI-broadcast suppression. */
// @ts-ignore: decorator
@inline const VERSION: u32 = 0x00050014;

// @ts-ignore: decorator
@inline const LVT_MASKED: u32 = 1 << 16;
// @ts-ignore: decorator
@inline const SVR_ENABLE: u32 = 1 << 8;
// @ts-ignore: decorator
@inline const APIC_BASE_X2APIC: u64 = 1 << 10;
// @ts-ignore: decorator
@inline const APIC_BASE_ENABLE: u64 = 1 << 11;

// Timer modes, LVT timer bits 18:17.
// @ts-ignore: decorator
@inline const TIMER_ONESHOT: u32 = 0;
// @ts-ignore: decorator
@inline const TIMER_PERIODIC: u32 = 1;
// @ts-ignore: decorator
@inline const TIMER_TSC_DEADLINE: u32 = 2;

// ESR bits.
// @ts-ignore: decorator
@inline const ESR_SEND_ILLEGAL: u32 = 1 << 5;
// @ts-ignore: decorator
@inline const ESR_RECV_ILLEGAL: u32 = 1 << 6;
// @ts-ignore: decorator
@inline const ESR_ILLEGAL_REG: u32 = 1 << 7;

// @ts-ignore: decorator
@inline const NEVER: u64 = 0xffffffffffffffff;

/** This vCPU's APIC id: its Xen vCPU id, as the MADT and CPUID say. */
// @ts-ignore: decorator
@inline function apicId(): u32 { return load<u32>(CTL_OFF + CTL_VCPU_ID); }

/** insnCount value at which the run loop must call lapicTick (NEVER = no timer). */
export let lapicCheckAt: u64 = NEVER;

// Internal state, kept in the register page past the architectural registers so
// that the page alone is the APIC's whole state (a snapshot copies it; after a
// restore lapicStateLoaded() recomputes what is derived from it).
/** u64 raw TSC (tscNow domain) at which the timer expires, or NEVER. */
// @ts-ignore: decorator
@inline const S_DEADLINE: u32 = 0x800;
/** u64 ticks between periodic expiries (0 = not periodic). */
// @ts-ignore: decorator
@inline const S_PERIOD: u32 = 0x808;
/** u64 IA32_TSC_DEADLINE as the guest wrote it (guest TSC domain); 0 = disarmed. */
// @ts-ignore: decorator
@inline const S_TSC_DEADLINE: u32 = 0x810;
/** u32 errors seen since the guest last wrote ESR. */
// @ts-ignore: decorator
@inline const S_ESR_PENDING: u32 = 0x818;

// @ts-ignore: decorator
@inline function st64(off: u32): u64 {
  return load<u64>(LAPIC_OFF + off);
}
// @ts-ignore: decorator
@inline function setSt64(off: u32, v: u64): void {
  store<u64>(LAPIC_OFF + off, v);
}

// @ts-ignore: decorator
@inline function reg(off: u32): u32 {
  return load<u32>(LAPIC_OFF + off);
}
// @ts-ignore: decorator
@inline function setReg(off: u32, v: u32): void {
  store<u32>(LAPIC_OFF + off, v);
}

// @ts-ignore: decorator
@inline function apicBase(): u64 {
  return load<u64>(CPU_OFF + CPU_APIC_BASE);
}
/** The APIC is in x2APIC mode (IA32_APIC_BASE EN and EXTD). */
function x2apicMode(): bool {
  return (apicBase() & (APIC_BASE_X2APIC | APIC_BASE_ENABLE)) == (APIC_BASE_X2APIC | APIC_BASE_ENABLE);
}
/** Globally (IA32_APIC_BASE.EN) and software (SVR bit 8) enabled. */
function apicEnabled(): bool {
  return (apicBase() & APIC_BASE_ENABLE) != 0 && (reg(R_SVR) & SVR_ENABLE) != 0;
}

// ---------------------------------------------------------------------------
// The 256-bit IRR / ISR / TMR arrays.

// @ts-ignore: decorator
@inline function bitWord(base: u32, v: u32): u32 {
  return LAPIC_OFF + base + ((v >> 5) << 4);
}
function setBit(base: u32, v: u32): void {
  const a = bitWord(base, v);
  store<u32>(a, load<u32>(a) | (1 << (v & 31)));
}
function clearBit(base: u32, v: u32): void {
  const a = bitWord(base, v);
  store<u32>(a, load<u32>(a) & ~(1 << (v & 31)));
}
/** Highest set vector in IRR/ISR, or -1. */
function highest(base: u32): i32 {
  for (let i: i32 = 7; i >= 0; i--) {
    const w = load<u32>(LAPIC_OFF + base + ((i as u32) << 4));
    if (w != 0) return (i << 5) + 31 - (clz<u32>(w) as i32);
  }
  return -1;
}

/** Processor priority: the higher of TPR and the in-service class (SDM 11.8.3.1). */
function ppr(): u32 {
  const tpr = reg(R_TPR) & 0xff;
  const isrv = highest(R_ISR);
  const isrClass: u32 = isrv < 0 ? 0 : (isrv as u32) & 0xf0;
  return (tpr & 0xf0) >= isrClass ? tpr : isrClass;
}

// ---------------------------------------------------------------------------
// Accepting and delivering interrupts.

function esrPending(bit: u32): void {
  setReg(S_ESR_PENDING, reg(S_ESR_PENDING) | bit);
}

function apicError(bit: u32): void {
  esrPending(bit);
  const lvt = reg(R_LVT_ERROR);
  if ((lvt & LVT_MASKED) == 0) acceptVector(lvt & 0xff, false);
}

/** A fixed interrupt reaches this APIC: set its IRR bit (TMR for level). Vectors
 * 0-15 are illegal and only set ESR. As in Xen's vlapic, IRR is set even while
 * the APIC is software-disabled; delivery waits until it is enabled. */
function acceptVector(v: u32, level: bool): void {
  v &= 0xff;
  if (v < 16) {
    // An illegal vector in the error LVT must not recurse.
    esrPending(ESR_RECV_ILLEGAL);
    return;
  }
  setBit(R_IRR, v);
  if (level) setBit(R_TMR, v);
  else clearBit(R_TMR, v);
  signalInterrupt();
}

/** Highest-priority deliverable vector, or -1 (the CPU checks IF itself). */
export function lapicPendingVector(): i32 {
  const v = highest(R_IRR);
  if (v < 0 || !apicEnabled()) return -1;
  if (((v as u32) & 0xf0) <= (ppr() & 0xf0)) return -1;
  return v;
}

/** The CPU took `vector`: move it from IRR to ISR. */
export function lapicAccept(vector: i32): void {
  clearBit(R_IRR, vector as u32);
  setBit(R_ISR, vector as u32);
}

function eoi(): void {
  const v = highest(R_ISR);
  if (v < 0) return;
  clearBit(R_ISR, v as u32);
  // A level-triggered vector would broadcast its EOI to IOAPICs; PVH has none.
  if (highest(R_IRR) >= 0) signalInterrupt();
}

/** Fixed/lowest-priority interrupt or NMI to this vCPU, by delivery mode (ICR or
 * MSI data bits 10:8). INIT and STARTUP reach other vCPUs through the mailbox
 * (sendIpi); SMI and ExtINT are ignored (no SMM, no PIC). */
function deliverMode(mode: u32, vector: u32, level: bool): void {
  if (mode == 0 || mode == 1) acceptVector(vector, level);
  else if (mode == 4) {
    store<u32>(CPU_OFF + CPU_NMI_PENDING, 1);
    signalInterrupt();
  }
}

/** Does a destination (physical id or logical mask) name this APIC? */
function destMatches(dest: u32, logical: bool): bool {
  if (x2apicMode()) {
    if (dest == 0xffffffff) return true;
    if (!logical) return dest == apicId();
    const ldr = x2apicLdr();
    return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff) != 0;
  }
  if (dest == 0xff) return true;
  if (!logical) return dest == apicId();
  const ldr = reg(R_LDR) >> 24;
  if ((reg(R_DFR) >> 28) == 0xf) return (dest & ldr) != 0; // flat model
  return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf) != 0; // cluster model
}

function x2apicLdr(): u32 {
  const id = apicId();
  return ((id >> 4) << 16) | (1 << (id & 0xf));
}

/** Interrupt command register: IPIs. The part that reaches this APIC is
 * delivered here; with other vCPUs present, whatever may reach them (another
 * physical id, a logical mask, a broadcast, INIT and STARTUP) goes to the host
 * through the mailbox. The delivery-status bit always reads idle. */
function sendIpi(lo: u32, dest: u32): void {
  const vector = lo & 0xff;
  const mode = (lo >> 8) & 7;
  const logical = (lo & (1 << 11)) != 0;
  const level = (lo & (1 << 15)) != 0;
  const shorthand = (lo >> 18) & 3;
  if ((mode == 0 || mode == 1) && vector < 16) {
    esrPending(ESR_SEND_ILLEGAL);
    return;
  }
  let self = false;
  let others = false;
  if (shorthand == 1) self = true;
  else if (shorthand == 2) { self = true; others = true; }
  else if (shorthand == 3) others = true;
  else {
    self = destMatches(dest, logical);
    others = logical || !self || dest == (x2apicMode() ? 0xffffffff : 0xff);
    if (self && mode == 1) others = false; // lowest priority: one taker is enough
  }
  if (others && otherVcpus()) mailPost(MAIL_ICR, lo, dest);
  if (!self) return;
  // A level-triggered INIT de-assert carries no interrupt; INIT and STARTUP to
  // oneself do nothing.
  if (mode == 5 || mode == 6) return;
  deliverMode(mode, vector, level && mode == 0);
}

/** MSI write (address 0xFEExxxxx, data) from a device: virtio MSI-X. With one
 * vCPU every MSI lands here whatever its destination id, so a guest routing to a
 * CPU it does not have still sees its interrupt; with several, a message for
 * another APIC goes to the host through the mailbox. */
export function lapicDeliverMsi(addr: u32, data: u32): void {
  if ((addr >> 20) != 0xfee) return;
  if (otherVcpus()) {
    const dest = (addr >> 12) & 0xff;
    const logical = (addr & 4) != 0;
    const self = destMatches(dest, logical);
    const lowest = ((data >> 8) & 7) == 1;
    if ((logical || !self || dest == 0xff) && !(self && lowest)) mailPost(MAIL_MSI, data, addr);
    if (!self) return;
  }
  deliverMode((data >> 8) & 7, data & 0xff, (data & (1 << 15)) != 0 && (data & (1 << 14)) != 0);
}

/** Host export: raise `vector` as a fixed edge interrupt (Xen per-vCPU upcalls). */
export function lapicInjectVector(vector: u32): void {
  acceptVector(vector, false);
}

// ---------------------------------------------------------------------------
// The timer.

function timerMode(): u32 {
  return (reg(R_LVT_TIMER) >> 17) & 3;
}

function timerDivisor(): u64 {
  const d = reg(R_TIMER_DCR);
  const code = (d & 3) | ((d >> 1) & 4);
  return code == 7 ? 1 : (2 as u64) << (code as u64);
}

/** Recomputes the run loop's check point and the host's deadline. */
function timerChanged(): void {
  const deadline = st64(S_DEADLINE);
  if (deadline == NEVER) lapicCheckAt = NEVER;
  else {
    const now = tscNow();
    lapicCheckAt = deadline > now ? insnCount + (deadline - now) : insnCount;
  }
  const masked = (reg(R_LVT_TIMER) & LVT_MASKED) != 0 || !apicEnabled();
  store<u64>(CTL_OFF + CTL_LAPIC_DEADLINE, masked ? NEVER : deadline);
}

function stopTimer(): void {
  setSt64(S_DEADLINE, NEVER);
  setSt64(S_PERIOD, 0);
  setSt64(S_TSC_DEADLINE, 0);
}

function startCount(count: u32): void {
  stopTimer();
  if (count == 0) return;
  const ticks = (count as u64) * timerDivisor();
  setSt64(S_DEADLINE, tscNow() + ticks);
  if (timerMode() == TIMER_PERIODIC) setSt64(S_PERIOD, ticks);
}

/** Fires the timer if its deadline has passed. The run loop calls this when
 * insnCount reaches lapicCheckAt and on every run() entry (the host may have
 * moved the TSC forward while the vCPU was halted). */
export function lapicTick(now: u64): void {
  const deadline = st64(S_DEADLINE);
  if (deadline != NEVER && now >= deadline) {
    const period = st64(S_PERIOD);
    if (period != 0) {
      // Periodic: the next expiry stays on the period grid; missed periods merge.
      const missed = (now - deadline) / period + 1;
      setSt64(S_DEADLINE, deadline + missed * period);
    } else {
      setSt64(S_DEADLINE, NEVER);
      setSt64(S_TSC_DEADLINE, 0);
    }
    const lvt = reg(R_LVT_TIMER);
    if ((lvt & LVT_MASKED) == 0) acceptVector(lvt & 0xff, false);
  }
  timerChanged();
}

function currentCount(): u32 {
  const deadline = st64(S_DEADLINE);
  if (deadline == NEVER || timerMode() == TIMER_TSC_DEADLINE) return 0;
  const now = tscNow();
  if (now >= deadline) return 0;
  const div = timerDivisor();
  const left = (deadline - now + div - 1) / div;
  const init = reg(R_TIMER_INIT) as u64;
  return (left > init ? init : left) as u32;
}

/** Host export: 1 with the timer's raw-TSC deadline in CTL_RET0, or 0 when the
 * timer cannot interrupt (disarmed, masked, APIC disabled). Same value as
 * CTL_LAPIC_DEADLINE. */
export function lapicNextDeadline(): i32 {
  const d = load<u64>(CTL_OFF + CTL_LAPIC_DEADLINE);
  store<u64>(CTL_OFF + CTL_RET0, d);
  return d == NEVER ? 0 : 1;
}

// ---------------------------------------------------------------------------
// Register reads and writes shared by the MMIO and MSR paths.

function readRegister(off: u32): u32 {
  switch (off) {
    case R_ID: return x2apicMode() ? apicId() : apicId() << 24;
    case R_VERSION: return VERSION;
    case R_PPR: return ppr();
    case R_APR: case R_RRD: case R_EOI: return 0;
    case R_LDR: return x2apicMode() ? x2apicLdr() : reg(R_LDR);
    case R_TIMER_CUR: return currentCount();
  }
  return reg(off);
}

/** True if the register exists (for the access kind); sets nothing. */
function registerExists(off: u32, write: bool): bool {
  if (off >= R_ISR && off < R_ESR) return !write && (off & 0xf) == 0;
  switch (off) {
    case R_ID: case R_VERSION: case R_PPR: case R_APR: case R_RRD: case R_TIMER_CUR:
      return !write || !x2apicMode();
    case R_TPR: case R_LDR: case R_DFR: case R_SVR: case R_ESR: case R_ICR_LO: case R_ICR_HI:
    case R_LVT_TIMER: case R_LVT_THERMAL: case R_LVT_PERF: case R_LVT_LINT0: case R_LVT_LINT1:
    case R_LVT_ERROR: case R_TIMER_INIT: case R_TIMER_DCR: case R_EOI:
      return true;
  }
  return false;
}

function writeLvt(off: u32, v: u32, mask: u32): void {
  if ((reg(R_SVR) & SVR_ENABLE) == 0) v |= LVT_MASKED; // software-disabled: stays masked
  setReg(off, (reg(off) & ~mask) | (v & mask));
}

function writeRegister(off: u32, v: u32): void {
  switch (off) {
    case R_TPR:
      setReg(R_TPR, v & 0xff);
      signalInterrupt();
      return;
    case R_EOI: eoi(); return;
    case R_LDR: setReg(R_LDR, v & 0xff000000); return;
    case R_DFR: setReg(R_DFR, v | 0x0fffffff); return;
    case R_SVR: {
      const was = reg(R_SVR);
      setReg(R_SVR, v & 0x3ff);
      if ((v & SVR_ENABLE) == 0) {
        // Software disable masks every LVT entry (SDM 11.4.7.2).
        for (let o = R_LVT_TIMER; o <= R_LVT_ERROR; o += 0x10) setReg(o, reg(o) | LVT_MASKED);
      } else if ((was & SVR_ENABLE) == 0) signalInterrupt();
      timerChanged();
      return;
    }
    case R_ESR:
      setReg(R_ESR, reg(S_ESR_PENDING));
      setReg(S_ESR_PENDING, 0);
      return;
    case R_ICR_LO:
      setReg(R_ICR_LO, v & ~(1 << 12));
      sendIpi(v, reg(R_ICR_HI) >> 24);
      return;
    case R_ICR_HI: setReg(R_ICR_HI, v & 0xff000000); return;
    case R_LVT_TIMER: {
      const oldMode = timerMode();
      writeLvt(R_LVT_TIMER, v, 0x700ff);
      const mode = timerMode();
      if (mode == 3) setReg(R_LVT_TIMER, reg(R_LVT_TIMER) & ~(1 << 18)); // reserved mode
      // A mode change disarms the timer (SDM 11.5.4.1).
      if (timerMode() != oldMode) stopTimer();
      timerChanged();
      return;
    }
    case R_LVT_THERMAL: case R_LVT_PERF: writeLvt(off, v, 0x107ff); return;
    case R_LVT_LINT0: case R_LVT_LINT1: writeLvt(off, v, 0x1a7ff); return;
    case R_LVT_ERROR: writeLvt(off, v, 0x100ff); return;
    case R_TIMER_INIT:
      if (timerMode() == TIMER_TSC_DEADLINE) return;
      setReg(R_TIMER_INIT, v);
      startCount(v);
      timerChanged();
      return;
    case R_TIMER_DCR: setReg(R_TIMER_DCR, v & 0xb); return;
  }
}

// ---------------------------------------------------------------------------
// xAPIC MMIO (the page at LAPIC_GPA).

export function lapicMmioRead(off: u32, size: i32): u64 {
  // In x2APIC mode (or globally disabled) the page does not decode.
  if ((apicBase() & (APIC_BASE_X2APIC | APIC_BASE_ENABLE)) != APIC_BASE_ENABLE) {
    return size == 8 ? 0xffffffffffffffff : ((1 as u64) << ((size as u64) << 3)) - 1;
  }
  const r = off & 0xff0;
  if (!registerExists(r, false) || r == R_EOI) return 0;
  const v = readRegister(r) as u64;
  // Registers are 32 bits at 16-byte strides; narrower reads see part of one.
  const sh = ((off & 3) as u64) << 3;
  if ((off & 0xc) != 0) return 0;
  if (size == 1) return (v >> sh) & 0xff;
  if (size == 2) return (v >> sh) & 0xffff;
  return v >> sh;
}

export function lapicMmioWrite(off: u32, size: i32, v: u64): void {
  if ((apicBase() & (APIC_BASE_X2APIC | APIC_BASE_ENABLE)) != APIC_BASE_ENABLE) return;
  // Only aligned 32-bit writes are defined; others are dropped.
  if ((off & 0xf) != 0 || size < 4) return;
  const r = off & 0xff0;
  if (!registerExists(r, true)) {
    // Read-only registers ignore writes; reserved offsets are an APIC error.
    if (!registerExists(r, false)) apicError(ESR_ILLEGAL_REG);
    return;
  }
  writeRegister(r, v as u32);
}

// ---------------------------------------------------------------------------
// x2APIC MSRs 0x800-0x8FF and IA32_TSC_DEADLINE (0x6E0).

// @ts-ignore: decorator
@inline const MSR_TSC_DEADLINE: u32 = 0x6e0;

/** True for the MSRs this file owns; other indices #GP in msr.ts. The x2APIC
 * range exists only in x2APIC mode. Register-level checks (read of a write-only
 * register, reserved bits) raise #GP in lapicMsrRead/Write. */
export function lapicMsrValid(idx: u32): bool {
  if (idx == MSR_TSC_DEADLINE) return true;
  if (idx < 0x800 || idx > 0x8ff || !x2apicMode()) return false;
  const off = (idx - 0x800) << 4;
  return off == R_SELF_IPI || off == R_ICR_LO || registerExists(off, false) || registerExists(off, true);
}

export function lapicMsrRead(idx: u32): u64 {
  if (idx == MSR_TSC_DEADLINE) return timerMode() == TIMER_TSC_DEADLINE ? st64(S_TSC_DEADLINE) : 0;
  const off = (idx - 0x800) << 4;
  if (off == R_ICR_LO) return ((reg(R_ICR_HI) as u64) << 32) | (reg(R_ICR_LO) as u64);
  if (off == R_EOI || off == R_SELF_IPI || off == R_DFR || off == R_ICR_HI || off == R_APR || off == R_RRD ||
      !registerExists(off, false)) {
    raiseGP(0);
    return 0;
  }
  return readRegister(off) as u64;
}

/** Returns false for a write that must #GP. */
export function lapicMsrWrite(idx: u32, v: u64): bool {
  if (idx == MSR_TSC_DEADLINE) {
    if (timerMode() != TIMER_TSC_DEADLINE) return true; // ignored in the other modes
    stopTimer();
    if (v != 0) {
      setSt64(S_TSC_DEADLINE, v);
      // Guest TSC = raw TSC + IA32_TSC offset; a deadline already past fires at once.
      const raw = v - load<u64>(CPU_OFF + CPU_TSC_OFFSET);
      const now = tscNow();
      setSt64(S_DEADLINE, (raw as i64) - (now as i64) <= 0 ? now : raw);
    }
    timerChanged();
    return true;
  }
  const off = (idx - 0x800) << 4;
  if (off == R_ICR_LO) {
    setReg(R_ICR_HI, (v >> 32) as u32);
    setReg(R_ICR_LO, (v as u32) & ~(1 << 12));
    sendIpi(v as u32, (v >> 32) as u32);
    return true;
  }
  if ((v >> 32) != 0) return false;
  if (off == R_SELF_IPI) {
    if ((v & ~(0xff as u64)) != 0) return false;
    acceptVector(v as u32, false);
    return true;
  }
  if (off == R_EOI) {
    if (v != 0) return false;
    eoi();
    return true;
  }
  if (off == R_DFR || off == R_ICR_HI || off == R_LDR || !registerExists(off, true)) return false;
  if (off == R_ESR && v != 0) return false;
  writeRegister(off, v as u32);
  return true;
}

// ---------------------------------------------------------------------------
// CR8 and reset.

/** CR8 writes set the task priority (TPR = CR8 << 4). */
export function lapicSetTpr(v: u32): void {
  setReg(R_TPR, v & 0xff);
  signalInterrupt();
}
export function lapicGetTpr(): u32 {
  return reg(R_TPR);
}

/** Power-on state (SDM 11.4.7.1): IA32_APIC_BASE at 0xFEE00000 enabled (BSP,
 * xAPIC mode); registers zero but the masked LVTs, DFR all ones and SVR 0xFF
 * (software-disabled). */
export function lapicReset(): void {
  // IA32_APIC_BASE: 0xFEE00000, enabled, xAPIC mode, bootstrap processor.
  store<u64>(CPU_OFF + CPU_APIC_BASE, LAPIC_GPA | APIC_BASE_ENABLE | (apicId() == 0 ? 0x100 : 0));
  memory.fill(LAPIC_OFF, 0, 0x1000);
  setReg(R_ID, apicId() << 24);
  setReg(R_VERSION, VERSION);
  setReg(R_DFR, 0xffffffff);
  setReg(R_SVR, 0xff);
  for (let o = R_LVT_TIMER; o <= R_LVT_ERROR; o += 0x10) setReg(o, LVT_MASKED);
  setReg(R_LVT_CMCI, LVT_MASKED);
  stopTimer();
  timerChanged();
}

/** After the host restored the page (a snapshot): recompute the run loop's
 * timer check point and the host's deadline. */
export function lapicStateLoaded(): void {
  timerChanged();
  signalInterrupt();
}
