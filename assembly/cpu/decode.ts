// Instruction decoding: prefixes, opcode (one-byte, 0F, 0F38, 0F3A maps), ModRM,
// SIB, displacement and immediates, all fetched before anything executes, so a
// fetch fault never leaves an instruction half done.
import {
  rip, mode64, codeDefault32, gpr, segBase, ES, CS, SS, DS, FS, GS,
} from "./state";
import { faulted, raiseGP } from "./fault";
import { codePage, codeOff, fetchByte, setStackRef } from "./mmu";

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

// Decoded instruction (valid from decode() until the next one).
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
export let eaSeg: i32 = DS;
export let eaOff: u64 = 0;
export let imm: u64 = 0;
export let imm2: u64 = 0;
export let insnLen: u32 = 0;
export let invalid: bool = false; // decoding hit something that is #UD

let fetchStart: u64 = 0;
let fetchPtr: usize = 0;
let fast: bool = false;

/** Overrides the effective operand size (string ops with 8-bit forms etc.). */
export function setOpsize(s: i32): void { opsize = s; }

// @ts-ignore: decorator
@inline function nextByte(): u32 {
  const n = insnLen++;
  if (fast) return load<u8>(fetchPtr + n);
  if (n >= 15) return 0;
  return fetchByte(fetchStart + (n as u64));
}

function nextN(bytes: i32): u64 {
  let v: u64 = 0;
  for (let i = 0; i < bytes; i++) v |= (nextByte() as u64) << ((i as u64) << 3);
  return v;
}

/** Linear address of the code at RIP (CS base applies outside 64-bit mode). */
export function codeLinear(ip: u64): u64 {
  if (mode64) return ip;
  return (ip + segBase(CS)) & 0xffffffff;
}

/** Decodes the instruction at RIP. On return either `faulted` is set (fetch fault
 * or over-long instruction) or the fields above describe it. */
export function decode(): void {
  pfxOpsize = false; pfxAdsize = false; pfxRep = 0; pfxLock = false;
  segOvr = -1; rex = 0; rexW = false; invalid = false; insnLen = 0;
  imm = 0; imm2 = 0; isMem = false;
  setStackRef(false);

  fetchStart = codeLinear(rip);
  fast = (fetchStart & ~(0xfff as u64)) == codePage && ((fetchStart as u32) & 0xfff) <= 4096 - 15;
  if (fast) fetchPtr = codeOff + ((fetchStart as u32) & 0xfff);

  let b: u32;
  // Prefixes: one table lookup per byte (most instructions have none).
  while (true) {
    b = nextByte();
    if (faulted) return;
    const k = load<u8>(prefixTable + b);
    if (k == 0) break;
    if (k == P_REX) {
      if (!mode64) break; // INC/DEC outside 64-bit mode
      rex = b;
      // REX counts only immediately before the opcode.
      const n = nextByte();
      if (faulted) return;
      if (load<u8>(prefixTable + n) != 0) {
        rex = 0;
        insnLen--; // re-read it as a prefix
        if (insnLen >= 15) { raiseGP(0); return; }
        continue;
      }
      b = n;
      break;
    }
    if (k == P_OPSIZE) pfxOpsize = true;
    else if (k == P_ADSIZE) pfxAdsize = true;
    else if (k == P_REP) pfxRep = 1;
    else if (k == P_REPNE) pfxRep = 2;
    else if (k == P_LOCK) pfxLock = true;
    else segOvr = (k - P_SEG) as i32;
    if (insnLen >= 15) { raiseGP(0); return; }
  }
  rexW = (rex & 8) != 0;

  if (mode64) {
    opsize = rexW ? 8 : pfxOpsize ? 2 : 4;
    adsize = pfxAdsize ? 4 : 8;
    if (segOvr < FS) segOvr = -1; // ES/CS/SS/DS overrides are ignored in 64-bit mode
  } else if (codeDefault32) {
    opsize = pfxOpsize ? 2 : 4;
    adsize = pfxAdsize ? 2 : 4;
  } else {
    opsize = pfxOpsize ? 4 : 2;
    adsize = pfxAdsize ? 4 : 2;
  }

  let op = b;
  if (b == 0x0f) {
    const b2 = nextByte();
    if (b2 == 0x38) op = 0x200 | nextByte();
    else if (b2 == 0x3a) op = 0x300 | nextByte();
    else op = 0x100 | b2;
  }
  if (faulted) return;
  opcode = op;
  const info = load<u8>(table + op);
  if (info == 0) { invalid = true; return; }
  // Not implemented and so reported as #UD: VEX (C4/C5 in 64-bit mode) and 3DNow!.
  if ((mode64 && (op == 0xc4 || op == 0xc5)) || op == 0x10f) { invalid = true; return; }
  // Near branches ignore 66 in 64-bit mode (Intel): the displacement stays 32 bits.
  if (mode64 && (op == 0xe8 || op == 0xe9 || (op >= 0x180 && op < 0x190))) opsize = 8;

  if ((info & 1) != 0) {
    modrm = nextByte();
    // C4/C5 with a register ModRM are VEX prefixes in 32-bit mode too (no AVX here);
    // 0F 78/79 are VMREAD/VMWRITE or SSE4a: not implemented either.
    if (((op == 0xc4 || op == 0xc5) && (modrm >> 6) == 3) || op == 0x178 || op == 0x179) { invalid = true; return; }
    decodeModrm();
  }
  const immKind = (info >> 1) & 0xf;
  if (immKind != I_NONE) decodeImm(immKind);
  if (faulted) return;
  if (insnLen > 15) { raiseGP(0); return; }
  // RIP-relative displacements count from the end of the instruction.
  if (ripRelative) eaOff += rip + (insnLen as u64);
}

let ripRelative: bool = false;

function decodeModrm(): void {
  // MOV to/from CR/DR always names a register, whatever ModRM.mod says.
  const mod = opcode >= 0x120 && opcode <= 0x123 ? 3 : modrm >> 6;
  const rm = (modrm & 7) as i32;
  regf = (((modrm >> 3) & 7) | ((rex & 4) << 1)) as i32;
  ripRelative = false;
  if (mod == 3) {
    rmf = rm | (((rex & 1) << 3) as i32);
    isMem = false;
    return;
  }
  isMem = true;
  let seg = DS;
  let ea: u64 = 0;
  if (adsize != 2) {
    if (rm == 4) {
      const sib = nextByte();
      const scale = (sib >> 6) as u64;
      const idx = (((sib >> 3) & 7) | ((rex & 2) << 2)) as i32;
      const base = ((sib & 7) | ((rex & 1) << 3)) as i32;
      if (idx != 4) ea = gpr(idx) << scale;
      if ((base & 7) == 5 && mod == 0) {
        ea += (nextN(4) as i32) as i64 as u64;
      } else {
        ea += gpr(base);
        if (base == 4 || base == 5) seg = SS;
      }
    } else if (rm == 5 && mod == 0) {
      ea = (nextN(4) as i32) as i64 as u64;
      if (mode64) ripRelative = true;
    } else {
      const base = rm | (((rex & 1) << 3) as i32);
      ea = gpr(base);
      if (base == 5) seg = SS;
    }
    if (mod == 1) ea += (nextByte() as i8) as i64 as u64;
    else if (mod == 2) ea += (nextN(4) as i32) as i64 as u64;
    if (adsize == 4) ea &= 0xffffffff;
  } else {
    // 16-bit addressing forms.
    const bx = gpr(3) & 0xffff, bp = gpr(5) & 0xffff, si = gpr(6) & 0xffff, di = gpr(7) & 0xffff;
    switch (rm) {
      case 0: ea = bx + si; break;
      case 1: ea = bx + di; break;
      case 2: ea = bp + si; seg = SS; break;
      case 3: ea = bp + di; seg = SS; break;
      case 4: ea = si; break;
      case 5: ea = di; break;
      case 6: if (mod == 0) ea = nextN(2); else { ea = bp; seg = SS; } break;
      default: ea = bx;
    }
    if (mod == 1) ea += (nextByte() as i8) as i64 as u64;
    else if (mod == 2) ea += (nextN(2) as i16) as i64 as u64;
    ea &= 0xffff;
  }
  eaOff = ea;
  eaSeg = segOvr >= 0 ? segOvr : seg;
}

function decodeImm(kind: u32): void {
  switch (kind) {
    case I_B: imm = nextByte(); break;
    case I_W: imm = nextN(2); break;
    case I_Z: imm = opsize == 2 ? nextN(2) : (nextN(4) as i32) as i64 as u64; break;
    case I_V: imm = nextN(opsize); break;
    case I_MOFFS: {
      eaOff = nextN(adsize);
      isMem = true;
      eaSeg = segOvr >= 0 ? segOvr : DS;
      break;
    }
    case I_ENTER: imm = nextN(2); imm2 = nextByte(); break;
    case I_FAR: imm = nextN(opsize == 2 ? 2 : 4); imm2 = nextN(2); break;
    case I_GRP3: if (((modrm >> 3) & 7) < 2) {
      const sz = (opcode & 1) == 0 ? 1 : opsize == 2 ? 2 : 4;
      imm = sz == 4 ? (nextN(4) as i32) as i64 as u64 : nextN(sz);
    } break;
  }
}

/** Linear address of the memory operand (segment base applied, wrapped to the mode). */
export function eaLinear(): u64 {
  setStackRef(eaSeg == SS);
  if (mode64) {
    if (eaSeg >= FS) return eaOff + segBase(eaSeg);
    return eaOff;
  }
  return (eaOff + segBase(eaSeg)) & 0xffffffff;
}

/** Linear address of `off` in segment `seg` (string instructions, stack). */
export function linearOf(seg: i32, off: u64): u64 {
  setStackRef(seg == SS);
  if (mode64) return seg >= FS ? off + segBase(seg) : off;
  return (off + segBase(seg)) & 0xffffffff;
}

/** The segment string-source operands use (DS unless overridden). */
export function srcSeg(): i32 {
  return segOvr >= 0 ? segOvr : DS;
}
