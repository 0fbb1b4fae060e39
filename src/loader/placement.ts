// Where the PVH loader puts things in guest-physical memory. Every address the
// loader, the memmap and the ACPI builder agree on lives here, each with the
// reason it was chosen. The device windows (ECAM, MMIO) are not here: they are
// machine properties (XenPvhLayout in src/machine/config.ts).

import { ConfigError } from "../machine/config.js";

export const PAGE_BYTES = 0x1000;

/** hvm_start_info. Low memory, away from page 0 (real-mode IVT/BDA, which Linux
 * reserves anyway) and below the 1 MiB where kernels load. Firecracker puts its
 * PVH start_info at the same address. Linux copies the struct before touching
 * memory it does not own, so it may stay ordinary RAM. */
export const START_INFO_GPA = 0x6000;
/** hvm_start_info version 1 is 56 bytes; modlist follows at the next 64-byte
 * boundary in the same page, which leaves room for MODLIST_MAX_ENTRIES. */
export const MODLIST_GPA = START_INFO_GPA + 0x40;
export const MODLIST_MAX_ENTRIES = (0x7000 - MODLIST_GPA) / 32;
/** The memmap table gets a page of its own: 4096 / 24 entries. */
export const MEMMAP_GPA = 0x7000;
export const MEMMAP_MAX_ENTRIES = Math.floor(PAGE_BYTES / 24);
/** Kernel command line, then each module's command line, NUL-terminated and
 * packed. 64 KiB is far beyond Linux's COMMAND_LINE_SIZE (2 KiB on x86); the
 * same window Firecracker uses. */
export const CMDLINE_GPA = 0x20000;
export const CMDLINE_AREA_END_GPA = 0x30000;
/** Everything the loader writes below 1 MiB apart from ACPI: a kernel segment
 * that overlaps it is refused. */
export const BOOT_AREA_START_GPA = START_INFO_GPA;
export const BOOT_AREA_END_GPA = CMDLINE_AREA_END_GPA;

/** The legacy VGA/option-ROM/BIOS hole. Linux reserves it itself on PVH, so the
 * memmap leaves it out of RAM; the PVH boot structures must lie below it. */
export const LEGACY_HOLE_GPA = 0xa0000;
export const LEGACY_HOLE_END_GPA = 0x100000;
/** ACPI tables, RSDP first, in the BIOS area 0xE0000-0xFFFFF. The RSDP there
 * is also where an OS that ignores rsdp_paddr scans for "RSD PTR ". The memmap
 * marks the whole window as ACPI (type 3). */
export const ACPI_TABLES_GPA = 0xe0000;
export const ACPI_TABLES_END_GPA = 0x100000;
export const RSDP_GPA = ACPI_TABLES_GPA;

/** Local APIC MMIO page: the architectural default of IA32_APIC_BASE. The MADT
 * advertises it and the memmap reserves it. */
export const LAPIC_GPA = 0xfee00000;
/** Xen special pages (console ring, xenstore ring and spares): the same
 * XEN_SPECIAL_AREA_ADDR QEMU's Xen emulation uses, 4 pages above the LAPIC and
 * outside RAM, so the guest never hands them to its page allocator. */
export const XEN_SPECIAL_AREA_GPA = 0xfeff8000;
export const XEN_SPECIAL_AREA_BYTES = 4 * PAGE_BYTES;
/** HVM_PARAM_CONSOLE_PFN: the PV console ring (xencons_interface). */
export const CONSOLE_RING_GFN = 0xfeff8;
/** HVM_PARAM_STORE_PFN: the xenstore ring (xenstore_domain_interface). */
export const XENSTORE_RING_GFN = 0xfeff9;

/** Boot modules stay below this even when low RAM reaches further: 32-bit guests
 * (and Linux's initrd checks) want them under the default PCI hole. */
export const MODULES_CEILING_GPA = 0xc0000000;
/** ... and above the first MiB, which belongs to the boot structures and ACPI. */
export const MODULES_FLOOR_GPA = 0x100000;

export interface GpaRange {
  gpa: number;
  size: number;
}

/** Module placement rule: modules are page aligned and stacked downwards from
 * the top of low RAM (capped at MODULES_CEILING_GPA), module 0 highest, each
 * skipping below any kernel range it would overlap. Returns one gpa per size.
 * Throws ConfigError when they do not fit above MODULES_FLOOR_GPA. */
export function placeModules(
  ramLowEndGpa: number,
  sizes: readonly number[],
  kernel: readonly GpaRange[],
): number[] {
  const alignDown = (v: number) => Math.floor(v / PAGE_BYTES) * PAGE_BYTES;
  const alignUp = (v: number) => Math.ceil(v / PAGE_BYTES) * PAGE_BYTES;
  const topGpa = alignDown(Math.min(ramLowEndGpa, MODULES_CEILING_GPA));
  let cursor = topGpa;
  const out: number[] = [];
  for (const size of sizes) {
    let gpa = alignDown(cursor - alignUp(size));
    for (;;) {
      const clash = kernel.find((k) => k.size > 0 && gpa < k.gpa + k.size && k.gpa < gpa + Math.max(size, 1));
      if (!clash) break;
      gpa = alignDown(alignDown(clash.gpa) - alignUp(size));
    }
    if (gpa < MODULES_FLOOR_GPA) {
      const total = sizes.reduce((a, b) => a + b, 0);
      throw new ConfigError(
        `xpvh: boot modules (${sizes.length}, ${total} bytes) do not fit in low RAM ` +
          `between 0x${MODULES_FLOOR_GPA.toString(16)} and 0x${topGpa.toString(16)} beside the kernel`,
      );
    }
    out.push(gpa);
    cursor = gpa;
  }
  return out;
}
