// Boot time: a Linux kernel and the project's busybox initramfs from power-on to
// the shell prompt and to poweroff, on xpvh and, in the same run, on QEMU (TCG,
// Debian's qemu-system-x86_64) as the yardstick.
//
//   project kernel  tools/linux/build.sh's vmlinux + initramfs (built if missing)
//   Debian kernel   linux-image-cloud-amd64 via tools/linux/debian_kernel.sh, the
//                   same initramfs (skipped when the package cannot be had)
//
// What is timed, for both engines:
//   prompt    wall time from the start (xpvh: createMachine() is called, so
//             loading core.wasm and the ELF count; QEMU: the process is spawned)
//             until the console shows "# " after the initramfs's
//             "xpvh-linux: init started" banner;
//   poweroff  then `poweroff -f` is typed at once; wall time from the same start
//             until machine.run() resolves / the QEMU process exits.
// xpvh also reports machine.instructions at the prompt and at the end, MIPS (at
// the prompt, over the wall time to it), the process's CPU seconds and the time
// the guest spent idle (HLT/SCHEDOP_block with nothing due).
//
// Instructions on QEMU: one extra, untimed QEMU run with `-icount shift=0,sleep=off`
// (deterministic: guest time follows the instruction count, idle time is skipped)
// and the project's TCG plugin tools/linux/qemu_insn_count.c (built with cc into
// a temporary directory; Debian's QEMU ships no plugins of its own), on the same
// path as the timed runs (poweroff typed at the prompt). The plugin counts from
// the PVH entry to QEMU's exit; a `rep` string instruction counts once per
// iteration (xpvh counts it once), and QEMU's boot includes work a Xen PVH boot
// does not do (the LAPIC-timer calibration loop: see tools/linux/README.md).
//
// QEMU runs `-M microvm -nodefaults -no-user-config -nographic -serial stdio
// -m <same> -kernel vmlinux -initrd initramfs.cpio.gz -append "console=ttyS0
// tsc_early_khz=<host TSC kHz>"`: microvm loads the ELF through its PVH note like
// xpvh does. The tsc_early_khz is there because microvm has no HPET or ACPI PM
// timer and the kernel's only other way to learn the TSC rate, the PIT fast
// calibration, fails when the host is loaded (the kernel then hangs before init);
// TCG's TSC is the host's, so the host's rate is the right answer.
//
// Best of XPVH_BENCH_REPEAT runs (default 3) per engine and figure.
import { spawn, execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMachine } from "../src/index.js";
import type { Figure } from "./hypercall.js";

export interface BootTarget {
  /** "project kernel" or "Debian kernel" */
  label: string;
  /** `uname -r`, for the notes. */
  release?: string;
  vmlinux: string;
  initramfs: string;
  memoryMib: number;
  /** vCPUs (default 1); QEMU gets the same -smp. */
  smp?: number;
}

export interface BootRun {
  promptMs: number;
  poweroffMs: number;
  /** xpvh only. */
  promptInstructions?: number;
  instructions?: number;
  cpuMs?: number;
  idleMs?: number;
  /** The console text, for checks (uname in the test, failures here). */
  console: string;
}

const PROMPT_AFTER = "xpvh-linux: init started";
const TIMEOUT_MS = 15 * 60_000;

/** Index just past the first "# " after the init banner, or -1. */
export function promptEnd(text: string): number {
  const init = text.indexOf(PROMPT_AFTER);
  if (init < 0) return -1;
  const p = text.indexOf("# ", init + PROMPT_AFTER.length);
  return p < 0 ? -1 : p + 2;
}

function lines(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of out.trim().split("\n")) {
    const i = l.indexOf("=");
    if (i > 0) m.set(l.slice(0, i), l.slice(i + 1));
  }
  return m;
}

/** The project's kernel and initramfs (tools/linux/build.sh builds them once, ~10 min). */
export function projectKernel(memoryMib = 256): BootTarget {
  const out = lines(execFileSync("sh", ["tools/linux/build.sh"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }));
  return { label: "project kernel", vmlinux: out.get("vmlinux")!, initramfs: out.get("initramfs")!, memoryMib };
}

/** Debian's cloud kernel with the project's initramfs, or a reason it is not available. */
export function debianKernel(memoryMib = 512): (BootTarget & { release: string }) | { unavailable: string } {
  const r = spawnSync("sh", ["tools/linux/debian_kernel.sh"], { encoding: "utf8" });
  if (r.status === 2) return { unavailable: `tools/linux/debian_kernel.sh: ${r.stderr.trim().split("\n").pop()}` };
  if (r.status !== 0) throw new Error(`tools/linux/debian_kernel.sh failed (${r.status ?? r.signal}): ${r.stderr.trim().split("\n").pop()}`);
  const out = lines(r.stdout);
  const project = projectKernel();
  const release = out.get("release")!;
  return { label: "Debian kernel", vmlinux: out.get("vmlinux")!, initramfs: project.initramfs, memoryMib, release };
}

/** Boots `t` on xpvh through the library; types `poweroff -f` at the prompt. */
export async function bootXpvh(t: BootTarget, cmdline = "console=hvc0"): Promise<BootRun> {
  const kernel = readFileSync(t.vmlinux);
  const initrd = readFileSync(t.initramfs);
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  const m = await createMachine({
    kernel,
    kernelName: "vmlinux",
    modules: [{ name: "initramfs.cpio.gz", data: initrd, cmdline: "" }],
    cmdline,
    memoryBytes: t.memoryMib * 1024 * 1024,
    smp: t.smp ?? 1,
  });
  let text = "";
  let promptMs = 0;
  let promptInstructions = 0;
  const dec = new TextDecoder();
  m.onConsole((b) => {
    text += dec.decode(b, { stream: true });
    if (!promptMs && promptEnd(text) >= 0) {
      promptMs = performance.now() - t0;
      promptInstructions = m.instructions;
      m.input(new TextEncoder().encode("poweroff -f\n"));
    }
  });
  const timer = setTimeout(() => m.stop(), TIMEOUT_MS);
  const exit = await m.run();
  clearTimeout(timer);
  const poweroffMs = performance.now() - t0;
  const u = process.cpuUsage(u0);
  if (!promptMs) throw new Error(`xpvh: no prompt (${exit.kind} ${exit.message}); console ends:\n${text.slice(-600)}`);
  if (exit.kind !== "poweroff") throw new Error(`xpvh: ended with ${exit.kind} ${exit.message}, not poweroff`);
  return {
    promptMs,
    poweroffMs,
    promptInstructions,
    instructions: m.instructions,
    cpuMs: (u.user + u.system) / 1000,
    idleMs: m.stats.idleMs,
    console: text,
  };
}

/** The host's TSC rate in kHz (what TCG's rdtsc counts at), from /proc/cpuinfo. */
function hostTscKhz(): number | undefined {
  try {
    const mhz = /^cpu MHz\s*:\s*([\d.]+)/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    return mhz ? Math.round(Number(mhz[1]) * 1000) : undefined;
  } catch {
    return undefined;
  }
}

export function qemuAvailable(): boolean {
  return spawnSync("qemu-system-x86_64", ["--version"]).status === 0;
}

/** tools/linux/qemu_insn_count.c built into a temporary .so (once per process), or
 * undefined when there is no C compiler. */
let pluginPath: string | undefined | null = null;
function insnCountPlugin(): string | undefined {
  if (pluginPath !== null) return pluginPath;
  const out = join(mkdtempSync(join(tmpdir(), "xpvh-bench-")), "qemu_insn_count.so");
  const r = spawnSync("cc", ["-O2", "-shared", "-fPIC", "-o", out, "tools/linux/qemu_insn_count.c"], { encoding: "utf8" });
  pluginPath = r.status === 0 ? out : undefined;
  return pluginPath;
}

export interface QemuCount {
  /** The plugin's count, PVH entry to QEMU's exit. */
  instructions: number;
}

/**
 * Boots `t` on qemu-system-x86_64 -M microvm (TCG) with the console on ttyS0 and
 * types `poweroff -f` at the prompt. With `count`, the untimed counting run:
 * -icount shift=0,sleep=off and the instruction-count plugin (see the header).
 */
export async function bootQemu(t: BootTarget, count = false): Promise<BootRun & { count?: QemuCount }> {
  // Under -icount the guest's clock follows the instruction count and the PIT
  // calibration works.
  const khz = count ? undefined : hostTscKhz();
  const append = `console=ttyS0${khz ? ` tsc_early_khz=${khz}` : ""}`;
  const args = ["-M", "microvm", "-nodefaults", "-no-user-config", "-nographic", "-serial", "stdio",
    "-m", String(t.memoryMib), "-smp", String(t.smp ?? 1), "-kernel", t.vmlinux, "-initrd", t.initramfs, "-append", append];
  if (count) {
    const plugin = insnCountPlugin();
    if (!plugin) throw new Error("tools/linux/qemu_insn_count.c does not build (no cc?)");
    args.push("-icount", "shift=0,sleep=off", "-plugin", plugin);
  }
  const run = await new Promise<BootRun & { stderr: string }>((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn("qemu-system-x86_64", args, { stdio: ["pipe", "pipe", "pipe"] });
    let text = "";
    let stderr = "";
    let promptMs = 0;
    const timer = setTimeout(() => p.kill("SIGKILL"), TIMEOUT_MS);
    p.stdout.on("data", (d: Buffer) => {
      text += d.toString("utf8");
      if (!promptMs && promptEnd(text) >= 0) {
        promptMs = performance.now() - t0;
        p.stdin.write("poweroff -f\n");
      }
    });
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    p.on("error", reject);
    p.on("exit", (code, signal) => {
      clearTimeout(timer);
      const poweroffMs = performance.now() - t0;
      if (!promptMs || code !== 0)
        reject(new Error(`qemu: ${promptMs ? "" : "no prompt; "}exit ${code ?? signal}; ${stderr.trim()}\nconsole ends:\n${text.slice(-600)}`));
      else resolve({ promptMs, poweroffMs, console: text, stderr });
    });
  });
  if (!count) return run;
  const total = /qemu_insn_count: (\d+) instructions/.exec(run.stderr);
  if (!total) throw new Error(`qemu: the plugin printed no count: ${run.stderr.trim()}`);
  return { ...run, count: { instructions: Number(total[1]) } };
}

export interface BootRow {
  target: BootTarget;
  xpvh: BootRun[];
  qemu: BootRun[];
  qemuError?: string;
  /** From the counting run (bootQemu with count). */
  qemuCount?: QemuCount;
}

const best = (runs: BootRun[], k: "promptMs" | "poweroffMs") => Math.min(...runs.map((r) => r[k]));
const secs = (ms: number) => (ms / 1000).toFixed(2);

/** Runs `repeat` boots per engine, alternating engines so that load changes hit both. */
export async function bootRow(t: BootTarget, repeat: number, log: (s: string) => void): Promise<BootRow> {
  const row: BootRow = { target: t, xpvh: [], qemu: [] };
  const withQemu = qemuAvailable();
  if (!withQemu) row.qemuError = "qemu-system-x86_64 not installed";
  for (let i = 0; i < repeat; i++) {
    const x = await bootXpvh(t);
    row.xpvh.push(x);
    log(`${t.label} on xpvh: prompt ${secs(x.promptMs)} s (${(x.promptInstructions! / 1e6).toFixed(0)}M insns), ` +
      `poweroff ${secs(x.poweroffMs)} s, cpu ${secs(x.cpuMs!)} s, idle ${secs(x.idleMs!)} s`);
    if (!withQemu || row.qemuError) continue;
    try {
      const q = await bootQemu(t);
      row.qemu.push(q);
      log(`${t.label} on QEMU TCG: prompt ${secs(q.promptMs)} s, poweroff ${secs(q.poweroffMs)} s`);
    } catch (e) {
      row.qemuError = e instanceof Error ? e.message.split("\n")[0] : String(e);
      log(`${t.label} on QEMU TCG failed: ${row.qemuError}`);
    }
  }
  // The counting run needs -icount, which QEMU's TCG does not finish an SMP boot under.
  if (withQemu && !row.qemuError && (t.smp ?? 1) === 1) {
    try {
      const c = (await bootQemu(t, true)).count!;
      row.qemuCount = c;
      log(`${t.label} on QEMU -icount with the plugin: ${(c.instructions / 1e6).toFixed(0)}M insns to poweroff`);
    } catch (e) {
      log(`${t.label} on QEMU -icount failed: ${e instanceof Error ? e.message.split("\n")[0] : e}`);
    }
  }
  return row;
}

export function bootFigures(row: BootRow): Figure[] {
  const l = row.target.label;
  const x = row.xpvh;
  const bestX = x.reduce((a, b) => (b.promptMs < a.promptMs ? b : a));
  const figs: Figure[] = [
    { name: `${l}: xpvh to prompt`, value: best(x, "promptMs") / 1000, unit: "s", note: `best of ${x.length}${row.target.release ? `; ${row.target.release}` : ""}` },
    { name: `${l}: xpvh to poweroff`, value: best(x, "poweroffMs") / 1000, unit: "s" },
    { name: `${l}: xpvh instructions to prompt`, value: bestX.promptInstructions! / 1e6, unit: "M insns" },
    { name: `${l}: xpvh instructions to poweroff`, value: bestX.instructions! / 1e6, unit: "M insns" },
    {
      name: `${l}: xpvh MIPS to prompt`,
      value: bestX.promptInstructions! / bestX.promptMs / 1000,
      unit: "MIPS",
      // The CPU figure is less disturbed by other load on the machine.
      note: `wall; ${(bestX.instructions! / bestX.cpuMs! / 1000).toFixed(1)} over CPU s (cpu ${secs(bestX.cpuMs!)} s, idle ${secs(bestX.idleMs!)} s, whole run)`,
    },
  ];
  if (row.qemu.length) {
    const q = row.qemu;
    figs.push(
      { name: `${l}: QEMU TCG to prompt`, value: best(q, "promptMs") / 1000, unit: "s", note: `best of ${q.length}` },
      { name: `${l}: QEMU TCG to poweroff`, value: best(q, "poweroffMs") / 1000, unit: "s" },
      { name: `${l}: xpvh / QEMU to prompt`, value: best(x, "promptMs") / best(q, "promptMs"), unit: "x" },
      { name: `${l}: xpvh / QEMU to poweroff`, value: best(x, "poweroffMs") / best(q, "poweroffMs"), unit: "x" },
    );
  } else figs.push({ name: `${l}: QEMU TCG`, value: NaN, unit: "", note: row.qemuError ?? "not run" });
  if (row.qemuCount)
    figs.push({ name: `${l}: QEMU instructions to poweroff`, value: row.qemuCount.instructions / 1e6, unit: "M insns", note: "qemu_insn_count plugin (rep: 1 per iteration)" });
  return figs;
}

export function bootRepeat(): number {
  return Math.max(1, Number(process.env.XPVH_BENCH_REPEAT ?? 3) || 1);
}

/** The "boot" section of bench/run.ts: the project kernel. */
export async function projectBoot(log: (s: string) => void): Promise<Figure[]> {
  const t = projectKernel();
  if (!existsSync(t.vmlinux)) throw new Error(`no ${t.vmlinux}`);
  return bootFigures(await bootRow(t, bootRepeat(), log));
}

/** The "smp" section of bench/run.ts: the project kernel on two vCPUs (xpvh runs
 * them in turn on one thread; QEMU's TCG gives each its own thread). */
export async function smpBoot(log: (s: string) => void): Promise<Figure[]> {
  const t = { ...projectKernel(), label: "project kernel, -smp 2", smp: 2 };
  if (!existsSync(t.vmlinux)) throw new Error(`no ${t.vmlinux}`);
  return bootFigures(await bootRow(t, bootRepeat(), log));
}

/** The "debian" section of bench/run.ts: Debian's cloud kernel, same initramfs. */
export async function debianBoot(log: (s: string) => void): Promise<Figure[]> {
  const t = debianKernel();
  if ("unavailable" in t) return [{ name: "Debian kernel: skipped", value: NaN, unit: "", note: t.unavailable }];
  return bootFigures(await bootRow(t, bootRepeat(), log));
}
