// Wires the Xen layer (src/xen) to the machine: a XenVcpu over the core's
// register file and MMU, the host-owned pages as pool frames overlaid into
// guest-physical space, the guest clock, and the run loop's entry points.
import * as L from "../core/layout.gen.js";
import type { Core } from "../core/core.js";
import { PAGE_SIZE } from "../core/guest_memory.js";
import { Xen, type MemmapEntry } from "../xen/xen.js";
import type { XenCallbacks, XenClock, XenPageKind, XenVcpu, ShutdownReason } from "../xen/guest.js";
import type { HypercallOutcome } from "../xen/hypercall.js";
import type { ExitKind } from "./exit.js";
import type { Machine } from "./machine.js";
import { TSC_KHZ } from "./clock.js";
import type { Vcpus } from "./vcpus.js";
import { loadHvmContext } from "./hvm_context.js";
import { InCoreEvtchnSend } from "./evtchn_send.js";
import { EEXIST, EINVAL } from "../xen/errno.js";

const XEN_VERSION_HCALL = 17; // __HYPERVISOR_xen_version, with XENVER_version (0)
const EVENT_CHANNEL_OP_HCALL = 32; // __HYPERVISOR_event_channel_op, with EVTCHNOP_send (4)
const EVTCHNOP_SEND = 4;

/** A vCPU as the Xen layer sees it. Register and guest-virtual accesses go to the
 * core when this vCPU is the one in it (always so for its own hypercalls), and
 * otherwise briefly switch it in (its own page tables). */
class CoreVcpu implements XenVcpu {
  constructor(
    readonly id: number,
    private readonly core: Core,
    private readonly vcpus: Vcpus,
  ) {}
  private on<T>(f: () => T): T {
    return this.vcpus.with(this.id, f);
  }
  longMode(): boolean {
    return this.on(() => this.core.longMode());
  }
  cpl(): number {
    return this.on(() => this.core.cpl());
  }
  reg(i: number): bigint {
    return this.on(() => this.core.gpr(i));
  }
  setReg(i: number, v: bigint): void {
    this.on(() => this.core.setGpr(i, v));
  }
  readVirt(gva: bigint, len: number): Uint8Array {
    return this.on(() => this.core.readVirt(gva, len));
  }
  writeVirt(gva: bigint, data: Uint8Array): void {
    this.on(() => this.core.writeVirt(gva, data));
  }
  injectVector(vector: number): void {
    this.vcpus.fixed(this.id, vector);
  }
  setCallbackVector(vector: number, vcpuInfoGpa: number): void {
    const c = this.core;
    let off = 0;
    if (vector !== 0 && vcpuInfoGpa >= 0) {
      const base = c.pageOffset(Math.floor(vcpuInfoGpa / PAGE_SIZE));
      if (base >= 0) off = base + (vcpuInfoGpa % PAGE_SIZE);
    }
    this.vcpus.setCallbackLatch(this.id, off ? vector : 0, off);
  }
  kick(): void {
    this.vcpus.kick(this.id);
  }
}

export class XenGlue {
  readonly xen: Xen;
  private readonly vcpuList: CoreVcpu[];
  private readonly pageOff = new Map<string, number>();
  private readonly pageGfn = new Map<string, number>();
  private readonly core: Core;
  private readonly inCoreSend: InCoreEvtchnSend;
  /** Per vCPU: the end of its SCHEDOP_block/poll (null = no timeout), or undefined when not blocked. */
  private readonly blockedUntil: (bigint | null | undefined)[];

  constructor(
    private readonly machine: Machine,
    private readonly vcpus: Vcpus,
    memmap: MemmapEntry[],
    consoleWrite: (b: Uint8Array) => void,
    shutdown: (kind: ExitKind, code: number) => void,
  ) {
    const core = machine.core;
    this.core = core;
    const cfg = machine.config;
    this.vcpuList = Array.from({ length: vcpus.count }, (_, i) => new CoreVcpu(i, core, vcpus));
    this.blockedUntil = this.vcpuList.map(() => undefined);
    const clock: XenClock = {
      // The guest's own TSC, also in the middle of a run slice (hypercalls on the fast path).
      tsc: () => BigInt(machine.clock.guestTsc(core.insnCount)),
      tscKhz: TSC_KHZ,
      unixNs: () => BigInt(Math.round(machine.clock.wallAtZeroMs)) * 1_000_000n + BigInt(machine.clock.now()),
    };
    const callbacks: XenCallbacks = {
      hostPage: (kind, idx) => {
        const off = core.allocFrame();
        this.pageOff.set(`${kind}:${idx}`, off);
        return core.bytes.subarray(off, off + PAGE_SIZE);
      },
      overlay: (gfn, kind, idx) => this.overlay(gfn, kind, idx),
      shutdown: (reason: ShutdownReason, code: number) => shutdown(reason, code),
      consoleWrite,
      vcpus: {
        initialise: (v, ctx) => {
          // As Xen: a vCPU is initialised once (VCPUOP_down keeps its registers).
          if (vcpus.state(v) !== "offline" || vcpus.initialised(v)) return -EEXIST;
          const rc = vcpus.with(v, () => loadHvmContext(core, ctx));
          if (rc === 0) vcpus.markInitialised(v);
          return rc;
        },
        up: (v) => (vcpus.up(v) ? 0 : -EINVAL),
        down: (v) => {
          vcpus.down(v);
          if (vcpus.allStopped()) shutdown("poweroff", 0);
          return 0;
        },
        isUp: (v) => vcpus.state(v) !== "offline",
      },
      log: (kind, message) => {
        if (kind === "info" || machine.tracer.has(kind === "unimplemented" ? "unimp" : "guest_errors")) machine.log(message);
      },
    };
    this.xen = new Xen({
      mem: core.mem,
      vcpus: this.vcpuList,
      config: {
        xenVersion: cfg.xenVersion,
        domid: cfg.domid,
        gnttabMaxFrames: cfg.gnttabMaxFrames,
        evtchnMaxPirq: cfg.evtchnMaxPirq,
        memmap,
        name: cfg.name,
        cpuVendor: cfg.cpuVendor,
      },
      callbacks,
      clock,
    });
    this.inCoreSend = new InCoreEvtchnSend(core, this.xen, vcpus.count, !machine.tracer.has("hcall"));
    this.inCoreSend.sync();
    this.xen.beforeCountsRead = () => this.countInCoreSends();
    this.xen.afterRestore = () => this.inCoreSend.sync();
  }

  private countInCoreSends(): void {
    const sent = this.inCoreSend.takeSent();
    if (sent) this.xen.countHypercall(EVENT_CHANNEL_OP_HCALL, sent);
  }

  private overlay(gfn: number, kind: XenPageKind, idx: number): void {
    const key = `${kind}:${idx}`;
    let off = this.pageOff.get(key);
    if (off === undefined) {
      off = this.core.allocFrame();
      this.pageOff.set(key, off);
    }
    const old = this.pageGfn.get(key);
    if (old !== undefined) this.core.removeOverlay(old);
    this.core.placeOverlay(gfn, off);
    this.pageGfn.set(key, gfn);
  }

  /** The vCPU in the core. */
  private get vcpu(): CoreVcpu {
    return this.vcpuList[this.vcpus.current];
  }

  hypercall(): HypercallOutcome {
    const out = this.xen.hypercall(this.vcpu);
    this.inCoreSend.sync();
    if ("block" in out) this.blockedUntil[this.vcpus.current] = out.untilNs;
    return out;
  }

  /** Handles the pending hypercall; true when the guest can simply continue (no
   * block, shutdown or yield), so the run loop may resume it at once. XENVER_version
   * is answered right here without the dispatcher, as KVM does in the kernel. */
  hypercallQuick(): boolean {
    const c = this.core;
    this.answeredInRegisters = true;
    if (c.gpr32(0) === XEN_VERSION_HCALL && c.cpl() === 0) {
      const long = c.longMode();
      if (!long || (c.gprHi32(0) === 0 && c.gprHi32(7) === 0)) {
        if (c.gpr32(long ? 7 : 3) === 0) {
          const version = this.machineXenVersion;
          c.setGprNumber(0, version);
          this.xen.countHypercall(XEN_VERSION_HCALL);
          this.machine.tracer.hypercall(XEN_VERSION_HCALL, 0, c.gpr32(long ? 6 : 1), version);
          return true;
        }
      }
    }
    const nr = c.gpr32(0);
    if (nr === EVENT_CHANNEL_OP_HCALL && this.evtchnSendQuick()) return true;
    const long = c.longMode();
    const a0 = c.gpr32(long ? 7 : 3);
    const a1 = c.gpr32(long ? 6 : 1);
    // The general path may write anything in guest memory (code included).
    this.answeredInRegisters = false;
    const out = this.hypercall();
    this.machine.tracer.hypercall(nr, a0, a1, "result" in out ? Number(BigInt.asIntN(64, out.result)) : 0);
    // A vCPU that took itself down (VCPUOP_down) or blocked does not continue.
    return "result" in out && !out.yield && this.vcpus.state(this.vcpus.current) === "runnable";
  }

  /** The last hypercallQuick() that returned true changed registers and Xen's event
   * state only (XENVER_version, EVTCHNOP_send): the core may resume without
   * checking its decoded code again. */
  answeredInRegisters = false;

  /** EVTCHNOP_send from a 64-bit guest at CPL 0, the other call KVM answers in the
   * kernel: read the port, raise it, write RAX, with no argument decoding or struct
   * objects (the send -> upcall path, bench/hypercall.ts). The same checks and errors
   * as the dispatcher; anything unusual (a 32-bit guest, RAX above 32 bits, a struct
   * that crosses a page or does not translate) takes the general path. */
  private evtchnSendQuick(): boolean {
    const c = this.core;
    if (c.gprHi32(0) !== 0 || c.gpr32(7) !== EVTCHNOP_SEND || c.cpl() !== 0 || !c.longMode()) return false;
    const lo = c.gpr32(6);
    if ((lo & (PAGE_SIZE - 1)) > PAGE_SIZE - 4) return false;
    const port = c.readVirtU32(lo, c.gprHi32(6));
    if (port < 0) return false;
    const xen = this.xen;
    xen.countHypercall(EVENT_CHANNEL_OP_HCALL);
    xen.noteGuestMode(true);
    const rc = xen.evtchn.send(port);
    c.setGprNumber(0, rc);
    this.machine.tracer.hypercall(EVENT_CHANNEL_OP_HCALL, EVTCHNOP_SEND, lo, rc);
    return true;
  }

  private get machineXenVersion(): number {
    return this.machine.config.xenVersion;
  }

  /** vCPU v is in a SCHEDOP_block/poll that has not ended: no event, no timeout yet. */
  blocked(v: number): boolean {
    const until = this.blockedUntil[v];
    if (until === undefined) return false;
    // Fire the timers that are due: with the virtual clock the idle wait only skips
    // time forward to the deadline, and the timer's event is what ends the block.
    this.xen.poll();
    if (this.eventPending(v) || (until !== null && this.xen.nowNs() >= until)) {
      this.blockedUntil[v] = undefined;
      return false;
    }
    return true;
  }

  /** The earliest end of a block with a timeout, as a guest TSC value, or null. */
  blockDeadline(): number | null {
    let best: bigint | null = null;
    for (const u of this.blockedUntil) if (u !== undefined && u !== null && (best === null || u < best)) best = u;
    if (best === null) return null;
    // System time to guest TSC, as in nextDeadline().
    return Number(best - this.xen.nowNs()) + this.machine.clock.guestTsc(this.core.insnCount);
  }

  /** Forget the blocks (a reboot). */
  unblockAll(): void {
    this.blockedUntil.fill(undefined);
  }

  hypercallPageWritten(): boolean {
    return this.xen.writeHypercallPage(this.vcpu, this.core.ctl64(L.CTL_MSR_VALUE));
  }

  /** An event is waiting for vCPU v (its upcall_pending flag). */
  eventPending(v: number): boolean {
    return this.xen.shinfo.upcallPending(v);
  }

  /** The earliest Xen timer deadline as a guest TSC value (the run loop's clock).
   * Xen deadlines are in system time, which starts at 0 when the pvclock is first
   * anchored, so it trails the TSC by that TSC value (TSC_KHZ = 1 GHz: 1 ns a tick). */
  nextDeadline(): number | null {
    const d = this.xen.nextDeadline();
    if (d === null) return null;
    return Number(d - this.xen.nowNs()) + this.machine.clock.guestTsc(this.core.insnCount);
  }

  poll(_now: number): void {
    this.countInCoreSends();
    this.xen.poll();
  }

  consoleInput(bytes: Uint8Array): void {
    this.xen.consoleInput(bytes);
  }

  requestShutdown(kind: "poweroff" | "reboot"): void {
    this.xen.requestShutdown(kind);
  }

  async close(): Promise<void> {}
}
