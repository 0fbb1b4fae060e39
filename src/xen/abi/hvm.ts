// HVMOP_* argument structs (xen/include/public/hvm/hvm_op.h) and HVM_PARAM_* indices
// (xen/include/public/hvm/params.h).

import { defineStruct } from "./struct.js";

const H = "xen/include/public/hvm/hvm_op.h";

export const HVMOP_set_param = 0;
export const HVMOP_get_param = 1;
export const HVMOP_pagetable_dying = 9;
export const HVMOP_get_time = 10;
export const HVMOP_set_evtchn_upcall_vector = 23;

export const XEN_HVM_PARAM = defineStruct(
  "xen_hvm_param",
  H,
  { domid: ["u16", 0], index: ["u32", 4], value: ["u64", 8] },
  16,
);
export const XEN_HVM_EVTCHN_UPCALL_VECTOR = defineStruct(
  "xen_hvm_evtchn_upcall_vector",
  H,
  { vcpu: ["u32", 0], vector: ["u8", 4] },
  8,
);
export const XEN_HVM_GET_TIME = defineStruct("xen_hvm_get_time", H, { now: ["u64", 0] }, 8);

export const HVM_PARAM_CALLBACK_IRQ = 0;
export const HVM_PARAM_STORE_PFN = 1;
export const HVM_PARAM_STORE_EVTCHN = 2;
export const HVM_PARAM_IOREQ_PFN = 5;
export const HVM_PARAM_BUFIOREQ_PFN = 6;
export const HVM_PARAM_VIRIDIAN = 9;
export const HVM_PARAM_TIMER_MODE = 10;
export const HVM_PARAM_HPET_ENABLED = 11;
export const HVM_PARAM_IDENT_PT = 12;
export const HVM_PARAM_ACPI_S_STATE = 14;
export const HVM_PARAM_VM86_TSS = 15;
export const HVM_PARAM_VPT_ALIGN = 16;
export const HVM_PARAM_CONSOLE_PFN = 17;
export const HVM_PARAM_CONSOLE_EVTCHN = 18;
export const HVM_PARAM_ACPI_IOPORTS_LOCATION = 19;
export const HVM_PARAM_TRIPLE_FAULT_REASON = 31;
export const HVM_PARAM_VM_GENERATION_ID_ADDR = 34;
export const HVM_PARAM_ALTP2M = 35;
export const HVM_PARAM_X87_FIP_WIDTH = 36;
export const HVM_PARAM_VM86_TSS_SIZED = 37;
export const HVM_PARAM_MCA_CAP = 38;
export const HVM_NR_PARAMS = 39;

/** HVM_PARAM_CALLBACK_IRQ bits 63:56 */
export const HVM_PARAM_CALLBACK_TYPE_GSI = 0;
export const HVM_PARAM_CALLBACK_TYPE_PCI_INTX = 1;
export const HVM_PARAM_CALLBACK_TYPE_VECTOR = 2;
