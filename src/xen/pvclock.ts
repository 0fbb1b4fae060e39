// Xen system time: nanoseconds since boot, derived from the guest TSC exactly the
// way the guest derives it from a vcpu_time_info record (reference §5):
//
//   d  = TSC - tsc_timestamp
//   d  = shift >= 0 ? d << shift : d >> -shift
//   ns = system_time + ((d * tsc_to_system_mul) >> 32)      (128-bit product)
//
// The host keeps one anchor (tsc_timestamp, system_time), publishes the same
// anchor to every vCPU, and computes its own "now" from it, so host timer
// deadlines and the guest's clock agree to the nanosecond.

import type { XenClock } from "./guest.js";

export interface PvclockScale {
  /** tsc_to_system_mul: a 0.32 fixed-point multiplier. */
  readonly mul: number;
  /** tsc_shift: applied to the TSC delta before the multiply. */
  readonly shift: number;
}

const TWO_32 = 1n << 32n;

/** mul/shift for a TSC of `tscKhz`: the largest precision with mul in [2^31, 2^32).
 * A 1 GHz TSC gives shift 1, mul 2^31. */
export function pvclockScale(tscKhz: number): PvclockScale {
  if (!(tscKhz >= 1 && Number.isSafeInteger(tscKhz))) throw new RangeError(`TSC frequency ${tscKhz} kHz`);
  const hz = BigInt(tscKhz) * 1000n;
  // mul = 1e9 / hz * 2^(32 - shift), computed exactly with integer scaling.
  const mulFor = (shift: number): bigint => {
    const e = 32 - shift;
    return e >= 0 ? (1_000_000_000n << BigInt(e)) / hz : 1_000_000_000n / (hz << BigInt(-e));
  };
  let shift = 0;
  while (mulFor(shift) >= TWO_32) shift++;
  while (shift > -32 && mulFor(shift - 1) < TWO_32) shift--;
  return { mul: Number(mulFor(shift)), shift };
}

/** The guest's scaling of a TSC delta to ns, bit for bit (the shifted delta wraps at 64 bits). */
export function pvclockScaleDelta(delta: bigint, s: PvclockScale): bigint {
  let d = BigInt.asUintN(64, delta);
  d = s.shift >= 0 ? BigInt.asUintN(64, d << BigInt(s.shift)) : d >> BigInt(-s.shift);
  return (d * BigInt(s.mul)) >> 32n;
}

export interface PvclockAnchor {
  readonly tsc: bigint;
  readonly ns: bigint;
}

export class SystemTime {
  readonly scale: PvclockScale;
  private anchor: PvclockAnchor;
  /** Unix time in ns at system time 0 (what shared_info.wc_* publishes). */
  private wcBaseNs: bigint;

  constructor(private readonly clock: XenClock) {
    this.scale = pvclockScale(clock.tscKhz);
    this.anchor = { tsc: clock.tsc(), ns: 0n };
    this.wcBaseNs = clock.unixNs();
  }

  get tscKhz(): number {
    return this.clock.tscKhz;
  }

  /** Xen system time now, in ns. */
  nowNs(): bigint {
    return this.anchor.ns + pvclockScaleDelta(this.clock.tsc() - this.anchor.tsc, this.scale);
  }

  /** Move the anchor to the current TSC (continuous, never backwards) and return it:
   * the (tsc_timestamp, system_time) pair to publish to every vCPU. */
  reanchor(): PvclockAnchor {
    const tsc = this.clock.tsc();
    const ns = this.anchor.ns + pvclockScaleDelta(tsc - this.anchor.tsc, this.scale);
    this.anchor = { tsc, ns };
    return this.anchor;
  }

  current(): PvclockAnchor {
    return this.anchor;
  }

  /** Unix time at system time 0, as (sec, nsec). */
  wallclock(): { sec: bigint; nsec: number } {
    const base = this.wcBaseNs < 0n ? 0n : this.wcBaseNs;
    return { sec: base / 1_000_000_000n, nsec: Number(base % 1_000_000_000n) };
  }

  save(): { anchorTsc: string; anchorNs: string; wcBaseNs: string } {
    return { anchorTsc: String(this.anchor.tsc), anchorNs: String(this.anchor.ns), wcBaseNs: String(this.wcBaseNs) };
  }

  restore(s: { anchorTsc: string; anchorNs: string; wcBaseNs: string }): void {
    this.anchor = { tsc: BigInt(s.anchorTsc), ns: BigInt(s.anchorNs) };
    this.wcBaseNs = BigInt(s.wcBaseNs);
  }
}
