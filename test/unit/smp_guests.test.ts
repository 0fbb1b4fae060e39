// Secondary vCPUs through the CLI's -smp: test/guests/xen_smp.S brings vCPU 1 up
// with VCPUOP_initialise/up, takes it down and up again, wakes it from HLT with a
// LAPIC IPI, and checks the error cases on a vCPU that stays down. One PASS/FAIL
// line per check, a summary, then "PASS" and poweroff.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runCli } from "../e2e/run_cli.ts";

for (const [clock, flags] of [
  ["real-time clock", []],
  ["virtual clock", ["-icount", "shift=0"]],
] as [string, string[]][]) {
  test(`xen_smp (${clock}): VCPUOP initialise/up/down/is_up, a vCPU woken by an IPI`, () => {
    const r = runCli(["-smp", "3", ...flags, "-kernel", "test/guests/xen_smp.elf"], { timeoutMs: 120_000 });
    const where = `\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
    assert.not.match(r.stdout, /^FAIL/m, where);
    assert.match(r.stdout, "xen_smp: hello from vCPU 1", where);
    assert.match(r.stdout, "PASS: vCPU 1 resumes after its VCPUOP_down", where);
    assert.match(r.stdout, "PASS: the handler ran on APIC id 1", where);
    assert.match(r.stdout, /^xen_smp: 20 passed, 0 failed, 0 skipped$/m, where);
    assert.is(r.stdout.trimEnd().split("\n").pop(), "PASS", where);
    assert.is(r.status, 0, where);
  });
}

test.run();
