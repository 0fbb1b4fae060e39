// The Xen ABI guests (test/guests/xen_*.S) booted through the CLI: each drives one
// part of the ABI with real hypercalls and prints "PASS: <check>" or "FAIL: <check>: got
// X, expected Y" per check, a summary "<guest>: N passed, M failed, K skipped", then
// "PASS" and SCHEDOP_shutdown poweroff, or "FAIL: ..." and crash (exit status 1).
//
// Every guest runs twice: on the real-time clock (the default) and on the virtual clock
// (-icount, time = instructions + idle skips), where the timer guest's waits are skipped
// instead of slept and runs are deterministic.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, type CliRun } from "../e2e/run_cli.ts";

interface GuestRun {
  passed: string[];
  failed: string[];
  skipped: string[];
  summary: RegExpMatchArray | null;
}

function parse(name: string, out: string): GuestRun {
  const lines = out.split("\n");
  return {
    passed: lines.filter((l) => l.startsWith("PASS: ")).map((l) => l.slice(6)),
    failed: lines.filter((l) => l.startsWith("FAIL")),
    skipped: lines.filter((l) => l.startsWith("SKIP: ")).map((l) => l.slice(6)),
    summary: out.match(new RegExp(`^${name}: (\\d+) passed, (\\d+) failed, (\\d+) skipped$`, "m")),
  };
}

/** Boots test/guests/<name>.elf and checks the verdict: no FAIL line, a summary with
 * at least `minChecks` passes and none failed, "PASS" as the last line, status 0. */
function runGuest(name: string, extra: string[] = [], opts: { input?: string; minChecks: number; skips?: number }): CliRun {
  const r = runCli(["-kernel", `test/guests/${name}.elf`, ...extra], { input: opts.input, timeoutMs: 120_000 });
  const run = parse(name, r.stdout);
  const where = `\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  assert.equal(run.failed, [], `FAIL lines:${where}`);
  assert.ok(run.summary, `no summary line:${where}`);
  assert.is(Number(run.summary![1]), run.passed.length, `summary count${where}`);
  assert.is(run.summary![2], "0", where);
  assert.ok(run.passed.length >= opts.minChecks, `only ${run.passed.length} checks passed${where}`);
  assert.is(run.skipped.length, opts.skips ?? 0, `skipped: ${run.skipped.join("; ")}${where}`);
  const lines = r.stdout.trimEnd().split("\n");
  assert.is(lines[lines.length - 1], "PASS", `last line${where}`);
  assert.is(r.status, 0, `exit status${where}`);
  return r;
}

const CLOCKS: [string, string[]][] = [
  ["real-time clock", []],
  ["virtual clock", ["-icount", "shift=0"]],
];

for (const [clock, flags] of CLOCKS) {
  test(`xen_evtchn (${clock}): IPIs, loopback, masking, CALLBACK_IRQ and per-vCPU vectors, x2APIC EOI, vcpu_info`, () => {
    const r = runGuest("xen_evtchn", flags, { minChecks: 130 });
    assert.match(r.stdout, "PASS: the per-vCPU vector wins over CALLBACK_IRQ");
    assert.match(r.stdout, "PASS: unmask of a pending port raises the upcall");
    assert.match(r.stdout, "PASS: the handler EOI'd through MSR 0x80b");
  });

  test(`xen_evtchn_fifo (${clock}): init_control/expand_array/set_priority, queues, priorities, masking, loopback, reset`, () => {
    const r = runGuest("xen_evtchn_fifo", flags, { minChecks: 100 });
    assert.match(r.stdout, "PASS: init_control answers link_bits = 17");
    assert.match(r.stdout, "PASS: the port pending under 2-level is PENDING in its event word");
    assert.match(r.stdout, "PASS: an IPI to ourselves: the port is at HEAD[7]");
    assert.match(r.stdout, "PASS: loopback: a send on one end raises the other: the port is at HEAD[7]");
    assert.match(r.stdout, "PASS: priority 2 is served first");
    assert.match(r.stdout, "PASS: port 1024, unmasked: the port is at HEAD[7]");
  });

  test(`xen_timer (${clock}): pvclock, singleshot, set_timer_op, periodic, block and poll`, () => {
    const r = runGuest("xen_timer", flags, { minChecks: 45 });
    assert.match(r.stdout, "PASS: the singleshot timer is not early (now >= deadline)");
    assert.match(r.stdout, "PASS: the periodic timer fires 5 times");
  });

  test(`xen_xenstore (${clock}): READ/WRITE/DIRECTORY, watches, transactions, error replies`, () => {
    const r = runGuest("xen_xenstore", [...flags, "-name", "xs-test-guest"], { minChecks: 80 });
    assert.match(r.stdout, /^xen_xenstore: name=xs-test-guest$/m);
    assert.match(r.stdout, "PASS: the initial event: path (relative) and token");
    assert.match(r.stdout, "PASS: READ outside the transaction: ENOENT");
  });

  test(`xen_gnttab (${clock}): version, frames, GNTTABOP_copy and its errors, a grant to dom0's console backend`, () => {
    const dir = mkdtempSync(join(tmpdir(), "xpvh-gnttab-"));
    try {
      const file = join(dir, "console1.out");
      const r = runGuest(
        "xen_gnttab",
        [...flags, "-device", "xen-console", "-chardev", `file,id=c1,path=${file}`, "-device", "xen-console,chardev=c1"],
        { minChecks: 85 },
      );
      assert.match(r.stdout, "PASS: dom0 mapped our grant (GTF_reading|GTF_writing set)");
      assert.match(r.stdout, "PASS: dom0 unmapped our grant (reading/writing clear)");
      // What the guest put on the ring of the page it granted reached the backend's chardev.
      assert.is(readFileSync(file, "utf8"), "xen_gnttab: hello from a page granted to dom0\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`xen_errors (${clock}): unknown numbers and ops, bad pointers and values, ring 3`, () => {
    const r = runGuest("xen_errors", flags, { minChecks: 40 });
    assert.match(r.stdout, "PASS: a hypercall from ring 3: -EPERM");
  });
}

test("xen_gnttab without a second xen-console: the dom0 part is skipped, the rest passes", () => {
  const r = runGuest("xen_gnttab", [], { minChecks: 70, skips: 1 });
  assert.match(r.stdout, "SKIP: a page granted to dom0: no device/console/1");
});

test("xen_console: the PV ring (wrapping, drained on notify and on yield), console_io, input on the ring", () => {
  const r = runGuest("xen_console", ["-append", "input"], { input: "ping\n", minChecks: 20 });
  const out = r.stdout;
  assert.match(out, /^xen_console: hello through the PV console ring$/m);
  // The 40 ring lines arrive whole and in order (2.4 KB through a 2 KB ring).
  const ringLines = out.split("\n").filter((l) => l.startsWith("xen_console: ring line "));
  assert.equal(
    ringLines,
    Array.from({ length: 40 }, (_, i) => `xen_console: ring line ${i + 1} of 40 abcdefghijklmnopqrstuvwxyz0123456789`),
  );
  assert.match(out, /^xen_console: drained by SCHEDOP_yield$/m);
  assert.match(out, /^xen_console: hello through console_io$/m);
  assert.match(out, /^xen_console: input=ping$/m);
});

test("xen_console on the virtual clock, no input", () => {
  const r = runGuest("xen_console", ["-icount", "shift=0"], { minChecks: 19 });
  assert.match(r.stdout, "PASS: no input queued on the ring's in");
});

test("the virtual clock makes the timer guest's output reproducible", () => {
  const a = runCli(["-icount", "shift=0", "-kernel", "test/guests/xen_timer.elf"]);
  const b = runCli(["-icount", "shift=0", "-kernel", "test/guests/xen_timer.elf"]);
  assert.is(a.status, 0);
  assert.is(a.stdout, b.stdout);
});

test.run();
