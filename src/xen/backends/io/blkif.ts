// The PV block protocol (xen/include/public/io/blkif.h): request and response
// layouts for both ABIs a frontend may name in its `protocol` key, operations,
// statuses and the VDISK_* info bits.
//
// The two request layouts differ only by alignment: in the x86_64 ABI `id` (u64)
// is 8-aligned, so 4 bytes of padding follow `handle`; in the x86_32 ABI a u64 is
// 4-aligned and the struct is packed (Linux's xen-blkback/common.h spells both out).
//
//   x86_64: operation@0 nr_segments@1 handle@2 [pad 4] id@8  sector_number@16 seg[11]@24 = 112
//   x86_32: operation@0 nr_segments@1 handle@2         id@4  sector_number@12 seg[11]@20 = 108
//   segment: gref u32@0, first_sect u8@4, last_sect u8@5, pad u16           = 8
//   response x86_64: id@0 operation@8 status i16@10 = 16; x86_32 (pack 4): the same = 12
//   discard: flag@1 (was nr_segments), id, sector_number, nr_sectors u64 after it
//   indirect x86_64: operation@0 indirect_op@1 nr_segments u16@2 id@8 sector_number@16
//                    handle@24 indirect_grefs[8]@28 = 64 (60 rounded to the u64 alignment)
//   indirect x86_32: operation@0 indirect_op@1 nr_segments u16@2 id@4 sector_number@12
//                    handle@20 indirect_grefs[8]@24, pad u64 = 64
//   The indirect pages hold blkif_request_segment arrays, 512 per page.

import { defineStruct } from "../../abi/struct.js";
import { ringSize } from "./ring.js";

const H = "xen/include/public/io/blkif.h";

export const BLKIF_OP_READ = 0;
export const BLKIF_OP_WRITE = 1;
export const BLKIF_OP_WRITE_BARRIER = 2;
export const BLKIF_OP_FLUSH_DISKCACHE = 3;
export const BLKIF_OP_RESERVED_1 = 4;
export const BLKIF_OP_DISCARD = 5;
export const BLKIF_OP_INDIRECT = 6;

export const BLKIF_RSP_EOPNOTSUPP = -2;
export const BLKIF_RSP_ERROR = -1;
export const BLKIF_RSP_OKAY = 0;

export const BLKIF_MAX_SEGMENTS_PER_REQUEST = 11;
/** first_sect/last_sect and sector_number always count 512-byte units. */
export const BLKIF_SECTOR_BYTES = 512;
/** Sectors in one 4 KiB segment page: last_sect is at most 7. */
export const BLKIF_SECTORS_PER_PAGE = 8;
/** Indirect segment pages one request may name, and segments per such page. */
export const BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST = 8;
export const BLKIF_SEGS_PER_INDIRECT_FRAME = 4096 / 8;
/** blkif_request_discard.flag */
export const BLKIF_DISCARD_SECURE = 1;

export const VDISK_CDROM = 0x1;
export const VDISK_REMOVABLE = 0x2;
export const VDISK_READONLY = 0x4;

/** The `protocol` strings of xen/include/public/io/protocols.h. */
export const XEN_IO_PROTO_ABI_X86_32 = "x86_32-abi";
export const XEN_IO_PROTO_ABI_X86_64 = "x86_64-abi";

/** blkif_request's fixed part (of(true) = x86_64, of(false) = x86_32). */
export const BLKIF_REQUEST = defineStruct(
  "blkif_request",
  H,
  {
    operation: ["u8", 0],
    nr_segments: ["u8", 1],
    handle: ["u16", 2],
    id: ["u64", 8, 4],
    sector_number: ["u64", 16, 12],
  },
  112,
  108,
);
/** Offset of seg[0] in blkif_request. */
export const BLKIF_REQUEST_SEG = { x86_64: 24, x86_32: 20 } as const;

export const BLKIF_REQUEST_SEGMENT = defineStruct(
  "blkif_request_segment",
  H,
  { gref: ["u32", 0], first_sect: ["u8", 4], last_sect: ["u8", 5] },
  8,
);

export const BLKIF_REQUEST_DISCARD = defineStruct(
  "blkif_request_discard",
  H,
  {
    operation: ["u8", 0],
    flag: ["u8", 1],
    id: ["u64", 8, 4],
    sector_number: ["u64", 16, 12],
    nr_sectors: ["u64", 24, 20],
  },
  112,
  108,
);

export const BLKIF_REQUEST_INDIRECT = defineStruct(
  "blkif_request_indirect",
  H,
  {
    operation: ["u8", 0],
    indirect_op: ["u8", 1],
    nr_segments: ["u16", 2],
    id: ["u64", 8, 4],
    sector_number: ["u64", 16, 12],
    handle: ["u16", 24, 20],
  },
  64,
  64,
);
/** Offset of indirect_grefs[0] in blkif_request_indirect. */
export const BLKIF_REQUEST_INDIRECT_GREFS = { x86_64: 28, x86_32: 24 } as const;

export const BLKIF_RESPONSE = defineStruct(
  "blkif_response",
  H,
  { id: ["u64", 0], operation: ["u8", 8], status: ["i16", 10] },
  16,
  12,
);

/** Ring entries per page: the union of request and response, so the request size. */
export const BLKIF_RING_SIZE = { x86_64: ringSize(112), x86_32: ringSize(108) } as const;

// Load-time checks against the header's arithmetic: 11 segments end the request,
// and both ABIs give 32 entries per page.
if (BLKIF_REQUEST_SEG.x86_64 + BLKIF_MAX_SEGMENTS_PER_REQUEST * 8 !== BLKIF_REQUEST.l64.size) throw new Error("abi blkif_request/64");
if (BLKIF_REQUEST_SEG.x86_32 + BLKIF_MAX_SEGMENTS_PER_REQUEST * 8 !== BLKIF_REQUEST.l32.size) throw new Error("abi blkif_request/32");
if (BLKIF_RING_SIZE.x86_64 !== 32 || BLKIF_RING_SIZE.x86_32 !== 32) throw new Error("abi blkif ring size");
