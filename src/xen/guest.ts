// What the Xen layer needs from the rest of the machine, as interfaces, so every
// module under src/xen/ runs in unit tests without the CPU core.
//
// The integrator implements XenVcpu over core.wasm's register file and MMU, and
// XenCallbacks over the run loop; tests implement both over a FlatPageSource.

import type { HvmVcpuContext } from "./abi/vcpu.js";

/** One vCPU as the hypervisor sees it. */
export interface XenVcpu {
  /** Xen vCPU id (== MADT ACPI id; APIC id is 2 × id). */
  readonly id: number;
  /** CS.L == 1 and EFER.LMA: picks the 64-bit hypercall ABI and struct layouts. */
  longMode(): boolean;
  /** Current privilege level (CS.DPL / SS.DPL). */
  cpl(): number;
  /** Raw GPR by SDM index: 0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp, 5 rbp, 6 rsi, 7 rdi, 8..15 r8..r15. */
  reg(i: number): bigint;
  setReg(i: number, v: bigint): void;
  /** Copy from guest-VIRTUAL memory through the guest's page tables (supervisor access).
   * Buffers may cross pages. Throws GuestMemoryError on a translation fault or non-RAM. */
  readVirt(gva: bigint, len: number): Uint8Array;
  /** Copy to guest-virtual memory; same rules as readVirt (a write to a read-only page faults). */
  writeVirt(gva: bigint, data: Uint8Array): void;
  /** Deliver `vector` as a fixed, edge-triggered interrupt through this vCPU's LAPIC
   * (sets IRR; the guest EOIs). Used for per-vCPU upcall vectors (HVMOP_set_evtchn_upcall_vector). */
  injectVector(vector: number): void;
  /** CALLBACK_IRQ type 2 (HVM_PARAM_CALLBACK_TYPE_VECTOR): arm a level-style latch that the
   * core re-checks at every interrupt window: while the byte at `vcpuInfoGpa`
   * (vcpu_info.evtchn_upcall_pending) is nonzero and RFLAGS.IF=1, deliver `vector` directly
   * (no IRR/ISR, no EOI). `vector` 0 or `vcpuInfoGpa` < 0 disarms it. Called again
   * whenever the vcpu_info moves (shared_info mapped, register_vcpu_info). */
  setCallbackVector(vector: number, vcpuInfoGpa: number): void;
  /** Wake the vCPU from HLT or a blocking hypercall (SCHEDOP_block / poll). */
  kick(): void;
}

/** What VCPUOP_initialise/up/down/is_up need from the machine. Results are Xen
 * errnos (0 or negative). */
export interface VcpuControl {
  /** Load `ctx` into vCPU v, which must be down (-EEXIST otherwise); -EINVAL for a bad context. */
  initialise(v: number, ctx: HvmVcpuContext): number;
  /** Start vCPU v; -EINVAL if it was never initialised. Up already: 0. */
  up(v: number): number;
  /** Stop vCPU v (the last one up: the domain powers off). */
  down(v: number): number;
  isUp(v: number): boolean;
}

/** Host-owned 4 KiB pages that the guest sees only through add_to_physmap or fixed PFNs. */
export type XenPageKind = "shared_info" | "grant_table" | "console" | "xenstore";

/** SHUTDOWN_* reasons (xen/include/public/sched.h). */
export type ShutdownReason = "poweroff" | "reboot" | "suspend" | "crash" | "watchdog" | "soft_reset";
export const SHUTDOWN_REASONS: readonly ShutdownReason[] = [
  "poweroff",
  "reboot",
  "suspend",
  "crash",
  "watchdog",
  "soft_reset",
];

/** The guest's TSC and the wall clock. Xen system time is derived from the TSC with the
 * same mul/shift the guest uses (src/xen/pvclock.ts), so host and guest agree to the ns. */
export interface XenClock {
  /** The guest TSC now (one TSC shared by all vCPUs; constant rate, never jumps). */
  tsc(): bigint;
  /** Its nominal frequency in kHz (CPUID 0x40000003.ECX). */
  readonly tscKhz: number;
  /** Unix time now in ns; read once per wall-clock publication. */
  unixNs(): bigint;
}

/** The machine-level hooks the Xen layer calls out to. */
export interface XenCallbacks {
  /** The host-owned page (kind, idx) as a 4096-byte view that stays valid for the life of
   * the machine (a view over the linear-memory frame the core overlays). Called once per
   * page. Default: a plain Uint8Array (fine for tests; the guest then never sees it). */
  hostPage?(kind: XenPageKind, idx: number): Uint8Array;
  /** Map the host-owned page (kind, idx) at guest frame `gfn`, hiding whatever RAM was
   * there. A page lives at one gfn at a time: mapping it again moves it, and the old
   * gfn reverts to what it was before (RAM or hole). */
  overlay(gfn: number, kind: XenPageKind, idx: number): void;
  /** SCHEDOP_shutdown (or the last vCPU going down). `code` is the SCHEDOP_shutdown_code value. */
  shutdown(reason: ShutdownReason, code: number): void;
  /** Guest console output: console_io writes and everything drained from the PV console ring. */
  consoleWrite(bytes: Uint8Array): void;
  /** XENMEM_populate_physmap / increase_reservation: back `pages` frames from `gfn` with
   * zeroed RAM. Default: succeeds iff the frames already are RAM (they are zeroed). */
  populateRam?(gfn: number, pages: number): boolean;
  /** XENMEM_decrease_reservation: the guest gave these frames back. Default: ignored. */
  releaseRam?(gfn: number, pages: number): void;
  /** Secondary vCPU bring-up (VCPUOP_initialise/up/down/is_up). Absent: those ops
   * answer -ENOSYS (a machine that starts APs only through INIT/STARTUP). */
  vcpus?: VcpuControl;
  /** Diagnostics: "unimplemented" (once per hypercall/op), "guest_error" (rate-limited). */
  log?(kind: "unimplemented" | "guest_error" | "info", message: string): void;
}
