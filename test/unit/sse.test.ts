// SSE/SSE2/SSE3/SSSE3 and MMX on the core. Register-only forms are covered by
// the real-CPU vectors (test/vectors/sse_*.jsonl, vectors.test.ts); this suite
// adds real-CPU oracle cases with memory operands, MMX and the SSE3/SSSE3
// additions (fpu_oracle.jsonl, see x87.test.ts), and hand-checked faults: the
// CR0/CR4 gates, alignment, #XM, and stores that must not half-happen.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileURLToPath } from "node:url";
import {
  createMachine, loadOracle, expectedBuffer, diffRows, hex, MXCSR, XMM, FSW, FTW, type RunOptions, type RunResult,
} from "./fpu_machine.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const oracle = loadOracle(here + "fpu_oracle.jsonl").filter((c) => !c.g.startsWith("x87"));

let run: (code: Uint8Array, opts?: RunOptions) => RunResult;
test.before(async () => {
  run = await createMachine();
});

for (const g of [...new Set(oracle.map((c) => c.g))]) {
  const cases = oracle.filter((c) => c.g === g);
  test(`oracle ${g} (${cases.length} cases, real CPU)`, () => {
    const bad: string[] = [];
    for (const c of cases) {
      const r = run(hex(c.code));
      const d = r.fault >= 0 ? [`fault ${r.fault}`] : diffRows(expectedBuffer(c), r.data);
      if (d.length) bad.push(`${c.n}\n  ${d.join("\n  ")}`);
    }
    if (bad.length) assert.unreachable(`${bad.length}/${cases.length} differ:\n${bad.slice(0, 3).join("\n")}`);
  });
}

// CR0: PG NE ET MP PE = 0x80000033; +EM 4, +TS 8. CR4: PAE 0x20, OSFXSR 0x200, OSXMMEXCPT 0x400.
test("gates: CR0.EM → #UD, CR0.TS → #NM, CR4.OSFXSR clear → #UD", () => {
  const addps = hex("0f58c1");
  assert.is(run(addps).fault, -1);
  assert.is(run(addps, { cr0: 0x80000037n }).fault, 6, "SSE with EM");
  assert.is(run(addps, { cr0: 0x8000003bn }).fault, 7, "SSE with TS");
  assert.is(run(addps, { cr4: 0x420 }).fault, 6, "SSE without OSFXSR");
  const paddb = hex("0ffcc1");
  assert.is(run(paddb, { cr4: 0x20 }).fault, -1, "MMX needs no OSFXSR");
  assert.is(run(paddb, { cr0: 0x80000037n }).fault, 6, "MMX with EM");
  assert.is(run(paddb, { cr0: 0x8000003bn }).fault, 7, "MMX with TS");
  assert.is(run(hex("0faee8"), { cr0: 0x8000003fn }).fault, -1, "LFENCE ignores EM/TS");
  assert.is(run(hex("0fae17"), { cr0: 0x8000003bn }).fault, 7, "LDMXCSR with TS");
  assert.is(run(hex("0fae17"), { cr4: 0x20 }).fault, 6, "LDMXCSR without OSFXSR");
});

test("alignment: 16-byte legacy SSE memory operands #GP(0) when misaligned", () => {
  assert.is(run(hex("0f284708")).fault, 13, "movaps xmm0, [rdi+8]");
  assert.is(run(hex("0f284710")).fault, -1, "movaps xmm0, [rdi+16]");
  assert.is(run(hex("0f104708")).fault, -1, "movups xmm0, [rdi+8]");
  assert.is(run(hex("660f7f4f04")).fault, 13, "movdqa [rdi+4], xmm1");
  assert.is(run(hex("0f584708")).fault, 13, "addps xmm0, [rdi+8]");
  assert.is(run(hex("f30f584704")).fault, -1, "addss xmm0, [rdi+4] (m32: no alignment)");
  assert.is(run(hex("660f744701")).fault, 13, "pcmpeqb xmm0, [rdi+1]");
  assert.is(run(hex("660f38004701")).fault, 13, "pshufb xmm0, [rdi+1]");
});

test("LDMXCSR: reserved bits → #GP(0); DAZ is accepted", () => {
  const d = new Uint8Array(1024);
  d.set([0xc0, 0x1f, 0x01, 0x00]); // 0x11fc0
  assert.is(run(hex("0fae17"), { data: d }).fault, 13);
  d.set([0xc0, 0x1f, 0x00, 0x00]); // 0x1fc0: DAZ
  const r = run(hex("0fae17"), { data: d });
  assert.is(r.fault, -1);
  assert.is(r.core.cpu32(MXCSR), 0x1fc0);
});

test("unmasked SIMD exceptions: #XM with CR4.OSXMMEXCPT, else #UD; flags set, destination kept", () => {
  const one = 0x3f800000n;
  const opts = { mxcsr: 0x1d80, xmm: { 0: [one, 0n] as [bigint, bigint], 1: [0n, 0n] as [bigint, bigint] } };
  let r = run(hex("f30f5ec1"), opts); // divss xmm0, xmm1 (1 / 0)
  assert.is(r.fault, 19);
  assert.is(r.core.cpu32(MXCSR), 0x1d84, "ZE flagged");
  assert.is(r.core.cpu64(XMM), one, "xmm0 unchanged");
  r = run(hex("f30f5ec1"), { ...opts, cr4: 0x220 });
  assert.is(r.fault, 6, "no OSXMMEXCPT → #UD");
  r = run(hex("f30f5ec1"), { ...opts, mxcsr: 0x1f80 });
  assert.is(r.fault, -1, "masked: no fault");
  assert.is(r.core.cpu64(XMM) & 0xffffffffn, 0x7f800000n, "→ +inf");
  assert.is(r.core.cpu32(MXCSR), 0x1f84);
});

test("a 16-byte store that would fault on its second page writes nothing", () => {
  // RAM is mapped up to 16 MiB: [0xfffff8, 0x1000008) crosses into unmapped space.
  const r = run(hex("0f1107"), { gpr: { 7: 0xfffff8n }, xmm: { 0: [0x1122334455667788n, 0x99aabbccddeeff00n] } });
  assert.is(r.fault, 14);
  assert.equal([...r.core.mem.read(0xfffff8, 8)], [0, 0, 0, 0, 0, 0, 0, 0]);
});

test("a faulting MMX instruction leaves the x87 state alone (no MMX transition)", () => {
  // fld1; paddb mm0, [rsi] with RSI past the mapped 16 MiB
  const r = run(hex("d9e80ffc06"), { gpr: { 6: 0x2000000n } });
  assert.is(r.fault, 14);
  assert.is(r.core.cpu32(FSW) & 0x3800, 0x3800, "TOP still 7");
  assert.is(r.core.cpu32(FTW) & 0xff, 0x80, "only R7 tagged valid");
  const ok = run(hex("d9e80ffc06"), { gpr: { 6: 0x300000n } });
  assert.is(ok.fault, -1);
  assert.is(ok.core.cpu32(FSW) & 0x3800, 0, "TOP 0 after an MMX instruction");
  assert.is(ok.core.cpu32(FTW) & 0xff, 0xff, "every tag valid");
});

test("glibc-style strlen loop (movdqu / pcmpeqb / pmovmskb / bsf)", () => {
  const s = "hello, world of sse2 strings, long enough!";
  const d = new Uint8Array(1024);
  d.set(new TextEncoder().encode(s));
  const r = run(hex("4889fe660fefc031c9f30f6f0c0e660f74c8660fd7c185c075064883c110ebe90fbcc04801c848898700020000"), { data: d });
  assert.is(r.fault, -1);
  assert.is(new DataView(r.data.buffer).getUint32(0x200, true), s.length);
});

test("scalar double round trip (sqrt, cvtsd2si, cvtsi2sd, ucomisd, mulsd)", () => {
  const d = new Uint8Array(1024);
  new DataView(d.buffer).setFloat64(0, 2.25 * 2.25 * 16, true); // 81
  const r = run(hex("f20f1007f20f51c0f2480f2dc048894708f2480f2ac8660f2ec10f974710f20f59c0f20f114718"), { data: d });
  assert.is(r.fault, -1);
  const v = new DataView(r.data.buffer);
  assert.is(Number(v.getBigInt64(8, true)), 9);
  assert.is(r.data[16], 0, "seta after equal compare");
  assert.is(v.getFloat64(24, true), 81);
});

test("CVT*2SI: NaN and out-of-range give the integer indefinite with IE", () => {
  let r = run(hex("f30f2dc0"), { xmm: { 0: [0x7fc00000n, 0n] } }); // cvtss2si eax, xmm0 (NaN)
  assert.is(Number(r.core.gpr(0)), 0x80000000);
  assert.is(r.core.cpu32(MXCSR), 0x1f81);
  r = run(hex("f2480f2cc0"), { xmm: { 0: [0x43e0000000000000n, 0n] } }); // cvttsd2si rax, 2^63
  assert.is(r.core.gpr(0), 0x8000000000000000n);
  assert.is(r.core.cpu32(MXCSR), 0x1f81);
});

test("CPUID leaf 1 advertises FPU MMX FXSR SSE SSE2 SSE3 SSSE3", () => {
  const r = run(hex("b8010000000fa2"));
  const edx = Number(r.core.gpr(2)), ecx = Number(r.core.gpr(1));
  for (const bit of [0, 23, 24, 25, 26]) assert.ok((edx >>> bit) & 1, `EDX bit ${bit}`);
  assert.ok(ecx & 1, "ECX.SSE3");
  assert.ok((ecx >>> 9) & 1, "ECX.SSSE3");
});

test.run();
