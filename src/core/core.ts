// The host's handle on core.wasm: instantiation with the one shared memory,
// typed views made once (the memory never grows), register-file accessors, the
// guest-RAM page source, overlay pages and guest-virtual translation. This is the
// only code that touches the core's memory.buffer directly.
import * as L from "./layout.gen.js";
import { GuestMemory, GuestMemoryError, PAGE_SIZE, type PageSource } from "./guest_memory.js";

export interface CoreExports {
  init(amd: number): void;
  run(budget: number): number;
  /** run() after an exit answered in registers only: decoded code stays as it is. */
  resume(budget: number): number;
  stateChanged(): void;
  frameOf(gfnLo: number, gfnHi: number): number;
  translate(access: number): number;
  readLinear32?(): number;
  flushTlb(): void;
  interruptPending(): void;
  decodeLength(): number;
  vcpuSwitched(): void;
  resetLapic(): void;
  injectVector(vector: number): void;
  deliverMsi(addr: number, data: number): void;
  [name: string]: unknown;
}

export interface RamLayout {
  ramLowBase: number;
  ramLowSize: number;
  ramHighBase: number;
  ramHighSize: number;
}

export interface CoreOptions {
  /** Most bytes of host memory guest RAM may take (lazily); the wasm memory tops out at 4 GiB. */
  hostRamLimit?: number;
  vendorAmd?: boolean;
}

/** The core hit a broken invariant (a bug in xpvh, not in the guest). */
export class InternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InternalError";
  }
}

const WASM_PAGE = 65536;
const MAX_WASM_PAGES = 65536;

export class Core implements PageSource {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly mem: GuestMemory;
  private readonly u32: Uint32Array;

  private constructor(readonly memory: WebAssembly.Memory, readonly ex: CoreExports) {
    this.bytes = new Uint8Array(memory.buffer);
    this.view = new DataView(memory.buffer);
    this.u32 = new Uint32Array(memory.buffer);
    this.mem = new GuestMemory(this);
  }

  static async create(module: WebAssembly.Module, ram: RamLayout, opts: CoreOptions = {}): Promise<Core> {
    const ramPages = Math.ceil((ram.ramLowSize + ram.ramHighSize) / PAGE_SIZE);
    const tableBytes = ramPages * 4;
    const poolStart = Math.ceil((L.FRAME_TABLE_OFF + tableBytes) / WASM_PAGE) * WASM_PAGE;
    // Room for every guest page plus the host-owned pages (shared_info, grant
    // frames, rings), capped by the host limit and by wasm32's 4 GiB.
    const slack = 4 * 1024 * 1024;
    const limit = opts.hostRamLimit ?? MAX_WASM_PAGES * WASM_PAGE;
    let poolBytes = Math.min(ramPages * PAGE_SIZE + slack, limit);
    let pages = Math.ceil((poolStart + poolBytes) / WASM_PAGE);
    if (pages > MAX_WASM_PAGES) pages = MAX_WASM_PAGES;
    if (pages * WASM_PAGE <= poolStart + slack)
      throw new RangeError("xpvh: not enough host memory for the guest's frame table");
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    } catch {
      throw new RangeError(`xpvh: the host refused a ${Math.round((pages * WASM_PAGE) / 2 ** 20)} MiB wasm memory`);
    }
    let core!: Core;
    const imports = {
      env: {
        memory,
        hostLog: (kind: number, a: number, b: number) => console.error(`core log ${kind}: ${a} ${b}`),
        hostAbort: (msg: number, file: number, line: number, col: number) => {
          const text = (p: number) => (p ? core?.readAsString(p) : "?");
          throw new InternalError(`core.wasm: ${text(msg)} at ${text(file)}:${line}:${col}`);
        },
        // asc's default abort import name, in case a debug build references it
        abort: () => {
          throw new InternalError("core.wasm aborted");
        },
      },
    };
    const inst = await WebAssembly.instantiate(module, imports);
    core = new Core(memory, inst.exports as unknown as CoreExports);
    core.setCtl64(L.CTL_RAM_LOW_BASE, ram.ramLowBase);
    core.setCtl64(L.CTL_RAM_LOW_SIZE, ram.ramLowSize);
    core.setCtl64(L.CTL_RAM_HIGH_BASE, ram.ramHighBase);
    core.setCtl64(L.CTL_RAM_HIGH_SIZE, ram.ramHighSize);
    core.setCtl32(L.CTL_POOL_START, poolStart / PAGE_SIZE);
    core.setCtl32(L.CTL_POOL_NEXT, poolStart / PAGE_SIZE);
    core.setCtl32(L.CTL_POOL_END, (pages * WASM_PAGE) / PAGE_SIZE);
    core.ex.init(opts.vendorAmd ? 1 : 0);
    return core;
  }

  private readAsString(p: number): string {
    // AssemblyScript strings: UTF-16 with the byte length at p - 4.
    const len = this.view.getUint32(p - 4, true);
    let s = "";
    for (let i = 0; i < len; i += 2) s += String.fromCharCode(this.view.getUint16(p + i, true));
    return s;
  }

  // --- control block -------------------------------------------------------
  ctl32(off: number): number {
    return this.u32[(L.CTL_OFF + off) >>> 2];
  }
  setCtl32(off: number, v: number): void {
    this.u32[(L.CTL_OFF + off) >>> 2] = v >>> 0;
  }
  ctl64(off: number): bigint {
    return this.view.getBigUint64(L.CTL_OFF + off, true);
  }
  ctl64n(off: number): number {
    return this.u32[(L.CTL_OFF + off) >>> 2] + this.u32[(L.CTL_OFF + off + 4) >>> 2] * 2 ** 32;
  }
  setCtl64(off: number, v: number | bigint): void {
    if (typeof v === "number" && v >= 0 && v < 2 ** 53) {
      // No bigint on the common path (the run loop sets the TSC base every slice).
      const a = (L.CTL_OFF + off) >>> 2;
      this.u32[a] = v >>> 0;
      this.u32[a + 1] = Math.floor(v / 2 ** 32);
      return;
    }
    this.view.setBigUint64(L.CTL_OFF + off, BigInt.asUintN(64, BigInt(v)), true);
  }

  // --- register file -------------------------------------------------------
  gpr(i: number): bigint {
    return this.view.getBigUint64(L.CPU_OFF + L.CPU_GPR + i * 8, true);
  }
  /** Low 32 bits of a GPR as an unsigned number (no bigint on the hot path). */
  gpr32(i: number): number {
    return this.u32[(L.CPU_OFF + L.CPU_GPR + i * 8) >>> 2];
  }
  setGpr(i: number, v: bigint | number): void {
    this.view.setBigUint64(L.CPU_OFF + L.CPU_GPR + i * 8, BigInt.asUintN(64, BigInt(v)), true);
  }
  /** Sets a GPR from a small non-negative or negative number without bigint. */
  setGprNumber(i: number, v: number): void {
    const a = (L.CPU_OFF + L.CPU_GPR + i * 8) >>> 2;
    this.u32[a] = v >>> 0;
    this.u32[a + 1] = v < 0 ? 0xffffffff : Math.floor(v / 2 ** 32) >>> 0;
  }
  cpu64(off: number): bigint {
    return this.view.getBigUint64(L.CPU_OFF + off, true);
  }
  setCpu64(off: number, v: bigint | number): void {
    this.view.setBigUint64(L.CPU_OFF + off, BigInt.asUintN(64, BigInt(v)), true);
  }
  cpu32(off: number): number {
    return this.view.getUint32(L.CPU_OFF + off, true);
  }
  setCpu32(off: number, v: number): void {
    this.view.setUint32(L.CPU_OFF + off, v >>> 0, true);
  }
  get rip(): bigint {
    return this.cpu64(L.CPU_RIP);
  }
  set rip(v: bigint) {
    this.setCpu64(L.CPU_RIP, v);
  }
  setSegment(seg: number, sel: number, base: number, limit: number, attr: number): void {
    const o = L.CPU_SEG + seg * L.SEG_SIZE;
    this.view.setUint16(L.CPU_OFF + o + L.SEG_SEL, sel, true);
    this.setCpu32(o + L.SEG_ATTR, attr);
    this.setCpu32(o + L.SEG_LIMIT, limit);
    this.setCpu64(o + L.SEG_BASE, base);
  }
  segment(seg: number): { sel: number; attr: number; limit: number; base: bigint } {
    const o = L.CPU_SEG + seg * L.SEG_SIZE;
    return {
      sel: this.view.getUint16(L.CPU_OFF + o + L.SEG_SEL, true),
      attr: this.cpu32(o + L.SEG_ATTR),
      limit: this.cpu32(o + L.SEG_LIMIT),
      base: this.cpu64(o + L.SEG_BASE),
    };
  }
  /** 64-bit mode: EFER.LMA and CS.L. */
  longMode(): boolean {
    const u = this.u32;
    return (u[(L.CPU_OFF + L.CPU_EFER) >>> 2] & 0x400) !== 0 && (u[(L.CPU_OFF + L.CPU_SEG + L.SEG_SIZE + L.SEG_ATTR) >>> 2] & 0x2000) !== 0;
  }
  /** The privilege level (SS.DPL, as the core keeps it). */
  cpl(): number {
    const u = this.u32;
    if ((u[(L.CPU_OFF + L.CPU_CR0) >>> 2] & 1) === 0) return 0;
    return (u[(L.CPU_OFF + L.CPU_SEG + 2 * L.SEG_SIZE + L.SEG_ATTR) >>> 2] >> 5) & 3;
  }
  /** High 32 bits of a GPR (no bigint). */
  gprHi32(i: number): number {
    return this.u32[(L.CPU_OFF + L.CPU_GPR + i * 8 + 4) >>> 2];
  }
  get insnCount(): number {
    return this.ctl64n(L.CTL_INSN_COUNT);
  }

  /** Makes port I/O to `port` exit to the host; unclaimed ports are empty
   * (reads all-ones, writes dropped) and never leave the core. */
  /** The state after INIT and a STARTUP IPI with `vector`: real mode at
   * CS = vector << 8, IP = 0 (an application processor's first instruction). */
  startupIpi(vector: number): void {
    const f = this.ex.resetToSipi as ((v: number) => void) | undefined;
    if (!f) throw new InternalError("this core cannot start a vCPU in real mode");
    f(vector & 0xff);
  }

  claimPort(port: number): void {
    this.bytes[L.IO_BITMAP_OFF + (port >> 3)] |= 1 << (port & 7);
  }

  // --- guest-physical pages --------------------------------------------------
  pageOffset(gfn: number): number {
    const f = this.ex.frameOf(gfn >>> 0, Math.floor(gfn / 2 ** 32));
    if (f === -2) throw new OutOfGuestMemory();
    return f < 0 ? -1 : f * PAGE_SIZE;
  }

  /** Takes a zeroed 4 KiB frame from the pool for a host-owned page; returns its wasm offset. */
  allocFrame(): number {
    const next = this.ctl32(L.CTL_POOL_NEXT);
    if (next >= this.ctl32(L.CTL_POOL_END)) throw new OutOfGuestMemory();
    this.setCtl32(L.CTL_POOL_NEXT, next + 1);
    return next * PAGE_SIZE;
  }

  /** Frames handed out so far (guest RAM touched plus host pages). */
  framesUsed(): number {
    return this.ctl32(L.CTL_POOL_NEXT) - this.ctl32(L.CTL_POOL_START);
  }

  /** Shows the frame at wasm offset `off` at guest frame `gfn`. A RAM gfn has its
   * table entry replaced (the old frame comes back on removeOverlay); any other gfn
   * goes into the overlay table. */
  private hidden = new Map<number, number>();
  placeOverlay(gfn: number, off: number): void {
    this.removeOverlay(gfn);
    const ramIdx = this.ramIndex(gfn);
    if (ramIdx >= 0) {
      const slot = (L.FRAME_TABLE_OFF >>> 2) + ramIdx;
      this.hidden.set(gfn, this.u32[slot]);
      this.u32[slot] = off / PAGE_SIZE;
    } else {
      const n = this.ctl32(L.CTL_OVERLAY_COUNT);
      if (n >= L.CTL_OVERLAY_MAX) throw new InternalError("too many overlay pages");
      const e = L.CTL_OVERLAY_TABLE + n * 16;
      this.setCtl64(e, gfn);
      this.setCtl32(e + 8, off / PAGE_SIZE);
      this.setCtl32(L.CTL_OVERLAY_COUNT, n + 1);
    }
    this.ex.flushTlb();
  }

  removeOverlay(gfn: number): void {
    const ramIdx = this.ramIndex(gfn);
    if (ramIdx >= 0) {
      const old = this.hidden.get(gfn);
      if (old !== undefined) {
        this.u32[(L.FRAME_TABLE_OFF >>> 2) + ramIdx] = old;
        this.hidden.delete(gfn);
      }
    } else {
      const n = this.ctl32(L.CTL_OVERLAY_COUNT);
      for (let i = 0; i < n; i++) {
        const e = L.CTL_OVERLAY_TABLE + i * 16;
        if (this.ctl64n(e) === gfn) {
          const last = L.CTL_OVERLAY_TABLE + (n - 1) * 16;
          this.setCtl64(e, this.ctl64(last));
          this.setCtl32(e + 8, this.ctl32(last + 8));
          this.setCtl32(L.CTL_OVERLAY_COUNT, n - 1);
          break;
        }
      }
    }
    this.ex.flushTlb();
  }

  private ramIndex(gfn: number): number {
    const gpa = gfn * PAGE_SIZE;
    const lb = this.ctl64n(L.CTL_RAM_LOW_BASE), ls = this.ctl64n(L.CTL_RAM_LOW_SIZE);
    const hb = this.ctl64n(L.CTL_RAM_HIGH_BASE), hs = this.ctl64n(L.CTL_RAM_HIGH_SIZE);
    if (gpa >= lb && gpa < lb + ls) return (gpa - lb) / PAGE_SIZE;
    if (gpa >= hb && gpa < hb + hs) return ls / PAGE_SIZE + (gpa - hb) / PAGE_SIZE;
    return -1;
  }

  // --- guest-virtual access --------------------------------------------------
  /** Guest-physical address of `gva` under the guest's current paging, or throws
   * GuestMemoryError. `access`: 0 read, 1 write. */
  translate(gva: bigint, access: number, user = false): number {
    this.setCtl64(L.CTL_ARG0, gva);
    if (this.ex.translate(access | (user ? 4 : 0)) !== 0) throw new GuestMemoryError(Number(BigInt.asUintN(52, gva)), 1);
    return this.ctl64n(L.CTL_RET0);
  }

  /** The u32 at guest-virtual hi:lo (read access, the guest's current paging; it
   * must not cross a page), or -1 when that does not translate to RAM. No bigint
   * and nothing allocated: hypercall arguments on the fast path. */
  readVirtU32(lo: number, hi: number): number {
    const a = (L.CTL_OFF + L.CTL_ARG0) >>> 2;
    this.u32[a] = lo;
    this.u32[a + 1] = hi;
    const r = (L.CTL_OFF + L.CTL_RET0) >>> 2;
    // A core built before readLinear32 existed still answers through translate().
    if (this.ex.readLinear32 !== undefined && this.ex.readLinear32() === 0) return this.u32[r];
    if (this.ex.translate(0) !== 0) return -1;
    const o = this.mem.hostOffset(this.u32[r] + this.u32[r + 1] * 2 ** 32, 4);
    return o < 0 || (o & 3) !== 0 ? (o < 0 ? -1 : this.view.getUint32(o, true)) : this.u32[o >>> 2];
  }

  readVirt(gva: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = BigInt.asUintN(64, gva + BigInt(done));
      const chunk = Math.min(len - done, PAGE_SIZE - Number(a & 0xfffn));
      const gpa = this.translate(a, 0);
      this.mem.readInto(gpa, out.subarray(done, done + chunk));
      done += chunk;
    }
    return out;
  }

  writeVirt(gva: bigint, data: Uint8Array): void {
    // Translate every page first so that a fault leaves memory untouched.
    const parts: [number, number, number][] = [];
    let done = 0;
    while (done < data.length) {
      const a = BigInt.asUintN(64, gva + BigInt(done));
      const chunk = Math.min(data.length - done, PAGE_SIZE - Number(a & 0xfffn));
      parts.push([this.translate(a, 1), done, chunk]);
      done += chunk;
    }
    for (const [gpa, from, n] of parts) this.mem.write(gpa, data.subarray(from, from + n));
  }
}

/** The guest touched more RAM than the host gave the machine. */
export class OutOfGuestMemory extends Error {
  constructor() {
    super("xpvh: out of host memory for guest RAM (raise the host limit or lower -m)");
    this.name = "OutOfGuestMemory";
  }
}
