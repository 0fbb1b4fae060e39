// Where the interpreter spends its time: runs a guest through the CLI under
// `node --cpu-prof` and prints the functions with the most self time, wasm
// functions named from build/core.wat (the release build has no name section;
// the text file asc writes beside it lists the functions in index order).
//
//   npx tsx bench/profile.ts [guest] [kernel command line] [rows]
//   npx tsx bench/profile.ts bench_alu
//   npx tsx bench/profile.ts bench_string passes=20000
//
// Needs dist/cli.js and build/core.{wasm,wat} from the same `npm run build`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const guest = process.argv[2] ?? "bench_alu";
const cmdline = process.argv[3] ?? "";
const rows = Number(process.argv[4] ?? 20);

/** Function index → name, from the `(func $name` lines of the text file. Only
 * memory is imported, so the indices start at the first defined function. */
function wasmNames(watPath: string): string[] {
  const wat = readFileSync(watPath, "utf8");
  if (/\(import "[^"]+" "[^"]+" \(func/.test(wat)) throw new Error("core.wat imports functions: shift the indices by their count");
  return [...wat.matchAll(/^ \(func \$(\S+)/gm)].map((m) => m[1]);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const wasmPath = "build/core.wasm";
const watPath = "build/core.wat";
if (Math.abs(statSync(wasmPath).mtimeMs - statSync(watPath).mtimeMs) > 2000)
  console.error(`profile: ${wasmPath} and ${watPath} are from different builds; the names may be wrong`);
const names = wasmNames(watPath);

const dir = mkdtempSync(join(tmpdir(), "xpvh-prof-"));
try {
  const args = ["--cpu-prof", `--cpu-prof-dir=${dir}`, "dist/cli.js", "-kernel", `test/guests/${guest}.elf`];
  if (cmdline) args.push("-append", cmdline);
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) console.error(`profile: the guest exited with status ${r.status}`);
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error("no .cpuprofile written");
  const p = JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const node = byId.get(p.samples[i])!;
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    let key = node.callFrame.functionName || "(anonymous)";
    const m = /wasm-function\[(\d+)\]/.exec(key);
    if (m) key = `wasm[${m[1]}] ${names[Number(m[1])] ?? "?"}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  console.log(`self time, ${guest}${cmdline ? ` ${cmdline}` : ""}: ${(total / 1e6).toFixed(2)} s sampled`);
  for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, rows))
    console.log(`${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
