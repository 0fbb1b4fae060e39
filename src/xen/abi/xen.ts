// Hypercall numbers, special domain ids and multicall entries (xen/include/public/xen.h).

import { defineStruct } from "./struct.js";

export const HYPERVISOR_memory_op = 12;
export const HYPERVISOR_multicall = 13;
export const HYPERVISOR_set_timer_op = 15;
export const HYPERVISOR_xen_version = 17;
export const HYPERVISOR_console_io = 18;
export const HYPERVISOR_grant_table_op = 20;
export const HYPERVISOR_vm_assist = 21;
export const HYPERVISOR_iret = 23;
export const HYPERVISOR_vcpu_op = 24;
export const HYPERVISOR_sched_op = 29;
export const HYPERVISOR_event_channel_op = 32;
export const HYPERVISOR_physdev_op = 33;
export const HYPERVISOR_hvm_op = 34;

export const DOMID_SELF = 0x7ff0;
export const DOMID_IO = 0x7ff1;
export const DOMID_XEN = 0x7ff2;
export const DOMID_COW = 0x7ff3;
export const DOMID_INVALID = 0x7ff4;
export const DOMID_ANY = 0x7ff5;
export const DOMID_IDLE = 0x7fff;

/** The host plays dom0: backends, xenstored and the console daemon all live there. */
export const DOMID_HOST = 0;

/** VMASST_* (xen/include/public/xen.h): the only type an HVM/PVH guest may set is 5. */
export const VMASST_CMD_enable = 0;
export const VMASST_CMD_disable = 1;
export const VMASST_TYPE_runstate_update_flag = 5;

/** multicall_entry: op, result, args[6], all xen_ulong_t. */
export const MULTICALL_ENTRY = defineStruct(
  "multicall_entry",
  "xen/include/public/xen.h",
  {
    op: ["ulong", 0, 0],
    result: ["ulong", 8, 4],
    arg0: ["ulong", 16, 8],
    arg1: ["ulong", 24, 12],
    arg2: ["ulong", 32, 16],
    arg3: ["ulong", 40, 20],
    arg4: ["ulong", 48, 24],
    arg5: ["ulong", 56, 28],
  },
  64,
  32,
);
