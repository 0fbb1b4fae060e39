// CPU throughput benchmarks: the bench_* guests (test/guests/bench_*.S) on xpvh
// and, in the same process, on the v86 emulator (with its JIT and without), the
// peer that also runs x86 in WebAssembly.
//
// Each guest carries a PVH note (xpvh boots it as a Xen PVH guest) and a
// multiboot v1 header (v86 boots it without a BIOS). Without Xen a guest prints
// on port 0xE9 and writes port 0xF4 when it is done; here both ports are hooked
// in v86. Every run must print the same checksum, so the engines are known to
// have done the same work.
//
// Figures: MIPS = instructions retired / wall seconds of the run (xpvh:
// machine.instructions over machine.run(), not machine creation; v86: its own
// instruction counter over emulator.run() until the port 0xF4 write, not the
// wasm load). bench_string reports GB/s = bytes written by rep stosd/movsd (1e9
// bytes a GB) over the same seconds; its instruction counts are meaningless
// because one `rep` is one instruction to both engines.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createMachine } from "../src/index.js";
import type { Figure } from "./hypercall.js";

export interface Workload {
  name: string;
  /** What the loop does, for the table's notes. */
  what: string;
  /** Kernel command line of the fixed workload (empty: the guest's defaults). */
  cmdline: string;
  /** Command line for the v86 JIT run: a longer run, so that the JIT's warm-up
   * (compiling the hot blocks off the main loop) does not dominate. */
  jitCmdline?: string;
  /** "GB/s" when the figure is bytes over time (the `bytes=` the guest prints). */
  unit: "MIPS" | "GB/s";
}

export const WORKLOADS: Workload[] = [
  {
    name: "bench_alu",
    what: "add/sub/xor/or/and/shift/rol/cmp/jcc loop, 10M iterations",
    cmdline: "",
    jitCmdline: "iters=50000000",
    unit: "MIPS",
  },
  {
    name: "bench_mem",
    what: "load/add/store over 64 KiB, paging off, 1000 passes",
    cmdline: "",
    jitCmdline: "passes=5000",
    unit: "MIPS",
  },
  {
    name: "bench_paged",
    what: "the same with 32-bit paging, 4 KiB pages, array at 0x80000000",
    cmdline: "",
    jitCmdline: "passes=5000",
    unit: "MIPS",
  },
  {
    name: "bench_call",
    what: "recursive fib(25) x 40 (9.7M call/ret pairs)",
    cmdline: "",
    jitCmdline: "reps=200",
    unit: "MIPS",
  },
  {
    name: "bench_string",
    what: "rep stosd + rep movsd on 64 KiB blocks, 20000 passes (2.6 GB written)",
    cmdline: "passes=20000",
    unit: "GB/s",
  },
];

/** One run of one guest on one engine. */
export interface Run {
  out: string;
  instructions: number;
  secs: number;
  /** CPU seconds this process used meanwhile (user + system, all its threads): far
   * below `secs` means other processes had the cores, and the figure is low. */
  cpuSecs: number;
  checksum: string;
  /** bytes= from the guest (bench_string), else 0 */
  bytes: number;
}

export type Engine = "xpvh" | "v86-jit" | "v86-nojit";

function cpuSince(u0: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(u0);
  return (u.user + u.system) / 1e6;
}

function guestImage(name: string): Uint8Array {
  return readFileSync(`test/guests/${name}.elf`);
}

function parseResult(name: string, out: string, instructions: number, secs: number, cpuSecs: number): Run {
  const line = out.split("\n").find((l) => l.startsWith(`${name}:`));
  if (!line || !line.endsWith(" done")) throw new Error(`${name} did not finish: ${JSON.stringify(out.slice(-200))}`);
  const checksum = /checksum=(0x[0-9a-f]+)/.exec(line)?.[1] ?? "";
  const bytes = Number(/ bytes=(\d+)/.exec(line)?.[1] ?? 0);
  return { out, instructions, secs, cpuSecs, checksum, bytes };
}

/** Runs a bench guest on xpvh; times machine.run() only. */
export async function runXpvh(name: string, cmdline: string): Promise<Run> {
  const m = await createMachine({ kernel: guestImage(name), kernelName: `${name}.elf`, cmdline });
  let out = "";
  const dec = new TextDecoder();
  m.onConsole((b) => (out += dec.decode(b, { stream: true })));
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  const exit = await m.run();
  const secs = (performance.now() - t0) / 1000;
  const cpuSecs = cpuSince(u0);
  if (exit.kind !== "poweroff") throw new Error(`${name} on xpvh ended with ${exit.kind}: ${out.slice(-200)}`);
  return parseResult(name, out, m.instructions, secs, cpuSecs);
}

/** The v86 package: the library and the path of its wasm build. */
interface V86Package {
  V86: new (opts: Record<string, unknown>) => V86Emulator;
  wasmPath: string;
}
interface V86Emulator {
  add_listener(event: string, fn: () => void): void;
  run(): Promise<void> | void;
  stop(): Promise<void> | void;
  destroy(): Promise<void> | void;
  get_instruction_counter(): number;
  v86: { cpu: { io: V86Io } };
}
interface V86Io {
  register_write(port: number, device: unknown, w8: (v: number) => void, w16?: (v: number) => void, w32?: (v: number) => void): void;
}

let v86Package: Promise<V86Package> | null = null;
async function loadV86(): Promise<V86Package> {
  v86Package ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmPath = require.resolve("v86/build/v86.wasm");
    const mod = (await import("v86")) as unknown as { V86: V86Package["V86"] };
    return { V86: mod.V86, wasmPath };
  })();
  return v86Package;
}

const V86_TIMEOUT_MS = 300_000;

/** Runs a bench guest on v86 through its multiboot loader (no BIOS). Times
 * emulator.run() to the guest's port 0xF4 write; counts instructions with
 * v86's own counter (a u32: the workloads stay below 2^32). */
export async function runV86(name: string, cmdline: string, jit: boolean): Promise<Run> {
  const { V86, wasmPath } = await loadV86();
  const image = guestImage(name);
  const emulator = new V86({
    wasm_path: wasmPath,
    multiboot: { buffer: image.buffer.slice(image.byteOffset, image.byteOffset + image.byteLength) },
    memory_size: 64 * 1024 * 1024,
    autostart: false,
    disable_jit: !jit,
    log_level: 0,
    cmdline,
  });
  try {
    await new Promise<void>((resolve) => emulator.add_listener("emulator-loaded", () => resolve()));
    const io = emulator.v86.cpu.io;
    let out = "";
    const ignore = () => {};
    let u0 = process.cpuUsage();
    const finished = new Promise<{ t: number; count: number; cpu: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} on v86 did not write port 0xF4 within ${V86_TIMEOUT_MS / 1000} s: ${JSON.stringify(out.slice(-200))}`)), V86_TIMEOUT_MS);
      io.register_write(0xe9, null, (v) => (out += String.fromCharCode(v & 0xff)), ignore, ignore);
      // v86's own handler for port 0xF4 (its kvm-unit-tests exit) throws "HALT" out of
      // the CPU loop; ours ends the run instead.
      io.register_write(0xf4, null, () => {
        const t = performance.now();
        const cpu = cpuSince(u0);
        const count = emulator.get_instruction_counter();
        clearTimeout(timer);
        void emulator.stop();
        resolve({ t, count, cpu });
      }, ignore, ignore);
    });
    const c0 = emulator.get_instruction_counter();
    u0 = process.cpuUsage();
    const t0 = performance.now();
    void emulator.run();
    const { t, count, cpu } = await finished;
    return parseResult(name, out, (count - c0) >>> 0, (t - t0) / 1000, cpu);
  } finally {
    await emulator.destroy();
  }
}

export interface Row {
  workload: Workload;
  xpvh?: Run;
  v86Jit?: Run;
  /** v86 with its JIT on the same (short) workload as the other columns */
  v86JitSame?: Run;
  v86NoJit?: Run;
  errors: string[];
}

/** The figure of a run in the workload's unit, over wall seconds or (`cpu`) over
 * the CPU seconds the process used, which other load on the machine disturbs less. */
export function rate(w: Workload, r: Run | undefined, cpu = false): number {
  if (!r) return NaN;
  const secs = cpu ? r.cpuSecs : r.secs;
  return w.unit === "GB/s" ? r.bytes / secs / 1e9 : r.instructions / secs / 1e6;
}

/** Best (fastest) of `repeat` runs; a failure ends the attempts and is recorded. */
async function attempt(row: Row, engine: string, repeat: number, fn: () => Promise<Run>): Promise<Run | undefined> {
  let best: Run | undefined;
  for (let i = 0; i < repeat; i++) {
    try {
      const r = await fn();
      if (!best || r.secs < best.secs) best = r;
    } catch (e) {
      row.errors.push(`${engine}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }
  return best;
}

/** Runs every workload (or those whose name contains `only`) on every engine,
 * keeping the best of `repeat` runs of each (the machine may be shared). */
export async function cpuBench(only?: string, log: (s: string) => void = () => {}, repeat = 2): Promise<Row[]> {
  const rows: Row[] = [];
  for (const w of WORKLOADS) {
    if (only && !w.name.includes(only)) continue;
    const row: Row = { workload: w, errors: [] };
    log(`${w.name}: xpvh`);
    row.xpvh = await attempt(row, "xpvh", repeat, () => runXpvh(w.name, w.cmdline));
    log(`${w.name}: v86 without JIT`);
    row.v86NoJit = await attempt(row, "v86 (no JIT)", repeat, () => runV86(w.name, w.cmdline, false));
    log(`${w.name}: v86 with JIT`);
    row.v86JitSame = await attempt(row, "v86 (JIT)", repeat, () => runV86(w.name, w.cmdline, true));
    if (w.jitCmdline) {
      log(`${w.name}: v86 with JIT, ${w.jitCmdline}`);
      row.v86Jit = await attempt(row, "v86 (JIT, long)", repeat, () => runV86(w.name, w.jitCmdline!, true));
    } else row.v86Jit = row.v86JitSame;
    // The same work: every engine must print the same checksum for the same command line.
    const same = [row.xpvh, row.v86NoJit, row.v86JitSame].filter((r): r is Run => !!r);
    if (new Set(same.map((r) => r.checksum)).size > 1)
      row.errors.push(`checksums differ: ${same.map((r) => r.checksum).join(" ")}`);
    rows.push(row);
  }
  return rows;
}

/** Figures for run.ts's list. */
export function cpuFigures(rows: Row[]): Figure[] {
  const figs: Figure[] = [];
  for (const row of rows) {
    const w = row.workload;
    const add = (engine: string, r: Run | undefined, note: string) => {
      if (r) figs.push({ name: `${w.name} on ${engine}`, value: rate(w, r), unit: w.unit, note });
    };
    const insns = (r: Run) =>
      (w.unit === "MIPS" ? `${(r.instructions / 1e6).toFixed(1)}M insns` : `${(r.bytes / 1e9).toFixed(2)} GB`) +
      ` in ${r.secs.toFixed(2)} s (cpu ${r.cpuSecs.toFixed(2)} s)`;
    if (row.xpvh) add("xpvh", row.xpvh, insns(row.xpvh));
    if (row.v86NoJit) add("v86 (no JIT)", row.v86NoJit, insns(row.v86NoJit));
    if (row.v86JitSame) add("v86 (JIT, same run)", row.v86JitSame, insns(row.v86JitSame));
    if (row.v86Jit && row.v86Jit !== row.v86JitSame) add(`v86 (JIT, ${w.jitCmdline})`, row.v86Jit, insns(row.v86Jit));
    for (const e of row.errors) figs.push({ name: `${w.name}: failed`, value: NaN, unit: "", note: e });
  }
  return figs;
}

/** The comparison table (markdown); `cpu`: the figures over CPU seconds. */
export function cpuTable(rows: Row[], cpu = false): string {
  const f = (v: number) => (Number.isNaN(v) ? "-" : v >= 100 ? Math.round(v).toString() : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const lines = [
    "| workload | unit | xpvh | v86 (JIT) | v86 (JIT, same run) | v86 (no JIT) | xpvh / v86 no-JIT |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    const w = row.workload;
    const x = rate(w, row.xpvh, cpu);
    const nj = rate(w, row.v86NoJit, cpu);
    lines.push(
      `| ${w.name} | ${w.unit} | ${f(x)} | ${f(rate(w, row.v86Jit, cpu))} | ${f(rate(w, row.v86JitSame, cpu))} | ${f(nj)} | ${Number.isNaN(x / nj) ? "-" : (x / nj).toFixed(2)} |`,
    );
  }
  return lines.join("\n");
}
