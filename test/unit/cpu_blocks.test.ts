// The decoded-block machinery of the core (assembly/cpu/blocks.ts, fastpath.ts and
// the block loop in exec.ts) against small hand-assembled 32-bit programs whose
// results are known: branches that leave a block early to different places,
// calls and returns from several sites, blocks that go on through jumps and
// calls (recursion, a return elsewhere than the call's next instruction, runs
// cut short by the budget at every point), code rewritten after it ran (and in
// the block that is running, and at a jump's target), and REP STOS of every
// width. Each runs in flat protected mode without paging from 0x100000 until HLT.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { Core } from "../../src/core/core.ts";
import * as L from "../../src/core/layout.gen.ts";
import { packageRoot } from "../../src/platform/node.ts";

const CODE = 0x100000;
const DATA = 0x200000;

async function load(code: number[]): Promise<Core> {
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
  return core;
}

async function run(code: number[], budget = 1_000_000): Promise<Core> {
  const core = await load(code);
  const reason = core.ex.run(budget);
  assert.is(reason, L.EXIT_DEAD, "the program ends at its HLT");
  return core;
}

/** Runs the program to its HLT in runs of `budget` instructions. */
async function runInSteps(code: number[], budget: number): Promise<Core> {
  const core = await load(code);
  for (let i = 0; i < 1_000_000; i++) {
    const reason = core.ex.run(budget);
    if (reason === L.EXIT_DEAD) return core;
    assert.is(reason, L.EXIT_BUDGET);
  }
  throw new Error("the program did not end");
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

test("the next instruction rewritten by the kinds that run out of line or generically inside a block (XCHG, BTS, x87 FISTP)", async () => {
  // Each store hits the imm32 of the MOV right after it, in the same block:
  //   mov eax,0x55; xchg [q1+1],eax; q1: mov ebx,1          -> ebx = 0x55
  //   bts dword [q2+1],4; q2: mov ecx,1                      -> ecx = 0x11
  //   mov edx,8; bts [q3+1],edx; q3: mov esi,1               -> esi = 0x101
  //   fninit; fild dword [DATA]; fistp dword [q4+1]; q4: mov edi,1 -> edi = 0x1234
  const c: number[] = [];
  c.push(0xb8, ...le32(0x55));
  const q1 = c.length + 6;
  c.push(0x87, 0x05, ...le32(CODE + q1 + 1));
  c.push(0xbb, ...le32(1));
  const q2 = c.length + 8;
  c.push(0x0f, 0xba, 0x2d, ...le32(CODE + q2 + 1), 0x04);
  c.push(0xb9, ...le32(1));
  c.push(0xba, ...le32(8));
  const q3 = c.length + 7;
  c.push(0x0f, 0xab, 0x15, ...le32(CODE + q3 + 1));
  c.push(0xbe, ...le32(1));
  c.push(0xdb, 0xe3, 0xdb, 0x05, ...le32(DATA));
  const q4 = c.length + 6;
  c.push(0xdb, 0x1d, ...le32(CODE + q4 + 1));
  c.push(0xbf, ...le32(1), 0xf4);
  for (const budget of [1_000_000, 1, 2, 3, 5]) {
    const core = await load(c);
    core.mem.write(DATA, Uint8Array.from(le32(0x1234)));
    let reason = 0;
    for (let i = 0; i < 1000 && (reason = core.ex.run(budget)) === L.EXIT_BUDGET; i++);
    assert.is(reason, L.EXIT_DEAD, "the program ends at its HLT");
    const where = `runs of ${budget} instructions`;
    assert.is(core.gpr(3), 0x55n, `XCHG rewrote the next MOV (${where})`);
    assert.is(core.gpr(1), 0x11n, `BTS imm rewrote the next MOV (${where})`);
    assert.is(core.gpr(6), 0x101n, `BTS reg rewrote the next MOV (${where})`);
    assert.is(core.gpr(7), 0x1234n, `FISTP rewrote the next MOV (${where})`);
  }
});

/** fib(EAX) -> EAX, recursive, saving ECX and EAX on the stack (as bench_call);
 * main computes fib(12) three times into EDI, then jumps forward over a gap and
 * back (jumps the block goes on through). */
function fibProgram(): number[] {
  const c: number[] = [];
  const rel32 = (at: number, to: number) => c.splice(at + 1, 4, ...le32((to - (at + 5)) >>> 0));
  c.push(0x31, 0xff, 0xbe, ...le32(3)); // xor edi,edi; mov esi,3
  const loop = c.length;
  c.push(0xb8, ...le32(12)); // mov eax,12
  const call = c.length; c.push(0xe8, 0, 0, 0, 0);
  c.push(0x01, 0xc7); // add edi,eax
  const jf = c.length; c.push(0xeb, 0); // jmp fwd
  const back = c.length; c.push(0x4e); // dec esi
  const jnz = c.length; c.push(0x75, rel8(jnz, loop));
  c.push(0xf4);
  const fwd = c.length; c[jf + 1] = rel8(jf, fwd);
  c.push(0x47); // inc edi
  const jb = c.length; c.push(0xeb, rel8(jb, back));
  const fib = c.length;
  c.push(0x83, 0xf8, 0x02); // cmp eax,2
  const jbl = c.length; c.push(0x72, 0);
  c.push(0x51, 0x50, 0x48); // push ecx; push eax; dec eax
  const c1 = c.length; c.push(0xe8, 0, 0, 0, 0);
  c.push(0x89, 0xc1, 0x58, 0x83, 0xe8, 0x02); // mov ecx,eax; pop eax; sub eax,2
  const c2 = c.length; c.push(0xe8, 0, 0, 0, 0);
  c.push(0x01, 0xc8, 0x59); // add eax,ecx; pop ecx
  const ret = c.length; c.push(0xc3);
  c[jbl + 1] = rel8(jbl, ret);
  rel32(call, fib); rel32(c1, fib); rel32(c2, fib);
  return c;
}

test("recursive calls the blocks go on through, and the same run cut at every instruction", async () => {
  const whole = await run(fibProgram());
  assert.is(whole.gpr(7), 3n * 144n + 3n, "3 x fib(12) + 3");
  assert.is(whole.gpr(4), 0x80000n, "the stack is balanced");
  const count = whole.insnCount;
  for (const budget of [1, 2, 3, 5, 7, 31, 33]) {
    const stepped = await runInSteps(fibProgram(), budget);
    assert.is(stepped.gpr(7), whole.gpr(7), `budget ${budget}`);
    assert.is(stepped.gpr(4), 0x80000n);
    assert.is(stepped.insnCount, count, `the same instructions with budget ${budget}`);
  }
});

test("a return to another place than the call's next instruction", async () => {
  // f: pop eax; add eax,3; push eax; ret (skips the 3-byte add after the call)
  // 50 times: call f; add ebx,100 (skipped); inc ebx
  const c: number[] = [];
  c.push(0x31, 0xdb, 0xb9, ...le32(50)); // xor ebx,ebx; mov ecx,50
  const loop = c.length;
  const call = c.length; c.push(0xe8, 0, 0, 0, 0);
  c.push(0x83, 0xc3, 0x64); // add ebx,100 (skipped)
  c.push(0x43, 0x49); // inc ebx; dec ecx
  const jnz = c.length; c.push(0x75, rel8(jnz, loop));
  c.push(0xf4);
  const f = c.length;
  c.push(0x58, 0x83, 0xc0, 0x03, 0x50, 0xc3);
  c.splice(call + 1, 4, ...le32((f - (call + 5)) >>> 0));
  const core = await run(c);
  assert.is(core.gpr(3), 50n);
  assert.is(core.gpr(4), 0x80000n);
});

test("code rewritten at the target of a jump the block goes on through", async () => {
  // p: jmp t; t: mov eax,1; add edx,eax; cmp edx,1; jne done; mov byte [t+1],0x20; jmp p
  const c: number[] = [0x31, 0xd2]; // xor edx,edx
  const p = c.length; c.push(0xeb, 0);
  c.push(0x90, 0x90); // (skipped)
  const t = c.length; c[p + 1] = rel8(p, t);
  c.push(0xb8, ...le32(1));
  c.push(0x01, 0xc2, 0x83, 0xfa, 0x01); // add edx,eax; cmp edx,1
  const jne = c.length; c.push(0x75, 0);
  c.push(0xc6, 0x05, ...le32(CODE + t + 1), 0x20); // mov byte [t+1],0x20
  const jmp = c.length; c.push(0xeb, rel8(jmp, p));
  c[jne + 1] = rel8(jne, c.length);
  c.push(0xf4);
  const core = await run(c);
  assert.is(core.gpr(2), 0x21n, "the rewritten MOV at the jump's target ran the second time");
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

test("REP MOVS over many pages: apart, and overlapping upwards (each element read after the ones before it were written)", async () => {
  const c: number[] = [];
  // Source pattern: DATA + i = i * 7 + 3 (bytes), 0x9000 bytes.
  c.push(0xbf, ...le32(DATA), 0x31, 0xc9); // mov edi,DATA; xor ecx,ecx
  const fill = c.length;
  c.push(0x8d, 0x04, 0xcd, ...le32(3)); // lea eax,[ecx*8+3]
  c.push(0x29, 0xc8); // sub eax,ecx  (eax = ecx*7 + 3)
  c.push(0x88, 0x04, 0x0f); // mov [edi+ecx],al
  c.push(0x41, 0x81, 0xf9, ...le32(0x9000)); // inc ecx; cmp ecx,0x9000
  const jb = c.length; c.push(0x72, rel8(jb, fill));
  // rep movsd: 0x2400 dwords (9 pages) from DATA to DATA + 0x10000 (apart).
  c.push(0xbe, ...le32(DATA), 0xbf, ...le32(DATA + 0x10000), 0xb9, ...le32(0x2400), 0xf3, 0xa5);
  // rep movsb: 0x5000 bytes from DATA + 0x20000 + 0x100 up by 0x1234 bytes onto itself,
  // after copying the pattern there first (rep movsd 0x2400 dwords).
  c.push(0xbe, ...le32(DATA), 0xbf, ...le32(DATA + 0x20000), 0xb9, ...le32(0x2400), 0xf3, 0xa5);
  c.push(0xbe, ...le32(DATA + 0x20100), 0xbf, ...le32(DATA + 0x20100 + 0x1234), 0xb9, ...le32(0x5000), 0xf3, 0xa4);
  c.push(0xf4);
  const core = await run(c);
  const m = core.mem;
  const pat = (i: number) => (i * 7 + 3) & 0xff;
  for (let i = 0; i < 0x9000; i += 97) assert.is(m.readU8(DATA + 0x10000 + i), pat(i), `apart, byte ${i}`);
  assert.is(m.readU8(DATA + 0x10000 + 0x8fff), pat(0x8fff));
  assert.is(m.readU8(DATA + 0x10000 + 0x9000), 0, "not past the end");
  // Byte by byte upwards: the bytes at [0x100, 0x100 + 0x1234) repeat from 0x100 + 0x1234 on.
  const ref = new Uint8Array(0x9000);
  for (let i = 0; i < 0x9000; i++) ref[i] = pat(i);
  for (let i = 0; i < 0x5000; i++) ref[0x100 + 0x1234 + i] = ref[0x100 + i];
  for (let i = 0; i < 0x9000; i += 13) assert.is(m.readU8(DATA + 0x20000 + i), ref[i], `overlapping, byte ${i}`);
  assert.is(core.gpr(1), 0n, "ECX counted down");
  assert.is(core.gpr(6), BigInt(DATA + 0x20100 + 0x5000), "ESI moved past the source");
});

test.run();
