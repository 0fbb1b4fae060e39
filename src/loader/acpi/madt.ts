// Multiple APIC Description Table, "APIC" (ACPI 6.x §5.2.12): the local APIC
// address and one enabled processor entry per vCPU. No I/O APIC and no 8259s:
// a PVH domain has neither, and our PCI devices interrupt with MSI-X.

import { LAPIC_GPA } from "../placement.js";
import { SDT_HEADER_BYTES, newSdt, sealSdt } from "./sdt.js";

/** Revision 4 matches ACPI 6.0-6.2, whose entry formats we emit. */
export const MADT_REVISION = 4;
export const MADT_LOCAL_APIC_ADDRESS = SDT_HEADER_BYTES; // u32
export const MADT_FLAGS = SDT_HEADER_BYTES + 4; // u32; bit 0 PCAT_COMPAT (dual 8259) stays clear
export const MADT_ENTRIES = SDT_HEADER_BYTES + 8;

/** Processor Local APIC structure (§5.2.12.2): type, length, ACPI Processor UID
 * u8, APIC ID u8, flags u32. */
export const MADT_TYPE_LOCAL_APIC = 0;
export const MADT_LOCAL_APIC_BYTES = 8;
/** Processor Local x2APIC structure (§5.2.12.12): type, length, reserved u16,
 * x2APIC ID u32, flags u32, ACPI Processor UID u32. Needed from APIC ID 255 on
 * (255 is the xAPIC broadcast ID). */
export const MADT_TYPE_LOCAL_X2APIC = 9;
export const MADT_LOCAL_X2APIC_BYTES = 16;
/** Local APIC flags bit 0. */
export const MADT_LAPIC_ENABLED = 1;

/** The APIC ID the CPUID leaves (1 EBX[31:24], 0xB EDX) and the LAPIC ID
 * register must report for vCPU `vcpu`: the plain index. (libxl uses 2 x vCPU
 * to match its CPUID topology; we have no such topology to match.) */
export function apicIdOfVcpu(vcpu: number): number {
  return vcpu;
}

export function buildMadt(vcpus: number): Uint8Array {
  let length = MADT_ENTRIES;
  for (let v = 0; v < vcpus; v++) length += apicIdOfVcpu(v) < 255 ? MADT_LOCAL_APIC_BYTES : MADT_LOCAL_X2APIC_BYTES;
  const { bytes, view } = newSdt("APIC", MADT_REVISION, length);
  view.setUint32(MADT_LOCAL_APIC_ADDRESS, LAPIC_GPA, true);
  view.setUint32(MADT_FLAGS, 0, true);
  let o = MADT_ENTRIES;
  for (let v = 0; v < vcpus; v++) {
    const apicId = apicIdOfVcpu(v);
    if (apicId < 255) {
      bytes[o] = MADT_TYPE_LOCAL_APIC;
      bytes[o + 1] = MADT_LOCAL_APIC_BYTES;
      bytes[o + 2] = v; // ACPI Processor UID = the DSDT processor device's _UID
      bytes[o + 3] = apicId;
      view.setUint32(o + 4, MADT_LAPIC_ENABLED, true);
      o += MADT_LOCAL_APIC_BYTES;
    } else {
      bytes[o] = MADT_TYPE_LOCAL_X2APIC;
      bytes[o + 1] = MADT_LOCAL_X2APIC_BYTES;
      view.setUint32(o + 4, apicId, true);
      view.setUint32(o + 8, MADT_LAPIC_ENABLED, true);
      view.setUint32(o + 12, v, true);
      o += MADT_LOCAL_X2APIC_BYTES;
    }
  }
  return sealSdt(bytes);
}
