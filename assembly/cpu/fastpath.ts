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
  EF_MEM, EF_LOCK,
} from "./decode";
import {
  mode64, stack32, nextRip, setNextRip, segBase, RSP, SS, FS,
} from "./state";
import { faulted, raiseGP } from "./fault";
import { testCC, testCCInline, sizeMask } from "./flags";
import { aluInline, incDecInline, shift, shiftInline, sext } from "./ops/alu";
import { readMem, writeMem, writableOff, readSlow, writeSlow, probeWrite, setStackRef, isCanonical } from "./mmu";

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
// @ts-ignore: decorator
@inline const K_CALL: u32 = 18; // call rel (imm = displacement)
// @ts-ignore: decorator
@inline const K_RET: u32 = 19; // ret (imm = bytes to release)
// @ts-ignore: decorator
@inline const K_JMP: u32 = 20; // jmp rel
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

// ---------------------------------------------------------------------------
// Operand helpers.

// @ts-ignore: decorator
@inline function regGet(off: u32, size: i32): u64 {
  const a = CPU_OFF + CPU_GPR + off;
  if (size == 4) return load<u32>(a);
  if (size == 8) return load<u64>(a);
  if (size == 1) return load<u8>(a);
  return load<u16>(a);
}

/** Register write with the x86 width rules (32-bit writes zero the upper half). */
// @ts-ignore: decorator
@inline function regSet(off: u32, size: i32, v: u64): void {
  const a = CPU_OFF + CPU_GPR + off;
  if (size == 4) store<u64>(a, v & 0xffffffff);
  else if (size == 8) store<u64>(a, v);
  else if (size == 1) store<u8>(a, v as u8);
  else store<u16>(a, v as u16);
}

/** Linear address of the memory operand. */
// @ts-ignore: decorator
@inline function eaLin(e: usize): u64 {
  const ea = eaOffsetOf(e);
  const seg = load<u8>(e, E_EASEG) as i32;
  setStackRef(seg == SS);
  if (mode64) return seg >= FS ? ea + segBase(seg) : ea;
  return (ea + segBase(seg)) & 0xffffffff;
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
// MG EI MI (0-4); KS_PUSH/KS_POP + (size == 8); KS_JCC + cc; KS_SHIFT + op * 2 +
// (size == 8) for shifts and rotates of a register by an immediate (not RCL/RCR).
// @ts-ignore: decorator
@inline const KS_ALU: u32 = 64;
// @ts-ignore: decorator
@inline const KS_MOV: u32 = 180;
// @ts-ignore: decorator
@inline const KS_PUSH: u32 = 190;
// @ts-ignore: decorator
@inline const KS_POP: u32 = 192;
// @ts-ignore: decorator
@inline const KS_JCC: u32 = 200;
// @ts-ignore: decorator
@inline const KS_SHIFT: u32 = 220; // + op * 2 + (size == 8), register by imm

// @ts-ignore: decorator
@inline export function execFast(kind: u32, e: usize): void {
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
    case K_PUSH_I: {
      pushV(load<u64>(e, E_IMM), load<u8>(e, E_SIZE) as i32);
      return;
    }
    case K_CALL: {
      const t = nextRip + load<u64>(e, E_IMM);
      if (mode64 && !isCanonical(t)) { raiseGP(0); return; }
      pushV(nextRip, load<u8>(e, E_SIZE) as i32);
      if (faulted) return;
      branchTo(t);
      return;
    }
    case K_RET: {
      const size = load<u8>(e, E_SIZE) as i32;
      const sp = spGet();
      let t = readMem(stackLin(sp), size);
      if (faulted) return;
      if (mode64 && !isCanonical(t)) { raiseGP(0); return; } // the RET faults, RSP unchanged
      spSet(sp + (size as u64) + load<u64>(e, E_IMM));
      setNextRip(t);
      return;
    }
    case K_JMP: {
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
      let v: u64;
      if (kind == K_CMOV_GE) v = regGet(load<u8>(e, E_EOFF), size);
      else {
        v = readMem(eaLin(e), size);
        if (faulted) return;
      }
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
  }
}

/** Kinds after which a block ends: control transfers and everything generic
 * (which may change the mode, the paging, or anything else). */
export function endsBlock(kind: u32): bool {
  return kind == 0 || kind == K_JMP || kind == K_JCC || kind == K_CALL || kind == K_RET ||
    (kind >= KS_JCC && kind < KS_JCC + 16);
}

// ---------------------------------------------------------------------------
// Classification (decode time).

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
    }
  } else {
    switch (op) {
      case 0x84: case 0x85: k = mem ? K_ALU_GM : K_ALU_GE; x = 8; break;
      case 0xa8: case 0xa9: k = K_ALU_EI; x = 8; eoff = 0; newImm = imm & sizeMask(size); break;
      case 0xf6: case 0xf7:
        if ((regf & 7) < 2) { k = mem ? K_ALU_MI : K_ALU_EI; x = 8; newImm = imm & sizeMask(size); }
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
        k = K_CALL;
        break;
      case 0xc2: case 0xc3:
        size = mode64 ? (osz == 2 ? 2 : 8) : osz;
        newImm = op == 0xc2 ? imm & 0xffff : 0;
        k = K_RET;
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
      case 0x90: if (rex == 0 || (rex & 1) == 0) k = K_NOP; break;
      case 0x11f: k = K_NOP; break;
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
  if (k == 0) return 0;
  if (size == 4 || size == 8) {
    const s8: u32 = size == 8 ? 1 : 0;
    if (k >= K_ALU_EG && k <= K_ALU_MI) {
      const form = k == K_ALU_EG ? 0 : k == K_ALU_GE ? 1 : k == K_ALU_EI ? 2 : k == K_ALU_GM ? 3 : k == K_ALU_MG ? 4 : 5;
      k = KS_ALU + (form * 9 + x) * 2 + s8;
    } else if (k >= K_MOV_EG && k <= K_MOV_MI) k = KS_MOV + (k - K_MOV_EG) * 2 + s8;
    else if (k == K_PUSH_E) k = KS_PUSH + s8;
    else if (k == K_POP_E) k = KS_POP + s8;
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
