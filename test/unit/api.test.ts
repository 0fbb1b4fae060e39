// The library API as a program embedding xpvh uses it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { createMachine, ConfigError } from "../../src/index.js";

test("createMachine → onConsole → run(): the guest's output and how it ended", async () => {
  const m = await createMachine({ kernel: readFileSync("test/guests/hello64.elf"), kernelName: "hello64.elf", memoryBytes: 32 << 20 });
  let out = "";
  m.onConsole((b) => (out += new TextDecoder().decode(b)));
  const exit = await m.run();
  assert.is(exit.kind, "poweroff");
  assert.is(exit.status, 0);
  assert.match(out, "long mode: ok\nPASS\n");
  assert.ok(m.instructions > 1000);
});

test("a crashing guest reports kind 'crash' and status 1", async () => {
  const m = await createMachine({ kernel: readFileSync("test/guests/exitcode.elf"), kernelName: "exitcode.elf" });
  const exit = await m.run();
  assert.is(exit.kind, "crash");
  assert.is(exit.status, 1);
});

test("a bad image is a ConfigError, not a crash", async () => {
  try {
    await createMachine({ kernel: new Uint8Array(16), kernelName: "zeros.bin" });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, "zeros.bin");
  }
});

test("stop() ends a running guest", async () => {
  const m = await createMachine({ kernel: readFileSync("test/guests/nullcall.elf"), kernelName: "nullcall.elf", cmdline: "count=100000000" });
  setTimeout(() => m.stop(), 200);
  const exit = await m.run();
  assert.is(exit.kind, "stopped");
});

test.run();
