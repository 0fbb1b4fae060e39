// Integer arithmetic: the eight ALU operations, INC/DEC/NEG, shifts and rotates,
// SHLD/SHRD, multiply and divide, and the bit instructions.
import {
  setLazy, setLazyLogic, setLazyCarry, setResultFlags, flushFlags, getCF, getOF, sizeMask, eflags, keepCarry,
  setCarryOverflow,
  LF_ADD, LF_SUB, LF_LOGIC, LF_INC, LF_DEC, LF_ADC, LF_SBB, setEflags, getEflags,
} from "../flags";
import { F_CF, F_OF, F_ZF, F_AF, F_SF, F_PF, gpr, setGpr } from "../state";
import { dImm } from "../decode";
import { getAF, getZF, getSF, getPF } from "../flags";

// @ts-ignore: decorator
@inline function bits(size: i32): u64 {
  return (size as u64) << 3;
}
// @ts-ignore: decorator
@inline function msb(v: u64, size: i32): u64 {
  return (v >> (bits(size) - 1)) & 1;
}
/** Sign-extends a `size`-byte value to 64 bits. */
// @ts-ignore: decorator
@inline export function sext(v: u64, size: i32): u64 {
  if (size == 8) return v;
  const sh = 64 - bits(size);
  return (((v << sh) as i64) >> sh) as u64;
}

/** ADD OR ADC SBB AND SUB XOR CMP, as numbered by opcode bits 5:3. */
export function alu(op: i32, dst: u64, src: u64, size: i32): u64 {
  return aluInline(op, dst, src, size);
}

/** alu() for the fast paths (op 8 = TEST: AND without a destination). */
// @ts-ignore: decorator
@inline export function aluInline(op: i32, dst: u64, src: u64, size: i32): u64 {
  const m = sizeMask(size);
  let r: u64;
  switch (op) {
    case 0: r = (dst + src) & m; setLazy(LF_ADD, r, dst & m, src & m, size); return r;
    case 1: r = (dst | src) & m; setLazyLogic(r, size); return r;
    case 2: {
      const c: u64 = getCF() ? 1 : 0;
      r = (dst + src + c) & m;
      setLazyCarry(LF_ADC, r, dst & m, src & m, size, c);
      return r;
    }
    case 3: {
      const c: u64 = getCF() ? 1 : 0;
      r = (dst - src - c) & m;
      setLazyCarry(LF_SBB, r, dst & m, src & m, size, c);
      return r;
    }
    case 4: case 8: r = dst & src & m; setLazyLogic(r, size); return r;
    case 5: case 7: r = (dst - src) & m; setLazy(LF_SUB, r, dst & m, src & m, size); return r;
    default: r = (dst ^ src) & m; setLazyLogic(r, size); return r;
  }
}

/** INC and DEC keep CF. */
export function incDec(v: u64, size: i32, dec: bool): u64 {
  return incDecInline(v, size, dec);
}

/** incDec() for the fast paths: CF goes into eflags (where LF_INC/LF_DEC keep it);
 * the other arithmetic flags stay lazy (they come from the result alone). */
// @ts-ignore: decorator
@inline export function incDecInline(v: u64, size: i32, dec: bool): u64 {
  keepCarry();
  const m = sizeMask(size);
  const r = (dec ? v - 1 : v + 1) & m;
  setLazy(dec ? LF_DEC : LF_INC, r, v & m, 1, size);
  return r;
}

export function neg(v: u64, size: i32): u64 {
  const m = sizeMask(size);
  const r = (0 - v) & m;
  setLazy(LF_SUB, r, 0, v & m, size);
  return r;
}

/** Shift/rotate group 2: op = ModRM.reg (0 ROL 1 ROR 2 RCL 3 RCR 4 SHL 5 SHR 6 SAL 7 SAR). */
export function shift(op: i32, v: u64, count: u32, size: i32): u64 {
  return shiftInline(op, v, count, size);
}

/** shift() for the fast paths (constant op and size fold the switches away). */
// @ts-ignore: decorator
@inline export function shiftInline(op: i32, v: u64, count: u32, size: i32): u64 {
  const m = sizeMask(size);
  const nb = bits(size) as u32;
  count &= size == 8 ? 0x3f : 0x1f;
  if (count == 0) return v & m;
  v &= m;
  let r: u64 = 0;
  switch (op) {
    case 0: { // ROL
      const c = count % nb;
      r = c == 0 ? v : ((v << (c as u64)) | (v >> ((nb - c) as u64))) & m;
      setRotateFlags((r & 1) != 0, msb(r, size) != (r & 1));
      return r;
    }
    case 1: { // ROR
      const c = count % nb;
      r = c == 0 ? v : ((v >> (c as u64)) | (v << ((nb - c) as u64))) & m;
      setRotateFlags(msb(r, size) != 0, msb(r, size) != ((r >> (bits(size) - 2)) & 1));
      return r;
    }
    case 2: { // RCL: rotate through CF, a (nb+1)-bit rotation
      const c = size == 1 ? count % 9 : size == 2 ? count % 17 : count;
      let cf: u64 = getCF() ? 1 : 0;
      r = v;
      for (let i: u32 = 0; i < c; i++) {
        const out = msb(r, size);
        r = ((r << 1) | cf) & m;
        cf = out;
      }
      if (c != 0) setRotateFlags(cf != 0, (msb(r, size) ^ cf) != 0);
      return r;
    }
    case 3: { // RCR
      const c = size == 1 ? count % 9 : size == 2 ? count % 17 : count;
      let cf: u64 = getCF() ? 1 : 0;
      r = v;
      const ovf = msb(r, size) ^ cf;
      for (let i: u32 = 0; i < c; i++) {
        const out = r & 1;
        r = (r >> 1) | (cf << (bits(size) - 1));
        cf = out;
      }
      if (c != 0) setRotateFlags(cf != 0, ovf != 0);
      return r;
    }
    case 4: case 6: { // SHL/SAL
      r = count >= 64 ? 0 : (v << (count as u64)) & m;
      const cf = count > nb ? 0 : (v >> ((nb - count) as u64)) & 1;
      setResultFlags(r, size, (cf != 0 ? F_CF : 0) | ((msb(r, size) ^ cf) != 0 ? F_OF : 0));
      return r;
    }
    case 5: { // SHR
      r = v >> (count as u64);
      const cf = (v >> ((count - 1) as u64)) & 1;
      setResultFlags(r, size, (cf != 0 ? F_CF : 0) | (msb(v, size) != 0 ? F_OF : 0));
      return r;
    }
    default: { // SAR
      const s = sext(v, size) as i64;
      r = ((s >> (count as i64)) as u64) & m;
      const cf = ((s >> ((count - 1) as i64)) as u64) & 1;
      setResultFlags(r, size, cf != 0 ? F_CF : 0);
      return r;
    }
  }
}

/** ROL/ROR/RCL/RCR set CF and OF and keep the rest: SF ZF PF stay with the last
 * result (LF_RESULT reads them from it), AF is taken over into eflags. */
function setRotateFlags(cf: bool, ovf: bool): void {
  setCarryOverflow(cf, ovf);
}

/** SHLD/SHRD: shift `dst` filling from `src`. */
export function shiftDouble(dst: u64, src: u64, count: u32, size: i32, left: bool): u64 {
  const m = sizeMask(size);
  count &= size == 8 ? 0x3f : 0x1f;
  if (count == 0) return dst & m;
  const nb = bits(size) as u32;
  dst &= m; src &= m;
  let r: u64;
  let cf: u64;
  if (size == 2 && count > 16) {
    // 16-bit with count > 16: the result is undefined; model the 32-bit concatenation.
    const wide: u64 = left ? (dst << 16) | src : (src << 16) | dst;
    const ww = left ? (wide << (count as u64)) >> 16 : wide >> (count as u64);
    r = ww & m;
    cf = left ? (wide >> ((32 - count) as u64)) & 1 : (wide >> ((count - 1) as u64)) & 1;
  } else if (left) {
    r = ((dst << (count as u64)) | (count >= nb ? 0 : src >> ((nb - count) as u64))) & m;
    if (count == nb) r = src;
    cf = (dst >> ((nb - count) as u64)) & 1;
  } else {
    r = ((dst >> (count as u64)) | (count >= nb ? 0 : src << ((nb - count) as u64))) & m;
    if (count == nb) r = src;
    cf = (dst >> ((count - 1) as u64)) & 1;
  }
  const ovf = msb(r, size) != msb(dst, size);
  setResultFlags(r, size, (cf != 0 ? F_CF : 0) | (ovf ? F_OF : 0));
  return r;
}

// ---------------------------------------------------------------------------
// Multiply and divide. 128-bit products and dividends are kept as (hi, lo).

export let mulHi: u64 = 0;

/** Unsigned 64x64 → 128; returns the low half, high half in mulHi. */
export function mulU128(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff, a1 = a >> 32, b0 = b & 0xffffffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  mulHi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return (mid << 32) | (p00 & 0xffffffff);
}

/** Signed 64x64 → 128. */
export function mulS128(a: u64, b: u64): u64 {
  const lo = mulU128(a, b);
  let hi = mulHi;
  if ((a as i64) < 0) hi -= b;
  if ((b as i64) < 0) hi -= a;
  mulHi = hi;
  return lo;
}

/** Sets CF=OF for a multiply (overflow into the high half) and the result flags. */
export function setMulFlags(lo: u64, size: i32, overflow: bool): void {
  setResultFlags(lo, size, overflow ? F_CF | F_OF : 0);
}

export let divRem: u64 = 0;
export let divError: bool = false;

/** Unsigned (hi:lo) / d for 64-bit operands; sets divError on #DE. */
export function divU128(hi: u64, lo: u64, d: u64): u64 {
  divError = false;
  if (d == 0 || hi >= d) { divError = true; return 0; }
  if (hi == 0) { divRem = lo % d; return lo / d; }
  let q: u64 = 0;
  let r = hi;
  for (let i = 63; i >= 0; i--) {
    const top = r >> 63;
    r = (r << 1) | ((lo >> (i as u64)) & 1);
    q <<= 1;
    if (top != 0 || r >= d) { r -= d; q |= 1; }
  }
  divRem = r;
  return q;
}

/** Signed (hi:lo) / d for 64-bit operands. */
export function divS128(hi: u64, lo: u64, d: u64): u64 {
  const negN = (hi as i64) < 0;
  const negD = (d as i64) < 0;
  let nh = hi, nl = lo;
  if (negN) { nl = 0 - lo; nh = ~hi + (lo == 0 ? 1 : 0); }
  const ad = negD ? 0 - d : d;
  let q = divU128(nh, nl, ad);
  if (divError) return 0;
  let r = divRem;
  if (negN != negD) {
    if (q > 0x8000000000000000) { divError = true; return 0; }
    q = 0 - q;
  } else if (q > 0x7fffffffffffffff) { divError = true; return 0; }
  if (negN) r = 0 - r;
  divRem = r;
  return q;
}

// ---------------------------------------------------------------------------
// Bit scans and counts

/** BSF/BSR: returns -1 (and sets ZF) for a zero source: the destination stays. */
export function bitScan(v: u64, size: i32, reverse: bool): i64 {
  v &= sizeMask(size);
  flushFlags();
  if (v == 0) {
    setEflags(eflags | F_ZF);
    return -1;
  }
  setEflags(eflags & ~F_ZF);
  return reverse ? (63 - clz<u64>(v)) as i64 : ctz<u64>(v) as i64;
}

export function popcount(v: u64, size: i32): u64 {
  v &= sizeMask(size);
  const r = popcnt<u64>(v);
  // POPCNT clears OF SF ZF AF CF PF, then sets ZF for a zero source.
  flushFlags();
  setEflags((eflags & ~0x8d5) | (v == 0 ? F_ZF : 0));
  return r;
}

/** BT/BTS/BTR/BTC on a value: op 0 test, 1 set, 2 reset, 3 complement. */
export function bitOp(v: u64, bit: u32, op: i32): u64 {
  const mask: u64 = (1 as u64) << (bit as u64);
  const cf = (v & mask) != 0;
  flushFlags();
  setEflags(cf ? eflags | F_CF : eflags & ~F_CF);
  if (op == 1) return v | mask;
  if (op == 2) return v & ~mask;
  if (op == 3) return v ^ mask;
  return v;
}

/** The flags after a multiply step that leaves AF undefined but defined here as 0. */
export function clearAF(): void {
  setEflags(getEflags() & ~F_AF);
}

export { getOF };

/** TZCNT (trailing) / LZCNT (leading): CF = source was zero, ZF = result is zero. */
export function countZeros(v: u64, size: i32, leading: bool): u64 {
  const nb = (size as u64) << 3;
  v &= sizeMask(size);
  let r: u64;
  if (v == 0) r = nb;
  else if (leading) r = clz<u64>(v) - (64 - nb);
  else r = ctz<u64>(v);
  flushFlags();
  let f = eflags & ~(F_CF | F_ZF);
  if (v == 0) f |= F_CF;
  if (r == 0) f |= F_ZF;
  setEflags(f);
  return r;
}

/** The 32-bit-mode BCD adjustments: DAA 27, DAS 2F, AAA 37, AAS 3F, AAM D4, AAD D5. */
export function bcdAdjust(op: u32): void {
  const rax = gpr(0);
  let al = (rax & 0xff) as u32;
  let ah = ((rax >> 8) & 0xff) as u32;
  const cf = getCF();
  const af = getAF();
  flushFlags();
  let f = eflags;
  switch (op) {
    case 0x27: case 0x2f: { // DAA / DAS
      const oldAl = al;
      let newCf = false;
      let newAf = false;
      if ((al & 0xf) > 9 || af) {
        newCf = cf || (op == 0x27 ? al + 6 > 0xff : al < 6);
        al = (op == 0x27 ? al + 6 : al - 6) & 0xff;
        newAf = true;
      }
      if (oldAl > 0x99 || cf) {
        al = (op == 0x27 ? al + 0x60 : al - 0x60) & 0xff;
        newCf = true;
      }
      f &= ~(F_CF | F_AF | F_ZF | F_SF | F_PF | F_OF);
      if (newCf) f |= F_CF;
      if (newAf) f |= F_AF;
      f |= szp(al);
      setGpr(0, (rax & ~(0xff as u64)) | al);
      break;
    }
    case 0x37: case 0x3f: { // AAA / AAS
      f &= ~(F_CF | F_AF);
      // Current CPUs adjust AX as a whole: AAA adds 0x106, AAS subtracts 6 then 1 from AH.
      let ax = (ah << 8) | al;
      if ((al & 0xf) > 9 || af) {
        ax = op == 0x37 ? ax + 0x106 : ax - 6 - 0x100;
        f |= F_CF | F_AF;
      }
      ax = (ax & 0xff00) | (ax & 0xf);
      setGpr(0, (rax & ~(0xffff as u64)) | (ax & 0xffff));
      break;
    }
    case 0xd4: { // AAM imm8
      const base = (dImm() & 0xff) as u32;
      ah = al / base;
      al = al % base;
      f = (f & ~(F_ZF | F_SF | F_PF | F_CF | F_OF | F_AF)) | szp(al);
      setGpr(0, (rax & ~(0xffff as u64)) | (ah << 8) | al);
      break;
    }
    default: { // AAD imm8
      const base = (dImm() & 0xff) as u32;
      al = (al + ah * base) & 0xff;
      f = (f & ~(F_ZF | F_SF | F_PF | F_CF | F_OF | F_AF)) | szp(al);
      setGpr(0, (rax & ~(0xffff as u64)) | al);
      break;
    }
  }
  setEflags(f);
}

function szp(v: u32): u32 {
  let f: u32 = 0;
  if (v == 0) f |= F_ZF;
  if ((v & 0x80) != 0) f |= F_SF;
  if ((popcnt<u32>(v) & 1) == 0) f |= F_PF;
  return f;
}
