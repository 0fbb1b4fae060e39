// MOVBE (0F 38 F0/F1, SDM vol. 2): the byte-reversed loads and stores are
// checked against the real CPU in sse.test.ts (fpu_oracle.jsonl, group
// "movbe", 64-bit mode). Here: 32-bit mode, the encodings that are #UD, and
// the CPUID bit that advertises it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createMachine, hex, DATA } from "./fpu_machine.ts";

const UD = 6;
let run: Awaited<ReturnType<typeof createMachine>>;
test.before(async () => {
  run = await createMachine();
});

test("CPUID.1:ECX.MOVBE[bit 22] is set", () => {
  const r = run(hex("b801000000" + "0fa2"), {}); // mov eax,1; cpuid
  assert.is(r.fault, -1);
  assert.is((r.core.gpr(1) >> 22n) & 1n, 1n);
});

test("32-bit mode: MOVBE r32,m32 / m16,r16 / r16,m16", () => {
  const data = new Uint8Array([0x11, 0x22, 0x33, 0x44, 0x55, 0x66]);
  // movbe eax,[edi]; mov ebx,0xaaaa5555 ; movbe [edi+8],bx ; mov ecx,-1 ; movbe cx,[edi+4]
  const r = run(hex("0f38f007" + "bb5555aaaa" + "660f38f15f08" + "b9ffffffff" + "660f38f04f04"), { mode: 32, data });
  assert.is(r.fault, -1);
  assert.is(r.core.gpr(0), 0x11223344n);
  assert.equal(Array.from(r.data.subarray(8, 11)), [0x55, 0x55, 0]);
  assert.is(r.core.gpr(1) & 0xffffffffn, 0xffff5566n, "a 16-bit load keeps the upper bits");
});

test("#UD: register operand, F3 prefix, F2 (CRC32, not implemented), LOCK", () => {
  for (const code of ["0f38f0c0", "0f38f1c8", "f30f38f007", "f20f38f007", "f20f38f107", "f00f38f107", "f3480f38f007"]) {
    const r = run(hex(code), { gpr: { 0: 0x1234n } });
    assert.is(r.fault, UD, code);
    assert.is(r.core.gpr(0), 0x1234n, `${code}: nothing written`);
    assert.is(r.data[0], 0, `${code}: memory untouched`);
  }
  void DATA;
});

test.run();
