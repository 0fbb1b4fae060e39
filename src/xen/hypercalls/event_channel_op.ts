// event_channel_op (32): `(cmd, arg)` (reference §3/§6; xen/include/public/event_channel.h).
// The semantics live in src/xen/evtchn.ts; this is argument plumbing.

import type { FamilyResult, HypercallCall } from "../hypercall.js";
import type { Xen } from "../xen.js";
import { GuestStruct } from "../abi/struct.js";
import {
  EVTCHNOP_alloc_unbound,
  EVTCHNOP_bind_interdomain,
  EVTCHNOP_bind_ipi,
  EVTCHNOP_bind_pirq,
  EVTCHNOP_bind_vcpu,
  EVTCHNOP_bind_virq,
  EVTCHNOP_close,
  EVTCHNOP_expand_array,
  EVTCHNOP_init_control,
  EVTCHNOP_reset,
  EVTCHNOP_set_priority,
  EVTCHNOP_send,
  EVTCHNOP_status,
  EVTCHNOP_unmask,
  EVTCHN_ALLOC_UNBOUND,
  EVTCHN_BIND_INTERDOMAIN,
  EVTCHN_BIND_IPI,
  EVTCHN_BIND_PIRQ,
  EVTCHN_BIND_VCPU,
  EVTCHN_BIND_VIRQ,
  EVTCHN_EXPAND_ARRAY,
  EVTCHN_FIFO_LINK_BITS,
  EVTCHN_INIT_CONTROL,
  EVTCHN_PORT,
  EVTCHN_RESET,
  EVTCHN_SET_PRIORITY,
  EVTCHN_STATUS,
} from "../abi/event_channel.js";
import type { Layout } from "../abi/struct.js";

export function eventChannelOp(xen: Xen, c: HypercallCall): FamilyResult {
  const cmd = Number(c.args[0] & 0xffff_ffffn);
  const arg = c.args[1];
  const ev = xen.evtchn;
  const read = <F extends string>(l: Layout<F>): GuestStruct<F> => GuestStruct.read(c.vcpu, arg, l);
  /** Run an allocating op and write the new port into `field`. */
  const bind = <F extends string>(s: GuestStruct<F>, field: F, port: number): number => {
    if (port < 0) return port;
    s.set(field, port).writeBack(c.vcpu, arg, field);
    return 0;
  };
  switch (cmd) {
    case EVTCHNOP_alloc_unbound: {
      const s = read(EVTCHN_ALLOC_UNBOUND.l64);
      return bind(s, "port", ev.allocUnbound(s.get("dom"), s.get("remote_dom")));
    }
    case EVTCHNOP_bind_interdomain: {
      const s = read(EVTCHN_BIND_INTERDOMAIN.l64);
      return bind(s, "local_port", ev.bindInterdomain(s.get("remote_dom"), s.get("remote_port")));
    }
    case EVTCHNOP_bind_virq: {
      const s = read(EVTCHN_BIND_VIRQ.l64);
      return bind(s, "port", ev.bindVirq(s.get("virq"), s.get("vcpu")));
    }
    case EVTCHNOP_bind_pirq: {
      const s = read(EVTCHN_BIND_PIRQ.l64);
      return bind(s, "port", ev.bindPirq(s.get("pirq")));
    }
    case EVTCHNOP_bind_ipi: {
      const s = read(EVTCHN_BIND_IPI.l64);
      return bind(s, "port", ev.bindIpi(s.get("vcpu")));
    }
    case EVTCHNOP_close:
      return ev.close(read(EVTCHN_PORT.l64).get("port"));
    case EVTCHNOP_send:
      return ev.send(read(EVTCHN_PORT.l64).get("port"));
    case EVTCHNOP_unmask:
      return ev.unmask(read(EVTCHN_PORT.l64).get("port"));
    case EVTCHNOP_status: {
      const s = read(EVTCHN_STATUS.l64);
      const st = ev.status(s.get("dom"), s.get("port"));
      if (typeof st === "number") return st;
      s.set("status", st.status).set("vcpu", st.vcpu).set("u0", st.u0).set("u1", st.u1);
      s.writeBack(c.vcpu, arg, "status", "vcpu", "u0", "u1");
      return 0;
    }
    case EVTCHNOP_bind_vcpu: {
      const s = read(EVTCHN_BIND_VCPU.l64);
      return ev.bindVcpu(s.get("port"), s.get("vcpu"));
    }
    case EVTCHNOP_reset:
      return ev.reset(read(EVTCHN_RESET.l64).get("dom"));
    case EVTCHNOP_init_control: {
      const s = read(EVTCHN_INIT_CONTROL.l64);
      const rc = ev.initControl(s.get("vcpu"), s.big("control_gfn"), s.get("offset"));
      if (rc < 0) return rc;
      s.set("link_bits", EVTCHN_FIFO_LINK_BITS).writeBack(c.vcpu, arg, "link_bits");
      return 0;
    }
    case EVTCHNOP_expand_array:
      return ev.expandArray(read(EVTCHN_EXPAND_ARRAY.l64).big("array_gfn"));
    case EVTCHNOP_set_priority: {
      const s = read(EVTCHN_SET_PRIORITY.l64);
      return ev.setPriority(s.get("port"), s.get("priority"));
    }
    default:
      return undefined;
  }
}
