// virtio over PCI, modern interface only (virtio 1.x §4.1): the configuration
// header and capability list of a virtio function, and its two BARs.
//
//   BAR 1 (32-bit, 4 KiB)      MSI-X table at 0, PBA at 0x800
//   BAR 4 (64-bit, pref, 16 KiB)
//     0x0000  common configuration (virtio_pci_common_cfg)
//     0x1000  ISR status
//     0x2000  device-specific configuration
//     0x3000  notifications: queue q at 0x3000 + 4 * q (notify_off_multiplier 4)
//
// Capability list: 0x40 MSI-X -> 0x4C PCI Express (root-complex integrated
// endpoint) -> 0x88 common -> 0x98 notify -> 0xAC ISR -> 0xBC device ->
// 0xCC PCI-config access.
import {
  CTL_OFF, CTL_NOTIFY_SLOT, CTL_NOTIFY_QUEUE, EXIT_VIRTIO_NOTIFY, DEV_SLOTS, DEVREC_VIRTIO_ID,
  DEVREC_DEV_FEATURES, DEVREC_NUM_QUEUES, DEVREC_QUEUE_MAX, DEVREC_ISR, DEVREC_KICKS, DEVREC_DEVCFG,
  DEVREC_DEVCFG_LEN, DEVREC_PCICFG_CAP, DEVREC_MAX_QUEUES, DEVREC_MSIX_MAX, VQ_MSIX,
} from "../layout";
import {
  rec, initHeader, defineMemBar, setCfg8, setCfg16, setCfg32, setWmask8, setWmask16, setWmask32, cfg8, cfg32,
  barSize, PCI_STATUS, PCI_CAP_PTR, PCI_SUBSYS_VENDOR, PCI_SUBSYS_ID, STATUS_CAP_LIST, KIND_VIRTIO,
} from "../pci/config";
import { msixInit, msixRead, msixWrite, msixSignal, msixEnabled } from "../pci/msix";
import {
  commonRead, commonWrite, virtioReset, queueRec, numQueues, queueLive, status, cc, bumpConfigGeneration,
  F_VERSION_1, F_INDIRECT_DESC, F_EVENT_IDX, NO_VECTOR, CC_MSIX, S_DRIVER_OK,
} from "./common_cfg";
import { requestExit } from "./notify";

// @ts-ignore: decorator
@inline const VIRTIO_VENDOR: u32 = 0x1af4;
/** Modern device ids are 0x1040 + the virtio device type (§4.1.2.1). */
// @ts-ignore: decorator
@inline const VIRTIO_DEVICE_BASE: u32 = 0x1040;
// @ts-ignore: decorator
@inline const SUBSYS_ID: u32 = 0x1100;

// @ts-ignore: decorator
@inline const MSIX_BAR: u32 = 1;
// @ts-ignore: decorator
@inline const CFG_BAR: u32 = 4;
// @ts-ignore: decorator
@inline const CFG_BAR_SIZE: u32 = 0x4000;
// @ts-ignore: decorator
@inline const REGION_COMMON: u32 = 0x0000;
// @ts-ignore: decorator
@inline const REGION_ISR: u32 = 0x1000;
// @ts-ignore: decorator
@inline const REGION_DEVICE: u32 = 0x2000;
// @ts-ignore: decorator
@inline const REGION_NOTIFY: u32 = 0x3000;
// @ts-ignore: decorator
@inline const REGION_SIZE: u32 = 0x1000;
// @ts-ignore: decorator
@inline const NOTIFY_MULTIPLIER: u32 = 4;

// virtio_pci_cap cfg_type values (§4.1.4).
// @ts-ignore: decorator
@inline const CAP_COMMON: u32 = 1;
// @ts-ignore: decorator
@inline const CAP_NOTIFY: u32 = 2;
// @ts-ignore: decorator
@inline const CAP_ISR: u32 = 3;
// @ts-ignore: decorator
@inline const CAP_DEVICE: u32 = 4;
// @ts-ignore: decorator
@inline const CAP_PCI_CFG: u32 = 5;

// Capability offsets.
// @ts-ignore: decorator
@inline const OFF_MSIX: u32 = 0x40;
// @ts-ignore: decorator
@inline const OFF_PCIE: u32 = 0x4c;
// @ts-ignore: decorator
@inline const OFF_COMMON: u32 = 0x88;
// @ts-ignore: decorator
@inline const OFF_NOTIFY: u32 = 0x98;
// @ts-ignore: decorator
@inline const OFF_ISR: u32 = 0xac;
// @ts-ignore: decorator
@inline const OFF_DEVICE: u32 = 0xbc;
// @ts-ignore: decorator
@inline const OFF_PCI_CFG: u32 = 0xcc;

/** Class code per device type: net 02/00, block 01/00, console 07/80. */
function classFor(type: u32): u32 {
  if (type == 1) return 0x02000000;
  if (type == 2) return 0x01000000;
  if (type == 3) return 0x07800000;
  return 0xff000000;
}

function vendorCap(slot: u32, at: u32, next: u32, len: u32, type: u32, offset: u32, length: u32): void {
  setCfg8(slot, at, 0x09); // vendor-specific
  setCfg8(slot, at + 1, next);
  setCfg8(slot, at + 2, len);
  setCfg8(slot, at + 3, type);
  setCfg8(slot, at + 4, CFG_BAR);
  setCfg32(slot, at + 8, offset);
  setCfg32(slot, at + 12, length);
}

/** Host export: makes `slot` a virtio device of `type` (1 net, 2 block, 3
 * console) with `queues` virtqueues of at most `queueMax` entries (a power of
 * two) and the device-specific feature bits (the transport adds VERSION_1,
 * INDIRECT_DESC and EVENT_IDX). The host then writes `cfgLen` bytes of device
 * configuration at DEVREC_DEVCFG. Returns 0, or -1 for bad arguments. */
export function virtioAdd(slot: u32, type: u32, queues: u32, queueMax: u32, featLo: u32, featHi: u32, cfgLen: u32): i32 {
  if (slot == 0 || slot >= DEV_SLOTS || queues == 0 || queues > DEVREC_MAX_QUEUES || queues + 1 > DEVREC_MSIX_MAX) return -1;
  if (queueMax == 0 || queueMax > 32768 || (queueMax & (queueMax - 1)) != 0 || cfgLen > 256) return -1;
  // Revision 1: a modern-only (non-transitional) device (§4.1.2.1).
  initHeader(slot, KIND_VIRTIO, VIRTIO_VENDOR, VIRTIO_DEVICE_BASE + type, classFor(type) | 1);
  const r = rec(slot);
  store<u32>(r + DEVREC_VIRTIO_ID, type);
  const feats = ((featHi as u64) << 32 | (featLo as u64)) | F_VERSION_1 | F_INDIRECT_DESC | F_EVENT_IDX;
  store<u64>(r + DEVREC_DEV_FEATURES, feats);
  store<u32>(r + DEVREC_NUM_QUEUES, queues);
  store<u32>(r + DEVREC_QUEUE_MAX, queueMax);
  store<u32>(r + DEVREC_DEVCFG_LEN, cfgLen);
  setCfg16(slot, PCI_SUBSYS_VENDOR, VIRTIO_VENDOR);
  setCfg16(slot, PCI_SUBSYS_ID, SUBSYS_ID);
  setCfg16(slot, PCI_STATUS, STATUS_CAP_LIST);
  // No INTx: PVH has no IOAPIC to route it to, so the pin stays 0 and drivers use MSI-X.
  defineMemBar(slot, MSIX_BAR, 0x1000, false, false);
  defineMemBar(slot, CFG_BAR, CFG_BAR_SIZE, true, true);
  setCfg8(slot, PCI_CAP_PTR, OFF_MSIX);
  msixInit(slot, OFF_MSIX, OFF_PCIE, queues + 1, MSIX_BAR);
  // PCI Express capability v2, root-complex integrated endpoint: no link registers.
  setCfg8(slot, OFF_PCIE, 0x10);
  setCfg8(slot, OFF_PCIE + 1, OFF_COMMON);
  setCfg16(slot, OFF_PCIE + 2, 0x0092);
  setCfg32(slot, OFF_PCIE + 4, 1 << 15); // device capabilities: role-based error reporting
  setWmask16(slot, OFF_PCIE + 8, 0x7fff); // device control (no function-level reset)
  vendorCap(slot, OFF_COMMON, OFF_NOTIFY, 16, CAP_COMMON, REGION_COMMON, REGION_SIZE);
  vendorCap(slot, OFF_NOTIFY, OFF_ISR, 20, CAP_NOTIFY, REGION_NOTIFY, REGION_SIZE);
  setCfg32(slot, OFF_NOTIFY + 16, NOTIFY_MULTIPLIER);
  vendorCap(slot, OFF_ISR, OFF_DEVICE, 16, CAP_ISR, REGION_ISR, REGION_SIZE);
  vendorCap(slot, OFF_DEVICE, OFF_PCI_CFG, 16, CAP_DEVICE, REGION_DEVICE, REGION_SIZE);
  // The PCI-config access window (§4.1.4.9): bar, offset and length are the driver's.
  vendorCap(slot, OFF_PCI_CFG, 0, 20, CAP_PCI_CFG, 0, 0);
  setCfg8(slot, OFF_PCI_CFG + 4, 0);
  setWmask8(slot, OFF_PCI_CFG + 4, 0xff);
  setWmask32(slot, OFF_PCI_CFG + 8, 0xffffffff);
  setWmask32(slot, OFF_PCI_CFG + 12, 0xffffffff);
  setWmask32(slot, OFF_PCI_CFG + 16, 0xffffffff);
  store<u32>(r + DEVREC_PCICFG_CAP, OFF_PCI_CFG);
  virtioReset(slot);
  return 0;
}

// ---------------------------------------------------------------------------
// Interrupts.

/** Used-buffer notification for queue q: its MSI-X vector, or ISR bit 0 (INTx
 * has no route on PVH, so without MSI-X the driver can only poll the ISR). */
export function virtioQueueInterrupt(slot: u32, q: u32): void {
  if (msixEnabled(slot)) {
    const v = load<u16>(queueRec(slot, q) + VQ_MSIX) as u32;
    if (v != NO_VECTOR) msixSignal(slot, v);
    return;
  }
  const a = rec(slot) + DEVREC_ISR;
  store<u32>(a, load<u32>(a) | 1);
}

/** Configuration-change notification (§4.1.5.3). */
export function virtioConfigInterrupt(slot: u32): void {
  const a = rec(slot) + DEVREC_ISR;
  store<u32>(a, load<u32>(a) | 2);
  if (msixEnabled(slot)) {
    const v = load<u16>(cc(slot) + CC_MSIX) as u32;
    if (v != NO_VECTOR) msixSignal(slot, v);
  }
}

/** Host export: the device configuration changed (the host already rewrote it). */
export function virtioConfigChanged(slot: u32): void {
  if (slot >= DEV_SLOTS || load<u32>(rec(slot) + DEVREC_VIRTIO_ID) == 0) return;
  bumpConfigGeneration(slot);
  if ((status(slot) & S_DRIVER_OK) != 0) virtioConfigInterrupt(slot);
}

// ---------------------------------------------------------------------------
// Notifications: the kick leaves the core so the host backend can run.

function kick(slot: u32, q: u32): void {
  if (!queueLive(slot, q)) return;
  const a = rec(slot) + DEVREC_KICKS;
  store<u32>(a, load<u32>(a) | (1 << q));
  store<u32>(CTL_OFF + CTL_NOTIFY_SLOT, slot);
  store<u32>(CTL_OFF + CTL_NOTIFY_QUEUE, q);
  requestExit(EXIT_VIRTIO_NOTIFY);
}

/** Host export: the next pending kick as slot << 8 | queue (and clears it), or -1. */
export function virtioTakeKick(): i32 {
  for (let s: u32 = 1; s < DEV_SLOTS; s++) {
    const a = rec(s) + DEVREC_KICKS;
    const k = load<u32>(a);
    if (k == 0) continue;
    const q = ctz<u32>(k);
    store<u32>(a, k & (k - 1));
    return ((s << 8) | q) as i32;
  }
  return -1;
}

// ---------------------------------------------------------------------------
// BAR accesses.

function deviceCfgRead(slot: u32, off: u32, size: i32): u64 {
  const len = load<u32>(rec(slot) + DEVREC_DEVCFG_LEN);
  let v: u64 = 0;
  for (let i: i32 = size - 1; i >= 0; i--) {
    const a = off + (i as u32);
    v = (v << 8) | (a < len ? (load<u8>(rec(slot) + DEVREC_DEVCFG + a) as u64) : 0);
  }
  return v;
}

export function virtioBarRead(slot: u32, bar: u32, off: u32, size: i32): u64 {
  if (bar == MSIX_BAR) return msixRead(slot, off, size);
  if (bar != CFG_BAR) return 0;
  const region = off & ~(REGION_SIZE - 1);
  const o = off & (REGION_SIZE - 1);
  if (region == REGION_COMMON) return commonRead(slot, o, size);
  if (region == REGION_ISR) {
    // Reading the ISR acknowledges it (§4.1.4.5).
    if (o != 0) return 0;
    const a = rec(slot) + DEVREC_ISR;
    const v = load<u32>(a);
    store<u32>(a, 0);
    return v as u64;
  }
  if (region == REGION_DEVICE) return deviceCfgRead(slot, o, size);
  return 0;
}

export function virtioBarWrite(slot: u32, bar: u32, off: u32, size: i32, v: u64): void {
  if (bar == MSIX_BAR) {
    msixWrite(slot, off, size, v);
    return;
  }
  if (bar != CFG_BAR) return;
  const region = off & ~(REGION_SIZE - 1);
  const o = off & (REGION_SIZE - 1);
  if (region == REGION_COMMON) commonWrite(slot, o, size, v);
  else if (region == REGION_NOTIFY) {
    const q = o / NOTIFY_MULTIPLIER;
    if (q < numQueues(slot)) kick(slot, q);
  }
  // Device configuration is read-only for every device model here.
}

/** The VIRTIO_PCI_CAP_PCI_CFG window: a config access to pci_cfg_data reads or
 * writes `length` (1, 2 or 4) bytes of BAR `bar` at `offset`. */
export function virtioPciCfgAccess(slot: u32, write: bool): void {
  const cap = load<u32>(rec(slot) + DEVREC_PCICFG_CAP);
  const bar = cfg8(slot, cap + 4);
  const offset = cfg32(slot, cap + 8);
  const length = cfg32(slot, cap + 12);
  if (bar > 5 || (length != 1 && length != 2 && length != 4)) return;
  const size = barSize(slot, bar);
  if (size == 0 || offset >= size || size - offset < length || (offset & (length - 1)) != 0) return;
  if (write) {
    const mask: u32 = length == 4 ? 0xffffffff : (1 << (length << 3)) - 1;
    virtioBarWrite(slot, bar, offset, length as i32, (cfg32(slot, cap + 16) & mask) as u64);
  } else {
    setCfg32(slot, cap + 16, virtioBarRead(slot, bar, offset, length as i32) as u32);
  }
}
