// GNTTABOP_* argument structs and the v1 grant entry (xen/include/public/grant_table.h).

import { defineStruct } from "./struct.js";

const H = "xen/include/public/grant_table.h";

export const GNTTABOP_map_grant_ref = 0;
export const GNTTABOP_unmap_grant_ref = 1;
export const GNTTABOP_setup_table = 2;
export const GNTTABOP_dump_table = 3;
export const GNTTABOP_transfer = 4;
export const GNTTABOP_copy = 5;
export const GNTTABOP_query_size = 6;
export const GNTTABOP_unmap_and_replace = 7;
export const GNTTABOP_set_version = 8;
export const GNTTABOP_get_status_frames = 9;
export const GNTTABOP_get_version = 10;

/** grant_entry_v1: 8 bytes, 512 per 4 KiB frame. */
export const GRANT_ENTRY_V1_SIZE = 8;
export const GRANT_ENTRY_V1_FLAGS = 0; // u16
export const GRANT_ENTRY_V1_DOMID = 2; // u16
export const GRANT_ENTRY_V1_FRAME = 4; // u32
export const GRANT_ENTRIES_PER_FRAME = 4096 / GRANT_ENTRY_V1_SIZE;

/** grant_entry_v1.flags */
export const GTF_type_mask = 3;
export const GTF_invalid = 0;
export const GTF_permit_access = 1;
export const GTF_accept_transfer = 2;
export const GTF_transitive = 3;
export const GTF_readonly = 1 << 2;
export const GTF_reading = 1 << 3;
export const GTF_writing = 1 << 4;
export const GTF_sub_page = 1 << 8;

/** Reserved refs (xen/include/public/grant_table.h GNTTAB_RESERVED_*). */
export const GNTTAB_RESERVED_CONSOLE = 0;
export const GNTTAB_RESERVED_XENSTORE = 1;
export const GNTTAB_NR_RESERVED_ENTRIES = 8;

/** gnttab_copy.flags */
export const GNTCOPY_source_gref = 1;
export const GNTCOPY_dest_gref = 2;

export const GNTTAB_SETUP_TABLE = defineStruct(
  "gnttab_setup_table",
  H,
  { dom: ["u16", 0], nr_frames: ["u32", 4], status: ["i16", 8], frame_list: ["handle", 16, 12] },
  24,
  16,
);
export const GNTTAB_QUERY_SIZE = defineStruct(
  "gnttab_query_size",
  H,
  { dom: ["u16", 0], nr_frames: ["u32", 4], max_nr_frames: ["u32", 8], status: ["i16", 12] },
  16,
);
export const GNTTAB_SET_VERSION = defineStruct("gnttab_set_version", H, { version: ["u32", 0] }, 4);
export const GNTTAB_GET_VERSION = defineStruct(
  "gnttab_get_version",
  H,
  { dom: ["u16", 0], version: ["u32", 4] },
  8,
);
/** gnttab_copy: two gnttab_copy_ptr {union {ref, gmfn}; domid; offset}, then len, flags, status. */
export const GNTTAB_COPY = defineStruct(
  "gnttab_copy",
  H,
  {
    source_u: ["pfn", 0, 0],
    source_domid: ["u16", 8, 4],
    source_offset: ["u16", 10, 6],
    dest_u: ["pfn", 16, 8],
    dest_domid: ["u16", 24, 12],
    dest_offset: ["u16", 26, 14],
    len: ["u16", 32, 16],
    flags: ["u16", 34, 18],
    status: ["i16", 36, 20],
  },
  40,
  24,
);
