// Routing of guest-physical accesses that are not RAM: the local APIC page, the
// PCIe ECAM window and BARs. Unclaimed reads return all-ones; writes are dropped.
import { lapicMmioRead, lapicMmioWrite, LAPIC_GPA } from "../apic/lapic";
import { pciMmioRead, pciMmioWrite, pciClaims } from "../pci/gpex";

export function mmioRead(gpa: u64, size: i32): u64 {
  if ((gpa & ~(0xfff as u64)) == LAPIC_GPA) return lapicMmioRead((gpa as u32) & 0xfff, size);
  if (pciClaims(gpa)) return pciMmioRead(gpa, size);
  return size == 8 ? 0xffffffffffffffff : ((1 as u64) << ((size as u64) << 3)) - 1;
}

export function mmioWrite(gpa: u64, size: i32, v: u64): void {
  if ((gpa & ~(0xfff as u64)) == LAPIC_GPA) {
    lapicMmioWrite((gpa as u32) & 0xfff, size, v);
    return;
  }
  if (pciClaims(gpa)) pciMmioWrite(gpa, size, v);
}
