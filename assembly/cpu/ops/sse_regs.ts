// Where the SSE/MMX/x87 state lives, the CR0/CR4 gates, operand access for
// xmm/mm instructions, and MXCSR exception delivery.
//
// CPU_FXSAVE (512 B) is the architectural FXSAVE image and is authoritative for
// FCW, FSW (TOP included), the abridged tag byte (physical order), MXCSR and
// XMM0-15; the host and the vector replay read XMM and MXCSR there.
// CPU_X87_PRIVATE holds the eight physical x87 registers R0-R7 (16 B each: u64
// significand, u16 sign|exponent), so pushes and pops move TOP, not data; MMi is
// Ri's significand. FXSAVE writes them out in ST order.
import { CPU_OFF, CPU_FXSAVE, CPU_X87_PRIVATE } from "../../layout";
import { cr0, cr4, CR0_EM, CR0_TS, CR4_OSFXSR } from "../state";
import { faulted, raise, raiseGP, raiseUD, NM, XM, MF } from "../fault";
import { isMem, rmf, modrm, eaLinear } from "../decode";
import { read64, read32, write64, probeWrite } from "../mmu";
import { sfFlags, SF_IE, SF_DE, SF_ZE } from "../../util/softfloat";

// @ts-ignore: decorator
@inline export const FX: usize = CPU_OFF + CPU_FXSAVE;
// FXSAVE image fields (SDM Vol. 1, Table 10-2).
// @ts-ignore: decorator
@inline export const FX_FCW: usize = 0x00;
// @ts-ignore: decorator
@inline export const FX_FSW: usize = 0x02;
// @ts-ignore: decorator
@inline export const FX_FTW: usize = 0x04; // abridged: bit i = physical register i not empty
// @ts-ignore: decorator
@inline export const FX_FOP: usize = 0x06;
// @ts-ignore: decorator
@inline export const FX_FIP: usize = 0x08;
// @ts-ignore: decorator
@inline export const FX_FDP: usize = 0x10;
// @ts-ignore: decorator
@inline export const FX_MXCSR: usize = 0x18;
// @ts-ignore: decorator
@inline export const FX_MXCSR_MASK: usize = 0x1c;
// @ts-ignore: decorator
@inline export const FX_ST: usize = 0x20;
// @ts-ignore: decorator
@inline export const FX_XMM: usize = 0xa0;

/** MXCSR bits a guest may set: flags, DAZ, masks, RC, FTZ (DAZ is supported). */
// @ts-ignore: decorator
@inline export const MXCSR_MASK: u32 = 0xffff;
// @ts-ignore: decorator
@inline export const CR4_OSXMMEXCPT: u64 = 1 << 10;
// @ts-ignore: decorator
@inline export const CR0_NE: u64 = 1 << 5;

// @ts-ignore: decorator
@inline export const X87R: usize = CPU_OFF + CPU_X87_PRIVATE;

// Mandatory-prefix classes (SDM Vol. 2, 2.1.2): none, 66, F3, F2.
// @ts-ignore: decorator
@inline export const P_NONE: i32 = 0;
// @ts-ignore: decorator
@inline export const P_66: i32 = 1;
// @ts-ignore: decorator
@inline export const P_F3: i32 = 2;
// @ts-ignore: decorator
@inline export const P_F2: i32 = 3;

/** Scratch (128 B, 16-aligned): MEMBUF holds a memory (or mm) source operand,
 * DBUF an mm destination widened to 128 bits, RES a result being built, WORK 64 B
 * for byte shifts. */
export const SCR: usize = memory.data(128, 16);
// @ts-ignore: decorator
@inline export const MEMBUF: usize = SCR;
// @ts-ignore: decorator
@inline export const DBUF: usize = SCR + 16;
// @ts-ignore: decorator
@inline export const RES: usize = SCR + 32;
// @ts-ignore: decorator
@inline export const WORK: usize = SCR + 48;

// @ts-ignore: decorator
@inline export function xmm(i: i32): usize { return FX + FX_XMM + ((i as usize) << 4); }
// @ts-ignore: decorator
@inline export function mmPtr(i: i32): usize { return X87R + (((i & 7) as usize) << 4); }

// @ts-ignore: decorator
@inline export function mxcsr(): u32 { return load<u32>(FX + FX_MXCSR); }

/** SSE gate: CR0.EM or CR4.OSFXSR clear → #UD; CR0.TS → #NM. */
export function sseGate(): bool {
  const c0 = cr0();
  if ((c0 & CR0_EM) != 0 || (cr4() & CR4_OSFXSR) == 0) { raiseUD(); return false; }
  if ((c0 & CR0_TS) != 0) { raise(NM, 0, false); return false; }
  return true;
}

/** MMX gate: the checks of mmxCheck(); the x87→MMX transition (TOP = 0, every
 * tag valid) is applied by sseExec once the instruction has completed without a
 * fault, so a faulting MMX instruction leaves the x87 state alone. */
export let mmxPending: bool = false;
export function mmxGate(): bool {
  if (!mmxCheck()) return false;
  mmxPending = true;
  return true;
}
export function mmxDone(): void {
  mmxPending = false;
  if (faulted) return;
  store<u16>(FX + FX_FSW, load<u16>(FX + FX_FSW) & ~0x3800);
  store<u8>(FX + FX_FTW, 0xff);
}

/** The MMX/EMMS checks alone: CR0.EM → #UD, CR0.TS → #NM, a pending unmasked
 * x87 exception → #MF (with CR0.NE). */
export function mmxCheck(): bool {
  const c0 = cr0();
  if ((c0 & CR0_EM) != 0) { raiseUD(); return false; }
  if ((c0 & CR0_TS) != 0) { raise(NM, 0, false); return false; }
  if ((load<u16>(FX + FX_FSW) & 0x80) != 0 && (c0 & CR0_NE) != 0) { raise(MF, 0, false); return false; }
  return true;
}

/** Writes MMi (exponent bits all ones, as an MMX write does). */
// @ts-ignore: decorator
@inline export function mmSet(i: i32, v: u64): void {
  const p = mmPtr(i);
  store<u64>(p, v);
  store<u16>(p + 8, 0xffff);
}
// @ts-ignore: decorator
@inline export function mmGet(i: i32): u64 { return load<u64>(mmPtr(i)); }

/** ModRM.reg / ModRM.rm as mm register numbers (REX bits do not extend them). */
// @ts-ignore: decorator
@inline export function mmReg(): i32 { return ((modrm >> 3) & 7) as i32; }
// @ts-ignore: decorator
@inline export function mmRm(): i32 { return (modrm & 7) as i32; }

/** The 128-bit r/m operand: a pointer to the xmm register, or to MEMBUF holding
 * m128 (#GP(0) if `align` and the address is not 16-byte aligned). Check
 * `faulted` after. */
export function srcX(align: bool): usize {
  if (!isMem) return xmm(rmf);
  const lin = eaLinear();
  if (align && (lin & 15) != 0) { raiseGP(0); return MEMBUF; }
  const lo = read64(lin);
  if (faulted) return MEMBUF;
  const hi = read64(lin + 8);
  store<u64>(MEMBUF, lo);
  store<u64>(MEMBUF, hi, 8);
  return MEMBUF;
}

/** The r/m operand of a scalar or half form: the xmm register (whole), or m32/m64
 * zero-extended in MEMBUF. */
export function srcXs(size: i32): usize {
  if (!isMem) return xmm(rmf);
  const lin = eaLinear();
  const v = size == 4 ? read32(lin) : read64(lin);
  store<u64>(MEMBUF, v);
  store<u64>(MEMBUF, 0, 8);
  return MEMBUF;
}

/** The 64-bit r/m operand of an MMX form (mm register or m64) in MEMBUF's low half. */
export function srcMm(): usize {
  const v = isMem ? read64(eaLinear()) : load<u64>(mmPtr(mmRm()));
  store<u64>(MEMBUF, v);
  store<u64>(MEMBUF, 0, 8);
  return MEMBUF;
}

/** Stores the 16 bytes at `src` to the r/m operand (register, or m128 checked
 * whole before any byte is written). */
export function writeXRM(src: usize, align: bool): void {
  if (!isMem) { v128.store(xmm(rmf), v128.load(src)); return; }
  const lin = eaLinear();
  if (align && (lin & 15) != 0) { raiseGP(0); return; }
  probeWrite(lin, 16);
  if (faulted) return;
  write64(lin, load<u64>(src));
  write64(lin + 8, load<u64>(src, 8));
}

/** Merges the flags the softfloat raised into MXCSR and delivers unmasked ones:
 * #XM with CR4.OSXMMEXCPT, else #UD. Returns true when the result may be written.
 * An unmasked pre-computation exception (IE/DE/ZE) keeps the post-computation
 * flags out (SDM Vol. 1, 11.5.2). */
export function sseCommit(): bool {
  const f = sfFlags;
  if (f == 0) return true;
  const mx = mxcsr();
  const unmasked = f & ~(mx >> 7) & 0x3f;
  if (unmasked == 0) { store<u32>(FX + FX_MXCSR, mx | f); return true; }
  const pre: u32 = SF_IE | SF_DE | SF_ZE;
  store<u32>(FX + FX_MXCSR, mx | ((unmasked & pre) != 0 ? f & pre : f));
  raise((cr4() & CR4_OSXMMEXCPT) != 0 ? XM : 6, 0, false);
  return false;
}
