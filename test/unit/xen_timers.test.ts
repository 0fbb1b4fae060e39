// pvclock scaling (src/xen/pvclock.ts) and Xen timers (src/xen/timers.ts).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { SystemTime, pvclockScale, pvclockScaleDelta } from "../../src/xen/pvclock.js";
import { XenTimers } from "../../src/xen/timers.js";
import { FakeClock } from "../../src/xen/testing.js";
import { EINVAL } from "../../src/xen/errno.js";

test("mul/shift: 1 GHz is shift 1, mul 2^31; others stay within 1 ppm", () => {
  assert.equal(pvclockScale(1_000_000), { mul: 2 ** 31, shift: 1 });
  for (const khz of [1_000, 33_333, 1_000_000, 2_394_000, 3_000_000, 4_700_123]) {
    const s = pvclockScale(khz);
    assert.ok(s.mul >= 2 ** 31 && s.mul < 2 ** 32, `${khz}: mul ${s.mul}`);
    const oneSecond = BigInt(khz) * 1000n;
    const ns = pvclockScaleDelta(oneSecond, s);
    assert.ok(ns <= 1_000_000_000n && ns > 1_000_000_000n - 1000n, `${khz}: ${ns}`);
  }
  assert.throws(() => pvclockScale(0));
});

test("system time follows the TSC, re-anchoring is continuous and monotonic", () => {
  const clock = new FakeClock(2_394_000);
  const t = new SystemTime(clock);
  assert.is(t.nowNs(), 0n);
  clock.advanceNs(5_000_000_000n);
  const a = t.nowNs();
  assert.ok(a > 4_999_990_000n && a <= 5_000_000_000n, String(a));
  const anchor = t.reanchor();
  assert.is(anchor.ns, a);
  assert.is(t.nowNs(), a);
  clock.advanceNs(1_000n);
  assert.ok(t.nowNs() >= a + 990n);
  const wc = t.wallclock();
  assert.is(wc.sec, 1_700_000_000n);
  assert.is(wc.nsec, 123_456_789);
});

test("singleshot: arm, fire once at the deadline, past deadlines fire at once", () => {
  let now = 1000n;
  const fired: number[] = [];
  const t = new XenTimers({ nowNs: () => now }, 2, (v) => fired.push(v));
  t.setSingleshot(1, 5000n);
  assert.is(t.nextDeadline(), 5000n);
  now = 4999n;
  assert.is(t.fire(), 0);
  now = 5000n;
  assert.is(t.fire(), 1);
  assert.equal(fired, [1]);
  assert.is(t.nextDeadline(), null);
  assert.is(t.setSingleshot(0, 10n), 0);
  assert.equal(fired, [1, 0], "a deadline in the past fires immediately and returns 0");
  t.setSingleshot(0, 9000n);
  t.stopSingleshot(0);
  assert.is(t.nextDeadline(), null);
});

test("set_timer_op: 0 cancels, negative or > 2^50 ahead becomes now + 100 ms", () => {
  const now = 1_000_000n;
  const t = new XenTimers({ nowNs: () => now }, 1, () => {});
  t.setTimerOp(0, 2_000_000n);
  assert.is(t.singleshotDeadline(0), 2_000_000n);
  t.setTimerOp(0, 0n);
  assert.is(t.singleshotDeadline(0), null);
  t.setTimerOp(0, BigInt.asUintN(64, -5n));
  assert.is(t.singleshotDeadline(0), now + 100_000_000n);
  t.setTimerOp(0, now + (1n << 50n) + 1n);
  assert.is(t.singleshotDeadline(0), now + 100_000_000n);
});

test("periodic: bounds, one event per expiry even after missed periods", () => {
  let now = 0n;
  const fired: number[] = [];
  const t = new XenTimers({ nowNs: () => now }, 1, (v) => fired.push(v));
  assert.is(t.setPeriodic(0, 999_999n), -EINVAL);
  assert.is(t.setPeriodic(0, (1n << 62n) + 1n), -EINVAL);
  assert.is(t.setPeriodic(0, 1_000_000n), 0);
  assert.is(t.nextDeadline(), 1_000_000n);
  now = 3_500_000n;
  t.fire();
  assert.equal(fired, [0]);
  assert.is(t.nextDeadline(), 4_000_000n);
  t.stopPeriodic(0);
  assert.is(t.nextDeadline(), null);
});

test.run();
