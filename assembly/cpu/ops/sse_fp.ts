// SSE/SSE2/SSE3 floating point: arithmetic, MIN/MAX, SQRT, RCP/RSQRT, compares,
// COMIS/UCOMIS and the conversions, lane by lane through util/softfloat (exact in
// every MXCSR rounding mode, with DAZ/FTZ and the exception flags).
import {
  sfBegin, sfRaise, sfDaz, sfAdd32, sfAdd64, sfMul32, sfMul64, sfDiv32, sfDiv64, sfSqrt32, sfSqrt64,
  sfF32ToF64, sfF64ToF32, sfI64ToF32, sfI64ToF64, sfF32ToInt, sfF64ToInt, sfCmp32, sfCmp64,
  isNaN32, isNaN64, isDenormal32, isDenormal64, daz32, daz64,
  SF_IE, SF_DE, CMP_LT, CMP_EQ, CMP_GT, CMP_UN,
} from "../../util/softfloat";
import {
  P_NONE, P_66, P_F3, P_F2, RES, xmm, mxcsr, sseGate, mmxGate, sseCommit, srcX, srcXs, srcMm,
  mmSet, mmReg,
} from "./sse_regs";
import { faulted, raiseUD } from "../fault";
import { regf, rexW, isMem, imm } from "../decode";
import { readRM, writeReg } from "./operand";
import { getEflags, setEflags } from "../flags";
import { F_CF, F_PF, F_ZF } from "../state";


// ---------------------------------------------------------------------------
// Lane operations

function minMax32(x: u32, y: u32, max: bool): u32 {
  if (isNaN32(x) || isNaN32(y)) { sfRaise(SF_IE); return daz32(y); } // DAZ applies even here
  if (isDenormal32(x) || isDenormal32(y)) {
    if (sfDaz) { x = daz32(x); y = daz32(y); } else sfRaise(SF_DE);
  }
  const c = sfCmp32(x, y, false);
  return (max ? c == CMP_GT : c == CMP_LT) ? x : y;
}

function minMax64(x: u64, y: u64, max: bool): u64 {
  if (isNaN64(x) || isNaN64(y)) { sfRaise(SF_IE); return daz64(y); } // DAZ applies even here
  if (isDenormal64(x) || isDenormal64(y)) {
    if (sfDaz) { x = daz64(x); y = daz64(y); } else sfRaise(SF_DE);
  }
  const c = sfCmp64(x, y, false);
  return (max ? c == CMP_GT : c == CMP_LT) ? x : y;
}

/** RCPPS/RSQRTPS: 1/x and 1/sqrt(x) to within the architectural 1.5 * 2^-12
 * relative error (these compute them to full single precision). Denormal inputs
 * count as zero, tiny results flush to zero, and no flags are raised. */
function approx32(y: u32, rsqrt: bool): u32 {
  if (isNaN32(y)) return y | 0x00400000;
  const sign = y & 0x80000000;
  if ((y & 0x7f800000) == 0) return sign | 0x7f800000; // ±0 and denormals → ±inf
  if (rsqrt && sign != 0) return 0xffc00000;
  if ((y & 0x7fffffff) == 0x7f800000) return sign; // ±inf → ±0
  const v = <f64>reinterpret<f32>(y);
  const r = <f32>(rsqrt ? 1.0 / Math.sqrt(v) : 1.0 / v);
  const bits = reinterpret<u32>(r);
  if ((bits & 0x7f800000) == 0) return bits & 0x80000000;
  return bits;
}

function lane32(b: u32, x: u32, y: u32): u32 {
  switch (b) {
    case 0x51: return sfSqrt32(y);
    case 0x52: return approx32(y, true);
    case 0x53: return approx32(y, false);
    case 0x58: return sfAdd32(x, y, false);
    case 0x59: return sfMul32(x, y);
    case 0x5c: return sfAdd32(x, y, true);
    case 0x5d: return minMax32(x, y, false);
    case 0x5e: return sfDiv32(x, y);
    default: return minMax32(x, y, true); // 0x5f
  }
}

function lane64(b: u32, x: u64, y: u64): u64 {
  switch (b) {
    case 0x51: return sfSqrt64(y);
    case 0x58: return sfAdd64(x, y, false);
    case 0x59: return sfMul64(x, y);
    case 0x5c: return sfAdd64(x, y, true);
    case 0x5d: return minMax64(x, y, false);
    case 0x5e: return sfDiv64(x, y);
    default: return minMax64(x, y, true); // 0x5f
  }
}

/** 0F 51-5F arithmetic (SQRT RSQRT RCP ADD MUL SUB MIN DIV MAX) in the PS/PD/SS/SD
 * form the prefix selects. */
export function fpArith(b: u32, p: i32): void {
  if ((b == 0x52 || b == 0x53) && (p == P_66 || p == P_F2)) { raiseUD(); return; }
  if (!sseGate()) return;
  const scalar = p >= P_F3;
  const dbl = p == P_66 || p == P_F2;
  const s = scalar ? srcXs(dbl ? 8 : 4) : srcX(true);
  if (faulted) return;
  const d = xmm(regf);
  v128.store(RES, v128.load(d));
  sfBegin(mxcsr());
  if (dbl) {
    const n: usize = scalar ? 1 : 2;
    for (let i: usize = 0; i < n; i++) store<u64>(RES + (i << 3), lane64(b, load<u64>(d + (i << 3)), load<u64>(s + (i << 3))));
  } else {
    const n: usize = scalar ? 1 : 4;
    for (let i: usize = 0; i < n; i++) store<u32>(RES + (i << 2), lane32(b, load<u32>(d + (i << 2)), load<u32>(s + (i << 2))));
  }
  if (!sseCommit()) return;
  v128.store(d, v128.load(RES));
}

/** SSE3 HADDPD/HADDPS/HSUBPD/HSUBPS (0F 7C/7D) and ADDSUBPD/ADDSUBPS (0F D0). */
export function fpHorizontal(b: u32, p: i32): void {
  if (p != P_66 && p != P_F2) { raiseUD(); return; }
  if (!sseGate()) return;
  const s = srcX(true);
  if (faulted) return;
  const d = xmm(regf);
  sfBegin(mxcsr());
  if (p == P_66) {
    const d0 = load<u64>(d), d1 = load<u64>(d, 8), s0 = load<u64>(s), s1 = load<u64>(s, 8);
    if (b == 0xd0) {
      store<u64>(RES, sfAdd64(d0, s0, true));
      store<u64>(RES, sfAdd64(d1, s1, false), 8);
    } else {
      const sub = b == 0x7d;
      store<u64>(RES, sfAdd64(d0, d1, sub));
      store<u64>(RES, sfAdd64(s0, s1, sub), 8);
    }
  } else {
    if (b == 0xd0) {
      for (let i: usize = 0; i < 4; i++) {
        store<u32>(RES + (i << 2), sfAdd32(load<u32>(d + (i << 2)), load<u32>(s + (i << 2)), (i & 1) == 0));
      }
    } else {
      const sub = b == 0x7d;
      store<u32>(RES, sfAdd32(load<u32>(d), load<u32>(d, 4), sub));
      store<u32>(RES, sfAdd32(load<u32>(d, 8), load<u32>(d, 12), sub), 4);
      store<u32>(RES, sfAdd32(load<u32>(s), load<u32>(s, 4), sub), 8);
      store<u32>(RES, sfAdd32(load<u32>(s, 8), load<u32>(s, 12), sub), 12);
    }
  }
  if (!sseCommit()) return;
  v128.store(d, v128.load(RES));
}

// ---------------------------------------------------------------------------
// Compares

/** CMPPS/PD/SS/SD predicate (imm8 bits 2:0) on an ordering. */
// @ts-ignore: decorator
@inline function predicate(pred: u32, c: i32): bool {
  switch (pred) {
    case 0: return c == CMP_EQ;
    case 1: return c == CMP_LT;
    case 2: return c == CMP_LT || c == CMP_EQ;
    case 3: return c == CMP_UN;
    case 4: return c != CMP_EQ;
    case 5: return c != CMP_LT;
    case 6: return c != CMP_LT && c != CMP_EQ;
    default: return c != CMP_UN;
  }
}

/** 0F C2 CMPPS/CMPPD/CMPSS/CMPSD xmm, xmm/m, imm8. */
export function fpCmp(p: i32): void {
  if (!sseGate()) return;
  const scalar = p >= P_F3;
  const dbl = p == P_66 || p == P_F2;
  const s = scalar ? srcXs(dbl ? 8 : 4) : srcX(true);
  if (faulted) return;
  const d = xmm(regf);
  v128.store(RES, v128.load(d));
  const pred = (imm as u32) & 7;
  // LT, LE, NLT, NLE signal on QNaN operands too.
  const signals = pred == 1 || pred == 2 || pred == 5 || pred == 6;
  sfBegin(mxcsr());
  if (dbl) {
    const n: usize = scalar ? 1 : 2;
    for (let i: usize = 0; i < n; i++) {
      const c = sfCmp64(load<u64>(d + (i << 3)), load<u64>(s + (i << 3)), signals);
      store<u64>(RES + (i << 3), predicate(pred, c) ? 0xffffffffffffffff : 0);
    }
  } else {
    const n: usize = scalar ? 1 : 4;
    for (let i: usize = 0; i < n; i++) {
      const c = sfCmp32(load<u32>(d + (i << 2)), load<u32>(s + (i << 2)), signals);
      store<u32>(RES + (i << 2), predicate(pred, c) ? 0xffffffff : 0);
    }
  }
  if (!sseCommit()) return;
  v128.store(d, v128.load(RES));
}

/** 0F 2E/2F UCOMISS/COMISS (no prefix) and UCOMISD/COMISD (66): ZF PF CF from the
 * ordering, OF SF AF cleared. COMIS signals on QNaN too. */
export function fpComi(b: u32, p: i32): void {
  if (p > P_66) { raiseUD(); return; }
  if (!sseGate()) return;
  const dbl = p == P_66;
  const s = srcXs(dbl ? 8 : 4);
  if (faulted) return;
  const d = xmm(regf);
  sfBegin(mxcsr());
  const c = dbl
    ? sfCmp64(load<u64>(d), load<u64>(s), b == 0x2f)
    : sfCmp32(load<u32>(d), load<u32>(s), b == 0x2f);
  if (!sseCommit()) return;
  let f: u32 = 0;
  if (c == CMP_UN) f = F_ZF | F_PF | F_CF;
  else if (c == CMP_EQ) f = F_ZF;
  else if (c == CMP_LT) f = F_CF;
  setEflags((getEflags() & ~(0x8d5 as u32)) | f);
}

// ---------------------------------------------------------------------------
// Conversions

/** 0F 2A: CVTPI2PS (none), CVTPI2PD (66), CVTSI2SS (F3), CVTSI2SD (F2). */
export function cvt2A(p: i32): void {
  if (p >= P_F3) {
    if (!sseGate()) return;
    const size = rexW ? 8 : 4;
    const v = readRM(size);
    if (faulted) return;
    const iv: i64 = size == 8 ? v as i64 : (v as i32) as i64;
    const d = xmm(regf);
    sfBegin(mxcsr());
    if (p == P_F3) {
      const r = sfI64ToF32(iv);
      if (!sseCommit()) return;
      store<u32>(d, r);
    } else {
      const r = sfI64ToF64(iv);
      if (!sseCommit()) return;
      store<u64>(d, r);
    }
    return;
  }
  if (!sseGate()) return;
  const s = srcMm();
  if (faulted) return;
  if (!isMem && !mmxGate()) return;
  const lo = load<i32>(s) as i64, hi = load<i32>(s, 4) as i64;
  const d = xmm(regf);
  sfBegin(mxcsr());
  if (p == P_NONE) {
    const a = sfI64ToF32(lo), b = sfI64ToF32(hi);
    if (!sseCommit()) return;
    store<u32>(d, a);
    store<u32>(d, b, 4);
  } else {
    store<u64>(d, sfI64ToF64(lo));
    store<u64>(d, sfI64ToF64(hi), 8);
  }
}

/** 0F 2C/2D: CVT(T)PS2PI, CVT(T)PD2PI, CVT(T)SS2SI, CVT(T)SD2SI. */
export function cvt2C(b: u32, p: i32): void {
  const trunc = b == 0x2c;
  if (!sseGate()) return;
  if (p >= P_F3) {
    const dbl = p == P_F2;
    const s = srcXs(dbl ? 8 : 4);
    if (faulted) return;
    const bits = rexW ? 64 : 32;
    sfBegin(mxcsr());
    const r = dbl ? sfF64ToInt(load<u64>(s), bits, trunc) : sfF32ToInt(load<u32>(s), bits, trunc);
    if (!sseCommit()) return;
    writeReg(regf, bits >> 3, r);
    return;
  }
  const s = p == P_66 ? srcX(true) : srcXs(8);
  if (faulted) return;
  sfBegin(mxcsr());
  let lo: u64, hi: u64;
  if (p == P_66) {
    lo = sfF64ToInt(load<u64>(s), 32, trunc);
    hi = sfF64ToInt(load<u64>(s, 8), 32, trunc);
  } else {
    lo = sfF32ToInt(load<u32>(s), 32, trunc);
    hi = sfF32ToInt(load<u32>(s, 4), 32, trunc);
  }
  if (!sseCommit()) return;
  if (!mmxGate()) return;
  mmSet(mmReg(), lo | (hi << 32));
}

/** 0F 5A: CVTPS2PD, CVTPD2PS (66), CVTSS2SD (F3), CVTSD2SS (F2). */
export function cvt5A(p: i32): void {
  if (!sseGate()) return;
  const s = p == P_66 ? srcX(true) : p == P_F3 ? srcXs(4) : srcXs(8);
  if (faulted) return;
  const d = xmm(regf);
  v128.store(RES, v128.load(d));
  sfBegin(mxcsr());
  switch (p) {
    case P_NONE:
      store<u64>(RES, sfF32ToF64(load<u32>(s)));
      store<u64>(RES, sfF32ToF64(load<u32>(s, 4)), 8);
      break;
    case P_66:
      store<u32>(RES, sfF64ToF32(load<u64>(s)));
      store<u32>(RES, sfF64ToF32(load<u64>(s, 8)), 4);
      store<u64>(RES, 0, 8);
      break;
    case P_F3: store<u64>(RES, sfF32ToF64(load<u32>(s))); break;
    default: store<u32>(RES, sfF64ToF32(load<u64>(s)));
  }
  if (!sseCommit()) return;
  v128.store(d, v128.load(RES));
}

/** 0F 5B: CVTDQ2PS (none), CVTPS2DQ (66), CVTTPS2DQ (F3). */
export function cvt5B(p: i32): void {
  if (p == P_F2) { raiseUD(); return; }
  if (!sseGate()) return;
  const s = srcX(true);
  if (faulted) return;
  sfBegin(mxcsr());
  for (let i: usize = 0; i < 16; i += 4) {
    const v = load<u32>(s + i);
    store<u32>(RES + i, p == P_NONE ? sfI64ToF32((v as i32) as i64) : sfF32ToInt(v, 32, p == P_F3) as u32);
  }
  if (!sseCommit()) return;
  v128.store(xmm(regf), v128.load(RES));
}

/** 0F E6: CVTTPD2DQ (66), CVTDQ2PD (F3), CVTPD2DQ (F2). */
export function cvtE6(p: i32): void {
  if (p == P_NONE) { raiseUD(); return; }
  if (!sseGate()) return;
  const s = p == P_F3 ? srcXs(8) : srcX(true);
  if (faulted) return;
  sfBegin(mxcsr());
  if (p == P_F3) {
    store<u64>(RES, sfI64ToF64(load<i32>(s) as i64));
    store<u64>(RES, sfI64ToF64(load<i32>(s, 4) as i64), 8);
  } else {
    const trunc = p == P_66;
    store<u32>(RES, sfF64ToInt(load<u64>(s), 32, trunc) as u32);
    store<u32>(RES, sfF64ToInt(load<u64>(s, 8), 32, trunc) as u32, 4);
    store<u64>(RES, 0, 8);
  }
  if (!sseCommit()) return;
  v128.store(xmm(regf), v128.load(RES));
}
