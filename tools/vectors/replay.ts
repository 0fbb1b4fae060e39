// Replays CPU vectors (test/vectors/*.jsonl, written by tools/vectors/gen.c) on a snippet runner
// and reports mismatches grouped by instruction form. Used by test/unit/vectors.test.ts; the
// record format is described in tools/vectors/README.md.

import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** One record: a single instruction run once on the real CPU. */
export interface VectorRecord {
  f: string; // form, e.g. "add r32,imm8"
  code: string; // instruction bytes, hex
  mode?: 32; // absent = 64-bit mode
  in: Record<string, string>; // rax..r15, xmm0..xmm15, rflags, mxcsr; absent = 0 (mxcsr: 0x1f80)
  out: Record<string, string>; // registers that changed, plus rflags (masked) and mxcsr
  mask: string; // RFLAGS bits the SDM defines after this form (subset of 0x8d5)
  fault?: number; // exception vector the CPU raised (0 = #DE); registers are then unchanged
}

/** The state block of src/core/snippet.ts (kept structurally identical, not imported). */
export interface SnippetState {
  gpr: bigint[]; // 16, SDM order rax rcx rdx rbx rsp rbp rsi rdi r8..r15
  rflags: bigint;
  xmm: bigint[]; // 32 u64 halves: xmm0 lo, xmm0 hi, xmm1 lo, ...
  mxcsr: number;
}
export type SnippetResult = SnippetState & { fault: number };
export type SnippetRunner = (code: Uint8Array, state: SnippetState, mode: 64 | 32) => SnippetResult;

export const GPR_NAMES = [
  "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
] as const;
const GPR_INDEX = new Map<string, number>(GPR_NAMES.map((n, i) => [n, i]));

export const RFLAGS_ARITH = 0x8d5n; // CF PF AF ZF SF OF
export const RFLAGS_DF = 0x400n;
export const MXCSR_DEFAULT = 0x1f80;
const U64 = (1n << 64n) - 1n;
const U32 = (1n << 32n) - 1n;

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const hex = (v: bigint) => "0x" + v.toString(16);
const hex128 = (lo: bigint, hi: bigint) => hi.toString(16).padStart(16, "0") + lo.toString(16).padStart(16, "0");

/** Reads every *.jsonl file in dir: family name (file stem) → records, in file order. */
export function loadVectorDir(dir: string): Map<string, VectorRecord[]> {
  const families = new Map<string, VectorRecord[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".jsonl")).sort()) {
    const lines = readFileSync(join(dir, file), "utf8").split("\n");
    const records: VectorRecord[] = [];
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      try {
        records.push(JSON.parse(line) as VectorRecord);
      } catch (e) {
        throw new Error(`${file}:${i + 1}: bad JSON: ${(e as Error).message}`);
      }
    });
    families.set(file.replace(/\.jsonl$/, ""), records);
  }
  return families;
}

/** Checks one record's shape; returns a problem description or null. */
export function validateRecord(r: VectorRecord): string | null {
  if (typeof r.f !== "string" || !r.f) return "missing f";
  if (typeof r.code !== "string" || !/^([0-9a-f]{2}){1,15}$/.test(r.code)) return `bad code ${r.code}`;
  if (r.mode !== undefined && r.mode !== 32) return `bad mode ${r.mode}`;
  if (typeof r.mask !== "string" || (BigInt(r.mask) & ~RFLAGS_ARITH) !== 0n) return `bad mask ${r.mask}`;
  for (const side of [r.in, r.out]) {
    if (!side || typeof side !== "object") return "missing in/out";
    for (const [k, v] of Object.entries(side)) {
      if (k.startsWith("xmm")) {
        const n = Number(k.slice(3));
        if (!(n >= 0 && n < 16) || !/^[0-9a-f]{32}$/.test(v)) return `bad ${k}=${v}`;
      } else if (GPR_INDEX.has(k) || k === "rflags" || k === "mxcsr") {
        if (!/^0x[0-9a-f]+$/.test(v) || BigInt(v) > U64) return `bad ${k}=${v}`;
      } else return `unknown register ${k}`;
    }
  }
  if (r.out.rflags === undefined) return "out.rflags missing";
  return null;
}

/** The state a record starts from: registers listed in `in`, everything else zero. */
export function initialState(r: VectorRecord): SnippetState {
  const s: SnippetState = {
    gpr: new Array<bigint>(16).fill(0n),
    rflags: 2n,
    xmm: new Array<bigint>(32).fill(0n),
    mxcsr: MXCSR_DEFAULT,
  };
  applyRegs(s, r.in);
  return s;
}

function applyRegs(s: SnippetState, regs: Record<string, string>): void {
  for (const [k, v] of Object.entries(regs)) {
    const g = GPR_INDEX.get(k);
    if (g !== undefined) s.gpr[g] = BigInt(v);
    else if (k === "rflags") s.rflags = BigInt(v);
    else if (k === "mxcsr") s.mxcsr = Number(BigInt(v));
    else if (k.startsWith("xmm")) {
      const n = Number(k.slice(3));
      s.xmm[2 * n] = BigInt("0x" + v.slice(16));
      s.xmm[2 * n + 1] = BigInt("0x" + v.slice(0, 16));
    }
  }
}

/** The state the CPU ended in: `in`, overlaid with `out`. rflags is meaningful only under mask. */
export function expectedState(r: VectorRecord): SnippetResult {
  const s = initialState(r);
  applyRegs(s, r.out);
  return { ...s, fault: r.fault ?? -1 };
}

/**
 * Compares a runner's result with the record. Returns one line per differing register (empty when
 * the record passes). In 32-bit mode only eax..edi (low 32 bits) and xmm0..7 are compared.
 */
export function compareRecord(r: VectorRecord, got: SnippetResult): string[] {
  const want = expectedState(r);
  const diffs: string[] = [];
  const is32 = r.mode === 32;
  if (got.fault !== want.fault) diffs.push(`fault: expected ${want.fault}, got ${got.fault}`);
  const ngpr = is32 ? 8 : 16;
  const width = is32 ? U32 : U64;
  for (let i = 0; i < ngpr; i++) {
    const w = want.gpr[i] & width;
    const g = BigInt.asUintN(64, got.gpr[i] ?? 0n) & width;
    if (w !== g) diffs.push(`${GPR_NAMES[i]}: expected ${hex(w)}, got ${hex(g)}`);
  }
  const mask = BigInt(r.mask);
  const wf = want.rflags & mask;
  const gf = BigInt.asUintN(64, got.rflags) & mask;
  if (wf !== gf) diffs.push(`rflags&${r.mask}: expected ${hex(wf)} (${flagNames(wf)}), got ${hex(gf)} (${flagNames(gf)})`);
  const inFlags = initialState(r).rflags;
  if ((got.rflags ^ inFlags) & RFLAGS_DF) diffs.push(`rflags.DF changed: was ${hex(inFlags)}, got ${hex(got.rflags)}`);
  for (let i = 0; i < (is32 ? 8 : 16); i++) {
    const wl = want.xmm[2 * i], wh = want.xmm[2 * i + 1];
    const gl = BigInt.asUintN(64, got.xmm[2 * i] ?? 0n), gh = BigInt.asUintN(64, got.xmm[2 * i + 1] ?? 0n);
    if (wl !== gl || wh !== gh) diffs.push(`xmm${i}: expected ${hex128(wl, wh)}, got ${hex128(gl, gh)}`);
  }
  if ((got.mxcsr >>> 0) !== want.mxcsr) diffs.push(`mxcsr: expected ${hex(BigInt(want.mxcsr))}, got ${hex(BigInt(got.mxcsr >>> 0))}`);
  return diffs;
}

const FLAG_BITS: [bigint, string][] = [[0x1n, "CF"], [0x4n, "PF"], [0x10n, "AF"], [0x40n, "ZF"], [0x80n, "SF"], [0x800n, "OF"]];
function flagNames(v: bigint): string {
  const names = FLAG_BITS.filter(([b]) => v & b).map(([, n]) => n);
  return names.length ? names.join(" ") : "-";
}

export function describeInput(r: VectorRecord): string {
  const regs = Object.entries(r.in).map(([k, v]) => `${k}=${v}`);
  return `code ${r.code}${r.mode === 32 ? " (mode 32)" : ""} in {${regs.join(" ")}}`;
}

export interface FormReport {
  form: string; // "add r32,r32" or "add r32,r32 [mode 32]"
  total: number;
  failed: number;
  examples: string[];
}
export interface FamilyReport {
  family: string;
  total: number;
  failed: number;
  forms: FormReport[]; // every form, in first-seen order
}

/** Runs every record of one family; at most `examplesPerForm` failing records are described. */
export function replayFamily(family: string, records: VectorRecord[], run: SnippetRunner, examplesPerForm = 3): FamilyReport {
  const byForm = new Map<string, FormReport>();
  let failed = 0;
  for (const r of records) {
    const key = r.mode === 32 ? `${r.f} [mode 32]` : r.f;
    let fr = byForm.get(key);
    if (!fr) byForm.set(key, (fr = { form: key, total: 0, failed: 0, examples: [] }));
    fr.total++;
    let diffs: string[];
    try {
      diffs = compareRecord(r, run(hexToBytes(r.code), initialState(r), r.mode ?? 64));
    } catch (e) {
      diffs = [`runner threw: ${(e as Error)?.stack ?? e}`];
    }
    if (diffs.length === 0) continue;
    fr.failed++;
    failed++;
    if (fr.examples.length < examplesPerForm) {
      const flags = r.fault !== undefined ? ` (CPU raised vector ${r.fault})` : "";
      fr.examples.push(`${describeInput(r)}${flags}\n        ${diffs.join("\n        ")}`);
    }
  }
  return { family, total: records.length, failed, forms: [...byForm.values()] };
}

/** Human-readable summary of the failing forms of one family (worst first). */
export function formatFamilyReport(rep: FamilyReport, maxForms = 40): string {
  const bad = rep.forms.filter((f) => f.failed > 0).sort((a, b) => b.failed / b.total - a.failed / a.total || b.failed - a.failed);
  const lines = [`${rep.family}: ${rep.failed}/${rep.total} records differ in ${bad.length}/${rep.forms.length} forms`];
  for (const f of bad.slice(0, maxForms)) {
    lines.push(`  ${f.form}: ${f.failed}/${f.total} differ`);
    for (const ex of f.examples) lines.push(`      ${ex}`);
  }
  if (bad.length > maxForms) lines.push(`  ... and ${bad.length - maxForms} more forms: ${bad.slice(maxForms).map((f) => f.form).join(", ")}`);
  return lines.join("\n");
}
