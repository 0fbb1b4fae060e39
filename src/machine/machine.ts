// A machine: core.wasm, the loaded guest, the Xen layer and the devices, and the
// run loop that turns the core's exits into hypervisor and device work.
import { Core, InternalError, OutOfGuestMemory } from "../core/core.js";
import * as L from "../core/layout.gen.js";
import { GuestMemoryError } from "../core/guest_memory.js";
import { parseElf, symbolize, type ElfImage } from "../loader/elf.js";
import { loadPvh } from "../loader/pvh.js";
import { RESET_REG_PORT, SLEEP_CONTROL_PORT, SLEEP_STATUS_PORT } from "../loader/acpi/fadt.js";
import { SLP_TYP_S5 } from "../loader/acpi/dsdt.js";
import { validateLayout, type MachineConfig } from "./config.js";
import { setPvhEntryState } from "./entry_state.js";
import { XEN_HYPERCALL_MSR } from "../xen/hypercall_page.js";
import { GuestClock, TSC_KHZ } from "./clock.js";
import { exitStatusOf, type ExitKind, type MachineExit } from "./exit.js";
import { XenGlue } from "./xen_glue.js";
import { registerDump } from "./dump.js";
import { Tracer } from "./trace.js";
import { disassemble } from "./disasm.js";
import type { Platform } from "../platform/platform.js";
import { Devices, type DeviceBackends } from "../devices/devices.js";
import { lapicDeadline } from "../devices/lapic.js";
import { XenPvDevices } from "../xen/backends/pv_devices.js";
import { Vcpus, type VcpuState } from "./vcpus.js";
import { RUNSTATE_blocked, RUNSTATE_offline, RUNSTATE_runnable, RUNSTATE_running } from "../xen/abi/vcpu.js";

/** Instructions per run slice when nothing is due sooner (~1-2 ms of guest time). */
const SLICE = 250_000;
/** The same with several vCPUs taking turns: short enough that an IPI's target
 * runs soon (spin loops give their turn away at PAUSE anyway). */
const SMP_SLICE = 50_000;
/** Let the host event loop run at least this often (ms). */
const YIELD_MS = 15;

export type ConsoleSink = (bytes: Uint8Array) => void;

/** What a monitor (QMP) hears from the machine. `shutdown`: the run is ending with
 * `kind` (before the devices close). `reset`: the guest restarts, asked for by the
 * guest (a reboot) or by the host (hardReset()). */
export type MachineEvent = { type: "shutdown"; kind: ExitKind } | { type: "reset"; guest: boolean };

export class Machine {
  readonly core: Core;
  readonly clock: GuestClock;
  private image: ElfImage;
  private xen!: XenGlue;
  readonly vcpus: Vcpus;
  private devices!: Devices;
  private pv: XenPvDevices | null = null;
  private sinks: ConsoleSink[] = [];
  private result: MachineExit | null = null;
  private stopRequested = false;
  /** A restart is due at the next slice boundary; who asked for it. */
  private pendingReboot: "guest" | "host" | null = null;
  private pausedFlag = false;
  private listeners: ((e: MachineEvent) => void)[] = [];
  private idleWaiters = 0;

  private constructor(core: Core, readonly config: MachineConfig, readonly platform: Platform, image: ElfImage) {
    this.core = core;
    this.image = image;
    this.clock = new GuestClock(platform, config.virtualClock);
    this.tracer = new Tracer(core, new Set(config.trace ?? []), (line) => this.log(line));
    this.vcpus = new Vcpus(core, config.smp, {
      wake: () => platform.wake(),
      tsc: () => this.clock.now(),
      stillBlocked: (v) => this.xen.blocked(v),
      switchedOut: (v) => this.xen.xen.setRunstate(v, runstateOf(this.vcpus.state(v))),
      switchedIn: (v) => this.xen.xen.setRunstate(v, RUNSTATE_running),
      startup: (vector) => this.core.startupIpi(vector),
    });
  }

  /** Builds the machine and loads the guest; bad configuration throws ConfigError. */
  static async create(config: MachineConfig, platform: Platform, backends: DeviceBackends = {}): Promise<Machine> {
    validateLayout(config.layout);
    const image = parseElf(config.kernel, config.kernelName);
    const module = await platform.loadCore();
    const core = await Core.create(module, config.layout, { vendorAmd: config.cpuVendor === "amd", hostRamLimit: config.hostRamLimitBytes });
    const m = new Machine(core, config, platform, image);
    m.devices = new Devices(core, config, platform, { log: (msg) => m.log(msg), ...backends });
    m.boot();
    return m;
  }

  /** The Xen PV devices (hot-plug from the host API). */
  get xenDevices(): XenPvDevices {
    return this.pv!;
  }

  /** The PCI devices (virtio models by id, for the host API). */
  get pci(): Devices {
    return this.devices;
  }

  /** Guest console output (the Xen console: console_io, the PV ring, port 0xE9). */
  onConsole(sink: ConsoleSink): void {
    this.sinks.push(sink);
  }

  /** Keyboard input for the guest's console. */
  input(bytes: Uint8Array): void {
    this.xen.consoleInput(bytes);
    this.platform.wake();
  }

  /** Asks the guest to power off (or reboot) through xenstore control/shutdown. */
  requestShutdown(kind: "poweroff" | "reboot"): void {
    this.xen.requestShutdown(kind);
    this.platform.wake();
  }

  /** Stops the run loop at the next slice boundary. */
  stop(): void {
    this.stopRequested = true;
    this.platform.wake();
  }

  /** Holds the vCPU at the next slice boundary until resume() (QMP stop/cont). The
   * guest's clock keeps running, so it sees the pause as lost time. */
  pause(): void {
    this.pausedFlag = true;
  }

  resume(): void {
    this.pausedFlag = false;
    this.platform.wake();
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  /** Restarts the guest at the next slice boundary without asking it (QMP system_reset). */
  hardReset(): void {
    this.pendingReboot = "host";
    this.platform.wake();
  }

  onEvent(listener: (e: MachineEvent) => void): void {
    this.listeners.push(listener);
  }

  private notify(e: MachineEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log(`xpvh: a machine event listener failed: ${(err as Error).stack ?? err}`);
      }
    }
  }

  get instructions(): number {
    return this.core.insnCount;
  }

  /** Xen hypercalls the guest made so far, by hypercall number (those the core
   * answered without an exit included). */
  hypercalls(): Map<number, number> {
    return this.xen.xen.hypercallCounts();
  }

  /** Counters for benchmarks: wall ms spent waiting in HLT/block, exits from the
   * core (hypercalls answered at once included), by ExitReason. */
  readonly stats = { idleMs: 0, exits: 0, byReason: new Float64Array(16) };

  /** Recent exits/hypercalls and the -d categories. */
  readonly tracer: Tracer;

  /** Diagnostics from the machine and the Xen layer (stderr in the CLI). */
  log(message: string): void {
    for (const l of this.loggers) l(message);
  }
  private loggers: ((m: string) => void)[] = [];
  onLog(l: (m: string) => void): void {
    this.loggers.push(l);
  }

  private emit(bytes: Uint8Array): void {
    for (const s of this.sinks) s(bytes);
  }

  /** Loads the image, boot structures and entry state (first boot and reboots). */
  private boot(): void {
    const c = this.core;
    c.setCtl32(L.CTL_XEN_VERSION, this.config.xenVersion);
    c.setCtl32(L.CTL_XEN_CPUID_BASE, 0x40000000);
    c.setCtl32(L.CTL_XEN_HCALL_MSR, XEN_HYPERCALL_MSR);
    c.setCtl32(L.CTL_VCPU_ID, 0);
    c.setCtl32(L.CTL_DOMID, this.config.domid);
    c.setCtl32(L.CTL_TSC_KHZ, TSC_KHZ);
    c.setCtl32(L.CTL_VIRTUAL_CLOCK, this.config.virtualClock ? 1 : 0);
    // The ports the host answers; every other port is empty (the core handles it).
    for (const port of [0xe9, 0x12, RESET_REG_PORT, SLEEP_CONTROL_PORT, SLEEP_STATUS_PORT]) c.claimPort(port);
    this.vcpus.powerOn();
    const loaded = loadPvh(c.mem, this.config, this.image);
    this.xen = new XenGlue(this, this.vcpus, loaded.memmap, (b) => this.emit(b), (kind, code) => this.onShutdown(kind, code));
    if (!this.pv) {
      this.pv = new XenPvDevices(this.xen.xen, this.config, this.devices.pvOpeners(this.config), () => this.platform.wake(), {
        log: (m) => this.log(m),
        nodefaults: this.config.nodefaults,
      });
    } else this.pv.rebind(this.xen.xen);
    setPvhEntryState(c, loaded.entryGpa, loaded.startInfoGpa);
  }

  private onShutdown(kind: ExitKind, _code: number): void {
    if (kind === "reboot" && !this.config.noReboot) {
      this.pendingReboot = "guest";
      return;
    }
    this.finish(kind, kind === "poweroff" ? "" : `xpvh: guest shut down (${kind})`);
  }

  private finish(kind: ExitKind, message: string, detail = ""): void {
    if (this.result) return;
    this.result = { kind, status: exitStatusOf(kind), message, detail };
    this.notify({ type: "shutdown", kind });
  }

  /** Runs the guest until it shuts down, dies, or stop() is called. */
  async run(): Promise<MachineExit> {
    const c = this.core;
    let lastYield = this.platform.now();
    try {
      while (!this.result) {
        if (this.stopRequested) {
          this.finish("stopped", "");
          break;
        }
        if (this.pendingReboot) {
          const guest = this.pendingReboot === "guest";
          this.pendingReboot = null;
          this.reset();
          this.notify({ type: "reset", guest });
        }
        if (this.pausedFlag) {
          await this.platform.sleep(100);
          continue;
        }
        this.devices.poll();
        this.pv!.poll();
        this.vcpus.drainMail(); // MSIs the backends just signalled
        const v = this.vcpus.pick();
        if (v === null) {
          // Every vCPU waits (HLT, SCHEDOP_block, not started): sleep to the next timer or host event.
          if (this.vcpus.allStopped()) {
            this.finish("dead", `xpvh: every vCPU that was up halted with interrupts disabled (last at ${this.where()}); nothing can wake them`, this.dump());
            break;
          }
          await this.idle(this.nextDeadline());
          continue;
        }
        this.vcpus.switchTo(v);
        const smp = this.vcpus.count > 1;
        if (smp) c.setCtl32(L.CTL_PAUSE_EXITS, this.vcpus.othersRunnable(v) ? 1 : 0);
        const deadline = this.nextDeadline();
        const start = this.clock.sliceStart(c.insnCount);
        c.setCtl64(L.CTL_TSC_BASE, start);
        const slice = smp ? SMP_SLICE : SLICE;
        let budget = slice;
        if (deadline !== null) budget = Math.max(1, Math.min(slice, deadline - start));
        const before = c.insnCount;
        let reason = c.ex.run(budget);
        // Hypercalls that complete at once continue the same slice without a trip
        // through the event loop: that is the whole hypercall fast path. Every few
        // dozen of them the TSC catches up with the host clock, so a slice busy with
        // hypercalls does not leave the guest's time behind.
        let sliceFrom = before;
        let tscFrom = start;
        let quick = 0;
        while (reason === L.EXIT_HYPERCALL && !this.result && this.xen.hypercallQuick()) {
          this.stats.exits++;
          this.stats.byReason[L.EXIT_HYPERCALL]++;
          const now = c.insnCount;
          const used = now - before;
          if (used >= budget) {
            reason = L.EXIT_BUDGET;
            break;
          }
          if ((++quick & 31) === 0 && !this.config.virtualClock) {
            this.clock.sliceEnd(now - sliceFrom);
            sliceFrom = now;
            tscFrom = this.clock.sliceStart(now);
          }
          c.setCtl64(L.CTL_TSC_BASE, tscFrom + (now - sliceFrom));
          reason = this.xen.answeredInRegisters ? c.ex.resume(budget - used) : c.ex.run(budget - used);
        }
        this.clock.sliceEnd(c.insnCount - sliceFrom);
        this.tracer.exit(reason);
        this.stats.exits++;
        this.stats.byReason[reason & 15]++;
        if (this.tracer.has("int")) for (const line of this.tracer.newExceptions()) this.log(line);
        this.vcpus.drainMail();
        await this.handleExit(reason);
        this.xen.poll(this.clock.now());
        const now = this.platform.now();
        if (now - lastYield > YIELD_MS) {
          lastYield = now;
          await this.platform.yieldToEvents();
        }
      }
    } catch (e) {
      if (e instanceof OutOfGuestMemory) this.finish("out-of-memory", e.message, this.dump());
      else if (e instanceof InternalError) this.finish("internal-error", `xpvh: internal error: ${e.message}`, this.dump());
      else throw e;
    }
    await this.xen.close();
    await this.devices.close();
    await this.pv?.close();
    const r = this.result!;
    if (r.detail) r.detail = await this.crashReport(r.detail);
    else if (this.tracer.has("cpu_reset") && r.kind !== "stopped") r.detail = await this.crashReport(this.dump());
    return r;
  }

  private async handleExit(reason: number): Promise<void> {
    const c = this.core;
    switch (reason) {
      case L.EXIT_BUDGET:
        return;
      case L.EXIT_HYPERCALL:
        // Already dispatched by the slice loop (hypercallQuick); only a block remains:
        // the vCPU waits until an event or its timeout (pick() asks blocked()).
        if (this.xen.blocked(this.vcpus.current)) this.vcpus.setState(this.vcpus.current, "blocked");
        return;
      case L.EXIT_PAUSE:
      case L.EXIT_MAIL:
        return; // the turn ends; the mailbox is already drained
      case L.EXIT_IO:
        this.portIo();
        return;
      case L.EXIT_WRMSR: {
        const idx = c.ctl32(L.CTL_MSR_INDEX);
        if (idx === XEN_HYPERCALL_MSR && !this.xen.hypercallPageWritten())
          this.log(`xpvh: hypercall page at 0x${c.ctl64(L.CTL_MSR_VALUE).toString(16)} is not RAM; ignored`);
        return;
      }
      case L.EXIT_HLT:
        this.vcpus.setState(this.vcpus.current, "halted");
        return;
      case L.EXIT_DEAD:
        if (this.vcpus.count === 1)
          this.finish("dead", `xpvh: guest halted with interrupts disabled at ${this.where()}; nothing can wake it`, this.dump());
        else this.vcpus.setState(this.vcpus.current, "dead"); // an NMI or INIT may still come
        return;
      case L.EXIT_SHUTDOWN:
        this.finish("triple-fault", `xpvh: triple fault at ${this.where()}`, this.dump());
        return;
      case L.EXIT_OUT_OF_MEMORY:
        this.finish("out-of-memory", new OutOfGuestMemory().message, this.dump());
        return;
      case L.EXIT_VIRTIO_NOTIFY:
        this.devices.handleNotify();
        return;
      default:
        this.finish("internal-error", `xpvh: internal error: core exit ${reason} at ${this.where()}`, this.dump());
    }
  }

  /** No vCPU can run: wait for the next timer or host event. */
  private async idle(deadline: number | null): Promise<void> {
    if (this.stopRequested) return;
    const b = this.xen.blockDeadline();
    if (b !== null && (deadline === null || b < deadline)) deadline = b;
    if (this.config.virtualClock) {
      if (deadline !== null) {
        this.clock.skipTo(deadline);
        this.xen.poll(this.clock.now());
        return;
      }
    }
    const ms = deadline === null ? 50 : Math.min(50, this.clock.msUntil(deadline));
    if (ms > 0) {
      const t0 = this.platform.now();
      await this.platform.sleep(ms);
      this.stats.idleMs += this.platform.now() - t0;
    }
    this.xen.poll(this.clock.now());
    this.devices.poll();
    this.pv!.poll();
  }

  private portIo(): void {
    const c = this.core;
    const port = c.ctl32(L.CTL_IO_PORT);
    const size = c.ctl32(L.CTL_IO_SIZE);
    if (c.ctl32(L.CTL_IO_WRITE)) {
      const v = c.ctl32(L.CTL_IO_DATA);
      if (port === 0xe9 || port === 0x12) this.emit(Uint8Array.of(v & 0xff));
      else if (port === RESET_REG_PORT && (v & 4) !== 0) this.onShutdown("reboot", 0); // FADT reset register
      else if (port === SLEEP_CONTROL_PORT && (v & 0x20) !== 0 && ((v >> 2) & 7) === SLP_TYP_S5) this.onShutdown("poweroff", 0);
      return;
    }
    // Reads: Xen answers 0xE9 on the debug port; nothing else is there.
    const ones = size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    c.setCtl64(L.CTL_IO_DATA, port === 0xe9 ? 0xe9 : ones);
  }

  private reset(): void {
    const c = this.core;
    // Forget all guest pages: the frame table and pool start over (pages are re-zeroed).
    const start = c.ctl32(L.CTL_POOL_START);
    const next = c.ctl32(L.CTL_POOL_NEXT);
    c.bytes.fill(0, start * 4096, next * 4096);
    c.bytes.fill(0, L.FRAME_TABLE_OFF, start * 4096);
    c.setCtl32(L.CTL_POOL_NEXT, start);
    c.setCtl32(L.CTL_OVERLAY_COUNT, 0);
    c.ex.flushTlb();
    this.xen.unblockAll();
    this.devices.reset();
    this.boot();
  }

  /** The earliest timer (Xen, or any vCPU's LAPIC) in guest TSC ticks, or null. */
  private nextDeadline(): number | null {
    let best: number | null = null;
    for (const d of [this.xen.nextDeadline(), lapicDeadline(this.core), this.vcpus.waitingDeadline()]) {
      if (d !== null && (best === null || d < best)) best = d;
    }
    return best;
  }

  /** "rip=0x... (symbol+off)". */
  where(): string {
    const rip = this.core.ctl64(L.CTL_LAST_RIP) || this.core.rip;
    const sym = symbolize(this.image.symbols, this.core.rip);
    return `rip=0x${this.core.rip.toString(16)}${sym ? ` (${sym})` : ""}` + (rip !== this.core.rip ? "" : "");
  }

  /** The registers of the vCPU in the core; on an SMP machine every vCPU's, each
   * headed by its id and state (the one that caused the exit first). */
  dump(): string {
    const v = this.vcpus;
    if (v.count === 1) return registerDump(this.core, this.image);
    const order = [v.current, ...Array.from({ length: v.count }, (_, i) => i).filter((i) => i !== v.current)];
    return order
      .map((i) => (v.state(i) === "offline" ? `vCPU ${i} (offline)` : `vCPU ${i} (${v.state(i)}):\n` + v.with(i, () => registerDump(this.core, this.image))))
      .join("\n");
  }

  /** Register dump, the code at RIP disassembled, and the recent trace. */
  private async crashReport(dump: string): Promise<string> {
    const c = this.core;
    const lines = [dump];
    try {
      const bytes = c.readVirt(c.rip, 32);
      const bits = c.longMode() ? 64 : (c.segment(1).attr & 0x4000) !== 0 ? 32 : 16;
      lines.push("code:", ...(await disassemble(bytes, c.rip, bits)).map((l) => "  " + l));
    } catch {
      lines.push("code: (not readable)");
    }
    const t = this.tracer.report();
    if (t) lines.push(t);
    return lines.join("\n");
  }
}

/** The Xen runstate of a vCPU that leaves the core. */
function runstateOf(s: VcpuState): number {
  if (s === "runnable") return RUNSTATE_runnable;
  if (s === "halted" || s === "blocked") return RUNSTATE_blocked;
  return RUNSTATE_offline;
}

export { GuestMemoryError };
