// The host's side of one virtio-pci function in core.wasm: creating it, taking
// descriptor chains the core has validated, moving their bytes through
// GuestMemory, and handing them back (completeUsed). The transport, the rings
// and MSI-X are the core's (assembly/virtio/); this file only carries requests
// between them and a device model's backend.
import type { Core } from "../core/core.js";
import * as L from "../core/layout.gen.js";

/** The core exports this file uses (assembly/index.ts). */
export interface VirtioExports {
  pciInit(): void;
  virtioAdd(slot: number, type: number, queues: number, queueMax: number, featLo: number, featHi: number, cfgLen: number): number;
  virtqPop(slot: number, queue: number): number;
  virtqAvail(slot: number, queue: number): number;
  completeUsed(slot: number, queue: number, head: number, len: number): number;
  takeKick(): number;
  configChanged(slot: number): void;
  deviceNeedsReset(slot: number): void;
}

export function virtioExports(core: Core): VirtioExports {
  return core.ex as unknown as VirtioExports;
}

/** virtio device types (virtio 1.x §5). */
export const VIRTIO_ID_NET = 1;
export const VIRTIO_ID_BLOCK = 2;
export const VIRTIO_ID_CONSOLE = 3;

const VIRTIO_NAMES: Record<number, string> = { 1: "net", 2: "blk", 3: "console" };

/** Why the core refused a ring (CTL_VQ_ERROR, VQERR_*). */
const VQ_ERRORS: Record<number, string> = {
  [L.VQERR_RING]: "ring not in RAM, or avail->idx ran ahead by more than the queue size",
  [L.VQERR_HEAD]: "descriptor index beyond the queue",
  [L.VQERR_LOOP]: "descriptor chain loops (longer than the queue)",
  [L.VQERR_BUFFER]: "buffer outside guest RAM",
  [L.VQERR_INDIRECT]: "bad indirect descriptor table",
  [L.VQERR_TOO_LONG]: `chain of more than ${L.VQ_CHAIN_MAX} buffers`,
};

/** Device status bits (§2.1). */
export const STATUS_DRIVER_OK = 4;
export const STATUS_FEATURES_OK = 8;
export const STATUS_NEEDS_RESET = 0x40;

export interface Segment {
  gpa: number;
  len: number;
  /** Device-writable (VIRTQ_DESC_F_WRITE). */
  write: boolean;
}

/** One request: a descriptor chain the core took from the available ring. Its
 * buffers are known to be guest RAM. */
export class Chain {
  readonly readable: number;
  readonly writable: number;

  constructor(
    readonly queue: number,
    readonly head: number,
    readonly segs: Segment[],
    /** The device's reset generation when it was taken. */
    readonly gen: number,
  ) {
    let r = 0;
    let w = 0;
    for (const s of segs) {
      if (s.write) w += s.len;
      else r += s.len;
    }
    this.readable = r;
    this.writable = w;
  }

  /** Copies `len` bytes of the device-readable part from `offset` (clipped to what
   * there is). */
  read(core: Core, offset: number, len: number): Uint8Array {
    return this.readInto(core, offset, new Uint8Array(Math.max(0, Math.min(len, this.readable - offset))));
  }

  /** Fills `out` from the device-readable part at `offset` (clipped to what there
   * is); returns `out`. */
  readInto(core: Core, offset: number, out: Uint8Array): Uint8Array {
    const n = Math.max(0, Math.min(out.length, this.readable - offset));
    let pos = 0;
    let skip = offset;
    for (const s of this.segs) {
      if (s.write || pos >= n) continue;
      if (skip >= s.len) {
        skip -= s.len;
        continue;
      }
      const take = Math.min(s.len - skip, n - pos);
      core.mem.readInto(s.gpa + skip, out.subarray(pos, pos + take));
      pos += take;
      skip = 0;
    }
    return out;
  }

  /** Writes `data` into the device-writable part at `offset`; returns the bytes
   * that fit. */
  write(core: Core, offset: number, data: Uint8Array): number {
    let pos = 0;
    let skip = offset;
    for (const s of this.segs) {
      if (!s.write || pos >= data.length) continue;
      if (skip >= s.len) {
        skip -= s.len;
        continue;
      }
      const put = Math.min(s.len - skip, data.length - pos);
      core.mem.write(s.gpa + skip, data.subarray(pos, pos + put));
      pos += put;
      skip = 0;
    }
    return pos;
  }
}

/** A virtio function on the core's PCI bus. */
export class VirtioFunction {
  private readonly ex: VirtioExports;
  private readonly base: number;
  /** Guest protocol errors seen (the core set DEVICE_NEEDS_RESET). */
  guestErrors = 0;
  /** Where guest_error diagnostics go (the first of each device incarnation). */
  log: (message: string) => void = () => {};
  private loggedGen = -1;

  constructor(
    readonly core: Core,
    readonly slot: number,
    readonly type: number,
    readonly queues: number,
    queueMax: number,
    /** Device-specific feature bits; the transport adds VERSION_1, INDIRECT_DESC, EVENT_IDX. */
    features: bigint,
    config: Uint8Array,
  ) {
    this.ex = virtioExports(core);
    this.base = L.DEV_OFF + slot * L.DEV_REC_SIZE;
    const lo = Number(features & 0xffffffffn);
    const hi = Number((features >> 32n) & 0xffffffffn);
    if (this.ex.virtioAdd(slot, type, queues, queueMax, lo, hi, config.length) !== 0)
      throw new RangeError(`virtio device type ${type} at slot ${slot}: bad parameters`);
    this.setConfig(config, false);
  }

  private u32(off: number): number {
    return this.core.view.getUint32(this.base + off, true);
  }

  get resetGen(): number {
    return this.u32(L.DEVREC_RESET_GEN);
  }

  get status(): number {
    return this.core.bytes[this.base + L.DEVREC_COMMON + 0x14];
  }

  /** DRIVER_OK and not waiting for a reset. */
  get live(): boolean {
    const s = this.status;
    return (s & STATUS_DRIVER_OK) !== 0 && (s & STATUS_NEEDS_RESET) === 0;
  }

  /** Features the driver accepted. */
  get driverFeatures(): bigint {
    return this.core.view.getBigUint64(this.base + L.DEVREC_DRV_FEATURES, true);
  }

  negotiated(bit: number): boolean {
    return ((this.driverFeatures >> BigInt(bit)) & 1n) === 1n;
  }

  /** Rewrites the device-specific configuration; `notify` bumps config_generation
   * and sends the configuration-change interrupt. */
  setConfig(bytes: Uint8Array, notify = true): void {
    if (bytes.length > 256) throw new RangeError("virtio device configuration over 256 bytes");
    this.core.bytes.set(bytes, this.base + L.DEVREC_DEVCFG);
    if (notify) this.ex.configChanged(this.slot);
  }

  /** Chains waiting in queue q. */
  available(q: number): number {
    return this.ex.virtqAvail(this.slot, q);
  }

  /** The next request on queue q, or null when there is none (or the guest broke
   * the ring: then the device is DEVICE_NEEDS_RESET and guestErrors counts it). */
  pop(q: number): Chain | null {
    const head = this.ex.virtqPop(this.slot, q);
    if (head === -2) {
      this.guestError(`queue ${q}: ${VQ_ERRORS[this.core.ctl32(L.CTL_VQ_ERROR)] ?? "broken ring"}`);
      return null;
    }
    if (head < 0) return null;
    const n = this.core.ctl32(L.CTL_VQ_SEGS);
    const v = this.core.view;
    const segs: Segment[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const o = L.VQ_CHAIN_OFF + i * 16;
      const gpa = v.getUint32(o + L.VQSEG_GPA, true) + v.getUint32(o + L.VQSEG_GPA + 4, true) * 2 ** 32;
      segs[i] = { gpa, len: v.getUint32(o + L.VQSEG_LEN, true), write: (v.getUint32(o + L.VQSEG_FLAGS, true) & 1) !== 0 };
    }
    return new Chain(q, head, segs, this.resetGen);
  }

  /** Hands a chain back with `len` bytes written. Returns false (and does nothing)
   * when the device was reset since the chain was taken. */
  push(chain: Chain, len: number): boolean {
    if (chain.gen !== this.resetGen) return false;
    return this.ex.completeUsed(this.slot, chain.queue, chain.head, len >>> 0) === 0;
  }

  /** Still the same device incarnation as when `chain` was taken? */
  current(chain: Chain): boolean {
    return chain.gen === this.resetGen;
  }

  /** The host found the request itself malformed (e.g. no status byte). */
  needsReset(why: string): void {
    this.guestError(why);
    this.ex.deviceNeedsReset(this.slot);
  }

  /** Counts a guest protocol error; logs the first one until the driver resets
   * the device (rate limit: one line per device incarnation). */
  private guestError(why: string): void {
    this.guestErrors++;
    const gen = this.resetGen;
    if (gen === this.loggedGen) return;
    this.loggedGen = gen;
    this.log(`xpvh: guest_error: virtio ${VIRTIO_NAMES[this.type] ?? this.type} at 00:${this.slot.toString(16).padStart(2, "0")}.0: ${why}; device needs reset`);
  }
}
