// Fixed ACPI Description Table, "FACP" (ACPI 6.x §5.2.9), revision 6, for a
// hardware-reduced platform (§4.1): no PM1/GPE blocks, no SCI, no FACS, no
// SMI. What remains is the DSDT pointer, the boot architecture flags and a
// reset register. Offsets are from Table 5.9 and count from the table start.

import { newSdt, sealSdt } from "./sdt.js";

export const FADT_REVISION = 6;
/** FADT Minor Version: 6.0 is the layout we fill (276 bytes, ending with the
 * Hypervisor Vendor Identity). */
export const FADT_MINOR_REVISION = 0;
export const FADT_BYTES = 276;

export const FADT_FIRMWARE_CTRL = 36; // u32 FACS, none on HW-reduced
export const FADT_DSDT = 40; // u32, left 0: X_DSDT is authoritative
export const FADT_SCI_INT = 46; // u16, unused on HW-reduced
export const FADT_IAPC_BOOT_ARCH = 109; // u16
export const FADT_FLAGS = 112; // u32
export const FADT_RESET_REG = 116; // Generic Address Structure, 12 bytes
export const FADT_RESET_VALUE = 128; // u8
export const FADT_ARM_BOOT_ARCH = 129; // u16
export const FADT_MINOR_VERSION = 131; // u8
export const FADT_X_FIRMWARE_CTRL = 132; // u64
export const FADT_X_DSDT = 140; // u64
export const FADT_SLEEP_CONTROL_REG = 244; // GAS, hardware-reduced sleep (§4.8.3.7)
export const FADT_SLEEP_STATUS_REG = 256; // GAS
export const FADT_HYPERVISOR_VENDOR_IDENTITY = 268; // u64

/** Flags bits (Table 5.10). */
export const FADT_F_RESET_REG_SUP = 1 << 10;
export const FADT_F_HW_REDUCED_ACPI = 1 << 20;
/** IA-PC boot architecture flags (Table 5.11). Leaving LEGACY_DEVICES and 8042
 * clear tells Linux not to probe the i8042; NO_CMOS_RTC keeps it away from
 * ports 0x70/0x71, NO_VGA from the legacy VGA window. */
export const IAPC_BOOT_ARCH_VGA_NOT_PRESENT = 1 << 2;
export const IAPC_BOOT_ARCH_CMOS_RTC_NOT_PRESENT = 1 << 5;

/** Generic Address Structure address space ids (Table 5.1). */
export const GAS_SYSTEM_IO = 1;
/** Access size 1 = byte. */
export const GAS_ACCESS_BYTE = 1;
/** The PC reset control register: writing 6 (full reset | system reset) to
 * port 0xCF9 reboots, the same register libxl advertises for PVH guests. The
 * port I/O exit handler must implement it. */
export const RESET_REG_PORT = 0xcf9;
export const RESET_REG_VALUE = 6;
/** The hardware-reduced sleep control and status registers (one byte each):
 * SLP_TYP in bits 4:2 and SLP_EN in bit 5 of a control write; the machine
 * powers off on SLP_TYP = 5 (\_S5). */
export const SLEEP_CONTROL_PORT = 0x600;
export const SLEEP_STATUS_PORT = 0x601;

export function buildFadt(dsdtGpa: number): Uint8Array {
  const { bytes, view } = newSdt("FACP", FADT_REVISION, FADT_BYTES);
  view.setUint32(FADT_FIRMWARE_CTRL, 0, true);
  view.setUint32(FADT_DSDT, 0, true);
  view.setUint16(FADT_IAPC_BOOT_ARCH, IAPC_BOOT_ARCH_VGA_NOT_PRESENT | IAPC_BOOT_ARCH_CMOS_RTC_NOT_PRESENT, true);
  view.setUint32(FADT_FLAGS, FADT_F_HW_REDUCED_ACPI | FADT_F_RESET_REG_SUP, true);
  // RESET_REG: space id, register bit width, bit offset, access size, address.
  bytes[FADT_RESET_REG] = GAS_SYSTEM_IO;
  bytes[FADT_RESET_REG + 1] = 8;
  bytes[FADT_RESET_REG + 2] = 0;
  bytes[FADT_RESET_REG + 3] = GAS_ACCESS_BYTE;
  view.setBigUint64(FADT_RESET_REG + 4, BigInt(RESET_REG_PORT), true);
  bytes[FADT_RESET_VALUE] = RESET_REG_VALUE;
  for (const [off, port] of [[FADT_SLEEP_CONTROL_REG, SLEEP_CONTROL_PORT], [FADT_SLEEP_STATUS_REG, SLEEP_STATUS_PORT]]) {
    bytes[off] = GAS_SYSTEM_IO;
    bytes[off + 1] = 8;
    bytes[off + 3] = GAS_ACCESS_BYTE;
    view.setBigUint64(off + 4, BigInt(port), true);
  }
  bytes[FADT_MINOR_VERSION] = FADT_MINOR_REVISION;
  view.setBigUint64(FADT_X_FIRMWARE_CTRL, 0n, true);
  view.setBigUint64(FADT_X_DSDT, BigInt(dsdtGpa), true);
  return sealSdt(bytes);
}
