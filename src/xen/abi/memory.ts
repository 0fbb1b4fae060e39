// XENMEM_* argument structs (xen/include/public/memory.h).

import { defineStruct } from "./struct.js";

const H = "xen/include/public/memory.h";

export const XENMEM_increase_reservation = 0;
export const XENMEM_decrease_reservation = 1;
export const XENMEM_maximum_ram_page = 2;
export const XENMEM_current_reservation = 3;
export const XENMEM_maximum_reservation = 4;
export const XENMEM_populate_physmap = 6;
export const XENMEM_add_to_physmap = 7;
export const XENMEM_memory_map = 9;
export const XENMEM_machphys_mapping = 12;
export const XENMEM_maximum_gpfn = 14;
export const XENMEM_add_to_physmap_batch = 23;

/** xen_add_to_physmap.space */
export const XENMAPSPACE_shared_info = 0;
export const XENMAPSPACE_grant_table = 1;
export const XENMAPSPACE_gmfn = 2;
export const XENMAPSPACE_gmfn_range = 3;
export const XENMAPSPACE_gmfn_foreign = 4;
export const XENMAPSPACE_dev_mmio = 5;
/** OR-ed into idx for XENMAPSPACE_grant_table: a v2 status frame. */
export const XENMAPIDX_grant_table_status = 0x80000000;

export const XEN_ADD_TO_PHYSMAP = defineStruct(
  "xen_add_to_physmap",
  H,
  { domid: ["u16", 0], size: ["u16", 2], space: ["u32", 4], idx: ["ulong", 8, 8], gpfn: ["pfn", 16, 12] },
  24,
  16,
);
export const XEN_ADD_TO_PHYSMAP_BATCH = defineStruct(
  "xen_add_to_physmap_batch",
  H,
  {
    domid: ["u16", 0],
    space: ["u16", 2],
    size: ["u16", 4],
    foreign_domid: ["u16", 6],
    idxs: ["handle", 8, 8],
    gpfns: ["handle", 16, 12],
    errs: ["handle", 24, 16],
  },
  32,
  20,
);
export const XEN_MEMORY_MAP = defineStruct(
  "xen_memory_map",
  H,
  { nr_entries: ["u32", 0], buffer: ["handle", 8, 4] },
  16,
  8,
);
/** The e820 records XENMEM_memory_map returns: packed {u64 addr, u64 size, u32 type}. */
export const E820_ENTRY_SIZE = 20;

export const XEN_MEMORY_RESERVATION = defineStruct(
  "xen_memory_reservation",
  H,
  {
    extent_start: ["handle", 0, 0],
    nr_extents: ["ulong", 8, 4],
    extent_order: ["u32", 16, 8],
    mem_flags: ["u32", 20, 12],
    domid: ["u16", 24, 16],
  },
  32,
  20,
);
