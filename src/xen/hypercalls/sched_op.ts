// sched_op (29): `(cmd, arg)` (reference §3; xen/include/public/sched.h).

import type { FamilyResult, HypercallCall } from "../hypercall.js";
import type { Xen } from "../xen.js";
import { EINVAL, EPERM } from "../errno.js";
import { SHUTDOWN_REASONS } from "../guest.js";
import { GuestStruct } from "../abi/struct.js";
import {
  SCHEDOP_block,
  SCHEDOP_poll,
  SCHEDOP_remote_shutdown,
  SCHEDOP_shutdown,
  SCHEDOP_shutdown_code,
  SCHEDOP_yield,
  SCHED_POLL,
  SCHED_POLL_MAX_PORTS,
  SCHED_SHUTDOWN,
  SHUTDOWN_MAX,
  SHUTDOWN_suspend,
} from "../abi/sched.js";

export function schedOp(xen: Xen, c: HypercallCall): FamilyResult {
  const cmd = Number(c.args[0] & 0xffff_ffffn);
  const arg = c.args[1];
  const v = c.vcpu.id;
  switch (cmd) {
    case SCHEDOP_yield:
      // hvc_xen spins on yield while the console ring is full: drain it now.
      xen.drainConsole();
      return { result: 0n, yield: true };
    case SCHEDOP_block:
      // Re-enable event delivery and re-check atomically before sleeping.
      xen.shinfo.clearUpcallMask(v);
      if (xen.shinfo.upcallPending(v)) return 0;
      return { block: true, untilNs: null };
    case SCHEDOP_shutdown: {
      const reason = GuestStruct.read(c.vcpu, arg, SCHED_SHUTDOWN.of(c.long)).get("reason");
      if (reason > SHUTDOWN_MAX) return -EINVAL;
      if (reason === SHUTDOWN_suspend) {
        // No toolstack to save the domain: the suspend is cancelled at once.
        xen.info("guest asked to suspend; cancelled");
        return 1;
      }
      return xen.shutdown(SHUTDOWN_REASONS[reason]);
    }
    case SCHEDOP_shutdown_code: {
      xen.shutdownCode = GuestStruct.read(c.vcpu, arg, SCHED_SHUTDOWN.of(c.long)).get("reason");
      return 0;
    }
    case SCHEDOP_poll:
      return poll(xen, c, arg);
    case SCHEDOP_remote_shutdown:
      return -EPERM; // a domU may not shut others down
    default:
      return undefined;
  }
}

/** Return at once if an upcall is deliverable or a listed port is pending; otherwise
 * block until an event or the (absolute, system time) timeout. Spurious wakeups are fine. */
function poll(xen: Xen, c: HypercallCall, arg: bigint): FamilyResult {
  const s = GuestStruct.read(c.vcpu, arg, SCHED_POLL.of(c.long));
  const nr = s.get("nr_ports");
  if (nr > SCHED_POLL_MAX_PORTS) return -EINVAL;
  const ports = new DataView(c.vcpu.readVirt(s.big("ports"), nr * 4).buffer);
  let pending = false;
  for (let i = 0; i < nr; i++) {
    const p = ports.getUint32(i * 4, true);
    if (p >= xen.evtchn.maxPorts) return -EINVAL;
    if (xen.evtchn.isPending(p)) pending = true;
  }
  if (pending || xen.shinfo.upcallPending(c.vcpu.id)) return 0;
  const timeout = s.big("timeout");
  if (timeout !== 0n && timeout <= xen.time.nowNs()) return 0;
  return { block: true, untilNs: timeout === 0n ? null : timeout };
}
