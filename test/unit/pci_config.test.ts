// GPEX/ECAM configuration space: the host bridge, absent functions, read-only
// and writable bits, BAR sizing (PCI Local Bus 3.0 §6.2.5.1), the capability
// list, BAR decoding with Memory Space Enable, and MSI-X table access.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Core } from "../../src/core/core.js";
import * as L from "../../src/core/layout.gen.js";
import {
  testCore, ex, pread, pwrite, cfgRead, cfgWrite, cfgAddr, walkCaps, MMIO32, MMIO64, ECAM, LAYOUT,
} from "./virtio_driver.js";

const SLOT = 3;

async function coreWithBlk(): Promise<Core> {
  const core = await testCore();
  // A virtio-blk-like function: 1 queue of 64, 60 bytes of config.
  assert.is(ex(core).virtioAdd(SLOT, 2, 1, 64, 0, 0, 60), 0);
  return core;
}

test("pci: 00:00.0 is the GPEX host bridge 1b36:0008, class 0600", async () => {
  const core = await testCore();
  assert.is(cfgRead(core, 0, 0x00), 0x00081b36);
  assert.is(cfgRead(core, 0, 0x08) >>> 8, 0x060000);
  assert.is(cfgRead(core, 0, 0x0e, 1), 0, "type-0 header, single function");
  for (let bar = 0; bar < 6; bar++) {
    cfgWrite(core, 0, 0x10 + 4 * bar, 0xffffffff);
    assert.is(cfgRead(core, 0, 0x10 + 4 * bar), 0, `bridge BAR${bar} is not implemented`);
  }
});

test("pci: absent devices, functions and buses read all-ones and ignore writes", async () => {
  const core = await coreWithBlk();
  assert.is(cfgRead(core, 5, 0), 0xffffffff);
  assert.is(cfgRead(core, 5, 0, 2), 0xffff);
  assert.is(pread(core, cfgAddr(SLOT, 0, 0, 1)), 0xffffffff, "function 1");
  assert.is(pread(core, cfgAddr(SLOT, 0, 1, 0)), 0xffffffff, "bus 1");
  cfgWrite(core, 5, 0x04, 0xffff, 2);
  assert.is(cfgRead(core, 5, 0x04, 2), 0xffff);
  // The last bus of a 256 MiB window is still decoded (and empty).
  assert.is(pread(core, ECAM + LAYOUT.pciEcamSize - 4), 0xffffffff);
});

test("pci: virtio ids, revision 1, class per type; identification is read-only", async () => {
  const core = await coreWithBlk();
  assert.is(cfgRead(core, SLOT, 0), 0x10421af4);
  assert.is(cfgRead(core, SLOT, 0x08), 0x01000001, "class 01/00, revision 1");
  assert.is(cfgRead(core, SLOT, 0x2c), 0x11001af4, "subsystem");
  cfgWrite(core, SLOT, 0x00, 0x12345678);
  cfgWrite(core, SLOT, 0x08, 0xffffffff);
  cfgWrite(core, SLOT, 0x2c, 0);
  cfgWrite(core, SLOT, 0x34, 0, 1);
  assert.is(cfgRead(core, SLOT, 0), 0x10421af4);
  assert.is(cfgRead(core, SLOT, 0x08), 0x01000001);
  assert.is(cfgRead(core, SLOT, 0x2c), 0x11001af4);
  assert.is(cfgRead(core, SLOT, 0x34, 1), 0x40);
  assert.is(cfgRead(core, SLOT, 0x3d, 1), 0, "no INTx pin: PVH has no IOAPIC");
});

test("pci: command keeps only its writable bits; status is read-only with the capability bit", async () => {
  const core = await coreWithBlk();
  cfgWrite(core, SLOT, 0x04, 0xffffffff);
  assert.is(cfgRead(core, SLOT, 0x04, 2), 0x0547);
  assert.is(cfgRead(core, SLOT, 0x06, 2), 0x0010);
  cfgWrite(core, SLOT, 0x3c, 0xab, 1);
  assert.is(cfgRead(core, SLOT, 0x3c, 1), 0xab, "interrupt line is scratch");
  // Byte and word writes into the middle of a dword touch only those bytes.
  cfgWrite(core, SLOT, 0x05, 0x00, 1);
  assert.is(cfgRead(core, SLOT, 0x04, 2), 0x0047);
});

test("pci: BAR sizing (32-bit MSI-X BAR1 4 KiB, 64-bit prefetchable BAR4 16 KiB, others absent)", async () => {
  const core = await coreWithBlk();
  assert.is(cfgRead(core, SLOT, 0x14), 0x0, "BAR1: 32-bit memory");
  assert.is(cfgRead(core, SLOT, 0x20), 0xc, "BAR4: 64-bit prefetchable memory");
  for (let bar = 0; bar < 6; bar++) cfgWrite(core, SLOT, 0x10 + 4 * bar, 0xffffffff);
  assert.is(cfgRead(core, SLOT, 0x10), 0, "BAR0 unused");
  assert.is(cfgRead(core, SLOT, 0x14), 0xfffff000);
  assert.is(cfgRead(core, SLOT, 0x18), 0);
  assert.is(cfgRead(core, SLOT, 0x1c), 0);
  assert.is(cfgRead(core, SLOT, 0x20), 0xffffc00c);
  assert.is(cfgRead(core, SLOT, 0x24), 0xffffffff, "upper half of the 64-bit BAR");
  // Programming an address keeps the type bits and the size alignment.
  cfgWrite(core, SLOT, 0x14, MMIO32 + 0x1234);
  assert.is(cfgRead(core, SLOT, 0x14), MMIO32 + 0x1000);
  cfgWrite(core, SLOT, 0x20, 0x12345678);
  assert.is(cfgRead(core, SLOT, 0x20), 0x1234400c);
});

test("pci: capability list MSI-X -> PCIe -> virtio common/notify/ISR/device/pci-cfg", async () => {
  const core = await coreWithBlk();
  const caps = walkCaps(core, SLOT);
  assert.equal(
    caps.map((c) => c.id),
    [0x11, 0x10, 0x09, 0x09, 0x09, 0x09, 0x09],
  );
  const msix = caps[0];
  assert.is(cfgRead(core, SLOT, msix.off + 2, 2), 1, "2 vectors: config + 1 queue");
  assert.is(cfgRead(core, SLOT, msix.off + 4), 0x1, "table at BAR1+0");
  assert.is(cfgRead(core, SLOT, msix.off + 8), 0x801, "PBA at BAR1+0x800");
  const pcie = caps[1];
  assert.is(cfgRead(core, SLOT, pcie.off + 2, 2), 0x0092, "PCIe v2, root-complex integrated endpoint");
  const v = caps.slice(2);
  assert.equal(v.map((c) => c.cfgType), [1, 2, 3, 4, 5]);
  assert.equal(v.slice(0, 4).map((c) => [c.bar, c.offset]), [[4, 0], [4, 0x3000], [4, 0x1000], [4, 0x2000]]);
  assert.is(cfgRead(core, SLOT, v[1].off + 16), 4, "notify_off_multiplier");
  assert.is(cfgRead(core, SLOT, v[1].off + 2, 1), 20, "notify cap length");
  // Only MSI-X enable/mask are writable in the message control word.
  cfgWrite(core, SLOT, msix.off + 2, 0xffff, 2);
  assert.is(cfgRead(core, SLOT, msix.off + 2, 2), 0xc001);
  assert.is(cfgRead(core, SLOT, 0x100), 0, "no extended capabilities");
});

test("pci: BARs decode only with Memory Space Enable, wherever the guest puts them", async () => {
  const core = await coreWithBlk();
  const bar4 = MMIO64 + 0x40000;
  cfgWrite(core, SLOT, 0x20, bar4 % 2 ** 32);
  cfgWrite(core, SLOT, 0x24, Math.floor(bar4 / 2 ** 32));
  cfgWrite(core, SLOT, 0x14, MMIO32);
  // num_queues at common+0x12.
  assert.is(pread(core, bar4 + 0x12, 2), 0xffff, "memory decode off: nothing there");
  cfgWrite(core, SLOT, 0x04, 0x2, 2);
  assert.is(pread(core, bar4 + 0x12, 2), 1);
  assert.is(pread(core, bar4 + 0x2000), 0, "device config (capacity low) for a 0-byte host config");
  // Moving the BAR moves the registers.
  cfgWrite(core, SLOT, 0x20, (bar4 + 0x10000) % 2 ** 32);
  assert.is(pread(core, bar4 + 0x12, 2), 0xffff);
  assert.is(pread(core, bar4 + 0x10000 + 0x12, 2), 1);
  cfgWrite(core, SLOT, 0x04, 0x0, 2);
  assert.is(pread(core, bar4 + 0x10000 + 0x12, 2), 0xffff);
});

test("pci: MSI-X table entries start masked; only the mask bit of vector control is writable; PBA read-only", async () => {
  const core = await coreWithBlk();
  cfgWrite(core, SLOT, 0x14, MMIO32);
  cfgWrite(core, SLOT, 0x04, 0x2, 2);
  assert.is(pread(core, MMIO32 + 12), 1);
  assert.is(pread(core, MMIO32 + 16 + 12), 1);
  pwrite(core, MMIO32, 0xfee01000);
  pwrite(core, MMIO32 + 8, 0x4051);
  pwrite(core, MMIO32 + 12, 0xfffffffe);
  assert.is(pread(core, MMIO32), 0xfee01000);
  assert.is(pread(core, MMIO32 + 8), 0x4051);
  assert.is(pread(core, MMIO32 + 12), 0);
  assert.is(pread(core, MMIO32, 8), 0xfee01000, "64-bit read: address high:low");
  pwrite(core, MMIO32 + 12, 1);
  assert.is(pread(core, MMIO32 + 8, 8), 2 ** 32 + 0x4051, "64-bit read: vector control:data");
  pwrite(core, MMIO32 + 0x800, 0xff);
  assert.is(pread(core, MMIO32 + 0x800), 0);
  assert.is(pread(core, MMIO32 + 2 * 16), 0, "past the table");
});

test("pci: the virtio PCI-config capability reads and writes BAR registers", async () => {
  const core = await coreWithBlk();
  const pc = walkCaps(core, SLOT).find((c) => c.cfgType === 5)!;
  cfgWrite(core, SLOT, pc.off + 4, 4, 1); // bar 4
  cfgWrite(core, SLOT, pc.off + 8, 0x12); // num_queues
  cfgWrite(core, SLOT, pc.off + 12, 2);
  assert.is(cfgRead(core, SLOT, pc.off + 16, 2), 1);
  // Write device_feature_select = 1 through the window, read device_feature.
  cfgWrite(core, SLOT, pc.off + 8, 0x00);
  cfgWrite(core, SLOT, pc.off + 12, 4);
  cfgWrite(core, SLOT, pc.off + 16, 1);
  cfgWrite(core, SLOT, pc.off + 8, 0x04);
  assert.is(cfgRead(core, SLOT, pc.off + 16) & 1, 1, "VERSION_1 is bit 0 of the high half");
  // Out-of-range offsets do nothing.
  cfgWrite(core, SLOT, pc.off + 8, 0x4000);
  cfgWrite(core, SLOT, pc.off + 16, 0x1234);
  assert.is(cfgRead(core, SLOT, pc.off + 16), 0x1234);
});

test("pci: virtioAdd refuses bad slots and sizes", async () => {
  const core = await testCore();
  assert.is(ex(core).virtioAdd(0, 2, 1, 64, 0, 0, 0), -1, "slot 0 is the bridge");
  assert.is(ex(core).virtioAdd(32, 2, 1, 64, 0, 0, 0), -1);
  assert.is(ex(core).virtioAdd(1, 2, 1, 100, 0, 0, 0), -1, "queue size not a power of two");
  assert.is(ex(core).virtioAdd(1, 2, 9, 64, 0, 0, 0), -1, "too many queues");
  assert.is(ex(core).virtioAdd(1, 2, 1, 64, 0, 0, 300), -1, "config too large");
});

test("pci: device records restored into another core decode again after devicesStateLoaded()", async () => {
  const a = await coreWithBlk();
  cfgWrite(a, SLOT, 0x14, MMIO32);
  cfgWrite(a, SLOT, 0x04, 0x2, 2);
  const recs = a.bytes.slice(L.DEV_OFF, L.DEV_OFF + L.DEV_SLOTS * L.DEV_REC_SIZE);
  const b = await testCore();
  b.bytes.set(recs, L.DEV_OFF);
  assert.is(pread(b, MMIO32 + 12), 0xffffffff, "not decoded before the reload");
  ex(b).devicesStateLoaded();
  assert.is(pread(b, MMIO32 + 12), 1, "MSI-X vector control through BAR1");
  assert.is(cfgRead(b, SLOT, 0), 0x10421af4);
});

test.run();
