// Root System Description Pointer, revision 2 (ACPI 6.x §5.2.5.3): the one
// structure without the common header. It points at the XSDT only; RsdtAddress
// stays 0 because every OS that reads revision 2 takes the XSDT.

import { ACPI_OEM_ID, checksumByte, putAscii } from "./sdt.js";

export const RSDP_BYTES = 36;
/** The ACPI 1.0 part the first checksum covers. */
const RSDP_V1_BYTES = 20;

/** Field offsets (Table 5.3). */
export const RSDP_SIGNATURE = 0; // "RSD PTR "
export const RSDP_CHECKSUM = 8; // over bytes 0..19
export const RSDP_OEMID = 9;
export const RSDP_REVISION = 15; // 2 = ACPI 2.0+
export const RSDP_RSDT_ADDRESS = 16; // u32
export const RSDP_LENGTH = 20; // u32, whole structure
export const RSDP_XSDT_ADDRESS = 24; // u64
export const RSDP_EXTENDED_CHECKSUM = 32; // over all 36 bytes

export function buildRsdp(xsdtGpa: number): Uint8Array {
  const b = new Uint8Array(RSDP_BYTES);
  const view = new DataView(b.buffer);
  putAscii(b, RSDP_SIGNATURE, "RSD PTR ", 8);
  putAscii(b, RSDP_OEMID, ACPI_OEM_ID, 6);
  b[RSDP_REVISION] = 2;
  view.setUint32(RSDP_RSDT_ADDRESS, 0, true);
  view.setUint32(RSDP_LENGTH, RSDP_BYTES, true);
  view.setBigUint64(RSDP_XSDT_ADDRESS, BigInt(xsdtGpa), true);
  b[RSDP_CHECKSUM] = checksumByte(b, 0, RSDP_V1_BYTES);
  // The extended checksum covers the first one too, so it goes last.
  b[RSDP_EXTENDED_CHECKSUM] = checksumByte(b, 0, RSDP_BYTES);
  return b;
}
