// Real-address mode and the way out of it, as an SMP application processor
// takes it: resetToSipi() (the state after INIT and a start-up IPI), then the
// programs in test/unit/cpu_modes/ (GNU as sources, flat binaries built by
// build.sh): trampoline.S walks Linux's trampoline_64.S path real -> protected
// -> long mode; realmode.S exercises segment loads, far transfers, INT n,
// exceptions and an external interrupt through the interrupt vector table, and
// the 64 KiB limit.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { Core } from "../../src/core/core.ts";
import * as L from "../../src/core/layout.gen.ts";
import { packageRoot } from "../../src/platform/node.ts";

const DIR = packageRoot() + "test/unit/cpu_modes/";

async function makeCore(): Promise<Core> {
  const mod = await WebAssembly.compile(readFileSync(packageRoot() + "build/core.wasm"));
  return Core.create(mod, { ramLowBase: 0, ramLowSize: 16 << 20, ramHighBase: 2 ** 32, ramHighSize: 0 });
}

function sipi(core: Core, vector: number): void {
  (core.ex.resetToSipi as (v: number) => void)(vector);
}

test("resetToSipi: the INIT state with CS from the vector (SDM vol. 3, Table 9-1)", async () => {
  const core = await makeCore();
  // Leave some protected/long-mode state behind first.
  core.setCpu64(L.CPU_CR0, 0x80000011n);
  core.setCpu64(L.CPU_CR4, 0x20n);
  core.setCpu64(L.CPU_EFER, 0x500n);
  core.setGpr(3, 0x1234n);
  core.setSegment(1, 0x10, 0, 0xffffffff, 0xa09b);
  core.ex.stateChanged();
  sipi(core, 0x9a);
  assert.is(core.cpu64(L.CPU_CR0), 0x60000010n);
  assert.is(core.cpu64(L.CPU_CR4), 0n);
  assert.is(core.cpu64(L.CPU_EFER), 0n);
  assert.is(core.cpu64(L.CPU_RFLAGS), 2n);
  assert.is(core.rip, 0n);
  assert.is(core.gpr(3), 0n);
  assert.is(core.gpr(2), 0x306a9n, "EDX holds the CPUID signature");
  assert.equal(core.segment(1), { sel: 0x9a00, attr: 0x9b, limit: 0xffff, base: 0x9a000n });
  for (const s of [0, 2, 3, 4, 5]) assert.equal(core.segment(s), { sel: 0, attr: 0x93, limit: 0xffff, base: 0n });
  assert.is(core.cpu64(L.CPU_GDTR_BASE), 0n);
  assert.is(core.cpu32(L.CPU_IDTR_LIMIT), 0xffff);
  assert.is(core.longMode(), false);
  assert.is(core.cpl(), 0);
});

test("an AP's trampoline: real mode -> protected mode -> long mode (trampoline_64.S)", async () => {
  const core = await makeCore();
  core.mem.write(0x8000, readFileSync(DIR + "trampoline.bin"));
  // IA32_MISC_ENABLE.XD_DISABLE set: verify_cpu clears it with RDMSR/BTR/WRMSR.
  core.setCpu64(L.CPU_MISC_ENABLE, 1n << 34n);
  sipi(core, 0x08);
  const reason = core.ex.run(100_000);
  assert.is(reason, L.EXIT_DEAD, "it ends at its HLT with interrupts off");
  assert.is(core.mem.readU32(0x8ff4), 1, "EFLAGS.ID toggles (PUSHFL/POPFL in 16-bit code)");
  assert.is(core.mem.readU32(0x8ff0), 0, "verify_cpu: long mode capable");
  assert.is(core.cpu64(L.CPU_MISC_ENABLE), 0n, "XD_DISABLE cleared through WRMSR");
  assert.is(core.mem.readU64(0x8ff8), 0x5a5a5a5a12345678n, "the 64-bit code ran");
  assert.is(core.longMode(), true);
  assert.is(core.segment(1).sel, 0x08);
  assert.is(core.segment(2).sel, 0x18);
  assert.is(core.cpu64(L.CPU_EFER) & 0x500n, 0x500n, "LME and LMA");
  assert.is(core.cpu64(L.CPU_CR0), 0x80050033n);
  assert.is(core.gpr(4) & 0xffffffffn, 0x8f00n, "ESP = rm_stack_end + the real-mode base");
});

test("real mode: segment loads, far transfers, INT n, exceptions and an interrupt through the IVT", async () => {
  const core = await makeCore();
  core.mem.write(0x8000, readFileSync(DIR + "realmode.bin"));
  sipi(core, 0x08);
  core.setCpu32(L.CPU_PENDING_EXT, 0x50); // held until the program's STI
  const reason = core.ex.run(100_000);
  assert.is(reason, L.EXIT_DEAD);
  const r = (n: number) => core.mem.readU16(0x8e00 + 2 * n);
  assert.is(r(0), 0x600d, "the program ran to its end");
  assert.is(r(1), 0xffff, "INT 0x40: IRET restored CF");
  assert.is(r(2), 0, "INT/IRET keep the stack balanced");
  assert.is(r(3), 0, "the handler runs with IF and TF clear");
  const bin = readFileSync(DIR + "realmode.bin");
  assert.is(r(4), bin.indexOf(Buffer.from([0xcd, 0x40])) + 2, "the pushed IP is the next instruction's");
  assert.is(r(5), 0x1234, "execution continues after #UD");
  assert.is(r(6), bin.indexOf(Buffer.from([0x0f, 0x0b])), "#UD pushes the IP of the UD2");
  assert.is(r(7), 7, "#DE: the DIV had no effect, its handler skipped it");
  assert.is(r(8), 0x0700, "far JMP loads CS");
  assert.is(r(9), 0x1616, "CALL FAR / RETF (16-bit)");
  assert.is(r(10), 0x3232, "CALL FAR / RETF (32-bit operand size)");
  assert.is(r(11), 0, "RETF 4 through a memory pointer releases the arguments");
  assert.is(r(12), 0x4444);
  assert.is(r(13), 0x0900, "LDS loads DS");
  assert.is(r(14), 0x0123, "LDS loads the offset");
  assert.is(r(15), 0x0900, "LES loads ES");
  assert.is(core.mem.readU8(0x9123), 0x5a, "ES:DI = 0x0900:0x0123 is linear 0x9123");
  assert.is(r(16), 0x7777, "LSS: PUSH goes to the new SS:SP");
  assert.is(r(17), 0x5678, "67 66: 32-bit store through a 32-bit address");
  assert.is(r(18), 0x1234);
  assert.is(r(19), 0x4321, "16-bit addresses wrap within the segment");
  assert.is(r(21), 0x5050, "the external interrupt came through the IVT after STI");
  assert.is(r(22), 13, "a word at DS:0xFFFF is #GP");
  assert.is(r(23), 12, "a word at SS:0xFFFF is #SS");
  assert.is(core.segment(1).sel, 0x0800);
  assert.is(core.segment(1).base, 0x8000n);
});

test.run();
