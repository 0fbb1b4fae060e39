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
