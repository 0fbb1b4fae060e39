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
