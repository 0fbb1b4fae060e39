// `npm run bench`: prints every benchmark's figures as a table. Record notable
// runs in bench/RESULTS.md with the date and the machine.
import { cpus } from "node:os";
import { nullHypercall, type Figure } from "./hypercall.js";

const only = process.argv[2];
const figures: Figure[] = [];

async function section(name: string, fn: () => Promise<Figure[]>): Promise<void> {
  if (only && !name.includes(only)) return;
  try {
    figures.push(...(await fn()));
  } catch (e) {
    figures.push({ name: `${name}: failed`, value: NaN, unit: "", note: e instanceof Error ? e.message : String(e) });
  }
}

await section("hypercall", async () => [await nullHypercall(1_000_000)]);

const fmt = (v: number) => (Number.isNaN(v) ? "-" : v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(2));
console.log(`xpvh benchmarks — ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? "?"} x${cpus().length}, node ${process.version}`);
for (const f of figures) console.log(`${f.name.padEnd(48)} ${fmt(f.value).padStart(14)} ${f.unit.padEnd(10)} ${f.note ?? ""}`);
