// FIFO event channels (src/xen/evtchn_fifo.ts, driven through EVTCHNOP_* hypercalls and
// the EventChannels API of a test machine): the switch from 2-level on the first
// init_control, queue linking (HEAD when a queue is empty, the tail's LINK otherwise,
// READY and the upcall only for an empty queue), priorities, MASKED and the unmask
// relink, the event array and ports beyond it, per-vCPU queues, close/status/reset,
// host (dom0) ports, SCHEDOP_poll, snapshots, and every bad argument as a Xen errno.
// Facts: xen/include/public/event_channel.h and xen/common/event_fifo.c.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { testMachine, type FakeVcpu, type TestMachine } from "../../src/xen/testing.js";
import { EFAULT, EINVAL, ENOENT, ENOSPC, ENOSYS, ENXIO, EOPNOTSUPP, ESRCH } from "../../src/xen/errno.js";
import {
  EVTCHNSTAT_closed,
  EVTCHNSTAT_interdomain,
  EVTCHNSTAT_ipi,
  EVTCHNSTAT_unbound,
  VIRQ_TIMER,
} from "../../src/xen/abi/event_channel.js";
import { DOMID_SELF } from "../../src/xen/abi/xen.js";

const EVENT_CHANNEL_OP = 32;
const SCHED_OP = 29;
const OP = { close: 3, send: 4, status: 5, unmask: 9, reset: 10, init_control: 11, expand_array: 12, set_priority: 13 };

const PENDING = 0x8000_0000;
const MASKED = 0x4000_0000;
const LINKED = 0x2000_0000;
const BUSY = 0x1000_0000;

const ARG = 0x10000; // hypercall argument structs
const CB_GFN = [0x20, 0x28]; // control block pages of vCPU 0 and 1
const ARRAY_GFN = [0x21, 0x22, 0x23];
const NOT_RAM = 0x7fff_0000n; // a gfn far beyond the 16 MiB of RAM

function call(m: TestMachine, v: FakeVcpu, nr: number, ...args: (number | bigint)[]): number {
  v.setCall(nr, ...args);
  const out = m.xen.hypercall(v);
  assert.ok("result" in out, "the hypercall returns");
  return Number(v.result());
}

/** EVTCHNOP_init_control {u64 control_gfn, u32 offset, u32 vcpu, u8 link_bits}. */
function initControl(m: TestMachine, vcpu: number, gfn: number | bigint, offset = 0, caller = m.vcpus[0]): number {
  m.mem.fill(ARG, 24, 0);
  m.mem.writeU64(ARG, BigInt(gfn));
  m.mem.writeU32(ARG + 8, offset);
  m.mem.writeU32(ARG + 12, vcpu);
  m.mem.writeU8(ARG + 16, 0xee); // OUT: overwritten only on success
  return call(m, caller, EVENT_CHANNEL_OP, OP.init_control, ARG);
}

function expandArray(m: TestMachine, gfn: number | bigint): number {
  m.mem.writeU64(ARG, BigInt(gfn));
  return call(m, m.vcpus[0], EVENT_CHANNEL_OP, OP.expand_array, ARG);
}

function setPriority(m: TestMachine, port: number, priority: number): number {
  m.mem.writeU32(ARG, port);
  m.mem.writeU32(ARG + 4, priority);
  return call(m, m.vcpus[0], EVENT_CHANNEL_OP, OP.set_priority, ARG);
}

function portOp(m: TestMachine, op: number, port: number): number {
  m.mem.writeU32(ARG, port);
  return call(m, m.vcpus[0], EVENT_CHANNEL_OP, op, ARG);
}

/** A machine switched to FIFO: vCPU 0's control block at CB_GFN[0], one event array page
 * whose words the guest initialised as Linux does (all MASKED), vCPU 0's upcall vector. */
function fifoMachine(o: { vcpus?: number; pages?: number; masked?: boolean; xenVersion?: number } = {}) {
  const m = testMachine({ vcpus: o.vcpus ?? 2, config: o.xenVersion ? { xenVersion: o.xenVersion } : {} });
  const ev = m.xen.evtchn;
  const wordGpa = (p: number) => ARRAY_GFN[p >> 10] * 4096 + (p & 1023) * 4;
  const word = (p: number) => m.mem.readU32(wordGpa(p));
  const setWord = (p: number, w: number) => m.mem.writeU32(wordGpa(p), w >>> 0);
  const cb = (v: number) => CB_GFN[v] * 4096;
  const head = (q: number, v = 0) => m.mem.readU32(cb(v) + 8 + 4 * q);
  const ready = (v = 0) => m.mem.readU32(cb(v));
  const upcall = (v = 0) => m.xen.shinfo.upcallPending(v);
  /** What the guest's upcall handler does first: clear upcall_pending and take READY. */
  const takeReady = (v = 0) => {
    m.xen.shinfo.vcpuInfo(v)![0] = 0;
    const r = ready(v);
    m.mem.writeU32(cb(v), 0);
    return r;
  };
  /** Consume one event of queue q like Linux's consume_one_event: from `local` (the
   * guest's own copy of the head, 0 = read HEAD), clear LINKED and LINK, return the
   * port and the next one. */
  const consume = (q: number, local = 0, v = 0) => {
    const port = local || head(q, v);
    const w = word(port);
    setWord(port, w & ~(LINKED | 0x1ffff));
    return { port, next: w & 0x1ffff, pending: (w & PENDING) !== 0 };
  };
  /** Drain queue q in order, clearing PENDING of each port (the handler's ack). */
  const drain = (q: number, v = 0) => {
    const out: number[] = [];
    let local = 0;
    do {
      const e = consume(q, local, v);
      if (e.pending) {
        out.push(e.port);
        setWord(e.port, word(e.port) & ~PENDING);
      }
      local = e.next;
    } while (local);
    return out;
  };
  m.vcpus.forEach((_, v) => ev.setUpcallVector(v, 0xf3 - v));
  for (const gfn of [...CB_GFN, ...ARRAY_GFN]) m.mem.fill(gfn * 4096, 4096, 0);
  assert.is(initControl(m, 0, CB_GFN[0]), 0);
  for (let i = 0; i < (o.pages ?? 1); i++) {
    if (o.masked) for (let p = 0; p < 1024; p++) m.mem.writeU32(ARRAY_GFN[i] * 4096 + p * 4, MASKED);
    assert.is(expandArray(m, ARRAY_GFN[i]), 0);
  }
  return { m, ev, word, setWord, head, ready, upcall, takeReady, consume, drain, wordGpa };
}

// ---- set-up and its errors ----

test("init_control: the first one switches to FIFO and answers link_bits = 17", () => {
  const m = testMachine();
  const ev = m.xen.evtchn;
  assert.is(ev.abi, "2-level");
  assert.is(ev.maxPorts, 4096);
  assert.is(initControl(m, 0, CB_GFN[0], 64), 0);
  assert.is(m.mem.readU8(ARG + 16), 17, "link_bits");
  assert.is(ev.abi, "fifo");
  assert.is(ev.maxPorts, 1 << 17, "ports up to what LINK can name");
  assert.is(initControl(m, 1, CB_GFN[1], 4092 - 68), 0, "the last offset that fits, on vCPU 1");
});

test("init_control errors (Xen 4.16+): bad vCPU -ENOENT, offset beyond the page or misaligned -ENXIO, not RAM -EINVAL, twice -EINVAL", () => {
  const m = testMachine({ vcpus: 2 });
  const ev = m.xen.evtchn;
  assert.is(initControl(m, 2, CB_GFN[0]), -ENOENT, "vCPU 2 of 2");
  assert.is(initControl(m, 0xffff_ffff, CB_GFN[0]), -ENOENT);
  assert.is(initControl(m, 0, CB_GFN[0], 4096 - 72 + 4), -ENXIO, "the block would cross the page end");
  assert.is(initControl(m, 0, CB_GFN[0], 0xffff_fff8), -ENXIO);
  assert.is(initControl(m, 0, CB_GFN[0], 2), -ENXIO, "not 4-byte aligned");
  assert.is(initControl(m, 0, NOT_RAM), -EINVAL, "not RAM");
  assert.is(initControl(m, 0, 0xffff_ffff_ffff_ffffn), -EINVAL, "a gfn beyond any address");
  assert.is(m.mem.readU8(ARG + 16), 0xee, "link_bits is not written on failure");
  assert.is(ev.abi, "2-level", "no failed init_control switches the ABI");
  assert.is(initControl(m, 0, CB_GFN[0], 4), 0, "4-byte alignment is enough since Xen 4.16");
  assert.is(initControl(m, 0, CB_GFN[1]), -EINVAL, "vCPU 0 already has a control block");
  assert.is(initControl(m, 1, NOT_RAM), -EINVAL);
  assert.is(initControl(m, 1, CB_GFN[1]), 0);
});

test("init_control errors before Xen 4.16: 8-byte alignment, -EINVAL for the offset", () => {
  const m = testMachine({ config: { xenVersion: 0x4000f } });
  assert.is(initControl(m, 0, CB_GFN[0], 4), -EINVAL);
  assert.is(initControl(m, 0, CB_GFN[0], 4096 - 64), -EINVAL);
  assert.is(initControl(m, 0, CB_GFN[0], 8), 0);
});

test("expand_array: -EOPNOTSUPP while 2-level, -EINVAL for non-RAM, -ENOSPC after 128 pages", () => {
  const m = testMachine();
  const ev = m.xen.evtchn;
  assert.is(expandArray(m, ARRAY_GFN[0]), -EOPNOTSUPP);
  assert.is(initControl(m, 0, CB_GFN[0]), 0);
  assert.is(expandArray(m, NOT_RAM), -EINVAL);
  assert.is(expandArray(m, -1n), -EINVAL);
  for (let i = 0; i < 128; i++) assert.is(expandArray(m, 0x100 + i), 0, `page ${i}`);
  assert.is(ev.fifoState!.nrEventWords, 1 << 17);
  assert.is(expandArray(m, 0x200), -ENOSPC);
});

test("set_priority: -ENOSYS while 2-level, 0..15 in FIFO, -EINVAL above 15 or for a port beyond the ABI", () => {
  const m = testMachine();
  const ev = m.xen.evtchn;
  const p = ev.bindIpi(0);
  assert.is(setPriority(m, p, 3), -ENOSYS);
  assert.is(setPriority(m, 4096, 3), -EINVAL, "the port is checked first");
  assert.is(initControl(m, 0, CB_GFN[0]), 0);
  assert.is(ev.fifoState!.priorityOf(p), 7, "default 7");
  assert.is(setPriority(m, p, 0), 0);
  assert.is(setPriority(m, p, 15), 0);
  assert.is(ev.fifoState!.priorityOf(p), 15);
  assert.is(setPriority(m, p, 16), -EINVAL);
  assert.is(setPriority(m, p, 0xffff_ffff), -EINVAL);
  assert.is(setPriority(m, 1 << 17, 3), -EINVAL);
  assert.is(setPriority(m, 999, 3), 0, "a free port: accepted, forgotten when bound");
  assert.is(ev.fifoState!.priorityOf(p), 15, "unchanged by the failures");
  ev.close(p);
  assert.is(ev.bindIpi(0), p);
  assert.is(ev.fifoState!.priorityOf(p), 7, "a rebound port starts at the default again");
});

test("bad argument pointers for the FIFO ops are -EFAULT", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  for (const op of [OP.init_control, OP.expand_array, OP.set_priority])
    assert.is(call(m, v, EVENT_CHANNEL_OP, op, 0x7fff_0000_0000n), -EFAULT, `op ${op}`);
});

// ---- delivery ----

test("the first event of an empty queue: PENDING|LINKED, HEAD, READY bit 7, one upcall", () => {
  const { m, ev, word, head, ready, upcall } = fifoMachine();
  const p = ev.bindIpi(0);
  assert.is(portOp(m, OP.send, p), 0);
  assert.is(word(p), (PENDING | LINKED) >>> 0);
  assert.is(head(7), p);
  assert.is(ready(), 1 << 7);
  assert.ok(upcall());
  assert.equal(m.vcpus[0].injected, [0xf3]);
  assert.is(ev.raise(p), false, "again: already LINKED, nothing new");
  assert.equal(m.vcpus[0].injected, [0xf3]);
});

test("later events are chained through the tail's LINK, in order, without more upcalls", () => {
  const { m, ev, word, head, ready, takeReady, drain } = fifoMachine();
  const [a, b, c] = [ev.bindIpi(0), ev.bindIpi(0), ev.bindIpi(0)];
  ev.send(a);
  ev.send(b);
  ev.send(c);
  assert.is(head(7), a);
  assert.is(word(a), (PENDING | LINKED | b) >>> 0);
  assert.is(word(b), (PENDING | LINKED | c) >>> 0);
  assert.is(word(c), (PENDING | LINKED) >>> 0);
  assert.is(ready(), 1 << 7);
  assert.equal(m.vcpus[0].injected, [0xf3], "one upcall for the whole queue");
  assert.is(takeReady(), 1 << 7);
  assert.equal(drain(7), [a, b, c]);
  // The guest consumed the whole queue: the tail we remember is no longer LINKED, so the
  // next event starts a new queue at HEAD, sets READY and raises a new upcall.
  ev.send(b);
  assert.is(head(7), b);
  assert.is(word(b), (PENDING | LINKED) >>> 0);
  assert.is(word(c), 0, "the old tail is not written");
  assert.is(ready(), 1 << 7);
  assert.equal(m.vcpus[0].injected, [0xf3, 0xf3]);
});

test("an event arriving while the guest walks the queue is appended behind the unconsumed tail", () => {
  const { ev, word, takeReady, consume, ready, m } = fifoMachine();
  const [a, b, c] = [ev.bindIpi(0), ev.bindIpi(0), ev.bindIpi(0)];
  ev.send(a);
  ev.send(b);
  takeReady();
  const first = consume(7);
  assert.is(first.port, a);
  ev.send(c); // b is still LINKED: c goes into b's LINK, no READY, no upcall
  assert.is(word(b) & 0x1ffff, c);
  assert.is(ready(), 0);
  assert.equal(m.vcpus[0].injected, [0xf3]);
  const second = consume(7, first.next);
  assert.is(second.port, b);
  assert.is(consume(7, second.next).port, c);
});

test("priorities: separate queues and READY bits; a linked port stays on its old queue", () => {
  const { ev, head, ready, takeReady, drain, m } = fifoMachine();
  const [lo, hi, mid] = [ev.bindIpi(0), ev.bindIpi(0), ev.bindIpi(0)];
  assert.is(setPriority(m, hi, 0), 0);
  assert.is(setPriority(m, lo, 15), 0);
  ev.send(lo);
  ev.send(mid);
  ev.send(hi);
  assert.is(head(0), hi);
  assert.is(head(7), mid);
  assert.is(head(15), lo);
  assert.is(ready(), (1 << 0) | (1 << 7) | (1 << 15));
  assert.equal(m.vcpus[0].injected, [0xf3], "upcall_pending was already set for the later queues");
  // Moving a port that is on a queue does not move the event.
  assert.is(setPriority(m, mid, 2), 0);
  ev.send(mid);
  assert.is(head(2), 0);
  assert.is(takeReady(), (1 << 0) | (1 << 7) | (1 << 15));
  assert.equal(drain(0), [hi]);
  assert.equal(drain(7), [mid]);
  assert.equal(drain(15), [lo]);
  ev.send(mid);
  assert.is(head(2), mid, "the next event uses the new priority");
  assert.is(ready(), 1 << 2);
});

test("a port that moved to another queue is no longer that queue's tail", () => {
  const { ev, word, head, takeReady, consume, m } = fifoMachine();
  const [a, b] = [ev.bindIpi(0), ev.bindIpi(0)];
  ev.send(a); // queue 7: a (tail a)
  takeReady();
  consume(7); // the guest unlinked a but has not handled it yet (PENDING stays)
  assert.is(setPriority(m, a, 3), 0);
  ev.send(a); // a is PENDING and not LINKED: linked again, on queue 3
  assert.is(head(3), a);
  ev.send(b); // queue 7 must not chain b behind a (now on queue 3)
  assert.is(head(7), b);
  assert.is(word(a) & 0x1ffff, 0);
});

test("MASKED: the port stays PENDING and unlinked; EVTCHNOP_unmask links it and raises the upcall", () => {
  const { m, ev, word, setWord, head, ready, upcall } = fifoMachine();
  const p = ev.bindIpi(0);
  setWord(p, MASKED);
  ev.send(p);
  assert.is(word(p), (PENDING | MASKED) >>> 0);
  assert.is(head(7), 0);
  assert.is(ready(), 0);
  assert.not.ok(upcall());
  assert.is(m.vcpus[0].injected.length, 0);
  assert.ok(ev.isPending(p));
  assert.ok(ev.isMasked(p));
  assert.is(portOp(m, OP.unmask, p), 0);
  assert.is(word(p), (PENDING | LINKED) >>> 0);
  assert.is(head(7), p);
  assert.is(ready(), 1 << 7);
  assert.equal(m.vcpus[0].injected, [0xf3]);
});

test("Linux's unmask: the guest clears MASKED itself, then calls EVTCHNOP_unmask for a pending port", () => {
  const { m, ev, word, setWord, head } = fifoMachine();
  const p = ev.bindIpi(0);
  setWord(p, MASKED);
  ev.send(p);
  setWord(p, word(p) & ~MASKED); // clear_masked_cond found it PENDING and called the hypercall anyway
  assert.is(portOp(m, OP.unmask, p), 0);
  assert.is(head(7), p);
  assert.is(word(p), (PENDING | LINKED) >>> 0);
  const q = ev.bindIpi(0);
  setWord(q, MASKED);
  assert.is(portOp(m, OP.unmask, q), 0);
  assert.is(word(q), 0, "not pending: only the mask is cleared");
  assert.is(portOp(m, OP.unmask, 1 << 17), -EINVAL);
  assert.is(portOp(m, OP.unmask, 5000), 0, "a valid port without an event word");
});

test("ports beyond the event array: remembered, raised when expand_array adds their page", () => {
  const { m, ev, word, wordGpa, head, upcall } = fifoMachine();
  while (ev.bindIpi(0) < 1024);
  const p = 1024;
  assert.equal(ev.status(DOMID_SELF, p), { status: EVTCHNSTAT_ipi, vcpu: 0, u0: 0, u1: 0 });
  assert.is(portOp(m, OP.send, p), 0);
  assert.ok(ev.isPending(p), "pending, with no word to show it");
  assert.not.ok(upcall());
  // Linux masks every word of a new page before adding it.
  for (let i = 0; i < 1024; i++) m.mem.writeU32(ARRAY_GFN[1] * 4096 + i * 4, MASKED);
  assert.is(expandArray(m, ARRAY_GFN[1]), 0);
  assert.is(wordGpa(p), ARRAY_GFN[1] * 4096);
  assert.is(word(p), (PENDING | MASKED) >>> 0);
  assert.is(word(p + 1), MASKED, "other ports untouched");
  assert.is(portOp(m, OP.unmask, p), 0);
  assert.is(head(7), p);
  assert.ok(upcall());
  // A port closed while parked is forgotten.
  const far = ev.bindIpi(0);
  while (ev.bindIpi(0) < 2048);
  ev.send(2048);
  ev.close(2048);
  assert.is(expandArray(m, ARRAY_GFN[2]), 0);
  assert.is(word(2048), 0);
  assert.ok(far > 1024);
});

test("the switch from 2-level keeps bindings and carries pending ports over (host ports included)", () => {
  const m = testMachine();
  const ev = m.xen.evtchn;
  const ipi = ev.bindIpi(0);
  const quiet = ev.bindIpi(0);
  ev.send(ipi); // pending in shared_info
  const store = m.xen.storePort.guestPort;
  m.xen.storePort.notify(); // the xenstore backend raised its port before the switch
  assert.ok(m.xen.shinfo.isPending(store));
  m.mem.fill(CB_GFN[0] * 4096, 4096, 0);
  for (let i = 0; i < 1024; i++) m.mem.writeU32(ARRAY_GFN[0] * 4096 + i * 4, MASKED);
  assert.is(initControl(m, 0, CB_GFN[0]), 0);
  assert.equal(ev.status(DOMID_SELF, ipi), { status: EVTCHNSTAT_ipi, vcpu: 0, u0: 0, u1: 0 });
  assert.ok(ev.isPending(ipi));
  assert.is(expandArray(m, ARRAY_GFN[0]), 0);
  const word = (p: number) => m.mem.readU32(ARRAY_GFN[0] * 4096 + p * 4);
  assert.is(word(ipi), (PENDING | MASKED) >>> 0);
  assert.is(word(store), (PENDING | MASKED) >>> 0);
  assert.is(word(quiet), MASKED);
  // The backend keeps working unchanged: its notify raises the guest end in FIFO.
  m.mem.writeU32(ARRAY_GFN[0] * 4096 + store * 4, PENDING); // the guest unmasked it
  assert.is(portOp(m, OP.unmask, store), 0);
  assert.is(m.mem.readU32(CB_GFN[0] * 4096 + 8 + 4 * 7), store);
});

test("host (dom0) ports in FIFO mode: backend notify links the guest port, guest send reaches the backend", () => {
  const { m, ev, word, head, drain, takeReady } = fifoMachine();
  let kicks = 0;
  const be = m.xen.hostPort(() => kicks++);
  const fe = ev.allocUnbound(DOMID_SELF, 0);
  assert.is(be.bindGuestPort(fe), 0);
  be.notify();
  assert.is(head(7), fe);
  assert.is(word(fe), (PENDING | LINKED) >>> 0);
  assert.is(portOp(m, OP.send, fe), 0);
  assert.is(kicks, 1);
  // The console backend drains and notifies too.
  const con = m.xen.consolePort!.guestPort;
  m.xen.consolePort!.notify();
  takeReady();
  assert.equal(drain(7), [fe, con]);
});

test("a loopback pair: bind_interdomain raises the new end, sends go across, close unbinds the peer", () => {
  const { m, ev, head, takeReady, drain } = fifoMachine();
  const u = ev.allocUnbound(DOMID_SELF, DOMID_SELF);
  const l = ev.bindInterdomain(DOMID_SELF, u);
  assert.is(head(7), l, "notifications to the unbound end may have been lost");
  takeReady();
  assert.equal(drain(7), [l]);
  ev.send(l);
  ev.send(u);
  takeReady();
  assert.equal(drain(7), [u, l]);
  assert.equal(ev.status(DOMID_SELF, u), { status: EVTCHNSTAT_interdomain, vcpu: 0, u0: 1, u1: l });
  assert.is(portOp(m, OP.close, l), 0);
  assert.equal(ev.status(DOMID_SELF, u), { status: EVTCHNSTAT_unbound, vcpu: 0, u0: 1, u1: 0 });
  assert.equal(ev.status(DOMID_SELF, l), { status: EVTCHNSTAT_closed, vcpu: 0, u0: 0, u1: 0 });
});

test("close clears PENDING in the event word; status through the hypercall works in FIFO", () => {
  const { m, ev, word, setWord } = fifoMachine();
  const p = ev.bindIpi(0);
  setWord(p, MASKED);
  ev.send(p);
  assert.is(portOp(m, OP.close, p), 0);
  assert.is(word(p), MASKED);
  assert.is(portOp(m, OP.close, p), -EINVAL);
  const q = ev.bindIpi(1);
  m.mem.fill(ARG, 24, 0);
  m.mem.writeU16(ARG, DOMID_SELF);
  m.mem.writeU32(ARG + 4, q);
  assert.is(call(m, m.vcpus[0], EVENT_CHANNEL_OP, OP.status, ARG), 0);
  assert.is(m.mem.readU32(ARG + 8), EVTCHNSTAT_ipi);
  assert.is(m.mem.readU32(ARG + 12), 1);
  m.mem.writeU32(ARG + 4, 70000);
  assert.is(call(m, m.vcpus[0], EVENT_CHANNEL_OP, OP.status, ARG), 0, "a free port in FIFO's range");
  assert.is(m.mem.readU32(ARG + 8), EVTCHNSTAT_closed);
  m.mem.writeU32(ARG + 4, 1 << 17);
  assert.is(call(m, m.vcpus[0], EVENT_CHANNEL_OP, OP.status, ARG), -EINVAL);
});

test("reset closes every port and goes back to 2-level; init_control works again", () => {
  const { m, ev } = fifoMachine();
  ev.bindIpi(0);
  m.mem.writeU16(ARG, 5);
  assert.is(call(m, m.vcpus[0], EVENT_CHANNEL_OP, OP.reset, ARG), -ESRCH);
  assert.is(ev.abi, "fifo");
  m.mem.writeU16(ARG, DOMID_SELF);
  assert.is(call(m, m.vcpus[0], EVENT_CHANNEL_OP, OP.reset, ARG), 0);
  assert.is(ev.abi, "2-level");
  assert.is(ev.maxPorts, 4096);
  assert.is(expandArray(m, ARRAY_GFN[0]), -EOPNOTSUPP);
  assert.is(ev.bindIpi(0), 1);
  ev.send(1);
  assert.ok(m.xen.shinfo.isPending(1), "2-level delivery again");
  assert.is(initControl(m, 0, CB_GFN[0]), 0, "the old control block is gone");
  assert.is(ev.abi, "fifo");
});

test("per-vCPU queues: no control block drops the event; vCPU 1's own queues and vector; bind_vcpu", () => {
  const { m, ev, word, head } = fifoMachine();
  const p = ev.bindIpi(1);
  ev.send(p);
  assert.is(word(p), PENDING, "vCPU 1 has no control block: pending, not linked");
  assert.is(m.vcpus[1].injected.length, 0);
  m.mem.fill(CB_GFN[1] * 4096, 4096, 0);
  assert.is(initControl(m, 1, CB_GFN[1]), 0);
  m.mem.writeU32(ARRAY_GFN[0] * 4096 + p * 4, 0);
  ev.send(p);
  assert.is(head(7, 1), p);
  assert.is(head(7, 0), 0);
  assert.equal(m.vcpus[1].injected, [0xf2]);
  assert.ok(m.xen.shinfo.upcallPending(1));
  assert.not.ok(m.xen.shinfo.upcallPending(0));
  // An interdomain port re-targeted to vCPU 1: its next event is on vCPU 1's queue.
  const u = ev.allocUnbound(DOMID_SELF, 0);
  assert.is(ev.bindVcpu(u, 1), 0);
  ev.raise(u);
  assert.is(word(p) & 0x1ffff, u, "behind p on vCPU 1's queue 7");
});

test("a timer VIRQ is delivered through FIFO", () => {
  const { m, ev, head } = fifoMachine();
  const t = ev.bindVirq(VIRQ_TIMER, 0);
  assert.is(ev.raiseVirq(0, VIRQ_TIMER), true);
  assert.is(head(7), t);
  assert.equal(m.vcpus[0].injected, [0xf3]);
});

test("SCHEDOP_poll sees FIFO pending state", () => {
  const { m, ev, setWord } = fifoMachine();
  const p = ev.bindIpi(0);
  setWord(p, MASKED);
  const POLL = 0x11000;
  m.mem.writeU32(POLL + 64, p);
  m.mem.writeU64(POLL, BigInt(POLL + 64));
  m.mem.writeU32(POLL + 8, 1);
  m.mem.writeU64(POLL + 16, 0n);
  const v = m.vcpus[0];
  v.setCall(SCHED_OP, 3, POLL);
  assert.ok("block" in m.xen.hypercall(v), "nothing pending: blocks");
  ev.send(p);
  v.setCall(SCHED_OP, 3, POLL);
  const out = m.xen.hypercall(v);
  assert.ok("result" in out && out.result === 0n, "the masked port is pending: returns");
});

test("guest garbage in the words never throws: LINK fields pointing anywhere, every bit set", () => {
  const { ev, setWord, head, m } = fifoMachine();
  const ports = Array.from({ length: 8 }, () => ev.bindIpi(0));
  for (const p of ports) setWord(p, 0xffff_ffff);
  for (const p of ports) ev.send(p);
  for (const p of ports) setWord(p, LINKED | BUSY | 0x1ffff);
  for (const p of ports) assert.is(portOp(m, OP.unmask, p), 0);
  for (const p of ports) setWord(p, 0);
  ev.send(ports[0]);
  ev.send(ports[1]);
  assert.is(head(7), ports[0]);
  setWord(ports[0], LINKED | BUSY | 0x1ffff);
  setWord(ports[1], PENDING | LINKED | BUSY);
  ev.send(ports[2]); // ports[1] is the tail and still LINKED: its LINK is written, BUSY cleared
  assert.is(m.mem.readU32(ARRAY_GFN[0] * 4096 + ports[1] * 4), (PENDING | LINKED | ports[2]) >>> 0);
});

test("save/restore keeps the ABI, control blocks, array pages, tails and priorities", () => {
  const a = fifoMachine();
  const [p, q] = [a.ev.bindIpi(0), a.ev.bindIpi(0)];
  assert.is(setPriority(a.m, q, 3), 0);
  a.ev.send(p);
  const saved = JSON.parse(JSON.stringify(a.m.xen.evtchn.save()));
  assert.ok(saved.fifo);
  const b = testMachine({ vcpus: 2 });
  b.mem.write(0, a.m.mem.read(0, 0x30000)); // guest RAM (control block, array page)
  b.xen.evtchn.restore(saved);
  assert.is(b.xen.evtchn.abi, "fifo");
  assert.is(b.xen.evtchn.fifoState!.priorityOf(q), 3);
  b.xen.evtchn.send(q);
  assert.is(b.mem.readU32(CB_GFN[0] * 4096 + 8 + 4 * 3), q);
  b.xen.evtchn.send(p);
  const w = b.mem.readU32(ARRAY_GFN[0] * 4096 + p * 4);
  assert.is(w, (PENDING | LINKED) >>> 0, "already linked before the snapshot");
  const r = b.xen.evtchn.bindIpi(0);
  b.xen.evtchn.send(r);
  assert.is(b.mem.readU32(ARRAY_GFN[0] * 4096 + p * 4) & 0x1ffff, r, "the tail survived the snapshot");
  const c = testMachine();
  c.xen.evtchn.restore(JSON.parse(JSON.stringify(c.xen.evtchn.save())));
  assert.is(c.xen.evtchn.abi, "2-level");
});

test("32-bit guests use the same struct layouts", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  v.long = false;
  m.mem.fill(CB_GFN[0] * 4096, 4096, 0);
  assert.is(initControl(m, 0, CB_GFN[0], 0, v), 0);
  assert.is(m.mem.readU8(ARG + 16), 17);
  assert.is(expandArray(m, ARRAY_GFN[0]), 0);
  assert.is(m.xen.evtchn.maxPorts, 1 << 17, "FIFO does not depend on the shared_info layout");
});

test.run();
