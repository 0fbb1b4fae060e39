// hvm_op (34): `(cmd, arg)` (reference §3/§4; xen/include/public/hvm/hvm_op.h).

import type { FamilyResult, HypercallCall } from "../hypercall.js";
import type { Xen } from "../xen.js";
import { ESRCH } from "../errno.js";
import { GuestStruct } from "../abi/struct.js";
import {
  HVMOP_get_param,
  HVMOP_get_time,
  HVMOP_set_evtchn_upcall_vector,
  HVMOP_set_param,
  HVM_PARAM_CALLBACK_IRQ,
  XEN_HVM_EVTCHN_UPCALL_VECTOR,
  XEN_HVM_GET_TIME,
  XEN_HVM_PARAM,
} from "../abi/hvm.js";

export function hvmOp(xen: Xen, c: HypercallCall): FamilyResult {
  const cmd = Number(c.args[0] & 0xffff_ffffn);
  const arg = c.args[1];
  switch (cmd) {
    case HVMOP_set_param:
    case HVMOP_get_param: {
      const s = GuestStruct.read(c.vcpu, arg, XEN_HVM_PARAM.of(c.long));
      if (!xen.isSelf(s.get("domid"))) return -ESRCH;
      const index = s.get("index");
      if (cmd === HVMOP_set_param) {
        // Setting the callback also latches the shared_info layout (reference §4/§5).
        if (index === HVM_PARAM_CALLBACK_IRQ) xen.noteGuestMode(c.long);
        return xen.params.guestSet(index, s.big("value"));
      }
      const v = xen.params.guestGet(index);
      if (typeof v === "number") return v;
      s.set("value", v).writeBack(c.vcpu, arg, "value");
      return 0;
    }
    case HVMOP_set_evtchn_upcall_vector: {
      const s = GuestStruct.read(c.vcpu, arg, XEN_HVM_EVTCHN_UPCALL_VECTOR.of(c.long));
      return xen.evtchn.setUpcallVector(s.get("vcpu"), s.get("vector"));
    }
    case HVMOP_get_time: {
      new GuestStruct(XEN_HVM_GET_TIME.of(c.long)).set("now", xen.time.nowNs()).writeBack(c.vcpu, arg);
      return 0;
    }
    default:
      return undefined;
  }
}
