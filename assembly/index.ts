// core.wasm's exports: the whole host↔core interface besides the shared memory
import "./imports";
// layout in layout.ts. Numeric only; 64-bit values travel through the control block.
import { CTL_OFF, CTL_ARG0, CTL_RET0, CTL_FAULT_VECTOR, CTL_FAULT_CODE } from "./layout";
import { initCpu, run as runCpu, loadState, signalInterrupt } from "./cpu/exec";
import { refreshRamConfig, frameOff } from "./mem/phys";
import { translate as walk, tlbFlushAll, setAccessPrivilege, selectTlbForCpl, isCanonical } from "./cpu/mmu";
import { faulted, faultVector, faultCode, clearFault } from "./cpu/fault";
import { setVendorAmd } from "./cpu/cpuid";
import { decode } from "./cpu/decode";
import { insnLen, invalid } from "./cpu/decode";
import { mode64, longActive } from "./cpu/state";

/** Called once after the host filled the control block's machine configuration. */
export function init(amd: i32): void {
  initCpu();
  refreshRamConfig();
  setVendorAmd(amd != 0);
  tlbFlushAll();
}

/** Runs up to `budget` instructions; returns an EXIT_* reason (details in the control block). */
export function run(budget: i32): u32 {
  return runCpu(budget);
}

/** Re-reads CPU state the host edited (registers, CR3...) and drops the TLB. */
export function stateChanged(): void {
  loadState();
  tlbFlushAll();
}

/** Frame number (wasm offset >> 12) backing guest frame (hi:lo), allocating it on
 * first touch; -1 when the frame is not RAM/overlay, -2 when the pool is empty. */
export function frameOf(gfnLo: u32, gfnHi: u32): i32 {
  const off = frameOff(((gfnHi as u64) << 32) | (gfnLo as u64));
  if (off < 0) return off as i32;
  return (off >> 12) as i32;
}

/** Translates the guest-virtual address in CTL_ARG0 for `access` (0 read, 1 write,
 * 2 exec, |4 as CPL 3) with the guest's current paging. Returns 0 with the
 * guest-physical address in CTL_RET0, or -1 with the fault in CTL_FAULT_*. The
 * guest's CR2 and TLB are left alone. */
export function translate(access: i32): i32 {
  const gva = load<u64>(CTL_OFF + CTL_ARG0);
  clearFault();
  if (longActive && !isCanonical(gva)) {
    store<u32>(CTL_OFF + CTL_FAULT_VECTOR, 13);
    store<u32>(CTL_OFF + CTL_FAULT_CODE, 0);
    return -1;
  }
  setAccessPrivilege((access & 4) != 0);
  const gpa = walk(longActive ? gva : gva & 0xffffffff, access & 3);
  selectTlbForCpl();
  if (faulted) {
    store<u32>(CTL_OFF + CTL_FAULT_VECTOR, faultVector);
    store<u32>(CTL_OFF + CTL_FAULT_CODE, faultCode);
    clearFault();
    return -1;
  }
  store<u64>(CTL_OFF + CTL_RET0, gpa);
  return 0;
}

/** Drops every TLB entry (the host changed guest page tables or overlays). */
export function flushTlb(): void {
  tlbFlushAll();
}

/** Tells the core an interrupt source may have become deliverable. */
export function interruptPending(): void {
  signalInterrupt();
}

/** Decodes the instruction at RIP and returns its length, or -1 (#UD / fault). */
export function decodeLength(): i32 {
  loadState();
  clearFault();
  decode();
  if (faulted || invalid) { clearFault(); return -1; }
  return insnLen as i32;
}

export { mode64 };
