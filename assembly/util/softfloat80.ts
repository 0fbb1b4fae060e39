// x87 double-extended values (80-bit: u64 significand with an explicit integer
// bit, u16 sign|exponent, bias 16383) for the x87 in cpu/ops/x87*.ts.
//
// Exact: loads and stores of every memory format (m32/m64/m80 floats, m16/m32/m64
// integers, m80 BCD), compares, FCHS/FABS, FRNDINT, FSCALE, FXTRACT, FPREM and
// FPREM1. Arithmetic (FADD FSUB FMUL FDIV FSQRT) runs through softfloat.ts's
// cores with the x87's full exponent range but a 53-bit significand: precision
// control 24 is honoured; 53 is exact; 64 (the Linux default) is computed as 53
// (operands keep 63 bits for add/mul, 53 for div/sqrt). Transcendentals use
// wasm f64 math. Results are in fxSig/fxSe.
import {
  sfFlags, sfRaise, sfRound, sfUeUnmasked, sfSetFlags, sfSetRound, sfSetRoundedUp, roundPack, mul128, mulHi128,
  SF_IE, SF_DE, SF_ZE, SF_OE, SF_UE, SF_PE, RC_NEAR, RC_DOWN, RC_UP, RC_ZERO, BIAS32, BIAS64,
  CMP_LT, CMP_EQ, CMP_GT, CMP_UN, NAN32, NAN64,
} from "./softfloat";

// @ts-ignore: decorator
@inline export const BIAS80: i32 = 16444;
// @ts-ignore: decorator
@inline export const INT_BIT: u64 = 0x8000000000000000;
// @ts-ignore: decorator
@inline export const QUIET_BIT: u64 = 0x4000000000000000;
/** Real indefinite: the default QNaN. */
// @ts-ignore: decorator
@inline export const INDEF_SIG: u64 = 0xc000000000000000;
// @ts-ignore: decorator
@inline export const INDEF_SE: u32 = 0xffff;

export let fxSig: u64 = 0;
export let fxSe: u32 = 0;

// @ts-ignore: decorator
@inline function set(sig: u64, se: u32): void { fxSig = sig; fxSe = se; }
// @ts-ignore: decorator
@inline function indefinite(): void { fxSig = INDEF_SIG; fxSe = INDEF_SE; }

// Classes (FXAM's vocabulary).
// @ts-ignore: decorator
@inline export const K_ZERO: i32 = 0;
// @ts-ignore: decorator
@inline export const K_NORMAL: i32 = 1;
// @ts-ignore: decorator
@inline export const K_DENORMAL: i32 = 2;
// @ts-ignore: decorator
@inline export const K_INF: i32 = 3;
// @ts-ignore: decorator
@inline export const K_QNAN: i32 = 4;
// @ts-ignore: decorator
@inline export const K_SNAN: i32 = 5;
// @ts-ignore: decorator
@inline export const K_UNSUPPORTED: i32 = 6; // unnormals, pseudo-NaN/-infinity

export function class80(sig: u64, se: u32): i32 {
  const e = se & 0x7fff;
  if (e == 0x7fff) {
    if ((sig & INT_BIT) == 0) return K_UNSUPPORTED;
    if ((sig << 1) == 0) return K_INF;
    return (sig & QUIET_BIT) != 0 ? K_QNAN : K_SNAN;
  }
  if (e == 0) return sig == 0 ? K_ZERO : K_DENORMAL; // pseudo-denormals count as denormals
  return (sig & INT_BIT) != 0 ? K_NORMAL : K_UNSUPPORTED;
}

// @ts-ignore: decorator
@inline function isNaNK(k: i32): bool { return k == K_QNAN || k == K_SNAN; }

/** Normalized exponent/significand of a finite non-zero value: value =
 * nSig * 2^(nExp - 16446) with nSig's bit 63 set (nExp may go below 1). */
let nExp: i32 = 0;
let nSig: u64 = 0;
function normalize(sig: u64, se: u32): void {
  let e = (se & 0x7fff) as i32;
  if (e == 0) e = 1;
  const k = clz<u64>(sig) as i32;
  nSig = sig << (k as u64);
  nExp = e - k;
}

// ---------------------------------------------------------------------------
// Wide (128-bit) significands: value = (hi:lo) * 2^(e - 16383 - 127), so a
// normalized (hi:lo) has bit 127 set and e is the biased exponent. 64 guard bits
// below a 64-bit significand make every operation correctly rounded.

let wHi: u64 = 0;
let wLo: u64 = 0;

/** (hi:lo) >> n, the bits shifted out jammed into bit 0; into wHi:wLo. */
function shr128Jam(hi: u64, lo: u64, n: i32): void {
  if (n <= 0) { wHi = hi; wLo = lo; return; }
  if (n < 64) {
    const s = n as u64;
    wLo = (lo >> s) | (hi << (64 - s)) | ((lo << (64 - s)) != 0 ? 1 : 0);
    wHi = hi >> s;
    return;
  }
  wHi = 0;
  if (n == 64) { wLo = hi | (lo != 0 ? 1 : 0); return; }
  if (n < 128) {
    const s = (n - 64) as u64;
    wLo = (hi >> s) | ((hi << (64 - s)) != 0 || lo != 0 ? 1 : 0);
    return;
  }
  wLo = (hi | lo) != 0 ? 1 : 0;
}

/** Rounds (hi:lo) (bit 127 set) * 2^(e - 16510) to `prec` (24, 53 or 64) bits
 * and the 80-bit range in the current mode; result in fxSig/fxSe. Tininess is
 * detected before rounding, as the x87 does. */
export function roundPackX(sign: bool, e: i32, hi: u64, lo: u64, prec: i32): void {
  const signBit: u32 = sign ? 0x8000 : 0;
  const rm = sfRound;
  sfSetRoundedUp(false);
  let tiny = false;
  if (e < 1) {
    tiny = true;
    shr128Jam(hi, lo, 1 - e);
    hi = wHi; lo = wLo;
    e = 1;
  }
  let k: u64, r: u64;
  if (prec == 64) { k = hi; r = lo; }
  else { k = hi >> ((64 - prec) as u64); r = (hi << (prec as u64)) | (lo != 0 ? 1 : 0); }
  let up = false;
  if (r != 0) {
    sfRaise(SF_PE);
    if (rm == RC_NEAR) up = r > INT_BIT || (r == INT_BIT && (k & 1) != 0);
    else if (rm != RC_ZERO) up = rm == (sign ? RC_DOWN : RC_UP);
  }
  if (tiny && (r != 0 || sfUeUnmasked)) sfRaise(SF_UE);
  if (up) {
    k++;
    if (prec == 64 ? k == 0 : (k >> (prec as u64)) != 0) { k = (1 as u64) << ((prec - 1) as u64); e++; }
  }
  if (e > 0x7ffe) {
    sfRaise(SF_OE | SF_PE);
    const toInf = rm == RC_NEAR || rm == (sign ? RC_DOWN : RC_UP);
    sfSetRoundedUp(toInf);
    if (toInf) set(INT_BIT, signBit | 0x7fff);
    else set(((0xffffffffffffffff as u64) >> ((64 - prec) as u64)) << ((64 - prec) as u64), signBit | 0x7ffe);
    return;
  }
  sfSetRoundedUp(up);
  const sig = prec == 64 ? k : k << ((64 - prec) as u64);
  if (sig == 0) { set(0, signBit); return; }
  set(sig, signBit | ((sig & INT_BIT) != 0 ? e as u32 : 0));
}

/** Precision control (FCW.PC): results round to 24, 53 or 64 bits. */
export let x87Prec: i32 = 64;
export function setX87Prec(pc: u32): void { x87Prec = pc == 0 ? 24 : pc == 2 ? 53 : 64; }

/** x + 0 and 0 + x: the operand, rounded to the precision control. */
function passThrough(sig: u64, se: u32): void {
  normalize(sig, se);
  roundPackX((se & 0x8000) != 0, nExp, nSig, 0, x87Prec);
}

// ---------------------------------------------------------------------------
// NaN rules (SDM Vol. 1, Table 4-7, x87 column)

/** Result of an operation with a NaN or unsupported operand. */
function nanResult(aSig: u64, aSe: u32, ka: i32, bSig: u64, bSe: u32, kb: i32): void {
  if (ka == K_UNSUPPORTED || kb == K_UNSUPPORTED) { sfRaise(SF_IE); indefinite(); return; }
  if (ka == K_SNAN || kb == K_SNAN) sfRaise(SF_IE);
  if (isNaNK(ka) && isNaNK(kb)) {
    if (ka != kb) { // SNaN and QNaN: the QNaN
      if (ka == K_QNAN) set(aSig, aSe); else set(bSig, bSe);
      return;
    }
    const sa = aSig | QUIET_BIT, sb = bSig | QUIET_BIT;
    if (sa >= sb) set(sa, aSe); else set(sb, bSe);
    return;
  }
  if (isNaNK(ka)) set(aSig | QUIET_BIT, aSe); else set(bSig | QUIET_BIT, bSe);
}

// ---------------------------------------------------------------------------
// Arithmetic

function denormalCheck(ka: i32, kb: i32): void {
  if (ka == K_DENORMAL || kb == K_DENORMAL) sfRaise(SF_DE);
}

export function f80Add(aSig: u64, aSe: u32, bSig: u64, bSe: u32, sub: bool): void {
  const ka = class80(aSig, aSe), kb = class80(bSig, bSe);
  if (ka >= K_QNAN || kb >= K_QNAN) { nanResult(aSig, aSe, ka, bSig, bSe, kb); return; }
  denormalCheck(ka, kb);
  if (sub) bSe ^= 0x8000;
  let sa = (aSe & 0x8000) != 0;
  let sb = (bSe & 0x8000) != 0;
  if (ka == K_INF || kb == K_INF) {
    if (ka == K_INF && kb == K_INF && sa != sb) { sfRaise(SF_IE); indefinite(); return; }
    if (ka == K_INF) set(aSig, aSe); else set(bSig, bSe);
    return;
  }
  if (ka == K_ZERO && kb == K_ZERO) {
    set(0, sa == sb ? aSe & 0x8000 : (sfRound == RC_DOWN ? 0x8000 : 0));
    return;
  }
  if (ka == K_ZERO) { passThrough(bSig, bSe); return; }
  if (kb == K_ZERO) { passThrough(aSig, aSe); return; }
  normalize(aSig, aSe);
  let ea = nExp, ma = nSig;
  normalize(bSig, bSe);
  let eb = nExp, mb = nSig;
  if (eb > ea || (eb == ea && mb > ma)) {
    const te = ea; ea = eb; eb = te;
    const tm = ma; ma = mb; mb = tm;
    const ts = sa; sa = sb; sb = ts;
  }
  // A = (ma:0) >> 1, B = (mb:0) >> (d + 1): the top bit is room for a carry.
  const aHi = ma >> 1, aLo = ma << 63;
  shr128Jam(mb, 0, ea - eb + 1);
  let hi: u64, lo: u64;
  if (sa == sb) {
    lo = aLo + wLo;
    hi = aHi + wHi + (lo < aLo ? 1 : 0);
  } else {
    lo = aLo - wLo;
    hi = aHi - wHi - (aLo < wLo ? 1 : 0);
    if ((hi | lo) == 0) { set(0, sfRound == RC_DOWN ? 0x8000 : 0); return; }
  }
  const k = (hi != 0 ? clz<u64>(hi) : 64 + clz<u64>(lo)) as i32;
  if (k >= 64) { hi = lo << ((k - 64) as u64); lo = 0; }
  else if (k > 0) { hi = (hi << (k as u64)) | (lo >> ((64 - k) as u64)); lo <<= k as u64; }
  roundPackX(sa, ea + 1 - k, hi, lo, x87Prec);
}

export function f80Mul(aSig: u64, aSe: u32, bSig: u64, bSe: u32): void {
  const ka = class80(aSig, aSe), kb = class80(bSig, bSe);
  if (ka >= K_QNAN || kb >= K_QNAN) { nanResult(aSig, aSe, ka, bSig, bSe, kb); return; }
  denormalCheck(ka, kb);
  const sign = (aSe ^ bSe) & 0x8000;
  if (ka == K_INF || kb == K_INF) {
    if (ka == K_ZERO || kb == K_ZERO) { sfRaise(SF_IE); indefinite(); return; }
    set(INT_BIT, sign | 0x7fff);
    return;
  }
  if (ka == K_ZERO || kb == K_ZERO) { set(0, sign); return; }
  normalize(aSig, aSe);
  const ea = nExp, ma = nSig;
  normalize(bSig, bSe);
  let lo = mul128(ma, nSig);
  let hi = mulHi128;
  let e = ea + nExp - 16382;
  if ((hi & INT_BIT) == 0) { hi = (hi << 1) | (lo >> 63); lo <<= 1; e--; }
  roundPackX(sign != 0, e, hi, lo, x87Prec);
}

export function f80Div(aSig: u64, aSe: u32, bSig: u64, bSe: u32): void {
  const ka = class80(aSig, aSe), kb = class80(bSig, bSe);
  if (ka >= K_QNAN || kb >= K_QNAN) { nanResult(aSig, aSe, ka, bSig, bSe, kb); return; }
  const sign = (aSe ^ bSe) & 0x8000;
  if (ka == K_INF) {
    if (kb == K_INF) { sfRaise(SF_IE); indefinite(); return; }
    denormalCheck(ka, kb);
    set(INT_BIT, sign | 0x7fff);
    return;
  }
  if (kb == K_ZERO) {
    if (ka == K_ZERO) { sfRaise(SF_IE); indefinite(); return; }
    sfRaise(SF_ZE); // a denormal dividend is not reported (checked on the CPU)
    set(INT_BIT, sign | 0x7fff);
    return;
  }
  denormalCheck(ka, kb);
  if (kb == K_INF || ka == K_ZERO) { set(0, sign); return; }
  normalize(aSig, aSe);
  const ea = nExp, ma = nSig;
  normalize(bSig, bSe);
  const mb = nSig;
  let e = ea - nExp + 16383;
  // 65 quotient bits (integer bit at 64) by long division, then a sticky bit.
  let r = ma;
  let carry = false;
  if (ma < mb) { carry = (r >> 63) != 0; r <<= 1; e--; }
  let qh: u64 = 0, ql: u64 = 0;
  for (let i = 0; i < 65; i++) {
    qh = (qh << 1) | (ql >> 63);
    ql <<= 1;
    if (carry || r >= mb) { r -= mb; ql |= 1; }
    carry = (r >> 63) != 0;
    r <<= 1;
  }
  const sticky: u64 = r != 0 || carry ? 1 : 0;
  roundPackX(sign != 0, e, (qh << 63) | (ql >> 1), (ql << 63) | sticky, x87Prec);
}

export function f80Sqrt(aSig: u64, aSe: u32): void {
  const ka = class80(aSig, aSe);
  if (ka >= K_QNAN) { nanResult(aSig, aSe, ka, aSig, aSe, ka); return; }
  if (ka == K_ZERO) { set(aSig, aSe); return; }
  if ((aSe & 0x8000) != 0) { sfRaise(SF_IE); indefinite(); return; }
  denormalCheck(ka, ka);
  if (ka == K_INF) { set(aSig, aSe); return; }
  normalize(aSig, aSe);
  // value = nSig * 2^t; radicand N = nSig * 2^(63 or 64) in [2^126, 2^128) so that
  // the exponent left over is even; the root is then 64 bits.
  const t = nExp - 16446;
  let nh: u64, nl: u64, half: i32;
  if ((t & 1) != 0) { nh = nSig >> 1; nl = nSig << 63; half = (t - 63) >> 1; }
  else { nh = nSig; nl = 0; half = (t - 64) >> 1; }
  let remH: u64 = 0, remL: u64 = 0, root: u64 = 0;
  for (let i = 0; i < 64; i++) {
    const two = nh >> 62;
    nh = (nh << 2) | (nl >> 62);
    nl <<= 2;
    remH = (remH << 2) | (remL >> 62);
    remL = (remL << 2) | two;
    const tH = root >> 62, tL = (root << 2) | 1;
    if (remH > tH || (remH == tH && remL >= tL)) {
      const b: u64 = remL < tL ? 1 : 0;
      remL -= tL;
      remH = remH - tH - b;
      root = (root << 1) | 1;
    } else root <<= 1;
  }
  // Guard bit: the true root exceeds root + 1/2 exactly when rem > root.
  const guard = remH != 0 || remL > root;
  const lo: u64 = guard ? INT_BIT | 1 : ((remH | remL) != 0 ? 1 : 0);
  roundPackX(false, 16446 + half, root, lo, x87Prec);
}

// ---------------------------------------------------------------------------
// Conversions

/** binary64 → 80-bit, exact. An SNaN raises IE and is quieted; a denormal raises DE. */
export function f80FromF64(v: u64): void {
  const sign: u32 = ((v >> 48) as u32) & 0x8000;
  const e = ((v >> 52) & 0x7ff) as i32;
  const f = v & 0x000fffffffffffff;
  if (e == 0x7ff) {
    if (f != 0 && (f & 0x0008000000000000) == 0) { sfRaise(SF_IE); set(INT_BIT | QUIET_BIT | (f << 11), sign | 0x7fff); return; }
    set(INT_BIT | (f << 11), sign | 0x7fff);
    return;
  }
  if (e == 0) {
    if (f == 0) { set(0, sign); return; }
    sfRaise(SF_DE);
    const k = clz<u64>(f) as i32;
    set(f << (k as u64), sign | ((15372 - k) as u32));
    return;
  }
  set(INT_BIT | (f << 11), sign | ((e - 1023 + 16383) as u32));
}

/** binary32 → 80-bit, exact (via binary64, which holds every binary32). */
export function f80FromF32(v: u32): void {
  if ((v & 0x7fffffff) > 0x7f800000) { // NaN: the payload moves up with the quiet bit
    f80FromF64((((v & 0x80000000) as u64) << 32) | 0x7ff0000000000000 | (((v & 0x7fffff) as u64) << 29));
    return;
  }
  if ((v & 0x7f800000) == 0 && (v & 0x7fffff) != 0) sfRaise(SF_DE);
  f80FromF64(reinterpret<u64>(<f64>reinterpret<f32>(v)));
}

/** 80-bit → binary64 in the current rounding mode (FST m64). */
export function f80ToF64(sig: u64, se: u32): u64 {
  const k = class80(sig, se);
  const sign: u64 = ((se & 0x8000) as u64) << 48;
  switch (k) {
    case K_ZERO: return sign;
    case K_INF: return sign | 0x7ff0000000000000;
    case K_UNSUPPORTED: sfRaise(SF_IE); return NAN64;
    case K_SNAN: sfRaise(SF_IE); // fall through
    case K_QNAN: return sign | 0x7ff8000000000000 | ((sig >> 11) & 0x000fffffffffffff);
  }
  normalize(sig, se); // (stores do not report denormal operands)
  return roundPack((se & 0x8000) != 0, nExp - 1 - BIAS80 + BIAS64, (nSig >> 1) | (nSig & 1), 52);
}

/** 80-bit → binary32 in the current rounding mode (FST m32). */
export function f80ToF32(sig: u64, se: u32): u32 {
  const k = class80(sig, se);
  const sign: u32 = (se & 0x8000) << 16;
  switch (k) {
    case K_ZERO: return sign;
    case K_INF: return sign | 0x7f800000;
    case K_UNSUPPORTED: sfRaise(SF_IE); return NAN32;
    case K_SNAN: sfRaise(SF_IE); // fall through
    case K_QNAN: return sign | 0x7fc00000 | ((sig >> 40) as u32 & 0x3fffff);
  }
  normalize(sig, se);
  return roundPack((se & 0x8000) != 0, nExp - 1 - BIAS80 + BIAS32, (nSig >> 1) | (nSig & 1), 23) as u32;
}

/** 80-bit → binary64 rounded to nearest, for transcendental arguments (no flags). */
export function f80ToF64Value(sig: u64, se: u32): f64 {
  const saved = sfFlags;
  const savedRound = sfRound;
  sfSetRound(RC_NEAR);
  const r = f80ToF64(sig, se);
  sfSetRound(savedRound);
  sfSetFlags(saved);
  return reinterpret<f64>(r);
}

/** Rounds nSig * 2^-shift (shift >= 1 fraction bits) to an integer in mode `rm`;
 * PE if inexact. */
function roundFraction(neg: bool, sig: u64, shift: i32, rm: u32): u64 {
  let ip: u64, rem: u64;
  if (shift >= 64) { ip = 0; rem = shift == 64 ? sig : 1; }
  else { ip = sig >> (shift as u64); rem = sig << ((64 - shift) as u64); }
  if (rem == 0) { sfSetRoundedUp(false); return ip; }
  sfRaise(SF_PE);
  let up: bool;
  if (rm == RC_NEAR) up = rem > INT_BIT || (rem == INT_BIT && (ip & 1) != 0);
  else if (rm == RC_ZERO) up = false;
  else up = rm == (neg ? RC_DOWN : RC_UP);
  sfSetRoundedUp(up);
  return up ? ip + 1 : ip;
}
/** Signed integer → 80-bit, exact (FILD). */
export function f80FromI64(v: i64): void {
  if (v == 0) { set(0, 0); return; }
  const sign: u32 = v < 0 ? 0x8000 : 0;
  const m: u64 = v < 0 ? 0 - (v as u64) : v as u64;
  const k = clz<u64>(m) as i32;
  set(m << (k as u64), sign | ((16383 + 63 - k) as u32));
}

/** 80-bit → signed integer of `bits` (16/32/64) in mode `rm` (FIST/FISTP/FISTTP);
 * NaN, infinity and out-of-range values give the integer indefinite with IE. */
export function f80ToInt(sig: u64, se: u32, bits: i32, rm: u32): u64 {
  const k = class80(sig, se);
  const lim: u64 = (1 as u64) << ((bits - 1) as u64);
  const indef: u64 = lim;
  if (k == K_ZERO) return 0;
  if (k >= K_INF) { sfRaise(SF_IE); return indef; }
  normalize(sig, se);
  const neg = (se & 0x8000) != 0;
  // value = nSig * 2^(nExp - 16446): integer part with the fraction's rounding.
  const shift = 16446 - nExp;
  let m: u64;
  const saved = sfFlags;
  if (shift <= 0) {
    if (shift < 0) { sfSetFlags(saved | SF_IE); return indef; }
    m = nSig;
  } else {
    m = roundFraction(neg, nSig, shift, rm);
  }
  if (m > lim || (m == lim && !neg)) { sfSetFlags(saved | SF_IE); return indef; }
  const r: u64 = neg ? 0 - m : m;
  return bits == 64 ? r : r & (((1 as u64) << (bits as u64)) - 1);
}

/** FRNDINT: rounds to an integral value in mode `rm`, exactly. */
export function f80RoundInt(sig: u64, se: u32, rm: u32): void {
  const k = class80(sig, se);
  if (k >= K_QNAN) { nanResult(sig, se, k, sig, se, k); return; }
  if (k == K_ZERO || k == K_INF) { set(sig, se); return; }
  if (k == K_DENORMAL) sfRaise(SF_DE);
  normalize(sig, se);
  if (nExp >= 16446) { set(sig, se); return; } // already integral
  const neg = (se & 0x8000) != 0;
  const m = roundFraction(neg, nSig, 16446 - nExp, rm);
  if (m == 0) { set(0, se & 0x8000); return; }
  f80FromI64(m as i64);
  fxSe |= se & 0x8000;
}

// ---------------------------------------------------------------------------
// Compare

/** Orders two 80-bit values exactly. IE for SNaN, unsupported operands, or any
 * NaN when `quietSignals` (FCOM); DE for denormals. */
export function f80Cmp(aSig: u64, aSe: u32, bSig: u64, bSe: u32, quietSignals: bool): i32 {
  const ka = class80(aSig, aSe), kb = class80(bSig, bSe);
  if (ka >= K_QNAN || kb >= K_QNAN) {
    if (quietSignals || ka == K_SNAN || kb == K_SNAN || ka == K_UNSUPPORTED || kb == K_UNSUPPORTED) sfRaise(SF_IE);
    return CMP_UN;
  }
  denormalCheck(ka, kb);
  if (ka == K_ZERO && kb == K_ZERO) return CMP_EQ;
  const na = (aSe & 0x8000) != 0, nb = (bSe & 0x8000) != 0;
  if (ka == K_ZERO) return nb ? CMP_GT : CMP_LT;
  if (kb == K_ZERO) return na ? CMP_LT : CMP_GT;
  if (na != nb) return na ? CMP_LT : CMP_GT;
  // Same sign: compare magnitudes.
  let c: i32;
  if (ka == K_INF || kb == K_INF) {
    c = ka == kb ? 0 : ka == K_INF ? 1 : -1;
  } else {
    normalize(aSig, aSe);
    const ea = nExp, sa = nSig;
    normalize(bSig, bSe);
    c = ea != nExp ? (ea < nExp ? -1 : 1) : sa == nSig ? 0 : sa < nSig ? -1 : 1;
  }
  if (c == 0) return CMP_EQ;
  if (na) c = -c;
  return c < 0 ? CMP_LT : CMP_GT;
}

// ---------------------------------------------------------------------------
// FSCALE, FXTRACT, FPREM/FPREM1

/** FSCALE: a * 2^trunc(b). */
export function f80Scale(aSig: u64, aSe: u32, bSig: u64, bSe: u32): void {
  const ka = class80(aSig, aSe), kb = class80(bSig, bSe);
  if (ka >= K_QNAN || kb >= K_QNAN) { nanResult(aSig, aSe, ka, bSig, bSe, kb); return; }
  denormalCheck(ka, kb);
  const bNeg = (bSe & 0x8000) != 0;
  if (kb == K_INF) {
    if ((ka == K_ZERO && !bNeg) || (ka == K_INF && bNeg)) { sfRaise(SF_IE); indefinite(); return; }
    if (ka == K_ZERO || ka == K_INF) { set(aSig, aSe); return; }
    if (bNeg) set(0, aSe & 0x8000); else set(INT_BIT, (aSe & 0x8000) | 0x7fff);
    return;
  }
  if (ka == K_ZERO || ka == K_INF) { set(aSig, aSe); return; }
  // n = trunc(b), clamped well past the exponent range.
  let n: i32 = 0;
  if (kb != K_ZERO) {
    normalize(bSig, bSe);
    const sh = 16446 - nExp;
    let mag: u64;
    if (sh <= 35) mag = 0x10000000; else mag = sh >= 64 ? 0 : nSig >> (sh as u64);
    if (mag > 0x10000000) mag = 0x10000000;
    n = bNeg ? -(mag as i32) : mag as i32;
  }
  normalize(aSig, aSe);
  const e = nExp + n;
  if (e >= 1 && e <= 0x7ffe) { set(nSig, (aSe & 0x8000) | (e as u32)); return; }
  roundPackX((aSe & 0x8000) != 0, e, nSig, 0, 64);
}

/** FXTRACT: significand (exponent 0) in fxSig/fxSe, unbiased exponent returned
 * as an 80-bit value in xtExpSig/xtExpSe. */
export let xtExpSig: u64 = 0;
export let xtExpSe: u32 = 0;

export function f80Extract(aSig: u64, aSe: u32): void {
  const ka = class80(aSig, aSe);
  if (ka >= K_QNAN) {
    nanResult(aSig, aSe, ka, aSig, aSe, ka);
    xtExpSig = fxSig; xtExpSe = fxSe;
    return;
  }
  if (ka == K_ZERO) {
    sfRaise(SF_ZE);
    xtExpSig = INT_BIT; xtExpSe = 0xffff; // -inf
    set(aSig, aSe);
    return;
  }
  if (ka == K_INF) {
    xtExpSig = INT_BIT; xtExpSe = 0x7fff;
    set(aSig, aSe);
    return;
  }
  if (ka == K_DENORMAL) sfRaise(SF_DE);
  normalize(aSig, aSe);
  const ex = nExp - 16383;
  const sig = nSig;
  f80FromI64(ex as i64);
  xtExpSig = fxSig; xtExpSe = fxSe;
  set(sig, (aSe & 0x8000) | 16383);
}

/** FPREM (`ieee` false: quotient truncated) and FPREM1 (`ieee`: rounded to
 * nearest even). Result in fxSig/fxSe; remQuot = the quotient's low 3 bits;
 * remPartial = reduction incomplete (C2). */
export let remQuot: u32 = 0;
export let remPartial: bool = false;

export function f80Rem(aSig: u64, aSe: u32, bSig: u64, bSe: u32, ieee: bool): void {
  remQuot = 0;
  remPartial = false;
  const ka = class80(aSig, aSe), kb = class80(bSig, bSe);
  if (ka >= K_QNAN || kb >= K_QNAN) { nanResult(aSig, aSe, ka, bSig, bSe, kb); return; }
  if (ka == K_INF || kb == K_ZERO) { sfRaise(SF_IE); indefinite(); return; }
  denormalCheck(ka, kb);
  if (ka == K_ZERO || kb == K_INF) { set(aSig, aSe); return; }
  normalize(aSig, aSe);
  const ex = nExp, mx = nSig;
  normalize(bSig, bSe);
  let ey = nExp;
  const my = nSig;
  const sign = aSe & 0x8000;
  let d = ex - ey;
  if (d < 0) {
    if (ieee && d == -1 && mx > my) {
      // |x| in (|y|/2, |y|): x - sign(x)|y|, magnitude (2my - mx) in x's units.
      remQuot = 1;
      packRem(my - (mx - my), ex, sign ^ 0x8000);
      return;
    }
    set(aSig, aSe);
    return;
  }
  if (d >= 64) {
    // Partial reduction by N = 32 + (d mod 32) quotient bits, as Intel parts do.
    const n = 32 + (d & 31);
    ey = ex - n;
    d = n;
    remPartial = true;
  }
  // Long division, one quotient bit per step; `carry` is the remainder's bit 64.
  let r = mx;
  let q: u64 = 0;
  let carry = false;
  for (let i = 0; i <= d; i++) {
    q <<= 1;
    if (carry || r >= my) { r -= my; q |= 1; }
    if (i < d) { carry = (r >> 63) != 0; r <<= 1; }
  }
  let s = sign;
  if (ieee && !remPartial) {
    const other = my - r; // |y| - r
    if (r > other || (r == other && (q & 1) != 0)) {
      r = other;
      q++;
      s ^= 0x8000;
    }
  }
  remQuot = (q & 7) as u32;
  packRem(r, ey, s);
}

/** Packs r * 2^(e - 16446) (exact) with sign s. */
function packRem(r: u64, e: i32, s: u32): void {
  if (r == 0) { set(0, s); return; }
  const k = clz<u64>(r) as i32;
  let sig = r << (k as u64);
  let ee = e - k;
  if (ee < 1) { sig >>= ((1 - ee) as u64); ee = 0; }
  set(sig, s | (ee as u32));
}

// ---------------------------------------------------------------------------
// Constants (FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ), rounded per RC as the
// CPU does from its wider internal values.

export function f80Const(which: u32, rm: u32): void {
  // which = low 3 bits of D9 E8..EE.
  let sig: u64 = 0, se: u32 = 0, upNear = true;
  switch (which) {
    case 0: set(INT_BIT, 0x3fff); return;
    case 1: sig = 0xd49a784bcd1b8afe; se = 0x4000; upNear = false; break; // log2(10)
    case 2: sig = 0xb8aa3b295c17f0bb; se = 0x3fff; break; // log2(e)
    case 3: sig = 0xc90fdaa22168c234; se = 0x4000; break; // pi
    case 4: sig = 0x9a209a84fbcff798; se = 0x3ffd; break; // log10(2)
    case 5: sig = 0xb17217f7d1cf79ab; se = 0x3ffe; break; // ln(2)
    default: set(0, 0); return;
  }
  // The values above are truncated; the discarded tails are all non-zero.
  if (rm == RC_UP || (rm == RC_NEAR && upNear)) sig++;
  set(sig, se);
}

// ---------------------------------------------------------------------------
// Packed BCD (FBLD / FBSTP)

/** m80bcd → 80-bit (exact; invalid digits are taken as they come). */
export function f80FromBcd(lo: u64, hi: u32): void {
  let v: u64 = 0;
  for (let i = 8; i >= 0; i--) {
    const byte = i == 8 ? (hi & 0xff) : ((lo >> ((i as u64) << 3)) & 0xff) as u32;
    v = v * 100 + ((byte >> 4) * 10 + (byte & 0xf)) as u64;
  }
  f80FromI64(v as i64);
  if ((hi & 0x8000) != 0) fxSe |= 0x8000;
}

/** 80-bit → m80bcd; returns the low 8 bytes, the top 2 in bcdHi. Out of range
 * (|v| >= 10^18) gives the BCD indefinite with IE. */
export let bcdHi: u32 = 0;
export function f80ToBcd(sig: u64, se: u32, rm: u32): u64 {
  const saved = sfFlags;
  const v = f80ToInt(sig, se, 64, rm);
  const neg = (v as i64) < 0;
  const m: u64 = neg ? 0 - v : v;
  if ((sfFlags & SF_IE) != 0 || m >= 1000000000000000000) {
    sfSetFlags(saved | SF_IE);
    bcdHi = 0xffff;
    return 0xc000000000000000;
  }
  let lo: u64 = 0;
  let x = m;
  for (let i: u64 = 0; i < 8; i++) {
    const two = x % 100;
    x /= 100;
    lo |= (((two / 10) << 4) | (two % 10)) << (i << 3);
  }
  const two = x % 100;
  bcdHi = ((((two / 10) << 4) | (two % 10)) as u32) | (se & 0x8000);
  return lo;
}
