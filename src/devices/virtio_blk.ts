// virtio-blk (virtio 1.x §5.2): request parsing and completion on the host side.
// A request is a header {le32 type, le32 reserved, le64 sector} in the
// device-readable part, data (read or written), and a status byte as the last
// device-writable byte. The backend may answer synchronously or later; either
// way the completion goes back to the core from poll() (or at once when the
// backend finished before returning).
import type { Core } from "../core/core.js";
import { callBackend, type BlockBackend } from "../backends/block/block_backend.js";
import { Chain, VirtioFunction, VIRTIO_ID_BLOCK } from "./virtio_pci.js";
import type { DeviceModel, DeviceContext } from "./device_model.js";

// Request types.
export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_T_DISCARD = 11;
export const VIRTIO_BLK_T_WRITE_ZEROES = 13;
// Status values.
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;

// Feature bits (§5.2.3).
const F_SEG_MAX = 2;
const F_RO = 5;
const F_BLK_SIZE = 6;
const F_FLUSH = 9;
const F_DISCARD = 13;
const F_WRITE_ZEROES = 14;

const SECTOR = 512;
/** Largest data transfer of one request; larger ones get IOERR rather than a
 * host buffer of the guest's choosing (Linux stays far below: max_sectors_kb). */
const MAX_REQUEST_BYTES = 64 * 1024 * 1024;
const QUEUE_SIZE = 256;
/** Sectors per discard / write-zeroes request (8 MiB). */
const MAX_ZERO_SECTORS = 16384;
const ID_BYTES = 20;
/** Largest request served from the reused data buffer; larger ones get their own
 * (so a guest cannot make the device hold a large buffer for good). */
const SCRATCH_MAX = 1024 * 1024;
/** The status bytes, allocated once. */
const STATUS_BYTE = [VIRTIO_BLK_S_OK, VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_UNSUPP].map((s) => Uint8Array.of(s));

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** struct virtio_blk_config (§5.2.4), the fields this device offers. */
export function blkConfig(sectors: number, segMax: number): Uint8Array {
  const c = new Uint8Array(60);
  const v = new DataView(c.buffer);
  v.setBigUint64(0, BigInt(sectors), true); // capacity
  v.setUint32(12, segMax, true); // seg_max
  v.setUint32(20, SECTOR, true); // blk_size
  v.setUint16(34, 1, true); // num_queues
  v.setUint32(36, MAX_ZERO_SECTORS, true); // max_discard_sectors
  v.setUint32(40, 1, true); // max_discard_seg
  v.setUint32(44, 1, true); // discard_sector_alignment
  v.setUint32(48, MAX_ZERO_SECTORS, true); // max_write_zeroes_sectors
  v.setUint32(52, 1, true); // max_write_zeroes_seg
  return c;
}

export interface BlkOptions {
  /** -device virtio-blk-pci,serial=: what VIRTIO_BLK_T_GET_ID returns (20 bytes max). */
  serial?: string;
  /** -drive readonly=on (also when the backend is read-only). */
  readOnly?: boolean;
}

export class VirtioBlk implements DeviceModel {
  readonly fn: VirtioFunction;
  private readonly done: (() => void)[] = [];
  private readonly readOnly: boolean;
  private readonly id: Uint8Array;
  private inflight = new Set<Promise<void>>();
  /** Data buffer of the next read or write. A backend that answers at once is
   * done with it when the call returns, so an in-memory image costs no
   * allocation per request; one that answers later keeps it (run() lets go of it
   * and the next request allocates another). */
  private scratch = new Uint8Array(0);
  /** Requests answered IOERR because the backend failed. */
  ioErrors = 0;
  private warned = false;

  constructor(
    private readonly core: Core,
    slot: number,
    readonly backend: BlockBackend,
    private readonly ctx: DeviceContext,
    opts: BlkOptions = {},
  ) {
    this.readOnly = !!opts.readOnly || backend.readOnly;
    let features = (1n << BigInt(F_SEG_MAX)) | (1n << BigInt(F_BLK_SIZE)) | (1n << BigInt(F_FLUSH));
    if (this.readOnly) features |= 1n << BigInt(F_RO);
    else features |= (1n << BigInt(F_DISCARD)) | (1n << BigInt(F_WRITE_ZEROES));
    const sectors = Math.floor(backend.size / SECTOR);
    this.fn = new VirtioFunction(core, slot, VIRTIO_ID_BLOCK, 1, QUEUE_SIZE, features, blkConfig(sectors, QUEUE_SIZE - 2));
    this.fn.log = ctx.log;
    this.id = new TextEncoder().encode(opts.serial ?? "").subarray(0, ID_BYTES);
  }

  kick(q: number): void {
    if (q !== 0) return;
    for (let c = this.fn.pop(0); c; c = this.fn.pop(0)) this.start(c);
  }

  poll(): void {
    // Completions of async backend calls, in the order they finished.
    while (this.done.length) this.done.shift()!();
    // A driver that queued requests without kicking (EVENT_IDX races) is served too.
    if (this.fn.available(0) > 0) this.kick(0);
  }

  get busy(): boolean {
    return this.inflight.size > 0 || this.done.length > 0;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
    await this.backend.flush();
    await this.backend.close();
  }

  /** Runs `op` on the backend, then `then(ok)` now (sync backend) or from poll(). */
  private run(op: () => void | Promise<void>, then: (ok: boolean) => void): void {
    const r = callBackend(op);
    if (!r) {
      then(true);
      return;
    }
    this.scratch = new Uint8Array(0); // the backend holds on to it until it settles
    const p = r.then(
      () => void this.done.push(() => then(true)),
      (e) => {
        this.backendFailed(e);
        this.done.push(() => then(false));
      },
    );
    this.inflight.add(p);
    p.finally(() => {
      this.inflight.delete(p);
      this.ctx.wake();
    });
  }

  private backendFailed(e: unknown): void {
    this.ioErrors++;
    if (!this.warned) this.ctx.log(`xpvh: virtio-blk ${this.fn.slot}: ${(e as Error).message ?? e}`);
    this.warned = true;
  }

  /** `len` bytes of the scratch buffer (see `scratch`). */
  private buffer(len: number): Uint8Array {
    if (len > SCRATCH_MAX) return new Uint8Array(len);
    if (this.scratch.length < len) this.scratch = new Uint8Array(len);
    return this.scratch.subarray(0, len);
  }

  /** Writes the status byte and returns the chain: `data` device-writable bytes
   * precede the status. */
  private finish(chain: Chain, status: number, data: number): void {
    if (!this.fn.current(chain)) return; // the driver reset the device meanwhile
    chain.write(this.core, chain.writable - 1, STATUS_BYTE[status]);
    this.fn.push(chain, data + 1);
  }

  private start(chain: Chain): void {
    // §5.2.6.1: a request always has the 16-byte header and a status byte.
    if (chain.readable < 16 || chain.writable < 1) {
      this.fn.needsReset("request without its 16-byte header or status byte");
      return;
    }
    // {le32 type, le32 reserved, le64 sector}; a sector past 2^53 is far beyond any disk.
    const h = chain.read(this.core, 0, 16);
    const type = le32(h, 0);
    const sector = le32(h, 8) + le32(h, 12) * 2 ** 32;
    const size = this.backend.size;
    switch (type) {
      case VIRTIO_BLK_T_IN: {
        const len = chain.writable - 1;
        if (len % SECTOR !== 0 || len > MAX_REQUEST_BYTES || sector * SECTOR + len > size || sector > size)
          return this.finish(chain, VIRTIO_BLK_S_IOERR, 0);
        const buf = this.buffer(len);
        this.run(() => this.backend.read(sector * SECTOR, buf), (ok) => {
          if (!ok) return this.finish(chain, VIRTIO_BLK_S_IOERR, 0);
          if (!this.fn.current(chain)) return;
          chain.write(this.core, 0, buf);
          this.finish(chain, VIRTIO_BLK_S_OK, len);
        });
        return;
      }
      case VIRTIO_BLK_T_OUT: {
        const len = chain.readable - 16;
        if (this.readOnly || len % SECTOR !== 0 || len > MAX_REQUEST_BYTES || sector * SECTOR + len > size || sector > size)
          return this.finish(chain, VIRTIO_BLK_S_IOERR, 0);
        const data = chain.readInto(this.core, 16, this.buffer(len));
        this.run(() => this.backend.write(sector * SECTOR, data), (ok) =>
          this.finish(chain, ok ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR, 0),
        );
        return;
      }
      case VIRTIO_BLK_T_FLUSH:
        this.run(() => this.backend.flush(), (ok) => this.finish(chain, ok ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR, 0));
        return;
      case VIRTIO_BLK_T_GET_ID: {
        // The id is NUL-padded to 20 bytes, clipped to the buffer.
        const out = new Uint8Array(Math.min(ID_BYTES, chain.writable - 1));
        out.set(this.id.subarray(0, out.length));
        chain.write(this.core, 0, out);
        return this.finish(chain, VIRTIO_BLK_S_OK, out.length);
      }
      case VIRTIO_BLK_T_DISCARD:
      case VIRTIO_BLK_T_WRITE_ZEROES:
        return this.zeroOrDiscard(chain, type);
    }
    this.finish(chain, VIRTIO_BLK_S_UNSUPP, 0);
  }

  /** One {le64 sector, le32 num_sectors, le32 flags} segment (max_*_seg = 1). */
  private zeroOrDiscard(chain: Chain, type: number): void {
    const bytes = chain.readable - 16;
    if (this.readOnly) return this.finish(chain, VIRTIO_BLK_S_IOERR, 0);
    if (bytes !== 16) return this.finish(chain, VIRTIO_BLK_S_UNSUPP, 0);
    const s = new DataView(chain.read(this.core, 16, 16).buffer);
    const sector = Number(s.getBigUint64(0, true));
    const count = s.getUint32(8, true);
    const flags = s.getUint32(12, true);
    // Only the unmap flag exists, and only for write-zeroes.
    if ((flags & ~1) !== 0 || (type === VIRTIO_BLK_T_DISCARD && flags !== 0)) return this.finish(chain, VIRTIO_BLK_S_UNSUPP, 0);
    if (count > MAX_ZERO_SECTORS || sector > this.backend.size / SECTOR || (sector + count) * SECTOR > this.backend.size)
      return this.finish(chain, VIRTIO_BLK_S_IOERR, 0);
    const off = sector * SECTOR;
    const len = count * SECTOR;
    const be = this.backend;
    const op =
      type === VIRTIO_BLK_T_DISCARD
        ? () => (be.discard ? be.discard(off, len) : undefined) // advisory: a backend without it keeps the data
        : () => be.write(off, new Uint8Array(len));
    this.run(op, (ok) => this.finish(chain, ok ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR, 0));
  }
}
