// virtio-pci transport and split virtqueues in the core, driven by the TS
// driver mock: feature negotiation (virtio 1.x §3.1.1), reset (§2.4), the
// available/used rings (§2.7), indirect descriptors (§2.7.5.3), notification
// suppression (§2.7.7, §2.7.10), MSI-X delivery to the LAPIC and masking
// (PCI 3.0 §6.8.2), and DEVICE_NEEDS_RESET on broken rings (§2.1.2).
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Core } from "../../src/core/core.js";
import * as L from "../../src/core/layout.gen.js";
import {
  testCore, ex, pread, pwrite, cfgWrite, irr, freshLapic, walkCaps, VirtioDriver,
  VIRTIO_F_VERSION_1, VIRTIO_F_EVENT_IDX, VIRTIO_F_INDIRECT_DESC,
} from "./virtio_driver.js";

const SLOT = 2;
const V1 = 1n << VIRTIO_F_VERSION_1;
const CONFIG_VEC = 0x40;
const Q0_VEC = 0x41;

/** A 2-queue device (type 3, console-like) brought up with `features`. */
async function setup(features = V1, size = 8): Promise<{ core: Core; d: VirtioDriver }> {
  const core = await testCore();
  assert.is(ex(core).virtioAdd(SLOT, 3, 2, 64, 0, 0, 12), 0);
  freshLapic(core);
  const d = new VirtioDriver(core, SLOT);
  d.bringUp(features, 2, size, CONFIG_VEC);
  return { core, d };
}

function segs(core: Core): { gpa: number; len: number; write: boolean }[] {
  const n = core.ctl32(L.CTL_VQ_SEGS);
  const out = [];
  for (let i = 0; i < n; i++) {
    const o = L.VQ_CHAIN_OFF + i * 16;
    out.push({
      gpa: core.view.getUint32(o, true) + core.view.getUint32(o + 4, true) * 2 ** 32,
      len: core.view.getUint32(o + 8, true),
      write: (core.view.getUint32(o + 12, true) & 1) === 1,
    });
  }
  return out;
}

test("virtio: device features carry VERSION_1, INDIRECT_DESC, EVENT_IDX; FEATURES_OK needs VERSION_1", async () => {
  const core = await testCore();
  ex(core).virtioAdd(SLOT, 1, 2, 64, 1 << 5, 0, 8);
  const d = new VirtioDriver(core, SLOT);
  d.enable();
  const f = d.deviceFeatures();
  assert.is(f, V1 | (1n << 29n) | (1n << 28n) | (1n << 5n));
  assert.not.ok(d.negotiate(0n), "legacy (no VERSION_1) is refused");
  assert.not.ok(d.negotiate(V1 | (1n << 40n)), "a feature the device lacks is refused");
  assert.ok(d.negotiate(V1 | (1n << 5n)));
  // Features are frozen after FEATURES_OK.
  d.setCc(0x08, 0);
  d.setCc(0x0c, 0xffffffff);
  assert.is(d.cc(0x0c), 1 << 5);
  assert.is(d.cc(0x12, 2), 2, "num_queues");
});

test("virtio: queue_size defaults to the maximum, reads 0 past num_queues; reset restores it", async () => {
  const { d } = await setup();
  d.setCc(0x16, 0, 2);
  assert.is(d.cc(0x18, 2), 8, "the driver's size");
  assert.is(d.cc(0x1c, 2), 1, "enabled");
  assert.is(d.cc(0x1e, 2), 0, "queue_notify_off 0");
  d.setCc(0x16, 1, 2);
  assert.is(d.cc(0x1e, 2), 1);
  d.setCc(0x16, 5, 2);
  assert.is(d.cc(0x18, 2), 0, "no queue 5");
  d.setCc(0x14, 0, 1);
  assert.is(d.status, 0);
  d.setCc(0x16, 0, 2);
  assert.is(d.cc(0x18, 2), 64, "back to queue max");
  assert.is(d.cc(0x1c, 2), 0);
  assert.is(d.cc(0x1a, 2), 0xffff, "vector back to NO_VECTOR");
});

test("virtio: an MSI-X vector the device does not have reads back as NO_VECTOR", async () => {
  const { d } = await setup();
  d.setCc(0x10, 7, 2);
  assert.is(d.cc(0x10, 2), 0xffff);
  d.setCc(0x16, 0, 2);
  d.setCc(0x1a, 2, 2);
  assert.is(d.cc(0x1a, 2), 2);
  d.setCc(0x1a, 3, 2);
  assert.is(d.cc(0x1a, 2), 0xffff);
});

test("virtio: kick → takeKick → pop gives the validated chain → completeUsed fills the used ring and fires MSI-X", async () => {
  const { core, d } = await setup();
  const out = d.alloc(64);
  const inp = d.alloc(100);
  core.mem.write(out, new TextEncoder().encode("hello"));
  const head = d.add(0, [{ gpa: out, len: 5 }, { gpa: inp, len: 100, write: true }]);
  assert.is(ex(core).virtqAvail(SLOT, 0), 1);
  d.kick(0);
  assert.is(ex(core).takeKick(), (SLOT << 8) | 0);
  assert.is(ex(core).takeKick(), -1);
  assert.is(core.ctl32(L.CTL_NOTIFY_SLOT), SLOT);
  assert.is(core.ctl32(L.CTL_NOTIFY_QUEUE), 0);
  assert.is(ex(core).virtqPop(SLOT, 0), head);
  assert.equal(segs(core), [
    { gpa: out, len: 5, write: false },
    { gpa: inp, len: 100, write: true },
  ]);
  assert.is(ex(core).virtqPop(SLOT, 0), -1, "ring empty now");
  assert.not.ok(irr(core, Q0_VEC));
  assert.is(ex(core).completeUsed(SLOT, 0, head, 42), 0);
  assert.equal(d.takeUsed(0), [[head, 42]]);
  assert.ok(irr(core, Q0_VEC), "queue 0's vector is pending in the LAPIC");
  assert.not.ok(irr(core, CONFIG_VEC));
  // Nothing in flight any more: a second completion is refused.
  assert.is(ex(core).completeUsed(SLOT, 0, head, 1), -1);
});

test("virtio: the ring wraps around (free-running 16-bit indices)", async () => {
  const { core, d } = await setup(V1, 4);
  const buf = d.alloc(16);
  for (let i = 0; i < 11; i++) {
    const h = d.add(0, [{ gpa: buf, len: 16, write: true }]);
    assert.is(ex(core).virtqPop(SLOT, 0), h);
    assert.is(ex(core).completeUsed(SLOT, 0, h, i), 0);
    assert.equal(d.takeUsed(0), [[h, i]]);
  }
  assert.is(d.usedIdx(0), 11);
});

test("virtio: indirect descriptors (§2.7.5.3)", async () => {
  const { core, d } = await setup(V1 | (1n << VIRTIO_F_INDIRECT_DESC));
  const a = d.alloc(16), b = d.alloc(512), c = d.alloc(1);
  const head = d.add(0, [{ gpa: a, len: 16 }, { gpa: b, len: 512, write: true }, { gpa: c, len: 1, write: true }], true);
  assert.is(ex(core).virtqPop(SLOT, 0), head);
  assert.equal(segs(core).map((s) => [s.gpa, s.len, s.write]), [[a, 16, false], [b, 512, true], [c, 1, true]]);
});

test("virtio: an indirect descriptor without the feature makes the device need a reset", async () => {
  const { core, d } = await setup();
  const a = d.alloc(16);
  d.add(0, [{ gpa: a, len: 16 }], true);
  assert.is(ex(core).virtqPop(SLOT, 0), -2);
  assert.is(core.ctl32(L.CTL_VQ_ERROR), L.VQERR_INDIRECT);
  assert.is(d.status & 0x40, 0x40);
});

test("virtio: no interrupt while the driver sets VIRTQ_AVAIL_F_NO_INTERRUPT", async () => {
  const { core, d } = await setup();
  const buf = d.alloc(8);
  d.setAvailFlags(0, 1);
  const h = d.add(0, [{ gpa: buf, len: 8, write: true }]);
  ex(core).virtqPop(SLOT, 0);
  ex(core).completeUsed(SLOT, 0, h, 8);
  assert.is(d.usedIdx(0), 1);
  assert.not.ok(irr(core, Q0_VEC));
});

test("virtio: EVENT_IDX: avail_event follows the device, used_event gates interrupts (§2.7.10)", async () => {
  const { core, d } = await setup(V1 | (1n << VIRTIO_F_EVENT_IDX));
  const buf = d.alloc(8);
  const heads = [0, 1, 2].map(() => d.add(0, [{ gpa: buf, len: 8, write: true }]));
  for (const h of heads) assert.is(ex(core).virtqPop(SLOT, 0), h);
  assert.is(d.availEvent(0), 3, "kick me when avail idx passes 3");
  // Interrupt only once used->idx passes 2 (i.e. on the 3rd completion).
  d.setUsedEvent(0, 2);
  ex(core).completeUsed(SLOT, 0, heads[0], 1);
  ex(core).completeUsed(SLOT, 0, heads[1], 1);
  assert.not.ok(irr(core, Q0_VEC));
  ex(core).completeUsed(SLOT, 0, heads[2], 1);
  assert.ok(irr(core, Q0_VEC));
});

test("virtio: a masked MSI-X entry sets its PBA bit and fires when unmasked", async () => {
  const { core, d } = await setup();
  const buf = d.alloc(8);
  pwrite(core, d.bar1 + 16 + 12, 1); // mask entry 1 (queue 0)
  const h = d.add(0, [{ gpa: buf, len: 8, write: true }]);
  ex(core).virtqPop(SLOT, 0);
  ex(core).completeUsed(SLOT, 0, h, 8);
  assert.not.ok(irr(core, Q0_VEC));
  assert.is(pread(core, d.bar1 + 0x800) & 2, 2, "pending bit of vector 1");
  pwrite(core, d.bar1 + 16 + 12, 0);
  assert.ok(irr(core, Q0_VEC));
  assert.is(pread(core, d.bar1 + 0x800), 0);
});

test("virtio: the MSI-X function mask and bus mastering hold vectors back too", async () => {
  const { core, d } = await setup();
  const cap = walkCaps(core, SLOT).find((c) => c.id === 0x11)!;
  const buf = d.alloc(8);
  cfgWrite(core, SLOT, cap.off + 2, 0xc000, 2); // enable + mask all
  let h = d.add(0, [{ gpa: buf, len: 8, write: true }]);
  ex(core).virtqPop(SLOT, 0);
  ex(core).completeUsed(SLOT, 0, h, 8);
  assert.not.ok(irr(core, Q0_VEC));
  cfgWrite(core, SLOT, cap.off + 2, 0x8000, 2);
  assert.ok(irr(core, Q0_VEC));
  // Without bus mastering the device takes no buffers at all.
  cfgWrite(core, SLOT, 0x04, 0x2, 2);
  h = d.add(0, [{ gpa: buf, len: 8, write: true }]);
  assert.is(ex(core).virtqPop(SLOT, 0), -1);
  cfgWrite(core, SLOT, 0x04, 0x6, 2);
  assert.is(ex(core).virtqPop(SLOT, 0), h);
});

test("virtio: without MSI-X the ISR carries the queue bit; reading it clears it", async () => {
  const core = await testCore();
  ex(core).virtioAdd(SLOT, 3, 2, 64, 0, 0, 12);
  const d = new VirtioDriver(core, SLOT);
  d.enable();
  d.negotiate(V1);
  d.setupQueue(0, 8);
  d.driverOk();
  const h = d.add(0, [{ gpa: d.alloc(8), len: 8, write: true }]);
  ex(core).virtqPop(SLOT, 0);
  ex(core).completeUsed(SLOT, 0, h, 8);
  assert.is(pread(core, d.isr, 1), 1);
  assert.is(pread(core, d.isr, 1), 0);
});

// --- broken rings: DEVICE_NEEDS_RESET, a config interrupt, no crash, no hang ---

async function brokenCase(build: (d: VirtioDriver, core: Core) => void, err: number): Promise<void> {
  const { core, d } = await setup();
  build(d, core);
  assert.is(ex(core).virtqPop(SLOT, 0), -2);
  assert.is(core.ctl32(L.CTL_VQ_ERROR), err);
  assert.is(d.status & 0x40, 0x40, "DEVICE_NEEDS_RESET");
  assert.ok(irr(core, CONFIG_VEC), "configuration-change interrupt");
  assert.is(ex(core).virtqPop(SLOT, 0), -1, "the queue is dead until reset");
  // A reset brings it back.
  d.negotiate(V1);
  d.setupQueue(0, 8, 1);
  d.driverOk();
  assert.is(d.status & 0x40, 0);
  const h = d.add(0, [{ gpa: d.alloc(8), len: 8, write: true }]);
  assert.is(ex(core).virtqPop(SLOT, 0), h);
}

test("virtio: a descriptor loop is caught (chain longer than the queue)", () =>
  brokenCase((d) => {
    const r = d.rings[0];
    d.writeDesc(r.desc, 0, d.alloc(8), 8, 1, 1);
    d.writeDesc(r.desc, 1, d.alloc(8), 8, 1, 0);
    d.publish(0, 0);
  }, L.VQERR_LOOP));

test("virtio: a next index beyond the queue is caught", () =>
  brokenCase((d) => {
    const r = d.rings[0];
    d.writeDesc(r.desc, 0, d.alloc(8), 8, 1, 200);
    d.publish(0, 0);
  }, L.VQERR_HEAD));

test("virtio: a head index beyond the queue is caught", () =>
  brokenCase((d) => d.publish(0, 9), L.VQERR_HEAD));

test("virtio: buffers outside RAM (MMIO, the LAPIC, past the end, wrapping) are caught", async () => {
  for (const [gpa, len] of [
    [0xfee00000, 16],
    [16 * 1024 * 1024 - 8, 16],
    [0xc0000000, 4],
    [2 ** 52 - 8, 16],
  ]) {
    await brokenCase((d) => d.add(0, [{ gpa, len, write: true }]), L.VQERR_BUFFER);
  }
});

test("virtio: avail->idx running ahead by more than the queue size is caught", () =>
  brokenCase((d, core) => core.mem.writeU16(d.rings[0].avail + 2, 9), L.VQERR_RING));

test("virtio: nested indirect tables are caught", async () => {
  const { core, d } = await setup(V1 | (1n << VIRTIO_F_INDIRECT_DESC));
  const inner = d.alloc(16, 16);
  d.writeDesc(inner, 0, d.alloc(8), 8, 0, 0);
  const outer = d.alloc(16, 16);
  d.writeDesc(outer, 0, inner, 16, 4, 0);
  d.writeDesc(d.rings[0].desc, 0, outer, 16, 4, 0);
  d.publish(0, 0);
  assert.is(ex(core).virtqPop(SLOT, 0), -2);
  assert.is(core.ctl32(L.CTL_VQ_ERROR), L.VQERR_INDIRECT);
});

test("virtio: a queue whose rings are not RAM is refused at enable", async () => {
  const core = await testCore();
  ex(core).virtioAdd(SLOT, 3, 2, 64, 0, 0, 12);
  const d = new VirtioDriver(core, SLOT);
  d.enable();
  d.negotiate(V1);
  d.setCc(0x16, 0, 2);
  d.setCc(0x20, 0xfee00000);
  d.setCc(0x28, 0x1000);
  d.setCc(0x30, 0x2000);
  d.setCc(0x1c, 1, 2);
  assert.is(d.cc(0x1c, 2), 0, "not enabled");
  assert.is(d.status & 0x40, 0x40);
});

test("virtio: completions from before a reset are refused", async () => {
  const { core, d } = await setup();
  const h = d.add(0, [{ gpa: d.alloc(8), len: 8, write: true }]);
  const gen = core.view.getUint32(L.DEV_OFF + SLOT * L.DEV_REC_SIZE + L.DEVREC_RESET_GEN, true);
  assert.is(ex(core).virtqPop(SLOT, 0), h);
  d.setCc(0x14, 0, 1);
  assert.is(core.view.getUint32(L.DEV_OFF + SLOT * L.DEV_REC_SIZE + L.DEVREC_RESET_GEN, true), gen + 1);
  assert.is(ex(core).completeUsed(SLOT, 0, h, 8), -1);
});

test("virtio: notify before the queue is enabled or on a missing queue does not exit", async () => {
  const core = await testCore();
  ex(core).virtioAdd(SLOT, 3, 2, 64, 0, 0, 12);
  const d = new VirtioDriver(core, SLOT);
  d.enable();
  d.negotiate(V1);
  d.kick(0);
  d.kick(7);
  assert.is(ex(core).takeKick(), -1);
});

test.run();
