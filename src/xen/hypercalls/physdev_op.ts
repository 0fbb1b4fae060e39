// physdev_op (33): `(cmd, arg)`, the PIRQ subset (reference §3; xen/include/public/physdev.h).
// Only meaningful with XENFEAT_hvm_pirqs, which xpvh does not advertise.

import type { FamilyResult, HypercallCall } from "../hypercall.js";
import type { Xen } from "../xen.js";
import { EINVAL, EPERM } from "../errno.js";
import { GuestStruct } from "../abi/struct.js";
import {
  MAP_PIRQ_TYPE_GSI,
  PHYSDEVOP_eoi,
  PHYSDEVOP_get_free_pirq,
  PHYSDEVOP_irq_status_query,
  PHYSDEVOP_map_pirq,
  PHYSDEVOP_unmap_pirq,
  PHYSDEV_EOI,
  PHYSDEV_GET_FREE_PIRQ,
  PHYSDEV_IRQ_STATUS_QUERY,
  PHYSDEV_MAP_PIRQ,
  PHYSDEV_UNMAP_PIRQ,
  XENIRQSTAT_needs_eoi,
} from "../abi/physdev.js";

export function physdevOp(xen: Xen, c: HypercallCall): FamilyResult {
  const cmd = Number(c.args[0] & 0xffff_ffffn);
  const arg = c.args[1];
  const pirqs = xen.evtchn.pirqs;
  switch (cmd) {
    case PHYSDEVOP_map_pirq: {
      const s = GuestStruct.read(c.vcpu, arg, PHYSDEV_MAP_PIRQ.of(c.long));
      if (!xen.isSelf(s.get("domid"))) return -EPERM;
      const p = pirqs.map(s.get("type"), s.get("index"), s.get("pirq"));
      if (p < 0) return p;
      s.set("pirq", p).writeBack(c.vcpu, arg, "pirq");
      return 0;
    }
    case PHYSDEVOP_unmap_pirq: {
      const s = GuestStruct.read(c.vcpu, arg, PHYSDEV_UNMAP_PIRQ.of(c.long));
      if (!xen.isSelf(s.get("domid"))) return -EPERM;
      const port = pirqs.unmap(s.get("pirq"));
      if (port < 0) return port;
      if (port) xen.evtchn.close(port);
      return 0;
    }
    case PHYSDEVOP_eoi: {
      const irq = GuestStruct.read(c.vcpu, arg, PHYSDEV_EOI.of(c.long)).get("irq");
      return pirqs.inRange(irq) ? 0 : -EINVAL;
    }
    case PHYSDEVOP_irq_status_query: {
      const s = GuestStruct.read(c.vcpu, arg, PHYSDEV_IRQ_STATUS_QUERY.of(c.long));
      const irq = s.get("irq");
      if (!pirqs.inRange(irq)) return -EINVAL;
      const e = pirqs.get(irq);
      s.set("flags", e && e.type === MAP_PIRQ_TYPE_GSI ? XENIRQSTAT_needs_eoi : 0).writeBack(c.vcpu, arg, "flags");
      return 0;
    }
    case PHYSDEVOP_get_free_pirq: {
      const s = GuestStruct.read(c.vcpu, arg, PHYSDEV_GET_FREE_PIRQ.of(c.long));
      const p = pirqs.reserve(s.get("type"));
      if (p < 0) return p;
      s.set("pirq", p).writeBack(c.vcpu, arg, "pirq");
      return 0;
    }
    default:
      return undefined;
  }
}
