// Xen PIRQs: emulated physical interrupts (a GSI or an MSI) that a guest may route to
// an event channel instead of its (emulated) interrupt controller.
//
// xpvh does not advertise XENFEAT_hvm_pirqs, so Linux never routes anything through
// here; the table exists so the physdev_op and EVTCHNOP_bind_pirq ABI behaves (map,
// unmap, bind, EOI, status) up to `maxPirq` (QEMU's xen-evtchn-max-pirq, default 256).
// Nothing is ever asserted on a PIRQ: GSIs and MSIs are not routed to event channels.

import { EEXIST, EINVAL, ENOENT, ENOSPC } from "./errno.js";
import { MAP_PIRQ_TYPE_GSI, MAP_PIRQ_TYPE_MSI } from "./abi/physdev.js";

/** GSIs a PIRQ may stand for (an IOAPIC's worth). */
export const PIRQ_MAX_GSI = 24;
/** Allocation of fresh PIRQs starts above the legacy ISA range, like Xen's. */
const FIRST_DYNAMIC_PIRQ = 16;

export interface PirqEntry {
  /** MAP_PIRQ_TYPE_GSI or MAP_PIRQ_TYPE_MSI */
  type: number;
  /** The GSI, or the MSI index for MSIs. */
  index: number;
}

export interface PirqState {
  mapped: [number, PirqEntry][];
  bound: [number, number][];
}

export class PirqTable {
  /** PHYSDEVOP_map_pirq results. */
  private readonly entries = new Map<number, PirqEntry>();
  /** EVTCHNOP_bind_pirq results: pirq -> port. Xen lets a PIRQ be bound before it is mapped. */
  private readonly bound = new Map<number, number>();

  constructor(readonly maxPirq: number) {}

  get(pirq: number): PirqEntry | undefined {
    return this.entries.get(pirq);
  }

  inRange(pirq: number): boolean {
    return Number.isInteger(pirq) && pirq >= 0 && pirq < this.maxPirq;
  }

  /** Lowest unmapped PIRQ at or above 16, or -ENOSPC. */
  allocate(): number {
    for (let p = FIRST_DYNAMIC_PIRQ; p < this.maxPirq; p++) if (!this.entries.has(p)) return p;
    return -ENOSPC;
  }

  /** PHYSDEVOP_get_free_pirq: allocate a PIRQ for later use by `type`. */
  reserve(type: number): number {
    if (type !== MAP_PIRQ_TYPE_GSI && type !== MAP_PIRQ_TYPE_MSI) return -EINVAL;
    const p = this.allocate();
    if (p >= 0) this.entries.set(p, { type, index: -1 });
    return p;
  }

  /** PHYSDEVOP_map_pirq: `pirq` < 0 asks for one to be chosen. Returns the PIRQ or -errno. */
  map(type: number, index: number, pirq: number): number {
    if (type === MAP_PIRQ_TYPE_GSI) {
      if (index < 0 || index >= PIRQ_MAX_GSI) return -EINVAL;
      for (const [p, e] of this.entries) if (e.type === MAP_PIRQ_TYPE_GSI && e.index === index) return p;
      // Legacy GSIs keep their number as PIRQ when it is free.
      if (pirq < 0) pirq = index < FIRST_DYNAMIC_PIRQ && !this.entries.has(index) ? index : this.allocate();
    } else if (type === MAP_PIRQ_TYPE_MSI) {
      if (pirq < 0) pirq = this.allocate();
    } else {
      return -EINVAL;
    }
    if (pirq < 0) return pirq;
    if (!this.inRange(pirq)) return -EINVAL;
    const e = this.entries.get(pirq);
    // A PIRQ reserved by get_free_pirq for this type may be mapped; any other is taken.
    if (e && !(e.index === -1 && e.type === type)) return -EEXIST;
    this.entries.set(pirq, { type, index });
    return pirq;
  }

  /** PHYSDEVOP_unmap_pirq. Returns the port still bound to it (the caller closes it),
   * 0 if none, or -errno. */
  unmap(pirq: number): number {
    if (!this.inRange(pirq)) return -EINVAL;
    if (!this.entries.delete(pirq)) return -ENOENT;
    return this.bound.get(pirq) ?? 0;
  }

  /** The event channel bound to `pirq`, 0 if none. */
  portOf(pirq: number): number {
    return this.bound.get(pirq) ?? 0;
  }

  /** Record the event channel bound to `pirq` (0 unbinds). */
  setPort(pirq: number, port: number): void {
    if (port) this.bound.set(pirq, port);
    else this.bound.delete(pirq);
  }

  reset(): void {
    this.entries.clear();
    this.bound.clear();
  }

  save(): PirqState {
    return { mapped: [...this.entries].map(([p, e]) => [p, { ...e }]), bound: [...this.bound] };
  }

  restore(s: PirqState): void {
    this.reset();
    for (const [p, e] of s.mapped) this.entries.set(p, { ...e });
    for (const [p, port] of s.bound) this.bound.set(p, port);
  }
}
