// Decoded BAR windows: a small table of [base, end) ranges rebuilt whenever a
// BAR or a command register changes, so that routing a physical access is a
// short scan (PCI Local Bus 3.0 §6.2.5: a function decodes its memory BARs only
// while Memory Space Enable is set).
import { DEV_SLOTS, PCI_DECODE_OFF } from "../layout";
import { kindOf, cfg16, cfg32, barBase, barSize, PCI_COMMAND, PCI_BAR0, CMD_MEMORY, KIND_NONE, BAR_MEM64 } from "./config";

// Entry: u64 base, u64 end, u32 slot, u32 bar.
// @ts-ignore: decorator
@inline const ENTRY_SIZE: u32 = 32;
// @ts-ignore: decorator
@inline const MAX_ENTRIES: u32 = 64;

let count: u32 = 0;

/** The entry index of the last lookup, with its slot/bar/offset. */
export let hitSlot: u32 = 0;
export let hitBar: u32 = 0;
export let hitOff: u32 = 0;

export function rebuildBarDecode(): void {
  let n: u32 = 0;
  for (let slot: u32 = 0; slot < DEV_SLOTS; slot++) {
    if (kindOf(slot) == KIND_NONE) continue;
    if ((cfg16(slot, PCI_COMMAND) & CMD_MEMORY) == 0) continue;
    for (let bar: u32 = 0; bar < 6; bar++) {
      const size = barSize(slot, bar);
      if (size == 0) continue;
      const lo = cfg32(slot, PCI_BAR0 + (bar << 2));
      if ((lo & 1) != 0) continue; // I/O BARs: xenpvh has no I/O window
      const base = barBase(slot, bar);
      // Base 0 is where an unprogrammed BAR sits: it would shadow low memory.
      if (base == 0) continue;
      const end = base + (size as u64);
      if (end < base || n >= MAX_ENTRIES) continue;
      const e = PCI_DECODE_OFF + n * ENTRY_SIZE;
      store<u64>(e, base);
      store<u64>(e, end, 8);
      store<u32>(e, slot, 16);
      store<u32>(e, bar, 20);
      n++;
      if ((lo & 6) == BAR_MEM64) bar++;
    }
  }
  count = n;
}

/** Finds the BAR that decodes `gpa`; sets hitSlot/hitBar/hitOff. */
export function barLookup(gpa: u64): bool {
  for (let i: u32 = 0; i < count; i++) {
    const e = PCI_DECODE_OFF + i * ENTRY_SIZE;
    const base = load<u64>(e);
    if (gpa >= base && gpa < load<u64>(e, 8)) {
      hitSlot = load<u32>(e, 16);
      hitBar = load<u32>(e, 20);
      hitOff = (gpa - base) as u32;
      return true;
    }
  }
  return false;
}

export function barDecodeCount(): u32 {
  return count;
}

export function clearBarDecode(): void {
  count = 0;
}
