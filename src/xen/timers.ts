// Per-vCPU Xen timers: the single-shot timer (VCPUOP_set_singleshot_timer and
// set_timer_op share it, as in Xen) and the periodic timer (VCPUOP_set_periodic_timer).
// Every expiry raises the vCPU's VIRQ_TIMER; single-shot deadlines clear once they fire.
//
// Time is Xen system time in ns (src/xen/pvclock.ts). The run loop asks
// nextDeadline() how long it may run or sleep, and calls fire() when it has passed.

import { EINVAL } from "./errno.js";

/** set_timer_op: Xen's workaround for Linux passing garbage: a negative deadline or one
 * more than 2^50 ns ahead becomes now + 100 ms. */
const TIMER_OP_SLACK_LIMIT_NS = 1n << 50n;
const TIMER_OP_FALLBACK_NS = 100_000_000n;
/** VCPUOP_set_periodic_timer bounds. */
const PERIOD_MIN_NS = 1_000_000n;
const PERIOD_MAX_NS = 1n << 62n;

export interface TimersState {
  singleshot: (string | null)[];
  periodic: ({ period: string; next: string } | null)[];
}

export class XenTimers {
  private readonly singleshot: (bigint | null)[];
  private readonly periodic: ({ period: bigint; next: bigint } | null)[];

  constructor(
    private readonly clock: { nowNs(): bigint },
    nrVcpus: number,
    /** Raise VIRQ_TIMER on this vCPU. */
    private readonly onExpire: (vcpu: number) => void,
  ) {
    this.singleshot = new Array(nrVcpus).fill(null);
    this.periodic = new Array(nrVcpus).fill(null);
  }

  /** set_timer_op(timeout): 0 cancels, anything else arms the single-shot timer. */
  setTimerOp(v: number, timeout: bigint): number {
    if (timeout === 0n) {
      this.singleshot[v] = null;
      return 0;
    }
    const now = this.clock.nowNs();
    const signed = BigInt.asIntN(64, timeout);
    const deadline = signed < 0n || signed > now + TIMER_OP_SLACK_LIMIT_NS ? now + TIMER_OP_FALLBACK_NS : signed;
    this.arm(v, deadline, now);
    return 0;
  }

  /** VCPUOP_set_singleshot_timer. A deadline already past fires at once and returns 0,
   * with or without VCPU_SSHOTTMR_future (current Xen; Linux accepts 0 or -ETIME). */
  setSingleshot(v: number, deadline: bigint): number {
    this.arm(v, BigInt.asUintN(64, deadline), this.clock.nowNs());
    return 0;
  }

  private arm(v: number, deadline: bigint, now: bigint): void {
    this.singleshot[v] = deadline;
    if (deadline <= now) this.fireVcpu(v, now);
  }

  stopSingleshot(v: number): number {
    this.singleshot[v] = null;
    return 0;
  }

  /** VCPUOP_set_periodic_timer. */
  setPeriodic(v: number, periodNs: bigint): number {
    if (periodNs < PERIOD_MIN_NS || periodNs > PERIOD_MAX_NS) return -EINVAL;
    this.periodic[v] = { period: periodNs, next: this.clock.nowNs() + periodNs };
    return 0;
  }

  stopPeriodic(v: number): number {
    this.periodic[v] = null;
    return 0;
  }

  singleshotDeadline(v: number): bigint | null {
    return this.singleshot[v];
  }

  /** The earliest armed deadline over all vCPUs (system time ns), or null. */
  nextDeadline(): bigint | null {
    let best: bigint | null = null;
    for (let v = 0; v < this.singleshot.length; v++) {
      const s = this.singleshot[v];
      if (s !== null && (best === null || s < best)) best = s;
      const p = this.periodic[v];
      if (p && (best === null || p.next < best)) best = p.next;
    }
    return best;
  }

  /** Fire every timer whose deadline is ≤ now. Returns how many expired. */
  fire(now: bigint = this.clock.nowNs()): number {
    let n = 0;
    for (let v = 0; v < this.singleshot.length; v++) n += this.fireVcpu(v, now);
    return n;
  }

  private fireVcpu(v: number, now: bigint): number {
    let n = 0;
    const s = this.singleshot[v];
    if (s !== null && s <= now) {
      this.singleshot[v] = null;
      n++;
    }
    const p = this.periodic[v];
    if (p && p.next <= now) {
      // One event however many periods were missed, then the next period boundary ahead.
      const missed = (now - p.next) / p.period + 1n;
      p.next += missed * p.period;
      n++;
    }
    if (n) this.onExpire(v);
    return n;
  }

  reset(): void {
    this.singleshot.fill(null);
    this.periodic.fill(null);
  }

  save(): TimersState {
    return {
      singleshot: this.singleshot.map((s) => (s === null ? null : String(s))),
      periodic: this.periodic.map((p) => (p ? { period: String(p.period), next: String(p.next) } : null)),
    };
  }

  restore(s: TimersState): void {
    s.singleshot.forEach((d, i) => (this.singleshot[i] = d === null ? null : BigInt(d)));
    s.periodic.forEach((p, i) => (this.periodic[i] = p ? { period: BigInt(p.period), next: BigInt(p.next) } : null));
  }
}
