// XENVER_* commands, their buffers and XENFEAT_* bits (xen/include/public/version.h,
// xen/include/public/features.h).

import { defineStruct } from "./struct.js";

const H = "xen/include/public/version.h";

export const XENVER_version = 0;
export const XENVER_extraversion = 1;
export const XENVER_compile_info = 2;
export const XENVER_capabilities = 3;
export const XENVER_changeset = 4;
export const XENVER_platform_parameters = 5;
export const XENVER_get_features = 6;
export const XENVER_pagesize = 7;
export const XENVER_guest_handle = 8;
export const XENVER_commandline = 9;

export const XEN_EXTRAVERSION_LEN = 16;
export const XEN_CAPABILITIES_INFO_LEN = 1024;
export const XEN_CHANGESET_INFO_LEN = 64;
export const XEN_DOMAIN_HANDLE_LEN = 16;
export const XEN_COMMANDLINE_LEN = 1024;

/** xen_compile_info: four NUL-padded strings. */
export const XEN_COMPILE_INFO = {
  compiler: { off: 0, len: 64 },
  compile_by: { off: 64, len: 16 },
  compile_domain: { off: 80, len: 32 },
  compile_date: { off: 112, len: 32 },
  size: 144,
} as const;

export const XEN_FEATURE_INFO = defineStruct(
  "xen_feature_info",
  H,
  { submap_idx: ["u32", 0], submap: ["u32", 4] },
  8,
);
export const XEN_PLATFORM_PARAMETERS = defineStruct(
  "xen_platform_parameters",
  H,
  { virt_start: ["ulong", 0, 0] },
  8,
  4,
);

export const XENFEAT_writable_page_tables = 0;
export const XENFEAT_writable_descriptor_tables = 1;
export const XENFEAT_auto_translated_physmap = 2;
export const XENFEAT_supervisor_mode_kernel = 3;
export const XENFEAT_hvm_callback_vector = 8;
export const XENFEAT_hvm_safe_pvclock = 9;
export const XENFEAT_hvm_pirqs = 10;
