// The guest's E820-style memory map, built from the machine layout. One map
// serves both places a PVH guest looks: hvm_start_info's memmap table and the
// XENMEM_memory_map hypercall (src/xen). Entry layout: public/arch-x86/hvm/start_info.h
// (struct hvm_memmap_table_entry), types as in the ACPI/E820 address range types.

import { ConfigError, type XenPvhLayout } from "../machine/config.js";
import {
  ACPI_TABLES_END_GPA,
  ACPI_TABLES_GPA,
  LAPIC_GPA,
  LEGACY_HOLE_END_GPA,
  LEGACY_HOLE_GPA,
  PAGE_BYTES,
  XEN_SPECIAL_AREA_BYTES,
  XEN_SPECIAL_AREA_GPA,
} from "./placement.js";

export const E820_RAM = 1;
export const E820_RESERVED = 2;
export const E820_ACPI = 3;
export const E820_NVS = 4;
export const E820_UNUSABLE = 5;

/** hvm_memmap_table_entry: addr, size, type (reserved u32 is always 0). */
export interface MemmapEntry {
  addr: number;
  size: number;
  type: number;
}

/** Bytes per hvm_memmap_table_entry (addr u64, size u64, type u32, reserved u32). */
export const MEMMAP_ENTRY_BYTES = 24;

/**
 * RAM low and high (type 1), with [0xA0000, 0x100000) taken out of RAM: its
 * top 0xE0000-0xFFFFF holds our ACPI tables (type 3), the rest is a hole that
 * Linux reserves itself. Reserved (type 2): the LAPIC page, the Xen special
 * pages and the ECAM window (Linux wants ECAM reserved in E820 or by a
 * PNP0C02 device before it trusts MCFG; we do both).
 *
 * The PCI MMIO windows are deliberately NOT in the map. Linux clips every
 * E820 entry out of a host bridge window before it assigns BARs
 * (arch_remove_reservations, pci_use_e820; on by default without a DMI BIOS
 * date of 2023 or later), and nothing assigns our BARs before the kernel does,
 * so a reserved window would leave virtio devices without BAR space. Real PC
 * firmware likewise leaves the PCI hole as a gap in E820.
 *
 * Sorted by address, non-overlapping; throws ConfigError if the layout makes
 * two entries overlap.
 */
export function buildMemmap(layout: XenPvhLayout): MemmapEntry[] {
  const entries: MemmapEntry[] = [];
  const add = (addr: number, end: number, type: number) => {
    if (end > addr) entries.push({ addr, size: end - addr, type });
  };

  const lowStart = layout.ramLowBase;
  const lowEnd = layout.ramLowBase + layout.ramLowSize;
  if (layout.ramLowSize > 0) {
    add(lowStart, Math.min(lowEnd, LEGACY_HOLE_GPA), E820_RAM);
    add(Math.max(lowStart, LEGACY_HOLE_END_GPA), lowEnd, E820_RAM);
    // The ACPI window is only advertised when RAM backs it.
    if (lowStart <= ACPI_TABLES_GPA && lowEnd >= ACPI_TABLES_END_GPA) add(ACPI_TABLES_GPA, ACPI_TABLES_END_GPA, E820_ACPI);
  }
  if (layout.ramHighSize > 0) add(layout.ramHighBase, layout.ramHighBase + layout.ramHighSize, E820_RAM);
  if (layout.pciEcamSize > 0) add(layout.pciEcamBase, layout.pciEcamBase + layout.pciEcamSize, E820_RESERVED);
  add(LAPIC_GPA, LAPIC_GPA + PAGE_BYTES, E820_RESERVED);
  add(XEN_SPECIAL_AREA_GPA, XEN_SPECIAL_AREA_GPA + XEN_SPECIAL_AREA_BYTES, E820_RESERVED);

  entries.sort((a, b) => a.addr - b.addr);
  for (let i = 1; i < entries.length; i++) {
    const p = entries[i - 1];
    const e = entries[i];
    if (p.addr + p.size > e.addr)
      throw new ConfigError(
        `xpvh: memory map entries overlap: 0x${p.addr.toString(16)}+0x${p.size.toString(16)} (type ${p.type}) ` +
          `and 0x${e.addr.toString(16)}+0x${e.size.toString(16)} (type ${e.type})`,
      );
  }
  return entries;
}

/** The type-1 entry holding all of [gpa, gpa+size), if any. */
export function ramEntryContaining(map: readonly MemmapEntry[], gpa: number, size: number): MemmapEntry | undefined {
  return map.find((e) => e.type === E820_RAM && gpa >= e.addr && gpa + size <= e.addr + e.size);
}

/** Serialises the map as an hvm_memmap_table_entry array. */
export function encodeMemmap(map: readonly MemmapEntry[]): Uint8Array {
  const out = new Uint8Array(map.length * MEMMAP_ENTRY_BYTES);
  const view = new DataView(out.buffer);
  map.forEach((e, i) => {
    const o = i * MEMMAP_ENTRY_BYTES;
    view.setBigUint64(o, BigInt(e.addr), true); // addr
    view.setBigUint64(o + 8, BigInt(e.size), true); // size
    view.setUint32(o + 16, e.type, true); // type
    view.setUint32(o + 20, 0, true); // reserved
  });
  return out;
}
