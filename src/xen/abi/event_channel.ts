// EVTCHNOP_* argument structs (xen/include/public/event_channel.h). Same layout in
// the 64-bit and the 32-bit ABI: every field is u16/u32.

import { defineStruct } from "./struct.js";

const H = "xen/include/public/event_channel.h";

export const EVTCHNOP_bind_interdomain = 0;
export const EVTCHNOP_bind_virq = 1;
export const EVTCHNOP_bind_pirq = 2;
export const EVTCHNOP_close = 3;
export const EVTCHNOP_send = 4;
export const EVTCHNOP_status = 5;
export const EVTCHNOP_alloc_unbound = 6;
export const EVTCHNOP_bind_ipi = 7;
export const EVTCHNOP_bind_vcpu = 8;
export const EVTCHNOP_unmask = 9;
export const EVTCHNOP_reset = 10;
export const EVTCHNOP_init_control = 11;
export const EVTCHNOP_expand_array = 12;
export const EVTCHNOP_set_priority = 13;

/** EVTCHNSTAT_* values of evtchn_status.status. */
export const EVTCHNSTAT_closed = 0;
export const EVTCHNSTAT_unbound = 1;
export const EVTCHNSTAT_interdomain = 2;
export const EVTCHNSTAT_pirq = 3;
export const EVTCHNSTAT_virq = 4;
export const EVTCHNSTAT_ipi = 5;

/** BIND_PIRQ__WILL_SHARE */
export const BIND_PIRQ_WILL_SHARE = 1;

export const EVTCHN_ALLOC_UNBOUND = defineStruct(
  "evtchn_alloc_unbound",
  H,
  { dom: ["u16", 0], remote_dom: ["u16", 2], port: ["u32", 4] },
  8,
);
export const EVTCHN_BIND_INTERDOMAIN = defineStruct(
  "evtchn_bind_interdomain",
  H,
  { remote_dom: ["u16", 0], remote_port: ["u32", 4], local_port: ["u32", 8] },
  12,
);
export const EVTCHN_BIND_VIRQ = defineStruct(
  "evtchn_bind_virq",
  H,
  { virq: ["u32", 0], vcpu: ["u32", 4], port: ["u32", 8] },
  12,
);
export const EVTCHN_BIND_PIRQ = defineStruct(
  "evtchn_bind_pirq",
  H,
  { pirq: ["u32", 0], flags: ["u32", 4], port: ["u32", 8] },
  12,
);
export const EVTCHN_BIND_IPI = defineStruct("evtchn_bind_ipi", H, { vcpu: ["u32", 0], port: ["u32", 4] }, 8);
/** evtchn_close, evtchn_send and evtchn_unmask: one port. */
export const EVTCHN_PORT = defineStruct("evtchn_send", H, { port: ["u32", 0] }, 4);
/** evtchn_status; the union at 16 is {dom} unbound, {dom, port} interdomain, {pirq}, {virq}. */
export const EVTCHN_STATUS = defineStruct(
  "evtchn_status",
  H,
  { dom: ["u16", 0], port: ["u32", 4], status: ["u32", 8], vcpu: ["u32", 12], u0: ["u32", 16], u1: ["u32", 20] },
  24,
);
export const EVTCHN_BIND_VCPU = defineStruct("evtchn_bind_vcpu", H, { port: ["u32", 0], vcpu: ["u32", 4] }, 8);
export const EVTCHN_RESET = defineStruct("evtchn_reset", H, { dom: ["u16", 0] }, 2);

// ---- the FIFO ABI (EVTCHNOP_init_control / expand_array / set_priority) ----

/** evtchn_init_control: the vCPU's control block is at control_gfn:offset; Xen answers
 * link_bits (OUT) on success. 8-byte aligned u64 first, so the compat layout is the same. */
export const EVTCHN_INIT_CONTROL = defineStruct(
  "evtchn_init_control",
  H,
  { control_gfn: ["u64", 0], offset: ["u32", 8], vcpu: ["u32", 12], link_bits: ["u8", 16] },
  24,
);
/** evtchn_expand_array: one more page of event words. */
export const EVTCHN_EXPAND_ARRAY = defineStruct("evtchn_expand_array", H, { array_gfn: ["u64", 0] }, 8);
export const EVTCHN_SET_PRIORITY = defineStruct(
  "evtchn_set_priority",
  H,
  { port: ["u32", 0], priority: ["u32", 4] },
  8,
);

/** Priorities: 0 is served first, 15 last; a newly bound port gets 7. */
export const EVTCHN_FIFO_PRIORITY_MAX = 0;
export const EVTCHN_FIFO_PRIORITY_DEFAULT = 7;
export const EVTCHN_FIFO_PRIORITY_MIN = 15;
export const EVTCHN_FIFO_MAX_QUEUES = EVTCHN_FIFO_PRIORITY_MIN + 1;

/** event_word_t, one u32 per port in the guest's event array pages:
 *
 *   31        30       29       28     27..17   16..0
 *   PENDING | MASKED | LINKED | BUSY | (zero) | LINK (next port in the queue)
 */
export const EVTCHN_FIFO_PENDING = 1 << 31;
export const EVTCHN_FIFO_MASKED = 1 << 30;
export const EVTCHN_FIFO_LINKED = 1 << 29;
export const EVTCHN_FIFO_BUSY = 1 << 28;
export const EVTCHN_FIFO_LINK_BITS = 17;
export const EVTCHN_FIFO_LINK_MASK = (1 << EVTCHN_FIFO_LINK_BITS) - 1;
/** Ports the FIFO ABI can name (the LINK field's range). */
export const EVTCHN_FIFO_NR_CHANNELS = 1 << EVTCHN_FIFO_LINK_BITS;
export const EVTCHN_FIFO_EVENT_WORDS_PER_PAGE = 4096 / 4;
export const EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES = EVTCHN_FIFO_NR_CHANNELS / EVTCHN_FIFO_EVENT_WORDS_PER_PAGE;

/** evtchn_fifo_control_block: u32 ready (bit q: queue q has events), u32 _rsvd,
 * u32 head[16]. 72 bytes, 4-byte aligned. */
export const FIFO_CONTROL_READY = 0;
export const FIFO_CONTROL_HEAD = 8;
export const FIFO_CONTROL_BLOCK_SIZE = FIFO_CONTROL_HEAD + 4 * EVTCHN_FIFO_MAX_QUEUES;

/** VIRQ_* (xen/include/public/xen.h). */
export const VIRQ_TIMER = 0;
export const VIRQ_DEBUG = 1;
export const VIRQ_CONSOLE = 2;
export const VIRQ_DOM_EXC = 3;
export const VIRQ_TBUF = 4;
export const VIRQ_DEBUGGER = 6;
export const VIRQ_XENOPROF = 7;
export const VIRQ_CON_RING = 8;
export const VIRQ_PCPU_STATE = 9;
export const VIRQ_MEM_EVENT = 10;
export const VIRQ_ARGO = 11;
export const VIRQ_ENOMEM = 12;
export const VIRQ_XENPMU = 13;
export const NR_VIRQS = 24;

/** Bound per vCPU; every other VIRQ is global (bound on vCPU 0, re-targetable with bind_vcpu). */
export function virqIsPerVcpu(virq: number): boolean {
  return virq === VIRQ_TIMER || virq === VIRQ_DEBUG || virq === VIRQ_XENOPROF || virq === VIRQ_XENPMU;
}
