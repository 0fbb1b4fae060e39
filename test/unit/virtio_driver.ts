// Test support for the device suites (pci_*, virtio_*, lapic*): a core with a
// small RAM layout, physical accesses as a CPU would make them, and a
// driver-side virtio mock that enumerates a function through ECAM, programs its
// BARs, negotiates features, builds split rings in guest RAM and reads the used
// ring back (the rust-vmm "mock driver" idea). No tests live here.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Core } from "../../src/core/core.js";
import * as L from "../../src/core/layout.gen.js";
import { defaultLayout, type MachineConfig } from "../../src/machine/config.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
let modulePromise: Promise<WebAssembly.Module> | null = null;

export const LAYOUT = defaultLayout(16 << 20);
export const ECAM = LAYOUT.pciEcamBase;
export const MMIO32 = LAYOUT.pciMmioBase;
export const MMIO64 = LAYOUT.pciMmioHighBase;
export const LAPIC = 0xfee00000;

/** A fresh core with 16 MiB of RAM, the default PCI windows and an empty bus. */
export async function testCore(): Promise<Core> {
  modulePromise ??= WebAssembly.compile(readFileSync(root + "build/core.wasm"));
  const core = await Core.create(await modulePromise, LAYOUT);
  core.setCtl64(L.CTL_ECAM_BASE, LAYOUT.pciEcamBase);
  core.setCtl64(L.CTL_ECAM_SIZE, LAYOUT.pciEcamSize);
  core.setCtl64(L.CTL_MMIO32_BASE, LAYOUT.pciMmioBase);
  core.setCtl64(L.CTL_MMIO32_SIZE, LAYOUT.pciMmioSize);
  core.setCtl64(L.CTL_MMIO64_BASE, LAYOUT.pciMmioHighBase);
  core.setCtl64(L.CTL_MMIO64_SIZE, LAYOUT.pciMmioHighSize);
  ex(core).pciInit();
  return core;
}

/** A MachineConfig for Devices with nothing but what the device suites set. */
export function testConfig(extra: Partial<MachineConfig> = {}): MachineConfig {
  return {
    kernel: new Uint8Array(),
    kernelName: "test",
    modules: [],
    cmdline: "",
    memoryBytes: 16 << 20,
    smp: 1,
    layout: LAYOUT,
    xenVersion: 0x40011,
    gnttabMaxFrames: 64,
    evtchnMaxPirq: 256,
    domid: 1,
    name: "test",
    noShutdown: false,
    noReboot: false,
    virtualClock: true,
    drives: [],
    netdevs: [],
    devices: [],
    chardevs: [],
    cpuVendor: "intel",
    ...extra,
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function ex(core: Core): any {
  return core.ex;
}

/** Physical read as a CPU would do it (RAM, LAPIC, ECAM, BARs). */
export function pread(core: Core, gpa: number, size: 1 | 2 | 4 | 8 = 4): number {
  core.setCtl64(L.CTL_ARG0, gpa);
  if (ex(core).physRead(size) !== 0) throw new Error(`physRead(${gpa.toString(16)}, ${size}) refused`);
  return size === 8 ? core.ctl64n(L.CTL_RET0) : core.ctl32(L.CTL_RET0) >>> 0;
}
export function pwrite(core: Core, gpa: number, v: number | bigint, size: 1 | 2 | 4 | 8 = 4): void {
  core.setCtl64(L.CTL_ARG0, gpa);
  core.setCtl64(L.CTL_ARG1, BigInt.asUintN(64, BigInt(v)));
  if (ex(core).physWrite(size) !== 0) throw new Error(`physWrite(${gpa.toString(16)}, ${size}) refused`);
}

export function cfgAddr(slot: number, off: number, bus = 0, fn = 0): number {
  return ECAM + bus * 2 ** 20 + slot * 2 ** 15 + fn * 2 ** 12 + off;
}
export function cfgRead(core: Core, slot: number, off: number, size: 1 | 2 | 4 = 4): number {
  return pread(core, cfgAddr(slot, off), size);
}
export function cfgWrite(core: Core, slot: number, off: number, v: number, size: 1 | 2 | 4 = 4): void {
  pwrite(core, cfgAddr(slot, off), v, size);
}

/** LAPIC IRR bit of `vector`. */
export function irr(core: Core, vector: number): boolean {
  return ((pread(core, LAPIC + 0x200 + (vector >> 5) * 16) >>> (vector & 31)) & 1) === 1;
}
export function isr(core: Core, vector: number): boolean {
  return ((pread(core, LAPIC + 0x100 + (vector >> 5) * 16) >>> (vector & 31)) & 1) === 1;
}
/** Clears every IRR bit by resetting the APIC, then software-enables it. */
export function freshLapic(core: Core): void {
  ex(core).resetLapic();
  pwrite(core, LAPIC + 0xf0, 0x1ff);
}

// ---------------------------------------------------------------------------
// Capabilities.

export interface Cap {
  off: number;
  id: number;
  /** virtio cfg_type for vendor capabilities. */
  cfgType?: number;
  bar?: number;
  offset?: number;
  length?: number;
}

export function walkCaps(core: Core, slot: number): Cap[] {
  const caps: Cap[] = [];
  if ((cfgRead(core, slot, 0x06, 2) & 0x10) === 0) return caps;
  let p = cfgRead(core, slot, 0x34, 1) & 0xfc;
  while (p && caps.length < 48) {
    const id = cfgRead(core, slot, p, 1);
    const c: Cap = { off: p, id };
    if (id === 0x09) {
      c.cfgType = cfgRead(core, slot, p + 3, 1);
      c.bar = cfgRead(core, slot, p + 4, 1);
      c.offset = cfgRead(core, slot, p + 8);
      c.length = cfgRead(core, slot, p + 12);
    }
    caps.push(c);
    p = cfgRead(core, slot, p + 1, 1) & 0xfc;
  }
  return caps;
}

// ---------------------------------------------------------------------------
// The driver mock.

export const VIRTIO_F_INDIRECT_DESC = 28n;
export const VIRTIO_F_EVENT_IDX = 29n;
export const VIRTIO_F_VERSION_1 = 32n;

export interface Buf {
  gpa: number;
  len: number;
  write?: boolean;
}

interface Ring {
  size: number;
  desc: number;
  avail: number;
  used: number;
  nextDesc: number;
  availIdx: number;
  lastUsed: number;
}

export class VirtioDriver {
  bar1 = 0;
  bar4 = 0;
  common = 0;
  notify = 0;
  notifyMul = 0;
  isr = 0;
  device = 0;
  rings: Ring[] = [];
  /** RAM the mock hands out for rings and buffers. */
  private heap = 0x100000;

  constructor(readonly core: Core, readonly slot: number) {}

  alloc(len: number, align = 16): number {
    this.heap = Math.ceil(this.heap / align) * align;
    const a = this.heap;
    this.heap += len;
    return a;
  }

  /** Programs BAR1 (32-bit) and BAR4 (64-bit), enables memory and bus mastering,
   * finds the virtio structures. */
  enable(): void {
    const c = this.core;
    this.bar1 = MMIO32 + this.slot * 0x10000;
    this.bar4 = MMIO64 + this.slot * 0x100000;
    cfgWrite(c, this.slot, 0x14, this.bar1);
    cfgWrite(c, this.slot, 0x20, this.bar4 % 2 ** 32);
    cfgWrite(c, this.slot, 0x24, Math.floor(this.bar4 / 2 ** 32));
    cfgWrite(c, this.slot, 0x04, 0x6, 2);
    for (const cap of walkCaps(c, this.slot)) {
      if (cap.id !== 0x09 || cap.bar !== 4) continue;
      const at = this.bar4 + cap.offset!;
      if (cap.cfgType === 1) this.common = at;
      if (cap.cfgType === 2) {
        this.notify = at;
        this.notifyMul = cfgRead(c, this.slot, cap.off + 16);
      }
      if (cap.cfgType === 3) this.isr = at;
      if (cap.cfgType === 4) this.device = at;
    }
  }

  cc(off: number, size: 1 | 2 | 4 = 4): number {
    return pread(this.core, this.common + off, size);
  }
  setCc(off: number, v: number, size: 1 | 2 | 4 = 4): void {
    pwrite(this.core, this.common + off, v, size);
  }
  get status(): number {
    return this.cc(0x14, 1);
  }

  deviceFeatures(): bigint {
    this.setCc(0x00, 0);
    const lo = this.cc(0x04);
    this.setCc(0x00, 1);
    return (BigInt(this.cc(0x04)) << 32n) | BigInt(lo);
  }

  /** Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK; returns whether the
   * device kept FEATURES_OK. */
  negotiate(features: bigint): boolean {
    this.setCc(0x14, 0, 1);
    this.setCc(0x14, 1, 1);
    this.setCc(0x14, 3, 1);
    this.setCc(0x08, 0);
    this.setCc(0x0c, Number(features & 0xffffffffn));
    this.setCc(0x08, 1);
    this.setCc(0x0c, Number(features >> 32n));
    this.setCc(0x14, 0xb, 1);
    return (this.status & 8) !== 0;
  }

  /** MSI-X entry `i` → LAPIC vector `vector`; unmasked. */
  msix(i: number, vector: number): void {
    const e = this.bar1 + i * 16;
    pwrite(this.core, e, 0xfee00000);
    pwrite(this.core, e + 4, 0);
    pwrite(this.core, e + 8, vector);
    pwrite(this.core, e + 12, 0);
  }

  enableMsix(): void {
    const cap = walkCaps(this.core, this.slot).find((c) => c.id === 0x11)!;
    cfgWrite(this.core, this.slot, cap.off + 2, 0x8000, 2);
  }

  /** Sets up queue q with `size` entries in fresh RAM, vector `vec`, enabled. */
  setupQueue(q: number, size: number, vec = 0xffff): Ring {
    const r: Ring = {
      size,
      desc: this.alloc(16 * size, 16),
      avail: this.alloc(6 + 2 * size, 2),
      used: this.alloc(6 + 8 * size, 4),
      nextDesc: 0,
      availIdx: 0,
      lastUsed: 0,
    };
    this.setCc(0x16, q, 2);
    this.setCc(0x18, size, 2);
    this.setCc(0x1a, vec, 2);
    this.setCc(0x20, r.desc);
    this.setCc(0x24, 0);
    this.setCc(0x28, r.avail);
    this.setCc(0x2c, 0);
    this.setCc(0x30, r.used);
    this.setCc(0x34, 0);
    this.setCc(0x1c, 1, 2);
    this.rings[q] = r;
    return r;
  }

  driverOk(): void {
    this.setCc(0x14, this.status | 4, 1);
  }

  /** Full bring-up: enable, negotiate, MSI-X config vector 0 → `baseVector`,
   * queue i vector i+1 → baseVector+1+i. */
  bringUp(features: bigint, queues: number, size = 8, baseVector = 0x40): void {
    this.enable();
    if (!this.negotiate(features)) throw new Error("FEATURES_OK refused");
    this.enableMsix();
    this.msix(0, baseVector);
    this.setCc(0x10, 0, 2);
    for (let q = 0; q < queues; q++) {
      this.msix(q + 1, baseVector + 1 + q);
      this.setupQueue(q, size, q + 1);
    }
    this.driverOk();
  }

  writeDesc(table: number, i: number, gpa: number, len: number, flags: number, next: number): void {
    const m = this.core.mem;
    m.writeU64(table + 16 * i, BigInt(gpa));
    m.writeU32(table + 16 * i + 8, len);
    m.writeU16(table + 16 * i + 12, flags);
    m.writeU16(table + 16 * i + 14, next);
  }

  /** Puts a chain of `bufs` in the descriptor table and its head in the
   * available ring; returns the head. `indirect` builds an indirect table. */
  add(q: number, bufs: Buf[], indirect = false): number {
    const r = this.rings[q];
    const head = r.nextDesc % r.size;
    if (indirect) {
      const t = this.alloc(16 * bufs.length, 16);
      bufs.forEach((b, i) => this.writeDesc(t, i, b.gpa, b.len, (i < bufs.length - 1 ? 1 : 0) | (b.write ? 2 : 0), i + 1));
      this.writeDesc(r.desc, head, t, 16 * bufs.length, 4, 0);
      r.nextDesc++;
    } else {
      bufs.forEach((b, i) => {
        const d = (r.nextDesc + i) % r.size;
        this.writeDesc(r.desc, d, b.gpa, b.len, (i < bufs.length - 1 ? 1 : 0) | (b.write ? 2 : 0), (d + 1) % r.size);
      });
      r.nextDesc += bufs.length;
    }
    this.publish(q, head);
    return head;
  }

  /** Appends `head` to the available ring and bumps avail->idx. */
  publish(q: number, head: number): void {
    const r = this.rings[q];
    const m = this.core.mem;
    m.writeU16(r.avail + 4 + 2 * (r.availIdx % r.size), head);
    r.availIdx = (r.availIdx + 1) & 0xffff;
    m.writeU16(r.avail + 2, r.availIdx);
  }

  kick(q: number): void {
    pwrite(this.core, this.notify + q * this.notifyMul, q, 2);
  }

  usedIdx(q: number): number {
    return this.core.mem.readU16(this.rings[q].used + 2);
  }

  /** Used entries not seen yet: [id, len]. */
  takeUsed(q: number): [number, number][] {
    const r = this.rings[q];
    const out: [number, number][] = [];
    const idx = this.usedIdx(q);
    while (r.lastUsed !== idx) {
      const e = r.used + 4 + 8 * (r.lastUsed % r.size);
      out.push([this.core.mem.readU32(e), this.core.mem.readU32(e + 4)]);
      r.lastUsed = (r.lastUsed + 1) & 0xffff;
    }
    return out;
  }

  /** avail->flags / used_event (EVENT_IDX) and the device's avail_event. */
  setAvailFlags(q: number, f: number): void {
    this.core.mem.writeU16(this.rings[q].avail, f);
  }
  setUsedEvent(q: number, v: number): void {
    const r = this.rings[q];
    this.core.mem.writeU16(r.avail + 4 + 2 * r.size, v);
  }
  availEvent(q: number): number {
    const r = this.rings[q];
    return this.core.mem.readU16(r.used + 4 + 8 * r.size);
  }
}
