// Packed-integer kernels shared by the SSE2 (xmm) and MMX (mm) forms: each takes
// the destination and source as v128 and returns the new destination. MMX forms
// pass their 64-bit operands in the low halves; only the low half of the result is
// kept, so lane-wise kernels serve both widths unchanged. The few whose low half
// depends on the operand width (PUNPCKH*, PACK*) take `mmx`.
//
// Opcode bytes are the 0F-map bytes (SDM Vol. 2, Table A-3).

/** Logical/arithmetic shift counts above the lane width: x86 gives 0 (or all sign
 * bits); wasm masks the count, so clamp first. */
function shiftLanes(kind: u32, d: v128, count: u64): v128 {
  // kind: low 2 bits = lane (1 = word, 2 = dword, 3 = qword); bits 2-3 = 0 srl, 1 sra, 2 sll
  const lane = kind & 3;
  const op = kind >> 2;
  const width: u64 = lane == 1 ? 16 : lane == 2 ? 32 : 64;
  if (count >= width) {
    if (op != 1) return i64x2.splat(0);
    count = width - 1;
  }
  const c = count as i32;
  if (lane == 1) return op == 0 ? i16x8.shr_u(d, c) : op == 1 ? i16x8.shr_s(d, c) : i16x8.shl(d, c);
  if (lane == 2) return op == 0 ? i32x4.shr_u(d, c) : op == 1 ? i32x4.shr_s(d, c) : i32x4.shl(d, c);
  return op == 0 ? i64x2.shr_u(d, c) : i64x2.shl(d, c);
}

/** PSADBW: per 64-bit half, the sum of absolute byte differences in the low word. */
// @ts-ignore: decorator
@inline function psadbw(d: v128, s: v128): v128 {
  const diff = v128.or(i8x16.sub_sat_u(d, s), i8x16.sub_sat_u(s, d));
  const w = i16x8.extadd_pairwise_i8x16_u(diff);
  const dw = i32x4.extadd_pairwise_i16x8_u(w);
  // dw = [a0 a1 b0 b1]: sum pairs into each qword's low dword, zero the rest.
  const sw = i32x4.shuffle(dw, dw, 1, 0, 3, 2);
  return v128.and(i32x4.add(dw, sw), i64x2.splat(0xffff));
}

/** PMULHW / PMULHUW: the high words of the 16x16 products. */
// @ts-ignore: decorator
@inline function mulhi16(d: v128, s: v128, signed: bool): v128 {
  if (signed) {
    const lo = i32x4.shr_s(i32x4.extmul_low_i16x8_s(d, s), 16);
    const hi = i32x4.shr_s(i32x4.extmul_high_i16x8_s(d, s), 16);
    return i16x8.narrow_i32x4_s(lo, hi);
  }
  const lo = i32x4.shr_u(i32x4.extmul_low_i16x8_u(d, s), 16);
  const hi = i32x4.shr_u(i32x4.extmul_high_i16x8_u(d, s), 16);
  return i16x8.narrow_i32x4_u(lo, hi);
}

/** Packs with the MMX layout: dst's low qword and src's low qword side by side. */
// @ts-ignore: decorator
@inline function lowPair(d: v128, s: v128): v128 {
  return i64x2.shuffle(d, s, 0, 2);
}

/** Shifts the 128-bit value at `p` in place (kind as for shiftLanes). */
export function shiftAt(kind: u32, p: usize, count: u64): void {
  v128.store(p, shiftLanes(kind, v128.load(p), count));
}

/** The packed-integer operation `b` (0F-map byte) on the 128-bit values at `d`
 * and `s`; the result replaces `d`. */
export function pint(b: u32, d: usize, s: usize, mmx: bool): void {
  v128.store(d, pintKernel(b, v128.load(d), v128.load(s), mmx));
}

function pintKernel(b: u32, d: v128, s: v128, mmx: bool): v128 {
  switch (b) {
    case 0x60: return i8x16.shuffle(d, s, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    case 0x61: return i16x8.shuffle(d, s, 0, 8, 1, 9, 2, 10, 3, 11);
    case 0x62: return i32x4.shuffle(d, s, 0, 4, 1, 5);
    case 0x63: return mmx ? i8x16.narrow_i16x8_s(lowPair(d, s), lowPair(d, s)) : i8x16.narrow_i16x8_s(d, s);
    case 0x64: return i8x16.gt_s(d, s);
    case 0x65: return i16x8.gt_s(d, s);
    case 0x66: return i32x4.gt_s(d, s);
    case 0x67: return mmx ? i8x16.narrow_i16x8_u(lowPair(d, s), lowPair(d, s)) : i8x16.narrow_i16x8_u(d, s);
    case 0x68:
      if (mmx) return i8x16.shuffle(d, s, 4, 20, 5, 21, 6, 22, 7, 23, 0, 0, 0, 0, 0, 0, 0, 0);
      return i8x16.shuffle(d, s, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    case 0x69:
      if (mmx) return i16x8.shuffle(d, s, 2, 10, 3, 11, 0, 0, 0, 0);
      return i16x8.shuffle(d, s, 4, 12, 5, 13, 6, 14, 7, 15);
    case 0x6a:
      if (mmx) return i32x4.shuffle(d, s, 1, 5, 0, 0);
      return i32x4.shuffle(d, s, 2, 6, 3, 7);
    case 0x6b: return mmx ? i16x8.narrow_i32x4_s(lowPair(d, s), lowPair(d, s)) : i16x8.narrow_i32x4_s(d, s);
    case 0x6c: return i64x2.shuffle(d, s, 0, 2);
    case 0x6d: return i64x2.shuffle(d, s, 1, 3);
    case 0x74: return i8x16.eq(d, s);
    case 0x75: return i16x8.eq(d, s);
    case 0x76: return i32x4.eq(d, s);
    case 0xd1: return shiftLanes(1, d, i64x2.extract_lane(s, 0));
    case 0xd2: return shiftLanes(2, d, i64x2.extract_lane(s, 0));
    case 0xd3: return shiftLanes(3, d, i64x2.extract_lane(s, 0));
    case 0xd4: return i64x2.add(d, s);
    case 0xd5: return i16x8.mul(d, s);
    case 0xd8: return i8x16.sub_sat_u(d, s);
    case 0xd9: return i16x8.sub_sat_u(d, s);
    case 0xda: return i8x16.min_u(d, s);
    case 0xdb: return v128.and(d, s);
    case 0xdc: return i8x16.add_sat_u(d, s);
    case 0xdd: return i16x8.add_sat_u(d, s);
    case 0xde: return i8x16.max_u(d, s);
    case 0xdf: return v128.andnot(s, d);
    case 0xe0: return i8x16.avgr_u(d, s);
    case 0xe1: return shiftLanes(1 | 4, d, i64x2.extract_lane(s, 0));
    case 0xe2: return shiftLanes(2 | 4, d, i64x2.extract_lane(s, 0));
    case 0xe3: return i16x8.avgr_u(d, s);
    case 0xe4: return mulhi16(d, s, false);
    case 0xe5: return mulhi16(d, s, true);
    case 0xe8: return i8x16.sub_sat_s(d, s);
    case 0xe9: return i16x8.sub_sat_s(d, s);
    case 0xea: return i16x8.min_s(d, s);
    case 0xeb: return v128.or(d, s);
    case 0xec: return i8x16.add_sat_s(d, s);
    case 0xed: return i16x8.add_sat_s(d, s);
    case 0xee: return i16x8.max_s(d, s);
    case 0xef: return v128.xor(d, s);
    case 0xf1: return shiftLanes(1 | 8, d, i64x2.extract_lane(s, 0));
    case 0xf2: return shiftLanes(2 | 8, d, i64x2.extract_lane(s, 0));
    case 0xf3: return shiftLanes(3 | 8, d, i64x2.extract_lane(s, 0));
    case 0xf4: return i64x2.extmul_low_i32x4_u(i32x4.shuffle(d, d, 0, 2, 0, 2), i32x4.shuffle(s, s, 0, 2, 0, 2));
    case 0xf5: return i32x4.dot_i16x8_s(d, s);
    case 0xf6: return psadbw(d, s);
    case 0xf8: return i8x16.sub(d, s);
    case 0xf9: return i16x8.sub(d, s);
    case 0xfa: return i32x4.sub(d, s);
    case 0xfb: return i64x2.sub(d, s);
    case 0xfc: return i8x16.add(d, s);
    case 0xfd: return i16x8.add(d, s);
    case 0xfe: return i32x4.add(d, s);
  }
  return d;
}

/** True for 0F-map bytes that pint() handles (xmm forms need 66, mm forms none). */
export function isPint(b: u32): bool {
  if (b >= 0x60 && b <= 0x6d) return true;
  if (b >= 0x74 && b <= 0x76) return true;
  if (b >= 0xd1 && b <= 0xfe) {
    // Holes: D6 (MOVQ), D7 (PMOVMSKB), E6 (CVT), E7 (MOVNT), F0 (LDDQU), F7 (MASKMOV).
    return b != 0xd6 && b != 0xd7 && b != 0xe6 && b != 0xe7 && b != 0xf0 && b != 0xf7;
  }
  return false;
}

// ---------------------------------------------------------------------------
// SSSE3 (0F 38 00-0B, 1C-1E): PSHUFB PHADD* PMADDUBSW PHSUB* PSIGN* PMULHRSW PABS*.

/** Horizontal pairwise add/sub of 16-bit lanes: [d0+d1, d2+d3, ..., s0+s1, ...]. */
// @ts-ignore: decorator
@inline function hpair16(d: v128, s: v128, mmx: bool, op: i32): v128 {
  let a: v128, b: v128;
  if (mmx) {
    const x = lowPair(d, s); // d0..d3 s0..s3
    a = i16x8.shuffle(x, x, 0, 2, 4, 6, 0, 2, 4, 6);
    b = i16x8.shuffle(x, x, 1, 3, 5, 7, 1, 3, 5, 7);
  } else {
    a = i16x8.shuffle(d, s, 0, 2, 4, 6, 8, 10, 12, 14);
    b = i16x8.shuffle(d, s, 1, 3, 5, 7, 9, 11, 13, 15);
  }
  if (op == 0) return i16x8.add(a, b);
  if (op == 1) return i16x8.add_sat_s(a, b);
  if (op == 2) return i16x8.sub(a, b);
  return i16x8.sub_sat_s(a, b);
}

// @ts-ignore: decorator
@inline function hpair32(d: v128, s: v128, mmx: bool, sub: bool): v128 {
  let a: v128, b: v128;
  if (mmx) {
    const x = lowPair(d, s);
    a = i32x4.shuffle(x, x, 0, 2, 0, 2);
    b = i32x4.shuffle(x, x, 1, 3, 1, 3);
  } else {
    a = i32x4.shuffle(d, s, 0, 2, 4, 6);
    b = i32x4.shuffle(d, s, 1, 3, 5, 7);
  }
  return sub ? i32x4.sub(a, b) : i32x4.add(a, b);
}

/** PSIGN: negate where s < 0, zero where s == 0. */
// @ts-ignore: decorator
@inline function psign(d: v128, s: v128, lane: i32): v128 {
  const z = i64x2.splat(0);
  if (lane == 1) {
    const r = v128.bitselect(i8x16.neg(d), d, i8x16.lt_s(s, z));
    return v128.andnot(r, i8x16.eq(s, z));
  }
  if (lane == 2) {
    const r = v128.bitselect(i16x8.neg(d), d, i16x8.lt_s(s, z));
    return v128.andnot(r, i16x8.eq(s, z));
  }
  const r = v128.bitselect(i32x4.neg(d), d, i32x4.lt_s(s, z));
  return v128.andnot(r, i32x4.eq(s, z));
}

/** PMADDUBSW: unsigned bytes of d times signed bytes of s, adjacent pairs added with
 * signed saturation. */
// @ts-ignore: decorator
@inline function pmaddubsw(d: v128, s: v128): v128 {
  const dl = i16x8.extend_low_i8x16_u(d), dh = i16x8.extend_high_i8x16_u(d);
  const sl = i16x8.extend_low_i8x16_s(s), sh = i16x8.extend_high_i8x16_s(s);
  const pl = i16x8.mul(dl, sl), ph = i16x8.mul(dh, sh); // |u8 * s8| < 2^15: exact
  const even = i16x8.shuffle(pl, ph, 0, 2, 4, 6, 8, 10, 12, 14);
  const odd = i16x8.shuffle(pl, ph, 1, 3, 5, 7, 9, 11, 13, 15);
  return i16x8.add_sat_s(even, odd);
}

/** PMULHRSW: ((d * s >> 14) + 1) >> 1 per word (0x8000 * 0x8000 gives 0x8000). */
// @ts-ignore: decorator
@inline function pmulhrsw(d: v128, s: v128): v128 {
  const one = i32x4.splat(1);
  const lo = i32x4.shr_s(i32x4.add(i32x4.shr_s(i32x4.extmul_low_i16x8_s(d, s), 14), one), 1);
  const hi = i32x4.shr_s(i32x4.add(i32x4.shr_s(i32x4.extmul_high_i16x8_s(d, s), 14), one), 1);
  // Only 0x8000*0x8000 leaves the i16 range (0x8000): wrap, do not saturate.
  return i16x8.shuffle(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14);
}

/** True for the SSSE3 bytes of the 0F 38 map. */
export function isSsse3(b: u32): bool {
  return b <= 0x0b || (b >= 0x1c && b <= 0x1e);
}

/** SSSE3 0F 38 `b` on the values at `d` and `s`; the result replaces `d`. */
export function ssse3(b: u32, d: usize, s: usize, mmx: bool): void {
  v128.store(d, ssse3Kernel(b, v128.load(d), v128.load(s), mmx));
}

function ssse3Kernel(b: u32, d: v128, s: v128, mmx: bool): v128 {
  switch (b) {
    case 0x00: // PSHUFB
      if (mmx) return i8x16.swizzle(d, v128.and(s, i8x16.splat(<i8>0x87)));
      return i8x16.swizzle(d, v128.and(s, i8x16.splat(<i8>0x8f)));
    case 0x01: return hpair16(d, s, mmx, 0);
    case 0x02: return hpair32(d, s, mmx, false);
    case 0x03: return hpair16(d, s, mmx, 1);
    case 0x04: return pmaddubsw(d, s);
    case 0x05: return hpair16(d, s, mmx, 2);
    case 0x06: return hpair32(d, s, mmx, true);
    case 0x07: return hpair16(d, s, mmx, 3);
    case 0x08: return psign(d, s, 1);
    case 0x09: return psign(d, s, 2);
    case 0x0a: return psign(d, s, 4);
    case 0x0b: return pmulhrsw(d, s);
    case 0x1c: return i8x16.abs(s);
    case 0x1d: return i16x8.abs(s);
    case 0x1e: return i32x4.abs(s);
  }
  return d;
}
