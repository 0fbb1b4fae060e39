// SSE/SSE2/SSE3/SSSE3 and MMX: every 0F/0F38/0F3A opcode the integer core does
// not handle lands in sseExec(). The mandatory prefix (none/66/F3/F2) selects the
// form (SDM Vol. 2, Table A-3); MMX forms are the no-prefix packed-integer ones.
// Floating point is in sse_fp.ts, the packed-integer kernels in sse_int.ts,
// FXSAVE/FXRSTOR/LDMXCSR in sse_fxsave.ts.
import { faulted, raiseUD } from "../fault";
import {
  opcode, pfxOpsize, pfxRep, pfxLock, regf, rmf, isMem, eaLinear, imm, rexW, adsize, linearOf, srcSeg,
} from "../decode";
import { read64, write8, write32, write64, writeN, probeWrite } from "../mmu";
import { gpr, setGpr, RDI } from "../state";
import { readRM, writeRM, readReg } from "./operand";
import {
  P_NONE, P_66, P_F3, P_F2, FX, FX_FTW, MEMBUF, DBUF, WORK, xmm, mmPtr, mmSet, mmGet, mmReg, mmRm,
  sseGate, mmxGate, mmxCheck, mmxPending, mmxDone, srcX, srcXs, srcMm, writeXRM,
} from "./sse_regs";
import { pint, isPint, shiftAt, ssse3, isSsse3 } from "./sse_int";
import { fpArith, fpHorizontal, fpCmp, fpComi, cvt2A, cvt2C, cvt5A, cvt5B, cvtE6 } from "./sse_fp";
import { grp15Exec } from "./sse_fxsave";

// @ts-ignore: decorator
@inline function prefixClass(): i32 {
  return pfxRep == 1 ? P_F3 : pfxRep == 2 ? P_F2 : pfxOpsize ? P_66 : P_NONE;
}

/** Executes the decoded SSE/MMX instruction, or raises #UD. */
export function sseExec(): void {
  if (pfxLock) { raiseUD(); return; }
  dispatch();
  if (mmxPending) mmxDone();
}

function dispatch(): void {
  const op = opcode;
  const p = prefixClass();
  if (op >= 0x200) { exec38or3A(op, p); return; }
  const b = op & 0xff;
  if (isPint(b)) { packedInt(b, p); return; }
  switch (b) {
    case 0x10: movLoad(p); return;
    case 0x11: movStore(p); return;
    case 0x12: case 0x16: movHalfLoad(b, p); return;
    case 0x13: case 0x17: movHalfStore(b, p); return;
    case 0x14: case 0x15: unpackFp(b, p); return;
    case 0x28: {
      if (p > P_66) break;
      if (!sseGate()) return;
      const v = srcX(true);
      if (faulted) return;
      v128.store(xmm(regf), v128.load(v));
      return;
    }
    case 0x29: case 0x2b: // MOVAPS/MOVAPD store, MOVNTPS/MOVNTPD
      if (p > P_66 || (b == 0x2b && !isMem)) break;
      if (!sseGate()) return;
      writeXRM(xmm(regf), true);
      return;
    case 0x2a: cvt2A(p); return;
    case 0x2c: case 0x2d: cvt2C(b, p); return;
    case 0x2e: case 0x2f: fpComi(b, p); return;
    case 0x50: { // MOVMSKPS / MOVMSKPD
      if (p > P_66 || isMem) break;
      if (!sseGate()) return;
      const v = v128.load(xmm(rmf));
      setGpr(regf, (p == P_66 ? i64x2.bitmask(v) : i32x4.bitmask(v)) as u64);
      return;
    }
    case 0x51: case 0x52: case 0x53: case 0x58: case 0x59: case 0x5c: case 0x5d: case 0x5e: case 0x5f:
      fpArith(b, p);
      return;
    case 0x54: case 0x55: case 0x56: case 0x57: { // AND ANDN OR XOR PS/PD
      if (p > P_66) break;
      if (!sseGate()) return;
      const sp = srcX(true);
      if (faulted) return;
      const s = v128.load(sp);
      const d = xmm(regf);
      const v = v128.load(d);
      v128.store(d, b == 0x54 ? v128.and(v, s) : b == 0x55 ? v128.andnot(s, v) : b == 0x56 ? v128.or(v, s) : v128.xor(v, s));
      return;
    }
    case 0x5a: cvt5A(p); return;
    case 0x5b: cvt5B(p); return;
    case 0x6e: movdIn(p); return;
    case 0x6f: case 0x7f: movqdq(b, p); return;
    case 0x70: pshuf(p); return;
    case 0x71: case 0x72: case 0x73: shiftImm(b, p); return;
    case 0x77: // EMMS: the MMX checks, then every tag empty (TOP stays)
      if (!mmxCheck()) return;
      store<u8>(FX + FX_FTW, 0);
      return;
    case 0x7c: case 0x7d: case 0xd0: fpHorizontal(b, p); return;
    case 0x7e: movdOut(p); return;
    case 0xc2: fpCmp(p); return;
    case 0xc3: { // MOVNTI m32/m64, r
      if (p != P_NONE || !isMem) break;
      const sz = rexW ? 8 : 4;
      writeN(eaLinear(), sz, readReg(regf, sz));
      return;
    }
    case 0xc4: pinsrw(p); return;
    case 0xc5: pextrw(p); return;
    case 0xc6: shufFp(p); return;
    case 0xd6: movqD6(p); return;
    case 0xe6: cvtE6(p); return;
    case 0xd7: { // PMOVMSKB r, mm/xmm
      if (isMem || p > P_66) break;
      if (p == P_66) {
        if (!sseGate()) return;
        setGpr(regf, i8x16.bitmask(v128.load(xmm(rmf))) as u64);
      } else {
        if (!mmxGate()) return;
        store<u64>(DBUF, mmGet(mmRm()));
        store<u64>(DBUF, 0, 8);
        setGpr(regf, (i8x16.bitmask(v128.load(DBUF)) & 0xff) as u64);
      }
      return;
    }
    case 0xe7: { // MOVNTQ m64, mm / MOVNTDQ m128, xmm
      if (!isMem || p > P_66) break;
      if (p == P_66) {
        if (!sseGate()) return;
        writeXRM(xmm(regf), true);
      } else {
        if (!mmxGate()) return;
        write64(eaLinear(), mmGet(mmReg()));
      }
      return;
    }
    case 0xf0: { // LDDQU xmm, m128
      if (p != P_F2 || !isMem) break;
      if (!sseGate()) return;
      const v = srcX(false);
      if (faulted) return;
      v128.store(xmm(regf), v128.load(v));
      return;
    }
    case 0xf7: maskmov(p); return;
    case 0xae: grp15Exec(p); return;
  }
  raiseUD();
}

/** 0F AE (called by the integer core's dispatch). */
export function grp15(): void {
  if (pfxLock) { raiseUD(); return; }
  grp15Exec(prefixClass());
}

// ---------------------------------------------------------------------------
// Packed integer (0F 60-6D, 74-76, D1-FE): 66 → xmm, no prefix → mm.

function packedInt(b: u32, p: i32): void {
  if (p == P_66) {
    if (!sseGate()) return;
    const s = srcX(true);
    if (faulted) return;
    pint(b, xmm(regf), s, false);
    return;
  }
  if (p != P_NONE || b == 0x6c || b == 0x6d) { raiseUD(); return; }
  if (!mmxGate()) return;
  const s = srcMm();
  if (faulted) return;
  const r = mmReg();
  store<u64>(DBUF, mmGet(r));
  store<u64>(DBUF, 0, 8);
  pint(b, DBUF, s, true);
  mmSet(r, load<u64>(DBUF));
}

// ---------------------------------------------------------------------------
// Moves

/** 0F 10: MOVUPS/MOVUPD xmm, xmm/m128; MOVSS/MOVSD xmm, xmm/m32/m64. */
function movLoad(p: i32): void {
  if (!sseGate()) return;
  const d = xmm(regf);
  if (p <= P_66) {
    const v = srcX(false);
    if (faulted) return;
    v128.store(d, v128.load(v));
    return;
  }
  if (!isMem) {
    if (p == P_F3) store<u32>(d, load<u32>(xmm(rmf)));
    else store<u64>(d, load<u64>(xmm(rmf)));
    return;
  }
  const v = srcXs(p == P_F3 ? 4 : 8);
  if (faulted) return;
  v128.store(d, v128.load(v));
}

/** 0F 11: the store direction of 0F 10. */
function movStore(p: i32): void {
  if (!sseGate()) return;
  const s = xmm(regf);
  if (p <= P_66) { writeXRM(s, false); return; }
  if (!isMem) {
    if (p == P_F3) store<u32>(xmm(rmf), load<u32>(s));
    else store<u64>(xmm(rmf), load<u64>(s));
    return;
  }
  if (p == P_F3) write32(eaLinear(), load<u32>(s));
  else write64(eaLinear(), load<u64>(s));
}

/** 0F 12 / 0F 16: MOVLPS/MOVHPS/MOVLPD/MOVHPD m64, MOVHLPS/MOVLHPS, and SSE3
 * MOVSLDUP/MOVSHDUP (F3) and MOVDDUP (F2, 0F 12 only). */
function movHalfLoad(b: u32, p: i32): void {
  const hi = b == 0x16;
  if (p == P_F2 && hi) { raiseUD(); return; }
  if (p == P_66 && !isMem) { raiseUD(); return; }
  if (!sseGate()) return;
  const d = xmm(regf);
  if (p == P_F3) { // MOVSLDUP / MOVSHDUP
    const sp = srcX(true);
    if (faulted) return;
    const s = v128.load(sp);
    v128.store(d, hi ? i32x4.shuffle(s, s, 1, 1, 3, 3) : i32x4.shuffle(s, s, 0, 0, 2, 2));
    return;
  }
  if (p == P_F2) { // MOVDDUP xmm, xmm/m64
    const sp = srcXs(8);
    if (faulted) return;
    const v = load<u64>(sp);
    store<u64>(d, v);
    store<u64>(d, v, 8);
    return;
  }
  let v: u64;
  if (isMem) {
    v = read64(eaLinear());
    if (faulted) return;
  } else {
    v = load<u64>(xmm(rmf) + (hi ? 0 : 8)); // MOVLHPS takes the low half, MOVHLPS the high
  }
  store<u64>(d + (hi ? 8 : 0), v);
}

/** 0F 13 / 0F 17: MOVLPS/MOVLPD/MOVHPS/MOVHPD m64, xmm. */
function movHalfStore(b: u32, p: i32): void {
  if (p > P_66 || !isMem) { raiseUD(); return; }
  if (!sseGate()) return;
  write64(eaLinear(), load<u64>(xmm(regf) + (b == 0x17 ? 8 : 0)));
}

/** 0F 14/15: UNPCKLPS/UNPCKHPS (none), UNPCKLPD/UNPCKHPD (66). */
function unpackFp(b: u32, p: i32): void {
  if (p > P_66) { raiseUD(); return; }
  if (!sseGate()) return;
  const sp = srcX(true);
  if (faulted) return;
  const s = v128.load(sp);
  const d = xmm(regf);
  const v = v128.load(d);
  let r: v128;
  if (p == P_66) r = b == 0x14 ? i64x2.shuffle(v, s, 0, 2) : i64x2.shuffle(v, s, 1, 3);
  else r = b == 0x14 ? i32x4.shuffle(v, s, 0, 4, 1, 5) : i32x4.shuffle(v, s, 2, 6, 3, 7);
  v128.store(d, r);
}

/** 0F 6E: MOVD/MOVQ mm, r/m32/64 (none); MOVD/MOVQ xmm, r/m32/64 (66). */
function movdIn(p: i32): void {
  if (p > P_66) { raiseUD(); return; }
  const sz = rexW ? 8 : 4;
  if (p == P_66) {
    if (!sseGate()) return;
    const v = readRM(sz);
    if (faulted) return;
    store<u64>(xmm(regf), v);
    store<u64>(xmm(regf), 0, 8);
    return;
  }
  if (!mmxGate()) return;
  const v = readRM(sz);
  if (faulted) return;
  mmSet(mmReg(), v);
}

/** 0F 7E: MOVD/MOVQ r/m32/64, mm (none) or xmm (66); MOVQ xmm, xmm/m64 (F3). */
function movdOut(p: i32): void {
  if (p == P_F2) { raiseUD(); return; }
  if (p == P_F3) {
    if (!sseGate()) return;
    const v = srcXs(8);
    if (faulted) return;
    const d = xmm(regf);
    store<u64>(d, load<u64>(v));
    store<u64>(d, 0, 8);
    return;
  }
  const sz = rexW ? 8 : 4;
  let v: u64;
  if (p == P_66) {
    if (!sseGate()) return;
    v = load<u64>(xmm(regf));
  } else {
    if (!mmxGate()) return;
    v = mmGet(mmReg());
  }
  if (sz == 4) v &= 0xffffffff;
  writeRM(sz, v);
}

/** 0F 6F/7F: MOVQ mm, mm/m64 and back (none); MOVDQA (66); MOVDQU (F3). */
function movqdq(b: u32, p: i32): void {
  if (p == P_F2) { raiseUD(); return; }
  const store_ = b == 0x7f;
  if (p == P_NONE) {
    if (!mmxGate()) return;
    if (!store_) {
      const v = srcMm();
      if (faulted) return;
      mmSet(mmReg(), load<u64>(v));
    } else if (isMem) {
      write64(eaLinear(), mmGet(mmReg()));
    } else {
      mmSet(mmRm(), mmGet(mmReg()));
    }
    return;
  }
  if (!sseGate()) return;
  const align = p == P_66;
  if (!store_) {
    const v = srcX(align);
    if (faulted) return;
    v128.store(xmm(regf), v128.load(v));
  } else {
    writeXRM(xmm(regf), align);
  }
}

/** 0F D6: MOVQ xmm/m64, xmm (66); MOVQ2DQ xmm, mm (F3); MOVDQ2Q mm, xmm (F2). */
function movqD6(p: i32): void {
  if (p == P_NONE) { raiseUD(); return; }
  if (p == P_66) {
    if (!sseGate()) return;
    const v = load<u64>(xmm(regf));
    if (isMem) write64(eaLinear(), v);
    else { store<u64>(xmm(rmf), v); store<u64>(xmm(rmf), 0, 8); }
    return;
  }
  if (isMem) { raiseUD(); return; }
  if (!sseGate() || !mmxGate()) return;
  if (p == P_F3) { store<u64>(xmm(regf), mmGet(mmRm())); store<u64>(xmm(regf), 0, 8); }
  else mmSet(mmReg(), load<u64>(xmm(rmf)));
}

// ---------------------------------------------------------------------------
// Shuffles, inserts, extracts

/** 0F 70: PSHUFW (none), PSHUFD (66), PSHUFHW (F3), PSHUFLW (F2). */
function pshuf(p: i32): void {
  const sel = imm as u32;
  if (p == P_NONE) {
    if (!mmxGate()) return;
    const s = srcMm();
    if (faulted) return;
    let r: u64 = 0;
    for (let i: u32 = 0; i < 4; i++) r |= (load<u16>(s + (((sel >> (i << 1)) & 3) << 1)) as u64) << ((i << 4) as u64);
    mmSet(mmReg(), r);
    return;
  }
  if (!sseGate()) return;
  const s = srcX(true);
  if (faulted) return;
  const d = xmm(regf);
  if (p == P_66) {
    for (let i: usize = 0; i < 4; i++) store<u32>(WORK + (i << 2), load<u32>(s + (((sel >> ((i as u32) << 1)) & 3) << 2)));
    v128.store(d, v128.load(WORK));
    return;
  }
  const base: usize = p == P_F3 ? 8 : 0; // the half that is shuffled
  v128.store(WORK, v128.load(s));
  for (let i: usize = 0; i < 4; i++) {
    store<u16>(WORK + base + (i << 1), load<u16>(s + base + (((sel >> ((i as u32) << 1)) & 3) << 1)));
  }
  v128.store(d, v128.load(WORK));
}

/** 0F C6: SHUFPS (none), SHUFPD (66). */
function shufFp(p: i32): void {
  if (p > P_66) { raiseUD(); return; }
  if (!sseGate()) return;
  const s = srcX(true);
  if (faulted) return;
  const d = xmm(regf);
  const sel = imm as u32;
  if (p == P_66) {
    const lo = load<u64>(d + ((sel & 1) << 3));
    const hi = load<u64>(s + (((sel >> 1) & 1) << 3));
    store<u64>(d, lo);
    store<u64>(d, hi, 8);
    return;
  }
  const a = load<u32>(d + ((sel & 3) << 2));
  const b = load<u32>(d + (((sel >> 2) & 3) << 2));
  const c = load<u32>(s + (((sel >> 4) & 3) << 2));
  const e = load<u32>(s + (((sel >> 6) & 3) << 2));
  store<u32>(d, a); store<u32>(d, b, 4); store<u32>(d, c, 8); store<u32>(d, e, 12);
}

/** 0F C4: PINSRW mm/xmm, r32/m16, imm8. */
function pinsrw(p: i32): void {
  if (p > P_66) { raiseUD(); return; }
  if (p == P_66) { if (!sseGate()) return; } else if (!mmxGate()) return;
  const v = readRM(2);
  if (faulted) return;
  if (p == P_66) store<u16>(xmm(regf) + (((imm as usize) & 7) << 1), v as u16);
  else {
    const r = mmReg();
    const sh = ((imm & 3) << 4);
    mmSet(r, (mmGet(r) & ~((0xffff as u64) << sh)) | ((v & 0xffff) << sh));
  }
}

/** 0F C5: PEXTRW r32, mm/xmm, imm8 (register source only). */
function pextrw(p: i32): void {
  if (p > P_66 || isMem) { raiseUD(); return; }
  let v: u64;
  if (p == P_66) {
    if (!sseGate()) return;
    v = load<u16>(xmm(rmf) + (((imm as usize) & 7) << 1));
  } else {
    if (!mmxGate()) return;
    v = (mmGet(mmRm()) >> ((imm & 3) << 4)) & 0xffff;
  }
  setGpr(regf, v);
}

/** 0F 71/72/73 groups: shifts by imm8 (register operand only). /2 PSRL, /4 PSRA,
 * /6 PSLL; 73 /3 PSRLDQ and /7 PSLLDQ (66 only). */
function shiftImm(b: u32, p: i32): void {
  if (!isMem && p <= P_66) {
    const r = (regf & 7) as u32;
    const lane: u32 = b - 0x70; // 1 word, 2 dword, 3 qword
    const count = imm & 0xff;
    let kind: i32 = -1;
    if (r == 2) kind = lane;
    else if (r == 4 && lane != 3) kind = lane | 4;
    else if (r == 6) kind = lane | 8;
    else if ((r == 3 || r == 7) && lane == 3 && p == P_66) kind = r == 3 ? 0x100 : 0x101;
    if (kind >= 0) {
      if (p == P_66) {
        if (!sseGate()) return;
        const d = xmm(rmf);
        if (kind >= 0x100) byteShift(d, count as u32, kind == 0x101);
        else shiftAt(kind as u32, d, count);
      } else {
        if (!mmxGate()) return;
        const m = mmRm();
        store<u64>(DBUF, mmGet(m));
        shiftAt(kind as u32, DBUF, count);
        mmSet(m, load<u64>(DBUF));
      }
      return;
    }
  }
  raiseUD();
}

/** PSRLDQ / PSLLDQ by `n` bytes (n > 15 clears). */
function byteShift(d: usize, n: u32, left: bool): void {
  if (n > 16) n = 16;
  const z = i64x2.splat(0);
  if (left) {
    v128.store(WORK, z);
    v128.store(WORK + 16, v128.load(d));
    v128.store(d, v128.load(WORK + 16 - n));
  } else {
    v128.store(WORK, v128.load(d));
    v128.store(WORK + 16, z);
    v128.store(d, v128.load(WORK + n));
  }
}

/** 0F F7: MASKMOVQ mm, mm (none) / MASKMOVDQU xmm, xmm (66): bytes whose mask
 * byte has bit 7 set go to DS:rDI (segment overridable). */
function maskmov(p: i32): void {
  if (isMem || p > P_66) { raiseUD(); return; }
  let bits: i32;
  if (p == P_66) {
    if (!sseGate()) return;
    v128.store(WORK, v128.load(xmm(regf)));
    bits = i8x16.bitmask(v128.load(xmm(rmf)));
  } else {
    if (!mmxGate()) return;
    store<u64>(WORK, mmGet(mmReg()));
    store<u64>(DBUF, mmGet(mmRm()));
    store<u64>(DBUF, 0, 8);
    bits = i8x16.bitmask(v128.load(DBUF)) & 0xff;
  }
  if (bits == 0) return;
  const am: u64 = adsize == 8 ? 0xffffffffffffffff : adsize == 4 ? 0xffffffff : 0xffff;
  const lin = linearOf(srcSeg(), gpr(RDI) & am);
  // Check every byte that will be written first, then write.
  const first = ctz<i32>(bits), last = 31 - clz<i32>(bits);
  probeWrite(lin + (first as u64), last - first + 1);
  if (faulted) return;
  for (let i = first; i <= last; i++) {
    if ((bits & (1 << i)) != 0) write8(lin + (i as u64), load<u8>(WORK + (i as usize)));
  }
}

// ---------------------------------------------------------------------------
// 0F 38 / 0F 3A: SSSE3 (PSHUFB PHADD* PMADDUBSW PHSUB* PSIGN* PMULHRSW PABS* PALIGNR).

function exec38or3A(op: u32, p: i32): void {
  const b = op & 0xff;
  const is3A = op >= 0x300;
  if (p > P_66 || (is3A ? b != 0x0f : !isSsse3(b))) { raiseUD(); return; }
  const mmx = p == P_NONE;
  let s: usize, d: usize;
  if (mmx) {
    if (!mmxGate()) return;
    s = srcMm();
    if (faulted) return;
    d = DBUF;
    store<u64>(DBUF, mmGet(mmReg()));
    store<u64>(DBUF, 0, 8);
  } else {
    if (!sseGate()) return;
    s = srcX(true);
    if (faulted) return;
    d = xmm(regf);
  }
  if (is3A) palignr(d, s, (imm & 0xff) as u32, mmx);
  else ssse3(b, d, s, mmx);
  if (mmx) mmSet(mmReg(), load<u64>(DBUF));
}

/** PALIGNR: (dst:src) >> (n bytes), low 16 (xmm) or 8 (mm) bytes, into dst. */
function palignr(d: usize, s: usize, n: u32, mmx: bool): void {
  const z = i64x2.splat(0);
  v128.store(WORK + 16, z);
  v128.store(WORK + 32, z);
  v128.store(WORK + 48, z);
  if (mmx) {
    store<u64>(WORK, load<u64>(s));
    store<u64>(WORK + 8, load<u64>(d));
    store<u64>(d, n >= 16 ? 0 : load<u64>(WORK + n));
    return;
  }
  v128.store(WORK, v128.load(s));
  v128.store(WORK + 16, v128.load(d));
  v128.store(d, n >= 32 ? z : v128.load(WORK + n));
}
