// Event channels (reference §6; xen/include/public/event_channel.h): the port table,
// the host (dom0) ports, delivery, and the two ABIs a guest sees a port's state through.
//
// A domain starts with the 2-level ABI. Its first successful EVTCHNOP_init_control
// switches it to the FIFO ABI (src/xen/evtchn_fifo.ts) for good, as in Xen: bound
// ports stay bound, ports pending in shared_info stay pending (they reach the guest's
// event words when the array page that holds them is added), and only EVTCHNOP_reset
// goes back to 2-level. Everything else here (binding, send, close, status, host
// ports, delivery) is the same for both.
//
// 2-level: the pending and mask bitmaps live in the shared_info page, the per-vCPU
// pending_sel and upcall_pending in each vcpu_info (src/xen/shared_info.ts). The raise
// path:
//
//   1. test-and-set pending[p]            — already set: stop
//   2. mask[p] set                        — stop
//   3. test-and-set pending_sel bit p/W   — already set: stop
//   4. test-and-set upcall_pending        — already set: stop
//   5. deliver to the vCPU the port is bound to
//
// Delivery: a per-vCPU upcall vector (HVMOP_set_evtchn_upcall_vector) is injected
// through the LAPIC and wins over CALLBACK_IRQ. CALLBACK_IRQ type 2 is a level
// latch inside the core, armed with XenVcpu.setCallbackVector, that keeps
// delivering while upcall_pending is set; a raise only has to kick the vCPU. GSI
// and PCI INTx callbacks are accepted but not routed (PVH has no IOAPIC).
//
// The host is domain 0. Backends (console, xenstore, devices) own dom0 ports made
// with hostPort(); a guest send on an interdomain port whose peer is dom0 calls the
// backend's onNotify, and the backend's notify() raises the guest port.

import type { GuestMemory } from "../core/guest_memory.js";
import { PAGE_SIZE } from "../core/guest_memory.js";
import type { XenVcpu } from "./guest.js";
import type { SharedInfo } from "./shared_info.js";
import type { PirqTable } from "./pirq.js";
import { EvtchnFifo, type EvtchnFifoState } from "./evtchn_fifo.js";
import { EBUSY, EEXIST, EINVAL, ENOENT, ENOSPC, ENOSYS, ENXIO, EOPNOTSUPP, EPERM, ESRCH } from "./errno.js";
import {
  EVTCHN_FIFO_NR_CHANNELS,
  EVTCHN_FIFO_PRIORITY_MIN,
  FIFO_CONTROL_BLOCK_SIZE,
  EVTCHNSTAT_closed,
  EVTCHNSTAT_interdomain,
  EVTCHNSTAT_ipi,
  EVTCHNSTAT_pirq,
  EVTCHNSTAT_unbound,
  EVTCHNSTAT_virq,
  NR_VIRQS,
  virqIsPerVcpu,
} from "./abi/event_channel.js";
import { DOMID_HOST, DOMID_SELF } from "./abi/xen.js";
import { HVM_PARAM_CALLBACK_TYPE_VECTOR } from "./abi/hvm.js";

export type PortType = "unbound" | "interdomain" | "virq" | "ipi" | "pirq";

/** One guest port. `remoteDom`/`remotePort`: unbound → the domain allowed to bind
 * (own domid or 0); interdomain → the peer (own domid: loopback, 0: a host port). */
export interface EvtchnPort {
  type: PortType;
  vcpu: number;
  remoteDom: number;
  remotePort: number;
  virq: number;
  pirq: number;
}

/** EVTCHNOP_status result (the union flattened). */
export interface EvtchnStatus {
  status: number;
  vcpu: number;
  /** unbound: dom; interdomain: dom; pirq: pirq; virq: virq */
  u0: number;
  /** interdomain: port */
  u1: number;
}

/** A dom0 (host) end of an event channel, owned by one backend. */
export interface HostPort {
  /** This end's port number in dom0's port space (what the guest passes to
   * bind_interdomain with remote_dom 0). */
  readonly port: number;
  /** The guest port it is connected to, 0 while unconnected. */
  readonly guestPort: number;
  /** Allocate a guest port (unbound, remote dom0) and connect to it, as the toolstack does
   * for the console and xenstore rings. Returns the guest port or -errno. */
  allocGuestPort(): number;
  /** Connect to a guest port the frontend made with alloc_unbound(remote_dom 0) — the
   * backend's bind_interdomain. Returns 0 or -errno. */
  bindGuestPort(guestPort: number): number;
  /** Raise the guest end (no-op while unconnected). */
  notify(): void;
  /** Disconnect; the guest end goes back to unbound (remote dom0). */
  unbind(): void;
  /** Disconnect and free this dom0 port. */
  close(): void;
}

class HostPortImpl implements HostPort {
  guestPort = 0;
  constructor(
    private readonly owner: EventChannels,
    readonly port: number,
    readonly onNotify: () => void,
  ) {}
  allocGuestPort(): number {
    return this.owner.hostAllocGuestPort(this);
  }
  bindGuestPort(guestPort: number): number {
    return this.owner.hostBind(this, guestPort);
  }
  notify(): void {
    if (this.guestPort) this.owner.raise(this.guestPort);
  }
  unbind(): void {
    this.owner.hostUnbind(this);
  }
  close(): void {
    this.owner.hostClose(this);
  }
}

export interface EvtchnState {
  ports: [number, EvtchnPort][];
  hostPorts: [number, number][];
  upcallVector: number[];
  callbackParam: string;
  /** Present once the guest switched to the FIFO ABI. */
  fifo?: EvtchnFifoState;
}

/** Xen 4.16 relaxed init_control's offset check from 8- to 4-byte alignment and made
 * both offset errors -ENXIO (they were -EINVAL). */
const XEN_4_16 = 0x40010;

export class EventChannels {
  private readonly ports = new Map<number, EvtchnPort>();
  /** virqPort[vcpu][virq]; global VIRQs sit in vCPU 0's row. */
  private readonly virqPort: number[][];
  private readonly hostPorts = new Map<number, HostPortImpl>();
  /** Per-vCPU upcall vectors, 0 = none. */
  private readonly upcallVector: number[];
  /** HVM_PARAM_CALLBACK_IRQ as last set. */
  private callbackParam = 0n;
  /** The FIFO ABI's state once the guest switched to it; null while 2-level. */
  private fifo: EvtchnFifo | null = null;

  constructor(
    private readonly shinfo: SharedInfo,
    private readonly vcpus: readonly XenVcpu[],
    private readonly domid: number,
    readonly pirqs: PirqTable,
    /** Guest RAM, where FIFO control blocks and event arrays live. */
    private readonly mem: GuestMemory,
    /** XENVER_version (major << 16 | minor): picks init_control's offset rules. */
    private readonly xenVersion = 0x40011,
  ) {
    this.virqPort = vcpus.map(() => new Array<number>(NR_VIRQS).fill(0));
    this.upcallVector = vcpus.map(() => 0);
  }

  /** Highest port + 1: what the FIFO ABI's LINK field can name, or for 2-level what the
   * current shared_info layout holds (4096, or 1024 for 32-bit). */
  get maxPorts(): number {
    return this.fifo ? EVTCHN_FIFO_NR_CHANNELS : this.shinfo.layout.maxPorts;
  }

  /** Which ABI the guest uses. */
  get abi(): "2-level" | "fifo" {
    return this.fifo ? "fifo" : "2-level";
  }

  /** The FIFO state (tests and diagnostics), null while 2-level. */
  get fifoState(): EvtchnFifo | null {
    return this.fifo;
  }

  port(p: number): EvtchnPort | undefined {
    return this.ports.get(p);
  }

  private validPort(p: number): boolean {
    return Number.isInteger(p) && p > 0 && p < this.maxPorts;
  }

  private isSelf(dom: number): boolean {
    return dom === DOMID_SELF || dom === this.domid;
  }

  private validVcpu(v: number): boolean {
    return Number.isInteger(v) && v >= 0 && v < this.vcpus.length;
  }

  private alloc(init: Omit<EvtchnPort, "remoteDom" | "remotePort" | "virq" | "pirq"> & Partial<EvtchnPort>): number {
    for (let p = 1; p < this.maxPorts; p++) {
      if (!this.ports.has(p)) {
        this.ports.set(p, { remoteDom: 0, remotePort: 0, virq: 0, pirq: 0, ...init });
        this.fifo?.portInit(p);
        return p;
      }
    }
    return -ENOSPC;
  }

  // ---- the raise path ----

  /** Raise port `p` (2-level: steps 1–5; FIFO: evtchn_fifo.ts). Returns false when no
   * new upcall became due. */
  raise(p: number): boolean {
    if (!this.validPort(p)) return false;
    if (this.fifo) return this.fifo.setPending(this.ports.get(p)?.vcpu ?? 0, p);
    if (this.shinfo.testAndSetPending(p)) return false;
    if (this.shinfo.isMasked(p)) return false;
    const vcpu = this.ports.get(p)?.vcpu ?? 0;
    return this.markVcpu(vcpu, p);
  }

  /** Steps 3–5 for port p on vCPU v. */
  private markVcpu(v: number, p: number): boolean {
    const word = Math.floor(p / this.shinfo.layout.wordBits);
    if (this.shinfo.testAndSetPendingSel(v, word) !== false) return false;
    return this.markUpcall(v);
  }

  /** Steps 4–5, shared by both ABIs: set evtchn_upcall_pending, deliver if it was clear. */
  private markUpcall(v: number): boolean {
    if (this.shinfo.testAndSetUpcallPending(v) !== false) return false;
    this.deliver(v);
    return true;
  }

  /** Port p's pending state in the guest's current ABI (SCHEDOP_poll). */
  isPending(p: number): boolean {
    if (!Number.isInteger(p) || p < 0 || p >= this.maxPorts) return false;
    return this.fifo ? this.fifo.isPending(p) : this.shinfo.isPending(p);
  }

  /** Port p's mask state in the guest's current ABI. */
  isMasked(p: number): boolean {
    if (!Number.isInteger(p) || p < 0 || p >= this.maxPorts) return true;
    return this.fifo ? this.fifo.isMasked(p) : this.shinfo.isMasked(p);
  }

  private clearPending(p: number): void {
    if (this.fifo) this.fifo.clearPending(p);
    else this.shinfo.clearPending(p);
  }

  /** Step 5: make vCPU v take its upcall. */
  deliver(v: number): void {
    const vcpu = this.vcpus[v];
    if (!vcpu) return;
    const vector = this.upcallVector[v];
    if (vector) vcpu.injectVector(vector);
    // CALLBACK_IRQ type 2: the core's latch sees upcall_pending by itself; GSI/INTx: not routed.
    vcpu.kick();
  }

  /** Raise VIRQ `virq` for vCPU `v` (global VIRQs: whichever vCPU their port is bound to).
   * Unbound VIRQs are dropped. */
  raiseVirq(v: number, virq: number): boolean {
    const row = virqIsPerVcpu(virq) ? v : 0;
    const p = this.virqPort[row]?.[virq] ?? 0;
    return p ? this.raise(p) : false;
  }

  // ---- delivery configuration ----

  /** HVM_PARAM_CALLBACK_IRQ was set (value already validated by hvm_params). */
  setCallback(value: bigint): void {
    this.callbackParam = BigInt.asUintN(64, value);
    this.syncLatches();
  }

  /** The CALLBACK_IRQ vector when the type is VECTOR (2), else 0. */
  get callbackVector(): number {
    return Number(this.callbackParam >> 56n) === HVM_PARAM_CALLBACK_TYPE_VECTOR ? Number(this.callbackParam & 0xffn) : 0;
  }

  /** HVMOP_set_evtchn_upcall_vector. */
  setUpcallVector(v: number, vector: number): number {
    if (vector < 0x10 || vector > 0xff) return -EINVAL;
    if (!this.validVcpu(v)) return -ENOENT;
    this.upcallVector[v] = vector;
    this.syncLatches();
    if (this.shinfo.upcallPending(v)) this.deliver(v);
    return 0;
  }

  /** The sends that only raise a port of this domain: IPI ports (their own) and
   * loopback interdomain ports (their peer), as (port, port raised, its vCPU). What
   * the core may answer by itself (src/machine/evtchn_send.ts). */
  forEachLocalSend(f: (port: number, target: number, vcpu: number) => void): void {
    for (const [p, c] of this.ports) {
      if (c.type === "ipi") f(p, p, c.vcpu);
      else if (c.type === "interdomain" && c.remoteDom === this.domid) {
        const peer = this.ports.get(c.remotePort);
        if (peer) f(p, c.remotePort, peer.vcpu);
      }
    }
  }

  upcallVectorOf(v: number): number {
    return this.upcallVector[v] ?? 0;
  }

  /** Re-arm every vCPU's CALLBACK_IRQ latch: after the callback or an upcall vector changes,
   * and whenever a vcpu_info moves (shared_info mapped, register_vcpu_info). */
  syncLatches(): void {
    const cb = this.callbackVector;
    this.vcpus.forEach((vcpu, v) => {
      const vector = this.upcallVector[v] ? 0 : cb;
      const gpa = this.shinfo.vcpuInfoGpa(v);
      vcpu.setCallbackVector(gpa < 0 ? 0 : vector, gpa);
      if (vector && gpa >= 0 && this.shinfo.upcallPending(v)) vcpu.kick();
    });
  }

  // ---- EVTCHNOP_* (each returns a value ≥ 0 or -errno) ----

  /** EVTCHNOP_alloc_unbound: a port that `remoteDom` may later bind. */
  allocUnbound(dom: number, remoteDom: number): number {
    if (!this.isSelf(dom)) return -ESRCH;
    if (remoteDom !== DOMID_HOST && !this.isSelf(remoteDom)) return -EPERM;
    return this.alloc({ type: "unbound", vcpu: 0, remoteDom: remoteDom === DOMID_SELF ? this.domid : remoteDom });
  }

  /** EVTCHNOP_bind_interdomain: connect to an unbound port of `remoteDom`
   * (ourselves: a loopback pair; dom0: a host port). */
  bindInterdomain(remoteDom: number, remotePort: number): number {
    let local: number;
    if (remoteDom === DOMID_HOST) {
      const hp = this.hostPorts.get(remotePort);
      if (!hp) return -EINVAL;
      if (hp.guestPort) return -EBUSY;
      local = this.alloc({ type: "interdomain", vcpu: 0, remoteDom: DOMID_HOST, remotePort });
      if (local < 0) return local;
      hp.guestPort = local;
    } else if (this.isSelf(remoteDom)) {
      const r = this.ports.get(remotePort);
      if (!this.validPort(remotePort) || !r || r.type !== "unbound" || r.remoteDom !== this.domid) return -EINVAL;
      local = this.alloc({ type: "interdomain", vcpu: 0, remoteDom: this.domid, remotePort });
      if (local < 0) return local;
      r.type = "interdomain";
      r.remotePort = local;
    } else {
      return -ESRCH;
    }
    // Notifications sent to the unbound end were lost: make the new end pending.
    this.raise(local);
    return local;
  }

  /** EVTCHNOP_bind_virq. */
  bindVirq(virq: number, v: number): number {
    if (!Number.isInteger(virq) || virq < 0 || virq >= NR_VIRQS) return -EINVAL;
    if (!virqIsPerVcpu(virq) && v !== 0) return -EINVAL;
    if (!this.validVcpu(v)) return -ENOENT;
    if (this.virqPort[v][virq]) return -EEXIST;
    const p = this.alloc({ type: "virq", vcpu: v, virq });
    if (p > 0) this.virqPort[v][virq] = p;
    return p;
  }

  /** EVTCHNOP_bind_ipi: a port that raises itself on `v` when sent. */
  bindIpi(v: number): number {
    if (!this.validVcpu(v)) return -ENOENT;
    return this.alloc({ type: "ipi", vcpu: v });
  }

  /** EVTCHNOP_bind_pirq. */
  bindPirq(pirq: number): number {
    if (!this.pirqs.inRange(pirq)) return -EINVAL;
    if (this.pirqs.portOf(pirq)) return -EEXIST;
    const p = this.alloc({ type: "pirq", vcpu: 0, pirq });
    if (p > 0) this.pirqs.setPort(pirq, p);
    return p;
  }

  /** EVTCHNOP_close. */
  close(p: number): number {
    if (!this.validPort(p)) return -EINVAL;
    const c = this.ports.get(p);
    if (!c) return -EINVAL;
    switch (c.type) {
      case "virq": {
        const row = virqIsPerVcpu(c.virq) ? c.vcpu : 0;
        if (this.virqPort[row][c.virq] === p) this.virqPort[row][c.virq] = 0;
        break;
      }
      case "pirq":
        if (this.pirqs.portOf(c.pirq) === p) this.pirqs.setPort(c.pirq, 0);
        break;
      case "interdomain":
        if (c.remoteDom === DOMID_HOST) {
          const hp = this.hostPorts.get(c.remotePort);
          if (hp && hp.guestPort === p) hp.guestPort = 0;
        } else {
          const peer = this.ports.get(c.remotePort);
          // Closing one end of a loopback pair returns the other to unbound.
          if (peer && peer.type === "interdomain" && peer.remotePort === p && c.remotePort !== p) {
            peer.type = "unbound";
            peer.remoteDom = this.domid;
            peer.remotePort = 0;
          }
        }
        break;
      default:
        break;
    }
    this.ports.delete(p);
    this.clearPending(p);
    return 0;
  }

  /** EVTCHNOP_send. */
  send(p: number): number {
    if (!this.validPort(p)) return -EINVAL;
    const c = this.ports.get(p);
    if (!c) return -EINVAL;
    switch (c.type) {
      case "interdomain":
        if (c.remoteDom === DOMID_HOST) this.hostPorts.get(c.remotePort)?.onNotify();
        else this.raise(c.remotePort);
        return 0;
      case "ipi":
        this.raise(p);
        return 0;
      case "unbound":
        return 0; // nobody listens yet: dropped
      default:
        return -EINVAL;
    }
  }

  /** EVTCHNOP_status. */
  status(dom: number, p: number): EvtchnStatus | number {
    if (!this.isSelf(dom)) return -ESRCH;
    if (!Number.isInteger(p) || p < 0 || p >= this.maxPorts) return -EINVAL;
    const c = this.ports.get(p);
    if (!c) return { status: EVTCHNSTAT_closed, vcpu: 0, u0: 0, u1: 0 };
    switch (c.type) {
      case "unbound":
        return { status: EVTCHNSTAT_unbound, vcpu: c.vcpu, u0: c.remoteDom, u1: 0 };
      case "interdomain":
        return { status: EVTCHNSTAT_interdomain, vcpu: c.vcpu, u0: c.remoteDom, u1: c.remotePort };
      case "pirq":
        return { status: EVTCHNSTAT_pirq, vcpu: c.vcpu, u0: c.pirq, u1: 0 };
      case "virq":
        return { status: EVTCHNSTAT_virq, vcpu: c.vcpu, u0: c.virq, u1: 0 };
      case "ipi":
        return { status: EVTCHNSTAT_ipi, vcpu: c.vcpu, u0: 0, u1: 0 };
    }
  }

  /** EVTCHNOP_bind_vcpu: re-target notifications; re-raise on the new vCPU if pending. */
  bindVcpu(p: number, v: number): number {
    if (!this.validVcpu(v)) return -ENOENT;
    if (!this.validPort(p)) return -EINVAL;
    const c = this.ports.get(p);
    if (!c) return -EINVAL;
    const movable =
      c.type === "interdomain" || c.type === "unbound" || c.type === "pirq" || (c.type === "virq" && !virqIsPerVcpu(c.virq));
    if (!movable) return -EINVAL;
    c.vcpu = v;
    // FIFO: an event already on a queue stays on the old vCPU's queue (as in Xen);
    // the next one goes to the new vCPU.
    if (!this.fifo && this.shinfo.isPending(p) && !this.shinfo.isMasked(p)) this.markVcpu(v, p);
    return 0;
  }

  /** EVTCHNOP_unmask: clear the mask bit and re-raise if the port is pending. */
  unmask(p: number): number {
    if (!Number.isInteger(p) || p < 0 || p >= this.maxPorts) return -EINVAL;
    if (this.fifo) {
      this.fifo.unmask(this.ports.get(p)?.vcpu ?? 0, p);
      return 0;
    }
    if (!this.shinfo.testAndClearMask(p)) return 0;
    if (this.shinfo.isPending(p)) this.markVcpu(this.ports.get(p)?.vcpu ?? 0, p);
    return 0;
  }

  /** EVTCHNOP_reset: close every port; a FIFO domain goes back to 2-level (Xen tears
   * down the control blocks and event array too). */
  reset(dom: number): number {
    if (!this.isSelf(dom)) return -ESRCH;
    for (const p of [...this.ports.keys()]) this.close(p);
    this.fifo = null;
    return 0;
  }

  /** Soft reset: close everything and forget delivery settings and the ABI. */
  resetAll(): void {
    for (const p of [...this.ports.keys()]) this.close(p);
    this.fifo = null;
    this.upcallVector.fill(0);
    this.callbackParam = 0n;
    this.syncLatches();
  }

  // ---- the FIFO ABI's own ops ----

  /** EVTCHNOP_init_control: vCPU v's control block at control_gfn:offset. The first one
   * switches the domain to the FIFO ABI. Returns 0 (the caller reports link_bits) or
   * -errno, in Xen's order of checks. */
  initControl(v: number, controlGfn: bigint, offset: number): number {
    if (!this.validVcpu(v)) return -ENOENT;
    const relaxed = this.xenVersion >= XEN_4_16;
    const badOffset = relaxed ? -ENXIO : -EINVAL;
    if (offset > PAGE_SIZE - FIFO_CONTROL_BLOCK_SIZE) return badOffset;
    if (offset & (relaxed ? 3 : 7)) return badOffset;
    if (this.fifo?.hasControlBlock(v)) return -EINVAL;
    const gpa = this.ramPageGpa(controlGfn);
    if (gpa < 0) return -EINVAL;
    if (!this.fifo) this.switchToFifo();
    this.fifo!.setControlBlock(v, gpa + offset);
    return 0;
  }

  /** EVTCHNOP_expand_array: one more page of event words; raises the ports it covers
   * that were raised while their word was missing. */
  expandArray(arrayGfn: bigint): number {
    const fifo = this.fifo;
    if (!fifo) return -EOPNOTSUPP;
    if (fifo.nrEventWords >= EVTCHN_FIFO_NR_CHANNELS) return -ENOSPC;
    const gpa = this.ramPageGpa(arrayGfn);
    if (gpa < 0) return -EINVAL;
    const again = fifo.addPage(gpa / PAGE_SIZE);
    if (!again) return -ENOSPC;
    for (const p of again) this.raise(p);
    return 0;
  }

  /** EVTCHNOP_set_priority. */
  setPriority(p: number, priority: number): number {
    if (!Number.isInteger(p) || p < 0 || p >= this.maxPorts) return -EINVAL;
    if (!this.fifo) return -ENOSYS; // the 2-level ABI has no priorities
    if (!Number.isInteger(priority) || priority < 0 || priority > EVTCHN_FIFO_PRIORITY_MIN) return -EINVAL;
    // An unbound port's priority is reset when it is bound: nothing to keep.
    if (this.ports.has(p)) this.fifo.setPriority(p, priority);
    return 0;
  }

  /** The gpa of guest RAM frame `gfn`, or -1 (not RAM, or beyond any address). */
  private ramPageGpa(gfn: bigint): number {
    if (gfn < 0n || gfn >= BigInt(Math.floor(Number.MAX_SAFE_INTEGER / PAGE_SIZE))) return -1;
    const gpa = Number(gfn) * PAGE_SIZE;
    return this.mem.isRam(gpa) ? gpa : -1;
  }

  /** The first init_control: every bound port keeps its binding; those pending in
   * shared_info stay pending (parked until their event word exists), at the default
   * priority. */
  private switchToFifo(): void {
    const fifo = new EvtchnFifo(this.mem, this.vcpus.length, (v) => this.markUpcall(v));
    const limit2l = this.shinfo.layout.maxPorts;
    for (const p of this.ports.keys()) if (p < limit2l && this.shinfo.isPending(p)) fifo.park(p);
    this.fifo = fifo;
  }

  // ---- host (dom0) ports ----

  /** A new dom0 port for a backend; `onNotify` runs when the guest sends on the guest end. */
  hostPort(onNotify: () => void): HostPort {
    let n = 1;
    while (this.hostPorts.has(n)) n++;
    const hp = new HostPortImpl(this, n, onNotify);
    this.hostPorts.set(n, hp);
    return hp;
  }

  /** @internal HostPort.allocGuestPort */
  hostAllocGuestPort(hp: HostPortImpl): number {
    if (hp.guestPort) return -EBUSY;
    const p = this.alloc({ type: "interdomain", vcpu: 0, remoteDom: DOMID_HOST, remotePort: hp.port });
    if (p > 0) hp.guestPort = p;
    return p;
  }

  /** @internal HostPort.bindGuestPort */
  hostBind(hp: HostPortImpl, guestPort: number): number {
    if (hp.guestPort) return -EBUSY;
    const c = this.ports.get(guestPort);
    if (!this.validPort(guestPort) || !c || c.type !== "unbound" || c.remoteDom !== DOMID_HOST) return -EINVAL;
    c.type = "interdomain";
    c.remotePort = hp.port;
    hp.guestPort = guestPort;
    return 0;
  }

  /** @internal HostPort.unbind */
  hostUnbind(hp: HostPortImpl): void {
    const c = hp.guestPort ? this.ports.get(hp.guestPort) : undefined;
    if (c && c.type === "interdomain" && c.remoteDom === DOMID_HOST && c.remotePort === hp.port) {
      c.type = "unbound";
      c.remotePort = 0;
    }
    hp.guestPort = 0;
  }

  /** @internal HostPort.close */
  hostClose(hp: HostPortImpl): void {
    this.hostUnbind(hp);
    this.hostPorts.delete(hp.port);
  }

  // ---- snapshots ----

  save(): EvtchnState {
    return {
      ports: [...this.ports].map(([p, c]) => [p, { ...c }]),
      hostPorts: [...this.hostPorts.values()].map((hp) => [hp.port, hp.guestPort]),
      upcallVector: [...this.upcallVector],
      callbackParam: String(this.callbackParam),
      ...(this.fifo ? { fifo: this.fifo.save() } : {}),
    };
  }

  /** Restore guest ports and delivery settings. Host ports must exist again (backends
   * recreate theirs with hostPort() in the same order); their connections are restored. */
  restore(s: EvtchnState): void {
    this.ports.clear();
    for (const row of this.virqPort) row.fill(0);
    for (const [p, c] of s.ports) {
      this.ports.set(p, { ...c });
      if (c.type === "virq") this.virqPort[virqIsPerVcpu(c.virq) ? c.vcpu : 0][c.virq] = p;
    }
    for (const [n, guestPort] of s.hostPorts) {
      const hp = this.hostPorts.get(n);
      if (hp) hp.guestPort = guestPort;
    }
    s.upcallVector.forEach((v, i) => (this.upcallVector[i] = v));
    this.callbackParam = BigInt(s.callbackParam);
    this.fifo = null;
    if (s.fifo) {
      this.fifo = new EvtchnFifo(this.mem, this.vcpus.length, (v) => this.markUpcall(v));
      this.fifo.restore(s.fifo);
    }
    this.syncLatches();
  }
}
