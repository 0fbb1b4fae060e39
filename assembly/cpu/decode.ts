// Instruction decoding: prefixes, opcode (one-byte, 0F, 0F38, 0F3A maps), ModRM,
// SIB, displacement and immediates, all fetched before anything executes, so a
// fetch fault never leaves an instruction half done.
//
// Decode once: blocks.ts keeps decoded instructions in basic blocks; an entry
// (64 bytes) holds everything that depends only on the instruction's bytes, the
// code mode and its address (prefixes, sizes, opcode, ModRM fields, the parts of
// the effective address, immediates, length) plus a copy of the bytes, which is
// how a block is checked again after anything may have changed them. The
// effective address is computed from the registers when the instruction runs.
//
// Entry layout (`ins` points at the entry of the instruction being executed):
//   +0  u16 offset of the instruction in its page (block entries)
//   +8  u64 instruction bytes 0-7 (the bytes past the length are don't-care)
//   +16 u64 instruction bytes 8-15
//   +24 u64 immediate (sign-extended as the instruction uses it)
//   +32 u64 displacement: the constant part of the effective address; for a
//           RIP-relative operand it already includes the address of the next
//           instruction, for a moffs operand it is the offset
//   +40 u16 second immediate (ENTER's level, a far pointer's selector)
//   +42 u8  X: the handler's sub-operation (ALU operation, condition code, ...)
//   +43 u8  VSH: left shift that discards the don't-care bytes when comparing
//   +44 u8  length          +45 u8 kind (handler, see fastpath.ts; 0 = by opcode)
//   +46 u16 opcode (0x00-0xFF, 0x100|b for 0F b, 0x200|b for 0F38 b, 0x300|b for 0F3A b)
//   +48 u8  operand size    +49 u8 address size   +50 u8 flags (EF_* below)
//   +51 u8  REP prefix (0, 1 = F3, 2 = F2)        +52 i8 segment override or -1
//   +53 u8  REX             +54 u8 ModRM          +55 u8 ModRM.reg (+REX.R)
//   +56 u8  ModRM.rm (+REX.B, register form)
//   +57 u8  base register or NOREG                +58 u8 index register or NOREG
//   +59 u8  scale (shift)   +60 u8 segment of the memory operand
//   +61 u8  byte offset in the register file of the reg operand at the operand size
//           (AH..BH without REX), +62 u8 the same for the r/m register operand
//   +63 u8  the fast handler's operand size (fastpath.ts)
import {
  rip, mode64, codeDefault32, gpr, segBase, segLimit, segChecks, csLimited, ES, CS, SS, DS, FS, GS,
} from "./state";
import { faulted, raiseGP, clearFault } from "./fault";
import { fetchByte, setStackRef, setAccessSegment } from "./mmu";
import { CPU_OFF, CPU_GPR } from "../layout";
import { classify } from "./fastpath";

// Immediate kinds in the opcode table (bits 1..4 of an entry; bit 0 = has ModRM).
// @ts-ignore: decorator
@inline const I_NONE: u32 = 0;
// @ts-ignore: decorator
@inline const I_B: u32 = 1;
// @ts-ignore: decorator
@inline const I_W: u32 = 2;
// @ts-ignore: decorator
@inline const I_Z: u32 = 3; // 16 or 32 bits by operand size, sign-extended
// @ts-ignore: decorator
@inline const I_V: u32 = 4; // 16/32/64 bits by operand size (MOV r, imm)
// @ts-ignore: decorator
@inline const I_MOFFS: u32 = 5; // address-size offset
// @ts-ignore: decorator
@inline const I_ENTER: u32 = 6; // iw, ib
// @ts-ignore: decorator
@inline const I_FAR: u32 = 7; // iz offset then iw selector
// @ts-ignore: decorator
@inline const I_GRP3: u32 = 8; // F6/F7: an immediate only for TEST (reg 0/1)

const table: usize = memory.data(1024);

// Prefix classes by byte value (0 = not a prefix).
// @ts-ignore: decorator
@inline const P_OPSIZE: u8 = 1;
// @ts-ignore: decorator
@inline const P_ADSIZE: u8 = 2;
// @ts-ignore: decorator
@inline const P_REP: u8 = 3;
// @ts-ignore: decorator
@inline const P_REPNE: u8 = 4;
// @ts-ignore: decorator
@inline const P_LOCK: u8 = 5;
// @ts-ignore: decorator
@inline const P_REX: u8 = 6;
// @ts-ignore: decorator
@inline const P_SEG: u8 = 7; // + segment register number
const prefixTable: usize = memory.data(256);

function def(op: u32, modrm: bool, imm: u32): void {
  store<u8>(table + op, (modrm ? 1 : 0) | (imm << 1) | 0x80);
}

export function initDecodeTable(): void {
  store<u8>(prefixTable + 0x66, P_OPSIZE);
  store<u8>(prefixTable + 0x67, P_ADSIZE);
  store<u8>(prefixTable + 0xf3, P_REP);
  store<u8>(prefixTable + 0xf2, P_REPNE);
  store<u8>(prefixTable + 0xf0, P_LOCK);
  store<u8>(prefixTable + 0x26, P_SEG + (ES as u8));
  store<u8>(prefixTable + 0x2e, P_SEG + (CS as u8));
  store<u8>(prefixTable + 0x36, P_SEG + (SS as u8));
  store<u8>(prefixTable + 0x3e, P_SEG + (DS as u8));
  store<u8>(prefixTable + 0x64, P_SEG + (FS as u8));
  store<u8>(prefixTable + 0x65, P_SEG + (GS as u8));
  for (let r: u32 = 0x40; r < 0x50; r++) store<u8>(prefixTable + r, P_REX);

  // One-byte map.
  for (let row: u32 = 0; row < 8; row++) {
    const b = row << 3;
    def(b + 0, true, I_NONE); def(b + 1, true, I_NONE); def(b + 2, true, I_NONE); def(b + 3, true, I_NONE);
    def(b + 4, false, I_B); def(b + 5, false, I_Z);
  }
  for (let op: u32 = 0x40; op < 0x60; op++) def(op, false, I_NONE);
  def(0x06, false, I_NONE); def(0x07, false, I_NONE); def(0x0e, false, I_NONE); def(0x16, false, I_NONE);
  def(0x17, false, I_NONE); def(0x1e, false, I_NONE); def(0x1f, false, I_NONE);
  def(0x27, false, I_NONE); def(0x2f, false, I_NONE); def(0x37, false, I_NONE); def(0x3f, false, I_NONE);
  def(0x60, false, I_NONE); def(0x61, false, I_NONE); def(0x62, true, I_NONE); def(0x63, true, I_NONE);
  def(0x68, false, I_Z); def(0x69, true, I_Z); def(0x6a, false, I_B); def(0x6b, true, I_B);
  for (let op: u32 = 0x6c; op < 0x70; op++) def(op, false, I_NONE);
  for (let op: u32 = 0x70; op < 0x80; op++) def(op, false, I_B);
  def(0x80, true, I_B); def(0x81, true, I_Z); def(0x82, true, I_B); def(0x83, true, I_B);
  for (let op: u32 = 0x84; op < 0x90; op++) def(op, true, I_NONE);
  for (let op: u32 = 0x90; op < 0xa0; op++) def(op, false, I_NONE);
  def(0x9a, false, I_FAR);
  def(0xa0, false, I_MOFFS); def(0xa1, false, I_MOFFS); def(0xa2, false, I_MOFFS); def(0xa3, false, I_MOFFS);
  for (let op: u32 = 0xa4; op < 0xb0; op++) def(op, false, I_NONE);
  def(0xa8, false, I_B); def(0xa9, false, I_Z);
  for (let op: u32 = 0xb0; op < 0xb8; op++) def(op, false, I_B);
  for (let op: u32 = 0xb8; op < 0xc0; op++) def(op, false, I_V);
  def(0xc0, true, I_B); def(0xc1, true, I_B); def(0xc2, false, I_W); def(0xc3, false, I_NONE);
  def(0xc4, true, I_NONE); def(0xc5, true, I_NONE); def(0xc6, true, I_B); def(0xc7, true, I_Z);
  def(0xc8, false, I_ENTER); def(0xc9, false, I_NONE); def(0xca, false, I_W); def(0xcb, false, I_NONE);
  def(0xcc, false, I_NONE); def(0xcd, false, I_B); def(0xce, false, I_NONE); def(0xcf, false, I_NONE);
  for (let op: u32 = 0xd0; op < 0xd4; op++) def(op, true, I_NONE);
  def(0xd4, false, I_B); def(0xd5, false, I_B); def(0xd6, false, I_NONE); def(0xd7, false, I_NONE);
  for (let op: u32 = 0xd8; op < 0xe0; op++) def(op, true, I_NONE);
  for (let op: u32 = 0xe0; op < 0xe8; op++) def(op, false, I_B);
  def(0xe8, false, I_Z); def(0xe9, false, I_Z); def(0xea, false, I_FAR); def(0xeb, false, I_B);
  for (let op: u32 = 0xec; op < 0xf0; op++) def(op, false, I_NONE);
  def(0xf1, false, I_NONE); def(0xf4, false, I_NONE); def(0xf5, false, I_NONE);
  def(0xf6, true, I_GRP3); def(0xf7, true, I_GRP3);
  for (let op: u32 = 0xf8; op < 0xfe; op++) def(op, false, I_NONE);
  def(0xfe, true, I_NONE); def(0xff, true, I_NONE);

  // Two-byte map (0F xx): ModRM unless listed otherwise.
  for (let op: u32 = 0x100; op < 0x200; op++) def(op, true, I_NONE);
  // Static lists: nothing may be allocated (the stub runtime cannot grow a 4 GiB memory).
  const noModrm = memory.data<u8>([0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x0e, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x37,
    0x77, 0xa0, 0xa1, 0xa2, 0xa8, 0xa9, 0xaa, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf]);
  for (let i = 0; i < 29; i++) def(0x100 | load<u8>(noModrm + i), false, I_NONE);
  for (let op: u32 = 0x180; op < 0x190; op++) def(op, false, I_Z);
  const withIb = memory.data<u8>([0x70, 0x71, 0x72, 0x73, 0xa4, 0xac, 0xba, 0xc2, 0xc4, 0xc5, 0xc6]);
  for (let i = 0; i < 11; i++) def(0x100 | load<u8>(withIb + i), true, I_B);
  // 0F 38 xx (0x200 | xx): ModRM; 0F 3A xx (0x300 | xx): ModRM + ib.
  for (let op: u32 = 0x200; op < 0x300; op++) def(op, true, I_NONE);
  for (let op: u32 = 0x300; op < 0x400; op++) def(op, true, I_B);
}

// ---------------------------------------------------------------------------
// The decoded-instruction record.

// @ts-ignore: decorator
@inline export const E_PAGEOFF: u32 = 0;
// @ts-ignore: decorator
@inline export const E_B0: u32 = 8;
// @ts-ignore: decorator
@inline export const E_B1: u32 = 16;
// @ts-ignore: decorator
@inline export const E_IMM: u32 = 24;
// @ts-ignore: decorator
@inline export const E_DISP: u32 = 32;
// @ts-ignore: decorator
@inline export const E_IMM2: u32 = 40;
// @ts-ignore: decorator
@inline export const E_X: u32 = 42;
// @ts-ignore: decorator
@inline export const E_VSH: u32 = 43;
// @ts-ignore: decorator
@inline export const E_LEN: u32 = 44;
// @ts-ignore: decorator
@inline export const E_KIND: u32 = 45;
// @ts-ignore: decorator
@inline export const E_OPCODE: u32 = 46;
// @ts-ignore: decorator
@inline export const E_OPSIZE: u32 = 48;
// @ts-ignore: decorator
@inline export const E_ADSIZE: u32 = 49;
// @ts-ignore: decorator
@inline export const E_FLAGS: u32 = 50;
// @ts-ignore: decorator
@inline export const E_REP: u32 = 51;
// @ts-ignore: decorator
@inline export const E_SEGOVR: u32 = 52;
// @ts-ignore: decorator
@inline export const E_REX: u32 = 53;
// @ts-ignore: decorator
@inline export const E_MODRM: u32 = 54;
// @ts-ignore: decorator
@inline export const E_REGF: u32 = 55;
// @ts-ignore: decorator
@inline export const E_RMF: u32 = 56;
// @ts-ignore: decorator
@inline export const E_BASE: u32 = 57;
// @ts-ignore: decorator
@inline export const E_INDEX: u32 = 58;
// @ts-ignore: decorator
@inline export const E_SCALE: u32 = 59;
// @ts-ignore: decorator
@inline export const E_EASEG: u32 = 60;
// @ts-ignore: decorator
@inline export const E_GOFF: u32 = 61;
// @ts-ignore: decorator
@inline export const E_EOFF: u32 = 62;
// @ts-ignore: decorator
@inline export const ENTRY_SIZE: u32 = 64;

// Flag bits at E_FLAGS.
// @ts-ignore: decorator
@inline export const EF_OPSIZE: u32 = 1;
// @ts-ignore: decorator
@inline export const EF_ADSIZE: u32 = 2;
// @ts-ignore: decorator
@inline export const EF_LOCK: u32 = 4;
// @ts-ignore: decorator
@inline export const EF_MEM: u32 = 8;
// @ts-ignore: decorator
@inline export const EF_REXW: u32 = 16;
// @ts-ignore: decorator
@inline export const EF_INVALID: u32 = 32;

/** No base/index register. */
// @ts-ignore: decorator
@inline export const NOREG: u32 = 0xff;

/** Where an instruction that cannot be cached is decoded (page straddlers, faults). */
const scratch: usize = memory.data(ENTRY_SIZE, 64);

/** The entry of the instruction being executed. */
export let ins: usize = scratch;
// @ts-ignore: decorator
@inline export function setIns(e: usize): void { ins = e; }

// Accessors of the current instruction.
// @ts-ignore: decorator
@inline export function dOpcode(): u32 { return load<u16>(ins, E_OPCODE); }
// @ts-ignore: decorator
@inline export function dOpsize(): i32 { return load<u8>(ins, E_OPSIZE) as i32; }
// @ts-ignore: decorator
@inline export function dAdsize(): i32 { return load<u8>(ins, E_ADSIZE) as i32; }
// @ts-ignore: decorator
@inline export function dRep(): i32 { return load<u8>(ins, E_REP) as i32; }
// @ts-ignore: decorator
@inline export function dSegOvr(): i32 { return load<i8>(ins, E_SEGOVR) as i32; }
// @ts-ignore: decorator
@inline export function dRex(): u32 { return load<u8>(ins, E_REX); }
// @ts-ignore: decorator
@inline export function dRexW(): bool { return (load<u8>(ins, E_FLAGS) & EF_REXW) != 0; }
// @ts-ignore: decorator
@inline export function dOpsizePrefix(): bool { return (load<u8>(ins, E_FLAGS) & EF_OPSIZE) != 0; }
// @ts-ignore: decorator
@inline export function dLock(): bool { return (load<u8>(ins, E_FLAGS) & EF_LOCK) != 0; }
// @ts-ignore: decorator
@inline export function dIsMem(): bool { return (load<u8>(ins, E_FLAGS) & EF_MEM) != 0; }
// @ts-ignore: decorator
@inline export function dModrm(): u32 { return load<u8>(ins, E_MODRM); }
// @ts-ignore: decorator
@inline export function dRegf(): i32 { return load<u8>(ins, E_REGF) as i32; }
// @ts-ignore: decorator
@inline export function dRmf(): i32 { return load<u8>(ins, E_RMF) as i32; }
// @ts-ignore: decorator
@inline export function dImm(): u64 { return load<u64>(ins, E_IMM); }
// @ts-ignore: decorator
@inline export function dImm2(): u64 { return load<u16>(ins, E_IMM2) as u64; }
// @ts-ignore: decorator
@inline export function dLen(): u32 { return load<u8>(ins, E_LEN); }
// @ts-ignore: decorator
@inline export function dX(): u32 { return load<u8>(ins, E_X); }

/** Offset of the memory operand in its segment, computed by computeEa() when the
 * instruction starts executing (registers as they were before it). */
export let eaOff: u64 = 0;
/** Segment of the memory operand. */
export let eaSeg: i32 = DS;

/** Effective address (offset) of the memory operand of the instruction at `e`. */
// @ts-ignore: decorator
@inline export function eaOffsetOf(e: usize): u64 {
  let ea = load<u64>(e, E_DISP);
  const b = load<u8>(e, E_BASE);
  if (b != NOREG) ea += load<u64>(CPU_OFF + CPU_GPR + (b << 3));
  const x = load<u8>(e, E_INDEX);
  if (x != NOREG) ea += load<u64>(CPU_OFF + CPU_GPR + (x << 3)) << (load<u8>(e, E_SCALE) as u64);
  const a = load<u8>(e, E_ADSIZE);
  if (a == 4) return ea & 0xffffffff;
  if (a == 2) return ea & 0xffff;
  return ea;
}

/** Sets eaOff/eaSeg for the current instruction. */
export function computeEa(): void {
  eaOff = eaOffsetOf(ins);
  eaSeg = load<u8>(ins, E_EASEG) as i32;
}

// ---------------------------------------------------------------------------
// Decoding proper (on a cache miss). The decoder works on module variables and
// writes the entry at the end.

let pOpsize: bool = false;
let pAdsize: bool = false;
let pRep: i32 = 0;
let pLock: bool = false;
let pSeg: i32 = -1;
let pRex: u32 = 0;
let dOpc: u32 = 0;
let dModrmB: u32 = 0;
let dOsz: i32 = 4;
let dAsz: i32 = 4;
let dMem: bool = false;
let dBase: u32 = NOREG;
let dIndex: u32 = NOREG;
let dScale: u32 = 0;
let dSeg: i32 = DS;
let dDisp: u64 = 0;
let dImmV: u64 = 0;
let dImm2V: u64 = 0;
let dInvalid: bool = false;
let ripRelative: bool = false;

/** Length of the instruction decode() found (and its cursor while decoding). */
export let insnLen: u32 = 0;
let fetchStart: u64 = 0;
let fetchPtr: usize = 0;
let fast: bool = false;
/** Address (RIP) of the instruction being decoded. */
let decodeIp: u64 = 0;

// @ts-ignore: decorator
@inline function nextByte(): u32 {
  const n = insnLen++;
  if (fast) return load<u8>(fetchPtr + n);
  if (n >= 15) return 0;
  // A byte beyond CS's limit is #GP(0) (csLimited: blocks are not used then).
  if (csLimited && decodeIp + (n as u64) > (segLimit(CS) as u64)) { raiseGP(0); return 0; }
  return fetchByte(fetchStart + (n as u64));
}

function nextN(bytes: i32): u64 {
  if (fast) {
    const p = fetchPtr + insnLen;
    insnLen += bytes as u32;
    if (bytes == 4) return load<u32>(p);
    if (bytes == 2) return load<u16>(p);
    if (bytes == 8) return load<u64>(p);
    return load<u8>(p);
  }
  let v: u64 = 0;
  for (let i = 0; i < bytes; i++) v |= (nextByte() as u64) << ((i as u64) << 3);
  return v;
}

/** Linear address of the code at `ip` (CS base applies outside 64-bit mode). */
// @ts-ignore: decorator
@inline export function codeLinear(ip: u64): u64 {
  if (mode64) return ip;
  return (ip + segBase(CS)) & 0xffffffff;
}

/** Decodes the instruction at RIP into the scratch entry and points `ins` at it,
 * fetching byte by byte (it may straddle a page or fault). On return either
 * `faulted` is set (fetch fault or over-long instruction) or `ins` is valid. */
export function decode(): void {
  fetchStart = codeLinear(rip);
  decodeIp = rip;
  fast = false;
  decodeBytes();
  const e = scratch;
  ins = e;
  invalid = dInvalid;
  if (faulted) return;
  writeEntry(e);
}

/** Decodes the instruction at address `ip` whose bytes are at wasm offset `ptr`
 * (at least 16 readable bytes of one page) into entry `e`. False when it is
 * invalid or over-long (nothing is raised then: the caller decodes it again
 * with decode()). */
export function decodeInto(e: usize, ip: u64, ptr: usize): bool {
  fetchPtr = ptr;
  decodeIp = ip;
  fast = true;
  decodeBytes();
  if (faulted) { clearFault(); return false; }
  if (dInvalid) return false;
  store<u64>(e, load<u64>(ptr), E_B0);
  store<u64>(e, load<u64>(ptr, 8), E_B1);
  writeEntry(e);
  return true;
}

/** The bytes at `ptr` are still those entry `e` was decoded from. */
// @ts-ignore: decorator
@inline export function entryMatches(e: usize, ptr: usize): bool {
  const len = load<u8>(e, E_LEN);
  const sh = load<u8>(e, E_VSH) as u64;
  const w0 = load<u64>(ptr) ^ load<u64>(e, E_B0);
  if (len <= 8) return (w0 << sh) == 0;
  return w0 == 0 && ((load<u64>(ptr, 8) ^ load<u64>(e, E_B1)) << sh) == 0;
}

function decodeBytes(): void {
  pOpsize = false; pAdsize = false; pRep = 0; pLock = false;
  pSeg = -1; pRex = 0; dInvalid = false; insnLen = 0;
  dImmV = 0; dImm2V = 0; dMem = false; dModrmB = 0;
  dBase = NOREG; dIndex = NOREG; dScale = 0; dDisp = 0; dSeg = DS; ripRelative = false;

  let b: u32;
  // Prefixes: one table lookup per byte (most instructions have none).
  while (true) {
    b = nextByte();
    if (faulted) return;
    const k = load<u8>(prefixTable + b);
    if (k == 0) break;
    if (k == P_REX) {
      if (!mode64) break; // INC/DEC outside 64-bit mode
      pRex = b;
      // REX counts only immediately before the opcode.
      const n = nextByte();
      if (faulted) return;
      if (load<u8>(prefixTable + n) != 0) {
        pRex = 0;
        insnLen--; // re-read it as a prefix
        if (insnLen >= 15) { raiseGP(0); return; }
        continue;
      }
      b = n;
      break;
    }
    if (k == P_OPSIZE) pOpsize = true;
    else if (k == P_ADSIZE) pAdsize = true;
    else if (k == P_REP) pRep = 1;
    else if (k == P_REPNE) pRep = 2;
    else if (k == P_LOCK) pLock = true;
    else pSeg = (k - P_SEG) as i32;
    if (insnLen >= 15) { raiseGP(0); return; }
  }
  const rexW = (pRex & 8) != 0;

  if (mode64) {
    dOsz = rexW ? 8 : pOpsize ? 2 : 4;
    dAsz = pAdsize ? 4 : 8;
    if (pSeg < FS) pSeg = -1; // ES/CS/SS/DS overrides are ignored in 64-bit mode
  } else if (codeDefault32) {
    dOsz = pOpsize ? 2 : 4;
    dAsz = pAdsize ? 2 : 4;
  } else {
    dOsz = pOpsize ? 4 : 2;
    dAsz = pAdsize ? 4 : 2;
  }

  let op = b;
  if (b == 0x0f) {
    const b2 = nextByte();
    if (b2 == 0x38) op = 0x200 | nextByte();
    else if (b2 == 0x3a) op = 0x300 | nextByte();
    else op = 0x100 | b2;
  }
  if (faulted) return;
  dOpc = op;
  const info = load<u8>(table + op);
  if (info == 0) { dInvalid = true; return; }
  // Not implemented and so reported as #UD: VEX (C4/C5 in 64-bit mode) and 3DNow!.
  if ((mode64 && (op == 0xc4 || op == 0xc5)) || op == 0x10f) { dInvalid = true; return; }
  // Near branches ignore 66 in 64-bit mode (Intel): the displacement stays 32 bits.
  if (mode64 && (op == 0xe8 || op == 0xe9 || (op >= 0x180 && op < 0x190))) dOsz = 8;

  if ((info & 1) != 0) {
    dModrmB = nextByte();
    // C4/C5 with a register ModRM are VEX prefixes in 32-bit mode too (no AVX here);
    // 0F 78/79 are VMREAD/VMWRITE or SSE4a: not implemented either.
    if (((op == 0xc4 || op == 0xc5) && (dModrmB >> 6) == 3) || op == 0x178 || op == 0x179) { dInvalid = true; return; }
    decodeModrm();
  }
  const immKind = (info >> 1) & 0xf;
  if (immKind != I_NONE) decodeImm(immKind);
  if (faulted) return;
  if (insnLen > 15) { raiseGP(0); return; }
  // RIP-relative displacements count from the end of the instruction.
  if (ripRelative) dDisp += decodeIp + (insnLen as u64);
}

function decodeModrm(): void {
  // MOV to/from CR/DR always names a register, whatever ModRM.mod says.
  const mod = dOpc >= 0x120 && dOpc <= 0x123 ? 3 : dModrmB >> 6;
  const rm = dModrmB & 7;
  if (mod == 3) return;
  dMem = true;
  let seg = DS;
  if (dAsz != 2) {
    if (rm == 4) {
      const sib = nextByte();
      const idx = ((sib >> 3) & 7) | ((pRex & 2) << 2);
      const base = (sib & 7) | ((pRex & 1) << 3);
      if (idx != 4) { dIndex = idx; dScale = sib >> 6; }
      if ((base & 7) == 5 && mod == 0) {
        dDisp = (nextN(4) as i32) as i64 as u64;
      } else {
        dBase = base;
        if (base == 4 || base == 5) seg = SS;
      }
    } else if (rm == 5 && mod == 0) {
      dDisp = (nextN(4) as i32) as i64 as u64;
      if (mode64) ripRelative = true;
    } else {
      const base = rm | ((pRex & 1) << 3);
      dBase = base;
      if (base == 5) seg = SS;
    }
    if (mod == 1) dDisp += (nextByte() as i8) as i64 as u64;
    else if (mod == 2) dDisp += (nextN(4) as i32) as i64 as u64;
  } else {
    // 16-bit addressing forms: the sum wraps to 16 bits at execution.
    switch (rm) {
      case 0: dBase = 3; dIndex = 6; break; // BX+SI
      case 1: dBase = 3; dIndex = 7; break; // BX+DI
      case 2: dBase = 5; dIndex = 6; seg = SS; break; // BP+SI
      case 3: dBase = 5; dIndex = 7; seg = SS; break; // BP+DI
      case 4: dBase = 6; break;
      case 5: dBase = 7; break;
      case 6: if (mod == 0) dDisp = nextN(2); else { dBase = 5; seg = SS; } break;
      default: dBase = 3;
    }
    if (mod == 1) dDisp += (nextByte() as i8) as i64 as u64;
    else if (mod == 2) dDisp += (nextN(2) as i16) as i64 as u64;
  }
  dSeg = pSeg >= 0 ? pSeg : seg;
}

function decodeImm(kind: u32): void {
  switch (kind) {
    case I_B: dImmV = nextByte(); break;
    case I_W: dImmV = nextN(2); break;
    case I_Z: dImmV = dOsz == 2 ? nextN(2) : (nextN(4) as i32) as i64 as u64; break;
    case I_V: dImmV = nextN(dOsz); break;
    case I_MOFFS: {
      dDisp = nextN(dAsz);
      dMem = true;
      dSeg = pSeg >= 0 ? pSeg : DS;
      break;
    }
    case I_ENTER: dImmV = nextN(2); dImm2V = nextByte(); break;
    case I_FAR: dImmV = nextN(dOsz == 2 ? 2 : 4); dImm2V = nextN(2); break;
    case I_GRP3: if (((dModrmB >> 3) & 7) < 2) {
      const sz = (dOpc & 1) == 0 ? 1 : dOsz == 2 ? 2 : 4;
      dImmV = sz == 4 ? (nextN(4) as i32) as i64 as u64 : nextN(sz);
    } break;
  }
}

/** Byte offset in the register file of register `r` as an operand of `size`. */
function regByteOff(r: u32, size: i32): u32 {
  if (size == 1 && pRex == 0 && r >= 4 && r < 8) return ((r - 4) << 3) + 1;
  return r << 3;
}

function writeEntry(e: usize): void {
  const len = insnLen;
  store<u8>(e, len as u8, E_LEN);
  store<u8>(e, (len <= 8 ? (8 - len) << 3 : (16 - len) << 3) as u8, E_VSH);
  store<u16>(e, dOpc as u16, E_OPCODE);
  store<u8>(e, dOsz as u8, E_OPSIZE);
  store<u8>(e, dAsz as u8, E_ADSIZE);
  store<u8>(e, ((pOpsize ? EF_OPSIZE : 0) | (pAdsize ? EF_ADSIZE : 0) | (pLock ? EF_LOCK : 0) |
    (dMem ? EF_MEM : 0) | ((pRex & 8) != 0 ? EF_REXW : 0) | (dInvalid ? EF_INVALID : 0)) as u8, E_FLAGS);
  store<u8>(e, pRep as u8, E_REP);
  store<i8>(e, pSeg as i8, E_SEGOVR);
  store<u8>(e, pRex as u8, E_REX);
  store<u8>(e, dModrmB as u8, E_MODRM);
  const regf = ((dModrmB >> 3) & 7) | ((pRex & 4) << 1);
  const rmf = (dModrmB & 7) | ((pRex & 1) << 3);
  store<u8>(e, regf as u8, E_REGF);
  store<u8>(e, rmf as u8, E_RMF);
  store<u8>(e, dBase as u8, E_BASE);
  store<u8>(e, dIndex as u8, E_INDEX);
  store<u8>(e, dScale as u8, E_SCALE);
  store<u8>(e, dSeg as u8, E_EASEG);
  store<u64>(e, dImmV, E_IMM);
  store<u64>(e, dDisp, E_DISP);
  store<u16>(e, dImm2V as u16, E_IMM2);
  // The register operands at the operand size of the common byte/word/dword forms.
  const bsz = (dOpc < 0x100 && (dOpc & 1) == 0) || dOpc == 0x1b6 || dOpc == 0x1be ? 1 : dOsz;
  store<u8>(e, regByteOff(regf, bsz) as u8, E_GOFF);
  store<u8>(e, regByteOff(rmf, bsz) as u8, E_EOFF);
  store<u8>(e, 0, E_X);
  store<u8>(e, dInvalid ? 0 : classify(e) as u8, E_KIND);
}


// ---------------------------------------------------------------------------
// The decoder's results as plain variables, for the x87 and SSE code; they are
// set by materialize() before it runs.
export let pfxOpsize: bool = false;
export let pfxAdsize: bool = false;
export let pfxRep: i32 = 0; // 0 none, 1 = F3 (REP/REPE), 2 = F2 (REPNE)
export let pfxLock: bool = false;
export let segOvr: i32 = -1;
export let rex: u32 = 0;
export let rexW: bool = false;
export let opsize: i32 = 4;
export let adsize: i32 = 4;
export let opcode: u32 = 0;
export let modrm: u32 = 0;
export let regf: i32 = 0; // ModRM.reg with REX.R
export let rmf: i32 = 0; // ModRM.rm with REX.B (register form)
export let isMem: bool = false;
export let imm: u64 = 0;
export let imm2: u64 = 0;
export let invalid: bool = false; // decoding hit something that is #UD

/** Copies the current entry into the variables above. */
export function materialize(): void {
  const e = ins;
  const fl = load<u8>(e, E_FLAGS);
  pfxOpsize = (fl & EF_OPSIZE) != 0;
  pfxAdsize = (fl & EF_ADSIZE) != 0;
  pfxLock = (fl & EF_LOCK) != 0;
  isMem = (fl & EF_MEM) != 0;
  rexW = (fl & EF_REXW) != 0;
  invalid = (fl & EF_INVALID) != 0;
  pfxRep = load<u8>(e, E_REP);
  segOvr = load<i8>(e, E_SEGOVR);
  rex = load<u8>(e, E_REX);
  opsize = load<u8>(e, E_OPSIZE);
  adsize = load<u8>(e, E_ADSIZE);
  opcode = load<u16>(e, E_OPCODE);
  modrm = load<u8>(e, E_MODRM);
  regf = load<u8>(e, E_REGF);
  rmf = load<u8>(e, E_RMF);
  imm = load<u64>(e, E_IMM);
  imm2 = load<u16>(e, E_IMM2);
}


/** Linear address of the memory operand (segment base applied, wrapped to the mode). */
export function eaLinear(): u64 {
  setStackRef(eaSeg == SS);
  if (mode64) {
    if (eaSeg >= FS) return eaOff + segBase(eaSeg);
    return eaOff;
  }
  if (((segChecks >> (eaSeg as u32)) & 1) != 0) setAccessSegment(eaSeg); // the accesses check its limit
  return (eaOff + segBase(eaSeg)) & 0xffffffff;
}

/** Linear address of `off` in segment `seg` (string instructions, stack). */
export function linearOf(seg: i32, off: u64): u64 {
  setStackRef(seg == SS);
  if (mode64) return seg >= FS ? off + segBase(seg) : off;
  if (((segChecks >> (seg as u32)) & 1) != 0) setAccessSegment(seg);
  return (off + segBase(seg)) & 0xffffffff;
}

/** The segment string-source operands use (DS unless overridden). */
export function srcSeg(): i32 {
  const s = load<i8>(ins, E_SEGOVR) as i32;
  return s >= 0 ? s : DS;
}

export { gpr };
