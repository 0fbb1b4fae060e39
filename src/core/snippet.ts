// Runs single instructions on the core in a prepared 64-bit or 32-bit
// environment: what the CPU vector replay and the decoder fuzz test use.
// Layout of the scratch machine (guest-physical, identity mapped):
//   0x1000 PML4, 0x2000 PDPT, 0x3000 PD (2 MiB pages over the first 16 MiB)
//   0x4000 GDT, 0x5000 IDT, 0x80000 stack top, 0x100000 code, 0x200000 fault stubs
import { readFileSync } from "node:fs";
import { Core } from "./core.js";
import * as L from "./layout.gen.js";
import { packageRoot } from "../platform/node.js";

export interface SnippetState {
  gpr: bigint[]; // 16, SDM order rax rcx rdx rbx rsp rbp rsi rdi r8..r15
  rflags: bigint;
  xmm: bigint[]; // 32 u64 halves: xmm0 lo, xmm0 hi, ...
  mxcsr: number;
}

const CODE = 0x100000;
const STUBS = 0x200000;
const RAM = 16 << 20;

async function scratchCore(): Promise<Core> {
  const mod = await WebAssembly.compile(readFileSync(packageRoot() + "build/core.wasm"));
  const core = await Core.create(mod, { ramLowBase: 0, ramLowSize: RAM, ramHighBase: 2 ** 32, ramHighSize: 0 });
  const m = core.mem;
  m.writeU64(0x1000, 0x2003n);
  m.writeU64(0x2000, 0x3003n);
  for (let i = 0; i < 8; i++) m.writeU64(0x3000 + i * 8, BigInt(i * 0x200000 + 0x83));
  // GDT: null, 64-bit code 0x08, data 0x10, 32-bit code 0x18.
  m.writeU64(0x4008, 0x00af9b000000ffffn);
  m.writeU64(0x4010, 0x00cf93000000ffffn);
  m.writeU64(0x4018, 0x00cf9b000000ffffn);
  // Fault stubs: HLT at STUBS + 16 * vector.
  for (let v = 0; v < 256; v++) m.writeU8(STUBS + v * 16, 0xf4);
  return core;
}

function writeIdt(core: Core, long: boolean): void {
  const m = core.mem;
  for (let v = 0; v < 256; v++) {
    const t = STUBS + v * 16;
    if (long) {
      m.writeU32(0x5000 + v * 16, (t & 0xffff) | (0x08 << 16));
      m.writeU32(0x5000 + v * 16 + 4, (t & 0xffff0000) | 0x8e01); // IST1: faults never need the snippet's RSP
      m.writeU64(0x5000 + v * 16 + 8, 0n);
    } else {
      m.writeU32(0x5000 + v * 8, (t & 0xffff) | (0x18 << 16));
      m.writeU32(0x5000 + v * 8 + 4, (t & 0xffff0000) | 0x8e00);
    }
  }
}

function enterMode(core: Core, mode: 64 | 32): void {
  writeIdt(core, mode === 64);
  core.setCpu64(L.CPU_GDTR_BASE, 0x4000);
  core.setCpu32(L.CPU_GDTR_LIMIT, 0x1f);
  core.setCpu64(L.CPU_IDTR_BASE, 0x5000);
  core.setCpu32(L.CPU_IDTR_LIMIT, mode === 64 ? 0xfff : 0x7ff);
  core.setSegment(7, 0x20, 0x6000, 0x67, 0x8b);
  core.mem.writeU64(0x6000 + 36, 0x90000n); // TSS.IST1
  if (mode === 64) {
    core.setCpu64(L.CPU_CR0, 0x80000033n); // PG NE ET MP PE
    core.setCpu64(L.CPU_CR3, 0x1000);
    core.setCpu64(L.CPU_CR4, 0x620); // PAE OSFXSR OSXMMEXCPT
    core.setCpu64(L.CPU_EFER, 0xd01); // SCE LME LMA NXE
    core.setSegment(1, 0x08, 0, 0xffffffff, 0xa09b);
  } else {
    core.setCpu64(L.CPU_CR0, 0x33);
    core.setCpu64(L.CPU_CR3, 0);
    core.setCpu64(L.CPU_CR4, 0x600);
    core.setCpu64(L.CPU_EFER, 0);
    core.setSegment(1, 0x18, 0, 0xffffffff, 0xc09b);
  }
  for (const s of [0, 2, 3, 4, 5]) core.setSegment(s, 0x10, 0, 0xffffffff, 0xc093);
}

export async function createSnippetRunner(): Promise<
  (code: Uint8Array, state: SnippetState, mode: 64 | 32) => SnippetState & { fault: number }
> {
  const core = await scratchCore();
  let lastMode = 0;
  return (code, state, mode) => {
    if (mode !== lastMode) {
      enterMode(core, mode);
      lastMode = mode;
    }
    core.mem.write(CODE, code);
    core.mem.write(CODE + code.length, new Uint8Array(16).fill(0x90));
    for (let i = 0; i < 16; i++) core.setGpr(i, state.gpr[i] ?? 0n);
    // 32-bit exception frames go on the current stack: give it one if it has none.
    if (mode === 32 && !state.gpr[4]) core.setGpr(4, 0x80000);
    core.setCpu64(L.CPU_RFLAGS, (state.rflags & 0x3f7fd5n) | 2n);
    for (let i = 0; i < 32; i++) core.setCpu64(L.CPU_FXSAVE + 0xa0 + i * 8, state.xmm[i] ?? 0n);
    core.setCpu32(L.CPU_FXSAVE + 0x18, state.mxcsr);
    core.rip = BigInt(CODE);
    core.setCpu32(L.CPU_HALTED, 0);
    core.setCpu32(L.CPU_SHADOW, 0);
    core.ex.stateChanged();
    core.ex.run(1);
    const rip = Number(core.rip);
    const fault = rip >= STUBS && rip < STUBS + 4096 ? (rip - STUBS) >> 4 : -1;
    // Report RSP as given: 32-bit runs borrowed a stack, and a fault pushed a frame.
    if (fault >= 0 || mode === 32) core.setGpr(4, state.gpr[4] ?? 0n);
    const out: SnippetState & { fault: number } = {
      gpr: Array.from({ length: 16 }, (_, i) => core.gpr(i)),
      rflags: core.cpu64(L.CPU_RFLAGS),
      xmm: Array.from({ length: 32 }, (_, i) => core.cpu64(L.CPU_FXSAVE + 0xa0 + i * 8)),
      mxcsr: core.cpu32(L.CPU_FXSAVE + 0x18),
      fault,
    };
    return out;
  };
}

export async function createLengthDecoder(): Promise<(bytes: Uint8Array, mode: 64 | 32) => number> {
  const core = await scratchCore();
  let lastMode = 0;
  return (bytes, mode) => {
    if (mode !== lastMode) {
      enterMode(core, mode);
      lastMode = mode;
    }
    core.mem.write(CODE, bytes);
    core.rip = BigInt(CODE);
    return core.ex.decodeLength();
  };
}
