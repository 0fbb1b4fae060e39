// The machine's vCPUs. core.wasm runs one vCPU at a time: its register file
// (CPU_OFF), local APIC page (LAPIC_OFF) and Xen latches (XEN_OFF) are "the CPU".
// The others wait here as copies of those three pages; switching copies them in
// and out (12 KiB) and drops the TLB. Interrupts for a waiting vCPU are written
// straight into its saved pages (an IRR bit, the NMI latch), so it takes them the
// moment it runs again.
//
// A vCPU is:
//   running/runnable - gets slices in turn;
//   halted           - HLT with IF=1, runnable again once something is pending;
//   blocked          - SCHEDOP_block/poll (the Xen layer decides when it ends);
//   dead             - HLT with IF=0: only NMI, INIT or STARTUP revive it;
//   offline          - not started yet, or after INIT: waits for STARTUP or VCPUOP_up.
import * as L from "../core/layout.gen.js";
import type { Core } from "../core/core.js";
import { apicIdOfVcpu } from "../loader/acpi/madt.js";

export type VcpuState = "runnable" | "halted" | "blocked" | "dead" | "offline";

const PAGE = 4096;
const NEVER = 0xffffffffffffffffn;
// LAPIC register offsets (xAPIC page layout, Intel SDM vol. 3 table 11-1).
const APIC_TPR = 0x80;
const APIC_LDR = 0xd0;
const APIC_DFR = 0xe0;
const APIC_ISR = 0x100;
const APIC_IRR = 0x200;
const RFLAGS_IF = 0x200;
const APIC_BASE_X2APIC = 0x400n;
// ICR / MSI delivery modes.
const DM_FIXED = 0;
const DM_LOWEST = 1;
const DM_NMI = 4;
const DM_INIT = 5;
const DM_STARTUP = 6;

class SavedVcpu {
  readonly cpu = new Uint8Array(PAGE);
  readonly lapic = new Uint8Array(PAGE);
  readonly xen = new Uint8Array(PAGE);
  /** The LAPIC timer's deadline (CTL_LAPIC_DEADLINE) when it was switched out. */
  lapicDeadline = NEVER;
  state: VcpuState;
  /** INIT seen: the next STARTUP starts it. */
  waitForSipi = false;
  /** A STARTUP vector to apply when it is next switched in. */
  sipiVector = -1;
  /** VCPUOP_initialise gave it registers: VCPUOP_up may start it. */
  initialised = false;
  constructor(readonly id: number, state: VcpuState) {
    this.state = state;
  }
}

export interface VcpuHooks {
  /** Wake the run loop (something became runnable). */
  wake(): void;
  /** The guest TSC now (the domain of LAPIC deadlines). */
  tsc(): number;
  /** vCPU v's SCHEDOP_block/poll has not ended yet. */
  stillBlocked(v: number): boolean;
  /** `v` leaves the core / has just come in (Xen runstate); not called for the
   * brief switches of with(). */
  switchedOut?(v: number): void;
  switchedIn?(v: number): void;
  /** Put a just-started vCPU in the state after STARTUP with `vector`. */
  startup(vector: number): void;
}

export class Vcpus {
  readonly count: number;
  private active = 0;
  private readonly saved: SavedVcpu[];
  private next = 0;

  constructor(
    private readonly core: Core,
    count: number,
    private readonly hooks: VcpuHooks,
  ) {
    this.count = count;
    this.saved = Array.from({ length: count }, (_, i) => new SavedVcpu(i, i === 0 ? "runnable" : "offline"));
    core.setCtl32(L.CTL_NR_VCPUS, count);
    core.setCtl32(L.CTL_VCPU_ID, 0);
    core.view.setUint32(L.MAIL_OFF, 0, true);
  }

  /** Power-on: vCPU 0 runs; every other vCPU gets a reset register file and LAPIC
   * (with its own APIC id) and waits for STARTUP. Call after the core's reset and
   * before the entry state is written (the APs keep the power-on registers). */
  powerOn(): void {
    const c = this.core;
    if (this.active !== 0) this.swap(0);
    c.view.setUint32(L.MAIL_OFF, 0, true);
    for (let v = 1; v < this.count; v++) {
      const s = this.saved[v];
      s.state = "offline";
      s.waitForSipi = false;
      s.sipiVector = -1;
      s.initialised = false;
      c.setCtl32(L.CTL_VCPU_ID, v);
      c.ex.resetLapic();
      s.cpu.set(c.bytes.subarray(L.CPU_OFF, L.CPU_OFF + PAGE));
      s.lapic.set(c.bytes.subarray(L.LAPIC_OFF, L.LAPIC_OFF + PAGE));
      s.xen.fill(0);
      s.lapicDeadline = NEVER;
    }
    this.saved[0].state = "runnable";
    c.setCtl32(L.CTL_VCPU_ID, 0);
    c.ex.resetLapic();
  }

  get current(): number {
    return this.active;
  }

  state(v: number): VcpuState {
    return this.saved[v].state;
  }

  setState(v: number, s: VcpuState): void {
    this.saved[v].state = s;
    if (s === "runnable") this.hooks.wake();
  }

  /** Makes `v` the vCPU in the core. */
  switchTo(v: number): void {
    if (v === this.active) return;
    this.hooks.switchedOut?.(this.active);
    this.swap(v);
    this.hooks.switchedIn?.(v);
  }

  private swap(v: number): void {
    const c = this.core;
    const out = this.saved[this.active];
    out.cpu.set(c.bytes.subarray(L.CPU_OFF, L.CPU_OFF + PAGE));
    out.lapic.set(c.bytes.subarray(L.LAPIC_OFF, L.LAPIC_OFF + PAGE));
    out.xen.set(c.bytes.subarray(L.XEN_OFF, L.XEN_OFF + PAGE));
    out.lapicDeadline = c.ctl64(L.CTL_LAPIC_DEADLINE);
    const inn = this.saved[v];
    c.bytes.set(inn.cpu, L.CPU_OFF);
    c.bytes.set(inn.lapic, L.LAPIC_OFF);
    c.bytes.set(inn.xen, L.XEN_OFF);
    c.setCtl32(L.CTL_VCPU_ID, v);
    // The last exit was the other vCPU's: an IN it made must not complete here.
    c.setCtl32(L.CTL_EXIT_REASON, L.EXIT_NONE);
    this.active = v;
    c.ex.vcpuSwitched();
    if (inn.sipiVector >= 0) {
      const vector = inn.sipiVector;
      inn.sipiVector = -1;
      c.setCtl32(L.CTL_VCPU_ID, v);
      this.hooks.startup(vector);
    }
  }

  /** Runs `f` with vCPU `v` in the core (its page tables for guest-virtual
   * accesses), then puts the running vCPU back. */
  with<T>(v: number, f: () => T): T {
    const back = this.active;
    if (v === back) return f();
    this.swap(v);
    try {
      return f();
    } finally {
      this.swap(back);
    }
  }

  /** The vCPU to run next: round robin over the runnable ones (those halted with
   * something pending count), or null when all wait. */
  pick(): number | null {
    for (let i = 0; i < this.count; i++) {
      const v = (this.next + i) % this.count;
      if (this.ready(v)) {
        this.next = (v + 1) % this.count;
        return v;
      }
    }
    return null;
  }

  /** Some vCPU other than `v` could run now (a spinning `v` should let it). */
  othersRunnable(v: number): boolean {
    for (let i = 0; i < this.count; i++) if (i !== v && this.ready(i)) return true;
    return false;
  }

  /** Whether v can run now. A halted vCPU with an interrupt to take, or a blocked
   * one whose wait has ended, becomes runnable here. */
  private ready(v: number): boolean {
    const s = this.saved[v];
    if ((s.state === "halted" && this.hasWork(v)) || (s.state === "blocked" && !this.hooks.stillBlocked(v))) s.state = "runnable";
    return s.state === "runnable";
  }

  /** Every vCPU is dead or offline: nothing will ever run again. */
  allStopped(): boolean {
    return this.saved.every((s) => s.state === "dead" || s.state === "offline");
  }

  /** The earliest LAPIC timer deadline of the vCPUs not in the core (raw TSC), or null. */
  waitingDeadline(): number | null {
    let best: bigint | null = null;
    for (const s of this.saved) {
      if (s.id === this.active || s.state === "offline" || s.state === "dead") continue;
      if (s.lapicDeadline !== NEVER && (best === null || s.lapicDeadline < best)) best = s.lapicDeadline;
    }
    return best === null ? null : Number(best);
  }

  /** A halted vCPU has an interrupt it can take now: an NMI, or with IF=1 a
   * queued vector, the Xen upcall, or an IRR vector above the processor priority. */
  private hasWork(v: number): boolean {
    const cpu = this.pageView(v, "cpu");
    if (cpu.getUint32(L.CPU_NMI_PENDING, true) !== 0) return true;
    if ((cpu.getUint32(L.CPU_RFLAGS, true) & RFLAGS_IF) === 0) return false;
    if (cpu.getUint32(L.CPU_PENDING_EXT, true) !== 0) return true;
    // The Xen callback latch: vector, and the wasm offset of evtchn_upcall_pending.
    const xen = this.pageView(v, "xen");
    const off = xen.getUint32(8, true);
    if (xen.getUint32(0, true) !== 0 && off !== 0 && this.core.bytes[off] !== 0) return true;
    const lapic = this.pageView(v, "lapic");
    const irr = highestBit(lapic, APIC_IRR);
    if (irr >= 0) {
      const isr = highestBit(lapic, APIC_ISR);
      const tpr = lapic.getUint32(APIC_TPR, true) & 0xff;
      const ppr = Math.max(tpr >> 4, isr < 0 ? 0 : isr >> 4);
      if (irr >> 4 > ppr) return true;
    }
    const deadline = v === this.active ? this.core.ctl64(L.CTL_LAPIC_DEADLINE) : this.saved[v].lapicDeadline;
    return deadline !== NEVER && Number(deadline) <= this.hooks.tsc();
  }

  private pageView(v: number, which: "cpu" | "lapic" | "xen"): DataView {
    if (v === this.active) {
      const off = which === "cpu" ? L.CPU_OFF : which === "lapic" ? L.LAPIC_OFF : L.XEN_OFF;
      return new DataView(this.core.bytes.buffer, this.core.bytes.byteOffset + off, PAGE);
    }
    return new DataView(this.saved[v][which].buffer);
  }

  // -------------------------------------------------------------------------
  // Interrupts for a vCPU, running or not.

  /** A fixed interrupt: IRR of `v`'s LAPIC. */
  fixed(v: number, vector: number): void {
    if (v === this.active) {
      this.core.ex.injectVector(vector & 0xff); // sets IRR and signals the core's run loop
    } else {
      // As the core's LAPIC does: IRR takes the vector even while the APIC is
      // software-disabled (a Xen upcall must not be lost during bring-up).
      const lapic = this.pageView(v, "lapic");
      const o = APIC_IRR + (vector >> 5) * 16;
      lapic.setUint32(o, lapic.getUint32(o, true) | (1 << (vector & 31)), true);
    }
    this.wakeFrom(v, false);
  }

  nmi(v: number): void {
    this.pageView(v, "cpu").setUint32(L.CPU_NMI_PENDING, 1, true);
    if (v === this.active) this.core.ex.interruptPending();
    this.wakeFrom(v, true);
  }

  /** Something for `v` arrived (a Xen event, a timer): it should look. */
  kick(v: number): void {
    if (v === this.active) this.core.ex.interruptPending();
    this.wakeFrom(v, false);
  }

  private wakeFrom(v: number, nmi: boolean): void {
    const s = this.saved[v];
    if (s.state === "halted" || (nmi && s.state === "dead")) s.state = "runnable";
    this.hooks.wake();
  }

  /** INIT: the vCPU stops and waits for STARTUP (the boot processor ignores it). */
  init(v: number): void {
    if (v === 0 || v === this.active) return;
    const s = this.saved[v];
    s.state = "offline";
    s.waitForSipi = true;
    s.initialised = false;
  }

  /** STARTUP with `vector`: a vCPU waiting after INIT starts in real mode at vector << 12. */
  startup(v: number, vector: number): void {
    const s = this.saved[v];
    if (!s.waitForSipi || v === this.active) return;
    s.waitForSipi = false;
    s.sipiVector = vector & 0xff;
    s.state = "runnable";
    this.hooks.wake();
  }

  initialised(v: number): boolean {
    return this.saved[v].initialised;
  }

  /** VCPUOP_initialise loaded registers into offline vCPU v. */
  markInitialised(v: number): void {
    this.saved[v].initialised = true;
  }

  /** VCPUOP_up: starts an initialised vCPU; false if it never was. Up already: true. */
  up(v: number): boolean {
    const s = this.saved[v];
    if (s.state !== "offline") return true;
    if (!s.initialised) return false;
    s.waitForSipi = false;
    s.state = "runnable";
    this.hooks.wake();
    return true;
  }

  /** VCPUOP_down: v stops where it is; VCPUOP_up resumes it there. */
  down(v: number): void {
    const s = this.saved[v];
    s.state = "offline";
    s.initialised = true;
  }

  // -------------------------------------------------------------------------
  // The mailbox: IPIs and MSIs the core could not deliver itself.

  /** Delivers every message in the mailbox; call after each run() and after host
   * calls that can signal MSIs. */
  drainMail(): void {
    const view = this.core.view;
    const n = view.getUint32(L.MAIL_OFF, true);
    if (n === 0) return;
    for (let i = 0; i < n; i++) {
      const e = L.MAIL_OFF + 16 + i * L.MAIL_ENTRY;
      const kind = view.getUint32(e + L.MAIL_KIND, true);
      const lo = view.getUint32(e + L.MAIL_LO, true);
      const dest = view.getUint32(e + L.MAIL_DEST, true);
      const from = view.getUint32(e + L.MAIL_FROM, true);
      if (kind === L.MAIL_ICR) this.icr(from, lo, dest);
      else if (kind === L.MAIL_MSI) this.msi(from, dest, lo);
    }
    view.setUint32(L.MAIL_OFF, 0, true);
  }

  /** An ICR write by vCPU `from`; the core has already done the part for `from`. */
  private icr(from: number, lo: number, dest: number): void {
    const mode = (lo >> 8) & 7;
    const logical = (lo & (1 << 11)) !== 0;
    const level = (lo & (1 << 14)) !== 0;
    const shorthand = (lo >> 18) & 3;
    // INIT level de-assert: no effect on these CPUs.
    if (mode === DM_INIT && !level && ((lo >> 15) & 1) === 1) return;
    const targets: number[] = [];
    for (let v = 0; v < this.count; v++) {
      if (v === from) continue;
      if (shorthand === 2 || shorthand === 3 || (shorthand === 0 && this.matches(v, dest, logical, this.x2apic(from)))) targets.push(v);
    }
    this.deliver(targets, mode, lo & 0xff);
  }

  /** An MSI; the core has already delivered it if it named `from`'s APIC. */
  private msi(from: number, addr: number, data: number): void {
    const dest = (addr >>> 12) & 0xff;
    const logical = (addr & 4) !== 0;
    const targets: number[] = [];
    for (let v = 0; v < this.count; v++) {
      if (v !== from && this.matches(v, dest, logical, false)) targets.push(v);
    }
    this.deliver(targets, (data >> 8) & 7, data & 0xff);
  }

  private deliver(targets: number[], mode: number, vector: number): void {
    if (mode === DM_LOWEST && targets.length > 1) targets = [targets[0]];
    for (const v of targets) {
      if (mode === DM_FIXED || mode === DM_LOWEST) this.fixed(v, vector);
      else if (mode === DM_NMI) this.nmi(v);
      else if (mode === DM_INIT) this.init(v);
      else if (mode === DM_STARTUP) this.startup(v, vector);
    }
  }

  private x2apic(v: number): boolean {
    return (this.pageView(v, "cpu").getBigUint64(L.CPU_APIC_BASE, true) & APIC_BASE_X2APIC) !== 0n;
  }

  /** Does an IPI/MSI destination name vCPU v's APIC? */
  private matches(v: number, dest: number, logical: boolean, x2: boolean): boolean {
    const id = apicIdOfVcpu(v);
    if (x2 || this.x2apic(v)) {
      if (dest === 0xffffffff || (!x2 && dest === 0xff)) return true;
      if (!logical) return dest === id;
      // x2APIC logical id: cluster id << 16 | 1 << (id & 15).
      return dest >>> 16 === id >> 4 && (dest & (1 << (id & 15)) & 0xffff) !== 0;
    }
    if (dest === 0xff) return true;
    if (!logical) return dest === id;
    const lapic = this.pageView(v, "lapic");
    const ldr = lapic.getUint32(APIC_LDR, true) >>> 24;
    if (lapic.getUint32(APIC_DFR, true) >>> 28 === 0xf) return (dest & ldr) !== 0;
    return dest >> 4 === ldr >> 4 && (dest & ldr & 0xf) !== 0;
  }

  /** Xen's callback latch of `v` (see XenVcpu.setCallbackVector): the vector and
   * the wasm offset of its vcpu_info's evtchn_upcall_pending byte (0 = disarmed). */
  setCallbackLatch(v: number, vector: number, off: number): void {
    const xen = this.pageView(v, "xen");
    xen.setUint32(0, vector, true);
    xen.setUint32(8, off, true);
    this.kick(v);
  }
}

/** The highest vector set in an IRR/ISR-style register (8 x 32 bits at 16-byte strides), or -1. */
function highestBit(lapic: DataView, base: number): number {
  for (let i = 7; i >= 0; i--) {
    const w = lapic.getUint32(base + i * 16, true);
    if (w !== 0) return i * 32 + (31 - Math.clz32(w));
  }
  return -1;
}
