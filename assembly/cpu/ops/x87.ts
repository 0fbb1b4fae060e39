// x87 floating point: the D8-DF escapes (after exec.ts's CR0.EM/TS #NM check)
// and FWAIT. Values are kept as 80-bit; loads and stores of every memory format,
// compares, FRNDINT/FSCALE/FXTRACT/FPREM* are exact, arithmetic rounds to 53 bits
// (precision control 24 honoured, 64 treated as 53), transcendentals are computed
// with wasm f64 math (see util/softfloat80.ts). Opcode map: SDM Vol. 2, A.5.
import { faulted, raise, raiseUD, MF, NM } from "../fault";
import { opcode, modrm, isMem, eaLinear, pfxLock } from "../decode";
import { read16, read32, read64, write16, write32, write64, probeWrite } from "../mmu";
import { cr0, setGprSized, rip, RAX, CR0_MP, CR0_TS, F_CF, F_PF, F_ZF } from "../state";
import { getEflags, setEflags, testCC } from "../flags";
import {
  f80Add, f80Mul, f80Div, f80Sqrt, f80FromF64, f80FromF32, f80ToF64, f80ToF32, f80FromI64, f80ToInt,
  f80RoundInt, f80Cmp, f80Scale, f80Extract, f80Rem, f80Const, f80FromBcd, f80ToBcd, f80ToF64Value, class80,
  fxSig, fxSe, xtExpSig, xtExpSe, remQuot, remPartial, bcdHi, INT_BIT, INDEF_SIG, INDEF_SE,
  K_ZERO, K_NORMAL, K_DENORMAL, K_INF, K_QNAN, K_SNAN,
} from "../../util/softfloat80";
import { sfRaise, sfFlags, sfSetFlags, SF_IE, SF_ZE, SF_PE, RC_ZERO, CMP_LT, CMP_EQ, CMP_UN } from "../../util/softfloat";
import {
  fcw, fsw, setFsw, top, setTop, phys, isEmpty, regSig, regSe, setReg, freeReg, pop, begin,
  commit, setCc, setC1Round, refreshEs, readSt, push, stackUnderflow, x87Init, stSig, stSe,
  SW_C0, SW_C1, SW_C2, SW_C3, SW_ES,
} from "./x87_state";
import { fldenv, fnstenv, fnsave, frstor } from "./x87_env";
import { FX, FX_FCW, FX_FIP, FX_MXCSR } from "./sse_regs";

// @ts-ignore: decorator
@inline const CR0_NE: u64 = 1 << 5;

/** The no-wait forms (FNSTENV FNSTCW FNSAVE FNSTSW FNCLEX FNINIT) skip the
 * pending-exception check; everything else, FLDCW/FLDENV/FRSTOR included, takes
 * #MF first (checked on the host CPU). */
function noWait(op: u32, m: u32): bool {
  const reg = (m >> 3) & 7;
  if (m < 0xc0) return (op == 0xd9 || op == 0xdd) && reg >= 6;
  return (op == 0xdb && (m == 0xe2 || m == 0xe3)) || (op == 0xdf && m == 0xe0);
}

/** #MF for a pending unmasked x87 exception (CR0.NE; without it the legacy
 * FERR# path is not modelled and execution continues). MMX instructions and EMMS
 * check it too. */
export function pendingMf(): bool {
  if ((fsw() & SW_ES) == 0 || (cr0() & CR0_NE) == 0) return false;
  raise(MF, 0, false);
  return true;
}

/** Power-on x87/SSE state as Xen gives a new vCPU: FNINIT (FCW 0x37F) and
 * MXCSR 0x1F80 (every SIMD exception masked). */
export function fpuReset(): void {
  x87Init();
  store<u32>(FX + FX_MXCSR, 0x1f80);
}

export function x87Exec(): void {
  if (pfxLock) { raiseUD(); return; }
  const op = opcode;
  const m = modrm;
  if (!noWait(op, m) && pendingMf()) return;
  if (isMem) execMem(op, (m >> 3) & 7);
  else execReg(op, m);
  // FIP: the last non-control instruction, recorded once it completed.
  if (!faulted && !isControl(op, m)) store<u64>(FX + FX_FIP, rip);
}

/** Control instructions leave FIP/FOP/FDP alone: the no-wait ones plus FLDCW,
 * FLDENV and FRSTOR. */
function isControl(op: u32, m: u32): bool {
  if (noWait(op, m)) return true;
  const reg = (m >> 3) & 7;
  return m < 0xc0 && ((op == 0xd9 && (reg == 4 || reg == 5)) || (op == 0xdd && reg == 4));
}

/** 9B FWAIT: #NM with CR0.MP and CR0.TS, then pending x87 exceptions. */
export function fwait(): void {
  if ((cr0() & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) { raise(NM, 0, false); return; }
  pendingMf();
}

// ---------------------------------------------------------------------------
// Arithmetic helpers

/** fxSig/fxSe = a op b for the D8 /r numbering: 0 add, 1 mul, 4 sub (a-b),
 * 5 subr (b-a), 6 div (a/b), 7 divr (b/a). */
function arith(r: u32, aSig: u64, aSe: u32, bSig: u64, bSe: u32): void {
  switch (r) {
    case 0: f80Add(aSig, aSe, bSig, bSe, false); break;
    case 1: f80Mul(aSig, aSe, bSig, bSe); break;
    case 4: f80Add(aSig, aSe, bSig, bSe, true); break;
    case 5: f80Add(bSig, bSe, aSig, aSe, true); break;
    case 6: f80Div(aSig, aSe, bSig, bSe); break;
    default: f80Div(bSig, bSe, aSig, aSe); break;
  }
}

/** Condition codes of a compare (FCOM/FUCOM/FTST/FICOM). */
// @ts-ignore: decorator
@inline function cmpCc(c: i32): u32 {
  if (c == CMP_UN) return SW_C3 | SW_C2 | SW_C0;
  if (c == CMP_EQ) return SW_C3;
  if (c == CMP_LT) return SW_C0;
  return 0;
}

/** ST0 compared with (bSig, bSe); pops `pops` times. `quiet` = FCOM (QNaN signals). */
function compare(bSig: u64, bSe: u32, bOk: bool, signalQnan: bool, pops: i32): void {
  begin();
  const aOk = readSt(0);
  if (!aOk || !bOk) {
    if (!stackUnderflow()) return;
    setCc(SW_C3 | SW_C2 | SW_C0);
  } else {
    const c = f80Cmp(stSig, stSe, bSig, bSe, signalQnan);
    if (!commit(0)) return;
    setCc(cmpCc(c));
  }
  for (let i = 0; i < pops; i++) pop();
}

/** FCOMI/FUCOMI(P): ZF PF CF, with OF SF AF cleared. */
function compareI(i: i32, signalQnan: bool, popAfter: bool): void {
  begin();
  const bOk = readSt(i);
  const bSig = stSig, bSe = stSe;
  const aOk = readSt(0);
  let f: u32;
  if (!aOk || !bOk) {
    if (!stackUnderflow()) return;
    f = F_ZF | F_PF | F_CF;
  } else {
    const c = f80Cmp(stSig, stSe, bSig, bSe, signalQnan);
    setC1Round();
    if (!commit(0)) return;
    f = c == CMP_UN ? F_ZF | F_PF | F_CF : c == CMP_EQ ? F_ZF : c == CMP_LT ? F_CF : 0;
  }
  setEflags((getEflags() & ~(0x8d5 as u32)) | f);
  if (popAfter) pop();
}

/** ST(dst) = ST(a-index) op value; the D8/DC/DA/DE memory and register forms. */
function arithTo(r: u32, dst: i32, bSig: u64, bSe: u32, bOk: bool, popAfter: bool): void {
  begin();
  const aOk = readSt(dst);
  if (!aOk || !bOk) {
    if (!stackUnderflow()) return;
    setReg(phys(dst), INDEF_SIG, INDEF_SE);
  } else {
    arith(r, stSig, stSe, bSig, bSe);
    setC1Round();
    if (!commit(0)) return;
    setReg(phys(dst), fxSig, fxSe);
  }
  if (popAfter) pop();
}

// ---------------------------------------------------------------------------
// Memory forms

function execMem(op: u32, r: u32): void {
  const lin = eaLinear();
  switch (op) {
    case 0xd8: case 0xdc: case 0xda: case 0xde: {
      // Arithmetic and compares with m32fp, m64fp, m32int, m16int.
      let v: u64;
      if (op == 0xd8 || op == 0xda) v = read32(lin);
      else if (op == 0xdc) v = read64(lin);
      else v = read16(lin);
      if (faulted) return;
      begin();
      if (op == 0xd8) f80FromF32(v as u32);
      else if (op == 0xdc) f80FromF64(v);
      else if (op == 0xda) f80FromI64((v as i32) as i64);
      else f80FromI64((v as i16) as i64);
      const bSig = fxSig, bSe = fxSe;
      // The conversion's flags carry over (SNaN → IE, denormal → DE), but a NaN in
      // ST0 outranks a denormal operand.
      let f = sfFlags;
      if (!isEmpty(phys(0)) && class80(regSig(phys(0)), regSe(phys(0))) >= K_QNAN) f &= ~(2 as u32);
      sfSetFlags(f);
      if (r == 2 || r == 3) {
        const aOk = readSt(0);
        if (!aOk) { if (!stackUnderflow()) return; setCc(SW_C3 | SW_C2 | SW_C0); if (r == 3) pop(); return; }
        const c = f80Cmp(stSig, stSe, bSig, bSe, true);
        sfRaise(f);
        if (!commit(0)) return;
        setCc(cmpCc(c));
        if (r == 3) pop();
        return;
      }
      const aOk = readSt(0);
      if (!aOk) { if (!stackUnderflow()) return; setReg(phys(0), INDEF_SIG, INDEF_SE); return; }
      arith(r, stSig, stSe, bSig, bSe);
      sfRaise(f);
      setC1Round();
      if (!commit(0)) return;
      setReg(phys(0), fxSig, fxSe);
      return;
    }
    case 0xd9:
      switch (r) {
        case 0: { // FLD m32fp
          const v = read32(lin);
          if (faulted) return;
          begin();
          f80FromF32(v as u32);
          loadPush();
          return;
        }
        case 2: case 3: storeFloat(lin, 4, r == 3); return;
        case 4: fldenv(lin); return;
        case 5: { // FLDCW
          const v = read16(lin);
          if (faulted) return;
          store<u16>(FX + FX_FCW, ((v & 0x1f3f) | 0x40) as u16); // reserved bits read as 0, bit 6 as 1
          refreshEs();
          return;
        }
        case 6: fnstenv(lin); return;
        case 7: write16(lin, fcw()); return; // FNSTCW
      }
      break;
    case 0xdb:
      switch (r) {
        case 0: { // FILD m32int
          const v = read32(lin);
          if (faulted) return;
          begin();
          f80FromI64((v as i32) as i64);
          loadPush();
          return;
        }
        case 1: case 2: case 3: storeInt(lin, 4, r); return;
        case 5: { // FLD m80fp: no conversion, no exceptions
          const sig = read64(lin);
          const se = read16(lin + 8);
          if (faulted) return;
          begin();
          setC1Round();
          push(sig, se as u32);
          return;
        }
        case 7: { // FSTP m80fp
          begin();
          const ok = readSt(0);
          if (!ok) {
            if ((fcw() & 1) == 0) { stackUnderflow(); return; }
          }
          probeWrite(lin, 10);
          if (faulted) return;
          write64(lin, stSig);
          write16(lin + 8, stSe);
          if (!ok) stackUnderflow();
          setC1Round();
          pop();
          return;
        }
      }
      break;
    case 0xdd:
      switch (r) {
        case 0: { // FLD m64fp
          const v = read64(lin);
          if (faulted) return;
          begin();
          f80FromF64(v);
          loadPush();
          return;
        }
        case 1: storeInt(lin, 8, 1); return; // FISTTP m64
        case 2: case 3: storeFloat(lin, 8, r == 3); return;
        case 4: frstor(lin); return;
        case 6: fnsave(lin); return;
        case 7: write16(lin, fsw()); return; // FNSTSW m16
      }
      break;
    case 0xdf:
      switch (r) {
        case 0: { // FILD m16int
          const v = read16(lin);
          if (faulted) return;
          begin();
          f80FromI64((v as i16) as i64);
          loadPush();
          return;
        }
        case 1: case 2: case 3: storeInt(lin, 2, r); return;
        case 4: { // FBLD
          const lo = read64(lin);
          const hi = read16(lin + 8);
          if (faulted) return;
          begin();
          f80FromBcd(lo, hi as u32);
          loadPush();
          return;
        }
        case 5: { // FILD m64int
          const v = read64(lin);
          if (faulted) return;
          begin();
          f80FromI64(v as i64);
          loadPush();
          return;
        }
        case 6: fbstp(lin); return;
        case 7: storeInt(lin, 8, 3); return; // FISTP m64
      }
      break;
  }
  raiseUD();
}

/** Pushes fxSig/fxSe after a converting load (IE/DE from the conversion). An
 * unmasked DE still loads the value (as the CPU does); an unmasked IE does not. */
function loadPush(): void {
  const sig = fxSig, se = fxSe;
  setC1Round();
  if (!commit(0) && (sfFlags & ~fcw() & SF_IE) != 0) return;
  push(sig, se);
}

/** FST/FSTP m32fp/m64fp. */
function storeFloat(lin: u64, size: i32, popAfter: bool): void {
  begin();
  let v: u64;
  if (!readSt(0)) {
    if (!stackUnderflow()) return;
    v = size == 4 ? 0xffc00000 : 0xfff8000000000000;
  } else {
    v = size == 4 ? f80ToF32(stSig, stSe) as u64 : f80ToF64(stSig, stSe);
    // Unmasked IE DE ZE OE UE leave the memory operand alone (PE does not), and
    // with nothing stored there is nothing inexact either.
    if ((sfFlags & ~fcw() & 0x1f) != 0) {
      if ((sfFlags & ~fcw() & 0x18) != 0) sfSetFlags(sfFlags & ~SF_PE);
      commit(0);
      return;
    }
  }
  if (size == 4) write32(lin, v); else write64(lin, v);
  if (faulted) return;
  setC1Round();
  commit(0);
  if (popAfter) pop();
}

/** FIST/FISTP/FISTTP (kind 2, 3, 1) of `size` bytes. */
function storeInt(lin: u64, size: i32, kind: u32): void {
  begin();
  const bits = size << 3;
  let v: u64;
  if (!readSt(0)) {
    if (!stackUnderflow()) return;
    v = (1 as u64) << ((bits - 1) as u64);
  } else {
    v = f80ToInt(stSig, stSe, bits, kind == 1 ? RC_ZERO : (fcw() >> 10) & 3);
    if ((sfFlags & ~fcw() & SF_IE) != 0) { commit(0); return; }
  }
  if (size == 2) write16(lin, v); else if (size == 4) write32(lin, v); else write64(lin, v);
  if (faulted) return;
  setC1Round();
  commit(0);
  if (kind != 2) pop();
}

function fbstp(lin: u64): void {
  begin();
  let lo: u64, hi: u32;
  if (!readSt(0)) {
    if (!stackUnderflow()) return;
    lo = 0xc000000000000000; hi = 0xffff;
  } else {
    lo = f80ToBcd(stSig, stSe, (fcw() >> 10) & 3);
    hi = bcdHi;
    if ((sfFlags & ~fcw() & SF_IE) != 0) { commit(0); return; }
  }
  probeWrite(lin, 10);
  if (faulted) return;
  write64(lin, lo);
  write16(lin + 8, hi);
  commit(0);
  pop();
}

// ---------------------------------------------------------------------------
// Register forms

function execReg(op: u32, m: u32): void {
  const r = (m >> 3) & 7;
  const i = (m & 7) as i32;
  switch (op) {
    case 0xd8: { // ST0 = ST0 op ST(i); FCOM/FCOMP ST(i)
      begin();
      const ok = readSt(i);
      if (r == 2 || r == 3) { compare(stSig, stSe, ok, true, r == 3 ? 1 : 0); return; }
      arithTo(r, 0, stSig, stSe, ok, false);
      return;
    }
    case 0xdc: case 0xde: { // ST(i) = ST(i) op ST0 (SUB/SUBR and DIV/DIVR swap), DE pops
      if (op == 0xde && r == 3) { // FCOMPP (DE D9 only)
        if (i != 1) break;
        begin();
        const ok = readSt(1);
        compare(stSig, stSe, ok, true, 2);
        return;
      }
      if (r == 2 || r == 3) { // FCOM2/FCOMP3/FCOMP5 aliases
        begin();
        const ok = readSt(i);
        compare(stSig, stSe, ok, true, r == 3 || op == 0xde ? 1 : 0);
        return;
      }
      begin();
      const ok = readSt(0);
      arithTo(r >= 4 ? r ^ 1 : r, i, stSig, stSe, ok, op == 0xde);
      return;
    }
    case 0xd9: execD9(m, r, i); return;
    case 0xda:
      if (r < 4) { fcmov(r, i, false); return; }
      if (m == 0xe9) { // FUCOMPP
        begin();
        const ok = readSt(1);
        compare(stSig, stSe, ok, false, 2);
        return;
      }
      break;
    case 0xdb:
      if (r < 4) { fcmov(r, i, true); return; }
      if (m == 0xe2) { setFsw(fsw() & ~(0x80ff as u32)); return; } // FNCLEX
      if (m == 0xe3) { x87Init(); return; } // FNINIT
      if (m == 0xe0 || m == 0xe1 || m == 0xe4) return; // FENI FDISI FSETPM: no-ops
      if (r == 5) { compareI(i, false, false); return; } // FUCOMI
      if (r == 6) { compareI(i, true, false); return; } // FCOMI
      break;
    case 0xdd:
      switch (r) {
        case 0: freeReg(phys(i)); return; // FFREE
        case 1: fxch(i); return; // FXCH4 alias
        case 2: case 3: { // FST/FSTP ST(i)
          begin();
          if (!readSt(0)) { if (!stackUnderflow()) return; }
          setC1Round();
          setReg(phys(i), stSig, stSe);
          if (r == 3) pop();
          return;
        }
        case 4: case 5: { // FUCOM/FUCOMP
          begin();
          const ok = readSt(i);
          compare(stSig, stSe, ok, false, r == 5 ? 1 : 0);
          return;
        }
      }
      break;
    case 0xdf:
      switch (r) {
        case 0: freeReg(phys(i)); pop(); return; // FFREEP
        case 1: fxch(i); return; // FXCH7 alias
        case 2: case 3: { // FSTP8/FSTP9 aliases
          begin();
          if (!readSt(0)) { if (!stackUnderflow()) return; }
          setC1Round();
          setReg(phys(i), stSig, stSe);
          pop();
          return;
        }
        case 4:
          if (m == 0xe0) { setGprSized(RAX, fsw() as u64, 2); return; } // FNSTSW AX
          break;
        case 5: compareI(i, false, true); return; // FUCOMIP
        case 6: compareI(i, true, true); return; // FCOMIP
      }
      break;
  }
  raiseUD();
}

function fxch(i: i32): void {
  begin();
  const okI = readSt(i);
  const iSig = stSig, iSe = stSe;
  const ok0 = readSt(0);
  if (!okI || !ok0) { if (!stackUnderflow()) return; }
  setC1Round();
  setReg(phys(0), iSig, iSe);
  setReg(phys(i), stSig, stSe);
}

/** FCMOVcc ST0, ST(i): B E BE U (DA), NB NE NBE NU (DB). */
function fcmov(r: u32, i: i32, negate: bool): void {
  begin();
  const cc: i32 = r == 0 ? 2 : r == 1 ? 4 : r == 2 ? 6 : 0xa;
  const take = testCC(negate ? cc | 1 : cc);
  const ok = readSt(i);
  if (!ok || isEmpty(phys(0))) {
    if (!stackUnderflow()) return;
    if (take || isEmpty(phys(0))) setReg(phys(0), INDEF_SIG, INDEF_SE);
    return;
  }
  setC1Round();
  if (take) setReg(phys(0), stSig, stSe);
}

function execD9(m: u32, r: u32, i: i32): void {
  if (r == 0) { // FLD ST(i)
    begin();
    const ok = readSt(i);
    if (!ok && !stackUnderflow()) return;
    setC1Round();
    push(stSig, stSe);
    return;
  }
  if (r == 1) { fxch(i); return; }
  if (r == 2) { if (m != 0xd0) raiseUD(); return; } // FNOP
  if (r == 3) { // FSTP1 alias
    begin();
    if (!readSt(0)) { if (!stackUnderflow()) return; }
    setC1Round();
    setReg(phys(i), stSig, stSe);
    pop();
    return;
  }
  begin();
  switch (m) {
    case 0xe0: case 0xe1: { // FCHS / FABS
      if (!readSt(0)) { if (!stackUnderflow()) return; setReg(phys(0), INDEF_SIG, INDEF_SE); return; }
      setC1Round();
      setReg(phys(0), stSig, m == 0xe0 ? stSe ^ 0x8000 : stSe & 0x7fff);
      return;
    }
    case 0xe4: { // FTST
      compare(0, 0, true, true, 0);
      return;
    }
    case 0xe5: fxam(); return;
    case 0xe8: case 0xe9: case 0xea: case 0xeb: case 0xec: case 0xed: case 0xee: // constants
      f80Const(m & 7, (fcw() >> 10) & 3);
      setC1Round();
      push(fxSig, fxSe);
      return;
    case 0xf0: case 0xf1: case 0xf2: case 0xf3: case 0xf9: case 0xfb: case 0xfe: case 0xff:
      transcendental(m);
      return;
    case 0xf4: { // FXTRACT
      if (!readSt(0)) { if (!stackUnderflow()) return; setReg(phys(0), INDEF_SIG, INDEF_SE); push(INDEF_SIG, INDEF_SE); return; }
      if (!isEmpty(phys(-1))) { push(0, 0); return; } // stack overflow path
      f80Extract(stSig, stSe);
      setC1Round();
      if (!commit(0)) return;
      setReg(phys(0), xtExpSig, xtExpSe);
      push(fxSig, fxSe);
      return;
    }
    case 0xf5: case 0xf8: { // FPREM1 / FPREM
      const ok1 = readSt(1);
      const bSig = stSig, bSe = stSe;
      const ok0 = readSt(0);
      if (!ok0 || !ok1) { if (!stackUnderflow()) return; setReg(phys(0), INDEF_SIG, INDEF_SE); return; }
      f80Rem(stSig, stSe, bSig, bSe, m == 0xf5);
      if (!commit(0)) return;
      const q = remQuot;
      let cc: u32 = 0;
      if (remPartial) cc = SW_C2;
      else {
        if ((q & 1) != 0) cc |= SW_C1;
        if ((q & 2) != 0) cc |= SW_C3;
        if ((q & 4) != 0) cc |= SW_C0;
      }
      setCc(cc);
      setReg(phys(0), fxSig, fxSe);
      return;
    }
    case 0xf6: setTop(top() - 1); setC1Round(); return; // FDECSTP
    case 0xf7: setTop(top() + 1); setC1Round(); return; // FINCSTP
    case 0xfa: { // FSQRT
      if (!readSt(0)) { if (!stackUnderflow()) return; setReg(phys(0), INDEF_SIG, INDEF_SE); return; }
      f80Sqrt(stSig, stSe);
      setC1Round();
      if (!commit(0)) return;
      setReg(phys(0), fxSig, fxSe);
      return;
    }
    case 0xfc: { // FRNDINT
      if (!readSt(0)) { if (!stackUnderflow()) return; setReg(phys(0), INDEF_SIG, INDEF_SE); return; }
      f80RoundInt(stSig, stSe, (fcw() >> 10) & 3);
      setC1Round();
      if (!commit(0)) return;
      setReg(phys(0), fxSig, fxSe);
      return;
    }
    case 0xfd: { // FSCALE
      const ok1 = readSt(1);
      const bSig = stSig, bSe = stSe;
      const ok0 = readSt(0);
      if (!ok0 || !ok1) { if (!stackUnderflow()) return; setReg(phys(0), INDEF_SIG, INDEF_SE); return; }
      f80Scale(stSig, stSe, bSig, bSe);
      setC1Round();
      if (!commit(0)) return;
      setReg(phys(0), fxSig, fxSe);
      return;
    }
  }
  raiseUD();
}

/** FXAM: C1 = sign; C3 C2 C0 = class (empty 101, unsupported 000, NaN 001,
 * normal 010, infinity 011, zero 100, denormal 110). */
function fxam(): void {
  const p = phys(0);
  const se = regSe(p);
  let cc: u32 = (se & 0x8000) != 0 ? SW_C1 : 0;
  if (isEmpty(p)) cc |= SW_C3 | SW_C0;
  else {
    const k = class80(regSig(p), se);
    if (k == K_QNAN || k == K_SNAN) cc |= SW_C0;
    else if (k == K_NORMAL) cc |= SW_C2;
    else if (k == K_INF) cc |= SW_C2 | SW_C0;
    else if (k == K_ZERO) cc |= SW_C3;
    else if (k == K_DENORMAL) cc |= SW_C3 | SW_C2;
  }
  setCc(cc);
}

// ---------------------------------------------------------------------------
// Transcendentals (f64 precision)

/** Writes an f64 result into physical register p (exact widening; the DE a
 * denormal double would flag on a load does not apply to a result). */
function setF64(p: i32, v: f64): void {
  const saved = sfFlags;
  f80FromF64(reinterpret<u64>(v));
  sfSetFlags(saved);
  setReg(p, fxSig, fxSe);
}

const TWO63: f64 = 9223372036854775808.0;

// @ts-ignore: decorator
@inline function isInf(v: f64): bool { return !isFinite(v) && !isNaN(v); }

function transcendental(m: u32): void {
  // Operands: ST0 (x) and, for the two-operand ones, ST1 (y).
  const two = m == 0xf1 || m == 0xf3 || m == 0xf9;
  const ok1 = two ? readSt(1) : true;
  const ySig = stSig, ySe = stSe;
  const ok0 = readSt(0);
  if (!ok0 || !ok1) {
    if (!stackUnderflow()) return;
    setReg(phys(0), INDEF_SIG, INDEF_SE);
    return;
  }
  const k0 = class80(stSig, stSe);
  const k1 = two ? class80(ySig, ySe) : K_ZERO;
  // NaN operands propagate (x87 rules via a NaN-aware add).
  if (k0 >= K_QNAN || (two && k1 >= K_QNAN)) {
    if (two) f80Add(stSig, stSe, ySig, ySe, false); else f80Add(stSig, stSe, stSig, stSe, false);
    if (!commit(0)) return;
    if (two) { pop(); setReg(phys(0), fxSig, fxSe); }
    else setReg(phys(0), fxSig, fxSe);
    if (m == 0xf2 || m == 0xfb) push(fxSig, fxSe);
    return;
  }
  const x = f80ToF64Value(stSig, stSe);
  const y = two ? f80ToF64Value(ySig, ySe) : 0.0;
  const p0 = phys(0);
  setFsw(fsw() & ~(SW_C1 | SW_C2));
  switch (m) {
    case 0xf0: { // F2XM1
      const r = x == 0 ? x : Math.expm1(x * Math.LN2);
      if (r != x) sfRaise(SF_PE);
      if (!commit(0)) return;
      setF64(p0, r);
      return;
    }
    case 0xf1: case 0xf9: { // FYL2X, FYL2XP1: ST1 = y * log2(x) (or log2(x + 1)), pop
      let r: f64;
      if (m == 0xf1) {
        if (x < 0 || (x == 0 && y == 0) || (x == 1 && isInf(y)) || (isInf(x) && y == 0)) { sfRaise(SF_IE); r = NaN; }
        else {
          if (x == 0) sfRaise(SF_ZE);
          r = y * Math.log2(x);
        }
      } else {
        if (x < -1 || (x == -1 && y == 0)) { sfRaise(SF_IE); r = NaN; }
        else r = y * (Math.log1p(x) / Math.LN2);
      }
      if (r != 0 && !isInf(r)) sfRaise(SF_PE);
      if (!commit(0)) return;
      pop();
      if (isNaN(r)) setReg(phys(0), INDEF_SIG, INDEF_SE); else setF64(phys(0), r);
      return;
    }
    case 0xf2: case 0xfe: case 0xff: case 0xfb: { // FPTAN FSIN FCOS FSINCOS
      if (isInf(x)) {
        sfRaise(SF_IE);
        if (!commit(0)) return;
        setReg(p0, INDEF_SIG, INDEF_SE);
        if (m == 0xf2 || m == 0xfb) push(INDEF_SIG, INDEF_SE);
        return;
      }
      if (Math.abs(x) >= TWO63) { setFsw(fsw() | SW_C2); return; } // out of range: unchanged
      if (x != 0) sfRaise(SF_PE);
      if (m == 0xfb || m == 0xf2) {
        if (!isEmpty(phys(-1))) { push(0, 0); return; } // stack overflow
      }
      if (!commit(0)) return;
      if (m == 0xfe) setF64(p0, Math.sin(x));
      else if (m == 0xff) setF64(p0, x == 0 ? 1.0 : Math.cos(x));
      else if (m == 0xf2) { setF64(p0, Math.tan(x)); push(INT_BIT, 0x3fff); }
      else { setF64(p0, Math.sin(x)); push(0, 0); setF64(phys(0), x == 0 ? 1.0 : Math.cos(x)); }
      return;
    }
    case 0xf3: { // FPATAN: ST1 = atan2(ST1, ST0), pop
      const r = Math.atan2(y, x);
      if (r != 0 || x < 0) sfRaise(SF_PE);
      if (!commit(0)) return;
      pop();
      setF64(phys(0), r);
      return;
    }
  }
}
