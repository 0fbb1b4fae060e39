// Extended System Description Table (ACPI 6.x §5.2.8): the header followed by
// 64-bit physical addresses of every other table except the DSDT, which only
// the FADT points at.

import { SDT_HEADER_BYTES, newSdt, sealSdt } from "./sdt.js";

export const XSDT_REVISION = 1;

export function buildXsdt(tableGpas: readonly number[]): Uint8Array {
  const { bytes, view } = newSdt("XSDT", XSDT_REVISION, SDT_HEADER_BYTES + 8 * tableGpas.length);
  tableGpas.forEach((gpa, i) => view.setBigUint64(SDT_HEADER_BYTES + 8 * i, BigInt(gpa), true)); // Entry[i]
  return sealSdt(bytes);
}
