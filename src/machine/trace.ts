// The machine's trace: a bounded ring of recent exits and hypercalls (always
// kept, printed with a crash report) and live output of the -d categories.
import * as L from "../core/layout.gen.js";
import type { Core } from "../core/core.js";

const RING = 256;
const EXIT_NAMES: Record<number, string> = {
  [L.EXIT_BUDGET]: "budget",
  [L.EXIT_HYPERCALL]: "hypercall",
  [L.EXIT_IO]: "io",
  [L.EXIT_HLT]: "hlt",
  [L.EXIT_SHUTDOWN]: "triple-fault",
  [L.EXIT_WRMSR]: "wrmsr",
  [L.EXIT_VIRTIO_NOTIFY]: "virtio-notify",
  [L.EXIT_OUT_OF_MEMORY]: "out-of-memory",
  [L.EXIT_DEAD]: "dead",
};

const HCALL_NAMES: Record<number, string> = {
  12: "memory_op", 13: "multicall", 15: "set_timer_op", 17: "xen_version", 18: "console_io", 20: "grant_table_op",
  21: "vm_assist", 24: "vcpu_op", 29: "sched_op", 32: "event_channel_op", 33: "physdev_op", 34: "hvm_op",
};

const EXC_NAMES = ["#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "", "#TS", "#NP", "#SS", "#GP", "#PF", "", "#MF", "#AC", "#MC", "#XM"];

type Kind = 1 | 2; // 1 exit, 2 hypercall

export class Tracer {
  private readonly kind = new Uint8Array(RING);
  private readonly num = new Float64Array(RING * 4);
  private readonly ripLo = new Uint32Array(RING);
  private readonly ripHi = new Uint32Array(RING);
  /** The vCPU in the core at each record (named on SMP machines). */
  private readonly cpu = new Uint8Array(RING);
  private readonly live: boolean;
  private n = 0;
  private excSeen = 0;

  constructor(
    private readonly core: Core,
    readonly categories: ReadonlySet<string>,
    private readonly out: (line: string) => void,
  ) {
    this.live = categories.has("exits") || categories.has("hcall");
  }

  has(category: string): boolean {
    return this.categories.has(category);
  }

  private put(kind: Kind, a: number, b: number, c: number, d: number): void {
    // On every hypercall: plain stores only, nothing allocated.
    const i = this.n++ % RING;
    this.kind[i] = kind;
    const o = i * 4;
    const num = this.num;
    num[o] = a;
    num[o + 1] = b;
    num[o + 2] = c;
    num[o + 3] = d;
    this.ripLo[i] = this.core.view.getUint32(L.CPU_OFF + L.CPU_RIP, true);
    this.cpu[i] = this.core.ctl32(L.CTL_VCPU_ID);
    this.ripHi[i] = this.core.view.getUint32(L.CPU_OFF + L.CPU_RIP + 4, true);
    if (this.live && (kind === 1 ? this.categories.has("exits") : this.categories.has("hcall"))) this.out(this.format(i));
  }

  exit(reason: number): void {
    if (reason === L.EXIT_BUDGET || reason === L.EXIT_HYPERCALL) return; // hypercalls are recorded on their own
    const c = this.core;
    this.put(1, reason, c.ctl32(L.CTL_IO_PORT), c.ctl32(L.CTL_IO_WRITE), c.ctl32(L.CTL_IO_DATA));
  }

  /** A hypercall: number, first two arguments (low 32 bits) and the result. */
  hypercall(nr: number, a0: number, a1: number, result: number): void {
    this.put(2, nr, a0, a1, result);
  }

  private format(i: number): string {
    const [a, b, c, d] = this.num.subarray(i * 4, i * 4 + 4);
    const cpu = this.core.ctl32(L.CTL_NR_VCPUS) > 1 ? ` cpu=${this.cpu[i]}` : "";
    const at = `rip=${((BigInt(this.ripHi[i]) << 32n) | BigInt(this.ripLo[i])).toString(16)}${cpu}`;
    if (this.kind[i] === 2) return `hcall ${HCALL_NAMES[a] ?? a}(${b}, 0x${b.toString(16)}, 0x${c.toString(16)}) = ${d} ${at}`;
    const name = EXIT_NAMES[a] ?? `exit ${a}`;
    if (a === L.EXIT_IO) return `exit io ${c ? "out" : "in"} port 0x${b.toString(16)} data 0x${d.toString(16)} ${at}`;
    return `exit ${name} ${at}`;
  }

  /** Exceptions the core recorded since the last call (for -d int). */
  newExceptions(): string[] {
    const total = this.core.view.getUint32(L.EXC_RING_OFF + 0x800, true);
    const lines: string[] = [];
    const from = Math.max(this.excSeen, total - L.EXC_RING_ENTRIES);
    // Read after every run: the vCPU in the core took them (named on SMP machines).
    const cpu = this.core.ctl32(L.CTL_NR_VCPUS) > 1 ? ` cpu=${this.core.ctl32(L.CTL_VCPU_ID)}` : "";
    for (let k = from; k < total; k++) lines.push(this.exception(k % L.EXC_RING_ENTRIES) + cpu);
    this.excSeen = total;
    return lines;
  }

  private exception(slot: number): string {
    const v = this.core.view;
    const e = L.EXC_RING_OFF + slot * 32;
    const vec = v.getUint32(e, true);
    const code = v.getUint32(e + 4, true);
    const rip = v.getBigUint64(e + 8, true);
    const cr2 = v.getBigUint64(e + 16, true);
    const icount = v.getBigUint64(e + 24, true);
    const name = EXC_NAMES[vec] || `vector ${vec}`;
    return `exception ${name} err=0x${code.toString(16)} rip=0x${rip.toString(16)}${vec === 14 ? ` cr2=0x${cr2.toString(16)}` : ""} insn=${icount}`;
  }

  /** The recent history for a crash report. */
  report(): string {
    const lines: string[] = [];
    const total = this.core.view.getUint32(L.EXC_RING_OFF + 0x800, true);
    const from = Math.max(0, total - 16);
    if (total > from) {
      lines.push(`last ${total - from} exceptions:`);
      for (let k = from; k < total; k++) lines.push("  " + this.exception(k % L.EXC_RING_ENTRIES));
    }
    const count = Math.min(this.n, 32);
    if (count) {
      lines.push(`last ${count} exits and hypercalls:`);
      for (let k = this.n - count; k < this.n; k++) lines.push("  " + this.format(k % RING));
    }
    return lines.join("\n");
  }
}
