// FIFO-based event channels (xen/include/public/event_channel.h, "FIFO ABI"; the design
// is Xen's docs "FIFO-based event channel ABI", v4).
//
// The guest provides the memory:
//   - per vCPU, a control block (EVTCHNOP_init_control) at a gfn:offset of its RAM:
//       u32 ready          bit q set: queue q may have events
//       u32 _rsvd
//       u32 head[16]       first port of queue q, written by us only when the queue
//                          was empty (the guest follows LINKs from there by itself)
//   - for the domain, event array pages (EVTCHNOP_expand_array), 1024 event words
//     each; port p's word is word p % 1024 of page p / 1024:
//       PENDING(31) MASKED(30) LINKED(29) BUSY(28) LINK(16..0)
//
// There are 16 queues per vCPU, one per priority (0 served first). Raising port p
// bound to vCPU v at priority q:
//
//   1. no event word yet (its page was not added): remember p as "parked"; the
//      page's expand_array raises it again
//   2. set PENDING
//   3. v has no control block, p is MASKED, or p is already LINKED: stop
//   4. set LINKED; append p to queue (v, q): if the queue's tail port is still
//      LINKED, write p into the tail's LINK, otherwise the guest has consumed the
//      queue, so write p to head[q]
//   5. only when head[q] was written: test-and-set bit q of ready; if it was clear,
//      set vcpu_info.evtchn_upcall_pending and deliver the upcall (the owner's
//      markUpcall, shared with the 2-level ABI)
//
// The guest changes the words at any time between our accesses: it clears LINKED
// (and LINK) as it consumes a queue, clears PENDING when it handles a port, and
// sets or clears MASKED. Every step therefore re-reads the word it changes; the
// host never walks a queue (a guest that corrupts its LINKs only confuses itself),
// and the one piece of queue state kept here, each queue's last tail, is trusted
// only while the tail's word still says LINKED. Host and guest never run at the
// same time (vCPUs are interleaved at instruction boundaries, a hypercall or a
// backend notification runs between instructions), so a read-modify-write of a
// word here is atomic for the guest, and the BUSY bit Xen uses to hold off a
// concurrent guest unmask is never needed: it is only cleared, as Xen does when
// it writes a LINK.
//
// A port is the tail of at most one queue: the one it was last linked on. When it
// is linked again (possibly on another vCPU or at another priority after
// bind_vcpu or set_priority) that queue forgets its tail, so a later event there
// cannot be chained behind a port that now belongs to a different queue.

import { GuestMemoryError, PAGE_SIZE, type GuestMemory } from "../core/guest_memory.js";
import {
  EVTCHN_FIFO_BUSY,
  EVTCHN_FIFO_EVENT_WORDS_PER_PAGE,
  EVTCHN_FIFO_LINKED,
  EVTCHN_FIFO_LINK_MASK,
  EVTCHN_FIFO_MASKED,
  EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES,
  EVTCHN_FIFO_MAX_QUEUES,
  EVTCHN_FIFO_PENDING,
  EVTCHN_FIFO_PRIORITY_DEFAULT,
  FIFO_CONTROL_HEAD,
  FIFO_CONTROL_READY,
} from "./abi/event_channel.js";

export interface EvtchnFifoState {
  /** Control block gpa per vCPU (null: not initialised). */
  control: (number | null)[];
  /** Last linked port per vCPU per priority (0: none). */
  tails: number[][];
  /** Event array page gfns, in port order. */
  pages: number[];
  /** Ports with a priority other than the default. */
  priorities: [number, number][];
  /** Ports raised while their event word did not exist. */
  parked: number[];
}

export class EvtchnFifo {
  private readonly control: (number | null)[];
  private readonly tails: number[][];
  private readonly pages: number[] = [];
  private readonly priorities = new Map<number, number>();
  private readonly parked = new Set<number>();

  constructor(
    private readonly mem: GuestMemory,
    nrVcpus: number,
    /** Set vCPU v's evtchn_upcall_pending and deliver if it was clear (step 5). */
    private readonly markUpcall: (v: number) => boolean,
  ) {
    this.control = Array.from({ length: nrVcpus }, () => null);
    this.tails = Array.from({ length: nrVcpus }, () => new Array<number>(EVTCHN_FIFO_MAX_QUEUES).fill(0));
  }

  // ---- set-up ----

  hasControlBlock(v: number): boolean {
    return this.control[v] !== null && this.control[v] !== undefined;
  }

  /** EVTCHNOP_init_control after the argument checks: vCPU v's control block is at gpa. */
  setControlBlock(v: number, gpa: number): void {
    this.control[v] = gpa;
    this.tails[v].fill(0);
  }

  /** Ports that have an event word: 1024 per array page. */
  get nrEventWords(): number {
    return this.pages.length * EVTCHN_FIFO_EVENT_WORDS_PER_PAGE;
  }

  get nrPages(): number {
    return this.pages.length;
  }

  /** EVTCHNOP_expand_array after the argument checks. Returns the ports the new page
   * covers that were raised while it was missing (the caller raises them again), or
   * null when the array is full. */
  addPage(gfn: number): number[] | null {
    if (this.pages.length >= EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES) return null;
    const first = this.nrEventWords;
    this.pages.push(gfn);
    const end = this.nrEventWords;
    const again = [...this.parked].filter((p) => p >= first && p < end).sort((a, b) => a - b);
    for (const p of again) this.parked.delete(p);
    return again;
  }

  // ---- per-port state ----

  priorityOf(p: number): number {
    return this.priorities.get(p) ?? EVTCHN_FIFO_PRIORITY_DEFAULT;
  }

  /** EVTCHNOP_set_priority (validated): takes effect for the next link; a port already on
   * a queue stays there. */
  setPriority(p: number, priority: number): void {
    if (priority === EVTCHN_FIFO_PRIORITY_DEFAULT) this.priorities.delete(p);
    else this.priorities.set(p, priority);
  }

  /** A port was (re)bound: default priority, nothing parked. */
  portInit(p: number): void {
    this.priorities.delete(p);
    this.parked.delete(p);
  }

  /** Remember a pending port that has no event word yet (the switch from 2-level
   * carries pending ports over this way). */
  park(p: number): void {
    this.parked.add(p);
  }

  isParked(p: number): boolean {
    return this.parked.has(p);
  }

  // ---- event words ----

  /** Guest-physical address of port p's event word, or -1 when its page was not added. */
  private wordGpa(p: number): number {
    const page = Math.floor(p / EVTCHN_FIFO_EVENT_WORDS_PER_PAGE);
    if (p < 0 || page >= this.pages.length) return -1;
    return this.pages[page] * PAGE_SIZE + (p % EVTCHN_FIFO_EVENT_WORDS_PER_PAGE) * 4;
  }

  /** Port p's event word, or null when it has none (no page, or the page stopped being RAM). */
  word(p: number): number | null {
    const gpa = this.wordGpa(p);
    if (gpa < 0) return null;
    try {
      return this.mem.readU32(gpa);
    } catch (e) {
      if (e instanceof GuestMemoryError) return null; // ballooned out since: the guest's problem
      throw e;
    }
  }

  private setWord(p: number, w: number): void {
    const gpa = this.wordGpa(p);
    if (gpa < 0) return;
    try {
      this.mem.writeU32(gpa, w >>> 0);
    } catch (e) {
      if (!(e instanceof GuestMemoryError)) throw e; // see word()
    }
  }

  isPending(p: number): boolean {
    const w = this.word(p);
    return w !== null ? (w & EVTCHN_FIFO_PENDING) !== 0 : this.parked.has(p);
  }

  isMasked(p: number): boolean {
    const w = this.word(p);
    return w === null || (w & EVTCHN_FIFO_MASKED) !== 0;
  }

  /** Close (or reuse) of a port: clear PENDING. The guest unlinks a stale LINKED word
   * itself and ignores it because it is not pending. */
  clearPending(p: number): void {
    this.parked.delete(p);
    const w = this.word(p);
    if (w !== null && w & EVTCHN_FIFO_PENDING) this.setWord(p, w & ~EVTCHN_FIFO_PENDING);
  }

  // ---- the raise path ----

  /** Raise port p for vCPU v (steps 1–5 above). True when an upcall was newly marked. */
  setPending(v: number, p: number): boolean {
    const w = this.word(p);
    if (w === null) {
      this.parked.add(p);
      return false;
    }
    if (!this.hasControlBlock(v)) {
      // The guest may not unmask a port before its vCPU has a control block: drop it.
      this.setWord(p, w | EVTCHN_FIFO_PENDING);
      return false;
    }
    if (w & (EVTCHN_FIFO_MASKED | EVTCHN_FIFO_LINKED)) {
      this.setWord(p, w | EVTCHN_FIFO_PENDING);
      return false;
    }
    this.setWord(p, w | EVTCHN_FIFO_PENDING | EVTCHN_FIFO_LINKED);

    // p may still be the remembered tail of the queue it was linked on last.
    for (const row of this.tails) {
      const i = row.indexOf(p);
      if (i >= 0) row[i] = 0;
    }
    const q = this.priorityOf(p);
    const tails = this.tails[v];
    const tail = tails[q];
    tails[q] = p;
    if (tail !== 0) {
      const tw = this.word(tail);
      if (tw !== null && tw & EVTCHN_FIFO_LINKED) {
        // The guest has not reached the tail yet: it will follow this LINK.
        this.setWord(tail, (tw & ~(EVTCHN_FIFO_BUSY | EVTCHN_FIFO_LINK_MASK)) | p);
        return false;
      }
    }
    // The queue was empty (or the guest has consumed it): p is its new head.
    const cb = this.control[v]!;
    try {
      this.mem.writeU32(cb + FIFO_CONTROL_HEAD + 4 * q, p);
      const ready = this.mem.readU32(cb + FIFO_CONTROL_READY);
      if (ready & (1 << q)) return false;
      this.mem.writeU32(cb + FIFO_CONTROL_READY, (ready | (1 << q)) >>> 0);
    } catch (e) {
      if (e instanceof GuestMemoryError) return false; // the control block's page went away
      throw e;
    }
    return this.markUpcall(v);
  }

  /** EVTCHNOP_unmask of port p bound to vCPU v: clear MASKED; a pending port is linked. */
  unmask(v: number, p: number): void {
    const w = this.word(p);
    if (w === null) return;
    if (w & EVTCHN_FIFO_MASKED) this.setWord(p, w & ~EVTCHN_FIFO_MASKED);
    if (w & EVTCHN_FIFO_PENDING) this.setPending(v, p);
  }

  // ---- snapshots ----

  save(): EvtchnFifoState {
    return {
      control: [...this.control],
      tails: this.tails.map((r) => [...r]),
      pages: [...this.pages],
      priorities: [...this.priorities],
      parked: [...this.parked],
    };
  }

  restore(s: EvtchnFifoState): void {
    s.control.forEach((g, i) => {
      if (i < this.control.length) this.control[i] = g;
    });
    s.tails.forEach((r, i) => this.tails[i]?.splice(0, r.length, ...r));
    this.pages.splice(0, this.pages.length, ...s.pages);
    this.priorities.clear();
    for (const [p, q] of s.priorities) this.priorities.set(p, q);
    this.parked.clear();
    for (const p of s.parked) this.parked.add(p);
  }
}
