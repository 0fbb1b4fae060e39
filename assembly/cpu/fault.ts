// Architectural faults as plain control flow: a helper that hits a fault records
// it here and returns a dummy value; handlers test `faulted` after memory helpers
// and return; the run loop delivers the exception at the instruction boundary.

// @ts-ignore: decorator
@inline export const DE: i32 = 0;
// @ts-ignore: decorator
@inline export const DB: i32 = 1;
// @ts-ignore: decorator
@inline export const NMI: i32 = 2;
// @ts-ignore: decorator
@inline export const BP: i32 = 3;
// @ts-ignore: decorator
@inline export const OF_: i32 = 4;
// @ts-ignore: decorator
@inline export const BR: i32 = 5;
// @ts-ignore: decorator
@inline export const UD: i32 = 6;
// @ts-ignore: decorator
@inline export const NM: i32 = 7;
// @ts-ignore: decorator
@inline export const DF: i32 = 8;
// @ts-ignore: decorator
@inline export const TS_: i32 = 10;
// @ts-ignore: decorator
@inline export const NP: i32 = 11;
// @ts-ignore: decorator
@inline export const SS_: i32 = 12;
// @ts-ignore: decorator
@inline export const GP: i32 = 13;
// @ts-ignore: decorator
@inline export const PF: i32 = 14;
// @ts-ignore: decorator
@inline export const MF: i32 = 16;
// @ts-ignore: decorator
@inline export const AC: i32 = 17;
// @ts-ignore: decorator
@inline export const XM: i32 = 19;

export let faulted: bool = false;
export let faultVector: i32 = -1;
export let faultCode: u32 = 0;
export let faultHasCode: bool = false;
/** Faults raised while probing on the host's behalf must not touch CR2. */
export let faultAddr: u64 = 0;

export function raise(vector: i32, code: u32, hasCode: bool): void {
  if (faulted) return; // the first fault of an instruction wins
  faulted = true;
  faultVector = vector;
  faultCode = code;
  faultHasCode = hasCode;
}

export function raiseGP(code: u32): void { raise(GP, code, true); }
export function raiseUD(): void { raise(UD, 0, false); }

export function raisePF(lin: u64, code: u32): void {
  if (faulted) return;
  faultAddr = lin;
  raise(PF, code, true);
}

export function clearFault(): void {
  faulted = false;
  faultVector = -1;
}

/** True for vectors that push an error code (SDM Vol. 3, 6.13). */
export function vectorHasCode(v: i32): bool {
  return v == DF || v == TS_ || v == NP || v == SS_ || v == GP || v == PF || v == AC;
}
