// A guest must never crash the host (DESIGN.md): random rings, descriptors,
// configuration-space, BAR and LAPIC writes against blk, net and console
// devices behind the Devices hub. Nothing may throw, trap or hang; the devices
// may end up in DEVICE_NEEDS_RESET, and a reset must bring them back.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Devices } from "../../src/devices/devices.js";
import { testCore, testConfig, pread, pwrite, cfgWrite, VirtioDriver, VIRTIO_F_VERSION_1, LAPIC, MMIO32, ECAM } from "./virtio_driver.js";

/** xorshift32: reproducible runs. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    u32: next,
    below: (n: number) => next() % n,
    pick: <T>(xs: T[]) => xs[next() % xs.length],
  };
}

const FEATURES = (1n << VIRTIO_F_VERSION_1) | (1n << 28n) | (1n << 29n);

for (const seed of [1, 2, 3, 0xdecafbad]) {
  test(`fuzz: seed ${seed.toString(16)}: random guest writes never throw, and a reset recovers`, async () => {
    const core = await testCore();
    const r = rng(seed);
    const devices = new Devices(
      core,
      testConfig({
        drives: [{ id: "d", data: new Uint8Array(1 << 20), format: "raw", interface: "virtio", readonly: false }],
        netdevs: [{ id: "n", type: "hubport", options: { hubid: String(100 + seed) } }],
        devices: [
          { driver: "virtio-net-pci", options: { netdev: "n" } },
          { driver: "virtio-serial-pci", options: {} },
        ],
      }),
      { wake() {} },
      { log: () => {} },
    );
    const drivers = [1, 2, 3].map((slot) => new VirtioDriver(core, slot));
    for (const [i, d] of drivers.entries()) d.bringUp(FEATURES, i === 2 ? 1 : 2, 16, 0x40 + 8 * i);
    pwrite(core, LAPIC + 0xf0, 0x1ff);
    const addrs = () =>
      r.pick([r.below(16 << 20), 0x100000 + r.below(0x10000), 0xfee00000 + r.below(0x1000), MMIO32 + r.below(0x40000), ECAM + r.below(0x10000), r.u32() * 2 ** 20 + r.u32(), 2 ** 52 - 16]);
    const requeue = (i: number) => {
      // A device the fuzz broke gets reset by its driver, as Linux would.
      const d = drivers[i];
      d.rings = [];
      d.bringUp(FEATURES, i === 2 ? 1 : 2, 16, 0x40 + 8 * i);
    };
    let requests = 0;
    for (let i = 0; i < 3000; i++) {
      const di = r.below(drivers.length);
      const d = drivers[di];
      if ((d.status & 0x40) !== 0 || (d.status & 4) === 0) requeue(di);
      const ring = r.pick(d.rings.filter(Boolean));
      const q = d.rings.indexOf(ring);
      switch (r.below(10)) {
        case 7: case 8: case 9: { // a well-formed chain of random buffers in RAM
          const n = 1 + r.below(4);
          const bufs = Array.from({ length: n }, (_, k) => ({
            gpa: 0x200000 + r.below(0x800000),
            len: r.pick([1, 12, 16, 100, 512, 1526, 4096, 8192]),
            write: k > 0 && r.below(2) === 1,
          }));
          if (di === 2) {
            // A blk header with a random type and sector.
            core.mem.writeU32(bufs[0].gpa, r.pick([0, 1, 4, 8, 11, 13, r.u32()]));
            core.mem.writeU64(bufs[0].gpa + 8, BigInt(r.pick([0, 1, 2047, r.u32()])));
          }
          if (ring.nextDesc - d.usedIdx(q) + n <= ring.size) d.add(q, bufs, FEATURES !== 0n && r.below(3) === 0);
          d.kick(q);
          requests++;
          break;
        }
        case 0: // scribble over a descriptor
          d.writeDesc(ring.desc, r.below(ring.size), addrs(), r.pick([0, 1, 16, 512, 4096, r.u32()]), r.below(8), r.below(64));
          break;
        case 1: // publish a head, sometimes bogus
          d.publish(d.rings.indexOf(ring), r.pick([r.below(ring.size), r.below(0x10000)]));
          break;
        case 2: // avail->idx jumps
          core.mem.writeU16(ring.avail + 2, r.below(0x10000));
          break;
        case 3: // kick, any queue index
          pwrite(core, d.notify + r.below(8) * d.notifyMul, r.below(8), 2);
          break;
        case 4: // common / device config / ISR / notify / MSI-X: any offset, any size
          pwrite(core, r.pick([d.common, d.bar4 + 0x1000, d.bar4 + 0x2000, d.bar1]) + r.below(0x100), r.u32(), r.pick([1, 2, 4, 8] as const));
          break;
        case 5: // configuration space, sparing the BARs and the command register so the rest keeps going
          cfgWrite(core, d.slot, 0x40 + r.below(0xc0), r.u32(), r.pick([1, 2, 4] as const));
          break;
        case 6: // the LAPIC
          pwrite(core, LAPIC + (r.below(0x40) << 4), r.u32());
          break;
      }
      devices.handleNotify();
      devices.poll();
    }
    if (process.env.SHOW) console.log(requests, devices.models.map((m) => m.fn.guestErrors));
    // Still alive: reset every device and do one clean request on the disk.
    assert.is(pread(core, LAPIC + 0x30), 0x00050014);
    devices.reset();
    const d = new VirtioDriver(core, 3);
    d.bringUp(1n << VIRTIO_F_VERSION_1, 1, 16, 0x60);
    const hdr = d.alloc(16);
    core.mem.fill(hdr, 16, 0); // VIRTIO_BLK_T_IN, sector 0
    const st = d.alloc(1, 1);
    const head = d.add(0, [{ gpa: hdr, len: 16 }, { gpa: d.alloc(512, 512), len: 512, write: true }, { gpa: st, len: 1, write: true }]);
    d.kick(0);
    devices.handleNotify();
    assert.equal(d.takeUsed(0), [[head, 513]]);
    assert.is(core.mem.readU8(st), 0);
    await devices.close();
  });
}

test.run();
