// 2-level event channels (src/xen/evtchn.ts over src/xen/shared_info.ts): the raise
// algorithm's five steps on the real shared_info bitmaps, masking and the unmask
// re-raise, per-vCPU upcall vectors vs the CALLBACK_IRQ latch, every EVTCHNOP's rules,
// host (dom0) ports, the 32-bit layout, and PIRQs.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { FlatPageSource, GuestMemory } from "../../src/core/guest_memory.js";
import { SharedInfo } from "../../src/xen/shared_info.js";
import { EventChannels } from "../../src/xen/evtchn.js";
import { PirqTable } from "../../src/xen/pirq.js";
import { FakeVcpu } from "../../src/xen/testing.js";
import { EBUSY, EEXIST, EINVAL, ENOENT, ENOSPC, EPERM, ESRCH } from "../../src/xen/errno.js";
import { MAP_PIRQ_TYPE_GSI, MAP_PIRQ_TYPE_MSI } from "../../src/xen/abi/physdev.js";
import {
  EVTCHNSTAT_closed,
  EVTCHNSTAT_interdomain,
  EVTCHNSTAT_ipi,
  EVTCHNSTAT_unbound,
  EVTCHNSTAT_virq,
  VIRQ_CONSOLE,
  VIRQ_DEBUG,
  VIRQ_TIMER,
} from "../../src/xen/abi/event_channel.js";
import { DOMID_SELF } from "../../src/xen/abi/xen.js";

const DOMID = 1;

function setup(nrVcpus = 2) {
  const mem = new GuestMemory(new FlatPageSource(new Uint8Array(1 << 20)));
  const vcpus = Array.from({ length: nrVcpus }, (_, i) => new FakeVcpu(i, mem));
  const page = new Uint8Array(4096);
  const sh = new SharedInfo(page, mem, vcpus);
  const ev = new EventChannels(sh, vcpus, DOMID, new PirqTable(256), mem);
  const pending = (p: number) => (page[2048 + (p >> 3)] >> (p & 7)) & 1;
  const sel64 = (v: number) => new DataView(page.buffer).getBigUint64(v * 64 + 8, true);
  const upcall = (v: number) => page[v * 64];
  return { mem, vcpus, page, sh, ev, pending, sel64, upcall };
}

test("ports are allocated lowest-free from 1; close frees and clears pending", () => {
  const { ev, sh, pending } = setup();
  assert.is(ev.bindIpi(0), 1);
  assert.is(ev.bindIpi(0), 2);
  assert.is(ev.bindIpi(1), 3);
  ev.send(2);
  assert.is(pending(2), 1);
  assert.is(ev.close(2), 0);
  assert.is(pending(2), 0);
  assert.is(ev.close(2), -EINVAL);
  assert.is(ev.close(0), -EINVAL);
  assert.is(ev.close(4096), -EINVAL);
  assert.is(ev.bindIpi(1), 2);
  assert.is(sh.layout.maxPorts, 4096);
});

test("raise: pending, pending_sel word, upcall_pending, one delivery; repeats are absorbed", () => {
  const { ev, vcpus, pending, sel64, upcall } = setup();
  ev.setUpcallVector(1, 0xf3);
  const p = ev.bindIpi(1);
  for (let i = 0; i < 70; i++) ev.bindIpi(1); // so that port 70 lives in word 1
  assert.is(ev.raise(p), true);
  assert.is(pending(p), 1);
  assert.is(sel64(1), 1n);
  assert.is(upcall(1), 1);
  assert.equal(vcpus[1].injected, [0xf3]);
  assert.is(vcpus[0].injected.length, 0);
  assert.is(ev.raise(p), false, "step 1: already pending");
  assert.is(ev.raise(70), false, "step 4: upcall already pending");
  assert.is(sel64(1), 0b11n, "but its selector bit is set (step 3)");
  assert.equal(vcpus[1].injected, [0xf3]);
});

test("masked ports stay pending without an upcall; unmask re-raises (steps 3–5)", () => {
  const { ev, sh, vcpus, pending, upcall } = setup();
  ev.setUpcallVector(0, 0x40);
  const p = ev.bindIpi(0);
  sh.setMask(p, true);
  ev.send(p);
  assert.is(pending(p), 1);
  assert.is(upcall(0), 0);
  assert.equal(vcpus[0].injected, []);
  assert.is(ev.unmask(p), 0);
  assert.is(upcall(0), 1);
  assert.equal(vcpus[0].injected, [0x40]);
  // Linux's HVM pattern: guest clears the mask itself, sees pending, re-masks, calls unmask.
  vcpus[0].injected.length = 0;
  sh.vcpuInfo(0)!.fill(0, 0, 16); // guest serviced upcall_pending and pending_sel
  sh.setMask(p, true);
  assert.is(ev.unmask(p), 0);
  assert.equal(vcpus[0].injected, [0x40]);
  assert.is(ev.unmask(p), 0, "unmasking an unmasked port is a no-op");
  assert.is(ev.unmask(5000), -EINVAL);
});

test("delivery: per-vCPU vector wins over CALLBACK_IRQ vector; the latch is armed otherwise", () => {
  const { ev, sh, vcpus } = setup();
  sh.setGfn(0x80);
  ev.setCallback((2n << 56n) | 0xf3n);
  assert.equal(vcpus[0].callback, { vector: 0xf3, gpa: 0x80000 });
  assert.equal(vcpus[1].callback, { vector: 0xf3, gpa: 0x80040 });
  const p = ev.bindIpi(1);
  ev.send(p);
  assert.equal(vcpus[1].injected, [], "type 2 bypasses the LAPIC");
  assert.ok(vcpus[1].kicks > 0);
  assert.is(ev.setUpcallVector(1, 0xe0), 0);
  assert.equal(vcpus[1].callback.vector, 0, "per-vCPU vector disarms the latch for vCPU 1");
  assert.equal(vcpus[1].injected, [0xe0], "already pending: delivered at once");
  assert.is(ev.setUpcallVector(1, 0x0f), -EINVAL);
  assert.is(ev.setUpcallVector(7, 0x40), -ENOENT);
  // GSI callback: accepted, not routed.
  ev.setCallback(9n);
  assert.equal(vcpus[0].callback.vector, 0);
  assert.is(ev.callbackVector, 0);
});

test("unmapped shared_info: bits still set, latch disarmed until a gpa exists", () => {
  const { ev, vcpus, pending } = setup();
  ev.setCallback((2n << 56n) | 0xf3n);
  assert.equal(vcpus[0].callback, { vector: 0, gpa: -1 });
  const p = ev.bindIpi(0);
  ev.send(p);
  assert.is(pending(p), 1);
});

test("bind_virq: per-vCPU vs global, EEXIST, EINVAL, ENOENT; raiseVirq finds the port", () => {
  const { ev, vcpus, pending } = setup();
  const t0 = ev.bindVirq(VIRQ_TIMER, 0);
  const t1 = ev.bindVirq(VIRQ_TIMER, 1);
  assert.ok(t0 > 0 && t1 > 0 && t0 !== t1);
  assert.is(ev.bindVirq(VIRQ_TIMER, 1), -EEXIST);
  assert.is(ev.bindVirq(VIRQ_TIMER, 9), -ENOENT);
  assert.is(ev.bindVirq(24, 0), -EINVAL);
  assert.is(ev.bindVirq(VIRQ_CONSOLE, 1), -EINVAL, "global VIRQs bind on vCPU 0");
  const con = ev.bindVirq(VIRQ_CONSOLE, 0);
  assert.is(ev.raiseVirq(1, VIRQ_TIMER), true);
  assert.is(pending(t1), 1);
  assert.is(pending(t0), 0);
  assert.is(ev.raiseVirq(0, VIRQ_DEBUG), false, "unbound VIRQ: dropped");
  assert.is(ev.send(t0), -EINVAL, "VIRQ ports cannot be sent on");
  // A global VIRQ can move; a per-vCPU one cannot.
  assert.is(ev.bindVcpu(con, 1), 0);
  ev.setUpcallVector(1, 0x50);
  ev.raiseVirq(0, VIRQ_CONSOLE);
  assert.equal(vcpus[1].injected, [0x50]);
  assert.is(ev.bindVcpu(t0, 1), -EINVAL);
  const st = ev.status(DOMID_SELF, con);
  assert.equal(st, { status: EVTCHNSTAT_virq, vcpu: 1, u0: VIRQ_CONSOLE, u1: 0 });
  ev.close(t1);
  assert.ok(ev.bindVirq(VIRQ_TIMER, 1) > 0, "closing frees the VIRQ slot");
});

test("IPI: send raises the port on its own vCPU", () => {
  const { ev, vcpus, upcall } = setup();
  ev.setUpcallVector(0, 0x30);
  ev.setUpcallVector(1, 0x31);
  const p = ev.bindIpi(1);
  assert.is(ev.send(p), 0);
  assert.equal(vcpus[1].injected, [0x31]);
  assert.is(upcall(0), 0);
  assert.is(ev.bindIpi(2), -ENOENT);
  assert.equal(ev.status(DOMID, p), { status: EVTCHNSTAT_ipi, vcpu: 1, u0: 0, u1: 0 });
});

test("loopback interdomain pair: alloc_unbound(self) + bind_interdomain(self); close returns the peer to unbound", () => {
  const { ev, pending } = setup();
  const a = ev.allocUnbound(DOMID_SELF, DOMID_SELF);
  assert.is(ev.send(a), 0, "unbound: dropped");
  assert.is(pending(a), 0);
  assert.equal(ev.status(DOMID_SELF, a), { status: EVTCHNSTAT_unbound, vcpu: 0, u0: DOMID, u1: 0 });
  const b = ev.bindInterdomain(DOMID, a);
  assert.is(pending(b), 1, "the new end is made pending");
  assert.equal(ev.status(DOMID, b), { status: EVTCHNSTAT_interdomain, vcpu: 0, u0: DOMID, u1: a });
  ev.send(b);
  assert.is(pending(a), 1);
  assert.is(ev.bindInterdomain(DOMID, a), -EINVAL, "no longer unbound");
  assert.is(ev.bindInterdomain(5, a), -ESRCH);
  ev.close(b);
  assert.equal(ev.status(DOMID, a), { status: EVTCHNSTAT_unbound, vcpu: 0, u0: DOMID, u1: 0 });
  assert.equal(ev.status(DOMID, b), { status: EVTCHNSTAT_closed, vcpu: 0, u0: 0, u1: 0 });
  assert.is(ev.status(3, a), -ESRCH);
  assert.is(ev.status(DOMID, 4096), -EINVAL);
});

test("alloc_unbound checks dom and remote_dom", () => {
  const { ev } = setup();
  assert.is(ev.allocUnbound(2, 0), -ESRCH);
  assert.is(ev.allocUnbound(DOMID_SELF, 7), -EPERM);
  assert.ok(ev.allocUnbound(DOMID, 0) > 0);
});

test("host ports: toolstack-allocated guest port, backend binding, notify both ways", () => {
  const { ev, pending } = setup();
  let kicked = 0;
  const store = ev.hostPort(() => kicked++);
  const gp = store.allocGuestPort();
  assert.is(gp, 1);
  assert.equal(ev.status(DOMID_SELF, gp), { status: EVTCHNSTAT_interdomain, vcpu: 0, u0: 0, u1: store.port });
  assert.is(ev.send(gp), 0);
  assert.is(kicked, 1);
  store.notify();
  assert.is(pending(gp), 1);
  assert.is(store.allocGuestPort(), -EBUSY);

  // A frontend's alloc_unbound(remote 0) and the backend's bind.
  let beKicks = 0;
  const be = ev.hostPort(() => beKicks++);
  const fe = ev.allocUnbound(DOMID_SELF, 0);
  assert.is(be.bindGuestPort(gp), -EINVAL, "a port already connected cannot be bound");
  assert.is(be.bindGuestPort(fe), 0);
  assert.is(be.guestPort, fe);
  ev.send(fe);
  assert.is(beKicks, 1);
  // The guest closing its end disconnects the backend; unbind returns the guest end to unbound.
  ev.close(fe);
  assert.is(be.guestPort, 0);
  be.notify(); // harmless while unconnected
  const fe2 = ev.allocUnbound(DOMID_SELF, 0);
  assert.is(be.bindGuestPort(fe2), 0);
  be.unbind();
  assert.equal(ev.status(DOMID, fe2), { status: EVTCHNSTAT_unbound, vcpu: 0, u0: 0, u1: 0 });
  be.close();
  // Guest-side bind_interdomain to a dom0 port that waits for it.
  const waiting = ev.hostPort(() => beKicks++);
  const local = ev.bindInterdomain(0, waiting.port);
  assert.ok(local > 0);
  assert.is(waiting.guestPort, local);
  assert.is(ev.bindInterdomain(0, waiting.port), -EBUSY);
  assert.is(ev.bindInterdomain(0, 999), -EINVAL);
});

test("bind_vcpu re-targets and re-raises a pending port on the new vCPU", () => {
  const { ev, sh, vcpus, upcall } = setup();
  ev.setUpcallVector(0, 0x40);
  ev.setUpcallVector(1, 0x41);
  const p = ev.allocUnbound(DOMID_SELF, 0);
  sh.setMask(p, true);
  ev.raise(p);
  sh.setMask(p, false);
  assert.is(ev.bindVcpu(p, 1), 0);
  assert.is(upcall(1), 1);
  assert.equal(vcpus[1].injected, [0x41]);
  assert.is(ev.bindVcpu(p, 5), -ENOENT);
  assert.is(ev.bindVcpu(77, 1), -EINVAL);
  assert.is(ev.bindVcpu(ev.bindIpi(0), 1), -EINVAL, "IPIs are pinned");
});

test("reset closes every port; the port space fills up with ENOSPC", () => {
  const { ev } = setup();
  for (let i = 1; i < 4096; i++) assert.is(ev.bindIpi(0), i);
  assert.is(ev.bindIpi(0), -ENOSPC);
  assert.is(ev.reset(2), -ESRCH);
  assert.is(ev.reset(DOMID_SELF), 0);
  assert.is(ev.bindIpi(0), 1);
});

test("32-bit layout: 1024 ports, u32 pending_sel at 4, mask at 2176", () => {
  const { ev, sh, page, vcpus } = setup();
  sh.setLongMode(false);
  assert.is(ev.maxPorts, 1024);
  ev.setUpcallVector(0, 0x40);
  for (let i = 0; i < 40; i++) ev.bindIpi(0);
  page[2176 + (33 >> 3)] |= 1 << (33 & 7); // mask port 33 in the 32-bit mask array
  ev.send(33);
  assert.is(new DataView(page.buffer).getUint32(4, true), 0);
  ev.send(35);
  assert.is(new DataView(page.buffer).getUint32(4, true), 0b10, "word 1 = ports 32..63");
  assert.equal(vcpus[0].injected, [0x40]);
  for (let i = 41; i < 1024; i++) ev.bindIpi(0);
  assert.is(ev.bindIpi(0), -ENOSPC, "1024 ports in the 32-bit layout");
});

test("PIRQs: map GSI/MSI, bind, unmap closes, limits", () => {
  const { ev } = setup();
  const pirqs = ev.pirqs;
  assert.is(pirqs.map(MAP_PIRQ_TYPE_GSI, 5, -1), 5, "legacy GSIs keep their number");
  assert.is(pirqs.map(MAP_PIRQ_TYPE_GSI, 5, -1), 5, "same GSI, same PIRQ");
  assert.is(pirqs.map(MAP_PIRQ_TYPE_GSI, 30, -1), -EINVAL);
  const msi = pirqs.map(MAP_PIRQ_TYPE_MSI, 0, -1);
  assert.is(msi, 16);
  assert.is(pirqs.map(MAP_PIRQ_TYPE_MSI, 0, 16), -EEXIST);
  assert.is(pirqs.map(MAP_PIRQ_TYPE_MSI, 0, 256), -EINVAL);
  assert.is(pirqs.map(7, 0, -1), -EINVAL);
  const p = ev.bindPirq(msi);
  assert.ok(p > 0);
  assert.is(ev.bindPirq(msi), -EEXIST);
  assert.is(ev.bindPirq(256), -EINVAL);
  assert.is(pirqs.unmap(msi), p, "unmap reports the bound port for closing");
  assert.is(pirqs.unmap(msi), -ENOENT);
  const r = pirqs.reserve(MAP_PIRQ_TYPE_MSI);
  assert.is(pirqs.map(MAP_PIRQ_TYPE_MSI, 3, r), r, "a reserved PIRQ can be mapped by its type");
});

test("save/restore keeps ports, VIRQ bindings, vectors and host links", () => {
  const a = setup();
  const hp = a.ev.hostPort(() => {});
  const gp = hp.allocGuestPort();
  const t = a.ev.bindVirq(VIRQ_TIMER, 1);
  a.ev.setUpcallVector(1, 0xf3);
  const saved = JSON.parse(JSON.stringify(a.ev.save()));
  const b = setup();
  let kicks = 0;
  const hp2 = b.ev.hostPort(() => kicks++);
  b.ev.restore(saved);
  assert.is(hp2.guestPort, gp);
  b.ev.send(gp);
  assert.is(kicks, 1);
  assert.is(b.ev.raiseVirq(1, VIRQ_TIMER), true);
  assert.is(b.pending(t), 1);
  assert.equal(b.vcpus[1].injected, [0xf3]);
});

test.run();
