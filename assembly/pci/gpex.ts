// GPEX PCIe host bridge (placeholder until the device work lands).
export function pciClaims(gpa: u64): bool {
  return false;
}
export function pciMmioRead(gpa: u64, size: i32): u64 {
  return 0;
}
export function pciMmioWrite(gpa: u64, size: i32, v: u64): void {}
