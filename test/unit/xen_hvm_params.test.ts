// HVM params (src/xen/hvm_params.ts): the guest's read/write rules, deprecated and
// out-of-range indices, CALLBACK_IRQ encodings.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { HvmParams, decodeCallbackIrq } from "../../src/xen/hvm_params.js";
import { EINVAL, EPERM } from "../../src/xen/errno.js";
import {
  HVM_PARAM_CALLBACK_IRQ,
  HVM_PARAM_CONSOLE_EVTCHN,
  HVM_PARAM_CONSOLE_PFN,
  HVM_PARAM_IDENT_PT,
  HVM_PARAM_STORE_EVTCHN,
  HVM_PARAM_STORE_PFN,
  HVM_PARAM_TIMER_MODE,
  HVM_PARAM_X87_FIP_WIDTH,
} from "../../src/xen/abi/hvm.js";

test("readable and writable lists", () => {
  const writes: [number, bigint][] = [];
  const p = new HvmParams((i, v) => writes.push([i, v]));
  p.set(HVM_PARAM_STORE_PFN, 0xfeff9n);
  p.set(HVM_PARAM_CONSOLE_PFN, 0xfeff8n);
  assert.is(p.guestGet(HVM_PARAM_STORE_PFN), 0xfeff9n);
  assert.is(p.guestGet(HVM_PARAM_CONSOLE_PFN), 0xfeff8n);
  assert.is(p.guestSet(HVM_PARAM_STORE_PFN, 5n), -EPERM, "the ring PFNs are the toolstack's");
  assert.is(p.guestSet(HVM_PARAM_CONSOLE_EVTCHN, 3n), 0);
  assert.is(p.guestSet(HVM_PARAM_STORE_EVTCHN, 4n), 0);
  assert.is(p.guestGet(HVM_PARAM_TIMER_MODE), -EPERM);
  assert.is(p.guestSet(HVM_PARAM_TIMER_MODE, 1n), -EPERM);
  assert.is(p.guestGet(HVM_PARAM_IDENT_PT), -EPERM);
  assert.equal(writes, [
    [HVM_PARAM_CONSOLE_EVTCHN, 3n],
    [HVM_PARAM_STORE_EVTCHN, 4n],
  ]);
});

test("deprecated and out-of-range indices are -EINVAL", () => {
  const p = new HvmParams();
  for (const i of [4, 13, 20, 21, 22, 23, 24, 25, 26, 30, 39, 40, 1000, -1]) {
    assert.is(p.guestGet(i), -EINVAL, `get ${i}`);
    assert.is(p.guestSet(i, 0n), -EINVAL, `set ${i}`);
  }
});

test("value checks: X87_FIP_WIDTH ∈ {0,2,4,8}", () => {
  const p = new HvmParams();
  assert.is(p.guestSet(HVM_PARAM_X87_FIP_WIDTH, 3n), -EINVAL);
  assert.is(p.guestSet(HVM_PARAM_X87_FIP_WIDTH, 8n), 0);
  assert.is(p.guestGet(HVM_PARAM_X87_FIP_WIDTH), 8n);
});

test("CALLBACK_IRQ: every type is accepted, including unknown ones; encodings decode", () => {
  const p = new HvmParams();
  for (const v of [0n, 9n, (1n << 56n) | (2n << 16n) | (3n << 8n) | 1n, (2n << 56n) | 0xf3n, 7n << 56n])
    assert.is(p.guestSet(HVM_PARAM_CALLBACK_IRQ, v), 0);
  assert.equal(decodeCallbackIrq(0n), { type: "none" });
  assert.equal(decodeCallbackIrq(1n), { type: "gsi", gsi: 1 });
  assert.equal(decodeCallbackIrq((2n << 56n) | 0xf3n), { type: "vector", vector: 0xf3 });
  assert.equal(decodeCallbackIrq((1n << 56n) | (5n << 32n) | (2n << 16n) | (0x18n << 8n) | 2n), {
    type: "pci_intx",
    domain: 5,
    bus: 2,
    devfn: 0x18,
    pin: 2,
  });
  assert.is(decodeCallbackIrq(9n << 56n).type, "unknown");
});

test.run();
