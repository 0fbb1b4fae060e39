// Device models behind the transport, through the Devices hub exactly as the run
// loop drives it (handleNotify on a kick, poll for async completions and
// received data): virtio-blk requests (virtio 1.x §5.2.6), virtio-net between
// two NICs on a hub (§5.1.6), virtio-console (§5.3.6), and the configuration
// mapping from -drive/-device/-netdev.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Core } from "../../src/core/core.js";
import type { ChardevConfig, DriveConfig, MachineConfig } from "../../src/machine/config.js";
import { Devices } from "../../src/devices/devices.js";
import type { BlockBackend } from "../../src/backends/block/block_backend.js";
import { MemoryBlock } from "../../src/backends/block/memory.js";
import type { CharBackend } from "../../src/devices/virtio_console.js";
import { testCore, testConfig, cfgRead, pread, irr, freshLapic, VirtioDriver, VIRTIO_F_VERSION_1 } from "./virtio_driver.js";

const V1 = 1n << VIRTIO_F_VERSION_1;
const BLK_VEC = 0x50;

function image(sectors: number): Uint8Array {
  return Uint8Array.from({ length: sectors * 512 }, (_, i) => (i * 7 + (i >> 9)) & 0xff);
}

function drive(id: string, data: Uint8Array, extra: Partial<DriveConfig> = {}): DriveConfig {
  return { id, data, format: "raw", interface: "virtio", readonly: false, ...extra };
}

interface Rig {
  core: Core;
  devices: Devices;
  wakes: number;
  logs: string[];
}

async function rig(config: MachineConfig, chardev?: (cc: ChardevConfig) => CharBackend | null): Promise<Rig> {
  const core = await testCore();
  const r: Rig = { core, devices: null as unknown as Devices, wakes: 0, logs: [] };
  r.devices = new Devices(core, config, { wake: () => r.wakes++ }, { chardev, log: (m) => r.logs.push(m) });
  freshLapic(core);
  return r;
}

// --- virtio-blk -------------------------------------------------------------

async function blkRig(extra: Partial<DriveConfig> = {}, backend?: BlockBackend) {
  const img = image(64);
  const r = await rig(testConfig({ drives: [drive("d0", img, { ...extra, backend })] }));
  const d = new VirtioDriver(r.core, 1);
  d.bringUp(V1, 1, 16, BLK_VEC);
  return Object.assign(r, { d, img });
}

/** Queues one request; returns the header/status addresses and the data buffer. */
function blkRequest(d: VirtioDriver, type: number, sector: number, data: { len: number; write: boolean; fill?: number }) {
  const m = d.core.mem;
  const hdr = d.alloc(16);
  m.writeU32(hdr, type);
  m.writeU32(hdr + 4, 0);
  m.writeU64(hdr + 8, BigInt(sector));
  const buf = d.alloc(Math.max(1, data.len), 512);
  if (data.fill !== undefined) m.fill(buf, data.len, data.fill);
  const status = d.alloc(1, 1);
  m.writeU8(status, 0xee);
  const bufs = [{ gpa: hdr, len: 16 }];
  if (data.len) bufs.push({ gpa: buf, len: data.len, write: data.write } as never);
  bufs.push({ gpa: status, len: 1, write: true } as never);
  const head = d.add(0, bufs);
  return { head, buf, status };
}

test("virtio-blk: PCI id 1af4:1042, capacity/blk_size/seg_max in the configuration", async () => {
  const { core, d } = await blkRig();
  assert.is(cfgRead(core, 1, 0), 0x10421af4);
  assert.is(pread(core, d.device, 8), 64, "capacity in 512-byte sectors");
  assert.is(pread(core, d.device + 12), 254, "seg_max");
  assert.is(pread(core, d.device + 20), 512, "blk_size");
  const f = d.deviceFeatures();
  for (const bit of [2n, 6n, 9n, 13n, 14n]) assert.is((f >> bit) & 1n, 1n, `feature ${bit}`);
  assert.is((f >> 5n) & 1n, 0n, "not read-only");
});

test("virtio-blk: IN reads sectors into the guest, status OK, used length = data + status", async () => {
  const { core, devices, d, img } = await blkRig();
  const rq = blkRequest(d, 0, 3, { len: 1024, write: true });
  d.kick(0);
  devices.handleNotify();
  assert.equal(d.takeUsed(0), [[rq.head, 1025]]);
  assert.is(core.mem.readU8(rq.status), 0);
  assert.equal(core.mem.read(rq.buf, 1024), img.subarray(3 * 512, 5 * 512));
  assert.ok(irr(core, BLK_VEC + 1), "queue vector raised");
});

test("virtio-blk: OUT writes the image, FLUSH and GET_ID answer OK", async () => {
  const { core, devices, d, img } = await blkRig();
  const w = blkRequest(d, 1, 10, { len: 512, write: false, fill: 0xab });
  const f = blkRequest(d, 4, 0, { len: 0, write: false });
  const id = blkRequest(d, 8, 0, { len: 20, write: true, fill: 0xff });
  d.kick(0);
  devices.handleNotify();
  assert.equal(d.takeUsed(0), [[w.head, 1], [f.head, 1], [id.head, 21]]);
  assert.ok(img.subarray(10 * 512, 11 * 512).every((b) => b === 0xab));
  assert.is(img[11 * 512], image(64)[11 * 512], "next sector untouched");
  for (const r of [w, f, id]) assert.is(core.mem.readU8(r.status), 0);
  assert.ok(core.mem.read(id.buf, 20).every((b) => b === 0), "no serial: 20 NUL bytes");
});

test("virtio-blk: out-of-range and misaligned requests get IOERR, unknown types UNSUPP", async () => {
  const { core, devices, d } = await blkRig();
  const past = blkRequest(d, 0, 63, { len: 1024, write: true });
  const odd = blkRequest(d, 0, 0, { len: 100, write: true });
  const huge = blkRequest(d, 1, 2 ** 52, { len: 512, write: false });
  const unk = blkRequest(d, 99, 0, { len: 0, write: false });
  d.kick(0);
  devices.handleNotify();
  assert.is(d.takeUsed(0).length, 4);
  assert.equal([past, odd, huge, unk].map((r) => core.mem.readU8(r.status)), [1, 1, 1, 2]);
});

test("virtio-blk: a read-only drive advertises RO and refuses writes", async () => {
  const { core, devices, d, img } = await blkRig({ readonly: true });
  assert.is((d.deviceFeatures() >> 5n) & 1n, 1n);
  const w = blkRequest(d, 1, 0, { len: 512, write: false, fill: 1 });
  d.kick(0);
  devices.handleNotify();
  assert.is(core.mem.readU8(w.status), 1);
  assert.is(img[0], image(1)[0]);
});

test("virtio-blk: WRITE_ZEROES and DISCARD (one segment)", async () => {
  const { core, devices, d, img } = await blkRig();
  const seg = d.alloc(16);
  core.mem.writeU64(seg, 4n);
  core.mem.writeU32(seg + 8, 2);
  core.mem.writeU32(seg + 12, 0);
  const hdr = d.alloc(16);
  core.mem.writeU32(hdr, 13);
  core.mem.writeU64(hdr + 8, 0n);
  const st = d.alloc(1, 1);
  d.add(0, [{ gpa: hdr, len: 16 }, { gpa: seg, len: 16 }, { gpa: st, len: 1, write: true }]);
  d.kick(0);
  devices.handleNotify();
  assert.is(core.mem.readU8(st), 0);
  assert.ok(img.subarray(4 * 512, 6 * 512).every((b) => b === 0));
  assert.is(img[6 * 512], image(64)[6 * 512]);
});

test("virtio-blk: a request without a status byte puts the device in DEVICE_NEEDS_RESET", async () => {
  const r = await blkRig();
  const { devices, d } = r;
  const hdr = d.alloc(16);
  d.add(0, [{ gpa: hdr, len: 16 }]);
  d.kick(0);
  devices.handleNotify();
  assert.is(d.status & 0x40, 0x40);
  assert.is(d.takeUsed(0).length, 0);
  assert.equal(r.logs, ["xpvh: guest_error: virtio blk at 00:01.0: request without its 16-byte header or status byte; device needs reset"]);
});

test("virtio: a broken ring is logged once per device incarnation", async () => {
  const r = await blkRig();
  const { devices, d } = r;
  d.publish(0, 200); // head out of range
  d.kick(0);
  devices.handleNotify();
  d.publish(0, 201);
  devices.poll();
  assert.equal(r.logs, ["xpvh: guest_error: virtio blk at 00:01.0: queue 0: descriptor index beyond the queue; device needs reset"]);
  assert.is(d.status & 0x40, 0x40);
});

/** A backend that answers when the test says so. */
class SlowBlock implements BlockBackend {
  readonly readOnly = false;
  readonly pending: (() => void)[] = [];
  constructor(readonly inner: MemoryBlock) {}
  get size() {
    return this.inner.size;
  }
  read(off: number, dst: Uint8Array) {
    return new Promise<void>((res) => this.pending.push(() => (this.inner.read(off, dst), res())));
  }
  write(off: number, src: Uint8Array) {
    return new Promise<void>((res) => this.pending.push(() => (this.inner.write(off, src), res())));
  }
  flush() {}
  close() {}
}
const tick = () => new Promise((r) => setImmediate(r));

test("virtio-blk: asynchronous backends complete from poll(), many runs later, and wake the machine", async () => {
  const img = image(64);
  const slow = new SlowBlock(new MemoryBlock(img));
  const rg = await blkRig({}, slow);
  const { core, devices, d } = rg;
  const a = blkRequest(d, 0, 1, { len: 512, write: true });
  const b = blkRequest(d, 0, 2, { len: 512, write: true });
  d.kick(0);
  devices.handleNotify();
  assert.is(d.usedIdx(0), 0);
  assert.ok(devices.busy);
  // Complete out of order.
  const w0 = rg.wakes;
  slow.pending[1]();
  await tick();
  assert.ok(rg.wakes > w0, "completion woke the machine");
  devices.poll();
  assert.equal(d.takeUsed(0), [[b.head, 513]]);
  slow.pending[0]();
  await tick();
  devices.poll();
  assert.equal(d.takeUsed(0), [[a.head, 513]]);
  assert.equal(core.mem.read(a.buf, 512), img.subarray(512, 1024));
  assert.not.ok(devices.busy);
});

test("virtio-blk: a completion after the driver reset the device is dropped (no guest write)", async () => {
  const slow = new SlowBlock(new MemoryBlock(image(64)));
  const { core, devices, d } = await blkRig({}, slow);
  const a = blkRequest(d, 0, 1, { len: 512, write: true });
  core.mem.fill(a.buf, 512, 0x5a);
  d.kick(0);
  devices.handleNotify();
  d.setCc(0x14, 0, 1); // reset
  d.negotiate(V1);
  d.setupQueue(0, 16, 1);
  d.driverOk();
  slow.pending[0]();
  await tick();
  devices.poll();
  assert.is(d.usedIdx(0), 0);
  assert.ok(core.mem.read(a.buf, 512).every((x) => x === 0x5a), "buffer untouched");
});

test("devices: -device virtio-blk-pci,drive=,serial= and if=virtio drives get slots in order", async () => {
  const a = image(8), b = image(16);
  const r = await rig(
    testConfig({
      drives: [drive("vd", a), drive("nd", b, { interface: "none" })],
      devices: [{ driver: "virtio-blk-pci", options: { drive: "nd", serial: "SER123" } }],
    }),
  );
  assert.is(cfgRead(r.core, 1, 0), 0x10421af4);
  assert.is(cfgRead(r.core, 2, 0), 0x10421af4);
  assert.is(cfgRead(r.core, 3, 0), 0xffffffff);
  const d = new VirtioDriver(r.core, 1);
  d.bringUp(V1, 1);
  assert.is(pread(r.core, d.device, 8), 16, "slot 1 is the -device disk");
  const id = blkRequest(d, 8, 0, { len: 20, write: true });
  d.kick(0);
  r.devices.handleNotify();
  assert.is(new TextDecoder().decode(r.core.mem.read(id.buf, 6)), "SER123");
});

// --- virtio-net -------------------------------------------------------------

function netConfig(): MachineConfig {
  return testConfig({
    netdevs: [
      { id: "n0", type: "hubport", options: { hubid: "7" } },
      { id: "n1", type: "hubport", options: { hubid: "7" } },
    ],
    devices: [
      { driver: "virtio-net-pci", options: { netdev: "n0", mac: "52:54:00:aa:bb:01" } },
      { driver: "virtio-net-pci", options: { netdev: "n1" } },
    ],
  });
}

function frame(len: number, seed: number): Uint8Array {
  const f = Uint8Array.from({ length: len }, (_, i) => (i * 13 + seed) & 0xff);
  f.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0);
  return f;
}

test("virtio-net: MAC and LINK_UP in the configuration; default MACs follow QEMU", async () => {
  const r = await rig(netConfig());
  const a = new VirtioDriver(r.core, 1);
  const b = new VirtioDriver(r.core, 2);
  a.enable();
  b.enable();
  assert.is(cfgRead(r.core, 1, 0), 0x10411af4);
  const mac = (d: VirtioDriver) => Array.from({ length: 6 }, (_, i) => pread(r.core, d.device + i, 1));
  assert.equal(mac(a), [0x52, 0x54, 0x00, 0xaa, 0xbb, 0x01]);
  assert.equal(mac(b), [0x52, 0x54, 0x00, 0x12, 0x34, 0x57], "second NIC: 52:54:00:12:34:57");
  assert.is(pread(r.core, a.device + 6, 2), 1, "LINK_UP");
  assert.is((a.deviceFeatures() >> 5n) & 1n, 1n, "VIRTIO_NET_F_MAC");
  assert.is((a.deviceFeatures() >> 16n) & 1n, 1n, "VIRTIO_NET_F_STATUS");
});

test("virtio-net: a frame sent by one NIC arrives at the other through the hub", async () => {
  const r = await rig(netConfig());
  const a = new VirtioDriver(r.core, 1);
  const b = new VirtioDriver(r.core, 2);
  a.bringUp(V1, 2, 16, 0x60);
  b.bringUp(V1, 2, 16, 0x70);
  const rxBuf = b.alloc(1526);
  const rxHead = b.add(0, [{ gpa: rxBuf, len: 1526, write: true }]);
  b.kick(0);
  r.devices.handleNotify();
  const f = frame(60, 1);
  const tx = a.alloc(12 + 60);
  r.core.mem.write(tx + 12, f);
  const txHead = a.add(1, [{ gpa: tx, len: 12 + 60 }]);
  a.kick(1);
  r.devices.handleNotify();
  assert.equal(a.takeUsed(1), [[txHead, 0]]);
  assert.ok(r.wakes > 0, "the receiver asked for a poll");
  r.devices.poll();
  assert.equal(b.takeUsed(0), [[rxHead, 72]]);
  assert.equal(r.core.mem.read(rxBuf + 12, 60), f);
  assert.is(r.core.mem.readU16(rxBuf + 10), 1, "num_buffers");
  assert.ok(irr(r.core, 0x71), "B's receive queue vector");
  assert.ok(irr(r.core, 0x62), "A's transmit queue vector");
});

test("virtio-net: frames wait for receive buffers; the rx kick delivers them", async () => {
  const r = await rig(netConfig());
  const a = new VirtioDriver(r.core, 1);
  const b = new VirtioDriver(r.core, 2);
  a.bringUp(V1, 2, 16, 0x60);
  b.bringUp(V1, 2, 16, 0x70);
  for (let i = 0; i < 3; i++) {
    const tx = a.alloc(12 + 64);
    r.core.mem.write(tx + 12, frame(64, i));
    a.add(1, [{ gpa: tx, len: 12 + 64 }]);
  }
  a.kick(1);
  r.devices.handleNotify();
  r.devices.poll();
  assert.is(b.usedIdx(0), 0);
  const bufs = [0, 1, 2].map(() => b.alloc(1526));
  for (const g of bufs) b.add(0, [{ gpa: g, len: 12, write: true }, { gpa: g + 12, len: 1514, write: true }]);
  b.kick(0);
  r.devices.handleNotify();
  assert.equal(b.takeUsed(0).map(([, len]) => len), [76, 76, 76]);
  bufs.forEach((g, i) => assert.equal(r.core.mem.read(g + 12, 64), frame(64, i)));
});

// --- virtio-console ---------------------------------------------------------

test("virtio-console: output reaches the chardev, input reaches the guest", async () => {
  const out: number[] = [];
  const chr: CharBackend = { write: (b) => out.push(...b), onInput: null };
  const r = await rig(
    testConfig({
      devices: [
        { driver: "virtio-serial-pci", options: {} },
        { driver: "virtconsole", options: { chardev: "c0" } },
      ],
      chardevs: [{ id: "c0", backend: "null", options: {} }],
    }),
    (cc) => (cc.id === "c0" ? chr : null),
  );
  assert.is(cfgRead(r.core, 1, 0), 0x10431af4);
  const d = new VirtioDriver(r.core, 1);
  d.bringUp(V1, 2, 8, 0x48);
  const t = d.alloc(16);
  r.core.mem.write(t, new TextEncoder().encode("hi there"));
  d.add(1, [{ gpa: t, len: 8 }]);
  d.kick(1);
  r.devices.handleNotify();
  assert.is(String.fromCharCode(...out), "hi there");
  // Input before and after the guest posts a buffer.
  chr.onInput!(new TextEncoder().encode("ab"));
  chr.onInput!(new TextEncoder().encode("cdef"));
  const rx = d.alloc(4);
  const h = d.add(0, [{ gpa: rx, len: 4, write: true }]);
  d.kick(0);
  r.devices.handleNotify();
  assert.equal(d.takeUsed(0), [[h, 4]]);
  assert.is(new TextDecoder().decode(r.core.mem.read(rx, 4)), "abcd");
  const rx2 = d.alloc(8);
  d.add(0, [{ gpa: rx2, len: 8, write: true }]);
  r.devices.poll();
  assert.equal(d.takeUsed(0).map(([, l]) => l), [2]);
  assert.is(new TextDecoder().decode(r.core.mem.read(rx2, 2)), "ef");
});

test("devices: reset() returns every function to power-on state", async () => {
  const { core, devices, d } = await blkRig();
  assert.is(cfgRead(core, 1, 0x04, 2), 0x6);
  devices.reset();
  assert.is(cfgRead(core, 1, 0x04, 2), 0, "command cleared");
  assert.is(cfgRead(core, 1, 0x20), 0xc, "BAR unprogrammed");
  assert.is(cfgRead(core, 1, 0), 0x10421af4);
  // And it works again after a fresh bring-up.
  const d2 = new VirtioDriver(core, 1);
  d2.bringUp(V1, 1, 16, BLK_VEC);
  const rq = blkRequest(d2, 0, 0, { len: 512, write: true });
  d2.kick(0);
  devices.handleNotify();
  assert.equal(d2.takeUsed(0), [[rq.head, 513]]);
  void d;
});

test.run();
