// Segment limits and types outside 64-bit mode (SDM vol. 3, 5.3 "Limit
// Checking", 5.5 "Privilege Levels"/type checks): test/unit/cpu_modes/segments.S
// runs in 32-bit protected mode with its own GDT and IDT and records, for each
// case, the exception it took (#GP/#SS with error code and EIP) or none; flat
// code after it must still compute what it computed before.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { Core } from "../../src/core/core.ts";
import * as L from "../../src/core/layout.gen.ts";
import { packageRoot } from "../../src/platform/node.ts";

const BASE = 0x100000;
const RESULTS = BASE + 0xe00;
const NONE = 0xff, GP = 13, SS = 12;

let core: Core;
test.before(async () => {
  const mod = await WebAssembly.compile(readFileSync(packageRoot() + "build/core.wasm"));
  core = await Core.create(mod, { ramLowBase: 0, ramLowSize: 16 << 20, ramHighBase: 2 ** 32, ramHighSize: 0 });
  core.setCpu64(L.CPU_CR0, 0x11n); // PE ET
  core.setSegment(1, 0x08, 0, 0xffffffff, 0xc09b);
  for (const s of [0, 2, 3, 4, 5]) core.setSegment(s, 0x10, 0, 0xffffffff, 0xc093);
  core.setCpu64(L.CPU_RFLAGS, 2n);
  core.mem.write(BASE, readFileSync(packageRoot() + "test/unit/cpu_modes/segments.bin"));
  core.rip = BigInt(BASE);
  core.ex.stateChanged();
  assert.is(core.ex.run(1_000_000), L.EXIT_DEAD, "the program ends at its HLT");
});

const res = (n: number) => ({
  vec: core.mem.readU32(RESULTS + 16 * n),
  code: core.mem.readU32(RESULTS + 16 * n + 4),
  eip: core.mem.readU32(RESULTS + 16 * n + 8),
  eax: core.mem.readU32(RESULTS + 16 * n + 12),
});
const ok = (n: number, eax: number, what: string) => {
  assert.is(res(n).vec, NONE, `${what}: no fault`);
  assert.is(res(n).eax, eax >>> 0, `${what}: the value read`);
};
const fault = (n: number, vec: number, what: string) => {
  assert.is(res(n).vec, vec, `${what}: ${vec === SS ? "#SS" : "#GP"}`);
  assert.is(res(n).code, 0, `${what}: error code 0`);
};

test("the program ran to its end", () => {
  assert.is(core.mem.readU32(RESULTS + 16 * 25), 0x600d);
});

test("DS/ES with limit 0xFFF: the last dword reads, one byte further is #GP(0)", () => {
  ok(0, 0x11223344, "mov eax,[0xffc]");
  fault(1, GP, "mov eax,[0xffd] (crosses the limit)");
  fault(2, GP, "mov byte [0x1000]");
  ok(3, 0, "stosw at ES:0xffe");
  fault(4, GP, "stosw at ES:0xfff");
  fault(19, GP, "add dword [0xffd] (read-modify-write)");
});

test("SS with limit 0xFFF: stack references beyond it are #SS(0), a DS override is not", () => {
  ok(5, 0x55667788, "mov eax,[esp]");
  fault(6, SS, "mov eax,[esp+0x100]");
  fault(7, SS, "pop eax at 0xffe");
  fault(8, SS, "mov eax,[ebp+0x1fc]");
  ok(9, 0, "mov eax,ds:[ebp+0x1fc]");
});

test("expand-down segments: offsets above the limit up to 0xFFFFFFFF (B=1) or 0xFFFF (B=0)", () => {
  ok(10, 0x99aabbcc, "es:[0x1000]");
  fault(11, GP, "es:[0xffe]");
  ok(12, 0, "es:[0xfffffffc]");
  fault(13, GP, "es:[0xfffffffe] (wraps past the top)");
  ok(14, 0, "16-bit: es:[0xfffe]");
  fault(15, GP, "16-bit: es:[0xffff]");
});

test("types and null selectors: read-only data, a write through CS, a null GS", () => {
  ok(16, 0x3344, "read through a read-only segment (case 3's STOSW zeroed the upper half)");
  fault(17, GP, "write through a read-only segment");
  fault(18, GP, "a null GS");
  fault(22, GP, "a write through CS");
});

test("CS limit: the first byte beyond it, and a near jump beyond it, are #GP(0) there", () => {
  // lim_jmp: jmp +3; lim_code: nop; nop (the limit); nop; nop; ud2 (offsets from CS base = BASE)
  const bin = readFileSync(packageRoot() + "test/unit/cpu_modes/segments.bin");
  const limJmp = bin.indexOf(Buffer.from([0xeb, 0x03, 0x90, 0x90, 0x90, 0x90, 0x0f, 0x0b]));
  assert.ok(limJmp > 0);
  fault(20, GP, "fetch beyond the limit");
  assert.is(res(20).eip, limJmp + 4, "EIP: the first instruction beyond the limit");
  fault(21, GP, "jmp beyond the limit");
  assert.is(res(21).eip, limJmp, "EIP: the JMP itself");
});

test("flat segments: the loop after the checks computes what it should", () => {
  assert.is(res(23).eax, 499500);
  assert.is(res(24).eax, 999);
});

test.run();
