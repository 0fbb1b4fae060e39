// The GPEX PCIe host bridge (QEMU's "gpex" as used by the xenpvh machine): an
// ECAM window at CTL_ECAM_BASE with one bus per MiB, the host bridge function at
// 00:00.0, and routing of physical accesses to the BARs the guest programmed.
// Only bus 0, function 0 of each device is populated; everything else reads as
// all-ones (no device) and ignores writes.
import { CTL_OFF, CTL_ECAM_BASE, CTL_ECAM_SIZE, DEV_SLOTS, DEV_REC_SIZE, DEVREC_PCICFG_CAP } from "../layout";
import {
  rec, kindOf, initHeader, maskedWrite, rawRead, touches, present, PCI_COMMAND, PCI_BAR0, KIND_HOST_BRIDGE,
  KIND_VIRTIO,
} from "./config";
import { rebuildBarDecode, barLookup, hitSlot, hitBar, hitOff, clearBarDecode } from "./bar";
import { msixCap, msixRecheck } from "./msix";
import { virtioBarRead, virtioBarWrite, virtioPciCfgAccess } from "../virtio/pci_transport";

/** QEMU's "Red Hat, Inc." vendor id and the GPEX host bridge device id. */
// @ts-ignore: decorator
@inline const GPEX_VENDOR: u32 = 0x1b36;
// @ts-ignore: decorator
@inline const GPEX_DEVICE: u32 = 0x0008;
/** Class 06 (bridge) subclass 00 (host bridge), revision 0. */
// @ts-ignore: decorator
@inline const GPEX_CLASS_REV: u32 = 0x06000000;

let ecamBase: u64 = 0;
let ecamSize: u64 = 0;

/** Reads the ECAM placement from the control block, empties bus 0 and puts the
 * host bridge at 00:00.0. The host adds devices afterwards (virtioAdd). */
export function pciInit(): void {
  ecamBase = load<u64>(CTL_OFF + CTL_ECAM_BASE);
  ecamSize = load<u64>(CTL_OFF + CTL_ECAM_SIZE);
  memory.fill(rec(0), 0, DEV_SLOTS * DEV_REC_SIZE);
  initHeader(0, KIND_HOST_BRIDGE, GPEX_VENDOR, GPEX_DEVICE, GPEX_CLASS_REV);
  clearBarDecode();
}

/** After the host restored the device records (a snapshot): re-read the ECAM
 * placement and rebuild the BAR decode table. */
export function pciStateLoaded(): void {
  ecamBase = load<u64>(CTL_OFF + CTL_ECAM_BASE);
  ecamSize = load<u64>(CTL_OFF + CTL_ECAM_SIZE);
  lastGpa = 0xffffffffffffffff;
  rebuildBarDecode();
}

// ---------------------------------------------------------------------------
// Configuration space through ECAM (PCIe 4.0 §7.2.2: bus << 20 | dev << 15 | fn << 12 | reg).

function ecamSlot(off: u64): i32 {
  const bus = (off >> 20) as u32;
  const dev = ((off >> 15) & 31) as u32;
  const fn = ((off >> 12) & 7) as u32;
  if (bus != 0 || fn != 0 || !present(dev)) return -1;
  return dev as i32;
}

export function configRead(slot: u32, reg: u32, size: i32): u64 {
  if (reg >= 256) return 0;
  const pc = load<u32>(rec(slot) + DEVREC_PCICFG_CAP);
  if (pc != 0 && touches(reg, size, pc + 16, 4)) virtioPciCfgAccess(slot, false);
  return rawRead(slot, reg, size);
}

export function configWrite(slot: u32, reg: u32, size: i32, v: u64): void {
  if (reg >= 256) return;
  maskedWrite(slot, reg, size, v);
  if (touches(reg, size, PCI_COMMAND, 2) || touches(reg, size, PCI_BAR0, 24)) {
    rebuildBarDecode();
    msixRecheck(slot); // bus mastering may have come on
  }
  const mc = msixCap(slot);
  if (mc != 0 && touches(reg, size, mc + 2, 2)) msixRecheck(slot);
  const pc = load<u32>(rec(slot) + DEVREC_PCICFG_CAP);
  if (pc != 0 && touches(reg, size, pc + 16, 4)) virtioPciCfgAccess(slot, true);
}

// ---------------------------------------------------------------------------
// Physical-address routing (called by mem/mmio.ts for non-RAM addresses).

// What the last pciClaims() found: 1 ECAM, 2 a BAR.
let lastGpa: u64 = 0xffffffffffffffff;
let lastKind: u32 = 0;

function lookup(gpa: u64): u32 {
  if (gpa == lastGpa) return lastKind;
  let kind: u32 = 0;
  if (gpa - ecamBase < ecamSize) kind = 1;
  else if (barLookup(gpa)) kind = 2;
  lastGpa = gpa;
  lastKind = kind;
  return kind;
}

export function pciClaims(gpa: u64): bool {
  lastGpa = 0xffffffffffffffff; // BARs may have moved since the last access
  return lookup(gpa) != 0;
}

function allOnes(size: i32): u64 {
  return size >= 8 ? 0xffffffffffffffff : ((1 as u64) << ((size as u64) << 3)) - 1;
}

export function pciMmioRead(gpa: u64, size: i32): u64 {
  const k = lookup(gpa);
  if (k == 1) {
    const off = gpa - ecamBase;
    const s = ecamSlot(off);
    if (s < 0) return allOnes(size);
    return configRead(s as u32, (off & 0xfff) as u32, size);
  }
  if (k == 2) {
    if (kindOf(hitSlot) == KIND_VIRTIO) return virtioBarRead(hitSlot, hitBar, hitOff, size);
    return 0;
  }
  return allOnes(size);
}

export function pciMmioWrite(gpa: u64, size: i32, v: u64): void {
  const k = lookup(gpa);
  if (k == 1) {
    const off = gpa - ecamBase;
    const s = ecamSlot(off);
    if (s >= 0) configWrite(s as u32, (off & 0xfff) as u32, size, v);
    lastGpa = 0xffffffffffffffff;
    return;
  }
  if (k == 2 && kindOf(hitSlot) == KIND_VIRTIO) virtioBarWrite(hitSlot, hitBar, hitOff, size, v);
}
