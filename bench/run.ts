// `npm run bench`: prints every benchmark's figures as a table. Record notable
// runs in bench/RESULTS.md with the date and the machine.
//   npm run bench                 every section
//   npx tsx bench/run.ts cpu      only the CPU workloads (xpvh and v86)
//   npx tsx bench/run.ts alu      only the workloads whose name contains "alu"
//   npx tsx bench/run.ts devices  virtio-blk and virtio-net measured from guests (bench/devices.ts);
//                                 "blk", "net" (two machines on a hub) or "socket" (two processes) alone
//   npx tsx bench/run.ts boot     Linux boot to the prompt, xpvh and QEMU TCG (bench/boot.ts)
//   npx tsx bench/run.ts smp      the same on two vCPUs
//   npx tsx bench/run.ts debian   the same with Debian's cloud kernel
// XPVH_BENCH_REPEAT=N: best of N runs per CPU figure (default 2).
import { cpus, loadavg } from "node:os";
import { hypercallBench, type Figure } from "./hypercall.js";
import { cpuBench, cpuFigures, cpuTable, WORKLOADS } from "./cpu.js";
import { deviceBench, deviceFigures, deviceTable } from "./devices.js";
import { debianBoot, projectBoot, smpBoot } from "./boot.js";

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

await section("hypercall", hypercallBench);

// The CPU section answers to "cpu" and to any workload name (bench_alu, alu, ...).
let cpuComparison = "";
const cpuOnly = only && !"cpu".includes(only) && WORKLOADS.some((w) => w.name.includes(only)) ? only : undefined;
await section(cpuOnly ? `cpu ${only}` : "cpu", async () => {
  const repeat = Math.max(1, Number(process.env.XPVH_BENCH_REPEAT ?? 2) || 1);
  const rows = await cpuBench(cpuOnly, (s) => process.stderr.write(`bench: ${s}\n`), repeat);
  cpuComparison = `${cpuTable(rows)}\n\nThe same over the CPU seconds the process used (less disturbed by other load):\n\n${cpuTable(rows, true)}`;
  return cpuFigures(rows);
});

// XPVH_BENCH_REPEAT=N here too (default 3): best of N boots per engine.
const bootLog = (s: string) => process.stderr.write(`bench: ${s}\n`);
await section("boot", () => projectBoot(bootLog));
await section("smp", () => smpBoot(bootLog));
await section("debian", () => debianBoot(bootLog));

// XPVH_BENCH_REPEAT=N here too (default 2): best of N runs per device figure.
let deviceReport = "";
await section("devices (blk, net, socket)", async () => {
  const all = ["blk", "net", "socket"];
  const parts = only && all.includes(only) ? [only] : all;
  const repeat = Math.max(1, Number(process.env.XPVH_BENCH_REPEAT ?? 2) || 1);
  const r = await deviceBench(parts, (s) => process.stderr.write(`bench: ${s}\n`), repeat);
  deviceReport = deviceTable(r);
  return deviceFigures(r);
});

const fmt = (v: number) => (Number.isNaN(v) ? "-" : v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(2));
console.log(`xpvh benchmarks — ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? "?"} x${cpus().length}, node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
for (const f of figures) console.log(`${f.name.padEnd(48)} ${fmt(f.value).padStart(14)} ${f.unit.padEnd(10)} ${f.note ?? ""}`);
if (cpuComparison) console.log(`\n${cpuComparison}`);
if (deviceReport) console.log(`\n${deviceReport}`);
