// Fast paths for the commonest instruction forms. The decoder picks a kind once
// (classify(), when it fills a cache entry) and normalizes the entry for it:
// register operands as byte offsets into the register file (E_EOFF = the
// destination or the r/m register, E_GOFF = the reg operand), the effective
// operand size at E_SIZE, the operation at E_X and immediates sign-extended and
// masked. execFast() then runs the instruction from those fields without the
// generic operand helpers. Everything else (kind 0) goes through exec.ts by
// opcode. Semantics are the same as the generic code's: a fault leaves
// registers and memory as they were.
import { CPU_OFF, CPU_GPR } from "../layout";
import {
  eaOffsetOf, E_X, E_IMM, E_OPCODE, E_OPSIZE, E_FLAGS, E_REX, E_REGF, E_RMF, E_GOFF, E_EOFF, E_EASEG,
  EF_MEM, EF_LOCK, E_REP,
} from "./decode";
import {
  mode64, stack32, nextRip, setNextRip, segBase, segChecks, RSP, SS, FS,
} from "./state";
import { faulted, raiseGP } from "./fault";
import {
  testCC, testCCInline, sizeMask, setLazy, setLazyLogic, setResultFlagsInline, lazyHasCarryIn, condNC, keepCarryNC,
  setCarryOverflowNC, LF_ADD, LF_SUB, LF_INC, LF_DEC,
} from "./flags";
import { F_CF, F_OF } from "./state";
import { aluInline, incDecInline, shift, shiftInline, sext } from "./ops/alu";
import {
  readMem, writeMem, writableOff, readSlow, writeSlow, probeWrite, setStackRef, isCanonical,
  tlbEntry, tlbHit, tlbOff, tlbRead, tlbWrite,
} from "./mmu";
import { E_NEXT, E_LINK } from "./blocks";
import { E_KIND, E_PAGEOFF, E_LEN } from "./decode";
import { modeKey } from "./state";
import {
  execBits, K_BT_EG, K_BT_EI, K_BT_MG, K_BT_MI, K_BSCAN_GE, K_BSCAN_GM, K_XCHG_EG, K_XCHG_MG, K_NOTNEG_E, K_RDTSC,
  K_BITS_LAST,
} from "./fastpath_bits";
import { execMul, K_IMUL_GE, K_IMUL_GM, K_IMUL_GEI, K_IMUL_GMI, K_MUL_E, K_MUL_M } from "./fastpath_mul";

/** Effective operand size of the fast handler (byte forms: 1). */
// @ts-ignore: decorator
@inline export const E_SIZE: u32 = 63;

// Kinds (E_KIND). 0 is the generic path.
// @ts-ignore: decorator
@inline const K_ALU_EG: u32 = 1; // E reg = E op G (X = ALU op, 8 = TEST; 7/8 write nothing)
// @ts-ignore: decorator
@inline const K_ALU_GE: u32 = 2; // G = G op E reg
// @ts-ignore: decorator
@inline const K_ALU_EI: u32 = 3; // E reg = E op imm
// @ts-ignore: decorator
@inline const K_ALU_MG: u32 = 4; // [m] = [m] op G
// @ts-ignore: decorator
@inline const K_ALU_GM: u32 = 5; // G = G op [m]
// @ts-ignore: decorator
@inline const K_ALU_MI: u32 = 6; // [m] = [m] op imm
// @ts-ignore: decorator
@inline const K_MOV_EG: u32 = 7; // E reg = G reg
// @ts-ignore: decorator
@inline const K_MOV_GM: u32 = 8; // G = [m]
// @ts-ignore: decorator
@inline const K_MOV_MG: u32 = 9; // [m] = G
// @ts-ignore: decorator
@inline const K_MOV_EI: u32 = 10; // E reg = imm
// @ts-ignore: decorator
@inline const K_MOV_MI: u32 = 11; // [m] = imm
// @ts-ignore: decorator
@inline const K_LEA: u32 = 12; // G = effective address
// @ts-ignore: decorator
@inline const K_MOVX_GE: u32 = 13; // G = zero/sign-extended E reg (X = source size | 0x10 signed)
// @ts-ignore: decorator
@inline const K_MOVX_GM: u32 = 14; // G = zero/sign-extended [m]
// @ts-ignore: decorator
@inline const K_PUSH_E: u32 = 15; // push E reg
// @ts-ignore: decorator
@inline const K_POP_E: u32 = 16; // pop E reg
// @ts-ignore: decorator
@inline const K_PUSH_I: u32 = 17; // push imm
/** jmp rel to a place the block goes on at (blocks.ts): nothing to do */
// @ts-ignore: decorator
@inline export const K_JMP_IN: u32 = 18;
// (19 is free: calls and returns are specialized kinds, KS_CALL and KS_RET.)
// @ts-ignore: decorator
@inline export const K_JMP: u32 = 20; // jmp rel
// @ts-ignore: decorator
@inline const K_JCC: u32 = 21; // jcc rel (X = condition)
// @ts-ignore: decorator
@inline const K_INCDEC_E: u32 = 22; // inc/dec E reg (X = 1 for dec)
// @ts-ignore: decorator
@inline const K_INCDEC_M: u32 = 23; // inc/dec [m]
// @ts-ignore: decorator
@inline const K_SHIFT_EI: u32 = 24; // shift/rotate E reg by imm (X = ModRM.reg)
// @ts-ignore: decorator
@inline const K_SHIFT_ECL: u32 = 25; // shift/rotate E reg by CL
// @ts-ignore: decorator
@inline const K_CMOV_GE: u32 = 26; // cmovcc G, E reg
// @ts-ignore: decorator
@inline const K_CMOV_GM: u32 = 27; // cmovcc G, [m]
// @ts-ignore: decorator
@inline const K_SETCC_E: u32 = 28; // setcc E reg (byte)
// @ts-ignore: decorator
@inline const K_NOP: u32 = 29;
// @ts-ignore: decorator
@inline const K_SHIFT_MI: u32 = 30; // shift/rotate [m] by imm
/** Run by the generic code (exec.ts, by opcode) but inside the block: an
 * instruction that only computes on registers, flags and memory, so the block
 * may go on after it (genericStays()). */
// @ts-ignore: decorator
@inline export const K_GENERIC_IN: u32 = 31;

// ---------------------------------------------------------------------------
// Operand helpers.

// @ts-ignore: decorator
@inline export function regGet(off: u32, size: i32): u64 {
  const a = CPU_OFF + CPU_GPR + off;
  if (size == 4) return load<u32>(a);
  if (size == 8) return load<u64>(a);
  if (size == 1) return load<u8>(a);
  return load<u16>(a);
}

/** Register write with the x86 width rules (32-bit writes zero the upper half). */
// @ts-ignore: decorator
@inline export function regSet(off: u32, size: i32, v: u64): void {
  const a = CPU_OFF + CPU_GPR + off;
  if (size == 4) store<u64>(a, v & 0xffffffff);
  else if (size == 8) store<u64>(a, v);
  else if (size == 1) store<u8>(a, v as u8);
  else store<u16>(a, v as u16);
}

/** Linear address of the memory operand. */
// @ts-ignore: decorator
@inline export function eaLin(e: usize): u64 {
  const ea = eaOffsetOf(e);
  const seg = load<u8>(e, E_EASEG) as i32;
  setStackRef(seg == SS);
  if (mode64) return seg >= FS ? ea + segBase(seg) : ea;
  return (ea + segBase(seg)) & 0xffffffff;
}

/** The E operand of an out-of-line step: the r/m register, or memory (the
 * caller checks `faulted` then). */
// @ts-ignore: decorator
@inline export function readE(e: usize, mem: bool, size: i32): u64 {
  if (!mem) return regGet(load<u8>(e, E_EOFF), size);
  return readMem(eaLin(e), size);
}

/** eaLin() for the inline steps: they never fault, so they leave the #SS/#GP
 * choice (setStackRef) to the out-of-line run of an instruction that does. */
// @ts-ignore: decorator
@inline function eaLinF(e: usize): u64 {
  const ea = eaOffsetOf(e);
  const seg = load<u8>(e, E_EASEG) as i32;
  if (mode64) return seg >= FS ? ea + segBase(seg) : ea;
  return (ea + segBase(seg)) & 0xffffffff;
}

// @ts-ignore: decorator
@inline function stackLinF(sp: u64): u64 {
  if (mode64) return sp;
  return (sp + segBase(SS)) & 0xffffffff;
}

// @ts-ignore: decorator
@inline function stackLin(sp: u64): u64 {
  setStackRef(true);
  if (mode64) return sp;
  return (sp + segBase(SS)) & 0xffffffff;
}

/** RSP masked to the stack's address size. */
// @ts-ignore: decorator
@inline function spGet(): u64 {
  const v = load<u64>(CPU_OFF + CPU_GPR + (RSP << 3));
  if (mode64) return v;
  return stack32 ? v & 0xffffffff : v & 0xffff;
}

// @ts-ignore: decorator
@inline function spSet(v: u64): void {
  const a = CPU_OFF + CPU_GPR + (RSP << 3);
  if (mode64) store<u64>(a, v);
  else if (stack32) store<u64>(a, v & 0xffffffff);
  else store<u16>(a, v as u16);
}

// @ts-ignore: decorator
@inline function pushV(v: u64, size: i32): void {
  const sp = spGet() - (size as u64);
  writeMem(stackLin(mode64 ? sp : stack32 ? sp & 0xffffffff : sp & 0xffff), size, v);
  if (faulted) return;
  spSet(sp);
}

/** A near branch to `t` (already relative-resolved): wraps outside 64-bit mode,
 * #GP for a non-canonical target in 64-bit mode. */
// @ts-ignore: decorator
@inline function branchTo(t: u64): void {
  if (mode64) {
    if (!isCanonical(t)) { raiseGP(0); return; }
    setNextRip(t);
  } else setNextRip(t & 0xffffffff);
}

// ---------------------------------------------------------------------------
// Execution.

// The handlers, written once for any operation and size; called with constants
// for the specialized kinds (the compiler folds the switches away) and with
// the entry's fields for the others.

// @ts-ignore: decorator
@inline function aluEG(e: usize, op: i32, size: i32): void {
  const d = load<u8>(e, E_EOFF) as u32;
  const r = aluInline(op, regGet(d, size), regGet(load<u8>(e, E_GOFF), size), size);
  if (op < 7) regSet(d, size, r);
}

// @ts-ignore: decorator
@inline function aluGE(e: usize, op: i32, size: i32): void {
  const d = load<u8>(e, E_GOFF) as u32;
  const r = aluInline(op, regGet(d, size), regGet(load<u8>(e, E_EOFF), size), size);
  if (op < 7) regSet(d, size, r);
}

// @ts-ignore: decorator
@inline function aluEI(e: usize, op: i32, size: i32): void {
  const d = load<u8>(e, E_EOFF) as u32;
  const r = aluInline(op, regGet(d, size), load<u64>(e, E_IMM), size);
  if (op < 7) regSet(d, size, r);
}

// @ts-ignore: decorator
@inline function aluGM(e: usize, op: i32, size: i32): void {
  const v = readMem(eaLin(e), size);
  if (faulted) return;
  const d = load<u8>(e, E_GOFF) as u32;
  const r = aluInline(op, regGet(d, size), v, size);
  if (op < 7) regSet(d, size, r);
}

/** [m] op= src (MG: src = G, MI: src = imm). */
// @ts-ignore: decorator
@inline function aluM(e: usize, op: i32, size: i32, src: u64): void {
  const lin = eaLin(e);
  if (op >= 7) { // CMP / TEST: read only
    const v = readMem(lin, size);
    if (faulted) return;
    aluInline(op, v, src, size);
    return;
  }
  const o = writableOff(lin, size);
  if (o >= 0) {
    const p = o as usize;
    if (size == 4) store<u32>(p, aluInline(op, load<u32>(p), src, 4) as u32);
    else if (size == 8) store<u64>(p, aluInline(op, load<u64>(p), src, 8));
    else if (size == 1) store<u8>(p, aluInline(op, load<u8>(p), src, 1) as u8);
    else store<u16>(p, aluInline(op, load<u16>(p), src, 2) as u16);
    return;
  }
  probeWrite(lin, size);
  if (faulted) return;
  const v = readSlow(lin, size);
  if (faulted) return;
  writeSlow(lin, size, aluInline(op, v, src, size));
}

// @ts-ignore: decorator
@inline function aluMG(e: usize, op: i32, size: i32): void {
  aluM(e, op, size, regGet(load<u8>(e, E_GOFF), size));
}

// @ts-ignore: decorator
@inline function aluMI(e: usize, op: i32, size: i32): void {
  aluM(e, op, size, load<u64>(e, E_IMM));
}

// @ts-ignore: decorator
@inline function movEG(e: usize, size: i32): void {
  regSet(load<u8>(e, E_EOFF), size, regGet(load<u8>(e, E_GOFF), size));
}

// @ts-ignore: decorator
@inline function movGM(e: usize, size: i32): void {
  const v = readMem(eaLin(e), size);
  if (faulted) return;
  regSet(load<u8>(e, E_GOFF), size, v);
}

// @ts-ignore: decorator
@inline function movMG(e: usize, size: i32): void {
  writeMem(eaLin(e), size, regGet(load<u8>(e, E_GOFF), size));
}

// @ts-ignore: decorator
@inline function movEI(e: usize, size: i32): void {
  regSet(load<u8>(e, E_EOFF), size, load<u64>(e, E_IMM));
}

// @ts-ignore: decorator
@inline function movMI(e: usize, size: i32): void {
  writeMem(eaLin(e), size, load<u64>(e, E_IMM));
}

// @ts-ignore: decorator
@inline function pushE(e: usize, size: i32): void {
  pushV(regGet(load<u8>(e, E_EOFF), size), size);
}

// @ts-ignore: decorator
@inline function popE(e: usize, size: i32): void {
  const sp = spGet();
  const v = readMem(stackLin(sp), size);
  if (faulted) return;
  spSet(sp + (size as u64));
  regSet(load<u8>(e, E_EOFF), size, v); // POP RSP: the popped value wins
}

// @ts-ignore: decorator
@inline function jcc(e: usize, cc: i32): void {
  if (testCCInline(cc)) branchTo(nextRip + load<u64>(e, E_IMM));
}

// @ts-ignore: decorator
@inline function shiftEI(e: usize, op: i32, size: i32): void {
  const d = load<u8>(e, E_EOFF) as u32;
  regSet(d, size, shiftInline(op, regGet(d, size), load<u8>(e, E_IMM) as u32, size));
}

// Specialized kinds: KS_ALU + (form * 9 + op) * 2 + (size == 8 ? 1 : 0), forms
// EG GE EI GM MG MI (0-5), op 0-8; KS_MOV + form * 2 + (size == 8), forms EG GM
// MG EI MI (0-4); KS_PUSH/KS_POP/KS_PUSHI/KS_CALL/KS_RET + (size == 8); KS_JCC +
// cc; KS_SHIFT + op * 2 + (size == 8) for shifts and rotates of a register by an
// immediate (not RCL/RCR). The stack kinds' size says the mode: 4 only outside
// 64-bit mode, 8 only in it (16-bit forms are K_PUSH_E, K_POP_E, K_PUSH_I or
// generic).
// @ts-ignore: decorator
@inline const KS_ALU: u32 = 64;
// @ts-ignore: decorator
@inline const KS_MOV: u32 = 180;
// @ts-ignore: decorator
@inline const KS_PUSH: u32 = 190;
// @ts-ignore: decorator
@inline const KS_POP: u32 = 192;
/** call rel (imm = displacement) */
// @ts-ignore: decorator
@inline export const KS_CALL: u32 = 194;
/** ret (imm = bytes to release) */
// @ts-ignore: decorator
@inline export const KS_RET: u32 = 196;
/** The call and ret kinds outside 64-bit mode. */
// @ts-ignore: decorator
@inline export const K_CALL: u32 = KS_CALL;
// @ts-ignore: decorator
@inline export const K_RET: u32 = KS_RET;
// @ts-ignore: decorator
@inline const KS_PUSHI: u32 = 198;
// @ts-ignore: decorator
@inline const KS_JCC: u32 = 200;
/** call rel to a place the block goes on at (blocks.ts), + (size == 8) */
// @ts-ignore: decorator
@inline export const KS_CALL_IN: u32 = 216;
// @ts-ignore: decorator
@inline const KS_SHIFT: u32 = 220; // + op * 2 + (size == 8), register by imm

export function execFast(kind: u32, e: usize): void {
  switch (kind) {
    // BEGIN specialized (generated by the list in the comment above)
    case 64: aluEG(e, 0, 4); return;
    case 65: aluEG(e, 0, 8); return;
    case 66: aluEG(e, 1, 4); return;
    case 67: aluEG(e, 1, 8); return;
    case 68: aluEG(e, 2, 4); return;
    case 69: aluEG(e, 2, 8); return;
    case 70: aluEG(e, 3, 4); return;
    case 71: aluEG(e, 3, 8); return;
    case 72: aluEG(e, 4, 4); return;
    case 73: aluEG(e, 4, 8); return;
    case 74: aluEG(e, 5, 4); return;
    case 75: aluEG(e, 5, 8); return;
    case 76: aluEG(e, 6, 4); return;
    case 77: aluEG(e, 6, 8); return;
    case 78: aluEG(e, 7, 4); return;
    case 79: aluEG(e, 7, 8); return;
    case 80: aluEG(e, 8, 4); return;
    case 81: aluEG(e, 8, 8); return;
    case 82: aluGE(e, 0, 4); return;
    case 83: aluGE(e, 0, 8); return;
    case 84: aluGE(e, 1, 4); return;
    case 85: aluGE(e, 1, 8); return;
    case 86: aluGE(e, 2, 4); return;
    case 87: aluGE(e, 2, 8); return;
    case 88: aluGE(e, 3, 4); return;
    case 89: aluGE(e, 3, 8); return;
    case 90: aluGE(e, 4, 4); return;
    case 91: aluGE(e, 4, 8); return;
    case 92: aluGE(e, 5, 4); return;
    case 93: aluGE(e, 5, 8); return;
    case 94: aluGE(e, 6, 4); return;
    case 95: aluGE(e, 6, 8); return;
    case 96: aluGE(e, 7, 4); return;
    case 97: aluGE(e, 7, 8); return;
    case 98: aluGE(e, 8, 4); return;
    case 99: aluGE(e, 8, 8); return;
    case 100: aluEI(e, 0, 4); return;
    case 101: aluEI(e, 0, 8); return;
    case 102: aluEI(e, 1, 4); return;
    case 103: aluEI(e, 1, 8); return;
    case 104: aluEI(e, 2, 4); return;
    case 105: aluEI(e, 2, 8); return;
    case 106: aluEI(e, 3, 4); return;
    case 107: aluEI(e, 3, 8); return;
    case 108: aluEI(e, 4, 4); return;
    case 109: aluEI(e, 4, 8); return;
    case 110: aluEI(e, 5, 4); return;
    case 111: aluEI(e, 5, 8); return;
    case 112: aluEI(e, 6, 4); return;
    case 113: aluEI(e, 6, 8); return;
    case 114: aluEI(e, 7, 4); return;
    case 115: aluEI(e, 7, 8); return;
    case 116: aluEI(e, 8, 4); return;
    case 117: aluEI(e, 8, 8); return;
    case 118: aluGM(e, 0, 4); return;
    case 119: aluGM(e, 0, 8); return;
    case 120: aluGM(e, 1, 4); return;
    case 121: aluGM(e, 1, 8); return;
    case 122: aluGM(e, 2, 4); return;
    case 123: aluGM(e, 2, 8); return;
    case 124: aluGM(e, 3, 4); return;
    case 125: aluGM(e, 3, 8); return;
    case 126: aluGM(e, 4, 4); return;
    case 127: aluGM(e, 4, 8); return;
    case 128: aluGM(e, 5, 4); return;
    case 129: aluGM(e, 5, 8); return;
    case 130: aluGM(e, 6, 4); return;
    case 131: aluGM(e, 6, 8); return;
    case 132: aluGM(e, 7, 4); return;
    case 133: aluGM(e, 7, 8); return;
    case 134: aluGM(e, 8, 4); return;
    case 135: aluGM(e, 8, 8); return;
    case 136: aluMG(e, 0, 4); return;
    case 137: aluMG(e, 0, 8); return;
    case 138: aluMG(e, 1, 4); return;
    case 139: aluMG(e, 1, 8); return;
    case 140: aluMG(e, 2, 4); return;
    case 141: aluMG(e, 2, 8); return;
    case 142: aluMG(e, 3, 4); return;
    case 143: aluMG(e, 3, 8); return;
    case 144: aluMG(e, 4, 4); return;
    case 145: aluMG(e, 4, 8); return;
    case 146: aluMG(e, 5, 4); return;
    case 147: aluMG(e, 5, 8); return;
    case 148: aluMG(e, 6, 4); return;
    case 149: aluMG(e, 6, 8); return;
    case 150: aluMG(e, 7, 4); return;
    case 151: aluMG(e, 7, 8); return;
    case 152: aluMG(e, 8, 4); return;
    case 153: aluMG(e, 8, 8); return;
    case 154: aluMI(e, 0, 4); return;
    case 155: aluMI(e, 0, 8); return;
    case 156: aluMI(e, 1, 4); return;
    case 157: aluMI(e, 1, 8); return;
    case 158: aluMI(e, 2, 4); return;
    case 159: aluMI(e, 2, 8); return;
    case 160: aluMI(e, 3, 4); return;
    case 161: aluMI(e, 3, 8); return;
    case 162: aluMI(e, 4, 4); return;
    case 163: aluMI(e, 4, 8); return;
    case 164: aluMI(e, 5, 4); return;
    case 165: aluMI(e, 5, 8); return;
    case 166: aluMI(e, 6, 4); return;
    case 167: aluMI(e, 6, 8); return;
    case 168: aluMI(e, 7, 4); return;
    case 169: aluMI(e, 7, 8); return;
    case 170: aluMI(e, 8, 4); return;
    case 171: aluMI(e, 8, 8); return;
    case 180: movEG(e, 4); return;
    case 181: movEG(e, 8); return;
    case 182: movGM(e, 4); return;
    case 183: movGM(e, 8); return;
    case 184: movMG(e, 4); return;
    case 185: movMG(e, 8); return;
    case 186: movEI(e, 4); return;
    case 187: movEI(e, 8); return;
    case 188: movMI(e, 4); return;
    case 189: movMI(e, 8); return;
    case 190: pushE(e, 4); return;
    case 191: pushE(e, 8); return;
    case 192: popE(e, 4); return;
    case 193: popE(e, 8); return;
    case 200: jcc(e, 0); return;
    case 201: jcc(e, 1); return;
    case 202: jcc(e, 2); return;
    case 203: jcc(e, 3); return;
    case 204: jcc(e, 4); return;
    case 205: jcc(e, 5); return;
    case 206: jcc(e, 6); return;
    case 207: jcc(e, 7); return;
    case 208: jcc(e, 8); return;
    case 209: jcc(e, 9); return;
    case 210: jcc(e, 10); return;
    case 211: jcc(e, 11); return;
    case 212: jcc(e, 12); return;
    case 213: jcc(e, 13); return;
    case 214: jcc(e, 14); return;
    case 215: jcc(e, 15); return;
    case 220: shiftEI(e, 0, 4); return;
    case 221: shiftEI(e, 0, 8); return;
    case 222: shiftEI(e, 1, 4); return;
    case 223: shiftEI(e, 1, 8); return;
    case 228: shiftEI(e, 4, 4); return;
    case 229: shiftEI(e, 4, 8); return;
    case 230: shiftEI(e, 5, 4); return;
    case 231: shiftEI(e, 5, 8); return;
    case 232: shiftEI(e, 6, 4); return;
    case 233: shiftEI(e, 6, 8); return;
    case 234: shiftEI(e, 7, 4); return;
    case 235: shiftEI(e, 7, 8); return;
    // END specialized
    case K_ALU_EG: aluEG(e, load<u8>(e, E_X) as i32, load<u8>(e, E_SIZE) as i32); return;
    case K_ALU_GE: aluGE(e, load<u8>(e, E_X) as i32, load<u8>(e, E_SIZE) as i32); return;
    case K_ALU_EI: aluEI(e, load<u8>(e, E_X) as i32, load<u8>(e, E_SIZE) as i32); return;
    case K_ALU_GM: aluGM(e, load<u8>(e, E_X) as i32, load<u8>(e, E_SIZE) as i32); return;
    case K_ALU_MG: aluMG(e, load<u8>(e, E_X) as i32, load<u8>(e, E_SIZE) as i32); return;
    case K_ALU_MI: aluMI(e, load<u8>(e, E_X) as i32, load<u8>(e, E_SIZE) as i32); return;
    case K_MOV_EG: movEG(e, load<u8>(e, E_SIZE) as i32); return;
    case K_MOV_GM: movGM(e, load<u8>(e, E_SIZE) as i32); return;
    case K_MOV_MG: movMG(e, load<u8>(e, E_SIZE) as i32); return;
    case K_MOV_EI: movEI(e, load<u8>(e, E_SIZE) as i32); return;
    case K_MOV_MI: movMI(e, load<u8>(e, E_SIZE) as i32); return;
    case K_LEA: {
      const size = load<u8>(e, E_SIZE) as i32;
      regSet(load<u8>(e, E_GOFF), size, eaOffsetOf(e));
      return;
    }
    case K_MOVX_GE: case K_MOVX_GM: {
      const x = load<u8>(e, E_X) as i32;
      const ssz = x & 0xf;
      let v: u64;
      if (kind == K_MOVX_GE) v = regGet(load<u8>(e, E_EOFF), ssz);
      else {
        v = readMem(eaLin(e), ssz);
        if (faulted) return;
      }
      if ((x & 0x10) != 0) v = sext(v, ssz);
      regSet(load<u8>(e, E_GOFF), load<u8>(e, E_SIZE) as i32, v);
      return;
    }
    case K_PUSH_E: pushE(e, load<u8>(e, E_SIZE) as i32); return;
    case K_POP_E: popE(e, load<u8>(e, E_SIZE) as i32); return;
    case K_PUSH_I: case 198: case 199: {
      pushV(load<u64>(e, E_IMM), load<u8>(e, E_SIZE) as i32);
      return;
    }
    case 194: case 195: case 216: case 217: { // call
      const t = nextRip + load<u64>(e, E_IMM);
      if (mode64 && !isCanonical(t)) { raiseGP(0); return; }
      pushV(nextRip, load<u8>(e, E_SIZE) as i32);
      if (faulted) return;
      branchTo(t);
      return;
    }
    case 196: case 197: { // ret
      const size = load<u8>(e, E_SIZE) as i32;
      const sp = spGet();
      let t = readMem(stackLin(sp), size);
      if (faulted) return;
      if (mode64 && !isCanonical(t)) { raiseGP(0); return; } // the RET faults, RSP unchanged
      spSet(sp + (size as u64) + load<u64>(e, E_IMM));
      setNextRip(t);
      return;
    }
    case K_JMP: case K_JMP_IN: {
      branchTo(nextRip + load<u64>(e, E_IMM));
      return;
    }
    case K_JCC: jcc(e, load<u8>(e, E_X) as i32); return;
    case K_INCDEC_E: {
      const size = load<u8>(e, E_SIZE) as i32;
      const d = load<u8>(e, E_EOFF) as u32;
      regSet(d, size, incDecInline(regGet(d, size), size, load<u8>(e, E_X) != 0));
      return;
    }
    case K_INCDEC_M: {
      const size = load<u8>(e, E_SIZE) as i32;
      const lin = eaLin(e);
      const dec = load<u8>(e, E_X) != 0;
      const o = writableOff(lin, size);
      if (o >= 0) {
        const p = o as usize;
        if (size == 4) store<u32>(p, incDecInline(load<u32>(p), 4, dec) as u32);
        else if (size == 8) store<u64>(p, incDecInline(load<u64>(p), 8, dec));
        else if (size == 1) store<u8>(p, incDecInline(load<u8>(p), 1, dec) as u8);
        else store<u16>(p, incDecInline(load<u16>(p), 2, dec) as u16);
        return;
      }
      probeWrite(lin, size);
      if (faulted) return;
      const v = readSlow(lin, size);
      if (faulted) return;
      writeSlow(lin, size, incDecInline(v, size, dec));
      return;
    }
    case K_SHIFT_EI: case K_SHIFT_ECL: {
      const size = load<u8>(e, E_SIZE) as i32;
      const d = load<u8>(e, E_EOFF) as u32;
      const count = kind == K_SHIFT_EI ? load<u8>(e, E_IMM) as u32 : load<u8>(CPU_OFF + CPU_GPR + 8) as u32;
      regSet(d, size, shift(load<u8>(e, E_X) as i32, regGet(d, size), count, size));
      return;
    }
    case K_SHIFT_MI: {
      const size = load<u8>(e, E_SIZE) as i32;
      const lin = eaLin(e);
      probeWrite(lin, size);
      if (faulted) return;
      const v = readMem(lin, size);
      if (faulted) return;
      writeMem(lin, size, shift(load<u8>(e, E_X) as i32, v, load<u8>(e, E_IMM) as u32, size));
      return;
    }
    case K_CMOV_GE: case K_CMOV_GM: {
      const size = load<u8>(e, E_SIZE) as i32;
      const v = readE(e, kind == K_CMOV_GM, size);
      if (faulted) return;
      const g = load<u8>(e, E_GOFF) as u32;
      if (testCC(load<u8>(e, E_X) as i32)) regSet(g, size, v);
      else if (size == 4) regSet(g, 4, regGet(g, 4)); // 32-bit CMOV zero-extends even when not taken
      return;
    }
    case K_SETCC_E: {
      store<u8>(CPU_OFF + CPU_GPR + load<u8>(e, E_EOFF), testCC(load<u8>(e, E_X) as i32) ? 1 : 0);
      return;
    }
    case K_NOP: return;
    default:
      if (kind <= K_BITS_LAST) execBits(kind, e);
      else execMul(kind, e);
  }
}

/** Kinds after which a block ends: control transfers and everything generic
 * (which may change the mode, the paging, or anything else). */
export function endsBlock(kind: u32): bool {
  return kind == 0 || kind == K_JMP || (kind >= KS_CALL && kind < KS_CALL + 4);
}

// ---------------------------------------------------------------------------
// Inline fast steps: the run loop's own copies of the commonest handlers,
// without a single call (a call in the loop makes the compiler keep the loop's
// state in memory). Anything they cannot finish without one (a TLB miss, a
// non-canonical target, an ADC/SBB flags record, RCL/RCR, ...) they leave
// untouched and report SLOW; the loop then runs that instruction through
// execFast() out of line. They return GO, SLOW or a taken branch's target.

/** Done; the next instruction of the block follows. Any other value but SLOW is
 * a taken branch's target (the block ends); a branch to either of these two
 * addresses takes the slow path. */
// @ts-ignore: decorator
@inline export const GO: u64 = 0xffffffffffffffff;
/** Not done (nothing changed): run it with execFast(). */
// @ts-ignore: decorator
@inline export const SLOW: u64 = 0xfffffffffffffffe;

/** ALU operation without ADC/SBB (op 0-8 but 2 and 3; 7 and 8 compare/test). */
// @ts-ignore: decorator
@inline function aluNC(op: i32, dst: u64, src: u64, size: i32): u64 {
  const m = sizeMask(size);
  let r: u64;
  switch (op) {
    case 0: r = (dst + src) & m; setLazy(LF_ADD, r, dst & m, src & m, size); return r;
    case 1: r = (dst | src) & m; setLazyLogic(r, size); return r;
    case 4: case 8: r = dst & src & m; setLazyLogic(r, size); return r;
    case 5: case 7: r = (dst - src) & m; setLazy(LF_SUB, r, dst & m, src & m, size); return r;
    default: r = (dst ^ src) & m; setLazyLogic(r, size); return r;
  }
}

// @ts-ignore: decorator
@inline function memLoad(o: usize, size: i32): u64 {
  if (size == 4) return load<u32>(o);
  if (size == 8) return load<u64>(o);
  if (size == 1) return load<u8>(o);
  return load<u16>(o);
}

// @ts-ignore: decorator
@inline function memStore(o: usize, size: i32, v: u64): void {
  if (size == 4) store<u32>(o, v as u32);
  else if (size == 8) store<u64>(o, v);
  else if (size == 1) store<u8>(o, v as u8);
  else store<u16>(o, v as u16);
}

// @ts-ignore: decorator
@inline function fAluR(e: usize, op: i32, size: i32, dOff: u32, src: u64): u64 {
  if (op == 2 || op == 3) return SLOW;
  const r = aluNC(op, regGet(dOff, size), src, size);
  if (op < 7) regSet(dOff, size, r);
  return GO;
}

// @ts-ignore: decorator
@inline function fAluEG(e: usize, op: i32, size: i32): u64 {
  return fAluR(e, op, size, load<u8>(e, E_EOFF), regGet(load<u8>(e, E_GOFF), size));
}

// @ts-ignore: decorator
@inline function fAluGE(e: usize, op: i32, size: i32): u64 {
  return fAluR(e, op, size, load<u8>(e, E_GOFF), regGet(load<u8>(e, E_EOFF), size));
}

// @ts-ignore: decorator
@inline function fAluEI(e: usize, op: i32, size: i32): u64 {
  return fAluR(e, op, size, load<u8>(e, E_EOFF), load<u64>(e, E_IMM));
}

// @ts-ignore: decorator
@inline function fAluGM(e: usize, op: i32, size: i32): u64 {
  if (op == 2 || op == 3) return SLOW;
  const la = eaLinF(e);
  const t = tlbEntry(tlbRead, la);
  if (!tlbHit(t, la, size)) return SLOW;
  const o = tlbOff(t, la);
  const d = load<u8>(e, E_GOFF) as u32;
  const r = aluNC(op, regGet(d, size), memLoad(o as usize, size), size);
  if (op < 7) regSet(d, size, r);
  return GO;
}

// @ts-ignore: decorator
@inline function fAluM(e: usize, op: i32, size: i32, src: u64): u64 {
  if (op == 2 || op == 3) return SLOW;
  const lin = eaLinF(e);
  if (op >= 7) {
    const t = tlbEntry(tlbRead, lin);
    if (!tlbHit(t, lin, size)) return SLOW;
    const o = tlbOff(t, lin);
    aluNC(op, memLoad(o as usize, size), src, size);
    return GO;
  }
  const t = tlbEntry(tlbWrite, lin);
  if (!tlbHit(t, lin, size)) return SLOW;
  const o = tlbOff(t, lin);
  const p = o as usize;
  memStore(p, size, aluNC(op, memLoad(p, size), src, size));
  return GO;
}

// @ts-ignore: decorator
@inline function fMovGM(e: usize, size: i32): u64 {
  const la = eaLinF(e);
  const t = tlbEntry(tlbRead, la);
  if (!tlbHit(t, la, size)) return SLOW;
  const o = tlbOff(t, la);
  regSet(load<u8>(e, E_GOFF), size, memLoad(o as usize, size));
  return GO;
}

// @ts-ignore: decorator
@inline function fMovM(e: usize, size: i32, v: u64): u64 {
  const la = eaLinF(e);
  const t = tlbEntry(tlbWrite, la);
  if (!tlbHit(t, la, size)) return SLOW;
  const o = tlbOff(t, la);
  memStore(o as usize, size, v);
  return GO;
}

/** PUSH of any size in any mode (the 16-bit forms). */
// @ts-ignore: decorator
@inline function fPushAny(v: u64, size: i32): u64 {
  const sp = spGet() - (size as u64);
  const la = stackLinF(mode64 ? sp : stack32 ? sp & 0xffffffff : sp & 0xffff);
  const t = tlbEntry(tlbWrite, la);
  if (!tlbHit(t, la, size)) return SLOW;
  const o = tlbOff(t, la);
  memStore(o as usize, size, v);
  spSet(sp);
  return GO;
}

// @ts-ignore: decorator
@inline function fPopAny(e: usize, size: i32): u64 {
  const sp = spGet();
  const la = stackLinF(sp);
  const t = tlbEntry(tlbRead, la);
  if (!tlbHit(t, la, size)) return SLOW;
  const o = tlbOff(t, la);
  spSet(sp + (size as u64));
  regSet(load<u8>(e, E_EOFF), size, memLoad(o as usize, size)); // POP RSP: the popped value wins
  return GO;
}

// The stack kinds (size 4: outside 64-bit mode, 32-bit stack; size 8: 64-bit
// mode). A 16-bit stack (SS.B = 0) takes the slow path.

/** RSP in the register file. */
// @ts-ignore: decorator
@inline const RSP_OFF: usize = CPU_OFF + CPU_GPR + (RSP << 3);

/** The linear address of the stack slot at `sp` (a stack kind's size). */
// @ts-ignore: decorator
@inline function stackLinK(sp: u64, size: i32): u64 {
  return size == 8 ? sp : ((sp as u32) + (segBase(SS) as u32)) as u64;
}

// @ts-ignore: decorator
@inline function fPush(v: u64, size: i32): u64 {
  if (size == 4 && !stack32) return SLOW;
  const sp = size == 8 ? load<u64>(RSP_OFF) - 8 : ((load<u32>(RSP_OFF) - 4) as u64);
  const lin = stackLinK(sp, size);
  const t = tlbEntry(tlbWrite, lin);
  if (!tlbHit(t, lin, size)) return SLOW;
  const o = tlbOff(t, lin);
  if (size == 8) store<u64>(o as usize, v);
  else store<u32>(o as usize, v as u32);
  store<u64>(RSP_OFF, sp);
  return GO;
}

// @ts-ignore: decorator
@inline function fPop(e: usize, size: i32): u64 {
  if (size == 4 && !stack32) return SLOW;
  const sp = size == 8 ? load<u64>(RSP_OFF) : load<u32>(RSP_OFF) as u64;
  const lin = stackLinK(sp, size);
  const t = tlbEntry(tlbRead, lin);
  if (!tlbHit(t, lin, size)) return SLOW;
  const o = tlbOff(t, lin);
  const v = size == 8 ? load<u64>(o as usize) : load<u32>(o as usize) as u64;
  store<u64>(RSP_OFF, size == 8 ? sp + 8 : ((sp as u32) + 4) as u64);
  regSet(load<u8>(e, E_EOFF), size, v); // POP RSP: the popped value wins
  return GO;
}

/** The address of the instruction after block entry `e` (`rb`: see fastStep). */
// @ts-ignore: decorator
@inline function nextOf(e: usize, rb: u64): u64 {
  return rb + (load<u16>(e, E_NEXT) as u64);
}

/** A taken near branch to `t`: wraps outside 64-bit mode; non-canonical: SLOW (#GP). */
// @ts-ignore: decorator
@inline function fBranch(t: u64): u64 {
  if (mode64) return isCanonical(t) && t < SLOW ? t : SLOW;
  return t & 0xffffffff;
}

// @ts-ignore: decorator
@inline function fCall(e: usize, size: i32, rb: u64): u64 {
  const nr = nextOf(e, rb);
  const t = nr + load<u64>(e, E_IMM);
  if (size == 8) {
    if (!isCanonical(t) || t >= SLOW) return SLOW;
    if (fPush(nr, 8) == SLOW) return SLOW;
    return t;
  }
  if (fPush(nr, 4) == SLOW) return SLOW;
  return t & 0xffffffff;
}

// @ts-ignore: decorator
@inline function fRet(e: usize, size: i32): u64 {
  if (size == 4 && !stack32) return SLOW;
  const sp = size == 8 ? load<u64>(RSP_OFF) : load<u32>(RSP_OFF) as u64;
  const lin = stackLinK(sp, size);
  const t = tlbEntry(tlbRead, lin);
  if (!tlbHit(t, lin, size)) return SLOW;
  const o = tlbOff(t, lin);
  if (size == 8) {
    const t = load<u64>(o as usize);
    if (!isCanonical(t) || t >= SLOW) return SLOW;
    store<u64>(RSP_OFF, sp + 8 + load<u64>(e, E_IMM));
    return t;
  }
  store<u64>(RSP_OFF, ((sp as u32) + 4 + load<u32>(e, E_IMM)) as u64);
  return load<u32>(o as usize);
}

// Return-address stack of the block loop, most recent at rasTop: 16 bytes per
// call taken inline, u64 the return address ^ modeKey and u32 the address of
// the link (B_LINK of a block that ends with the call, E_LINK of a call the
// block goes on through) that holds the block its return went back to. A hint
// only: a return uses the link when its target is the address recorded.
// @ts-ignore: decorator
@inline const RAS_SIZE: u32 = 16;
const ras: usize = memory.data(RAS_SIZE << 4);
let rasTop: u32 = 0;

// @ts-ignore: decorator
@inline export function rasPush(ret: u64, link: usize): void {
  const top = (rasTop + 1) & (RAS_SIZE - 1);
  rasTop = top;
  const t = ras + (top << 4);
  store<u64>(t, ret ^ modeKey);
  store<u32>(t, link as u32, 8);
}

/** Forgets every entry: their links point into the block arena, which
 * blockCacheFlush() is about to reuse (a stale link written through would land
 * in the middle of a new block). */
export function rasClear(): void {
  memory.fill(ras, 0, RAS_SIZE << 4);
  rasTop = 0;
}

/** The link to follow for a return to `r`, or 0. */
// @ts-ignore: decorator
@inline export function rasPop(r: u64): usize {
  const top = rasTop;
  rasTop = (top - 1) & (RAS_SIZE - 1);
  const t = ras + (top << 4);
  return load<u64>(t) == (r ^ modeKey) ? load<u32>(t, 8) as usize : 0;
}

/** A call the block goes on through: the push, and the return-address stack. */
// @ts-ignore: decorator
@inline function fCallIn(e: usize, size: i32, rb: u64): u64 {
  let nr = rb + (load<u16>(e, E_PAGEOFF) as u64) + (load<u8>(e, E_LEN) as u64);
  if (size == 4) nr &= 0xffffffff;
  if (fPush(nr, size) == SLOW) return SLOW;
  rasPush(nr, e + E_LINK);
  return GO;
}

// @ts-ignore: decorator
@inline function fJcc(e: usize, cc: i32, rb: u64): u64 {
  if (lazyHasCarryIn()) return SLOW;
  if (!condNC(cc)) return GO;
  return fBranch(nextOf(e, rb) + load<u64>(e, E_IMM));
}

// @ts-ignore: decorator
@inline function fIncDec(e: usize, size: i32, dec: bool): u64 {
  if (lazyHasCarryIn()) return SLOW;
  const d = load<u8>(e, E_EOFF) as u32;
  const v = regGet(d, size);
  keepCarryNC();
  const m = sizeMask(size);
  const r = (dec ? v - 1 : v + 1) & m;
  setLazy(dec ? LF_DEC : LF_INC, r, v & m, 1, size);
  regSet(d, size, r);
  return GO;
}

/** Shifts and rotates by an immediate, but RCL/RCR (op 2, 3). */
// @ts-ignore: decorator
@inline function fShift(e: usize, op: i32, size: i32): u64 {
  if (op == 2 || op == 3) return SLOW;
  const d = load<u8>(e, E_EOFF) as u32;
  const m = sizeMask(size);
  const v = regGet(d, size) & m;
  const count = (load<u8>(e, E_IMM) as u32) & (size == 8 ? 0x3f : 0x1f);
  if (count == 0) { regSet(d, size, v); return GO; }
  const nb = (size << 3) as u32;
  const top = (nb - 1) as u64;
  let r: u64;
  switch (op) {
    case 0: { // ROL
      if (lazyHasCarryIn()) return SLOW;
      const c = count % nb;
      r = c == 0 ? v : ((v << (c as u64)) | (v >> ((nb - c) as u64))) & m;
      setCarryOverflowNC((r & 1) != 0, ((r >> top) & 1) != (r & 1));
      break;
    }
    case 1: { // ROR
      if (lazyHasCarryIn()) return SLOW;
      const c = count % nb;
      r = c == 0 ? v : ((v >> (c as u64)) | (v << ((nb - c) as u64))) & m;
      setCarryOverflowNC(((r >> top) & 1) != 0, ((r >> top) & 1) != ((r >> (top - 1)) & 1));
      break;
    }
    case 4: case 6: { // SHL/SAL
      r = count >= 64 ? 0 : (v << (count as u64)) & m;
      const cf = count > nb ? 0 : (v >> ((nb - count) as u64)) & 1;
      setResultFlagsInline(r, size, (cf != 0 ? F_CF : 0) | ((((r >> top) & 1) ^ cf) != 0 ? F_OF : 0));
      break;
    }
    case 5: { // SHR
      r = v >> (count as u64);
      const cf = (v >> ((count - 1) as u64)) & 1;
      setResultFlagsInline(r, size, (cf != 0 ? F_CF : 0) | (((v >> top) & 1) != 0 ? F_OF : 0));
      break;
    }
    default: { // SAR
      const sv = sext(v, size) as i64;
      r = ((sv >> (count as i64)) as u64) & m;
      const cf = ((sv >> ((count - 1) as i64)) as u64) & 1;
      setResultFlagsInline(r, size, cf != 0 ? F_CF : 0);
      break;
    }
  }
  regSet(d, size, r);
  return GO;
}

// The multi-line steps of runEntries(), as functions of their own.

// @ts-ignore: decorator
@inline function fAluMGAny(e: usize): u64 {
  const size = load<u8>(e, E_SIZE) as i32;
  return fAluM(e, load<u8>(e, E_X) as i32, size, regGet(load<u8>(e, E_GOFF), size));
}

// @ts-ignore: decorator
@inline function fMovMGAny(e: usize): u64 {
  const size = load<u8>(e, E_SIZE) as i32;
  return fMovM(e, size, regGet(load<u8>(e, E_GOFF), size));
}

// @ts-ignore: decorator
@inline function fMovX(e: usize, mem: bool): u64 {
  const x = load<u8>(e, E_X) as i32;
  const ssz = x & 0xf;
  let v: u64;
  if (!mem) v = regGet(load<u8>(e, E_EOFF), ssz);
  else {
    const la = eaLinF(e);
    const t = tlbEntry(tlbRead, la);
    if (!tlbHit(t, la, ssz)) return SLOW;
    v = memLoad(tlbOff(t, la), ssz);
  }
  if ((x & 0x10) != 0) v = sext(v, ssz);
  regSet(load<u8>(e, E_GOFF), load<u8>(e, E_SIZE) as i32, v);
  return GO;
}

// @ts-ignore: decorator
@inline function fPushEAny(e: usize): u64 {
  const size = load<u8>(e, E_SIZE) as i32;
  return fPushAny(regGet(load<u8>(e, E_EOFF), size), size);
}

// @ts-ignore: decorator
@inline function fCmov(e: usize, mem: bool): u64 {
  if (lazyHasCarryIn()) return SLOW;
  const size = load<u8>(e, E_SIZE) as i32;
  let v: u64;
  if (!mem) v = regGet(load<u8>(e, E_EOFF), size);
  else {
    const la = eaLinF(e);
    const t = tlbEntry(tlbRead, la);
    if (!tlbHit(t, la, size)) return SLOW;
    v = memLoad(tlbOff(t, la), size);
  }
  const g = load<u8>(e, E_GOFF) as u32;
  if (condNC(load<u8>(e, E_X) as i32)) regSet(g, size, v);
  else if (size == 4) regSet(g, 4, regGet(g, 4)); // 32-bit CMOV zero-extends even when not taken
  return GO;
}

// @ts-ignore: decorator
@inline function fSetcc(e: usize): u64 {
  if (lazyHasCarryIn()) return SLOW;
  store<u8>(CPU_OFF + CPU_GPR + load<u8>(e, E_EOFF), condNC(load<u8>(e, E_X) as i32) ? 1 : 0);
  return GO;
}

/** Where runEntries() stopped. */
export let entryAt: usize = 0;

/** Runs the block entries from `e` to `end` (exclusive) with the inline fast
 * paths; `rb` is the RIP of the block's page (an entry's address is rb + its
 * page offset). Returns GO when it reached `end`, SLOW when the entry at
 * entryAt needs more than the inline paths (nothing changed), else the target
 * of the branch at entryAt, which was taken. Each step goes on to the next
 * entry by itself (one test and a jump back, no common tail). */
// @ts-ignore: decorator
@inline export function runEntries(e: usize, end: usize, rb: u64): u64 {
  let st: u64 = GO;
  while (true) {
    switch (load<u8>(e, E_KIND) as u32) {
      case 0: st = SLOW; break;
      // BEGIN specialized
      case 64: st = fAluEG(e, 0, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 65: st = fAluEG(e, 0, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 66: st = fAluEG(e, 1, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 67: st = fAluEG(e, 1, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 72: st = fAluEG(e, 4, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 73: st = fAluEG(e, 4, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 74: st = fAluEG(e, 5, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 75: st = fAluEG(e, 5, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 76: st = fAluEG(e, 6, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 77: st = fAluEG(e, 6, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 78: st = fAluEG(e, 7, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 79: st = fAluEG(e, 7, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 80: st = fAluEG(e, 8, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 81: st = fAluEG(e, 8, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 82: st = fAluGE(e, 0, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 83: st = fAluGE(e, 0, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 84: st = fAluGE(e, 1, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 85: st = fAluGE(e, 1, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 90: st = fAluGE(e, 4, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 91: st = fAluGE(e, 4, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 92: st = fAluGE(e, 5, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 93: st = fAluGE(e, 5, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 94: st = fAluGE(e, 6, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 95: st = fAluGE(e, 6, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 96: st = fAluGE(e, 7, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 97: st = fAluGE(e, 7, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 98: st = fAluGE(e, 8, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 99: st = fAluGE(e, 8, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 100: st = fAluEI(e, 0, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 101: st = fAluEI(e, 0, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 102: st = fAluEI(e, 1, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 103: st = fAluEI(e, 1, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 108: st = fAluEI(e, 4, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 109: st = fAluEI(e, 4, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 110: st = fAluEI(e, 5, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 111: st = fAluEI(e, 5, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 112: st = fAluEI(e, 6, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 113: st = fAluEI(e, 6, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 114: st = fAluEI(e, 7, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 115: st = fAluEI(e, 7, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 116: st = fAluEI(e, 8, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 117: st = fAluEI(e, 8, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 118: st = fAluGM(e, 0, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 119: st = fAluGM(e, 0, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 120: st = fAluGM(e, 1, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 121: st = fAluGM(e, 1, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 126: st = fAluGM(e, 4, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 127: st = fAluGM(e, 4, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 128: st = fAluGM(e, 5, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 129: st = fAluGM(e, 5, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 130: st = fAluGM(e, 6, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 131: st = fAluGM(e, 6, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 132: st = fAluGM(e, 7, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 133: st = fAluGM(e, 7, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 134: st = fAluGM(e, 8, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 135: st = fAluGM(e, 8, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 136: st = fAluM(e, 0, 4, regGet(load<u8>(e, E_GOFF), 4)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 137: st = fAluM(e, 0, 8, regGet(load<u8>(e, E_GOFF), 8)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 138: st = fAluM(e, 1, 4, regGet(load<u8>(e, E_GOFF), 4)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 139: st = fAluM(e, 1, 8, regGet(load<u8>(e, E_GOFF), 8)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 144: st = fAluM(e, 4, 4, regGet(load<u8>(e, E_GOFF), 4)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 145: st = fAluM(e, 4, 8, regGet(load<u8>(e, E_GOFF), 8)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 146: st = fAluM(e, 5, 4, regGet(load<u8>(e, E_GOFF), 4)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 147: st = fAluM(e, 5, 8, regGet(load<u8>(e, E_GOFF), 8)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 148: st = fAluM(e, 6, 4, regGet(load<u8>(e, E_GOFF), 4)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 149: st = fAluM(e, 6, 8, regGet(load<u8>(e, E_GOFF), 8)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 150: st = fAluM(e, 7, 4, regGet(load<u8>(e, E_GOFF), 4)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 151: st = fAluM(e, 7, 8, regGet(load<u8>(e, E_GOFF), 8)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 152: st = fAluM(e, 8, 4, regGet(load<u8>(e, E_GOFF), 4)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 153: st = fAluM(e, 8, 8, regGet(load<u8>(e, E_GOFF), 8)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 154: st = fAluM(e, 0, 4, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 155: st = fAluM(e, 0, 8, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 156: st = fAluM(e, 1, 4, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 157: st = fAluM(e, 1, 8, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 162: st = fAluM(e, 4, 4, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 163: st = fAluM(e, 4, 8, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 164: st = fAluM(e, 5, 4, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 165: st = fAluM(e, 5, 8, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 166: st = fAluM(e, 6, 4, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 167: st = fAluM(e, 6, 8, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 168: st = fAluM(e, 7, 4, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 169: st = fAluM(e, 7, 8, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 170: st = fAluM(e, 8, 4, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 171: st = fAluM(e, 8, 8, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 180: movEG(e, 4); e += 64; if (e != end) continue; st = GO; break;
      case 181: movEG(e, 8); e += 64; if (e != end) continue; st = GO; break;
      case 182: st = fMovGM(e, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 183: st = fMovGM(e, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 184: st = fMovM(e, 4, regGet(load<u8>(e, E_GOFF), 4)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 185: st = fMovM(e, 8, regGet(load<u8>(e, E_GOFF), 8)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 186: movEI(e, 4); e += 64; if (e != end) continue; st = GO; break;
      case 187: movEI(e, 8); e += 64; if (e != end) continue; st = GO; break;
      case 188: st = fMovM(e, 4, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 189: st = fMovM(e, 8, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 190: st = fPush(regGet(load<u8>(e, E_EOFF), 4), 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 191: st = fPush(regGet(load<u8>(e, E_EOFF), 8), 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 192: st = fPop(e, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 193: st = fPop(e, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 194: st = fCall(e, 4, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 195: st = fCall(e, 8, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 196: st = fRet(e, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 197: st = fRet(e, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 198: st = fPush(load<u64>(e, E_IMM), 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 199: st = fPush(load<u64>(e, E_IMM), 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 200: st = fJcc(e, 0, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 201: st = fJcc(e, 1, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 202: st = fJcc(e, 2, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 203: st = fJcc(e, 3, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 204: st = fJcc(e, 4, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 205: st = fJcc(e, 5, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 206: st = fJcc(e, 6, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 207: st = fJcc(e, 7, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 208: st = fJcc(e, 8, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 209: st = fJcc(e, 9, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 210: st = fJcc(e, 10, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 211: st = fJcc(e, 11, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 212: st = fJcc(e, 12, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 213: st = fJcc(e, 13, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 214: st = fJcc(e, 14, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 215: st = fJcc(e, 15, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 220: st = fShift(e, 0, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 221: st = fShift(e, 0, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 222: st = fShift(e, 1, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 223: st = fShift(e, 1, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 228: st = fShift(e, 4, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 229: st = fShift(e, 4, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 230: st = fShift(e, 5, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 231: st = fShift(e, 5, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 232: st = fShift(e, 6, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 233: st = fShift(e, 6, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 234: st = fShift(e, 7, 4); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 235: st = fShift(e, 7, 8); if (st == GO) { e += 64; if (e != end) continue; } break;
      // END specialized
      case K_ALU_EG: st = fAluEG(e, load<u8>(e, E_X) as i32, load<u8>(e, E_SIZE) as i32); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_ALU_GE: st = fAluGE(e, load<u8>(e, E_X) as i32, load<u8>(e, E_SIZE) as i32); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_ALU_EI: st = fAluEI(e, load<u8>(e, E_X) as i32, load<u8>(e, E_SIZE) as i32); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_ALU_GM: st = fAluGM(e, load<u8>(e, E_X) as i32, load<u8>(e, E_SIZE) as i32); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_ALU_MG: st = fAluMGAny(e); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_ALU_MI: st = fAluM(e, load<u8>(e, E_X) as i32, load<u8>(e, E_SIZE) as i32, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_MOV_EG: movEG(e, load<u8>(e, E_SIZE) as i32); e += 64; if (e != end) continue; st = GO; break;
      case K_MOV_GM: st = fMovGM(e, load<u8>(e, E_SIZE) as i32); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_MOV_MG: st = fMovMGAny(e); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_MOV_EI: movEI(e, load<u8>(e, E_SIZE) as i32); e += 64; if (e != end) continue; st = GO; break;
      case K_MOV_MI: st = fMovM(e, load<u8>(e, E_SIZE) as i32, load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_LEA: regSet(load<u8>(e, E_GOFF), load<u8>(e, E_SIZE) as i32, eaOffsetOf(e)); e += 64; if (e != end) continue; st = GO; break;
      case K_MOVX_GE: st = fMovX(e, false); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_MOVX_GM: st = fMovX(e, true); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_PUSH_E: st = fPushEAny(e); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_POP_E: st = fPopAny(e, load<u8>(e, E_SIZE) as i32); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_PUSH_I: st = fPushAny(load<u64>(e, E_IMM), load<u8>(e, E_SIZE) as i32); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_JMP: st = fBranch(nextOf(e, rb) + load<u64>(e, E_IMM)); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_JCC: st = fJcc(e, load<u8>(e, E_X) as i32, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_INCDEC_E: st = fIncDec(e, load<u8>(e, E_SIZE) as i32, load<u8>(e, E_X) != 0); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_SHIFT_EI: st = fShift(e, load<u8>(e, E_X) as i32, load<u8>(e, E_SIZE) as i32); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_CMOV_GE: st = fCmov(e, false); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_CMOV_GM: st = fCmov(e, true); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_SETCC_E: st = fSetcc(e); if (st == GO) { e += 64; if (e != end) continue; } break;
      case K_NOP: e += 64; if (e != end) continue; st = GO; break;
      case K_JMP_IN: e += 64; if (e != end) continue; st = GO; break;
      case 216: st = fCallIn(e, 4, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      case 217: st = fCallIn(e, 8, rb); if (st == GO) { e += 64; if (e != end) continue; } break;
      default: st = SLOW; break;
    }
    break;
  }
  entryAt = e;
  return st;
}

// ---------------------------------------------------------------------------
// Classification (decode time).

/** True for an instruction without a fast path that cannot change what the
 * block was built for: not the mode, CS, paging, EFLAGS.IF/TF, the instruction
 * flow (RIP moves on by its length, or a fault) nor the run (no exit). Writes to
 * code or MMIO stop the run loop after it by themselves (requestCheck), like the
 * fast paths' stores. Multiply/divide, bit tests and scans, exchanges, BSWAP,
 * SHLD/SHRD, RDTSC/RDMSR/CPUID, SSE and x87 arithmetic are such: they no longer
 * cut the block in two (multi-precision code and event-channel handlers are
 * made of them). */
function genericStays(op: u32, reg: u32): bool {
  if (op < 0x100) {
    if (op < 0x40) return (op & 7) < 6; // ALU forms (ADC/SBB, LOCK)
    switch (op) {
      case 0x69: case 0x6b: // IMUL imm
      case 0x86: case 0x87: // XCHG r/m
      case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97: // XCHG rAX
      case 0x98: case 0x99: case 0x9b: case 0x9e: case 0x9f: // CBW/CWD, FWAIT, SAHF/LAHF
      case 0x80: case 0x81: case 0x83: // LOCK CMP, segment-checked forms
      case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: // RCL/RCR, shifts of [m] by CL
      case 0xc9: // LEAVE
      case 0xf6: case 0xf7: // NOT/NEG/MUL/IMUL/DIV/IDIV
        return true;
      case 0xfe: case 0xff: return reg < 2; // LOCK INC/DEC (the rest branch or push)
    }
    return op >= 0xd8 && op <= 0xdf; // x87
  }
  if (op < 0x200) {
    const b = op & 0xff;
    switch (b) {
      case 0x31: case 0x32: case 0xa2: // RDTSC, RDMSR, CPUID (answered in the core)
      case 0xa3: case 0xab: case 0xb3: case 0xbb: case 0xba: // BT/BTS/BTR/BTC
      case 0xbc: case 0xbd: case 0xb8: // BSF/BSR (TZCNT/LZCNT), POPCNT
      case 0xaf: case 0xa4: case 0xa5: case 0xac: case 0xad: // IMUL r, SHLD/SHRD
      case 0xb0: case 0xb1: case 0xc0: case 0xc1: case 0xc7: // CMPXCHG, XADD, CMPXCHG8B/16B, RDRAND
      case 0xae: // FXSAVE/FXRSTOR, LDMXCSR/STMXCSR, fences
        return true;
    }
    if (b >= 0xc8 && b <= 0xcf) return true; // BSWAP
    // SSE/SSE2 moves, arithmetic, conversions, compares and shuffles.
    return (b >= 0x10 && b <= 0x17) || (b >= 0x28 && b <= 0x2f) || (b >= 0x50 && b <= 0x7f && b != 0x77) ||
      (b >= 0xc2 && b <= 0xc6) || b >= 0xd0;
  }
  return true; // 0F 38 / 0F 3A: SSSE3/SSE4.1/MOVBE/CRC32 data operations
}

/** Byte offset of register `r` as an operand of `size` (AH..BH without REX). */
function regOff(r: u32, size: i32, rex: u32): u32 {
  if (size == 1 && rex == 0 && r >= 4 && r < 8) return ((r - 4) << 3) + 1;
  return r << 3;
}

/** The kind of the freshly decoded entry at `e` (0 = generic, by opcode); fills
 * the fields the kind uses. Only forms whose fast path is exactly the generic
 * semantics are classified; LOCK is allowed only where it is legal. */
export function classify(e: usize): u32 {
  const op = load<u16>(e, E_OPCODE) as u32;
  const fl = load<u8>(e, E_FLAGS);
  const mem = (fl & EF_MEM) != 0;
  const lock = (fl & EF_LOCK) != 0;
  const osz = load<u8>(e, E_OPSIZE) as i32;
  const rex = load<u8>(e, E_REX) as u32;
  const regf = load<u8>(e, E_REGF) as u32;
  const rmf = load<u8>(e, E_RMF) as u32;
  const imm = load<u64>(e, E_IMM);
  const bsz = (op & 1) == 0 ? 1 : osz;
  let k: u32 = 0;
  let size = bsz;
  let x: u32 = 0;
  let eoff = regOff(rmf, bsz, rex);
  let goff = regOff(regf, bsz, rex);
  let newImm = imm;

  if (op < 0x40 && (op & 7) < 6) {
    // ALU: 0/1 r/m, reg; 2/3 reg, r/m; 4/5 AL/eAX, imm.
    x = (op >> 3) & 7;
    const form = op & 7;
    if (form >= 4) { k = K_ALU_EI; eoff = 0; newImm = imm & sizeMask(size); }
    else if (form < 2) k = mem ? K_ALU_MG : K_ALU_EG;
    else k = mem ? K_ALU_GM : K_ALU_GE;
    if (lock && (k != K_ALU_MG || x == 7)) k = 0;
  } else if (op >= 0x80 && op <= 0x83) {
    if (op == 0x82 && mode64) return 0;
    size = op == 0x81 ? osz : op == 0x83 ? osz : 1;
    x = regf & 7;
    newImm = (op == 0x83 ? sext(imm, 1) : imm) & sizeMask(size);
    eoff = regOff(rmf, size, rex);
    k = mem ? K_ALU_MI : K_ALU_EI;
    if (lock && (!mem || x == 7)) k = 0;
  } else if (lock) {
    if (mem && (op == 0xfe || op == 0xff) && (regf & 7) < 2) {
      size = op == 0xfe ? 1 : osz;
      k = K_INCDEC_M;
      x = regf & 7;
    } else if (mem && (op == 0x1ab || op == 0x1b3 || op == 0x1bb)) {
      k = K_BT_MG; x = op == 0x1ab ? 1 : op == 0x1b3 ? 2 : 3;
    } else if (mem && op == 0x1ba && (regf & 7) >= 5) { // (LOCK BT is #UD: generic)
      k = K_BT_MI; x = (regf & 7) - 4; size = osz;
    } else if (mem && (op == 0x86 || op == 0x87)) k = K_XCHG_MG;
  } else {
    switch (op) {
      case 0x84: case 0x85: k = mem ? K_ALU_GM : K_ALU_GE; x = 8; break;
      case 0xa8: case 0xa9: k = K_ALU_EI; x = 8; eoff = 0; newImm = imm & sizeMask(size); break;
      case 0xf6: case 0xf7:
        if ((regf & 7) < 2) { k = mem ? K_ALU_MI : K_ALU_EI; x = 8; newImm = imm & sizeMask(size); }
        else if ((regf & 7) < 4 && !mem) { k = K_NOTNEG_E; x = regf & 7; }
        else if ((regf & 7) < 6 && op == 0xf7) { k = mem ? K_MUL_M : K_MUL_E; x = regf & 7; }
        break;
      case 0x1af: k = mem ? K_IMUL_GM : K_IMUL_GE; break;
      case 0x69: case 0x6b:
        k = mem ? K_IMUL_GMI : K_IMUL_GEI;
        newImm = op == 0x6b ? sext(imm, 1) : sext(imm, osz == 2 ? 2 : 4);
        break;
      case 0x88: case 0x89: k = mem ? K_MOV_MG : K_MOV_EG; break;
      case 0x8a: case 0x8b:
        if (mem) k = K_MOV_GM;
        else { k = K_MOV_EG; const t = eoff; eoff = goff; goff = t; }
        break;
      case 0xa0: case 0xa1: k = K_MOV_GM; goff = 0; break;
      case 0xa2: case 0xa3: k = K_MOV_MG; goff = 0; break;
      case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7:
        k = K_MOV_EI; size = 1; eoff = regOff((op & 7) | ((rex & 1) << 3), 1, rex); break;
      case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
        k = K_MOV_EI; size = osz; eoff = ((op & 7) | ((rex & 1) << 3)) << 3; break;
      case 0xc6: case 0xc7:
        if ((regf & 7) == 0) { k = mem ? K_MOV_MI : K_MOV_EI; newImm = imm & sizeMask(size); }
        break;
      case 0x8d: if (mem) { k = K_LEA; size = osz; } break;
      case 0x1b6: case 0x1b7: case 0x1be: case 0x1bf: {
        const ssz: u32 = (op & 1) == 0 ? 1 : 2;
        x = ssz | (op >= 0x1be ? 0x10 : 0);
        size = osz;
        goff = regf << 3;
        eoff = regOff(rmf, ssz as i32, rex);
        k = mem ? K_MOVX_GM : K_MOVX_GE;
        break;
      }
      case 0x63:
        if (mode64) { x = 4 | 0x10; size = osz; goff = regf << 3; eoff = rmf << 3; k = mem ? K_MOVX_GM : K_MOVX_GE; }
        break;
      case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
        size = mode64 ? (osz == 2 ? 2 : 8) : osz;
        eoff = ((op & 7) | ((rex & 1) << 3)) << 3;
        // PUSH SP with a 16-bit operand in 64-bit mode etc. are all the same value read.
        k = K_PUSH_E;
        break;
      case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f:
        size = mode64 ? (osz == 2 ? 2 : 8) : osz;
        eoff = ((op & 7) | ((rex & 1) << 3)) << 3;
        k = K_POP_E;
        break;
      case 0x68: case 0x6a:
        size = mode64 ? (osz == 2 ? 2 : 8) : osz;
        newImm = op == 0x6a ? sext(imm, 1) : imm;
        if (size == 2) newImm &= 0xffff;
        else if (size == 4) newImm &= 0xffffffff;
        k = K_PUSH_I;
        break;
      case 0xe8:
        if (!mode64 && osz == 2) break;
        size = mode64 ? 8 : osz;
        k = KS_CALL + (mode64 ? 1 : 0);
        break;
      case 0xc2: case 0xc3:
        size = mode64 ? (osz == 2 ? 2 : 8) : osz;
        newImm = op == 0xc2 ? imm & 0xffff : 0;
        if (size != 2) k = KS_RET + (mode64 ? 1 : 0);
        break;
      case 0xe9: if (mode64 || osz != 2) k = K_JMP; break;
      case 0xeb: if (mode64 || osz != 2) { k = K_JMP; newImm = sext(imm, 1); } break;
      case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
      case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f:
        // INC/DEC r (REX in 64-bit mode, so only decoded as an opcode outside it).
        k = K_INCDEC_E; size = osz; eoff = (op & 7) << 3; x = op >= 0x48 ? 1 : 0;
        break;
      case 0xfe: case 0xff:
        if ((regf & 7) < 2) {
          size = op == 0xfe ? 1 : osz;
          eoff = regOff(rmf, size, rex);
          x = regf & 7;
          k = mem ? K_INCDEC_M : K_INCDEC_E;
        }
        break;
      case 0xc0: case 0xc1: case 0xd0: case 0xd1:
        x = regf & 7;
        if (op >= 0xd0) newImm = 1;
        k = mem ? K_SHIFT_MI : K_SHIFT_EI;
        break;
      case 0xd2: case 0xd3:
        if (!mem) { x = regf & 7; k = K_SHIFT_ECL; }
        break;
      // PAUSE (F3 90) stays generic: it may end the run (EXIT_PAUSE) on an SMP machine.
      case 0x90: if ((rex == 0 || (rex & 1) == 0) && load<u8>(e, E_REP) != 1) k = K_NOP; break;
      case 0x11f: k = K_NOP; break;
      case 0x131: k = K_RDTSC; break;
      case 0x1a3: case 0x1ab: case 0x1b3: case 0x1bb:
        k = mem ? K_BT_MG : K_BT_EG;
        x = op == 0x1a3 ? 0 : op == 0x1ab ? 1 : op == 0x1b3 ? 2 : 3;
        break;
      case 0x1ba:
        if ((regf & 7) >= 4) {
          k = mem ? K_BT_MI : K_BT_EI; x = (regf & 7) - 4; size = osz; eoff = regOff(rmf, osz, rex);
        }
        break;
      case 0x1bc: case 0x1bd:
        // With F3: TZCNT/LZCNT (generic).
        if (load<u8>(e, E_REP) == 0) { k = mem ? K_BSCAN_GM : K_BSCAN_GE; x = op & 1; size = osz; eoff = rmf << 3; goff = regf << 3; }
        break;
      case 0x86: case 0x87: k = mem ? K_XCHG_MG : K_XCHG_EG; break;
      default:
        if (op >= 0x70 && op < 0x80) {
          if (mode64 || osz != 2) { k = K_JCC; x = op & 0xf; newImm = sext(imm, 1); }
        } else if (op >= 0x180 && op < 0x190) {
          if (mode64 || osz != 2) { k = K_JCC; x = op & 0xf; }
        } else if (op >= 0x140 && op < 0x150) {
          size = osz; goff = regf << 3; eoff = rmf << 3; x = op & 0xf;
          k = mem ? K_CMOV_GM : K_CMOV_GE;
        } else if (op >= 0x190 && op < 0x1a0) {
          if (!mem) { k = K_SETCC_E; x = op & 0xf; eoff = regOff(rmf, 1, rex); }
        }
    }
  }
  if (k == 0) return genericStays(op, regf & 7) ? K_GENERIC_IN : 0;
  // Through a segment whose limit must be checked (state.ts segChecks, part of
  // the blocks' modeKey): the generic path, which checks every access.
  const checks = segChecks;
  if (checks != 0) {
    const stackKind = k == K_PUSH_E || k == K_POP_E || k == K_PUSH_I || k == K_CALL || k == K_RET;
    if ((stackKind && ((checks >> (SS as u32)) & 1) != 0) ||
        (mem && k != K_LEA && ((checks >> (load<u8>(e, E_EASEG) as u32)) & 1) != 0)) return 0;
  }
  if (size == 4 || size == 8) {
    const s8: u32 = size == 8 ? 1 : 0;
    if (k >= K_ALU_EG && k <= K_ALU_MI) {
      const form = k == K_ALU_EG ? 0 : k == K_ALU_GE ? 1 : k == K_ALU_EI ? 2 : k == K_ALU_GM ? 3 : k == K_ALU_MG ? 4 : 5;
      k = KS_ALU + (form * 9 + x) * 2 + s8;
    } else if (k >= K_MOV_EG && k <= K_MOV_MI) k = KS_MOV + (k - K_MOV_EG) * 2 + s8;
    else if (k == K_PUSH_E) k = KS_PUSH + s8;
    else if (k == K_POP_E) k = KS_POP + s8;
    else if (k == K_PUSH_I) k = KS_PUSHI + s8;
  }
  if (k == K_JCC) k = KS_JCC + x;
  if (k == K_SHIFT_EI && (size == 4 || size == 8) && x != 2 && x != 3) k = KS_SHIFT + x * 2 + (size == 8 ? 1 : 0);
  store<u8>(e, size as u8, E_SIZE);
  store<u8>(e, x as u8, E_X);
  store<u8>(e, eoff as u8, E_EOFF);
  store<u8>(e, goff as u8, E_GOFF);
  store<u64>(e, newImm, E_IMM);
  return k;
}
