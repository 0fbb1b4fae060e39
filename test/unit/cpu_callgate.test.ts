// Far CALL/JMP through call gates (SDM vol. 2, CALL/JMP; vol. 3, 5.8.6):
// test/unit/cpu_modes/callgate.S (32-bit protected mode, its own GDT, IDT and
// TSS) and callgate64.S (IA-32e mode, 64-bit gates) record what each transfer
// did; task gates and TSS descriptors raise #GP (task switches are not
// supported).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { Core } from "../../src/core/core.ts";
import * as L from "../../src/core/layout.gen.ts";
import { packageRoot } from "../../src/platform/node.ts";

const BASE = 0x100000;
const DIR = packageRoot() + "test/unit/cpu_modes/";

async function makeCore(): Promise<Core> {
  const mod = await WebAssembly.compile(readFileSync(packageRoot() + "build/core.wasm"));
  return Core.create(mod, { ramLowBase: 0, ramLowSize: 16 << 20, ramHighBase: 2 ** 32, ramHighSize: 0 });
}

test("32-bit call gates: privilege change with parameters, same privilege, 16-bit gates, faults", async () => {
  const core = await makeCore();
  core.setCpu64(L.CPU_CR0, 0x11n); // PE ET
  core.setSegment(1, 0x08, 0, 0xffffffff, 0xc09b);
  for (const s of [0, 2, 3, 4, 5]) core.setSegment(s, 0x10, 0, 0xffffffff, 0xc093);
  core.setCpu64(L.CPU_RFLAGS, 2n);
  const bin = readFileSync(DIR + "callgate.bin");
  core.mem.write(BASE, bin);
  core.rip = BigInt(BASE);
  core.ex.stateChanged();
  assert.is(core.ex.run(1_000_000), L.EXIT_DEAD, "it ends at the HLT of INT 0x80");
  const r = (n: number) => core.mem.readU32(BASE + 0xe00 + 4 * n);
  assert.is(r(30), 0x600d, "ring 3 ran to its end");
  // lcall $0x48 at ring 0: EIP and CS pushed as dwords, return to the next instruction
  assert.is(r(0), 8);
  assert.is(r(1), 0x08);
  assert.is(r(2), BASE + bin.indexOf(Buffer.from([0x9a, 0x78, 0x56, 0x34, 0x12, 0x48, 0x00])) + 7);
  assert.is(r(3), 0x08, "JMP through a gate: CS from the gate");
  assert.is(r(4), 0, "JMP through a gate pushes nothing");
  assert.is(r(5), 4, "16-bit gate: CS and IP pushed as words");
  assert.is(r(6), bin.indexOf(Buffer.from([0x9a, 0, 0, 0, 0, 0x58, 0x00])) + 7, "the 16-bit return IP");
  assert.is(r(7), 0x60);
  // CALL from ring 3 through a DPL 3 gate with 2 parameters to ring 0
  assert.is(r(8), 0x1b, "ring 3 first");
  assert.is(r(13), 0x08, "the handler runs in CODE0 (RPL 0)");
  assert.is(r(14), 0x10, "on SS0 from the TSS");
  assert.is(r(15), 24, "the new stack holds EIP, CS, 2 parameters, ESP, SS");
  assert.is(r(16), 0x2222, "the parameters are copied in their order");
  assert.is(r(17), 0x1111);
  assert.is(r(18), 0, "the caller's ESP");
  assert.is(r(19), 0x23, "the caller's SS");
  assert.is(r(31), 0x1b, "the caller's CS");
  assert.is(r(9), 0x4242, "RET 8 to ring 3 returns the handler's EAX");
  assert.is(r(10), 0x1b);
  assert.is(r(11), 0x23);
  assert.is(r(12), 8, "RET 8 released the parameters on the caller's stack too");
  // faults (vector, error code)
  assert.equal([r(20), r(21)], [13, 0x38], "a gate above the caller's privilege: #GP(gate)");
  assert.equal([r(22), r(23)], [13, 0x40], "a task gate: #GP(gate), task switches are not supported");
  assert.equal([r(24), r(25)], [13, 0x28], "a JMP to a TSS: #GP(TSS)");
  assert.equal([r(26), r(27)], [13, 0x08], "JMP through a gate to a more privileged segment: #GP(code segment)");
  assert.equal([r(28), r(29)], [11, 0x50], "a gate that is not present: #NP(gate)");
});

test("64-bit call gates (IA-32e mode): ring 3 to ring 0 with RSP0 and a null SS, same privilege, bad gates", async () => {
  const core = await makeCore();
  const m = core.mem;
  // Identity map of the first 16 MiB with 2 MiB user pages.
  m.writeU64(0x1000, 0x2007n);
  m.writeU64(0x2000, 0x3007n);
  for (let i = 0; i < 8; i++) m.writeU64(0x3000 + i * 8, BigInt(i * 0x200000 + 0x87));
  core.setCpu64(L.CPU_CR0, 0x80000011n); // PG ET PE
  core.setCpu64(L.CPU_CR3, 0x1000n);
  core.setCpu64(L.CPU_CR4, 0x20n); // PAE
  core.setCpu64(L.CPU_EFER, 0x500n); // LME LMA
  core.setSegment(1, 0x08, 0, 0xffffffff, 0xa09b);
  for (const s of [0, 2, 3, 4, 5]) core.setSegment(s, 0x10, 0, 0xffffffff, 0xc093);
  core.setCpu64(L.CPU_RFLAGS, 2n);
  const bin = readFileSync(DIR + "callgate64.bin");
  m.write(BASE, bin);
  core.rip = BigInt(BASE);
  core.ex.stateChanged();
  assert.is(core.ex.run(1_000_000), L.EXIT_DEAD, "it ends at the HLT of INT 0x80");
  const r = (n: number) => m.readU64(BASE + 0xe00 + 8 * n);
  // The return address of each `lcall *ptr` (ff 1c 25 disp32): the instruction after it.
  const calls = [...bin.subarray(0, 0x200).toString("hex").matchAll(/ff1c25[0-9a-f]{8}/g)].filter((x) => x.index! % 2 === 0);
  const after = (i: number) => BigInt(BASE + calls[i].index! / 2 + 7);
  assert.is(r(20), 0x600dn, "ring 3 ran to its end");
  assert.is(r(0), 16n, "same privilege: CS and RIP pushed as quadwords");
  assert.is(r(1), 0x08n);
  assert.is(r(2), after(0), "the return RIP");
  assert.is(r(3), 0x1bn, "ring 3 first");
  assert.is(r(8), 0x08n, "the handler runs in CODE0");
  assert.is(r(9), 0n, "SS is null (RPL 0)");
  assert.is(r(10), 32n, "RSP0 from the TSS, SS RSP CS RIP pushed");
  assert.is(r(11), after(1), "the return RIP");
  assert.is(r(12), 0x1bn, "the caller's CS");
  assert.is(r(13), 0n, "the caller's RSP");
  assert.is(r(14), 0x23n, "the caller's SS");
  assert.is(r(4), 0x4242n, "RETQ to ring 3");
  assert.is(r(5), 0x1bn);
  assert.is(r(6), 0x23n);
  assert.is(r(7), 0n, "RSP as before the call");
  assert.equal([r(16), r(17)], [13n, 0x58n], "a 16-bit gate in IA-32e mode: #GP(gate)");
  assert.equal([r(18), r(19)], [13n, 0x60n], "a gate whose upper half has a type: #GP(gate)");
});

test.run();
