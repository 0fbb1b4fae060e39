// PCI Express memory-mapped configuration space table, "MCFG" (PCI Firmware
// Specification 3.x §4.1.2): one allocation for our single ECAM window. Linux
// trusts it only when the window is also reserved (E820 or a PNP0C02 _CRS);
// memmap.ts and the DSDT's RES0 do both.

import { SDT_HEADER_BYTES, newSdt, sealSdt } from "./sdt.js";

export const MCFG_REVISION = 1;
/** 8 reserved bytes follow the header, then 16-byte allocation structures. */
export const MCFG_ALLOCATIONS = SDT_HEADER_BYTES + 8;
export const MCFG_ALLOCATION_BYTES = 16;
/** Offsets inside one allocation structure. */
export const MCFG_BASE_ADDRESS = 0; // u64 ECAM base
export const MCFG_SEGMENT = 8; // u16 PCI segment group
export const MCFG_START_BUS = 10; // u8
export const MCFG_END_BUS = 11; // u8
/** ECAM gives each bus 32 devices x 8 functions x 4 KiB = 1 MiB. */
export const ECAM_BYTES_PER_BUS = 1 << 20;

export function buildMcfg(ecamBaseGpa: number, ecamSize: number): Uint8Array {
  const { bytes, view } = newSdt("MCFG", MCFG_REVISION, MCFG_ALLOCATIONS + MCFG_ALLOCATION_BYTES);
  const a = MCFG_ALLOCATIONS;
  view.setBigUint64(a + MCFG_BASE_ADDRESS, BigInt(ecamBaseGpa), true);
  view.setUint16(a + MCFG_SEGMENT, 0, true);
  bytes[a + MCFG_START_BUS] = 0;
  bytes[a + MCFG_END_BUS] = ecamSize / ECAM_BYTES_PER_BUS - 1;
  return sealSdt(bytes);
}
