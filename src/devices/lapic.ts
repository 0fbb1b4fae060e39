// The local APIC as the run loop sees it (the APIC itself is in core.wasm,
// assembly/apic/lapic.ts): when its timer will interrupt, and injecting vectors.
import type { Core } from "../core/core.js";
import * as L from "../core/layout.gen.js";

interface LapicExports {
  injectVector(vector: number): void;
  deliverMsi(addr: number, data: number): void;
  resetLapic(): void;
}

const NEVER = 0xffffffffffffffffn;

/** The TSC (the CTL_TSC_BASE domain: the GuestClock's tsc) at which the LAPIC
 * timer next interrupts, or null when it cannot (disarmed, masked, APIC off).
 * Cap run budgets at it and end HLT waits there: the core fires the timer on
 * its own once its TSC reaches the deadline (in a run, or at run() entry). */
export function lapicDeadline(core: Core): number | null {
  const d = core.ctl64(L.CTL_LAPIC_DEADLINE);
  return d === NEVER ? null : Number(d);
}

/** Raises `vector` (16-255) as a fixed, edge-triggered interrupt: sets IRR; the
 * guest takes it when IF and the priority allow, and EOIs it. For Xen per-vCPU
 * upcall vectors (HVMOP_set_evtchn_upcall_vector). */
export function injectVector(core: Core, vector: number): void {
  (core.ex as unknown as LapicExports).injectVector(vector & 0xff);
}

/** An MSI write (address 0xFEExxxxx, data) from a host-side source. */
export function deliverMsi(core: Core, addr: number, data: number): void {
  (core.ex as unknown as LapicExports).deliverMsi(addr >>> 0, data >>> 0);
}

/** Power-on state (the Devices' reset() does this on reboot). */
export function resetLapic(core: Core): void {
  (core.ex as unknown as LapicExports).resetLapic();
}
