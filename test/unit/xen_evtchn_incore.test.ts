// EVTCHNOP_send answered inside the core (assembly/xen/evtchn_send.ts, kept in step
// by src/machine/evtchn_send.ts): a send to a port of the running vCPU raises it
// without leaving the run loop, and the guest cannot tell the difference from the
// host's answer, which `-d hcall` forces (every hypercall is then traced).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { createMachine } from "../../src/index.js";

const EVENT_CHANNEL_OP = 32;

async function run(guest: string, cmdline: string, trace: string[]) {
  const m = await createMachine({
    kernel: readFileSync(`test/guests/${guest}.elf`),
    kernelName: `${guest}.elf`,
    cmdline,
    memoryBytes: 32 << 20,
    virtualClock: true,
    trace,
  });
  let out = "";
  m.onConsole((b) => (out += new TextDecoder().decode(b)));
  const logs: string[] = [];
  m.onLog((l) => logs.push(l));
  const exit = await m.run();
  return { exit, out, exits: m.stats.exits, evtchnOps: m.hypercalls().get(EVENT_CHANNEL_OP) ?? 0, logs };
}

for (const [what, cmdline] of [
  ["per-vCPU upcall vector", "count=2000"],
  ["CALLBACK_IRQ vector", "count=2000 callback=1"],
] as const) {
  test(`2000 sends to self (${what}): answered in the core, the same upcalls and counts as the host's answers`, async () => {
    const core = await run("bench_xen_evtchn", cmdline, []);
    const host = await run("bench_xen_evtchn", cmdline, ["hcall"]);
    for (const r of [core, host]) {
      assert.is(r.exit.kind, "poweroff", r.out);
      assert.match(r.out, "PASS: every send raised an upcall");
      assert.match(r.out, "bench_xen_evtchn: sends=2000 ");
    }
    // Guest-visible costs (TSC = instructions on the virtual clock) are identical.
    const ticks = (o: string) => /upcall_ticks=\d+ roundtrip_ticks=\d+ min_roundtrip_ticks=\d+/.exec(o)?.[0];
    assert.is(ticks(core.out), ticks(host.out));
    // Xen counts every send either way.
    assert.ok(core.evtchnOps >= 2000, `core counted ${core.evtchnOps}`);
    assert.is(core.evtchnOps, host.evtchnOps);
    // The host answered each send on an exit of its own; the core needed none.
    assert.ok(host.exits >= 2000, `host path: ${host.exits} exits`);
    assert.ok(core.exits < 200, `core path: ${core.exits} exits`);
  });
}

test("the xen_evtchn guest (IPIs, loopback, masking, both vectors) passes with the host answering every send", async () => {
  const r = await run("xen_evtchn", "", ["hcall"]);
  assert.is(r.exit.kind, "poweroff", r.out);
  assert.not.match(r.out, /^FAIL/m);
  assert.match(r.out, /xen_evtchn: \d+ passed, 0 failed/);
});

test.run();
