// The guest's time: one TSC at a nominal 1 GHz (so Xen system time in ns equals
// TSC ticks). In real-time mode it follows the host's monotonic clock; within a
// run slice the core advances it one tick per instruction, and it never goes
// back. In virtual-clock mode it is the instruction count plus time skipped
// while the guest was idle, so runs are deterministic.
import type { Platform } from "../platform/platform.js";

export const TSC_KHZ = 1_000_000;

export class GuestClock {
  private tsc = 0;
  private idleSkip = 0;
  /** The TSC and the core's instruction count when the current run slice began;
   * sliceInsns is -1 between slices. */
  private sliceTsc = 0;
  private sliceInsns = -1;
  private readonly t0: number;
  readonly wallAtZeroMs: number;

  constructor(private readonly platform: Platform, readonly virtual: boolean) {
    this.t0 = platform.now();
    this.wallAtZeroMs = platform.wallClock();
  }

  /** The TSC to hand the core at the start of a run slice. */
  sliceStart(insnCount: number): number {
    if (this.virtual) this.tsc = insnCount + this.idleSkip;
    else this.tsc = Math.max(this.tsc, Math.floor((this.platform.now() - this.t0) * 1e6));
    this.sliceTsc = this.tsc;
    this.sliceInsns = insnCount;
    return this.tsc;
  }

  /** After a slice that retired `insns` instructions. */
  sliceEnd(insns: number): void {
    this.tsc += insns;
    this.sliceInsns = -1;
  }

  /** The TSC as the guest's RDTSC reads it at this moment, given the core's
   * instruction count: inside a run slice (a hypercall answered on the fast path)
   * the slice's start plus the instructions retired since, which is what the core
   * counts; between slices now(). Xen's system time must use this, or a pvclock
   * anchor taken mid-slice would lie ahead of the guest's TSC (a negative delta in
   * the guest's pvclock read) or behind it (relative timers firing early). */
  guestTsc(insnCount: number): number {
    if (this.sliceInsns < 0) return this.now();
    return this.sliceTsc + (insnCount - this.sliceInsns);
  }

  /** The guest TSC now (ns of system time). */
  now(): number {
    if (!this.virtual) this.tsc = Math.max(this.tsc, Math.floor((this.platform.now() - this.t0) * 1e6));
    return this.tsc;
  }

  /** Idle until `deadline`: virtual time jumps there; real time is slept by the caller. */
  skipTo(deadline: number): void {
    if (this.virtual && deadline > this.tsc) {
      this.idleSkip += deadline - this.tsc;
      this.tsc = deadline;
    }
  }

  /** Real milliseconds until the guest TSC reaches `deadline`. */
  msUntil(deadline: number): number {
    return Math.max(0, (deadline - this.now()) / 1e6);
  }
}
