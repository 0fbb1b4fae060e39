// Bad input: one clear line on stderr and exit status 2, never a stack trace.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./run_cli.ts";

const dir = mkdtempSync(join(tmpdir(), "xpvh-cli-"));

function oneLineError(args: string[], pattern: RegExp): void {
  const r = runCli(args);
  assert.is(r.status, 2, `status for ${args.join(" ")}: ${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.is(lines.length, 1, `one line for ${args.join(" ")}: ${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.not.match(r.stderr, /\n\s+at /);
}

test("-kernel README.md: not an ELF image", () => oneLineError(["-kernel", "README.md"], /README\.md is not an ELF image/));
test("a missing image", () => oneLineError(["-kernel", join(dir, "nope.elf")], /nope\.elf.*no such file/));
test("a truncated ELF", () => {
  const p = join(dir, "trunc.elf");
  writeFileSync(p, Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1));
  oneLineError(["-kernel", p], /trunc\.elf/);
});
test("random bytes with an ELF magic", () => {
  const p = join(dir, "junk.elf");
  const b = new Uint8Array(4096);
  for (let i = 0; i < b.length; i++) b[i] = (i * 2654435761) >>> 24;
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  writeFileSync(p, b);
  oneLineError(["-kernel", p], /junk\.elf/);
});
test("an unknown option", () => oneLineError(["-frobnicate"], /unknown option -frobnicate/));
test("an impossible memory size", () => oneLineError(["-m", "0"], /-m/));
test("a bad memory size", () => oneLineError(["-m", "lots"], /-m/));
test("overlapping machine properties", () =>
  oneLineError(["-machine", "xenpvh,pci-ecam-base=0", "-kernel", "test/guests/hello.elf"], /overlap/));
test("-netdev tap is not available", () => oneLineError(["-netdev", "tap,id=n0"], /tap is not available/));
test("an ELF without the PVH note", () => {
  // A minimal ELF64 executable with one PT_LOAD and no notes.
  const b = new Uint8Array(0x80 + 16);
  const dv = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  dv.setUint16(16, 2, true); dv.setUint16(18, 62, true); dv.setUint32(20, 1, true);
  dv.setBigUint64(24, 0x100000n, true); dv.setBigUint64(32, 64n, true);
  dv.setUint16(52, 64, true); dv.setUint16(54, 56, true); dv.setUint16(56, 1, true);
  dv.setUint32(64, 1, true); dv.setUint32(68, 5, true); dv.setBigUint64(72, 0x80n, true);
  dv.setBigUint64(80, 0x100000n, true); dv.setBigUint64(88, 0x100000n, true);
  dv.setBigUint64(96, 16n, true); dv.setBigUint64(104, 16n, true);
  const p = join(dir, "nonote.elf");
  writeFileSync(p, b);
  oneLineError(["-kernel", p], /PHYS32_ENTRY|PVH/);
});
test("--version and --help exit 0", () => {
  assert.is(runCli(["--version"]).status, 0);
  const h = runCli(["--help"]);
  assert.is(h.status, 0);
  assert.match(h.stdout, "-kernel");
});

test.run();
