// Local APIC (placeholder until the device work lands): the register page is at
// LAPIC_OFF; reads return the stored value, writes store it.
import { LAPIC_OFF } from "../layout";

// @ts-ignore: decorator
@inline export const LAPIC_GPA: u64 = 0xfee00000;

export function lapicMmioRead(off: u32, size: i32): u64 {
  if (size != 4 || (off & 0xf) != 0) return 0;
  return load<u32>(LAPIC_OFF + off);
}

export function lapicMmioWrite(off: u32, size: i32, v: u64): void {
  if (size != 4 || (off & 0xf) != 0) return;
  store<u32>(LAPIC_OFF + off, v as u32);
}

/** Highest-priority deliverable vector, or -1. */
export function lapicPendingVector(): i32 {
  return -1;
}

/** The CPU took `vector`: move it from IRR to ISR. */
export function lapicAccept(vector: i32): void {}

/** x2APIC MSRs (0x800-0x8FF) once implemented. */
export function lapicMsrValid(idx: u32): bool {
  return false;
}
export function lapicMsrRead(idx: u32): u64 {
  return 0;
}
export function lapicMsrWrite(idx: u32, v: u64): bool {
  return false;
}

/** CR8 writes set the task priority (TPR = CR8 << 4). */
export function lapicSetTpr(v: u32): void {
  store<u32>(LAPIC_OFF + 0x80, v);
}
export function lapicGetTpr(): u32 {
  return load<u32>(LAPIC_OFF + 0x80);
}
