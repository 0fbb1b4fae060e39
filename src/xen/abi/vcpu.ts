// VCPUOP_* argument structs and vcpu_runstate_info (xen/include/public/vcpu.h).

import { defineStruct } from "./struct.js";

const H = "xen/include/public/vcpu.h";

export const VCPUOP_initialise = 0;
export const VCPUOP_up = 1;
export const VCPUOP_down = 2;
export const VCPUOP_is_up = 3;
export const VCPUOP_get_runstate_info = 4;
export const VCPUOP_register_runstate_memory_area = 5;
export const VCPUOP_set_periodic_timer = 6;
export const VCPUOP_stop_periodic_timer = 7;
export const VCPUOP_set_singleshot_timer = 8;
export const VCPUOP_stop_singleshot_timer = 9;
export const VCPUOP_register_vcpu_info = 10;
export const VCPUOP_send_nmi = 11;
export const VCPUOP_get_physid = 12;
export const VCPUOP_register_vcpu_time_memory_area = 13;

/** vcpu_set_singleshot_timer.flags bit 0 */
export const VCPU_SSHOTTMR_future = 1;

/** RUNSTATE_* */
export const RUNSTATE_running = 0;
export const RUNSTATE_runnable = 1;
export const RUNSTATE_blocked = 2;
export const RUNSTATE_offline = 3;
/** Set in state_entry_time while the hypervisor updates the area (VMASST runstate_update_flag). */
export const XEN_RUNSTATE_UPDATE = 1n << 63n;

export const VCPU_REGISTER_VCPU_INFO = defineStruct(
  "vcpu_register_vcpu_info",
  H,
  { mfn: ["u64", 0], offset: ["u32", 8], rsvd: ["u32", 12] },
  16,
);
/** vcpu_register_runstate_memory_area and vcpu_register_time_memory_area: a union of
 * a handle and a u64, so 8 bytes in both ABIs; the 32-bit handle is the low half. */
export const VCPU_REGISTER_AREA = defineStruct(
  "vcpu_register_runstate_memory_area",
  H,
  { addr: ["handle", 0, 0] },
  8,
  8,
);
export const VCPU_SET_PERIODIC_TIMER = defineStruct(
  "vcpu_set_periodic_timer",
  H,
  { period_ns: ["u64", 0] },
  8,
);
export const VCPU_SET_SINGLESHOT_TIMER = defineStruct(
  "vcpu_set_singleshot_timer",
  H,
  { timeout_abs_ns: ["u64", 0], flags: ["u32", 8] },
  16,
  12,
);
export const VCPU_RUNSTATE_INFO = defineStruct(
  "vcpu_runstate_info",
  H,
  {
    state: ["i32", 0],
    state_entry_time: ["u64", 8, 4],
    time0: ["u64", 16, 12],
    time1: ["u64", 24, 20],
    time2: ["u64", 32, 28],
    time3: ["u64", 40, 36],
  },
  48,
  44,
);

/** vcpu_hvm_context.mode (xen/include/public/hvm/hvm_vcpu.h). */
export const VCPU_HVM_MODE_32B = 0;
export const VCPU_HVM_MODE_64B = 1;
/** sizeof(vcpu_hvm_context): mode, pad, then the larger member of the register union. */
export const VCPU_HVM_CONTEXT_SIZE = 128;

/** One segment of a 32-bit vcpu_hvm_context: `ar` in the compressed form of the
 * header (bits 0-7 type/S/DPL/P, bits 8-11 AVL/L/D/G). */
export interface HvmSegment {
  base: number;
  limit: number;
  ar: number;
}

/** VCPUOP_initialise's argument for HVM/PVH vCPUs, decoded. The 32-bit form has
 * explicit segments; the 64-bit one starts in flat 64-bit mode. */
export interface HvmVcpuContext {
  mode: number;
  /** rax rcx rdx rbx rsp rbp rsi rdi: the SDM order, as the struct keeps them. */
  gprs: bigint[];
  rip: bigint;
  rflags: bigint;
  cr0: bigint;
  cr3: bigint;
  cr4: bigint;
  efer: bigint;
  /** 32-bit mode: cs ds ss es tr. */
  segments?: { cs: HvmSegment; ds: HvmSegment; ss: HvmSegment; es: HvmSegment; tr: HvmSegment };
}

/** Decodes a vcpu_hvm_context (the same bytes in both hypercall ABIs); null for an unknown mode. */
export function decodeHvmVcpuContext(b: Uint8Array): HvmVcpuContext | null {
  const d = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const mode = d.getUint32(0, true);
  const R = 8; // the register union
  // Both forms: rax..rdi, rip, rflags, cr0, cr3, cr4 as registers 0-12 of their width.
  const regs = (r: (i: number) => bigint) => ({
    gprs: [0, 1, 2, 3, 4, 5, 6, 7].map(r),
    rip: r(8),
    rflags: r(9),
    cr0: r(10),
    cr3: r(11),
    cr4: r(12),
  });
  if (mode === VCPU_HVM_MODE_64B) {
    const q = (i: number) => d.getBigUint64(R + i * 8, true);
    return { mode, ...regs(q), efer: q(13) };
  }
  if (mode !== VCPU_HVM_MODE_32B) return null;
  const w = (i: number) => BigInt(d.getUint32(R + i * 4, true));
  const seg = (i: number): HvmSegment => ({
    base: d.getUint32(R + 64 + i * 4, true),
    limit: d.getUint32(R + 84 + i * 4, true),
    ar: d.getUint16(R + 104 + i * 2, true),
  });
  return {
    mode,
    ...regs(w),
    efer: d.getBigUint64(R + 56, true),
    segments: { cs: seg(0), ds: seg(1), ss: seg(2), es: seg(3), tr: seg(4) },
  };
}
