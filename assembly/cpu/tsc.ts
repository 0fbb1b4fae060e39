// The time-stamp counter. In real-time mode the host sets CTL_TSC_BASE before
// each run; within a run the counter advances one tick per retired instruction,
// so it is monotonic either way (and fully deterministic in virtual-clock mode).
import { CTL_OFF, CTL_TSC_BASE, CPU_OFF, CPU_TSC_OFFSET } from "../layout";

export let insnCount: u64 = 0;
let entryCount: u64 = 0;

// @ts-ignore: decorator
@inline export function setInsnCount(v: u64): void { insnCount = v; }
export function addInsns(n: u64): void { insnCount += n; }
// @ts-ignore: decorator
@inline export function addInsn(): void { insnCount++; }
export function markEntry(): void { entryCount = insnCount; }

export function tscNow(): u64 {
  return load<u64>(CTL_OFF + CTL_TSC_BASE) + (insnCount - entryCount);
}

/** What RDTSC/RDTSCP read: the clock plus the vCPU's TSC offset. */
export function rdtscValue(): u64 {
  return tscNow() + load<u64>(CPU_OFF + CPU_TSC_OFFSET);
}
