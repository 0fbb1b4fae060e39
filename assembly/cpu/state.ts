// The vCPU's architectural state. GPRs, segments and control registers live in the
// register file at CPU_OFF (the host reads them between runs); the hottest values
// (RIP, the cached mode bits) are wasm globals, written back on every exit.
import {
  CPU_OFF, CPU_GPR, CPU_RIP, CPU_SEG, SEG_SIZE, SEG_SEL, SEG_ATTR, SEG_LIMIT, SEG_BASE,
  CPU_CR0, CPU_CR4, CPU_EFER,
} from "../layout";

// Segment register numbers (SDM order, as in ModRM.reg of MOV Sreg).
// @ts-ignore: decorator
@inline export const ES: i32 = 0;
// @ts-ignore: decorator
@inline export const CS: i32 = 1;
// @ts-ignore: decorator
@inline export const SS: i32 = 2;
// @ts-ignore: decorator
@inline export const DS: i32 = 3;
// @ts-ignore: decorator
@inline export const FS: i32 = 4;
// @ts-ignore: decorator
@inline export const GS: i32 = 5;
// @ts-ignore: decorator
@inline export const LDTR: i32 = 6;
// @ts-ignore: decorator
@inline export const TR: i32 = 7;

// GPR numbers.
// @ts-ignore: decorator
@inline export const RAX: i32 = 0;
// @ts-ignore: decorator
@inline export const RCX: i32 = 1;
// @ts-ignore: decorator
@inline export const RDX: i32 = 2;
// @ts-ignore: decorator
@inline export const RBX: i32 = 3;
// @ts-ignore: decorator
@inline export const RSP: i32 = 4;
// @ts-ignore: decorator
@inline export const RBP: i32 = 5;
// @ts-ignore: decorator
@inline export const RSI: i32 = 6;
// @ts-ignore: decorator
@inline export const RDI: i32 = 7;

// CR0/CR4/EFER bits the core consults.
// @ts-ignore: decorator
@inline export const CR0_PE: u64 = 1;
// @ts-ignore: decorator
@inline export const CR0_MP: u64 = 2;
// @ts-ignore: decorator
@inline export const CR0_EM: u64 = 4;
// @ts-ignore: decorator
@inline export const CR0_TS: u64 = 8;
// @ts-ignore: decorator
@inline export const CR0_WP: u64 = 1 << 16;
// @ts-ignore: decorator
@inline export const CR0_AM: u64 = 1 << 18;
// @ts-ignore: decorator
@inline export const CR0_PG: u64 = 1 << 31;
// @ts-ignore: decorator
@inline export const CR4_PSE: u64 = 1 << 4;
// @ts-ignore: decorator
@inline export const CR4_PAE: u64 = 1 << 5;
// @ts-ignore: decorator
@inline export const CR4_PGE: u64 = 1 << 7;
// @ts-ignore: decorator
@inline export const CR4_OSFXSR: u64 = 1 << 9;
// @ts-ignore: decorator
@inline export const EFER_SCE: u64 = 1;
// @ts-ignore: decorator
@inline export const EFER_LME: u64 = 1 << 8;
// @ts-ignore: decorator
@inline export const EFER_LMA: u64 = 1 << 10;
// @ts-ignore: decorator
@inline export const EFER_NXE: u64 = 1 << 11;

// RFLAGS bits.
// @ts-ignore: decorator
@inline export const F_CF: u32 = 1;
// @ts-ignore: decorator
@inline export const F_PF: u32 = 4;
// @ts-ignore: decorator
@inline export const F_AF: u32 = 0x10;
// @ts-ignore: decorator
@inline export const F_ZF: u32 = 0x40;
// @ts-ignore: decorator
@inline export const F_SF: u32 = 0x80;
// @ts-ignore: decorator
@inline export const F_TF: u32 = 0x100;
// @ts-ignore: decorator
@inline export const F_IF: u32 = 0x200;
// @ts-ignore: decorator
@inline export const F_DF: u32 = 0x400;
// @ts-ignore: decorator
@inline export const F_OF: u32 = 0x800;
// @ts-ignore: decorator
@inline export const F_IOPL: u32 = 0x3000;
// @ts-ignore: decorator
@inline export const F_NT: u32 = 0x4000;
// @ts-ignore: decorator
@inline export const F_RF: u32 = 0x10000;
// @ts-ignore: decorator
@inline export const F_VM: u32 = 0x20000;
// @ts-ignore: decorator
@inline export const F_AC: u32 = 0x40000;
// @ts-ignore: decorator
@inline export const F_ID: u32 = 0x200000;
// @ts-ignore: decorator
@inline export const F_ARITH: u32 = 0x8d5;

/** Links between decoded blocks (blocks.ts) hold while chainEpoch is the one
 * they were made in; anything that may make one wrong moves it. */
export let chainEpoch: u32 = 1;
export function chainBreak(): void { chainEpoch++; }

/** Address of the current instruction, and of the next one once decoded. */
export let rip: u64 = 0;
export let nextRip: u64 = 0;
export function setRip(v: u64): void { rip = v; }
export function setNextRip(v: u64): void { nextRip = v; }

/** Cached mode, recomputed by updateMode() after any CR0/CR4/EFER/CS change. */
export let cpl: i32 = 0;
export let mode64: bool = false;      // CS.L with EFER.LMA: 64-bit mode
export let codeDefault32: bool = true; // CS.D (ignored in 64-bit mode)
export let stack32: bool = true;       // SS.B: 32-bit stack pointer outside 64-bit mode
export let longActive: bool = false;   // EFER.LMA
export let pagingOn: bool = false;
/** CR0.PE: protected mode (false: real-address mode, segments are selector << 4). */
export let protectedMode: bool = true;
/** Code mode folded into decoded-block tags (blocks.ts): 0 in 64-bit mode, 1 << 56
 * for 32-bit and 2 << 56 for 16-bit code, plus 4 << 56 at CPL 3; outside 64-bit
 * mode also segChecks << 32 and 1 << 40 when csLimited (the fast paths a block
 * holds depend on them). XORed into a linear address it never collides
 * (canonical addresses have bits 63:56 all 0 or all 1, 32-bit ones all 0 above
 * bit 31). */
export let modeKey: u64 = 1 << 56;

// Segment limits (and types) outside 64-bit mode. A data segment that is
// writable, expand-up, usable and 4 GiB long ("flat") needs no checks: that is
// every segment of a PVH guest and of Linux, so only the others pay. Accesses
// through a segment whose bit is set in segChecks are checked (mmu.ts
// segAccessOk); decoded blocks give their instructions the generic, checking
// path (fastpath.ts classify). In protected mode CS is always checked for data
// accesses (a code segment is never writable).
/** Bit s (ES..GS) set: segment s is not flat, whatever the mode. */
let segNotFlat: u32 = 0;
/** The segments whose accesses are checked now: segNotFlat, 0 in 64-bit mode. */
export let segChecks: u32 = 0;
/** CS's limit is below 4 GiB outside 64-bit mode: instruction fetches and near
 * branch targets are checked against it, and decoded blocks are not used. */
export let csLimited: bool = false;

// @ts-ignore: decorator
@inline function notFlat(s: i32, attr: u32, limit: u32): bool {
  if (!protectedMode) return limit != 0xffffffff; // real mode: the limit only
  return s == CS || (attr & 0x1001e) != 0x12 || limit != 0xffffffff;
}

function refreshModeKey(): void {
  segChecks = mode64 ? 0 : segNotFlat;
  modeKey = (mode64 ? 0 : codeDefault32 ? (1 as u64) << 56 : (2 as u64) << 56) | (cpl == 3 ? (4 as u64) << 56 : 0) |
    ((segChecks as u64) << 32) | (csLimited ? (1 as u64) << 40 : 0);
}
/** RIP wraps to 32 bits outside 64-bit mode. */
export let ripMask: u64 = 0xffffffff;

// @ts-ignore: decorator
@inline export function gpr(r: i32): u64 {
  return load<u64>(CPU_OFF + CPU_GPR + (r << 3));
}
// @ts-ignore: decorator
@inline export function setGpr(r: i32, v: u64): void {
  store<u64>(CPU_OFF + CPU_GPR + (r << 3), v);
}
// @ts-ignore: decorator
@inline export function gpr32(r: i32): u32 {
  return load<u32>(CPU_OFF + CPU_GPR + (r << 3));
}

/** Writes a GPR with the x86 width rules: 32-bit writes zero the upper half,
 * 8/16-bit writes keep the rest. */
// @ts-ignore: decorator
@inline export function setGprSized(r: i32, v: u64, size: i32): void {
  const a = CPU_OFF + CPU_GPR + (r << 3);
  if (size == 8) store<u64>(a, v);
  else if (size == 4) store<u64>(a, v & 0xffffffff);
  else if (size == 2) store<u16>(a, v as u16);
  else store<u8>(a, v as u8);
}

// @ts-ignore: decorator
@inline export function gprSized(r: i32, size: i32): u64 {
  const a = CPU_OFF + CPU_GPR + (r << 3);
  if (size == 8) return load<u64>(a);
  if (size == 4) return load<u32>(a);
  if (size == 2) return load<u16>(a);
  return load<u8>(a);
}

/** 8-bit register by encoding: without REX, 4..7 are AH CH DH BH. */
// @ts-ignore: decorator
@inline export function reg8Off(r: i32, hasRex: bool): usize {
  if (hasRex || r < 4) return CPU_OFF + CPU_GPR + (r << 3);
  return CPU_OFF + CPU_GPR + ((r - 4) << 3) + 1;
}

// @ts-ignore: decorator
@inline export function segOff(s: i32): usize {
  return CPU_OFF + CPU_SEG + s * SEG_SIZE;
}
// @ts-ignore: decorator
@inline export function segBase(s: i32): u64 {
  return load<u64>(segOff(s) + SEG_BASE);
}
// @ts-ignore: decorator
@inline export function segSel(s: i32): u32 {
  return load<u16>(segOff(s) + SEG_SEL);
}
// @ts-ignore: decorator
@inline export function segAttr(s: i32): u32 {
  return load<u32>(segOff(s) + SEG_ATTR);
}
// @ts-ignore: decorator
@inline export function segLimit(s: i32): u32 {
  return load<u32>(segOff(s) + SEG_LIMIT);
}
export function setSeg(s: i32, sel: u32, base: u64, limit: u32, attr: u32): void {
  const o = segOff(s);
  // Links between decoded blocks assume the linear address of a branch target
  // (RIP + CS base) does not move.
  if (s == CS && load<u64>(o + SEG_BASE) != base) chainBreak();
  store<u16>(o + SEG_SEL, sel as u16);
  store<u32>(o + SEG_ATTR, attr);
  store<u32>(o + SEG_LIMIT, limit);
  store<u64>(o + SEG_BASE, base);
  if (s <= GS) {
    const bit: u32 = 1 << s;
    segNotFlat = notFlat(s, attr, limit) ? segNotFlat | bit : segNotFlat & ~bit;
    refreshModeKey();
  }
}

// @ts-ignore: decorator
@inline export function cr0(): u64 { return load<u64>(CPU_OFF + CPU_CR0); }
// @ts-ignore: decorator
@inline export function cr4(): u64 { return load<u64>(CPU_OFF + CPU_CR4); }
// @ts-ignore: decorator
@inline export function efer(): u64 { return load<u64>(CPU_OFF + CPU_EFER); }

export function updateMode(): void {
  const c0 = cr0();
  longActive = (efer() & EFER_LMA) != 0;
  pagingOn = (c0 & CR0_PG) != 0;
  const csA = segAttr(CS);
  mode64 = longActive && (csA & (1 << 13)) != 0;
  codeDefault32 = (csA & (1 << 14)) != 0;
  ripMask = mode64 ? 0xffffffffffffffff : 0xffffffff;
  stack32 = (segAttr(SS) & (1 << 14)) != 0;
  protectedMode = (c0 & CR0_PE) != 0;
  // In protected mode the CPL is the DPL of SS (equal to CS.RPL except in odd cases).
  cpl = protectedMode ? ((segAttr(SS) >> 5) & 3) as i32 : 0;
  let m: u32 = 0;
  for (let s = ES; s <= GS; s++) if (notFlat(s, segAttr(s), segLimit(s))) m |= 1 << s;
  segNotFlat = m;
  csLimited = !mode64 && segLimit(CS) != 0xffffffff;
  refreshModeKey();
}

export function loadRipFromState(): void {
  rip = load<u64>(CPU_OFF + CPU_RIP);
}
export function saveRipToState(): void {
  store<u64>(CPU_OFF + CPU_RIP, rip);
}
