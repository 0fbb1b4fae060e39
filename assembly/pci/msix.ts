// MSI-X (PCI Local Bus 3.0 §6.8.2): the capability, the vector table and the
// pending-bit array of one function. A vector fires through the local APIC
// (lapicDeliverMsi) unless the function or the entry is masked, or bus mastering
// is off; then its PBA bit is set and it fires when unmasked.
import { DEVREC_MSIX, DEVREC_MSIX_COUNT, DEVREC_PBA, DEVREC_MSIX_CAP } from "../layout";
import {
  rec, cfg16, setCfg8, setCfg16, setCfg32, setWmask16, PCI_COMMAND, CMD_BUS_MASTER,
} from "./config";
import { lapicDeliverMsi } from "../apic/lapic";

// @ts-ignore: decorator
@inline export const MSIX_CAP_ID: u32 = 0x11;
// @ts-ignore: decorator
@inline export const MSIX_CTRL_ENABLE: u32 = 1 << 15;
// @ts-ignore: decorator
@inline export const MSIX_CTRL_MASKALL: u32 = 1 << 14;
// @ts-ignore: decorator
@inline export const MSIX_ENTRY_MASKED: u32 = 1;
/** Table and PBA offsets inside the MSI-X BAR. */
// @ts-ignore: decorator
@inline export const MSIX_TABLE_OFF: u32 = 0;
// @ts-ignore: decorator
@inline export const MSIX_PBA_OFF: u32 = 0x800;

/** Writes the capability at `cap` (12 bytes) for `vectors` entries in BAR `bir`,
 * table at offset 0 and PBA at MSIX_PBA_OFF, and masks every entry. */
export function msixInit(slot: u32, cap: u32, next: u32, vectors: u32, bir: u32): void {
  setCfg8(slot, cap, MSIX_CAP_ID);
  setCfg8(slot, cap + 1, next);
  setCfg16(slot, cap + 2, vectors - 1);
  setWmask16(slot, cap + 2, MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);
  setCfg32(slot, cap + 4, MSIX_TABLE_OFF | bir);
  setCfg32(slot, cap + 8, MSIX_PBA_OFF | bir);
  store<u32>(rec(slot) + DEVREC_MSIX_COUNT, vectors);
  for (let i: u32 = 0; i < vectors; i++) store<u32>(rec(slot) + DEVREC_MSIX + (i << 4), MSIX_ENTRY_MASKED, 12);
  store<u64>(rec(slot) + DEVREC_PBA, 0);
  store<u32>(rec(slot) + DEVREC_MSIX_CAP, cap);
}

export function msixCap(slot: u32): u32 {
  return load<u32>(rec(slot) + DEVREC_MSIX_CAP);
}

export function msixEnabled(slot: u32): bool {
  const cap = msixCap(slot);
  return cap != 0 && (cfg16(slot, cap + 2) & MSIX_CTRL_ENABLE) != 0;
}

function vectorBlocked(slot: u32, v: u32): bool {
  const ctrl = cfg16(slot, msixCap(slot) + 2);
  if ((ctrl & MSIX_CTRL_MASKALL) != 0) return true;
  if ((cfg16(slot, PCI_COMMAND) & CMD_BUS_MASTER) == 0) return true;
  return (load<u32>(rec(slot) + DEVREC_MSIX + (v << 4), 12) & MSIX_ENTRY_MASKED) != 0;
}

function send(slot: u32, v: u32): void {
  const e = rec(slot) + DEVREC_MSIX + (v << 4);
  // Only messages to the LAPIC window reach a CPU; anything else is lost.
  if (load<u32>(e, 4) != 0) return;
  lapicDeliverMsi(load<u32>(e), load<u32>(e, 8));
}

/** The device asserts vector `v`. */
export function msixSignal(slot: u32, v: u32): void {
  if (v >= load<u32>(rec(slot) + DEVREC_MSIX_COUNT)) return;
  if (vectorBlocked(slot, v)) {
    const p = rec(slot) + DEVREC_PBA;
    store<u64>(p, load<u64>(p) | ((1 as u64) << (v as u64)));
    return;
  }
  send(slot, v);
}

/** After a mask, enable or bus-master change: sends pending vectors now unmasked. */
export function msixRecheck(slot: u32): void {
  if (!msixEnabled(slot)) return;
  const p = rec(slot) + DEVREC_PBA;
  let pend = load<u64>(p);
  while (pend != 0) {
    const v = ctz<u64>(pend) as u32;
    pend &= pend - 1;
    if (!vectorBlocked(slot, v)) {
      store<u64>(p, load<u64>(p) & ~((1 as u64) << (v as u64)));
      send(slot, v);
    }
  }
}

/** Reads of the MSI-X BAR region (table and PBA), any size up to 8. */
export function msixRead(slot: u32, off: u32, size: i32): u64 {
  const n = load<u32>(rec(slot) + DEVREC_MSIX_COUNT);
  let v: u64 = 0;
  for (let i: i32 = size - 1; i >= 0; i--) {
    const a = off + (i as u32);
    let b: u64 = 0;
    if (a < n << 4) b = load<u8>(rec(slot) + DEVREC_MSIX + a) as u64;
    else if (a >= MSIX_PBA_OFF && a < MSIX_PBA_OFF + 8) b = load<u8>(rec(slot) + DEVREC_PBA + a - MSIX_PBA_OFF) as u64;
    v = (v << 8) | b;
  }
  return v;
}

/** Writes to the table; in the vector-control dword only the mask bit is writable. */
export function msixWrite(slot: u32, off: u32, size: i32, v: u64): void {
  const n = load<u32>(rec(slot) + DEVREC_MSIX_COUNT);
  for (let i: i32 = 0; i < size; i++) {
    const a = off + (i as u32);
    if (a >= n << 4) break;
    let b = ((v >> ((i as u64) << 3)) & 0xff) as u32;
    const field = a & 0xf;
    if (field >= 12) b = field == 12 ? b & MSIX_ENTRY_MASKED : 0;
    store<u8>(rec(slot) + DEVREC_MSIX + a, b as u8);
  }
  msixRecheck(slot);
}
