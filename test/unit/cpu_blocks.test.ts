// The decoded-block machinery of the core (assembly/cpu/blocks.ts, fastpath.ts and
// the block loop in exec.ts) against small hand-assembled 32-bit programs whose
// results are known: branches that leave a block early to different places,
// calls and returns from several sites, code rewritten after it ran (and in the
// block that is running), and REP STOS of every width. Each runs in flat
// protected mode without paging from 0x100000 until HLT.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { Core } from "../../src/core/core.ts";
import * as L from "../../src/core/layout.gen.ts";
import { packageRoot } from "../../src/platform/node.ts";

const CODE = 0x100000;
const DATA = 0x200000;

async function run(code: number[], budget = 1_000_000): Promise<Core> {
  const mod = await WebAssembly.compile(readFileSync(packageRoot() + "build/core.wasm"));
  const core = await Core.create(mod, { ramLowBase: 0, ramLowSize: 16 << 20, ramHighBase: 2 ** 32, ramHighSize: 0 });
  core.setCpu64(L.CPU_CR0, 0x11n); // PE ET
  core.setSegment(1, 0x08, 0, 0xffffffff, 0xc09b);
  for (const s of [0, 2, 3, 4, 5]) core.setSegment(s, 0x10, 0, 0xffffffff, 0xc093);
  core.setGpr(4, 0x80000);
  core.setCpu64(L.CPU_RFLAGS, 2n);
  core.mem.write(CODE, Uint8Array.from(code));
  core.rip = BigInt(CODE);
  core.ex.stateChanged();
  const reason = core.ex.run(budget);
  assert.is(reason, L.EXIT_DEAD, "the program ends at its HLT");
  return core;
}

const rel8 = (from: number, to: number) => (to - (from + 2)) & 0xff;
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

test("branches taken before a block's end, to different targets, many times", async () => {
  // for (ecx = 0; ecx < 1000; ecx++) ebx += [1, 10, 100, 1][ecx & 3]
  const c: number[] = [];
  c.push(0x31, 0xc9, 0x31, 0xdb); // xor ecx,ecx; xor ebx,ebx
  const loop = c.length;
  c.push(0x89, 0xc8, 0x83, 0xe0, 0x03, 0x83, 0xf8, 0x01); // mov eax,ecx; and eax,3; cmp eax,1
  const je1 = c.length; c.push(0x74, 0);
  c.push(0x83, 0xf8, 0x02); // cmp eax,2
  const je2 = c.length; c.push(0x74, 0);
  c.push(0x83, 0xc3, 0x01); // add ebx,1
  const j1 = c.length; c.push(0xeb, 0);
  const t1 = c.length; c.push(0x83, 0xc3, 0x0a); // add ebx,10
  const j2 = c.length; c.push(0xeb, 0);
  const t2 = c.length; c.push(0x83, 0xc3, 0x64); // add ebx,100
  const next = c.length;
  c.push(0x41, 0x81, 0xf9, ...le32(1000)); // inc ecx; cmp ecx,1000
  const jb = c.length; c.push(0x72, rel8(jb, loop));
  c.push(0xf4);
  c[je1 + 1] = rel8(je1, t1); c[je2 + 1] = rel8(je2, t2);
  c[j1 + 1] = rel8(j1, next); c[j2 + 1] = rel8(j2, next);
  const core = await run(c);
  assert.is(core.gpr(3), 28000n);
  assert.is(core.gpr(1), 1000n);
});

test("calls and returns from several sites, nested", async () => {
  // esi += f1() + f2() 100 times; f1 = 3, f2 = f1() + 4
  const c: number[] = [];
  c.push(0x31, 0xf6, 0xb9, ...le32(100)); // xor esi,esi; mov ecx,100
  const loop = c.length;
  const call1 = c.length; c.push(0xe8, 0, 0, 0, 0);
  c.push(0x01, 0xc6); // add esi,eax
  const call2 = c.length; c.push(0xe8, 0, 0, 0, 0);
  c.push(0x01, 0xc6, 0x49); // add esi,eax; dec ecx
  const jnz = c.length; c.push(0x75, rel8(jnz, loop));
  c.push(0xf4);
  const f1 = c.length; c.push(0xb8, ...le32(3), 0xc3); // mov eax,3; ret
  const f2 = c.length;
  const call3 = c.length; c.push(0xe8, 0, 0, 0, 0);
  c.push(0x83, 0xc0, 0x04, 0xc3); // add eax,4; ret
  const rel32 = (at: number, to: number) => c.splice(at + 1, 4, ...le32((to - (at + 5)) >>> 0));
  rel32(call1, f1); rel32(call2, f2); rel32(call3, f1);
  const core = await run(c);
  assert.is(core.gpr(6), 1000n);
  assert.is(core.gpr(4), 0x80000n, "the stack is balanced");
});

test("code rewritten after it ran, and the next instruction of the running block", async () => {
  // p: mov eax,1; add edx,eax; cmp edx,1; jne done; mov byte [p+1],0x42; jmp p
  // done: mov byte [q+1],0x77; q: mov ebx,1; hlt
  const c: number[] = [0x31, 0xd2]; // xor edx,edx
  const p = c.length; c.push(0xb8, ...le32(1));
  c.push(0x01, 0xc2, 0x83, 0xfa, 0x01); // add edx,eax; cmp edx,1
  const jne = c.length; c.push(0x75, 0);
  c.push(0xc6, 0x05, ...le32(CODE + p + 1), 0x42); // mov byte [p+1],0x42
  const jmp = c.length; c.push(0xeb, rel8(jmp, p));
  const done = c.length; c[jne + 1] = rel8(jne, done);
  const q = done + 7;
  c.push(0xc6, 0x05, ...le32(CODE + q + 1), 0x77); // mov byte [q+1],0x77
  c.push(0xbb, ...le32(1), 0xf4); // q: mov ebx,1; hlt
  const core = await run(c);
  assert.is(core.gpr(2), 0x43n, "the rewritten MOV ran the second time");
  assert.is(core.gpr(3), 0x77n, "a store to the next instruction takes effect");
});

test("REP STOS of bytes, words, dwords with patterns and odd counts", async () => {
  const c: number[] = [];
  c.push(0xbf, ...le32(DATA), 0xb9, ...le32(37), 0xb8, ...le32(0x11223344), 0xf3, 0xab); // rep stosd
  c.push(0xbf, ...le32(DATA + 0x200), 0xb9, ...le32(21), 0xb0, 0x5a, 0xf3, 0xaa); // rep stosb
  c.push(0xbf, ...le32(DATA + 0x300), 0xb9, ...le32(19), 0x66, 0xb8, 0x34, 0x12, 0x66, 0xf3, 0xab); // rep stosw
  c.push(0xbf, ...le32(DATA + 0x400), 0xb9, ...le32(3000), 0x31, 0xc0, 0xf3, 0xab); // rep stosd of zero, 3000 elements (pages)
  c.push(0xf4);
  const mod = await run(c);
  const m = mod.mem;
  for (let i = 0; i < 37; i++) assert.is(m.readU32(DATA + i * 4), 0x11223344);
  assert.is(m.readU32(DATA + 37 * 4), 0);
  for (let i = 0; i < 21; i++) assert.is(m.readU8(DATA + 0x200 + i), 0x5a);
  assert.is(m.readU8(DATA + 0x200 + 21), 0);
  for (let i = 0; i < 19; i++) assert.is(m.readU16(DATA + 0x300 + i * 2), 0x1234);
  assert.is(m.readU16(DATA + 0x300 + 38), 0);
  assert.is(mod.gpr(1), 0n, "ECX counted down");
  assert.is(mod.gpr(7), BigInt(DATA + 0x400 + 12000), "EDI moved past the last element");
});

test.run();
