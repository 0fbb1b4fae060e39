// core.wasm's exports: the whole host↔core interface besides the shared memory
import "./imports";
// layout in layout.ts. Numeric only; 64-bit values travel through the control block.
import { CTL_OFF, CTL_ARG0, CTL_RET0, CTL_FAULT_VECTOR, CTL_FAULT_CODE } from "./layout";
import { initCpu, run as runCpu, loadState, signalInterrupt, markHostDirty, vcpuLoaded, resumeSameCode } from "./cpu/exec";
import { refreshRamConfig, frameOff } from "./mem/phys";
import { translate as walk, tlbFlushAll, setAccessPrivilege, selectTlbForCpl, isCanonical, readableOff } from "./cpu/mmu";
import { faulted, faultVector, faultCode, clearFault } from "./cpu/fault";
import { setVendorAmd } from "./cpu/cpuid";
import { resetToSipi as sipiReset } from "./cpu/reset";
import { decode } from "./cpu/decode";
import { insnLen, invalid } from "./cpu/decode";
import { mode64, longActive } from "./cpu/state";
import { lapicReset, lapicInjectVector, lapicNextDeadline as lapicDeadline, lapicDeliverMsi, lapicStateLoaded } from "./apic/lapic";
import { pciInit as gpexInit, pciStateLoaded } from "./pci/gpex";
import { virtioAdd as addVirtio, virtioConfigChanged, virtioTakeKick } from "./virtio/pci_transport";
import { virtqPop as popChain, virtqPush, virtqPending } from "./virtio/queue";
import { setNeedsReset } from "./virtio/common_cfg";
import { physRead as physReadMem, physWrite as physWriteMem } from "./mem/phys";
import { CTL_ARG1, DEV_OFF, DEV_REC_SIZE, DEVREC_KIND } from "./layout";

/** Called once after the host filled the control block's machine configuration. */
export function init(amd: i32): void {
  initCpu();
  refreshRamConfig();
  setVendorAmd(amd != 0);
  tlbFlushAll();
  lapicReset();
}

/** Runs up to `budget` instructions; returns an EXIT_* reason (details in the control block). */
export function run(budget: i32): u32 {
  return runCpu(budget);
}

/** run() after an exit the host answered in registers only (a hypercall on the
 * fast path): the decoded blocks stay valid without being checked again. */
export function resume(budget: i32): u32 {
  resumeSameCode();
  return runCpu(budget);
}

/** Re-reads CPU state the host edited (registers, CR3...) and drops the TLB. */
export function stateChanged(): void {
  markHostDirty();
  tlbFlushAll();
}

/** The host put another vCPU's saved pages in CPU_OFF, LAPIC_OFF and XEN_OFF
 * (and its id in CTL_VCPU_ID): reload the register file, drop the TLB (it held
 * the other vCPU's translations) and recompute the LAPIC timer. */
export function vcpuSwitched(): void {
  vcpuLoaded();
  tlbFlushAll();
  lapicStateLoaded();
}

/** INIT then a start-up IPI with `vector` (0-255): the vCPU whose register file is
 * in CPU_OFF starts in real mode at vector << 12 at the next run (cpu/reset.ts). */
export function resetToSipi(vector: i32): void {
  sipiReset(vector as u32);
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

/** The u32 at the guest-linear address in CTL_ARG0 when the read TLB of the
 * current privilege maps it (what a load by the guest would read now): 0 with the
 * value in CTL_RET0. -1 on a miss; the host then walks with translate(). Nothing
 * is filled or faulted: a hypercall's argument read on the fast path. */
export function readLinear32(): i32 {
  const o = readableOff(load<u64>(CTL_OFF + CTL_ARG0), 4);
  if (o < 0) return -1;
  store<u64>(CTL_OFF + CTL_RET0, load<u32>(o as usize) as u64);
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
  markHostDirty();
  clearFault();
  decode();
  if (faulted || invalid) { clearFault(); return -1; }
  return insnLen as i32;
}

export { mode64 };

// ---------------------------------------------------------------------------
// Local APIC, PCI and virtio (assembly/apic, pci, virtio).

/** Raises `vector` in the LAPIC as a fixed edge interrupt (Xen per-vCPU upcall vectors). */
export function injectVector(vector: i32): void {
  lapicInjectVector(vector as u32);
}

/** Delivers an MSI (address low dword, data) to the LAPIC. */
export function deliverMsi(addr: i32, data: i32): void {
  lapicDeliverMsi(addr as u32, data as u32);
}

/** 1 with the LAPIC timer's deadline (raw TSC, the CTL_TSC_BASE domain) in
 * CTL_RET0, or 0 when the timer cannot interrupt. Also kept in CTL_LAPIC_DEADLINE. */
export function lapicNextDeadline(): i32 {
  return lapicDeadline();
}

/** Puts the local APIC in its power-on state (init() does this too). */
export function resetLapic(): void {
  lapicReset();
}

/** The host restored the LAPIC page (LAPIC_OFF) and the device records (DEV_OFF,
 * DEV_SLOTS records) from a snapshot: rebuild what is derived from them. */
export function devicesStateLoaded(): void {
  lapicStateLoaded();
  pciStateLoaded();
}

/** Empties PCI bus 0 and places the GPEX host bridge; reads CTL_ECAM_BASE/SIZE. */
export function pciInit(): void {
  gpexInit();
}

/** Makes PCI slot `slot` a virtio device (see virtio/pci_transport.ts). */
export function virtioAdd(slot: i32, type: i32, queues: i32, queueMax: i32, featLo: i32, featHi: i32, cfgLen: i32): i32 {
  return addVirtio(slot as u32, type as u32, queues as u32, queueMax as u32, featLo as u32, featHi as u32, cfgLen as u32);
}

/** Next available chain of a queue: head, -1 (none) or -2 (ring broken; device needs reset). */
export function virtqPop(slot: i32, queue: i32): i32 {
  return popChain(slot as u32, queue as u32);
}

/** Available chains not yet taken. */
export function virtqAvail(slot: i32, queue: i32): i32 {
  return virtqPending(slot as u32, queue as u32) as i32;
}

/** Returns a chain to the driver with `len` bytes written; interrupts unless suppressed. */
export function completeUsed(slot: i32, queue: i32, head: i32, len: i32): i32 {
  return virtqPush(slot as u32, queue as u32, head as u32, len as u32);
}

/** The next pending virtqueue kick as slot << 8 | queue, or -1. */
export function takeKick(): i32 {
  return virtioTakeKick();
}

/** The host rewrote a device's configuration: bump config_generation, interrupt. */
export function configChanged(slot: i32): void {
  virtioConfigChanged(slot as u32);
}

/** The host found a guest protocol error of its own (e.g. a malformed request header
 * it cannot answer): DEVICE_NEEDS_RESET. */
export function deviceNeedsReset(slot: i32): void {
  if ((slot as u32) < 32 && load<u32>(DEV_OFF + (slot as u32) * DEV_REC_SIZE + DEVREC_KIND) == 2) setNeedsReset(slot as u32);
}

/** Physical access as a CPU would make it (RAM, LAPIC, ECAM, BARs), for the host's
 * debugger/monitor and the device tests: gpa in CTL_ARG0, 1/2/4/8 bytes; the
 * value read goes to CTL_RET0, the value written comes from CTL_ARG1. Must not
 * cross a page. Returns 0, or -1 for a bad size or a page crossing. */
export function physRead(size: i32): i32 {
  const gpa = load<u64>(CTL_OFF + CTL_ARG0);
  if ((size != 1 && size != 2 && size != 4 && size != 8) || (gpa & 0xfff) + (size as u64) > 0x1000) return -1;
  store<u64>(CTL_OFF + CTL_RET0, physReadMem(gpa, size));
  return 0;
}
export function physWrite(size: i32): i32 {
  const gpa = load<u64>(CTL_OFF + CTL_ARG0);
  if ((size != 1 && size != 2 && size != 4 && size != 8) || (gpa & 0xfff) + (size as u64) > 0x1000) return -1;
  physWriteMem(gpa, size, load<u64>(CTL_OFF + CTL_ARG1));
  return 0;
}
