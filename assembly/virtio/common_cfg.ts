// virtio_pci_common_cfg (virtio 1.x §4.1.4.3): feature negotiation, device
// status and reset, and per-queue setup through queue_select. The structure is
// kept as a 64-byte image in the function's record that reads come straight
// from; writes land in the image byte by byte (read-only fields are restored)
// and then the touched fields take effect.
import {
  DEVREC_COMMON, DEVREC_DEV_FEATURES, DEVREC_DRV_FEATURES, DEVREC_NUM_QUEUES, DEVREC_QUEUE_MAX,
  DEVREC_MSIX_COUNT, DEVREC_ISR, DEVREC_RESET_GEN, DEVREC_KICKS, DEVREC_QUEUES, DEVREC_QUEUE_SIZE,
  DEVREC_GUEST_ERRORS, VQ_SIZE, VQ_MSIX, VQ_ENABLE, VQ_DESC, VQ_DRIVER, VQ_DEVICE, VQ_LAST_AVAIL, VQ_USED_IDX,
  VQ_INFLIGHT,
} from "../layout";
import { rec, touches } from "../pci/config";
import { dmaOff } from "./guest_ram";
import { virtioConfigInterrupt } from "./pci_transport";

// Field offsets in the structure.
// @ts-ignore: decorator
@inline export const CC_DFSELECT: u32 = 0x00;
// @ts-ignore: decorator
@inline export const CC_DF: u32 = 0x04;
// @ts-ignore: decorator
@inline export const CC_GFSELECT: u32 = 0x08;
// @ts-ignore: decorator
@inline export const CC_GF: u32 = 0x0c;
// @ts-ignore: decorator
@inline export const CC_MSIX: u32 = 0x10;
// @ts-ignore: decorator
@inline export const CC_NUMQ: u32 = 0x12;
// @ts-ignore: decorator
@inline export const CC_STATUS: u32 = 0x14;
// @ts-ignore: decorator
@inline export const CC_CFGGEN: u32 = 0x15;
// @ts-ignore: decorator
@inline export const CC_Q_SELECT: u32 = 0x16;
// @ts-ignore: decorator
@inline export const CC_Q_SIZE: u32 = 0x18;
// @ts-ignore: decorator
@inline export const CC_Q_MSIX: u32 = 0x1a;
// @ts-ignore: decorator
@inline export const CC_Q_ENABLE: u32 = 0x1c;
// @ts-ignore: decorator
@inline export const CC_Q_NOFF: u32 = 0x1e;
// @ts-ignore: decorator
@inline export const CC_Q_DESC: u32 = 0x20;
// @ts-ignore: decorator
@inline export const CC_Q_DRIVER: u32 = 0x28;
// @ts-ignore: decorator
@inline export const CC_Q_DEVICE: u32 = 0x30;
// @ts-ignore: decorator
@inline export const CC_SIZE: u32 = 0x40;

// Device status bits (§2.1).
// @ts-ignore: decorator
@inline export const S_ACKNOWLEDGE: u32 = 1;
// @ts-ignore: decorator
@inline export const S_DRIVER: u32 = 2;
// @ts-ignore: decorator
@inline export const S_DRIVER_OK: u32 = 4;
// @ts-ignore: decorator
@inline export const S_FEATURES_OK: u32 = 8;
// @ts-ignore: decorator
@inline export const S_NEEDS_RESET: u32 = 0x40;
// @ts-ignore: decorator
@inline export const S_FAILED: u32 = 0x80;

// Transport feature bits (§6).
// @ts-ignore: decorator
@inline export const F_INDIRECT_DESC: u64 = (1 as u64) << 28;
// @ts-ignore: decorator
@inline export const F_EVENT_IDX: u64 = (1 as u64) << 29;
// @ts-ignore: decorator
@inline export const F_VERSION_1: u64 = (1 as u64) << 32;

// @ts-ignore: decorator
@inline export const NO_VECTOR: u32 = 0xffff;

// @ts-ignore: decorator
@inline export function cc(slot: u32): u32 {
  return rec(slot) + DEVREC_COMMON;
}
// @ts-ignore: decorator
@inline export function queueRec(slot: u32, q: u32): u32 {
  return rec(slot) + DEVREC_QUEUES + q * DEVREC_QUEUE_SIZE;
}

export function status(slot: u32): u32 {
  return load<u8>(cc(slot) + CC_STATUS);
}

export function numQueues(slot: u32): u32 {
  return load<u32>(rec(slot) + DEVREC_NUM_QUEUES);
}

export function negotiated(slot: u32, f: u64): bool {
  return (load<u64>(rec(slot) + DEVREC_DRV_FEATURES) & f) != 0;
}

/** The device may use the queue: enabled, features agreed, no reset pending. */
export function queueLive(slot: u32, q: u32): bool {
  if (q >= numQueues(slot)) return false;
  const s = status(slot);
  if ((s & S_FEATURES_OK) == 0 || (s & (S_NEEDS_RESET | S_FAILED)) != 0) return false;
  return load<u16>(queueRec(slot, q) + VQ_ENABLE) != 0;
}

/** The guest broke the protocol in a way the device cannot recover from (§2.1.2):
 * set DEVICE_NEEDS_RESET and tell the driver with a configuration interrupt. */
export function setNeedsReset(slot: u32): void {
  const a = rec(slot) + DEVREC_GUEST_ERRORS;
  store<u32>(a, load<u32>(a) + 1);
  const s = status(slot);
  if ((s & S_NEEDS_RESET) != 0) return;
  store<u8>(cc(slot) + CC_STATUS, (s | S_NEEDS_RESET) as u8);
  // Only a driver past DRIVER_OK listens for the config interrupt.
  if ((s & S_DRIVER_OK) != 0) virtioConfigInterrupt(slot);
}

/** Copies the selected queue's state into the image (queue_size 0 = no such queue). */
function loadQueueImage(slot: u32): void {
  const c = cc(slot);
  const q = load<u16>(c + CC_Q_SELECT) as u32;
  if (q >= numQueues(slot)) {
    memory.fill(c + CC_Q_SIZE, 0, CC_SIZE - CC_Q_SIZE);
    return;
  }
  const r = queueRec(slot, q);
  store<u16>(c + CC_Q_SIZE, load<u16>(r + VQ_SIZE));
  store<u16>(c + CC_Q_MSIX, load<u16>(r + VQ_MSIX));
  store<u16>(c + CC_Q_ENABLE, load<u16>(r + VQ_ENABLE));
  store<u16>(c + CC_Q_NOFF, q as u16);
  store<u64>(c + CC_Q_DESC, load<u64>(r + VQ_DESC));
  store<u64>(c + CC_Q_DRIVER, load<u64>(r + VQ_DRIVER));
  store<u64>(c + CC_Q_DEVICE, load<u64>(r + VQ_DEVICE));
  store<u32>(c + 0x38, 0); // queue_notify_data, queue_reset (not offered)
}

function loadFeatureImage(slot: u32): void {
  const c = cc(slot);
  const ds = load<u32>(c + CC_DFSELECT);
  const df = load<u64>(rec(slot) + DEVREC_DEV_FEATURES);
  store<u32>(c + CC_DF, ds == 0 ? (df as u32) : ds == 1 ? ((df >> 32) as u32) : 0);
  const gs = load<u32>(c + CC_GFSELECT);
  const gf = load<u64>(rec(slot) + DEVREC_DRV_FEATURES);
  store<u32>(c + CC_GF, gs == 0 ? (gf as u32) : gs == 1 ? ((gf >> 32) as u32) : 0);
}

/** Device reset (§2.4): status 0 writes, or the host at setup. Queues go back to
 * their maximum size, vectors to NO_VECTOR; the reset generation moves on so the
 * host drops completions of requests taken before the reset. */
export function virtioReset(slot: u32): void {
  const r = rec(slot);
  const c = cc(slot);
  const gen = load<u8>(c + CC_CFGGEN);
  memory.fill(c, 0, CC_SIZE);
  store<u8>(c + CC_CFGGEN, gen);
  store<u16>(c + CC_NUMQ, numQueues(slot) as u16);
  store<u16>(c + CC_MSIX, NO_VECTOR as u16);
  store<u64>(r + DEVREC_DRV_FEATURES, 0);
  store<u32>(r + DEVREC_ISR, 0);
  store<u32>(r + DEVREC_KICKS, 0);
  store<u32>(r + DEVREC_RESET_GEN, load<u32>(r + DEVREC_RESET_GEN) + 1);
  const max = load<u32>(r + DEVREC_QUEUE_MAX);
  for (let q: u32 = 0; q < numQueues(slot); q++) {
    const qr = queueRec(slot, q);
    memory.fill(qr, 0, DEVREC_QUEUE_SIZE);
    store<u16>(qr + VQ_SIZE, max as u16);
    store<u16>(qr + VQ_MSIX, NO_VECTOR as u16);
  }
  loadFeatureImage(slot);
  loadQueueImage(slot);
}

function statusWrite(slot: u32, old: u32, v: u32): void {
  if (v == 0) {
    virtioReset(slot);
    return;
  }
  // NEEDS_RESET belongs to the device; the driver cannot clear bits but by reset.
  let s = (v & ~S_NEEDS_RESET) | (old & S_NEEDS_RESET);
  if ((s & S_FEATURES_OK) != 0 && (old & S_FEATURES_OK) == 0) {
    const dev = load<u64>(rec(slot) + DEVREC_DEV_FEATURES);
    const drv = load<u64>(rec(slot) + DEVREC_DRV_FEATURES);
    // Modern devices only: VERSION_1 is required, and nothing the device lacks.
    if ((drv & ~dev) != 0 || (drv & F_VERSION_1) == 0) s &= ~S_FEATURES_OK;
  }
  store<u8>(cc(slot) + CC_STATUS, s as u8);
}

/** Power of two in 1..max. */
function validQueueSize(n: u32, max: u32): bool {
  return n != 0 && n <= max && (n & (n - 1)) == 0;
}

/** queue_enable = 1: checks alignment (§2.7) and that the rings are RAM. */
function enableQueue(slot: u32, q: u32): void {
  const r = queueRec(slot, q);
  const n = load<u16>(r + VQ_SIZE) as u32;
  const desc = load<u64>(r + VQ_DESC);
  const drv = load<u64>(r + VQ_DRIVER);
  const dev = load<u64>(r + VQ_DEVICE);
  let ok = validQueueSize(n, load<u32>(rec(slot) + DEVREC_QUEUE_MAX));
  ok = ok && (desc & 15) == 0 && (drv & 1) == 0 && (dev & 3) == 0;
  // Each ring's first and last byte must be RAM (the rings are walked per field later).
  ok = ok && dmaOff(desc, 16) >= 0 && dmaOff(desc + ((n - 1) as u64) * 16, 16) >= 0;
  ok = ok && dmaOff(drv, 2) >= 0 && dmaOff(drv + 4 + (n as u64) * 2, 2) >= 0;
  ok = ok && dmaOff(dev, 2) >= 0 && dmaOff(dev + 4 + (n as u64) * 8, 2) >= 0;
  if (!ok) {
    setNeedsReset(slot);
    return;
  }
  store<u16>(r + VQ_ENABLE, 1);
  store<u16>(r + VQ_LAST_AVAIL, 0);
  store<u16>(r + VQ_USED_IDX, 0);
  store<u32>(r + VQ_INFLIGHT, 0);
}

// Bytes of the structure the driver may write.
function writableByte(a: u32): bool {
  if (a < 0x04) return true; // device_feature_select
  if (a < 0x08) return false;
  if (a < 0x12) return true; // driver_feature_select, driver_feature, config_msix_vector
  if (a < 0x14) return false;
  if (a == 0x14) return true; // device_status
  if (a == 0x15) return false;
  if (a < 0x1e) return true; // queue_select, queue_size, queue_msix_vector, queue_enable
  if (a < 0x20) return false;
  return a < 0x38; // queue_desc, queue_driver, queue_device
}

export function commonRead(slot: u32, off: u32, size: i32): u64 {
  let v: u64 = 0;
  const c = cc(slot);
  for (let i: i32 = size - 1; i >= 0; i--) {
    const a = off + (i as u32);
    v = (v << 8) | (a < CC_SIZE ? (load<u8>(c + a) as u64) : 0);
  }
  return v;
}

export function commonWrite(slot: u32, off: u32, size: i32, v: u64): void {
  const c = cc(slot);
  const oldStatus = status(slot);
  const oldEnable = load<u16>(c + CC_Q_ENABLE) as u32;
  for (let i: i32 = 0; i < size; i++) {
    const a = off + (i as u32);
    if (a >= CC_SIZE || !writableByte(a)) continue;
    store<u8>(c + a, ((v >> ((i as u64) << 3)) & 0xff) as u8);
  }
  const r = rec(slot);
  if (touches(off, size, CC_GF, 4)) {
    // Features are fixed once FEATURES_OK is set.
    const sel = load<u32>(c + CC_GFSELECT);
    if ((oldStatus & S_FEATURES_OK) == 0 && sel < 2) {
      const f = load<u64>(r + DEVREC_DRV_FEATURES);
      const part = load<u32>(c + CC_GF) as u64;
      store<u64>(r + DEVREC_DRV_FEATURES, sel == 0 ? (f & 0xffffffff00000000) | part : (f & 0xffffffff) | (part << 32));
    }
  }
  if (touches(off, size, CC_MSIX, 2)) {
    // A vector the device cannot use reads back as NO_VECTOR (§4.1.5.1.2).
    if ((load<u16>(c + CC_MSIX) as u32) >= load<u32>(r + DEVREC_MSIX_COUNT)) store<u16>(c + CC_MSIX, NO_VECTOR as u16);
  }
  if (touches(off, size, CC_STATUS, 1)) statusWrite(slot, oldStatus, load<u8>(c + CC_STATUS));
  else store<u8>(c + CC_STATUS, oldStatus as u8);
  if (touches(off, size, CC_Q_SIZE, 0x20)) {
    const q = load<u16>(c + CC_Q_SELECT) as u32;
    if (q < numQueues(slot)) {
      const qr = queueRec(slot, q);
      if (load<u16>(qr + VQ_ENABLE) == 0) {
        // Size and ring addresses are only taken while the queue is disabled.
        store<u16>(qr + VQ_SIZE, load<u16>(c + CC_Q_SIZE));
        store<u64>(qr + VQ_DESC, load<u64>(c + CC_Q_DESC));
        store<u64>(qr + VQ_DRIVER, load<u64>(c + CC_Q_DRIVER));
        store<u64>(qr + VQ_DEVICE, load<u64>(c + CC_Q_DEVICE));
      }
      let vec = load<u16>(c + CC_Q_MSIX) as u32;
      if (vec >= load<u32>(r + DEVREC_MSIX_COUNT)) vec = NO_VECTOR;
      store<u16>(qr + VQ_MSIX, vec as u16);
      if (touches(off, size, CC_Q_ENABLE, 2) && oldEnable == 0 && load<u16>(c + CC_Q_ENABLE) == 1 &&
        load<u16>(qr + VQ_ENABLE) == 0) enableQueue(slot, q);
    }
  }
  // Selectors and anything the device adjusted show through on the next read.
  loadFeatureImage(slot);
  loadQueueImage(slot);
}

/** Host: the device configuration changed (link state, capacity). */
export function bumpConfigGeneration(slot: u32): void {
  const c = cc(slot);
  store<u8>(c + CC_CFGGEN, (load<u8>(c + CC_CFGGEN) + 1) as u8);
}
