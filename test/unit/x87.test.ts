// x87 on the core: real-CPU oracle cases (fpu_oracle.jsonl, produced by
// fpu_oracle_gen.py on an x86-64 host: the same position-independent bytes run
// natively and here, and the 1 KiB data buffers must match byte for byte), plus
// hand-checked cases for what the native run cannot show (faults, #MF, 32-bit
// layouts, transcendentals within tolerance).
//
//   XPVH_X87_EXAMPLES=n   failing oracle cases printed per group (default 3)
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileURLToPath } from "node:url";
import {
  createMachine, loadOracle, expectedBuffer, diffRows, hex, FSW, type RunOptions, type RunResult,
} from "./fpu_machine.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const oracle = loadOracle(here + "fpu_oracle.jsonl").filter((c) => c.g.startsWith("x87"));
const examples = Number(process.env.XPVH_X87_EXAMPLES ?? 3);

let run: (code: Uint8Array, opts?: RunOptions) => RunResult;
test.before(async () => {
  run = await createMachine();
});

const groups = [...new Set(oracle.map((c) => c.g))];
for (const g of groups) {
  const cases = oracle.filter((c) => c.g === g);
  test(`oracle ${g} (${cases.length} cases, real CPU)`, () => {
    const bad: string[] = [];
    for (const c of cases) {
      const r = run(hex(c.code));
      const d = r.fault >= 0 ? [`fault ${r.fault}`] : diffRows(expectedBuffer(c), r.data);
      if (d.length) bad.push(`${c.n}\n  ${d.join("\n  ")}`);
    }
    if (bad.length) assert.unreachable(`${bad.length}/${cases.length} differ:\n${bad.slice(0, examples).join("\n")}`);
  });
}

function f64At(b: Uint8Array, off: number): number {
  return new DataView(b.buffer, b.byteOffset).getFloat64(off, true);
}
function data(...vals: [number, number][]): Uint8Array {
  const b = new Uint8Array(1024);
  const v = new DataView(b.buffer);
  for (const [off, x] of vals) v.setFloat64(off, x, true);
  return b;
}

test("transcendentals (double precision, within 2 ulp)", () => {
  // fsin fcos fptan fpatan f2xm1 fyl2x fyl2xp1 fsincos on x = 0.5, y = 3; fsin(1e20) out of range
  const code = "dbe3dd07d9fedd5f10dd07d9ffdd5f18dd07d9f2dd5f40dd5f20dd4708dd07d9f3dd5f28dd07d9f0dd5f30dd4708dd07d9f1dd5f38dd4708dd07d9f9dd5f48dd07d9fbdd5f50dd5f58dd4760d9fedfe066894768dd5f70";
  const r = run(hex(code), { data: data([0, 0.5], [8, 3], [0x60, 1e20]) });
  assert.is(r.fault, -1);
  const near = (off: number, want: number, what: string) => {
    const got = f64At(r.data, off);
    assert.ok(Math.abs(got - want) <= 4.5e-16 * Math.abs(want), `${what}: ${got} vs ${want}`);
  };
  near(0x10, Math.sin(0.5), "fsin");
  near(0x18, Math.cos(0.5), "fcos");
  near(0x20, Math.tan(0.5), "fptan");
  assert.is(f64At(r.data, 0x40), 1, "fptan pushes 1.0");
  near(0x28, Math.atan2(3, 0.5), "fpatan: atan2(ST1, ST0)");
  near(0x30, Math.SQRT2 - 1, "f2xm1");
  near(0x38, 3 * Math.log2(0.5), "fyl2x: ST1 * log2(ST0)");
  near(0x48, 3 * Math.log2(1.5), "fyl2xp1: ST1 * log2(ST0 + 1)");
  near(0x50, Math.cos(0.5), "fsincos cos");
  near(0x58, Math.sin(0.5), "fsincos sin");
  const sw = r.data[0x68] | (r.data[0x69] << 8);
  assert.is(sw & 0x400, 0x400, "fsin(1e20): C2 set (operand out of range)");
  assert.is(f64At(r.data, 0x70), 1e20, "fsin(1e20) leaves the operand");
});

test("#MF: an unmasked exception is reported by the next waiting instruction", () => {
  const cw = new Uint8Array(1024);
  cw[0] = 0x7b; cw[1] = 0x03; // FCW 0x37b: ZE unmasked
  // fldcw [rdi]; fld1; fldz; fdivp st(1), st; fld1
  let r = run(hex("d92fd9e8d9eedef9d9e8"), { data: cw });
  assert.is(r.fault, 16, "fld1 after the pending ZE → #MF");
  assert.is(r.core.cpu32(FSW) & 0xffff & 0x8084, 0x8084, "ZE, ES and B set");
  // ... ; fwait
  r = run(hex("d92fd9e8d9eedef99b"), { data: cw });
  assert.is(r.fault, 16, "FWAIT → #MF");
  // ... ; fnstsw ax; fnclex; fld1 — the no-wait pair clears it
  r = run(hex("d92fd9e8d9eedef9dfe0dbe2d9e8"), { data: cw });
  assert.is(r.fault, -1);
  assert.is(Number(r.core.gpr(0)) & 0xffff, 0xb084, "FNSTSW AX: B ES ZE, TOP 6 (no result, no pop: as the CPU does)");
  // FLDCW and EMMS wait too; FXSAVE does not (all checked on the host CPU).
  assert.is(run(hex("d92fd9e8d9eedef9d92f"), { data: cw }).fault, 16, "FLDCW → #MF");
  assert.is(run(hex("d92fd9e8d9eedef90f77"), { data: cw }).fault, 16, "EMMS → #MF");
  assert.is(run(hex("d92fd9e8d9eedef90fae8700010000d97f02"), { data: cw }).fault, -1, "FXSAVE, FNSTCW: no #MF");
  // Without CR0.NE the legacy FERR# path is not modelled: no fault.
  r = run(hex("d92fd9e8d9eedef9d9e8"), { data: cw, cr0: 0x80000013n });
  assert.is(r.fault, -1);
});

test("CR0.EM / CR0.TS: x87 and WAIT raise #NM", () => {
  assert.is(run(hex("d9e8"), { cr0: 0x80000037n }).fault, 7, "EM");
  assert.is(run(hex("d9e8"), { cr0: 0x8000003bn }).fault, 7, "TS");
  assert.is(run(hex("9b"), { cr0: 0x8000003bn }).fault, 7, "WAIT with MP and TS");
  assert.is(run(hex("9b"), { cr0: 0x80000039n }).fault, -1, "WAIT with TS but not MP");
});

test("32-bit mode: FXSAVE stops at XMM7, 16-bit FNSTENV is 14 bytes", () => {
  const d = new Uint8Array(1024).fill(0xcc);
  for (let i = 0; i < 16; i++) d[0x300 + i] = i + 1;
  // fninit; fld1; fxsave [edi]; fnstenv [edi+0x200]; o16 fnstenv [edi+0x240]; movdqu xmm7, [edi+0x300]; movdqa [edi+0x310], xmm7
  const r = run(hex("dbe3d9e80fae07d9b70002000066d9b740020000f30f6fbf00030000660f7fbf10030000"), {
    mode: 32, data: d, gpr: { 7: 0x300000n, 4: 0x80000n },
  });
  assert.is(r.fault, -1);
  assert.is(r.data[0] | (r.data[1] << 8), 0x37f, "FCW");
  assert.is(r.data[2] | (r.data[3] << 8), 0x3800, "FSW: TOP 7");
  assert.is(r.data[4], 0x80, "abridged FTW: R7 valid");
  assert.is(r.data[0x120], 0xcc, "no XMM8 slot in 32-bit mode");
  assert.is(r.data[0x200 + 2] | (r.data[0x200 + 3] << 8), 0xffff, "32-bit environment pads with 0xffff");
  assert.is(r.data[0x240 + 4] | (r.data[0x240 + 5] << 8), 0x3fff, "16-bit environment: full tag word (R7 valid)");
  assert.is(r.data[0x240 + 14], 0xcc, "16-bit environment is 14 bytes");
  assert.equal([...r.data.subarray(0x310, 0x320)], [...d.subarray(0x300, 0x310)]);
});

test("FXSAVE/FXRSTOR need 16-byte alignment; FXRSTOR checks MXCSR reserved bits", () => {
  assert.is(run(hex("0fae4708")).fault, 13, "fxsave [rdi+8]");
  assert.is(run(hex("0fae4f08")).fault, 13, "fxrstor [rdi+8]");
  const d = new Uint8Array(1024);
  d[0x10 + 0x18 + 2] = 1; // MXCSR bit 16 at [rdi+0x10] image
  assert.is(run(hex("0fae4f10"), { data: d }).fault, 13, "fxrstor with a reserved MXCSR bit");
  assert.is(run(hex("0fae4f10")).fault, -1, "fxrstor of a zero image is fine");
});

test.run();
