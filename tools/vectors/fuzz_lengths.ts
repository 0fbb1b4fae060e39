// Long-running instruction-length fuzz: the core's length decoder against iced-x86.
//
//   tsx tools/vectors/fuzz_lengths.ts [--samples N] [--seed S] [--mode 64|32|both] [--strict] [--amd] [--json FILE]
//
// Defaults: 1,000,000 samples per mode, seed 1, both modes. Exit status: 0 when every sample that
// both decoders accept has the same length (with --strict: also no validity disagreement),
// 1 otherwise, 2 when the core does not provide createLengthDecoder yet. --json writes the counts
// and examples for scripts and bench/. --amd makes iced decode like AMD where the vendors differ
// (66-prefixed near branches in 64-bit mode, ...); the default is Intel.

import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  compareLengths,
  formatLengthReport,
  icedLengths,
  randomBatch,
  Rng,
  type LengthCompare,
  type LengthDecoder,
} from "./insn_stream.js";

const { values } = parseArgs({
  options: {
    samples: { type: "string", default: "1000000" },
    seed: { type: "string", default: "1" },
    mode: { type: "string", default: "both" },
    strict: { type: "boolean", default: false },
    json: { type: "string" },
    amd: { type: "boolean", default: false },
  },
});
const samples = Number(values.samples);
const seed = Number(values.seed);
const modes: (64 | 32)[] = values.mode === "both" ? [64, 32] : [Number(values.mode) as 64 | 32];
if (!(samples > 0) || !Number.isInteger(seed) || modes.some((m) => m !== 64 && m !== 32)) {
  console.error("usage: fuzz_lengths.ts [--samples N] [--seed S] [--mode 64|32|both] [--strict] [--amd] [--json FILE]");
  process.exit(2);
}

const root = fileURLToPath(new URL("../../", import.meta.url));
const snippetTs = join(root, "src/core/snippet.ts");
const snippetJs = join(root, "src/core/snippet.js");
const snippet = existsSync(snippetTs) ? snippetTs : existsSync(snippetJs) ? snippetJs : null;
const mod = snippet
  ? ((await import(pathToFileURL(snippet).href)) as { createLengthDecoder?: () => Promise<LengthDecoder> })
  : {};
if (!mod.createLengthDecoder) {
  console.log("fuzz_lengths: core not ready (src/core/snippet.ts has no createLengthDecoder)");
  // Still useful: what the generator produces, as iced sees it.
  for (const mode of modes) {
    const lengths = icedLengths(randomBatch(new Rng(seed), mode, Math.min(samples, 100_000)), mode, values.amd);
    const hist = new Map<number, number>();
    for (const n of lengths) hist.set(n, (hist.get(n) ?? 0) + 1);
    const row = [...hist.entries()].sort((a, b) => a[0] - b[0]).map(([n, c]) => `${n < 0 ? "#UD" : n}:${c}`);
    console.log(`mode ${mode}, iced lengths over ${lengths.length} samples: ${row.join(" ")}`);
  }
  process.exit(2);
}

const decode = await mod.createLengthDecoder();
const results: Record<string, LengthCompare> = {};
let failed = false;
for (const mode of modes) {
  const t0 = performance.now();
  const res = compareLengths(decode, mode, seed + mode, samples, values.amd);
  const secs = (performance.now() - t0) / 1000;
  console.log(formatLengthReport(res));
  console.log(`  (${secs.toFixed(1)} s)`);
  results[mode] = res;
  if (res.lengthMismatch.count || (values.strict && (res.coreOnly.count || res.icedOnly.count))) failed = true;
}
if (values.json) writeFileSync(values.json, JSON.stringify({ seed, samples, amd: values.amd, results }, null, 2) + "\n");
process.exit(failed ? 1 : 0);
