// IEEE 754 binary32/binary64 arithmetic with x86 semantics, bit-exact in every
// rounding mode: what SSE/SSE2 (and the x87's double-precision core) compute.
// wasm's f32/f64 arithmetic rounds to nearest-even only and sets no flags, so
// results are built from integer significands here (Berkeley SoftFloat's
// structure), with native f64 division/sqrt as a correctly rounded estimate that
// an exact 128-bit residual check then pins down.
//
// x86 specifics (SDM Vol. 1, 4.8-4.9, 11.5):
//  - tininess is detected after rounding; masked underflow (UE) is raised only
//    when the tiny result is also inexact, unmasked on any tiny result;
//  - FTZ (MXCSR bit 15) flushes tiny results to signed zero with UE|PE when UE
//    is masked; DAZ (bit 6) reads denormal inputs as signed zero without DE;
//  - NaN operands: the first source NaN wins (quieted); SNaN raises IE; an
//    invalid operation gives the default NaN (negative QNaN "real indefinite").
//
// Internal form of a finite non-zero value: sign, exp (i32), sig (u64 with its
// leading one at bit 62), value = sig * 2^(exp - BIAS), BIAS = 188 (binary32)
// or 1084 (binary64), so that a normal operand has exp = biased exponent - 1.

// Exception flags, in MXCSR and x87 FSW bit positions.
// @ts-ignore: decorator
@inline export const SF_IE: u32 = 1;
// @ts-ignore: decorator
@inline export const SF_DE: u32 = 2;
// @ts-ignore: decorator
@inline export const SF_ZE: u32 = 4;
// @ts-ignore: decorator
@inline export const SF_OE: u32 = 8;
// @ts-ignore: decorator
@inline export const SF_UE: u32 = 16;
// @ts-ignore: decorator
@inline export const SF_PE: u32 = 32;

// Rounding control (MXCSR.RC and x87 FCW.RC share the encoding).
// @ts-ignore: decorator
@inline export const RC_NEAR: u32 = 0;
// @ts-ignore: decorator
@inline export const RC_DOWN: u32 = 1;
// @ts-ignore: decorator
@inline export const RC_UP: u32 = 2;
// @ts-ignore: decorator
@inline export const RC_ZERO: u32 = 3;

// @ts-ignore: decorator
@inline export const BIAS32: i32 = 188;
// @ts-ignore: decorator
@inline export const BIAS64: i32 = 1084;

// @ts-ignore: decorator
@inline export const NAN32: u32 = 0xffc00000; // default NaN (real indefinite)
// @ts-ignore: decorator
@inline export const NAN64: u64 = 0xfff8000000000000;
// @ts-ignore: decorator
@inline const SIGN64: u64 = 0x8000000000000000;

/** Flags raised since the last sfBegin(). */
export let sfFlags: u32 = 0;
export let sfRound: u32 = RC_NEAR;
export let sfFtz: bool = false;
export let sfDaz: bool = false;
/** UE unmasked: tiny results raise UE even when exact, and FTZ does not apply. */
export let sfUeUnmasked: bool = false;
/** The last rounding increased the magnitude (the x87 reports it in C1). */
export let sfRoundedUp: bool = false;
export function sfSetRoundedUp(v: bool): void { sfRoundedUp = v; }

/** Loads the rounding mode and DAZ/FTZ/UM from an MXCSR value and clears the flags. */
export function sfBegin(mxcsr: u32): void {
  sfRound = (mxcsr >> 13) & 3;
  sfFtz = (mxcsr & 0x8000) != 0;
  sfDaz = (mxcsr & 0x40) != 0;
  sfUeUnmasked = (mxcsr & 0x800) == 0;
  sfFlags = 0;
}

/** Mode for the x87 (no DAZ/FTZ): rounding control and the underflow mask. */
export function sfBeginX87(rc: u32, ueMasked: bool): void {
  sfRound = rc;
  sfFtz = false;
  sfDaz = false;
  sfUeUnmasked = !ueMasked;
  sfFlags = 0;
}

export function sfRaise(f: u32): void { sfFlags |= f; }
export function sfSetFlags(f: u32): void { sfFlags = f; }
export function sfSetRound(rc: u32): void { sfRound = rc; }

// ---------------------------------------------------------------------------
// Bit helpers

// @ts-ignore: decorator
@inline export function jam(a: u64, dist: i32): u64 {
  if (dist <= 0) return a;
  if (dist >= 63) return a != 0 ? 1 : 0;
  return (a >> (dist as u64)) | ((a << ((64 - dist) as u64)) != 0 ? 1 : 0);
}

/** High half of the last mul128(). */
export let mulHi128: u64 = 0;

/** 64x64 → 128-bit unsigned product: returns the low half, high half in mulHi128. */
export function mul128(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff, a1 = a >> 32, b0 = b & 0xffffffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  mulHi128 = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return (p00 & 0xffffffff) | (mid << 32);
}

// @ts-ignore: decorator
@inline export function isNaN32(a: u32): bool { return (a & 0x7fffffff) > 0x7f800000; }
// @ts-ignore: decorator
@inline export function isSNaN32(a: u32): bool { return isNaN32(a) && (a & 0x00400000) == 0; }
// @ts-ignore: decorator
@inline export function isNaN64(a: u64): bool { return (a & 0x7fffffffffffffff) > 0x7ff0000000000000; }
// @ts-ignore: decorator
@inline export function isSNaN64(a: u64): bool { return isNaN64(a) && (a & 0x0008000000000000) == 0; }
// @ts-ignore: decorator
@inline export function isDenormal32(a: u32): bool { return (a & 0x7f800000) == 0 && (a & 0x007fffff) != 0; }
// @ts-ignore: decorator
@inline export function isDenormal64(a: u64): bool {
  return (a & 0x7ff0000000000000) == 0 && (a & 0x000fffffffffffff) != 0;
}

/** SSE NaN rule for two sources: IE on any SNaN; the first NaN, quieted. */
export function nanPick32(a: u32, b: u32): u32 {
  if (isSNaN32(a) || isSNaN32(b)) sfFlags |= SF_IE;
  return (isNaN32(a) ? a : b) | 0x00400000;
}
export function nanPick64(a: u64, b: u64): u64 {
  if (isSNaN64(a) || isSNaN64(b)) sfFlags |= SF_IE;
  return (isNaN64(a) ? a : b) | 0x0008000000000000;
}

/** DAZ for one operand (inputs that are read as numbers). */
// @ts-ignore: decorator
@inline export function daz32(a: u32): u32 { return sfDaz && isDenormal32(a) ? a & 0x80000000 : a; }
// @ts-ignore: decorator
@inline export function daz64(a: u64): u64 { return sfDaz && isDenormal64(a) ? a & SIGN64 : a; }

// ---------------------------------------------------------------------------
// Unpacking to the internal form. Two operand slots, A and B.

let aSign: bool = false;
let aExp: i32 = 0;
let aSig: u64 = 0;
let bSign: bool = false;
let bExp: i32 = 0;
let bSig: u64 = 0;

/** Loads operand slots for the cores (softfloat80.ts feeds extended values in). */
export function sfSetA(sign: bool, exp: i32, sig: u64): void { aSign = sign; aExp = exp; aSig = sig; }
export function sfSetB(sign: bool, exp: i32, sig: u64): void { bSign = sign; bExp = exp; bSig = sig; }

// Classes.
// @ts-ignore: decorator
@inline const C_ZERO: i32 = 0;
// @ts-ignore: decorator
@inline const C_FINITE: i32 = 1;
// @ts-ignore: decorator
@inline const C_INF: i32 = 2;

/** Unpacks a non-NaN binary32 (DAZ already applied) into slot A or B; returns its class.
 * Raises DE for a denormal. */
function unpack32(x: u32, intoB: bool): i32 {
  const sign = (x >> 31) != 0;
  const e = ((x >> 23) & 0xff) as i32;
  const f = (x & 0x7fffff) as u64;
  let exp: i32, sig: u64;
  if (e == 0xff) { if (intoB) bSign = sign; else aSign = sign; return C_INF; }
  if (e == 0) {
    if (f == 0) { if (intoB) bSign = sign; else aSign = sign; return C_ZERO; }
    sfFlags |= SF_DE;
    const sh = (clz<u64>(f) as i32) - 1;
    sig = f << (sh as u64);
    exp = 39 - sh;
  } else {
    sig = (f | 0x800000) << 39;
    exp = e - 1;
  }
  if (intoB) { bSign = sign; bExp = exp; bSig = sig; } else { aSign = sign; aExp = exp; aSig = sig; }
  return C_FINITE;
}

function unpack64(x: u64, intoB: bool): i32 {
  const sign = (x >> 63) != 0;
  const e = ((x >> 52) & 0x7ff) as i32;
  const f = x & 0x000fffffffffffff;
  let exp: i32, sig: u64;
  if (e == 0x7ff) { if (intoB) bSign = sign; else aSign = sign; return C_INF; }
  if (e == 0) {
    if (f == 0) { if (intoB) bSign = sign; else aSign = sign; return C_ZERO; }
    sfFlags |= SF_DE;
    const sh = (clz<u64>(f) as i32) - 1;
    sig = f << (sh as u64);
    exp = 10 - sh;
  } else {
    sig = (f | 0x0010000000000000) << 10;
    exp = e - 1;
  }
  if (intoB) { bSign = sign; bExp = exp; bSig = sig; } else { aSign = sign; aExp = exp; aSig = sig; }
  return C_FINITE;
}

// ---------------------------------------------------------------------------
// Rounding and packing

/** Rounds sig (leading one at bit 62, or below for tiny values) * 2^(exp - BIAS)
 * to the format (fracBits 23 or 52) in the current mode; returns the bits. */
export function roundPack(sign: bool, exp: i32, sig: u64, fracBits: u32): u64 {
  const expBits: u64 = fracBits == 23 ? 8 : 11;
  const maxExp: i32 = fracBits == 23 ? 0xfd : 0x7fd;
  const shift: u64 = (62 - fracBits) as u64;
  const roundMask: u64 = ((1 as u64) << shift) - 1;
  const half: u64 = (roundMask + 1) >> 1;
  const signBit: u64 = sign ? (1 as u64) << (fracBits as u64 + expBits) : 0;
  const rm = sfRound;
  sfRoundedUp = false;
  let inc: u64 = half;
  if (rm != RC_NEAR) inc = rm == (sign ? RC_DOWN : RC_UP) ? roundMask : 0;
  if ((exp as u32) >= (maxExp as u32)) {
    if (exp < 0) {
      const tiny = exp < -1 || sig + inc < 0x8000000000000000;
      if (tiny && sfFtz && !sfUeUnmasked) {
        sfFlags |= SF_UE | SF_PE;
        return signBit;
      }
      sig = jam(sig, -exp);
      exp = 0;
      if (tiny && ((sig & roundMask) != 0 || sfUeUnmasked)) sfFlags |= SF_UE;
    } else if (exp > maxExp || sig + inc >= 0x8000000000000000) {
      sfFlags |= SF_OE | SF_PE;
      const inf: u64 = ((((1 as u64) << expBits) - 1) << (fracBits as u64)) | signBit;
      sfRoundedUp = inc != 0;
      return inc == 0 ? inf - 1 : inf;
    }
  }
  const roundBits = sig & roundMask;
  let s = (sig + inc) >> shift;
  if (roundBits != 0) sfFlags |= SF_PE;
  if (rm == RC_NEAR && roundBits == half) s &= ~(1 as u64);
  sfRoundedUp = roundBits != 0 && s != (sig >> shift);
  if (s == 0) exp = 0;
  return signBit + ((exp as u64) << (fracBits as u64)) + s;
}

// @ts-ignore: decorator
@inline function pack32(sign: bool, exp: i32, sig: u64): u32 { return roundPack(sign, exp, sig, 23) as u32; }
// @ts-ignore: decorator
@inline function pack64(sign: bool, exp: i32, sig: u64): u64 { return roundPack(sign, exp, sig, 52); }

// ---------------------------------------------------------------------------
// Core operations on slots A and B (finite, non-zero). Result in z*.

export let zSign: bool = false;
export let zExp: i32 = 0;
export let zSig: u64 = 0;
/** The exact sum was zero. */
export let zZero: bool = false;

export function addCore(): void {
  zZero = false;
  let ea = aExp, eb = bExp;
  let sa = aSig >> 1, sb = bSig >> 1; // leading one at bit 61: room for the carry
  let sign = aSign;
  if (ea < eb || (ea == eb && sa < sb)) {
    const te = ea; ea = eb; eb = te;
    const ts = sa; sa = sb; sb = ts;
    sign = bSign;
  }
  sb = jam(sb, ea - eb);
  let v: u64;
  if (aSign == bSign) v = sa + sb;
  else {
    v = sa - sb;
    if (v == 0) { zZero = true; return; }
  }
  // v * 2^(ea + 1 - BIAS): normalize the leading one to bit 62.
  const k = (clz<u64>(v) as i32) - 1;
  zSig = v << (k as u64);
  zExp = ea + 1 - k;
  zSign = sign;
}

export function mulCore(bias: i32): void {
  const lo = mul128(aSig, bSig);
  const hi = mulHi128;
  // Product in [2^124, 2^126).
  if ((hi >> 61) != 0) {
    zSig = (hi << 1) | (lo >> 63) | ((lo << 1) != 0 ? 1 : 0);
    zExp = aExp + bExp - bias + 63;
  } else {
    zSig = (hi << 2) | (lo >> 62) | ((lo << 2) != 0 ? 1 : 0);
    zExp = aExp + bExp - bias + 62;
  }
  zSign = aSign != bSign;
}

/** zSig/zExp from a 53-bit integer estimate q (in [2^52, 2^53]) of an exact value
 * and the sign of (exact - q). */
function fromEstimate(q: u64, cmp: i32, exp: i32): void {
  let s: u64;
  if (q >= 0x0020000000000000) { s = q << 9; exp++; } else s = q << 10;
  if (cmp > 0) s |= 1;
  else if (cmp < 0) s -= 1;
  zSig = s;
  zExp = exp;
}

/** Compares two 128-bit values (hi:lo); -1, 0, 1. */
// @ts-ignore: decorator
@inline function cmp128(ah: u64, al: u64, bh: u64, bl: u64): i32 {
  if (ah != bh) return ah < bh ? -1 : 1;
  if (al != bl) return al < bl ? -1 : 1;
  return 0;
}

export function divCore(bias: i32): void {
  let a = aSig >> 10; // 53-bit integers
  const b = bSig >> 10;
  let exp = aExp - bExp + bias - 62;
  if (a < b) { a <<= 1; exp--; }
  const q = (<f64>a / <f64>b) * 4503599627370496.0; // * 2^52, exact
  const qi = <u64>q;
  // exact - q  ~  a * 2^52 - qi * b
  const pl = mul128(qi, b);
  const ph = mulHi128;
  fromEstimate(qi, cmp128(a >> 12, a << 52, ph, pl), exp);
  zSign = aSign != bSign;
}

export function sqrtCore(bias: i32): void {
  let a = aSig >> 10;
  let t = aExp - bias + 10; // value = a * 2^t
  if ((t & 1) != 0) { a <<= 1; t--; }
  const r = Math.sqrt(<f64>a * 4503599627370496.0); // sqrt(a * 2^52)
  const qi = <u64>r;
  const pl = mul128(qi, qi);
  const ph = mulHi128;
  fromEstimate(qi, cmp128(a >> 12, a << 52, ph, pl), bias + ((t - 52) >> 1) - 10);
  zSign = false;
}

// ---------------------------------------------------------------------------
// binary32

export function sfAdd32(a: u32, b: u32, sub: bool): u32 {
  if (isNaN32(a) || isNaN32(b)) return nanPick32(a, b);
  a = daz32(a); b = daz32(b);
  if (sub) b ^= 0x80000000;
  const ca = unpack32(a, false), cb = unpack32(b, true);
  if (ca == C_INF || cb == C_INF) {
    if (ca == C_INF && cb == C_INF && aSign != bSign) { sfFlags |= SF_IE; return NAN32; }
    return ca == C_INF ? a : b;
  }
  if (ca == C_ZERO) {
    if (cb == C_ZERO) return aSign == bSign ? a : (sfRound == RC_DOWN ? 0x80000000 : 0);
    return pack32(bSign, bExp, bSig);
  }
  if (cb == C_ZERO) return pack32(aSign, aExp, aSig);
  addCore();
  if (zZero) return sfRound == RC_DOWN ? 0x80000000 : 0;
  return pack32(zSign, zExp, zSig);
}

export function sfMul32(a: u32, b: u32): u32 {
  if (isNaN32(a) || isNaN32(b)) return nanPick32(a, b);
  a = daz32(a); b = daz32(b);
  const ca = unpack32(a, false), cb = unpack32(b, true);
  const sign: u32 = (a ^ b) & 0x80000000;
  if (ca == C_INF || cb == C_INF) {
    if (ca == C_ZERO || cb == C_ZERO) { sfFlags |= SF_IE; return NAN32; }
    return sign | 0x7f800000;
  }
  if (ca == C_ZERO || cb == C_ZERO) return sign;
  mulCore(BIAS32);
  return pack32(zSign, zExp, zSig);
}

export function sfDiv32(a: u32, b: u32): u32 {
  if (isNaN32(a) || isNaN32(b)) return nanPick32(a, b);
  a = daz32(a); b = daz32(b);
  const saved = sfFlags;
  const ca = unpack32(a, false), cb = unpack32(b, true);
  const sign: u32 = (a ^ b) & 0x80000000;
  if (ca == C_INF) {
    if (cb == C_INF) { sfFlags |= SF_IE; return NAN32; }
    return sign | 0x7f800000;
  }
  if (cb == C_INF) return sign;
  if (cb == C_ZERO) {
    if (ca == C_ZERO) { sfFlags |= SF_IE; return NAN32; }
    sfFlags = saved | SF_ZE; // a denormal dividend is not reported (checked on the CPU)
    return sign | 0x7f800000;
  }
  if (ca == C_ZERO) return sign;
  divCore(BIAS32);
  return pack32(zSign, zExp, zSig);
}

export function sfSqrt32(a: u32): u32 {
  if (isNaN32(a)) return nanPick32(a, a);
  a = daz32(a);
  // A negative operand is invalid before it is a denormal (no DE).
  if ((a & 0x80000000) != 0 && a != 0x80000000) { sfFlags |= SF_IE; return NAN32; }
  const ca = unpack32(a, false);
  if (ca == C_ZERO) return a;
  if (ca == C_INF) return a;
  sqrtCore(BIAS32);
  return pack32(false, zExp, zSig);
}

// ---------------------------------------------------------------------------
// binary64

export function sfAdd64(a: u64, b: u64, sub: bool): u64 {
  if (isNaN64(a) || isNaN64(b)) return nanPick64(a, b);
  a = daz64(a); b = daz64(b);
  if (sub) b ^= SIGN64;
  const ca = unpack64(a, false), cb = unpack64(b, true);
  if (ca == C_INF || cb == C_INF) {
    if (ca == C_INF && cb == C_INF && aSign != bSign) { sfFlags |= SF_IE; return NAN64; }
    return ca == C_INF ? a : b;
  }
  if (ca == C_ZERO) {
    if (cb == C_ZERO) return aSign == bSign ? a : (sfRound == RC_DOWN ? SIGN64 : 0);
    return pack64(bSign, bExp, bSig);
  }
  if (cb == C_ZERO) return pack64(aSign, aExp, aSig);
  addCore();
  if (zZero) return sfRound == RC_DOWN ? SIGN64 : 0;
  return pack64(zSign, zExp, zSig);
}

export function sfMul64(a: u64, b: u64): u64 {
  if (isNaN64(a) || isNaN64(b)) return nanPick64(a, b);
  a = daz64(a); b = daz64(b);
  const ca = unpack64(a, false), cb = unpack64(b, true);
  const sign = (a ^ b) & SIGN64;
  if (ca == C_INF || cb == C_INF) {
    if (ca == C_ZERO || cb == C_ZERO) { sfFlags |= SF_IE; return NAN64; }
    return sign | 0x7ff0000000000000;
  }
  if (ca == C_ZERO || cb == C_ZERO) return sign;
  mulCore(BIAS64);
  return pack64(zSign, zExp, zSig);
}

export function sfDiv64(a: u64, b: u64): u64 {
  if (isNaN64(a) || isNaN64(b)) return nanPick64(a, b);
  a = daz64(a); b = daz64(b);
  const saved = sfFlags;
  const ca = unpack64(a, false), cb = unpack64(b, true);
  const sign = (a ^ b) & SIGN64;
  if (ca == C_INF) {
    if (cb == C_INF) { sfFlags |= SF_IE; return NAN64; }
    return sign | 0x7ff0000000000000;
  }
  if (cb == C_INF) return sign;
  if (cb == C_ZERO) {
    if (ca == C_ZERO) { sfFlags |= SF_IE; return NAN64; }
    sfFlags = saved | SF_ZE; // a denormal dividend is not reported (checked on the CPU)
    return sign | 0x7ff0000000000000;
  }
  if (ca == C_ZERO) return sign;
  divCore(BIAS64);
  return pack64(zSign, zExp, zSig);
}

export function sfSqrt64(a: u64): u64 {
  if (isNaN64(a)) return nanPick64(a, a);
  a = daz64(a);
  // A negative operand is invalid before it is a denormal (no DE).
  if ((a & SIGN64) != 0 && a != SIGN64) { sfFlags |= SF_IE; return NAN64; }
  const ca = unpack64(a, false);
  if (ca == C_ZERO) return a;
  if (ca == C_INF) return a;
  sqrtCore(BIAS64);
  return pack64(false, zExp, zSig);
}

// ---------------------------------------------------------------------------
// Conversions between the formats

export function sfF32ToF64(a: u32): u64 {
  if (isNaN32(a)) {
    if (isSNaN32(a)) sfFlags |= SF_IE;
    return ((a as u64 & 0x80000000) << 32) | 0x7ff8000000000000 | ((a as u64 & 0x3fffff) << 29);
  }
  a = daz32(a);
  const c = unpack32(a, false);
  if (c == C_ZERO) return (a as u64) << 32;
  if (c == C_INF) return ((a as u64 & 0x80000000) << 32) | 0x7ff0000000000000;
  return pack64(aSign, aExp + (BIAS64 - BIAS32), aSig);
}

export function sfF64ToF32(a: u64): u32 {
  if (isNaN64(a)) {
    if (isSNaN64(a)) sfFlags |= SF_IE;
    return ((a >> 32) as u32 & 0x80000000) | 0x7fc00000 | ((a >> 29) as u32 & 0x3fffff);
  }
  a = daz64(a);
  const c = unpack64(a, false);
  if (c == C_ZERO) return (a >> 32) as u32;
  if (c == C_INF) return ((a >> 32) as u32 & 0x80000000) | 0x7f800000;
  return pack32(aSign, aExp - (BIAS64 - BIAS32), aSig);
}

// ---------------------------------------------------------------------------
// Integer conversions

/** Signed integer → binary32/binary64 in the current rounding mode. */
function intToFloat(v: i64, fracBits: u32, bias: i32): u64 {
  if (v == 0) return 0;
  const sign = v < 0;
  const mag: u64 = sign ? (0 - (v as u64)) : v as u64;
  const k = clz<u64>(mag) as i32;
  let sig: u64;
  if (k >= 1) sig = mag << ((k - 1) as u64);
  else sig = (mag >> 1) | (mag & 1);
  return roundPack(sign, bias + 1 - k, sig, fracBits);
}

export function sfI64ToF32(v: i64): u32 { return intToFloat(v, 23, BIAS32) as u32; }
export function sfI64ToF64(v: i64): u64 { return intToFloat(v, 52, BIAS64); }

/** The magnitude of `sig * 2^(exp - bias)` rounded to an integer (mode `rm`);
 * returns 0xffffffffffffffff (and no flags) when it does not fit in 64 bits. */
export function roundToU64(sign: bool, exp: i32, sig: u64, bias: i32, rm: u32): u64 {
  const shift = bias - exp; // fraction bits in sig
  if (shift < 0) {
    if (shift < -1) return 0xffffffffffffffff;
    return sig << 1; // exactly representable (at most 2^63 wide)
  }
  if (shift == 0) return sig;
  let ip: u64, rem: u64; // integer part and the fraction left-aligned in 64 bits
  if (shift >= 64) { ip = 0; rem = shift == 64 ? sig : 1; }
  else { ip = sig >> (shift as u64); rem = sig << ((64 - shift) as u64); }
  if (rem == 0) return ip;
  sfFlags |= SF_PE;
  let up: bool;
  if (rm == RC_NEAR) up = rem > SIGN64 || (rem == SIGN64 && (ip & 1) != 0);
  else if (rm == RC_ZERO) up = false;
  else up = rm == (sign ? RC_DOWN : RC_UP);
  sfRoundedUp = up;
  return up ? ip + 1 : ip;
}

/** Converts to a signed integer of `bits` (32 or 64) in mode `rm`; NaN, infinity
 * and out-of-range values give the integer indefinite (sign bit only) with IE. */
function floatToInt(cls: i32, bias: i32, bits: i32, rm: u32): u64 {
  const indefinite: u64 = bits == 32 ? 0x80000000 : SIGN64;
  if (cls == C_ZERO) return 0;
  if (cls == C_INF) { sfFlags |= SF_IE; return indefinite; }
  const saved = sfFlags;
  const m = roundToU64(aSign, aExp, aSig, bias, rm);
  const lim: u64 = bits == 32 ? 0x80000000 : SIGN64;
  if (m > lim || (m == lim && !aSign)) {
    sfFlags = saved | SF_IE; // an invalid conversion is not also inexact
    return indefinite;
  }
  const r: u64 = aSign ? 0 - m : m;
  return bits == 32 ? r & 0xffffffff : r;
}

/** CVT(T)SS2SI: `trunc` rounds toward zero, else MXCSR.RC. */
export function sfF32ToInt(a: u32, bits: i32, trunc: bool): u64 {
  if (isNaN32(a)) { sfFlags |= SF_IE; return bits == 32 ? 0x80000000 : SIGN64; }
  a = daz32(a);
  const saved = sfFlags;
  const c = unpack32(a, false);
  sfFlags = saved; // conversions to integer do not report denormal operands
  return floatToInt(c, BIAS32, bits, trunc ? RC_ZERO : sfRound);
}

export function sfF64ToInt(a: u64, bits: i32, trunc: bool): u64 {
  if (isNaN64(a)) { sfFlags |= SF_IE; return bits == 32 ? 0x80000000 : SIGN64; }
  a = daz64(a);
  const saved = sfFlags;
  const c = unpack64(a, false);
  sfFlags = saved;
  return floatToInt(c, BIAS64, bits, trunc ? RC_ZERO : sfRound);
}

// ---------------------------------------------------------------------------
// Comparisons

// @ts-ignore: decorator
@inline export const CMP_LT: i32 = 0;
// @ts-ignore: decorator
@inline export const CMP_EQ: i32 = 1;
// @ts-ignore: decorator
@inline export const CMP_GT: i32 = 2;
// @ts-ignore: decorator
@inline export const CMP_UN: i32 = 3;

/** Orders two binary32 values. IE for SNaN, or any NaN when `quietSignals`. DE for
 * denormals (unless DAZ, which compares them as zero). */
export function sfCmp32(a: u32, b: u32, quietSignals: bool): i32 {
  if (isNaN32(a) || isNaN32(b)) {
    if (quietSignals || isSNaN32(a) || isSNaN32(b)) sfFlags |= SF_IE;
    return CMP_UN;
  }
  if (isDenormal32(a) || isDenormal32(b)) {
    if (sfDaz) { a = daz32(a); b = daz32(b); } else sfFlags |= SF_DE;
  }
  if (((a | b) & 0x7fffffff) == 0 || a == b) return CMP_EQ;
  // Sign-magnitude → ordered integers.
  const ka: i32 = (a as i32) < 0 ? -((a & 0x7fffffff) as i32) : a as i32;
  const kb: i32 = (b as i32) < 0 ? -((b & 0x7fffffff) as i32) : b as i32;
  return ka < kb ? CMP_LT : CMP_GT;
}

export function sfCmp64(a: u64, b: u64, quietSignals: bool): i32 {
  if (isNaN64(a) || isNaN64(b)) {
    if (quietSignals || isSNaN64(a) || isSNaN64(b)) sfFlags |= SF_IE;
    return CMP_UN;
  }
  if (isDenormal64(a) || isDenormal64(b)) {
    if (sfDaz) { a = daz64(a); b = daz64(b); } else sfFlags |= SF_DE;
  }
  if (((a | b) & 0x7fffffffffffffff) == 0 || a == b) return CMP_EQ;
  const ka: i64 = (a as i64) < 0 ? -((a & 0x7fffffffffffffff) as i64) : a as i64;
  const kb: i64 = (b as i64) < 0 ? -((b & 0x7fffffffffffffff) as i64) : b as i64;
  return ka < kb ? CMP_LT : CMP_GT;
}

/** Rounds a binary64 to an integral value in mode `rm` (x87 FRNDINT, SSE4.1-style). */
export function sfRoundInt64(a: u64, rm: u32): u64 {
  if (isNaN64(a)) { if (isSNaN64(a)) sfFlags |= SF_IE; return a | 0x0008000000000000; }
  const e = ((a >> 52) & 0x7ff) as i32;
  if (e >= 1075) return a; // already integral (or infinite)
  const c = unpack64(a, false);
  if (c == C_ZERO) return a;
  const m = roundToU64(aSign, aExp, aSig, BIAS64, rm);
  const r = sfI64ToF64(m as i64); // m < 2^53: exact
  return r | (a & SIGN64);
}
