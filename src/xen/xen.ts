// The hypervisor: every piece of Xen state for one domain, and the operations that
// span pieces (add_to_physmap, vcpu_info registration, time publication, shutdown).
// Hypercalls enter through hypercall(); the run loop also uses nextDeadline(),
// poll(), the console and the shutdown request (see the integration notes in
// src/xen/README.md).
//
// Toolstack duties are done at construction, as libxl/QEMU do at domain creation:
// the console and xenstore rings at fixed PFNs with their event channels and HVM
// params, grant refs 0/1, the default xenstore tree, the wall clock and pvclock.

import type { GuestMemory } from "../core/guest_memory.js";
import { PAGE_SIZE } from "../core/guest_memory.js";
import { ConfigError } from "../machine/config.js";
import type { ShutdownReason, XenCallbacks, XenClock, XenPageKind, XenVcpu } from "./guest.js";
import { EINVAL, EOPNOTSUPP, EPERM, ESRCH } from "./errno.js";
import { DOMID_HOST, DOMID_SELF } from "./abi/xen.js";
import {
  XENMAPIDX_grant_table_status,
  XENMAPSPACE_dev_mmio,
  XENMAPSPACE_gmfn,
  XENMAPSPACE_gmfn_foreign,
  XENMAPSPACE_gmfn_range,
  XENMAPSPACE_grant_table,
  XENMAPSPACE_shared_info,
} from "./abi/memory.js";
import {
  HVM_PARAM_CALLBACK_IRQ,
  HVM_PARAM_CONSOLE_EVTCHN,
  HVM_PARAM_CONSOLE_PFN,
  HVM_PARAM_STORE_EVTCHN,
  HVM_PARAM_STORE_PFN,
} from "./abi/hvm.js";
import { GNTTAB_RESERVED_CONSOLE, GNTTAB_RESERVED_XENSTORE } from "./abi/grant_table.js";
import { VIRQ_TIMER } from "./abi/event_channel.js";
import { SystemTime } from "./pvclock.js";
import { SharedInfo, type SharedInfoState } from "./shared_info.js";
import { PirqTable, type PirqState } from "./pirq.js";
import { EventChannels, type EvtchnState, type HostPort } from "./evtchn.js";
import { GNTTAB_DEFAULT_MAX_FRAMES, GrantTable, type GnttabState } from "./gnttab.js";
import { HvmParams } from "./hvm_params.js";
import { XenTimers, type TimersState } from "./timers.js";
import { Runstates, type RunstateState } from "./runstate.js";
import { ConsoleRing } from "./console_ring.js";
import { XenStore, type XsQuota, type XsStoreState } from "./xenstore/store.js";
import { XsRing } from "./xenstore/ring.js";
import { populateDomain, requestShutdown, type ShutdownRequest } from "./xenstore/paths.js";
import { dispatchHypercall, type HypercallOutcome } from "./hypercall.js";
import { hypercallPage } from "./hypercall_page.js";

/** One XENMEM_memory_map record (e820 types: 1 RAM, 2 reserved, 3 ACPI, 4 NVS, …). */
export interface MemmapEntry {
  addr: number;
  size: number;
  type: number;
}

/** Strings xen_version reports. */
export interface XenVersionInfo {
  extraversion: string;
  compiler: string;
  compileBy: string;
  compileDomain: string;
  compileDate: string;
  capabilities: string;
  changeset: string;
}

export const DEFAULT_VERSION_INFO: Readonly<XenVersionInfo> = {
  extraversion: ".0-xpvh",
  compiler: "xpvh (TypeScript host)",
  compileBy: "xpvh",
  compileDomain: "xpvh",
  compileDate: "",
  capabilities: "hvm-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p",
  changeset: "xpvh",
};

/** QEMU's ring PFNs (reference §4): inside the E820-reserved 0xFEFF8000–0xFEFFBFFF. */
export const DEFAULT_CONSOLE_PFN = 0xfeff8;
export const DEFAULT_STORE_PFN = 0xfeff9;

export interface XenConfig {
  /** XENVER_version: major << 16 | minor (e.g. 0x40011 for 4.17). */
  xenVersion: number;
  /** The guest's domid (QEMU's default is 1); 0 is the host. */
  domid: number;
  gnttabMaxFrames?: number;
  evtchnMaxPirq?: number;
  /** What XENMEM_memory_map returns; empty → -ENOSYS (the guest must use start_info's). */
  memmap: MemmapEntry[];
  /** xenstore `name`. */
  name?: string;
  /** Guest frames of the console and xenstore ring pages (overlaid at construction).
   * consolePfn null: no PV console (CONSOLE_* params stay 0). */
  consolePfn?: number | null;
  storePfn?: number;
  /** Publish PVCLOCK_TSC_STABLE (the TSC is shared by all vCPUs and never jumps). */
  tscStable?: boolean;
  /** XENVER_guest_handle: the domain's UUID (16 bytes). */
  domainHandle?: Uint8Array;
  version?: Partial<XenVersionInfo>;
  /** Decides VMCALL vs VMMCALL in the hypercall page. */
  cpuVendor?: "intel" | "amd";
  xenstoreQuota?: Partial<XsQuota>;
}

export interface XenOptions {
  mem: GuestMemory;
  vcpus: XenVcpu[];
  config: XenConfig;
  callbacks: XenCallbacks;
  clock: XenClock;
}

export interface XenState {
  time: ReturnType<SystemTime["save"]>;
  shinfo: SharedInfoState;
  evtchn: EvtchnState;
  pirqs: PirqState;
  gnttab: GnttabState;
  params: string[];
  timers: TimersState;
  runstate: RunstateState;
  store: XsStoreState;
  shutdownCode: number;
}

/** How many guest errors are logged before going quiet (they are still counted). */
const GUEST_ERROR_LOG_LIMIT = 50;

export class Xen {
  readonly mem: GuestMemory;
  readonly vcpus: readonly XenVcpu[];
  readonly config: Required<Omit<XenConfig, "version" | "xenstoreQuota" | "domainHandle">>;
  readonly callbacks: XenCallbacks;
  readonly versionInfo: XenVersionInfo;
  readonly domainHandle: Uint8Array;
  /** Guest RAM from the memory map: total pages and the highest RAM frame. */
  readonly ramLayout: { pages: number; maxGfn: number };

  readonly time: SystemTime;
  readonly shinfo: SharedInfo;
  readonly evtchn: EventChannels;
  readonly gnttab: GrantTable;
  readonly params: HvmParams;
  readonly timers: XenTimers;
  readonly runstate: Runstates;
  readonly store: XenStore;
  readonly xsRing: XsRing;
  readonly console: ConsoleRing | null;
  /** dom0 ends of the xenstore and console event channels. */
  readonly storePort: HostPort;
  readonly consolePort: HostPort | null;

  /** SCHEDOP_shutdown_code: reported with the next shutdown. */
  shutdownCode = 0;
  /** Calls per hypercall number below 64 (every Xen hypercall): a typed array, so
   * counting on the fast path is one store; countHypercall() keeps the rest in a Map. */
  private readonly hcallCounts = new Float64Array(64);
  private readonly hcallOther = new Map<number, number>();
  readonly stats = xenStats(this);
  private readonly unimplementedSeen = new Set<string>();
  private readonly pages = new Map<string, Uint8Array>();

  constructor(o: XenOptions) {
    const c = o.config;
    if (!Number.isInteger(c.domid) || c.domid < 1 || c.domid >= DOMID_SELF)
      throw new ConfigError(`xen domid ${c.domid}: must be 1..${DOMID_SELF - 1} (0 is the host)`);
    if (o.vcpus.length < 1) throw new ConfigError("xen: at least one vCPU");
    o.vcpus.forEach((v, i) => {
      if (v.id !== i) throw new ConfigError(`xen: vCPU ${i} has id ${v.id}`);
    });
    this.mem = o.mem;
    this.vcpus = o.vcpus;
    this.callbacks = o.callbacks;
    this.config = {
      xenVersion: c.xenVersion,
      domid: c.domid,
      gnttabMaxFrames: c.gnttabMaxFrames ?? GNTTAB_DEFAULT_MAX_FRAMES,
      evtchnMaxPirq: c.evtchnMaxPirq ?? 256,
      memmap: c.memmap,
      name: c.name ?? "xpvh",
      consolePfn: c.consolePfn === undefined ? DEFAULT_CONSOLE_PFN : c.consolePfn,
      storePfn: c.storePfn ?? DEFAULT_STORE_PFN,
      tscStable: c.tscStable ?? true,
      cpuVendor: c.cpuVendor ?? "intel",
    };
    this.versionInfo = { ...DEFAULT_VERSION_INFO, ...c.version };
    this.domainHandle = new Uint8Array(16);
    if (c.domainHandle) this.domainHandle.set(c.domainHandle.subarray(0, 16));
    this.ramLayout = ramLayout(c.memmap);

    this.time = new SystemTime(o.clock);
    this.shinfo = new SharedInfo(this.page("shared_info", 0), this.mem, this.vcpus);
    this.evtchn = new EventChannels(
      this.shinfo,
      this.vcpus,
      c.domid,
      new PirqTable(this.config.evtchnMaxPirq),
      this.mem,
      c.xenVersion,
    );
    this.gnttab = new GrantTable(this.mem, c.domid, this.config.gnttabMaxFrames, (i) => this.page("grant_table", i));
    this.params = new HvmParams((index, value) => {
      if (index === HVM_PARAM_CALLBACK_IRQ) this.evtchn.setCallback(value);
    });
    this.timers = new XenTimers(this.time, this.vcpus.length, (v) => this.evtchn.raiseVirq(v, VIRQ_TIMER));
    this.runstate = new Runstates(this.vcpus, this.time);
    this.store = new XenStore(c.xenstoreQuota);
    this.storePort = this.evtchn.hostPort(() => this.xsRing.process());
    this.xsRing = new XsRing(this.page("xenstore", 0), this.store, c.domid, () => this.storePort.notify());
    if (this.config.consolePfn !== null) {
      this.consolePort = this.evtchn.hostPort(() => this.drainConsole());
      this.console = new ConsoleRing(this.page("console", 0));
    } else {
      this.consolePort = null;
      this.console = null;
    }
    this.setupDomain();
  }

  /** The host-owned page (kind, idx), obtained once from the integrator. */
  private page(kind: XenPageKind, idx: number): Uint8Array {
    const key = `${kind}:${idx}`;
    let p = this.pages.get(key);
    if (!p) {
      p = this.callbacks.hostPage ? this.callbacks.hostPage(kind, idx) : new Uint8Array(PAGE_SIZE);
      if (p.length !== PAGE_SIZE) throw new Error(`host page ${key} must be 4096 bytes`);
      this.pages.set(key, p);
    }
    return p;
  }

  /** What the domain builder does: rings, their ports and params, grant refs, xenstore. */
  private setupDomain(): void {
    const domid = this.config.domid;
    const storePfn = this.config.storePfn;
    const consolePfn = this.config.consolePfn;

    this.callbacks.overlay(storePfn, "xenstore", 0);
    const storeGuestPort = this.storePort.allocGuestPort();
    this.xsRing.init(storeGuestPort);
    this.params.set(HVM_PARAM_STORE_PFN, BigInt(storePfn));
    this.params.set(HVM_PARAM_STORE_EVTCHN, BigInt(storeGuestPort));
    this.gnttab.prefill(GNTTAB_RESERVED_XENSTORE, DOMID_HOST, storePfn);

    let consoleGuestPort = 0;
    if (consolePfn !== null && this.console && this.consolePort) {
      this.callbacks.overlay(consolePfn, "console", 0);
      this.console.page.fill(0);
      consoleGuestPort = this.consolePort.allocGuestPort();
      this.params.set(HVM_PARAM_CONSOLE_PFN, BigInt(consolePfn));
      this.params.set(HVM_PARAM_CONSOLE_EVTCHN, BigInt(consoleGuestPort));
      this.gnttab.prefill(GNTTAB_RESERVED_CONSOLE, DOMID_HOST, consolePfn);
    }

    populateDomain(this.store, {
      domid,
      name: this.config.name,
      memoryKiB: this.ramLayout.pages * 4,
      vcpus: this.vcpus.length,
      store: { port: storeGuestPort, gfn: storePfn },
      console: consolePfn !== null ? { port: consoleGuestPort, gfn: consolePfn } : null,
    });
    this.publishWallclock();
    this.refreshTime();
  }

  // ---- entry points for the run loop ----

  /** A VMCALL/VMMCALL exit: decode, dispatch, write RAX/EAX, say what to do next. */
  hypercall(vcpu: XenVcpu): HypercallOutcome {
    return dispatchHypercall(this, vcpu);
  }

  /** WRMSR 0x40000000 (the core's EXIT_WRMSR): fill the hypercall page at the guest-physical
   * address `value` and latch the guest's mode. False means the write must #GP (low 12 bits
   * set, or not RAM). */
  writeHypercallPage(vcpu: XenVcpu, value: bigint): boolean {
    if ((value & 0xfffn) !== 0n || value >= BigInt(Number.MAX_SAFE_INTEGER)) return false;
    const gpa = Number(value);
    if (!this.mem.isRam(gpa)) return false;
    this.mem.write(gpa, hypercallPage(this.config.cpuVendor));
    this.noteGuestMode(vcpu.longMode());
    return true;
  }

  /** Xen system time now (ns since boot): the clock of every Xen timer deadline. */
  nowNs(): bigint {
    return this.time.nowNs();
  }

  /** Earliest Xen timer deadline (system time), or null: how long the run loop may run
   * or sleep before calling poll(). */
  nextDeadline(): bigint | null {
    return this.timers.nextDeadline();
  }

  /** Housekeeping the run loop does often (each budget slice, and on wakeups): fire due
   * timers and drain the console ring. */
  poll(now: bigint = this.time.nowNs()): void {
    this.timers.fire(now);
    this.drainConsole();
  }

  /** Move guest console output to callbacks.consoleWrite; returns the byte count. */
  drainConsole(): number {
    if (!this.console || !this.consolePort) return 0;
    const out = this.console.drain();
    if (out.length === 0) return 0;
    this.callbacks.consoleWrite(out);
    this.consolePort.notify(); // the ring has room again
    return out.length;
  }

  /** Keyboard input for hvc0; returns how many bytes fitted. */
  consoleInput(bytes: Uint8Array): number {
    if (!this.console || !this.consolePort) return 0;
    const n = this.console.push(bytes);
    if (n) this.consolePort.notify();
    return n;
  }

  /** Ask the guest to shut down through xenstore (the guest then makes SCHEDOP_shutdown). */
  requestShutdown(reason: ShutdownRequest): void {
    requestShutdown(this.store, this.config.domid, reason);
  }

  /** A dom0 event-channel end for a backend (see EventChannels.hostPort). */
  hostPort(onNotify: () => void): HostPort {
    return this.evtchn.hostPort(onNotify);
  }

  /** RUNSTATE_* change of vCPU v (running/runnable/blocked/offline), for steal time. */
  setRunstate(v: number, state: number): void {
    this.runstate.set(v, state);
  }

  /** SHUTDOWN_soft_reset (kexec): back to the state at domain creation, memory kept. */
  softReset(): void {
    this.evtchn.resetAll();
    this.evtchn.pirqs.reset();
    this.shinfo.reset();
    this.gnttab.reset();
    this.timers.reset();
    this.runstate.forgetAreas();
    for (const i of [HVM_PARAM_CALLBACK_IRQ, HVM_PARAM_CONSOLE_EVTCHN, HVM_PARAM_STORE_EVTCHN])
      this.params.set(i, 0n);
    this.store.rm(this.store.toolstack, 0, `/local/domain/${this.config.domid}`);
    this.setupDomain();
  }

  // ---- operations the hypercall families share ----

  isSelf(dom: number): boolean {
    return dom === DOMID_SELF || dom === this.config.domid;
  }

  /** Latch the shared_info layout from the guest's mode (hypercall-page write,
   * CALLBACK_IRQ, or any 64-bit hypercall). */
  noteGuestMode(long: boolean): void {
    if (this.shinfo.longMode === long) return;
    this.shinfo.setLongMode(long);
    this.publishWallclock(); // wc_* moves with the layout
  }

  /** XENMEM_add_to_physmap (one entry). */
  addToPhysmap(domid: number, space: number, idx: bigint, gpfn: bigint): number {
    if (!this.isSelf(domid)) return -ESRCH;
    if (gpfn >= BigInt(Math.floor(Number.MAX_SAFE_INTEGER / PAGE_SIZE))) return -EINVAL;
    const gfn = Number(gpfn);
    switch (space) {
      case XENMAPSPACE_shared_info:
        if (idx !== 0n) return -EINVAL;
        this.callbacks.overlay(gfn, "shared_info", 0);
        this.shinfo.setGfn(gfn);
        this.evtchn.syncLatches();
        this.publishWallclock();
        this.refreshTime();
        return 0;
      case XENMAPSPACE_grant_table: {
        if ((idx & BigInt(XENMAPIDX_grant_table_status)) !== 0n) return -EINVAL; // v2 status frames
        if (idx >= BigInt(this.gnttab.maxFrames)) return -EINVAL;
        const rc = this.gnttab.mapFrame(Number(idx), gfn);
        if (rc) return rc;
        this.callbacks.overlay(gfn, "grant_table", Number(idx));
        return 0;
      }
      case XENMAPSPACE_gmfn:
      case XENMAPSPACE_gmfn_range:
        return -EOPNOTSUPP;
      case XENMAPSPACE_gmfn_foreign:
      case XENMAPSPACE_dev_mmio:
        return -EPERM;
      default:
        return -EINVAL;
    }
  }

  /** VCPUOP_register_vcpu_info, after the ABI checks: move the vcpu_info, re-arm the
   * callback latch, force an upcall so the guest rescans, refresh its time. */
  registerVcpuInfo(v: number, gpa: number): number {
    const rc = this.shinfo.registerVcpuInfo(v, gpa);
    if (rc) return rc;
    this.evtchn.syncLatches();
    this.evtchn.deliver(v);
    this.publishTime(v);
    return 0;
  }

  /** XENMEM_populate_physmap for one extent. */
  populateRam(gfn: number, pages: number): boolean {
    if (this.callbacks.populateRam) return this.callbacks.populateRam(gfn, pages);
    for (let i = 0; i < pages; i++) if (!this.mem.isRam((gfn + i) * PAGE_SIZE)) return false;
    this.mem.fill(gfn * PAGE_SIZE, pages * PAGE_SIZE, 0);
    return true;
  }

  /** The domain shuts down (SCHEDOP_shutdown). */
  shutdown(reason: ShutdownReason): HypercallOutcome {
    this.callbacks.shutdown(reason, this.shutdownCode);
    return { shutdown: reason, code: this.shutdownCode };
  }

  // ---- time ----

  /** Write the current pvclock anchor to vCPU v's time records. */
  publishTime(v: number): void {
    this.shinfo.publishTime(v, this.time.current(), this.time.scale, this.config.tscStable);
  }

  /** Re-anchor system time at the current TSC and publish it to every vCPU (after a
   * TSC write or a restore; otherwise the anchor may stay put indefinitely). */
  refreshTime(): void {
    this.time.reanchor();
    for (let v = 0; v < this.vcpus.length; v++) this.publishTime(v);
  }

  private publishWallclock(): void {
    const wc = this.time.wallclock();
    this.shinfo.publishWallclock(wc.sec, wc.nsec);
  }

  // ---- diagnostics ----

  /** Set by a machine whose core answers some hypercalls itself: adds their counts. */
  beforeCountsRead?: () => void;

  countHypercall(nr: number, n = 1): void {
    if (nr >= 0 && nr < 64) this.hcallCounts[nr] += n;
    else this.hcallOther.set(nr, (this.hcallOther.get(nr) ?? 0) + n);
  }

  /** The counts countHypercall() kept, by hypercall number. */
  hypercallCounts(): Map<number, number> {
    this.beforeCountsRead?.();
    const m = new Map(this.hcallOther);
    this.hcallCounts.forEach((n, nr) => {
      if (n) m.set(nr, n);
    });
    return m;
  }

  /** Something deliberately not implemented was asked for: log once per (nr, op). */
  unimplemented(nr: number, op: number, what: string): void {
    const key = `${nr}:${op}`;
    if (this.unimplementedSeen.has(key)) return;
    this.unimplementedSeen.add(key);
    this.callbacks.log?.("unimplemented", `xen: unimplemented ${what}`);
  }

  /** The guest got something wrong (it gets an error code back); rate-limited log. */
  guestError(message: string): void {
    this.stats.guestErrors++;
    if (this.stats.guestErrors <= GUEST_ERROR_LOG_LIMIT) this.callbacks.log?.("guest_error", `xen: ${message}`);
  }

  info(message: string): void {
    this.callbacks.log?.("info", `xen: ${message}`);
  }

  // ---- snapshots ----

  /** Hypervisor state (JSON-safe). Guest RAM and the host-owned pages (shared_info,
   * grant frames, rings) belong to the memory snapshot. */
  save(): XenState {
    return {
      time: this.time.save(),
      shinfo: this.shinfo.save(),
      evtchn: this.evtchn.save(),
      pirqs: this.evtchn.pirqs.save(),
      gnttab: this.gnttab.save(),
      params: this.params.save(),
      timers: this.timers.save(),
      runstate: this.runstate.save(),
      store: this.store.save(),
      shutdownCode: this.shutdownCode,
    };
  }

  /** Restore into a Xen constructed with the same config (its construction made the same
   * host ports and store connections, in the same order). Re-establishes overlays. */
  restore(s: XenState): void {
    this.time.restore(s.time);
    this.shinfo.restore(s.shinfo);
    this.evtchn.pirqs.restore(s.pirqs);
    this.evtchn.restore(s.evtchn);
    this.gnttab.restore(s.gnttab);
    this.params.restore(s.params);
    this.timers.restore(s.timers);
    this.runstate.restore(s.runstate);
    this.store.restore(s.store);
    this.shutdownCode = s.shutdownCode;
    if (this.shinfo.gfn !== null) this.callbacks.overlay(this.shinfo.gfn, "shared_info", 0);
    for (let i = 0; i < this.gnttab.nrFrames; i++) {
      const g = this.gnttab.gfnOf(i);
      if (g !== null) this.callbacks.overlay(g, "grant_table", i);
    }
    this.evtchn.syncLatches();
    this.afterRestore?.();
  }

  /** Set by a machine that caches Xen state outside this object (the core's
   * in-core EVTCHNOP_send table): called once restore() is done. */
  afterRestore?: () => void;
}

function ramLayout(map: readonly MemmapEntry[]): { pages: number; maxGfn: number } {
  let pages = 0;
  let maxGfn = 0;
  for (const e of map) {
    if (e.type !== 1 || e.size <= 0) continue;
    pages += Math.floor(e.size / PAGE_SIZE);
    maxGfn = Math.max(maxGfn, Math.ceil((e.addr + e.size) / PAGE_SIZE) - 1);
  }
  return { pages, maxGfn };
}

/** Xen.stats: `hypercalls` (calls per number, a fresh Map on each read) and `guestErrors`. */
function xenStats(xen: Xen): { readonly hypercalls: Map<number, number>; guestErrors: number } {
  return {
    get hypercalls(): Map<number, number> {
      return xen.hypercallCounts();
    },
    guestErrors: 0,
  };
}
