// Builds the whole ACPI table set and places it in the BIOS area at
// ACPI_TABLES_GPA: RSDP first (so a legacy scan of 0xE0000-0xFFFFF finds it),
// then XSDT, FADT, MADT, MCFG and DSDT, each 16-byte aligned. The memmap marks
// the window as ACPI (type 3); hvm_start_info.rsdp_paddr points at the RSDP.

import type { GuestMemory } from "../../core/guest_memory.js";
import { ConfigError, type XenPvhLayout } from "../../machine/config.js";
import { ACPI_TABLES_END_GPA, ACPI_TABLES_GPA } from "../placement.js";
import { buildDsdt } from "./dsdt.js";
import { FADT_BYTES, buildFadt } from "./fadt.js";
import { buildMadt } from "./madt.js";
import { buildMcfg } from "./mcfg.js";
import { RSDP_BYTES, buildRsdp } from "./rsdp.js";
import { SDT_HEADER_BYTES } from "./sdt.js";
import { buildXsdt } from "./xsdt.js";

const TABLE_ALIGN = 16;

export interface AcpiConfig {
  layout: XenPvhLayout;
  /** Number of vCPUs. */
  smp: number;
}

export interface PlacedTable {
  signature: string;
  gpa: number;
  bytes: Uint8Array;
}

export interface AcpiTableSet {
  rsdpGpa: number;
  /** RSDP first, then in address order. */
  tables: PlacedTable[];
  /** Everything from baseGpa to the end of the last table, ready to copy. */
  image: Uint8Array;
}

const align = (v: number) => Math.ceil(v / TABLE_ALIGN) * TABLE_ALIGN;

/** Builds the tables as they will sit at `baseGpa` (pure; nothing is written). */
export function buildAcpiTables(cfg: AcpiConfig, baseGpa = ACPI_TABLES_GPA): AcpiTableSet {
  if (!Number.isInteger(cfg.smp) || cfg.smp < 1) throw new ConfigError(`xpvh: cannot describe ${cfg.smp} vCPUs in ACPI`);
  const hasPci = cfg.layout.pciEcamSize > 0;
  // Tables that do not point anywhere are built first; their sizes fix the layout.
  const madt = buildMadt(cfg.smp);
  const mcfg = hasPci ? buildMcfg(cfg.layout.pciEcamBase, cfg.layout.pciEcamSize) : undefined;
  const dsdt = buildDsdt(cfg.layout, cfg.smp);
  const xsdtEntries = hasPci ? 3 : 2; // FADT, MADT[, MCFG]

  const rsdpGpa = baseGpa;
  const xsdtGpa = align(rsdpGpa + RSDP_BYTES);
  const fadtGpa = align(xsdtGpa + SDT_HEADER_BYTES + 8 * xsdtEntries);
  const madtGpa = align(fadtGpa + FADT_BYTES);
  const mcfgGpa = mcfg ? align(madtGpa + madt.length) : madtGpa + madt.length;
  const dsdtGpa = align(mcfgGpa + (mcfg ? mcfg.length : 0));

  const fadt = buildFadt(dsdtGpa);
  const xsdt = buildXsdt(mcfg ? [fadtGpa, madtGpa, mcfgGpa] : [fadtGpa, madtGpa]);
  const rsdp = buildRsdp(xsdtGpa);

  const tables: PlacedTable[] = [
    { signature: "RSD PTR ", gpa: rsdpGpa, bytes: rsdp },
    { signature: "XSDT", gpa: xsdtGpa, bytes: xsdt },
    { signature: "FACP", gpa: fadtGpa, bytes: fadt },
    { signature: "APIC", gpa: madtGpa, bytes: madt },
    ...(mcfg ? [{ signature: "MCFG", gpa: mcfgGpa, bytes: mcfg }] : []),
    { signature: "DSDT", gpa: dsdtGpa, bytes: dsdt },
  ];
  const end = dsdtGpa + dsdt.length;
  const image = new Uint8Array(end - baseGpa);
  for (const t of tables) image.set(t.bytes, t.gpa - baseGpa);
  return { rsdpGpa, tables, image };
}

/** Builds the tables, writes them at ACPI_TABLES_GPA and returns the RSDP's
 * address (hvm_start_info.rsdp_paddr). ConfigError if they outgrow the window
 * (thousands of vCPUs). */
export function installAcpiTables(mem: GuestMemory, cfg: AcpiConfig): number {
  const set = buildAcpiTables(cfg, ACPI_TABLES_GPA);
  if (ACPI_TABLES_GPA + set.image.length > ACPI_TABLES_END_GPA)
    throw new ConfigError(
      `xpvh: ACPI tables for ${cfg.smp} vCPUs need ${set.image.length} bytes, more than the ` +
        `${ACPI_TABLES_END_GPA - ACPI_TABLES_GPA} bytes at 0x${ACPI_TABLES_GPA.toString(16)}`,
    );
  mem.write(ACPI_TABLES_GPA, set.image);
  // Clear the rest of the window so nothing stale looks like a table after a reboot.
  mem.fill(ACPI_TABLES_GPA + set.image.length, ACPI_TABLES_END_GPA - ACPI_TABLES_GPA - set.image.length);
  return set.rsdpGpa;
}
