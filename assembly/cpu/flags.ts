// Lazy arithmetic flags: an ALU op records its result, operands, width and kind;
// CF/PF/AF/ZF/SF/OF are computed only when something reads them.
import { F_CF, F_PF, F_AF, F_ZF, F_SF, F_OF, F_ARITH, F_IF } from "./state";
import { signalInterrupt } from "./exec";

// Kinds of the last flag-setting operation.
// @ts-ignore: decorator
@inline export const LF_NONE: i32 = 0; // flags are materialized in `eflags`
// @ts-ignore: decorator
@inline export const LF_ADD: i32 = 1;
// @ts-ignore: decorator
@inline export const LF_SUB: i32 = 2;
// @ts-ignore: decorator
@inline export const LF_LOGIC: i32 = 3;
// @ts-ignore: decorator
@inline export const LF_INC: i32 = 4; // CF kept in eflags
// @ts-ignore: decorator
@inline export const LF_DEC: i32 = 5;
// @ts-ignore: decorator
@inline export const LF_ADC: i32 = 6; // lfCarry holds the carry-in
// @ts-ignore: decorator
@inline export const LF_SBB: i32 = 7;
// @ts-ignore: decorator
@inline export const LF_RESULT: i32 = 8; // ZF/SF/PF from the result; CF/OF/AF in eflags

/** Non-arithmetic flags always; arithmetic ones only when lfKind == LF_NONE
 * (or CF alone for LF_INC/LF_DEC, CF/OF/AF for LF_RESULT). */
export let eflags: u32 = 2;
export let lfKind: i32 = LF_NONE;
export let lfRes: u64 = 0;
export let lfDst: u64 = 0;
export let lfSrc: u64 = 0;
export let lfSize: i32 = 4;
let lfCarry: u64 = 0;

// @ts-ignore: decorator
@inline function signBit(size: i32): u64 {
  return (1 as u64) << (((size as u64) << 3) - 1);
}
// @ts-ignore: decorator
@inline export function sizeMask(size: i32): u64 {
  return size == 8 ? 0xffffffffffffffff : ((1 as u64) << ((size as u64) << 3)) - 1;
}

// @ts-ignore: decorator
@inline export function setLazy(kind: i32, res: u64, dst: u64, src: u64, size: i32): void {
  lfKind = kind;
  lfRes = res;
  lfDst = dst;
  lfSrc = src;
  lfSize = size;
}

/** AND/OR/XOR/TEST: CF=OF=AF=0, the rest from the result. */
// @ts-ignore: decorator
@inline export function setLazyLogic(res: u64, size: i32): void {
  lfKind = LF_LOGIC;
  lfRes = res;
  lfSize = size;
}

/** Puts the current CF into eflags without materializing the other flags, as
 * INC/DEC need it (LF_INC/LF_DEC read CF from eflags, the rest from the result). */
// @ts-ignore: decorator
@inline export function keepCarry(): void {
  const k = lfKind;
  if (k == LF_SUB) eflags = lfDst < lfSrc ? eflags | F_CF : eflags & ~F_CF;
  else if (k == LF_LOGIC) eflags &= ~F_CF;
  else if (k == LF_ADD) eflags = lfRes < lfDst ? eflags | F_CF : eflags & ~F_CF;
  else if (k == LF_ADC || k == LF_SBB) eflags = getCF() ? eflags | F_CF : eflags & ~F_CF;
}

/** Sets CF and OF and keeps the other arithmetic flags (rotates): SF ZF PF stay
 * lazy with the last result (as LF_RESULT), AF moves into eflags. */
export function setCarryOverflow(cf: bool, ovf: bool): void {
  let f = eflags;
  if (lfKind == LF_NONE) f &= ~(F_CF | F_OF);
  else {
    f = (f & ~(F_CF | F_OF | F_AF)) | (getAF() ? F_AF : 0);
    lfKind = LF_RESULT;
  }
  eflags = f | (cf ? F_CF : 0) | (ovf ? F_OF : 0);
}

export function setLazyCarry(kind: i32, res: u64, dst: u64, src: u64, size: i32, carry: u64): void {
  lfCarry = carry;
  setLazy(kind, res, dst, src, size);
}

/** Result-based ZF/SF/PF with CF/OF/AF given explicitly (shifts, multiplies). */
export function setResultFlags(res: u64, size: i32, cfofaf: u32): void {
  setResultFlagsInline(res, size, cfofaf);
}

// @ts-ignore: decorator
@inline export function setResultFlagsInline(res: u64, size: i32, cfofaf: u32): void {
  eflags = (eflags & ~(F_CF | F_OF | F_AF)) | (cfofaf & (F_CF | F_OF | F_AF));
  lfKind = LF_RESULT;
  lfRes = res;
  lfSize = size;
}

// ---------------------------------------------------------------------------
// Call-free flag reads for the run loop's inline fast paths (fastpath.ts). They
// cover every lazy kind but ADC/SBB; callers check for those first
// (lazyHasCarryIn) and take the slow path.

/** The lazy record is an ADC/SBB one (its CF needs the carry-in). */
// @ts-ignore: decorator
@inline export function lazyHasCarryIn(): bool {
  return (lfKind & ~1) == LF_ADC; // LF_ADC or LF_SBB
}

// @ts-ignore: decorator
@inline function cfNC(): bool {
  const k = lfKind;
  if (k == LF_SUB) return lfDst < lfSrc;
  if (k == LF_ADD) return lfRes < lfDst;
  if (k == LF_LOGIC) return false;
  return (eflags & F_CF) != 0; // NONE INC DEC RESULT
}

// @ts-ignore: decorator
@inline function zfNC(): bool {
  if (lfKind == LF_NONE) return (eflags & F_ZF) != 0;
  return lfRes == 0; // every recorded result is masked to its size
}

// @ts-ignore: decorator
@inline function sfNC(): bool {
  if (lfKind == LF_NONE) return (eflags & F_SF) != 0;
  return ((lfRes << (64 - ((lfSize as u64) << 3))) as i64) < 0;
}

// @ts-ignore: decorator
@inline function ofNC(): bool {
  const k = lfKind;
  const sb = signBit(lfSize);
  if (k == LF_SUB) return ((lfDst ^ lfSrc) & (lfDst ^ lfRes) & sb) != 0;
  if (k == LF_ADD) return ((lfDst ^ lfRes) & (lfSrc ^ lfRes) & sb) != 0;
  if (k == LF_LOGIC) return false;
  if (k == LF_INC) return lfRes == sb;
  if (k == LF_DEC) return lfRes == sb - 1;
  return (eflags & F_OF) != 0; // NONE RESULT
}

// @ts-ignore: decorator
@inline function pfNC(): bool {
  if (lfKind == LF_NONE) return (eflags & F_PF) != 0;
  return (popcnt<u32>((lfRes as u32) & 0xff) & 1) == 0;
}

/** AF as an eflags bit (F_AF or 0). */
// @ts-ignore: decorator
@inline function afNC(): u32 {
  const k = lfKind;
  if (k == LF_NONE || k == LF_RESULT) return eflags & F_AF;
  if (k == LF_LOGIC) return 0;
  if (k == LF_INC) return (lfRes & 0xf) == 0 ? F_AF : 0;
  if (k == LF_DEC) return (lfRes & 0xf) == 0xf ? F_AF : 0;
  return ((lfRes ^ lfDst ^ lfSrc) & 0x10) != 0 ? F_AF : 0;
}

/** testCC() without calls; not for an ADC/SBB record. */
// @ts-ignore: decorator
@inline export function condNC(cc: i32): bool {
  let r: bool;
  if (lfKind == LF_SUB) {
    // After CMP/SUB the conditions are comparisons of the operands.
    const d = lfDst, s = lfSrc;
    const sh = 64 - ((lfSize as u64) << 3);
    switch (cc >> 1) {
      case 0: r = ofNC(); break;
      case 1: r = d < s; break;
      case 2: r = d == s; break;
      case 3: r = d <= s; break;
      case 4: r = ((lfRes << sh) as i64) < 0; break;
      case 5: r = pfNC(); break;
      case 6: r = ((d << sh) as i64) < ((s << sh) as i64); break;
      default: r = ((d << sh) as i64) <= ((s << sh) as i64); break;
    }
  } else {
    switch (cc >> 1) {
      case 0: r = ofNC(); break;
      case 1: r = cfNC(); break;
      case 2: r = zfNC(); break;
      case 3: r = cfNC() || zfNC(); break;
      case 4: r = sfNC(); break;
      case 5: r = pfNC(); break;
      case 6: r = sfNC() != ofNC(); break;
      default: r = zfNC() || sfNC() != ofNC(); break;
    }
  }
  return (cc & 1) != 0 ? !r : r;
}

/** keepCarry() without calls; not for an ADC/SBB record. */
// @ts-ignore: decorator
@inline export function keepCarryNC(): void {
  const k = lfKind;
  if (k == LF_SUB || k == LF_ADD || k == LF_LOGIC) eflags = cfNC() ? eflags | F_CF : eflags & ~F_CF;
}

/** setCarryOverflow() without calls; not for an ADC/SBB record. */
// @ts-ignore: decorator
@inline export function setCarryOverflowNC(cf: bool, ovf: bool): void {
  let f = eflags;
  if (lfKind == LF_NONE) f &= ~(F_CF | F_OF);
  else {
    f = (f & ~(F_CF | F_OF | F_AF)) | afNC();
    lfKind = LF_RESULT;
  }
  eflags = f | (cf ? F_CF : 0) | (ovf ? F_OF : 0);
}

export function getCF(): bool {
  const m = sizeMask(lfSize);
  switch (lfKind) {
    case LF_NONE: case LF_INC: case LF_DEC: case LF_RESULT: return (eflags & F_CF) != 0;
    case LF_ADD: return (lfRes & m) < (lfDst & m);
    case LF_SUB: return (lfDst & m) < (lfSrc & m);
    case LF_LOGIC: return false;
    case LF_ADC: return lfCarry != 0 ? (lfRes & m) <= (lfDst & m) : (lfRes & m) < (lfDst & m);
    case LF_SBB: return lfCarry != 0 ? (lfDst & m) <= (lfSrc & m) : (lfDst & m) < (lfSrc & m);
  }
  return false;
}

export function getZF(): bool {
  if (lfKind == LF_NONE) return (eflags & F_ZF) != 0;
  return (lfRes & sizeMask(lfSize)) == 0;
}

export function getSF(): bool {
  if (lfKind == LF_NONE) return (eflags & F_SF) != 0;
  return (lfRes & signBit(lfSize)) != 0;
}

export function getOF(): bool {
  const sb = signBit(lfSize);
  switch (lfKind) {
    case LF_NONE: case LF_RESULT: return (eflags & F_OF) != 0;
    case LF_ADD: case LF_ADC: return ((lfDst ^ lfRes) & (lfSrc ^ lfRes) & sb) != 0;
    case LF_SUB: case LF_SBB: return ((lfDst ^ lfSrc) & (lfDst ^ lfRes) & sb) != 0;
    case LF_LOGIC: return false;
    case LF_INC: return (lfRes & sizeMask(lfSize)) == sb;
    case LF_DEC: return (lfRes & sizeMask(lfSize)) == sb - 1;
  }
  return false;
}

export function getPF(): bool {
  if (lfKind == LF_NONE) return (eflags & F_PF) != 0;
  return (popcnt<u32>((lfRes as u32) & 0xff) & 1) == 0;
}

export function getAF(): bool {
  switch (lfKind) {
    case LF_NONE: case LF_RESULT: return (eflags & F_AF) != 0;
    case LF_LOGIC: return false;
    case LF_INC: return (lfRes & 0xf) == 0;
    case LF_DEC: return (lfRes & 0xf) == 0xf;
  }
  return ((lfRes ^ lfDst ^ lfSrc) & 0x10) != 0;
}

/** The full EFLAGS value with arithmetic flags materialized: the getXF()
 * rules above, worked out in one pass per kind (PUSHF, interrupt frames and every
 * flushFlags() come here). */
export function getEflags(): u32 {
  const k = lfKind;
  if (k == LF_NONE) return eflags;
  const m = sizeMask(lfSize);
  const sb = signBit(lfSize);
  const res = lfRes & m;
  let f = eflags & ~F_ARITH;
  if (res == 0) f |= F_ZF;
  if ((res & sb) != 0) f |= F_SF;
  if ((popcnt<u32>((res as u32) & 0xff) & 1) == 0) f |= F_PF;
  switch (k) {
    case LF_LOGIC: break;
    case LF_RESULT: f |= eflags & (F_CF | F_OF | F_AF); break;
    case LF_INC: case LF_DEC: {
      f |= eflags & F_CF;
      const inc = k == LF_INC;
      if (res == (inc ? sb : sb - 1)) f |= F_OF;
      if ((res & 0xf) == (inc ? 0 : 0xf)) f |= F_AF;
      break;
    }
    default: {
      const d = lfDst & m;
      const s = lfSrc & m;
      const add = k == LF_ADD || k == LF_ADC;
      let cf: bool;
      if (k == LF_ADD) cf = res < d;
      else if (k == LF_SUB) cf = d < s;
      else if (k == LF_ADC) cf = lfCarry != 0 ? res <= d : res < d;
      else cf = lfCarry != 0 ? d <= s : d < s;
      if (cf) f |= F_CF;
      if (((add ? (d ^ res) & (s ^ res) : (d ^ s) & (d ^ res)) & sb) != 0) f |= F_OF;
      if (((lfRes ^ lfDst ^ lfSrc) & 0x10) != 0) f |= F_AF;
    }
  }
  return f;
}

/** Materializes the flags so that eflags is authoritative. */
export function flushFlags(): void {
  eflags = getEflags();
  lfKind = LF_NONE;
}

/** Sets EFLAGS; IF going 0→1 makes pending interrupts deliverable (STI, POPF,
 * IRET, SYSRET, the host's state) and so re-arms the run loop's interrupt check. */
export function setEflags(v: u32): void {
  const was = eflags;
  eflags = (v & 0x3f7fd5) | 2;
  lfKind = LF_NONE;
  if ((~was & v & F_IF) != 0) signalInterrupt();
}

/** Sets or clears the carry flag alone, keeping the others. */
export function setCF(on: bool): void {
  flushFlags();
  eflags = on ? eflags | F_CF : eflags & ~F_CF;
}

/** Condition code test for Jcc/SETcc/CMOVcc (low nibble of the opcode). */
export function testCC(cc: i32): bool {
  return testCCInline(cc);
}

/** testCC() for the fast paths: after CMP/SUB and the logic operations the
 * condition is a comparison of the recorded operands or result. */
// @ts-ignore: decorator
@inline export function testCCInline(cc: i32): bool {
  let r: bool;
  const k = lfKind;
  if (k == LF_SUB) {
    // After CMP/SUB: the conditions are comparisons of the operands.
    const d = lfDst, s = lfSrc;
    const sh = 64 - ((lfSize as u64) << 3);
    switch (cc >> 1) {
      case 1: r = d < s; break;
      case 2: r = d == s; break;
      case 3: r = d <= s; break;
      case 6: r = ((d << sh) as i64) < ((s << sh) as i64); break;
      case 7: r = ((d << sh) as i64) <= ((s << sh) as i64); break;
      case 4: r = ((lfRes << sh) as i64) < 0; break;
      default: r = cc < 2 ? getOF() : getPF(); break;
    }
    return (cc & 1) != 0 ? !r : r;
  }
  if (k == LF_LOGIC) {
    // CF = OF = 0.
    const sh = 64 - ((lfSize as u64) << 3);
    switch (cc >> 1) {
      case 0: case 1: r = false; break;
      case 2: case 3: r = lfRes == 0; break;
      case 4: case 6: r = ((lfRes << sh) as i64) < 0; break;
      case 7: r = ((lfRes << sh) as i64) <= 0; break;
      default: r = getPF(); break;
    }
    return (cc & 1) != 0 ? !r : r;
  }
  if ((k == LF_DEC || k == LF_INC) && (cc >> 1) == 2) return ((lfRes == 0) as i32 ^ (cc & 1)) != 0;
  return testCCSlow(cc);
}

function testCCSlow(cc: i32): bool {
  let r: bool;
  switch (cc >> 1) {
    case 0: r = getOF(); break;
    case 1: r = getCF(); break;
    case 2: r = getZF(); break;
    case 3: r = getCF() || getZF(); break;
    case 4: r = getSF(); break;
    case 5: r = getPF(); break;
    case 6: r = getSF() != getOF(); break;
    default: r = getZF() || (getSF() != getOF()); break;
  }
  return (cc & 1) != 0 ? !r : r;
}
