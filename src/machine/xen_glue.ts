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

const XEN_VERSION_HCALL = 17; // __HYPERVISOR_xen_version, with XENVER_version (0)
const EVENT_CHANNEL_OP_HCALL = 32; // __HYPERVISOR_event_channel_op, with EVTCHNOP_send (4)
const EVTCHNOP_SEND = 4;

// Offsets in the core's XEN_OFF page (see assembly/cpu/exec.ts).
const XEN_CALLBACK_VECTOR = 0;
const XEN_VCPU_INFO_OFF = 8;

class CoreVcpu implements XenVcpu {
  readonly id = 0;
  constructor(private readonly core: Core, private readonly wake: () => void) {}
  longMode(): boolean {
    return this.core.longMode();
  }
  cpl(): number {
    return this.core.cpl();
  }
  reg(i: number): bigint {
    return this.core.gpr(i);
  }
  setReg(i: number, v: bigint): void {
    this.core.setGpr(i, v);
  }
  readVirt(gva: bigint, len: number): Uint8Array {
    return this.core.readVirt(gva, len);
  }
  writeVirt(gva: bigint, data: Uint8Array): void {
    this.core.writeVirt(gva, data);
  }
  injectVector(vector: number): void {
    const inject = this.core.ex.injectVector as ((v: number) => void) | undefined;
    if (inject) inject(vector);
    else this.core.setCpu32(L.CPU_PENDING_EXT, vector);
    this.kick();
  }
  setCallbackVector(vector: number, vcpuInfoGpa: number): void {
    const c = this.core;
    let off = 0;
    if (vector !== 0 && vcpuInfoGpa >= 0) {
      const base = c.pageOffset(Math.floor(vcpuInfoGpa / PAGE_SIZE));
      if (base >= 0) off = base + (vcpuInfoGpa % PAGE_SIZE);
    }
    c.view.setUint32(L.XEN_OFF + XEN_CALLBACK_VECTOR, off ? vector : 0, true);
    c.view.setUint32(L.XEN_OFF + XEN_VCPU_INFO_OFF, off, true);
    this.kick();
  }
  kick(): void {
    this.core.ex.interruptPending();
    this.wake();
  }
}

export class XenGlue {
  readonly xen: Xen;
  readonly vcpu: CoreVcpu;
  private readonly pageOff = new Map<string, number>();
  private readonly pageGfn = new Map<string, number>();
  private readonly core: Core;
  private blockedUntil: bigint | null | undefined = undefined;

  constructor(
    private readonly machine: Machine,
    memmap: MemmapEntry[],
    consoleWrite: (b: Uint8Array) => void,
    shutdown: (kind: ExitKind, code: number) => void,
  ) {
    const core = machine.core;
    this.core = core;
    const cfg = machine.config;
    this.vcpu = new CoreVcpu(core, () => machine.platform.wake());
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
      log: (kind, message) => {
        if (kind === "info" || machine.tracer.has(kind === "unimplemented" ? "unimp" : "guest_errors")) machine.log(message);
      },
    };
    this.xen = new Xen({
      mem: core.mem,
      vcpus: [this.vcpu],
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

  hypercall(): HypercallOutcome {
    const out = this.xen.hypercall(this.vcpu);
    if ("block" in out) this.blockedUntil = out.untilNs;
    return out;
  }

  /** Handles the pending hypercall; true when the guest can simply continue (no
   * block, shutdown or yield), so the run loop may resume it at once. XENVER_version
   * is answered right here without the dispatcher, as KVM does in the kernel. */
  hypercallQuick(): boolean {
    const c = this.core;
    if (c.gpr32(0) === XEN_VERSION_HCALL && c.cpl() === 0) {
      const long = c.longMode();
      if (!long || (c.gprHi32(0) === 0 && c.gprHi32(7) === 0)) {
        if (c.gpr32(long ? 7 : 3) === 0) {
          c.setGprNumber(0, this.machineXenVersion);
          return true;
        }
      }
    }
    const nr = c.gpr32(0);
    if (nr === EVENT_CHANNEL_OP_HCALL && this.evtchnSendQuick()) return true;
    const long = c.longMode();
    const a0 = c.gpr32(long ? 7 : 3);
    const a1 = c.gpr32(long ? 6 : 1);
    const out = this.hypercall();
    this.machine.tracer.hypercall(nr, a0, a1, "result" in out ? Number(BigInt.asIntN(64, out.result)) : 0);
    return "result" in out && !out.yield;
  }

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
    let port: number;
    try {
      port = c.mem.readU32(c.translate((BigInt(c.gprHi32(6)) << 32n) | BigInt(lo), 0));
    } catch {
      return false;
    }
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

  /** A SCHEDOP_block/poll is in progress: the vCPU must not run until an event or the timeout. */
  blocked(): boolean {
    if (this.blockedUntil === undefined) return false;
    // Fire the timers that are due: with the virtual clock the idle wait only skips
    // time forward to the deadline, and the timer's event is what ends the block.
    this.xen.poll();
    if (this.eventPending() || (this.blockedUntil !== null && this.xen.nowNs() >= this.blockedUntil)) {
      this.blockedUntil = undefined;
      return false;
    }
    return true;
  }

  blockDeadline(): number | null {
    if (this.blockedUntil === undefined || this.blockedUntil === null) return null;
    // System time to guest TSC, as in nextDeadline().
    return Number(this.blockedUntil - this.xen.nowNs()) + this.machine.clock.guestTsc(this.core.insnCount);
  }

  hypercallPageWritten(): boolean {
    return this.xen.writeHypercallPage(this.vcpu, this.core.ctl64(L.CTL_MSR_VALUE));
  }

  /** An event is waiting for vCPU 0 (its upcall_pending flag). */
  eventPending(): boolean {
    return this.xen.shinfo.upcallPending(0);
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
