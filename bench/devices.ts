// Device benchmarks, measured from inside a guest: virtio-blk throughput and
// IOPS (test/guests/bench_blk.S) against an in-memory image and a host file,
// and virtio-net packets per second (test/guests/bench_net.S) between two
// machines on one hub in this process, and between two processes over
// `-netdev socket`.
//
//   npx tsx bench/devices.ts            everything (as `npm run bench -- devices`)
//   npx tsx bench/devices.ts blk        only virtio-blk (or: net, socket)
//   XPVH_BENCH_CORE=path/core.wasm      another core build (e.g. the profile
//                                       target, whose functions have names)
//
// Every figure comes twice: over the guest's TSC (the guest reads it around
// each phase; 1 GHz nominal, in real-time mode resynchronised with the host
// clock at every run-slice boundary) and over wall time (the host stamps each
// console line as it arrives; console_io output reaches the host synchronously).
// CPU seconds are this process's (all its threads), so a figure whose CPU
// seconds fall well below its wall seconds was slowed by other load.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createMachine, type Machine } from "../src/index.js";
import { NodePlatform } from "../src/platform/node.js";
import type { Figure } from "./hypercall.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const guest = (name: string) => readFileSync(join(root, "test/guests", name));

/** NodePlatform, with the core from XPVH_BENCH_CORE when that is set. */
class BenchPlatform extends NodePlatform {
  private static module: Promise<WebAssembly.Module> | null = null;
  override loadCore(): Promise<WebAssembly.Module> {
    const path = process.env.XPVH_BENCH_CORE;
    if (!path) return super.loadCore();
    BenchPlatform.module ??= WebAssembly.compile(readFileSync(path));
    return BenchPlatform.module;
  }
}

interface Stamp {
  /** performance.now() when the line's newline arrived */
  t: number;
  /** process CPU µs (user + system) then */
  cpu: number;
  /** machine exits so far */
  exits: number;
  /** guest instructions retired so far */
  insns: number;
}

/** Calls `onLine` for every complete console line, stamped on arrival. */
function watchLines(m: Machine, onLine: (line: string, s: Stamp) => void): () => string {
  const dec = new TextDecoder();
  let all = "";
  let part = "";
  m.onConsole((b) => {
    const s = dec.decode(b, { stream: true });
    all += s;
    part += s;
    let i: number;
    while ((i = part.indexOf("\n")) >= 0) {
      const u = process.cpuUsage();
      onLine(part.slice(0, i), { t: performance.now(), cpu: u.user + u.system, exits: m.stats.exits, insns: m.instructions });
      part = part.slice(i + 1);
    }
  });
  return () => all;
}

const num = (line: string, key: string): number => Number(new RegExp(`\\b${key}=(\\d+)`).exec(line)?.[1] ?? NaN);

// ---------------------------------------------------------------------------
// virtio-blk

export type BlkBackendKind = "memory" | "file";

export interface BlkPhase {
  backend: BlkBackendKind;
  name: string;
  bs: number;
  qd: number;
  ops: number;
  bytes: number;
  /** guest TSC seconds (1 GHz) */
  tscSecs: number;
  wallSecs: number;
  cpuSecs: number;
  exits: number;
  /** guest instructions retired over the phase */
  insns: number;
}

export interface BlkOptions {
  /** MiB of sequential 64 KiB I/O (and the disk's size) */
  seqMib: number;
  /** 4 KiB random requests per random phase */
  randOps: number;
  /** queue depth of the deep random phases */
  qd: number;
}

export const BLK_DEFAULTS: BlkOptions = { seqMib: 64, randOps: 20000, qd: 16 };

/** One run of bench_blk.elf on a fresh disk of `seqMib` MiB. The image is
 * fully allocated first (memory: filled; file: written), so that seqwrite
 * measures overwrites rather than the host's first-touch page faults. */
export async function blkRun(backend: BlkBackendKind, o: BlkOptions = BLK_DEFAULTS): Promise<BlkPhase[]> {
  const size = o.seqMib * 1024 * 1024;
  let dir: string | null = null;
  const drive = { id: "d0", format: "raw" as const, interface: "none" as const, readonly: false };
  let driveConfig;
  if (backend === "file") {
    dir = mkdtempSync(join(tmpdir(), "xpvh-bench-blk-"));
    const path = join(dir, "disk.img");
    writeFileSync(path, new Uint8Array(size).fill(0x5a));
    driveConfig = { ...drive, file: path };
  } else driveConfig = { ...drive, data: new Uint8Array(size).fill(0x5a) };
  try {
    const m = await createMachine(
      {
        kernel: guest("bench_blk.elf"),
        kernelName: "bench_blk.elf",
        memoryBytes: 64 << 20,
        cmdline: `seq_mib=${o.seqMib} rand_ops=${o.randOps} qd=${o.qd}`,
        drives: [driveConfig],
        devices: [{ driver: "virtio-blk-pci", options: { drive: "d0" } }],
      },
      new BenchPlatform(),
    );
    const phases: BlkPhase[] = [];
    const failed: string[] = [];
    let start: Stamp | null = null;
    let head = "";
    const output = watchLines(m, (line, s) => {
      if (line.startsWith("bench_blk: phase ")) {
        start = s;
        head = line;
      } else if (line.startsWith("bench_blk: done ") && start) {
        const name = line.split(" ")[2];
        if (num(line, "errors") !== 0) failed.push(line);
        phases.push({
          backend,
          name,
          bs: num(head, "bs"),
          qd: num(head, "qd"),
          ops: num(line, "ops"),
          bytes: num(line, "bytes"),
          tscSecs: num(line, "tsc") / 1e9,
          wallSecs: (s.t - start.t) / 1000,
          cpuSecs: (s.cpu - start.cpu) / 1e6,
          exits: s.exits - start.exits,
          insns: s.insns - start.insns,
        });
        start = null;
      }
    });
    const exit = await m.run();
    if (failed.length) throw new Error(`bench_blk on ${backend}: ${failed.join("; ")}`);
    if (exit.kind !== "poweroff" || phases.length !== 6) throw new Error(`bench_blk on ${backend} ended with ${exit.kind}: ${output().slice(-400)}`);
    return phases;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// virtio-net

export interface NetOptions {
  /** frame bytes, Ethernet header included, no FCS (60..1514) */
  len: number;
  count: number;
  /** frames per transmit notify */
  batch: number;
  /** frames in flight beyond the receiver's last credit */
  window: number;
}

export interface NetRun {
  link: "hub" | "socket";
  opts: NetOptions;
  frames: number;
  /** frame bytes received */
  bytes: number;
  /** receiver's guest TSC seconds, first data frame to the end frame */
  rxTscSecs: number;
  /** sender's guest TSC seconds, first frame to the final credit */
  txTscSecs: number;
  /** host wall seconds, the sender's "sending" line to the receiver's "received" line */
  wallSecs: number;
  /** CPU seconds over the same span (this process; hub runs only) */
  cpuSecs: number;
  /** exits of both machines over the run (hub runs only) */
  exits: number;
  /** guest instructions of both machines over the run (hub runs only) */
  insns: number;
}

const netCmdline = (o: NetOptions) => `count=${o.count} len=${o.len} batch=${o.batch} window=${o.window} credit=${Math.min(32, o.window)}`;

/** Two machines in this process, one NIC each on the same hub. */
export async function netHubRun(o: NetOptions, hubid = 4242): Promise<NetRun> {
  const make = (mac: string, cmdline: string) =>
    createMachine(
      {
        kernel: guest("bench_net.elf"),
        kernelName: "bench_net.elf",
        memoryBytes: 32 << 20,
        cmdline,
        netdevs: [{ id: "n", type: "hubport", options: { hubid: String(hubid) } }],
        devices: [{ driver: "virtio-net-pci", options: { netdev: "n", mac } }],
      },
      new BenchPlatform(),
    );
  const rx = await make("52:54:00:be:00:02", netCmdline(o));
  const tx = await make("52:54:00:be:00:01", `send=1 ${netCmdline(o)}`);
  let t0: Stamp | null = null;
  let t1: Stamp | null = null;
  let rxLine = "";
  let txLine = "";
  const rxOut = watchLines(rx, (l, s) => {
    if (l.startsWith("bench_net: received ")) [rxLine, t1] = [l, s];
  });
  const txOut = watchLines(tx, (l, s) => {
    if (l.startsWith("bench_net: sending ")) t0 = s;
    else if (l.startsWith("bench_net: sent ")) txLine = l;
  });
  const [er, et] = await Promise.all([rx.run(), tx.run()]);
  if (er.kind !== "poweroff" || et.kind !== "poweroff" || !t0 || !t1)
    throw new Error(`bench_net on a hub: receiver ${er.kind}, sender ${et.kind}: ${rxOut().slice(-300)} | ${txOut().slice(-300)}`);
  const a: Stamp = t0;
  const b: Stamp = t1;
  return {
    link: "hub",
    opts: o,
    frames: num(rxLine, "frames"),
    bytes: num(rxLine, "bytes"),
    rxTscSecs: num(rxLine, "tsc") / 1e9,
    txTscSecs: num(txLine, "tsc") / 1e9,
    wallSecs: (b.t - a.t) / 1000,
    cpuSecs: (b.cpu - a.cpu) / 1e6,
    exits: rx.stats.exits + tx.stats.exits,
    insns: rx.instructions + tx.instructions,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

/** Two `xpvh` processes (dist/cli.js) joined by -netdev socket (TCP, QEMU's
 * length-prefixed stream), the receiver listening. Figures from the guests'
 * TSCs; wall time from their output lines as this process reads them. */
export async function netSocketRun(o: NetOptions): Promise<NetRun> {
  const port = await freePort();
  const cli = join(root, "dist/cli.js");
  const procs: ChildProcess[] = [];
  const start = (mac: string, cmdline: string, netdev: string) => {
    const p = spawn(process.execPath, [cli, "-kernel", join(root, "test/guests/bench_net.elf"), "-m", "32", "-nodefaults", "-append", cmdline,
      "-netdev", `socket,id=n,${netdev}`, "-device", `virtio-net-pci,netdev=n,mac=${mac}`], { stdio: ["ignore", "pipe", "pipe"] });
    procs.push(p);
    const lines: { line: string; t: number }[] = [];
    let part = "";
    let err = "";
    p.stdout!.setEncoding("utf8").on("data", (d: string) => {
      part += d;
      let i: number;
      while ((i = part.indexOf("\n")) >= 0) {
        lines.push({ line: part.slice(0, i), t: performance.now() });
        part = part.slice(i + 1);
      }
    });
    p.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
    const done = new Promise<number | null>((resolve) => p.on("exit", (code) => resolve(code)));
    return { lines, done, err: () => err };
  };
  const timer = setTimeout(() => procs.forEach((p) => p.kill()), 300_000);
  try {
    const rx = start("52:54:00:be:01:02", netCmdline(o), `listen=127.0.0.1:${port}`);
    const tx = start("52:54:00:be:01:01", `send=1 ${netCmdline(o)}`, `connect=127.0.0.1:${port}`);
    const [cr, ct] = await Promise.all([rx.done, tx.done]);
    const find = (ls: { line: string; t: number }[], p: string) => ls.find((l) => l.line.startsWith(p));
    const sending = find(tx.lines, "bench_net: sending ");
    const sent = find(tx.lines, "bench_net: sent ");
    const received = find(rx.lines, "bench_net: received ");
    if (cr !== 0 || ct !== 0 || !sending || !sent || !received)
      throw new Error(`bench_net over a socket: receiver exit ${cr}, sender exit ${ct}: ${rx.err().slice(-300)} ${tx.err().slice(-300)}`);
    return {
      link: "socket",
      opts: o,
      frames: num(received.line, "frames"),
      bytes: num(received.line, "bytes"),
      rxTscSecs: num(received.line, "tsc") / 1e9,
      txTscSecs: num(sent.line, "tsc") / 1e9,
      wallSecs: (received.t - sending.t) / 1000,
      cpuSecs: NaN,
      exits: NaN,
      insns: NaN,
    };
  } finally {
    clearTimeout(timer);
    for (const p of procs) if (p.exitCode === null) p.kill();
  }
}

// ---------------------------------------------------------------------------
// The whole section: what run.ts prints.

export const NET_CASES: NetOptions[] = [
  { len: 64, count: 100000, batch: 1, window: 256 },
  { len: 1514, count: 50000, batch: 1, window: 256 },
  { len: 64, count: 100000, batch: 32, window: 256 },
];

export interface DeviceResults {
  blk: BlkPhase[];
  net: NetRun[];
  errors: string[];
}

/** Best (shortest wall) of `repeat` runs, after one small warm-up run of each
 * kind so that V8 has compiled the device paths (host JS and core) first. */
export async function deviceBench(parts: string[] = ["blk", "net", "socket"], log: (s: string) => void = () => {}, repeat = 1): Promise<DeviceResults> {
  const r: DeviceResults = { blk: [], net: [], errors: [] };
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (e) {
      r.errors.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  };
  if (parts.includes("blk")) {
    for (const kind of ["memory", "file"] as const) {
      log(`virtio-blk ${kind}: warm-up`);
      await attempt(`virtio-blk ${kind} warm-up`, () => blkRun(kind, { seqMib: 8, randOps: 2000, qd: 16 }));
      const best = new Map<string, BlkPhase>();
      for (let i = 0; i < repeat; i++) {
        log(`virtio-blk ${kind}: run ${i + 1}/${repeat}`);
        const phases = await attempt(`virtio-blk ${kind}`, () => blkRun(kind));
        for (const p of phases ?? []) {
          const key = `${p.name}/${p.qd}`;
          const b = best.get(key);
          if (!b || p.wallSecs < b.wallSecs) best.set(key, p);
        }
      }
      r.blk.push(...best.values());
    }
  }
  if (parts.includes("net")) {
    log("virtio-net hub: warm-up");
    await attempt("virtio-net warm-up", () => netHubRun({ len: 64, count: 10000, batch: 1, window: 256 }));
    for (const o of NET_CASES) {
      let best: NetRun | undefined;
      for (let i = 0; i < repeat; i++) {
        log(`virtio-net hub: ${o.len}-byte frames, batch ${o.batch}, run ${i + 1}/${repeat}`);
        const n = await attempt(`virtio-net hub ${o.len} bytes`, () => netHubRun(o));
        if (n && (!best || n.wallSecs < best.wallSecs)) best = n;
      }
      if (best) r.net.push(best);
    }
  }
  if (parts.includes("socket")) {
    for (const o of NET_CASES.filter((c) => c.batch === 1)) {
      let best: NetRun | undefined;
      for (let i = 0; i < repeat; i++) {
        log(`virtio-net socket: ${o.len}-byte frames, run ${i + 1}/${repeat}`);
        const n = await attempt(`virtio-net socket ${o.len} bytes`, () => netSocketRun(o));
        if (n && (!best || n.rxTscSecs < best.rxTscSecs)) best = n;
      }
      if (best) r.net.push(best);
    }
  }
  return r;
}

const MB = 1e6;
const blkLabel = (p: BlkPhase) => `${p.name} ${p.bs >= 65536 ? "64 KiB" : "4 KiB"} qd${p.qd}`;
const isSeq = (p: BlkPhase) => p.name.startsWith("seq");
const netLabel = (n: NetRun) => `${n.opts.len}-byte frames${n.opts.batch > 1 ? `, ${n.opts.batch} per notify` : ""}`;

/** Figures for run.ts's list (values over wall time; the guest's in the note). */
export function deviceFigures(r: DeviceResults): Figure[] {
  const figs: Figure[] = [];
  for (const p of r.blk) {
    const v = isSeq(p) ? p.bytes / MB : p.ops;
    figs.push({
      name: `virtio-blk ${p.backend} ${blkLabel(p)}`,
      value: v / p.wallSecs,
      unit: isSeq(p) ? "MB/s" : "IOPS",
      note: `guest ${(v / p.tscSecs).toFixed(isSeq(p) ? 1 : 0)}; ${p.ops} ops in ${p.wallSecs.toFixed(3)} s (cpu ${p.cpuSecs.toFixed(3)} s), ${(p.exits / p.ops).toFixed(2)} exits/op, ${Math.round(p.insns / p.ops)} insns/op`,
    });
  }
  for (const n of r.net) {
    const secs = n.link === "socket" ? n.rxTscSecs : n.wallSecs;
    figs.push({
      name: `virtio-net ${n.link} ${netLabel(n)}`,
      value: n.frames / secs,
      unit: "pps",
      note: `${((n.bytes * 8) / secs / 1e6).toFixed(1)} Mbit/s; guest rx ${(n.frames / n.rxTscSecs).toFixed(0)} pps; ${n.frames} frames in ${secs.toFixed(3)} s` +
        (Number.isNaN(n.cpuSecs) ? "" : ` (cpu ${n.cpuSecs.toFixed(3)} s), ${(n.exits / n.frames).toFixed(2)} exits/frame`),
    });
  }
  for (const e of r.errors) figs.push({ name: "devices: failed", value: NaN, unit: "", note: e });
  return figs;
}

/** The markdown tables of RESULTS.md. */
export function deviceTable(r: DeviceResults): string {
  const f = (v: number, d = 0) => (Number.isNaN(v) ? "-" : v.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }));
  const out: string[] = [];
  if (r.blk.length) {
    out.push(
      "| backend | phase | unit | over wall s | over guest TSC | over CPU s | ops | wall s | cpu s | exits/op | guest insns/op |",
      "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const p of r.blk) {
      const v = isSeq(p) ? p.bytes / MB : p.ops;
      const d = isSeq(p) ? 1 : 0;
      out.push(`| ${p.backend} | ${blkLabel(p)} | ${isSeq(p) ? "MB/s" : "IOPS"} | ${f(v / p.wallSecs, d)} | ${f(v / p.tscSecs, d)} | ${f(v / p.cpuSecs, d)} | ${p.ops} | ${p.wallSecs.toFixed(3)} | ${p.cpuSecs.toFixed(3)} | ${(p.exits / p.ops).toFixed(2)} | ${Math.round(p.insns / p.ops)} |`);
    }
  }
  if (r.net.length) {
    if (out.length) out.push("");
    out.push(
      "| link | frames | received | pps over wall s | Mbit/s over wall s | pps over receiver TSC | pps over sender TSC | pps over CPU s | wall s | cpu s | exits/frame | guest insns/frame |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const n of r.net)
      out.push(`| ${n.link} | ${netLabel(n)} | ${n.frames} | ${f(n.frames / n.wallSecs)} | ${f((n.bytes * 8) / n.wallSecs / 1e6, 1)} | ${f(n.frames / n.rxTscSecs)} | ${f(n.opts.count / n.txTscSecs)} | ${f(n.frames / n.cpuSecs)} | ${n.wallSecs.toFixed(3)} | ${Number.isNaN(n.cpuSecs) ? "-" : n.cpuSecs.toFixed(3)} | ${Number.isNaN(n.exits) ? "-" : (n.exits / n.frames).toFixed(2)} | ${Number.isNaN(n.insns) ? "-" : Math.round(n.insns / n.frames)} |`);
  }
  return out.join("\n");
}

// Run directly: `npx tsx bench/devices.ts [blk|net|socket ...]`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const parts = process.argv.slice(2);
  const repeat = Math.max(1, Number(process.env.XPVH_BENCH_REPEAT ?? 1) || 1);
  const r = await deviceBench(parts.length ? parts : undefined, (s) => process.stderr.write(`bench: ${s}\n`), repeat);
  for (const e of r.errors) console.log(`failed: ${e}`);
  console.log(deviceTable(r));
}
