// The PVH boot configurator: puts a parsed guest image, its boot modules, the
// command line, the memory map and the ACPI tables into guest memory and fills
// in hvm_start_info, so the vCPU can start at the PHYS32_ENTRY with EBX =
// startInfoGpa (register state: reference §1, set up by the machine).
//
// Everything is derived from plain data (layout, cmdline, modules, smp); the
// only side effect is writing guest memory.

import type { GuestMemory } from "../core/guest_memory.js";
import { ConfigError, type BootModule, type XenPvhLayout } from "../machine/config.js";
import { installAcpiTables } from "./acpi/tables.js";
import type { ElfImage } from "./elf.js";
import { buildMemmap, encodeMemmap, ramEntryContaining, type MemmapEntry } from "./memmap.js";
import {
  BOOT_AREA_END_GPA,
  BOOT_AREA_START_GPA,
  CMDLINE_AREA_END_GPA,
  CMDLINE_GPA,
  LEGACY_HOLE_END_GPA,
  MEMMAP_GPA,
  MEMMAP_MAX_ENTRIES,
  MODLIST_GPA,
  MODLIST_MAX_ENTRIES,
  START_INFO_GPA,
  placeModules,
  type GpaRange,
} from "./placement.js";
import { encodeModlist, encodeStartInfo, type HvmModlistEntry } from "./start_info.js";

export { parseInitrdOption, type InitrdModuleSpec } from "./initrd_option.js";

/** What the loader needs from the machine configuration (a MachineConfig fits). */
export interface PvhBootConfig {
  layout: XenPvhLayout;
  cmdline: string;
  modules: BootModule[];
  smp: number;
}

export interface PvhBootInfo {
  /** Where the vCPU starts, in 32-bit protected mode with paging off. */
  entryGpa: number;
  /** The value for EBX. */
  startInfoGpa: number;
  rsdpGpa: number;
  /** The same map XENMEM_memory_map must return. */
  memmap: MemmapEntry[];
  /** Where each boot module landed (modlist order). */
  modules: GpaRange[];
}

const hex = (v: number) => "0x" + v.toString(16);

/** Writes the NUL-terminated strings one after another from CMDLINE_GPA. */
class StringArea {
  private nextGpa = CMDLINE_GPA;
  constructor(private readonly mem: GuestMemory) {}
  put(text: string, what: string): number {
    const bytes = new TextEncoder().encode(text);
    if (bytes.includes(0)) throw new ConfigError(`xpvh: ${what} contains a NUL character`);
    const gpa = this.nextGpa;
    if (gpa + bytes.length + 1 > CMDLINE_AREA_END_GPA)
      throw new ConfigError(
        `xpvh: command lines are too long (${what} does not fit in the ${CMDLINE_AREA_END_GPA - CMDLINE_GPA} bytes at ${hex(CMDLINE_GPA)})`,
      );
    this.mem.write(gpa, bytes);
    this.mem.writeU8(gpa + bytes.length, 0);
    this.nextGpa = gpa + bytes.length + 1;
    return gpa;
  }
}

export function loadPvh(mem: GuestMemory, cfg: PvhBootConfig, image: ElfImage): PvhBootInfo {
  const { layout } = cfg;
  // The boot structures and the ACPI tables live in the first MiB.
  if (layout.ramLowSize === 0 || layout.ramLowBase > BOOT_AREA_START_GPA || layout.ramLowBase + layout.ramLowSize < LEGACY_HOLE_END_GPA)
    throw new ConfigError(
      `xpvh: low RAM must cover ${hex(BOOT_AREA_START_GPA)}-${hex(LEGACY_HOLE_END_GPA)} for the PVH boot structures and ACPI tables`,
    );
  if (!Number.isInteger(cfg.smp) || cfg.smp < 1) throw new ConfigError(`xpvh: invalid vCPU count ${cfg.smp}`);
  const memmap = buildMemmap(layout);

  // Kernel segments: each must sit wholly in one RAM range and clear of the
  // boot structures we are about to write.
  const kernel: GpaRange[] = [];
  for (const seg of image.segments) {
    const where = `${image.name}: segment at ${hex(seg.paddr)} (${hex(seg.memsz)} bytes)`;
    if (!ramEntryContaining(memmap, seg.paddr, seg.memsz)) throw new ConfigError(`xpvh: ${where} is outside guest RAM`);
    if (seg.paddr < BOOT_AREA_END_GPA && BOOT_AREA_START_GPA < seg.paddr + seg.memsz)
      throw new ConfigError(
        `xpvh: ${where} overlaps the PVH boot structures at ${hex(BOOT_AREA_START_GPA)}-${hex(BOOT_AREA_END_GPA)}`,
      );
    kernel.push({ gpa: seg.paddr, size: seg.memsz });
  }
  if (!kernel.some((k) => image.physEntryGpa >= k.gpa && image.physEntryGpa < k.gpa + k.size))
    throw new ConfigError(`xpvh: ${image.name}: PVH entry point ${hex(image.physEntryGpa)} is not inside any PT_LOAD segment`);
  for (const seg of image.segments) {
    mem.write(seg.paddr, seg.data);
    // p_memsz beyond p_filesz is .bss: it must read as zero.
    if (seg.memsz > seg.filesz) mem.fill(seg.paddr + seg.filesz, seg.memsz - seg.filesz);
  }

  // Boot modules at the top of low RAM.
  if (cfg.modules.length > MODLIST_MAX_ENTRIES)
    throw new ConfigError(`xpvh: ${cfg.modules.length} boot modules, at most ${MODLIST_MAX_ENTRIES} are supported`);
  const moduleGpas = placeModules(
    layout.ramLowBase + layout.ramLowSize,
    cfg.modules.map((m) => m.data.length),
    kernel,
  );
  cfg.modules.forEach((m, i) => mem.write(moduleGpas[i], m.data));

  // Command lines: the kernel's always (possibly empty), a module's only when set.
  const strings = new StringArea(mem);
  const cmdlineGpa = strings.put(cfg.cmdline, "the kernel command line");
  const modlist: HvmModlistEntry[] = cfg.modules.map((m, i) => ({
    paddr: moduleGpas[i],
    size: m.data.length,
    cmdline_paddr: m.cmdline !== "" ? strings.put(m.cmdline, `the command line of module ${m.name}`) : 0,
  }));
  mem.write(MODLIST_GPA, encodeModlist(modlist));

  if (memmap.length > MEMMAP_MAX_ENTRIES) throw new ConfigError(`xpvh: memory map has ${memmap.length} entries, too many`);
  mem.write(MEMMAP_GPA, encodeMemmap(memmap));

  const rsdpGpa = installAcpiTables(mem, { layout, smp: cfg.smp });

  mem.write(
    START_INFO_GPA,
    encodeStartInfo({
      nr_modules: modlist.length,
      modlist_paddr: modlist.length > 0 ? MODLIST_GPA : 0,
      cmdline_paddr: cmdlineGpa,
      rsdp_paddr: rsdpGpa,
      memmap_paddr: MEMMAP_GPA,
      memmap_entries: memmap.length,
    }),
  );

  return {
    entryGpa: image.physEntryGpa,
    startInfoGpa: START_INFO_GPA,
    rsdpGpa,
    memmap,
    modules: moduleGpas.map((gpa, i) => ({ gpa, size: cfg.modules[i].data.length })),
  };
}
