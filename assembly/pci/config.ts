// PCI configuration space of one function (PCI Local Bus 3.0 §6, PCIe 4.0 §7):
// a 256-byte type-0 header plus capabilities, kept in the function's record with
// a byte-wise write mask beside it. Guest writes go through the mask, then the
// registers with side effects (command, BARs, MSI-X control, the virtio
// PCI-config window) are told. Extended space (0x100-0xFFF) has no capabilities
// and reads as zero.
import {
  DEV_OFF, DEV_REC_SIZE, DEV_SLOTS, DEVREC_CFG, DEVREC_WMASK, DEVREC_KIND, DEVREC_BAR_SIZE,
} from "../layout";

// Header offsets.
// @ts-ignore: decorator
@inline export const PCI_VENDOR_ID: u32 = 0x00;
// @ts-ignore: decorator
@inline export const PCI_DEVICE_ID: u32 = 0x02;
// @ts-ignore: decorator
@inline export const PCI_COMMAND: u32 = 0x04;
// @ts-ignore: decorator
@inline export const PCI_STATUS: u32 = 0x06;
// @ts-ignore: decorator
@inline export const PCI_REVISION: u32 = 0x08;
// @ts-ignore: decorator
@inline export const PCI_CLASS_PROG: u32 = 0x09;
// @ts-ignore: decorator
@inline export const PCI_CACHE_LINE: u32 = 0x0c;
// @ts-ignore: decorator
@inline export const PCI_HEADER_TYPE: u32 = 0x0e;
// @ts-ignore: decorator
@inline export const PCI_BAR0: u32 = 0x10;
// @ts-ignore: decorator
@inline export const PCI_SUBSYS_VENDOR: u32 = 0x2c;
// @ts-ignore: decorator
@inline export const PCI_SUBSYS_ID: u32 = 0x2e;
// @ts-ignore: decorator
@inline export const PCI_CAP_PTR: u32 = 0x34;
// @ts-ignore: decorator
@inline export const PCI_INT_LINE: u32 = 0x3c;
// @ts-ignore: decorator
@inline export const PCI_INT_PIN: u32 = 0x3d;

// Command register bits.
// @ts-ignore: decorator
@inline export const CMD_IO: u32 = 1 << 0;
// @ts-ignore: decorator
@inline export const CMD_MEMORY: u32 = 1 << 1;
// @ts-ignore: decorator
@inline export const CMD_BUS_MASTER: u32 = 1 << 2;
/** Writable command bits: I/O, memory, bus master, parity, SERR#, INTx disable. */
// @ts-ignore: decorator
@inline export const CMD_WRITABLE: u32 = 0x0547;
// @ts-ignore: decorator
@inline export const STATUS_CAP_LIST: u32 = 1 << 4;

// Record kinds (DEVREC_KIND).
// @ts-ignore: decorator
@inline export const KIND_NONE: u32 = 0;
// @ts-ignore: decorator
@inline export const KIND_HOST_BRIDGE: u32 = 1;
// @ts-ignore: decorator
@inline export const KIND_VIRTIO: u32 = 2;

// BAR type bits (low dword).
// @ts-ignore: decorator
@inline export const BAR_MEM64: u32 = 0x4;
// @ts-ignore: decorator
@inline export const BAR_PREFETCH: u32 = 0x8;

/** Linear offset of slot's record. */
// @ts-ignore: decorator
@inline export function rec(slot: u32): u32 {
  return DEV_OFF + slot * DEV_REC_SIZE;
}

// @ts-ignore: decorator
@inline export function kindOf(slot: u32): u32 {
  return load<u32>(rec(slot) + DEVREC_KIND);
}

// Raw accessors (no mask): the device model's own view.
export function cfg8(slot: u32, off: u32): u32 {
  return load<u8>(rec(slot) + DEVREC_CFG + off);
}
export function cfg16(slot: u32, off: u32): u32 {
  return load<u16>(rec(slot) + DEVREC_CFG + off);
}
export function cfg32(slot: u32, off: u32): u32 {
  return load<u32>(rec(slot) + DEVREC_CFG + off);
}
export function setCfg8(slot: u32, off: u32, v: u32): void {
  store<u8>(rec(slot) + DEVREC_CFG + off, v as u8);
}
export function setCfg16(slot: u32, off: u32, v: u32): void {
  store<u16>(rec(slot) + DEVREC_CFG + off, v as u16);
}
export function setCfg32(slot: u32, off: u32, v: u32): void {
  store<u32>(rec(slot) + DEVREC_CFG + off, v);
}
/** Guest-writable bits of [off, off+len). */
export function setWmask8(slot: u32, off: u32, m: u32): void {
  store<u8>(rec(slot) + DEVREC_WMASK + off, m as u8);
}
export function setWmask16(slot: u32, off: u32, m: u32): void {
  store<u16>(rec(slot) + DEVREC_WMASK + off, m as u16);
}
export function setWmask32(slot: u32, off: u32, m: u32): void {
  store<u32>(rec(slot) + DEVREC_WMASK + off, m);
}

/** Clears a record and gives it the common type-0 header fields. */
export function initHeader(slot: u32, kind: u32, vendor: u32, device: u32, classRev: u32): void {
  memory.fill(rec(slot), 0, DEV_REC_SIZE);
  store<u32>(rec(slot) + DEVREC_KIND, kind);
  setCfg16(slot, PCI_VENDOR_ID, vendor);
  setCfg16(slot, PCI_DEVICE_ID, device);
  setCfg32(slot, PCI_REVISION, classRev); // revision | prog-if << 8 | subclass << 16 | class << 24
  setWmask16(slot, PCI_COMMAND, CMD_WRITABLE);
  setWmask8(slot, PCI_CACHE_LINE, 0xff);
  setWmask8(slot, PCI_INT_LINE, 0xff);
}

/** Declares memory BAR `bar` of `size` bytes (a power of two, at least 16):
 * the write mask keeps the size bits zero, which is how the guest sizes it. */
export function defineMemBar(slot: u32, bar: u32, size: u32, mem64: bool, prefetch: bool): void {
  const off = PCI_BAR0 + (bar << 2);
  let flags: u32 = 0;
  if (mem64) flags |= BAR_MEM64;
  if (prefetch) flags |= BAR_PREFETCH;
  setCfg32(slot, off, flags);
  setWmask32(slot, off, ~(size - 1) & 0xfffffff0);
  store<u32>(rec(slot) + DEVREC_BAR_SIZE + (bar << 2), size);
  if (mem64) {
    setCfg32(slot, off + 4, 0);
    setWmask32(slot, off + 4, 0xffffffff);
  }
}

/** Guest address of memory BAR `bar` as programmed now (0 if it has no size). */
export function barBase(slot: u32, bar: u32): u64 {
  const lo = cfg32(slot, PCI_BAR0 + (bar << 2));
  let base = (lo & 0xfffffff0) as u64;
  if ((lo & 6) == BAR_MEM64 && bar < 5) base |= (cfg32(slot, PCI_BAR0 + ((bar + 1) << 2)) as u64) << 32;
  return base;
}

export function barSize(slot: u32, bar: u32): u32 {
  return load<u32>(rec(slot) + DEVREC_BAR_SIZE + (bar << 2));
}

/** A guest configuration write: returns the byte range it touched so the caller
 * can run side effects. Only bytes inside the 256-byte header are stored. */
export function maskedWrite(slot: u32, off: u32, size: i32, v: u64): void {
  const base = rec(slot);
  for (let i: i32 = 0; i < size; i++) {
    const a = off + (i as u32);
    if (a >= 256) break;
    const m = load<u8>(base + DEVREC_WMASK + a) as u32;
    if (m == 0) continue;
    const b = ((v >> ((i as u64) << 3)) & 0xff) as u32;
    const old = load<u8>(base + DEVREC_CFG + a) as u32;
    store<u8>(base + DEVREC_CFG + a, ((old & ~m) | (b & m)) as u8);
  }
}

/** Bytes [off, off+size) of the header, little-endian; zero past 256. */
export function rawRead(slot: u32, off: u32, size: i32): u64 {
  let v: u64 = 0;
  const base = rec(slot) + DEVREC_CFG;
  for (let i: i32 = size - 1; i >= 0; i--) {
    const a = off + (i as u32);
    v = (v << 8) | (a < 256 ? (load<u8>(base + a) as u64) : 0);
  }
  return v;
}

/** Does [off, off+size) overlap [reg, reg+len)? */
// @ts-ignore: decorator
@inline export function touches(off: u32, size: i32, reg: u32, len: u32): bool {
  return off < reg + len && reg < off + (size as u32);
}

/** Is `slot` a valid populated function number? */
export function present(slot: u32): bool {
  return slot < DEV_SLOTS && kindOf(slot) != KIND_NONE;
}
