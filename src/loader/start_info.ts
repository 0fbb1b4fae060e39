// struct hvm_start_info and struct hvm_modlist_entry, the PVH boot ABI
// (xen/include/public/arch-x86/hvm/start_info.h; reference §1). Encoders only:
// pvh.ts decides where they go.

export const XEN_HVM_START_MAGIC_VALUE = 0x336ec578;
/** Version 1 adds memmap_paddr / memmap_entries. */
export const HVM_START_INFO_VERSION = 1;
export const HVM_START_INFO_BYTES = 56;

/** hvm_start_info field offsets. */
export const SI_MAGIC = 0; // u32 magic: XEN_HVM_START_MAGIC_VALUE
export const SI_VERSION = 4; // u32 version: version of this structure
export const SI_FLAGS = 8; // u32 flags: SIF_xxx flags (none for a domU)
export const SI_NR_MODULES = 12; // u32 nr_modules: number of modules passed to the kernel
export const SI_MODLIST_PADDR = 16; // u64 modlist_paddr: physical address of hvm_modlist_entry[]
export const SI_CMDLINE_PADDR = 24; // u64 cmdline_paddr: physical address of the command line
export const SI_RSDP_PADDR = 32; // u64 rsdp_paddr: physical address of the RSDP
export const SI_MEMMAP_PADDR = 40; // u64 memmap_paddr: physical address of the memory map (v1)
export const SI_MEMMAP_ENTRIES = 48; // u32 memmap_entries: number of memmap entries (v1)
export const SI_RESERVED = 52; // u32 reserved: must be zero

export const HVM_MODLIST_ENTRY_BYTES = 32;
/** hvm_modlist_entry field offsets. */
export const MOD_PADDR = 0; // u64 paddr: physical address of the module
export const MOD_SIZE = 8; // u64 size: size of the module in bytes
export const MOD_CMDLINE_PADDR = 16; // u64 cmdline_paddr: physical address of its command line, 0 if none
export const MOD_RESERVED = 24; // u64 reserved

export interface HvmStartInfo {
  nr_modules: number;
  modlist_paddr: number;
  cmdline_paddr: number;
  rsdp_paddr: number;
  memmap_paddr: number;
  memmap_entries: number;
}

export interface HvmModlistEntry {
  paddr: number;
  size: number;
  cmdline_paddr: number;
}

export function encodeStartInfo(si: HvmStartInfo): Uint8Array {
  const b = new Uint8Array(HVM_START_INFO_BYTES);
  const v = new DataView(b.buffer);
  v.setUint32(SI_MAGIC, XEN_HVM_START_MAGIC_VALUE, true);
  v.setUint32(SI_VERSION, HVM_START_INFO_VERSION, true);
  v.setUint32(SI_FLAGS, 0, true);
  v.setUint32(SI_NR_MODULES, si.nr_modules, true);
  v.setBigUint64(SI_MODLIST_PADDR, BigInt(si.modlist_paddr), true);
  v.setBigUint64(SI_CMDLINE_PADDR, BigInt(si.cmdline_paddr), true);
  v.setBigUint64(SI_RSDP_PADDR, BigInt(si.rsdp_paddr), true);
  v.setBigUint64(SI_MEMMAP_PADDR, BigInt(si.memmap_paddr), true);
  v.setUint32(SI_MEMMAP_ENTRIES, si.memmap_entries, true);
  v.setUint32(SI_RESERVED, 0, true);
  return b;
}

export function encodeModlist(entries: readonly HvmModlistEntry[]): Uint8Array {
  const b = new Uint8Array(entries.length * HVM_MODLIST_ENTRY_BYTES);
  const v = new DataView(b.buffer);
  entries.forEach((e, i) => {
    const o = i * HVM_MODLIST_ENTRY_BYTES;
    v.setBigUint64(o + MOD_PADDR, BigInt(e.paddr), true);
    v.setBigUint64(o + MOD_SIZE, BigInt(e.size), true);
    v.setBigUint64(o + MOD_CMDLINE_PADDR, BigInt(e.cmdline_paddr), true);
    v.setBigUint64(o + MOD_RESERVED, 0n, true);
  });
  return b;
}
