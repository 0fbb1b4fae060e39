// x87 register stack, tags, status/control words and exception bookkeeping.
// FCW/FSW/abridged FTW live in the FXSAVE image (sse_regs.ts); the physical
// registers R0-R7 in CPU_X87_PRIVATE (80-bit: u64 significand + u16 sign|exp).
//
// FSW: IE DE ZE OE UE PE (0-5) SF (6) ES (7) C0 (8) C1 (9) C2 (10) TOP (11-13) C3 (14) B (15)
// FCW: exception masks (0-5), PC (8-9), RC (10-11)
import { FX, FX_FCW, FX_FSW, FX_FTW, FX_FIP, mmPtr } from "./sse_regs";
import { sfBeginX87, sfFlags, sfRoundedUp, sfSetRoundedUp } from "../../util/softfloat";
import { setX87Prec, class80, K_ZERO, K_NORMAL, INDEF_SIG, INDEF_SE, fxSig, fxSe } from "../../util/softfloat80";
import { rip } from "../state";
import { opcode, modrm, isMem, eaOff } from "../decode";
import { FX_FOP, FX_FDP } from "./sse_regs";

// @ts-ignore: decorator
@inline export const SW_SF: u32 = 0x40;
// @ts-ignore: decorator
@inline export const SW_ES: u32 = 0x80;
// @ts-ignore: decorator
@inline export const SW_C0: u32 = 0x100;
// @ts-ignore: decorator
@inline export const SW_C1: u32 = 0x200;
// @ts-ignore: decorator
@inline export const SW_C2: u32 = 0x400;
// @ts-ignore: decorator
@inline export const SW_C3: u32 = 0x4000;
// @ts-ignore: decorator
@inline export const SW_B: u32 = 0x8000;
// @ts-ignore: decorator
@inline export const SW_CC: u32 = SW_C0 | SW_C1 | SW_C2 | SW_C3;
// @ts-ignore: decorator
@inline export const FCW_INIT: u32 = 0x037f;

// @ts-ignore: decorator
@inline export function fcw(): u32 { return load<u16>(FX + FX_FCW); }
// @ts-ignore: decorator
@inline export function fsw(): u32 { return load<u16>(FX + FX_FSW); }
// @ts-ignore: decorator
@inline export function setFsw(v: u32): void { store<u16>(FX + FX_FSW, v as u16); }
// @ts-ignore: decorator
@inline export function ftw(): u32 { return load<u8>(FX + FX_FTW); }
// @ts-ignore: decorator
@inline export function setFtw(v: u32): void { store<u8>(FX + FX_FTW, v as u8); }
// @ts-ignore: decorator
@inline export function top(): i32 { return ((fsw() >> 11) & 7) as i32; }
// @ts-ignore: decorator
@inline export function setTop(t: i32): void { setFsw((fsw() & ~0x3800) | (((t & 7) as u32) << 11)); }
/** Physical register number of ST(i). */
// @ts-ignore: decorator
@inline export function phys(i: i32): i32 { return (top() + i) & 7; }
// @ts-ignore: decorator
@inline export function isEmpty(p: i32): bool { return (ftw() & (1 << (p as u32))) == 0; }
// @ts-ignore: decorator
@inline export function regSig(p: i32): u64 { return load<u64>(mmPtr(p)); }
// @ts-ignore: decorator
@inline export function regSe(p: i32): u32 { return load<u16>(mmPtr(p) + 8); }

/** Writes physical register p and tags it valid. */
export function setReg(p: i32, sig: u64, se: u32): void {
  const a = mmPtr(p);
  store<u64>(a, sig);
  store<u16>(a + 8, se as u16);
  setFtw(ftw() | (1 << (p as u32)));
}

export function freeReg(p: i32): void { setFtw(ftw() & ~(1 << (p as u32))); }

/** Pops ST0 (tags it empty, TOP + 1). */
export function pop(): void {
  const t = top();
  freeReg(t);
  setTop(t + 1);
}

/** Starts an arithmetic instruction: softfloat mode from FCW. */
export function begin(): void {
  const cw = fcw();
  sfBeginX87((cw >> 10) & 3, (cw & 0x10) != 0);
  setX87Prec((cw >> 8) & 3);
  sfSetRoundedUp(false);
}

/** C1 after a result: set when rounding increased the magnitude. */
export function setC1Round(): void {
  setFsw(sfRoundedUp ? fsw() | SW_C1 : fsw() & ~SW_C1);
}

/** Merges flags (plus `sw` bits such as SF/C1) into FSW, clearing C0-C3 to `cc`
 * when `setCc`. Returns false when an unmasked IE/DE/ZE suppresses the result.
 * Unmasked exceptions set ES and B; the next waiting instruction takes #MF. */
export function commit(extra: u32): bool {
  let f = sfFlags | extra;
  if (f == 0) return true;
  const unmasked = f & ~fcw() & 0x3f;
  let sw = fsw();
  if (unmasked != 0) {
    // An unmasked IE/DE/ZE stops the operation before it computes anything, so
    // the post-computation flags stay clear; a memory destination with unmasked
    // OE/UE is not written, so PE stays clear too. FOP and FDP record the
    // instruction for the handler.
    if ((unmasked & 7) != 0) f &= 0x47;
    sw |= SW_ES | SW_B;
    store<u16>(FX + FX_FOP, (((opcode & 7) << 8) | modrm) as u16);
    if (isMem) store<u64>(FX + FX_FDP, eaOff);
  }
  setFsw(sw | (f & 0x7f));
  return (unmasked & 0x7) == 0;
}

/** Sets the condition codes (C0-C3) to `cc`. */
export function setCc(cc: u32): void {
  setFsw((fsw() & ~SW_CC) | cc);
}

/** Recomputes ES/B from the flags and masks (after FLDCW/FLDENV/FRSTOR). */
export function refreshEs(): void {
  const sw = fsw();
  if ((sw & ~fcw() & 0x3f) != 0) setFsw(sw | SW_ES | SW_B);
  else setFsw(sw & ~(SW_ES | SW_B));
}

// ---------------------------------------------------------------------------
// Stack access with the stack-fault rules (SDM Vol. 1, 8.5.1.1)

/** Reads ST(i) into stSig/stSe. Returns false on stack underflow (empty
 * register): IE|SF raised with C1 = 0, and stSig/stSe hold the real indefinite. */
export let stSig: u64 = 0;
export let stSe: u32 = 0;
export let underflow: bool = false;

export function readSt(i: i32): bool {
  const p = phys(i);
  if (isEmpty(p)) {
    stSig = INDEF_SIG;
    stSe = INDEF_SE;
    underflow = true;
    return false;
  }
  stSig = regSig(p);
  stSe = regSe(p);
  return true;
}

/** Pushes a value. Stack overflow (ST7 in use) raises IE|SF with C1 = 1 and, if IE
 * is masked, pushes the real indefinite instead. Returns false if nothing was pushed. */
export function push(sig: u64, se: u32): bool {
  const t = (top() - 1) & 7;
  if (!isEmpty(t)) {
    setCc(fsw() & SW_CC | SW_C1);
    if (!commit(1 | SW_SF)) return false;
    setTop(t);
    setReg(t, INDEF_SIG, INDEF_SE);
    return false;
  }
  setTop(t);
  setReg(t, sig, se);
  return true;
}

/** Stack underflow on a read: IE|SF with C1 = 0. Returns true when IE is masked
 * (the instruction then continues with the indefinite). */
export function stackUnderflow(): bool {
  setFsw(fsw() & ~SW_C1);
  return commit(1 | SW_SF);
}

/** Full 2-bit tag of physical register p (FNSTENV/FNSAVE): 0 valid, 1 zero,
 * 2 special, 3 empty. */
export function fullTag(p: i32): u32 {
  if (isEmpty(p)) return 3;
  const k = class80(regSig(p), regSe(p));
  if (k == K_ZERO) return 1;
  if (k == K_NORMAL) return 0;
  return 2;
}

export function fullTagWord(): u32 {
  let w: u32 = 0;
  for (let p = 0; p < 8; p++) w |= fullTag(p) << ((p as u32) << 1);
  return w;
}

/** FNINIT state. */
export function x87Init(): void {
  store<u16>(FX + FX_FCW, FCW_INIT as u16);
  setFsw(0);
  setFtw(0);
  store<u16>(FX, 0, 6); // FOP
  store<u64>(FX + FX_FIP, 0);
  store<u64>(FX, 0, 16); // FDP
}

/** Result of the last softfloat80 operation, for callers that pass it on. */
// @ts-ignore: decorator
@inline export function resSig(): u64 { return fxSig; }
// @ts-ignore: decorator
@inline export function resSe(): u32 { return fxSe; }
