// L2 CPU vectors: replays test/vectors/*.jsonl, recorded on a real x86-64 CPU by
// tools/vectors/gen.c (see tools/vectors/README.md), on the core's single-instruction runner
// (src/core/snippet.ts). One test per family; a failing test lists the differing records
// grouped by instruction form.
//
//   XPVH_VECTORS=alu,shift   replay only these families
//   XPVH_VECTORS_EXAMPLES=n  failing records described per form (default 3)

import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  formatFamilyReport,
  loadVectorDir,
  replayFamily,
  validateRecord,
  type SnippetRunner,
} from "../../tools/vectors/replay.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const vectorDir = join(root, "test/vectors");
const families = loadVectorDir(vectorDir);
const only = process.env.XPVH_VECTORS?.split(",").map((s) => s.trim()).filter(Boolean);
const examples = Number(process.env.XPVH_VECTORS_EXAMPLES ?? 3);

interface VectorIndex {
  families: Record<string, { forms: number; records: number; faults: number }>;
  records: number;
}

test("vectors: files are well-formed and match index.json", () => {
  const index = JSON.parse(readFileSync(join(vectorDir, "index.json"), "utf8")) as VectorIndex;
  assert.equal([...families.keys()].sort(), Object.keys(index.families).sort(), "family files vs index.json");
  let total = 0;
  for (const [family, records] of families) {
    assert.is(records.length, index.families[family].records, `${family}: record count`);
    const forms = new Set(records.map((r) => `${r.f}/${r.mode ?? 64}`));
    assert.is(forms.size, index.families[family].forms, `${family}: form count`);
    records.forEach((r, i) => {
      const problem = validateRecord(r);
      if (problem) assert.unreachable(`${family}.jsonl:${i + 1}: ${problem}`);
    });
    total += records.length;
  }
  assert.is(total, index.records);
});

const snippetTs = join(root, "src/core/snippet.ts");
const snippetJs = join(root, "src/core/snippet.js");
if (!existsSync(snippetTs) && !existsSync(snippetJs)) {
  console.log("vectors: core not ready (src/core/snippet.ts is missing); replay skipped");
} else {
  let run: SnippetRunner | undefined;
  test.before(async () => {
    const mod = (await import(pathToFileURL(existsSync(snippetTs) ? snippetTs : snippetJs).href)) as {
      createSnippetRunner: () => Promise<SnippetRunner>;
    };
    run = await mod.createSnippetRunner();
  });
  for (const [family, records] of families) {
    if (only && !only.includes(family)) continue;
    test(`vectors: ${family} (${records.length} records)`, () => {
      assert.ok(run, "createSnippetRunner() did not produce a runner");
      const report = replayFamily(family, records, run!, examples);
      if (report.failed === 0) return;
      console.log(formatFamilyReport(report));
      const forms = report.forms.filter((f) => f.failed > 0).length;
      assert.unreachable(`${family}: ${report.failed}/${report.total} records differ in ${forms} forms (grouped report above)`);
    });
  }
}

test.run();
