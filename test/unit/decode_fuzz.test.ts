// Instruction-length fuzz: random valid-ish byte streams (fixed seed) through the core's length
// decoder (src/core/snippet.ts, createLengthDecoder) and through iced-x86. Both-valid length
// mismatches fail the test; validity disagreements (core #UD where iced decodes, or the reverse)
// are printed as a summary only, since the core's ISA grows over time. The long-running variant
// is tools/vectors/fuzz_lengths.ts.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  compareLengths,
  formatLengthReport,
  icedLengths,
  randomBatch,
  Rng,
  SLOT_BYTES,
  toHex,
  type LengthDecoder,
} from "../../tools/vectors/insn_stream.js";

const SEED = 0x5eed_1e9;
const SAMPLES = { 64: 20_000, 32: 8_000 } as const;

test("decode fuzz: the generator and iced agree on known encodings", () => {
  // add eax,ebx / lock add [rax],eax / mov r9,imm64 / ud2 / lock add eax,ebx (#UD)
  const known: [number[], number][] = [
    [[0x01, 0xd8], 2],
    [[0xf0, 0x01, 0x00], 3],
    [[0x49, 0xb9, 1, 2, 3, 4, 5, 6, 7, 8], 10],
    [[0x0f, 0x0b], 2],
    [[0xf0, 0x01, 0xd8], -1],
  ];
  const batch = new Uint8Array(known.length * SLOT_BYTES).fill(0x90);
  known.forEach(([b], i) => batch.set(b, i * SLOT_BYTES));
  assert.equal(Array.from(icedLengths(batch, 64)), known.map(([, n]) => n));
  // same seed, same stream
  assert.equal(randomBatch(new Rng(7), 64, 50), randomBatch(new Rng(7), 64, 50));
});

const snippetTs = join(fileURLToPath(new URL("../../", import.meta.url)), "src/core/snippet.ts");
const snippetJs = snippetTs.replace(/\.ts$/, ".js");
if (!existsSync(snippetTs) && !existsSync(snippetJs)) {
  console.log("decode fuzz: core not ready (src/core/snippet.ts is missing); skipped");
} else {
  let decode: LengthDecoder | undefined;
  test.before(async () => {
    const mod = (await import(pathToFileURL(existsSync(snippetTs) ? snippetTs : snippetJs).href)) as {
      createLengthDecoder?: () => Promise<LengthDecoder>;
    };
    assert.type(mod.createLengthDecoder, "function", "src/core/snippet.ts must export createLengthDecoder");
    decode = await mod.createLengthDecoder!();
  });
  // MOVBE (0F 38 F0/F1): the random streams reach it only a few times, so every
  // memory shape (mod 0-2 x rm, SIB, disp8/32, RIP-relative) under the size and
  // address prefixes, REX and a segment override, against iced's lengths.
  for (const mode of [64, 32] as const) {
    test(`decode: MOVBE memory forms match iced-x86 (mode ${mode})`, () => {
      const prefixSets = mode === 64 ? [[], [0x66], [0x67], [0x48], [0x4d], [0x66, 0x49], [0x65, 0x67, 0x4c]] : [[], [0x66], [0x67], [0x26, 0x66, 0x67]];
      const rng = new Rng(0x30be);
      const cases: Uint8Array[] = [];
      for (const pfx of prefixSets)
        for (const op of [0xf0, 0xf1])
          for (let mod = 0; mod < 3; mod++)
            for (let rm = 0; rm < 8; rm++) {
              const b = new Uint8Array(SLOT_BYTES);
              for (let i = 0; i < SLOT_BYTES; i++) b[i] = rng.byte();
              b.set([...pfx, 0x0f, 0x38, op, (mod << 6) | (rng.below(8) << 3) | rm]);
              cases.push(b);
            }
      const batch = new Uint8Array(cases.length * SLOT_BYTES);
      cases.forEach((c, i) => batch.set(c, i * SLOT_BYTES));
      const want = icedLengths(batch, mode);
      cases.forEach((c, i) => {
        const bytes = c.subarray(0, 15);
        assert.ok(want[i] > 0, `iced decodes ${toHex(bytes)}`);
        assert.is(decode!(bytes, mode), want[i], `length of ${toHex(bytes)} (mode ${mode})`);
      });
    });
  }

  for (const mode of [64, 32] as const) {
    test(`decode fuzz: instruction lengths match iced-x86 (mode ${mode}, ${SAMPLES[mode]} samples)`, () => {
      const res = compareLengths(decode!, mode, SEED + mode, SAMPLES[mode]);
      console.log(formatLengthReport(res, res.lengthMismatch.count > 0));
      const n = res.lengthMismatch.count;
      if (n) assert.unreachable(`mode ${mode}: ${n} length mismatches in ${res.lengthMismatch.byOpcode.size} opcode groups (report above)`);
    });
  }
}

test.run();
