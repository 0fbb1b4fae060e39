// shared_info, vcpu_info and vcpu_time_info (xen/include/public/xen.h,
// arch-x86/xen.h). These live in host-owned or guest-registered memory rather
// than in hypercall arguments, so they are plain offsets: byte offsets within
// the 4 KiB shared_info page (64-bit / 32-bit layout), and within one 64-byte
// vcpu_info.

/** Slots in shared_info.vcpu_info[] (XEN_LEGACY_MAX_VCPUS). */
export const XEN_LEGACY_MAX_VCPUS = 32;

export const VCPU_INFO_SIZE = 64;
export const VCPU_INFO_UPCALL_PENDING = 0; // u8
export const VCPU_INFO_UPCALL_MASK = 1; // u8
/** evtchn_pending_sel: u64 at 8 in the 64-bit layout, u32 at 4 in the 32-bit one. */
export const VCPU_INFO_PENDING_SEL_64 = 8;
export const VCPU_INFO_PENDING_SEL_32 = 4;
export const VCPU_INFO_TIME = 32; // vcpu_time_info

/** vcpu_time_info: identical in both layouts. */
export const VCPU_TIME_INFO_SIZE = 32;
export const TIME_VERSION = 0; // u32, odd while the hypervisor updates
export const TIME_TSC_TIMESTAMP = 8; // u64
export const TIME_SYSTEM_TIME = 16; // u64 ns
export const TIME_TSC_TO_SYSTEM_MUL = 24; // u32
export const TIME_TSC_SHIFT = 28; // i8
export const TIME_FLAGS = 29; // u8
export const XEN_PVCLOCK_TSC_STABLE_BIT = 1 << 0;
export const XEN_PVCLOCK_GUEST_STOPPED = 1 << 1;

/** shared_info field offsets in one layout. */
export interface SharedInfoLayout {
  readonly evtchn_pending: number;
  readonly evtchn_mask: number;
  readonly wc_version: number;
  readonly wc_sec: number;
  readonly wc_nsec: number;
  readonly wc_sec_hi: number;
  readonly arch: number;
  readonly size: number;
  /** Bits per evtchn_pending/mask word and per pending_sel bit (W). */
  readonly wordBits: 64 | 32;
  /** 2-level port limit: W × W. */
  readonly maxPorts: number;
  readonly pendingSel: number;
}

export const SHARED_INFO_64: SharedInfoLayout = {
  evtchn_pending: 2048,
  evtchn_mask: 2560,
  wc_version: 3072,
  wc_sec: 3076,
  wc_nsec: 3080,
  wc_sec_hi: 3084,
  arch: 3088,
  size: 3136,
  wordBits: 64,
  maxPorts: 4096,
  pendingSel: VCPU_INFO_PENDING_SEL_64,
};

export const SHARED_INFO_32: SharedInfoLayout = {
  evtchn_pending: 2048,
  evtchn_mask: 2176,
  wc_version: 2304,
  wc_sec: 2308,
  wc_nsec: 2312,
  wc_sec_hi: 2340,
  arch: 2316,
  size: 2344,
  wordBits: 32,
  maxPorts: 1024,
  pendingSel: VCPU_INFO_PENDING_SEL_32,
};

// Load-time checks: the bitmaps hold maxPorts bits each and nothing overlaps.
for (const l of [SHARED_INFO_64, SHARED_INFO_32]) {
  const bitmapBytes = l.maxPorts / 8;
  if (l.evtchn_pending !== XEN_LEGACY_MAX_VCPUS * VCPU_INFO_SIZE) throw new Error("abi shared_info: vcpu_info[]");
  if (l.evtchn_mask !== l.evtchn_pending + bitmapBytes) throw new Error("abi shared_info: evtchn_mask");
  if (l.wc_version !== l.evtchn_mask + bitmapBytes) throw new Error("abi shared_info: wc_version");
  if (l.size > 4096) throw new Error("abi shared_info: size");
}
