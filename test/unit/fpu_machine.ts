// A tiny identity-mapped machine for the SSE/x87 suites: runs a short program
// (code at CODE, RDI = DATA, a stack, HLT appended) to completion, or to the
// first exception (each vector's handler is a HLT stub, as in src/core/snippet.ts).
// The real-CPU oracle (fpu_oracle.jsonl, from fpu_oracle_gen.py) runs the same
// bytes natively with RDI pointing at a zeroed 4 KiB buffer.
import { readFileSync } from "node:fs";
import { Core } from "../../src/core/core.js";
import * as L from "../../src/core/layout.gen.js";
import { packageRoot } from "../../src/platform/node.js";

export const CODE = 0x100000;
export const STUBS = 0x200000;
export const DATA = 0x300000;
export const STACK = 0x80000;
const RAM = 16 << 20;

export const FCW = L.CPU_FXSAVE + 0;
export const FSW = L.CPU_FXSAVE + 2;
export const FTW = L.CPU_FXSAVE + 4;
export const MXCSR = L.CPU_FXSAVE + 0x18;
export const XMM = L.CPU_FXSAVE + 0xa0;

export interface RunOptions {
  mode?: 64 | 32;
  cr0?: bigint; // default PG NE ET MP PE
  cr4?: number; // default PAE OSFXSR OSXMMEXCPT
  mxcsr?: number;
  gpr?: Record<number, bigint>;
  data?: Uint8Array; // initial DATA contents (default zeros)
  xmm?: Record<number, [bigint, bigint]>;
  budget?: number;
}

export interface RunResult {
  fault: number; // -1 = ran to the HLT
  data: Uint8Array; // 4 KiB at DATA
  core: Core;
}

export async function createMachine(): Promise<(code: Uint8Array, opts?: RunOptions) => RunResult> {
  const mod = await WebAssembly.compile(readFileSync(packageRoot() + "build/core.wasm"));
  const core = await Core.create(mod, { ramLowBase: 0, ramLowSize: RAM, ramHighBase: 2 ** 32, ramHighSize: 0 });
  const m = core.mem;
  m.writeU64(0x1000, 0x2003n);
  m.writeU64(0x2000, 0x3003n);
  for (let i = 0; i < 8; i++) m.writeU64(0x3000 + i * 8, BigInt(i * 0x200000 + 0x83));
  m.writeU64(0x4008, 0x00af9b000000ffffn); // 64-bit code
  m.writeU64(0x4010, 0x00cf93000000ffffn); // data
  m.writeU64(0x4018, 0x00cf9b000000ffffn); // 32-bit code
  for (let v = 0; v < 256; v++) m.writeU8(STUBS + v * 16, 0xf4);
  return (code, opts = {}) => {
    const mode = opts.mode ?? 64;
    const long = mode === 64;
    for (let v = 0; v < 256; v++) {
      const t = STUBS + v * 16;
      if (long) {
        m.writeU32(0x5000 + v * 16, (t & 0xffff) | (0x08 << 16));
        m.writeU32(0x5000 + v * 16 + 4, (t & 0xffff0000) | 0x8e01);
        m.writeU64(0x5000 + v * 16 + 8, 0n);
      } else {
        m.writeU32(0x5000 + v * 8, (t & 0xffff) | (0x18 << 16));
        m.writeU32(0x5000 + v * 8 + 4, (t & 0xffff0000) | 0x8e00);
      }
    }
    core.setCpu64(L.CPU_GDTR_BASE, 0x4000);
    core.setCpu32(L.CPU_GDTR_LIMIT, 0x1f);
    core.setCpu64(L.CPU_IDTR_BASE, 0x5000);
    core.setCpu32(L.CPU_IDTR_LIMIT, long ? 0xfff : 0x7ff);
    core.setSegment(7, 0x20, 0x6000, 0x67, 0x8b);
    m.writeU64(0x6000 + 36, 0x90000n);
    core.setCpu64(L.CPU_CR0, opts.cr0 ?? (long ? 0x80000033n : 0x33n));
    core.setCpu64(L.CPU_CR3, long ? 0x1000 : 0);
    core.setCpu64(L.CPU_CR4, opts.cr4 ?? (long ? 0x620 : 0x600));
    core.setCpu64(L.CPU_EFER, long ? 0xd01 : 0);
    core.setSegment(1, long ? 0x08 : 0x18, 0, 0xffffffff, long ? 0xa09b : 0xc09b);
    for (const s of [0, 2, 3, 4, 5]) core.setSegment(s, 0x10, 0, 0xffffffff, 0xc093);
    m.write(CODE, code);
    m.writeU8(CODE + code.length, 0xf4);
    m.fill(DATA, 4096, 0);
    if (opts.data) m.write(DATA, opts.data);
    for (let i = 0; i < 16; i++) core.setGpr(i, opts.gpr?.[i] ?? 0n);
    core.setGpr(7, opts.gpr?.[7] ?? BigInt(DATA));
    core.setGpr(4, opts.gpr?.[4] ?? BigInt(STACK));
    core.setCpu64(L.CPU_RFLAGS, 2);
    // Reset x87/SSE state: FNINIT, MXCSR default, XMM cleared.
    core.setCpu32(FCW, 0x037f); // FCW = 0x37f, FSW = 0
    core.setCpu32(FTW, 0); // abridged tags (all empty), FOP
    for (let i = 0; i < 32; i++) core.setCpu64(L.CPU_X87_PRIVATE + i * 8, 0n); // R0-R7 zero
    for (let i = 0; i < 32; i++) core.setCpu64(XMM + i * 8, 0n);
    for (const [r, [lo, hi]] of Object.entries(opts.xmm ?? {})) {
      core.setCpu64(XMM + Number(r) * 16, lo);
      core.setCpu64(XMM + Number(r) * 16 + 8, hi);
    }
    core.setCpu32(MXCSR, opts.mxcsr ?? 0x1f80);
    core.rip = BigInt(CODE);
    core.setCpu32(L.CPU_HALTED, 0);
    core.setCpu32(L.CPU_SHADOW, 0);
    core.ex.stateChanged();
    core.ex.run(opts.budget ?? 10_000_000);
    const rip = Number(core.rip);
    const fault = rip >= STUBS && rip < STUBS + 4096 ? ((rip - STUBS) >> 4) : -1;
    return { fault, data: core.mem.read(DATA, 4096), core };
  };
}

export function hex(s: string): Uint8Array {
  const b = new Uint8Array(s.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return b;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export interface OracleCase {
  g: string; // group
  n: string; // name
  code: string; // hex, without the native RET
  out: [number, string][]; // non-zero runs of the 4 KiB buffer after the native run
}

export function loadOracle(path: string): OracleCase[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as OracleCase);
}

export function expectedBuffer(c: OracleCase): Uint8Array {
  const b = new Uint8Array(4096);
  for (const [off, h] of c.out) b.set(hex(h), off);
  return b;
}

/** Differences as "offset: expected/got" for 16-byte rows that differ. */
export function diffRows(want: Uint8Array, got: Uint8Array): string[] {
  const rows: string[] = [];
  for (let o = 0; o < want.length; o += 16) {
    const w = toHex(want.subarray(o, o + 16));
    const g = toHex(got.subarray(o, o + 16));
    if (w !== g) rows.push(`+${o.toString(16).padStart(3, "0")} want ${w}\n       got  ${g}`);
  }
  return rows;
}
