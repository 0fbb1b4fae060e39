// set_timer_op (15): `(u64 timeout_abs_ns)`; in the 32-bit ABI the u64 is split over
// EBX (low) and ECX (high) (reference §2/§3).

import type { FamilyResult, HypercallCall } from "../hypercall.js";
import type { Xen } from "../xen.js";

export function setTimerOp(xen: Xen, c: HypercallCall): FamilyResult {
  const timeout = c.long ? c.args[0] : c.args[0] | (c.args[1] << 32n);
  return xen.timers.setTimerOp(c.vcpu.id, timeout);
}
