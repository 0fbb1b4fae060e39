// Test doubles for the Xen layer: a vCPU whose virtual addresses are physical
// (identity paging), a settable clock, and guest memory with an overlay map, so the
// unit suites (test/unit/xen_*.test.ts) and the integrator's own tests can drive
// src/xen without the CPU core.

import { GuestMemory, GuestMemoryError, PAGE_SIZE, type PageSource } from "../core/guest_memory.js";
import type { ShutdownReason, XenCallbacks, XenClock, XenPageKind, XenVcpu } from "./guest.js";
import { Xen, type XenConfig } from "./xen.js";

/** Flat RAM [0, ramBytes) plus a pool of host-owned frames that overlay() can place
 * at any gfn, the way the core's overlay table does. */
export class OverlayPageSource implements PageSource {
  readonly bytes: Uint8Array;
  private readonly ramPages: number;
  private nextFrame = 0;
  private readonly overlays = new Map<number, number>(); // gfn -> pool frame
  private readonly frames = new Map<string, number>(); // kind:idx -> pool frame

  constructor(ramBytes: number, poolFrames = 96) {
    this.ramPages = Math.floor(ramBytes / PAGE_SIZE);
    this.bytes = new Uint8Array((this.ramPages + poolFrames) * PAGE_SIZE);
  }

  pageOffset(gfn: number): number {
    const f = this.overlays.get(gfn);
    if (f !== undefined) return (this.ramPages + f) * PAGE_SIZE;
    return gfn >= 0 && gfn < this.ramPages ? gfn * PAGE_SIZE : -1;
  }

  /** XenCallbacks.hostPage */
  hostPage(kind: XenPageKind, idx: number): Uint8Array {
    const key = `${kind}:${idx}`;
    let f = this.frames.get(key);
    if (f === undefined) {
      f = this.nextFrame++;
      if ((this.ramPages + f + 1) * PAGE_SIZE > this.bytes.length) throw new Error("overlay pool exhausted");
      this.frames.set(key, f);
    }
    const o = (this.ramPages + f) * PAGE_SIZE;
    return this.bytes.subarray(o, o + PAGE_SIZE);
  }

  /** XenCallbacks.overlay: a page lives at one gfn at a time. */
  overlay(gfn: number, kind: XenPageKind, idx: number): void {
    this.hostPage(kind, idx);
    const f = this.frames.get(`${kind}:${idx}`)!;
    for (const [g, ff] of this.overlays) if (ff === f) this.overlays.delete(g);
    this.overlays.set(gfn, f);
  }

  overlayAt(gfn: number): boolean {
    return this.overlays.has(gfn);
  }
}

/** A vCPU with identity paging (gva == gpa) over GuestMemory, recording deliveries. */
export class FakeVcpu implements XenVcpu {
  readonly regs: bigint[] = new Array<bigint>(16).fill(0n);
  long = true;
  cplValue = 0;
  readonly injected: number[] = [];
  kicks = 0;
  callback = { vector: 0, gpa: -1 };

  constructor(
    readonly id: number,
    readonly mem: GuestMemory,
  ) {}

  longMode(): boolean {
    return this.long;
  }
  cpl(): number {
    return this.cplValue;
  }
  reg(i: number): bigint {
    return this.regs[i];
  }
  setReg(i: number, v: bigint): void {
    this.regs[i] = BigInt.asUintN(64, v);
  }
  private gpa(gva: bigint, len: number): number {
    if (gva < 0n || gva + BigInt(len) > BigInt(Number.MAX_SAFE_INTEGER)) throw new GuestMemoryError(-1, len);
    return Number(gva);
  }
  readVirt(gva: bigint, len: number): Uint8Array {
    return this.mem.read(this.gpa(gva, len), len);
  }
  writeVirt(gva: bigint, data: Uint8Array): void {
    this.mem.write(this.gpa(gva, data.length), data);
  }
  injectVector(vector: number): void {
    this.injected.push(vector);
  }
  setCallbackVector(vector: number, vcpuInfoGpa: number): void {
    this.callback = { vector, gpa: vcpuInfoGpa };
  }
  kick(): void {
    this.kicks++;
  }

  /** Load a hypercall into the registers of the current mode. */
  setCall(nr: number | bigint, ...args: (number | bigint)[]): void {
    const regs = this.long ? [7, 6, 2, 10, 8] : [3, 1, 2, 6, 7];
    this.regs[0] = BigInt(nr);
    args.forEach((a, i) => (this.regs[regs[i]] = BigInt.asUintN(64, BigInt(a))));
  }

  /** RAX as a signed result of the current mode. */
  result(): bigint {
    return this.long ? BigInt.asIntN(64, this.regs[0]) : BigInt.asIntN(32, this.regs[0]);
  }
}

/** A TSC you advance by hand; 1 GHz by default, so 1 tick == 1 ns. */
export class FakeClock implements XenClock {
  tscNow = 1_000_000n;
  unixNowNs = 1_700_000_000_123_456_789n;
  constructor(readonly tscKhz = 1_000_000) {}
  tsc(): bigint {
    return this.tscNow;
  }
  unixNs(): bigint {
    return this.unixNowNs;
  }
  /** Advance by `ns` nanoseconds of TSC time. */
  advanceNs(ns: bigint): void {
    this.tscNow += (ns * BigInt(this.tscKhz)) / 1_000_000n;
    this.unixNowNs += ns;
  }
}

export interface TestMachine {
  xen: Xen;
  mem: GuestMemory;
  pages: OverlayPageSource;
  vcpus: FakeVcpu[];
  clock: FakeClock;
  console: Uint8Array[];
  shutdowns: { reason: ShutdownReason; code: number }[];
  logs: string[];
}

/** A Xen over `ramBytes` of flat RAM (default 16 MiB) with fake vCPUs, for tests. */
export function testMachine(
  o: { ramBytes?: number; vcpus?: number; config?: Partial<XenConfig>; callbacks?: Partial<XenCallbacks> } = {},
): TestMachine {
  const ramBytes = o.ramBytes ?? 16 * 1024 * 1024;
  const pages = new OverlayPageSource(ramBytes);
  const mem = new GuestMemory(pages);
  const vcpus = Array.from({ length: o.vcpus ?? 2 }, (_, i) => new FakeVcpu(i, mem));
  const clock = new FakeClock();
  const console: Uint8Array[] = [];
  const shutdowns: { reason: ShutdownReason; code: number }[] = [];
  const logs: string[] = [];
  const xen = new Xen({
    mem,
    vcpus,
    clock,
    config: {
      xenVersion: 0x40011,
      domid: 1,
      memmap: [
        { addr: 0, size: 0x9fc00, type: 1 },
        { addr: 0x100000, size: ramBytes - 0x100000, type: 1 },
        { addr: 0xfeff8000, size: 0x4000, type: 2 },
      ],
      ...o.config,
    },
    callbacks: {
      hostPage: (k, i) => pages.hostPage(k, i),
      overlay: (g, k, i) => pages.overlay(g, k, i),
      shutdown: (reason, code) => shutdowns.push({ reason, code }),
      consoleWrite: (b) => console.push(b.slice()),
      log: (kind, m) => logs.push(`${kind}: ${m}`),
      ...o.callbacks,
    },
  });
  return { xen, mem, pages, vcpus, clock, console, shutdowns, logs };
}
