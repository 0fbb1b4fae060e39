// A writable layer over a (possibly read-only) image: written 4 KiB chunks live
// in memory, everything else is read from the base. The browser puts this over
// an HTTP image; `-snapshot`-style use works the same way. Nothing reaches the
// base: flush() has nothing to make durable, and the written chunks are lost
// on close unless the owner saves them (chunks()).
import { BackendError, type BlockBackend, type MaybePromise } from "./block_backend.js";

const CHUNK = 4096;

export class OverlayBlock implements BlockBackend {
  readonly size: number;
  private readonly chunkMap = new Map<number, Uint8Array>();
  /** Chunks with a write still in progress (base contents being read in). */
  private readonly filling = new Map<number, Promise<void>>();

  constructor(private readonly base: BlockBackend, readonly readOnly = false) {
    this.size = base.size;
  }

  /** Written chunks: [byte offset, 4096 bytes] (the last chunk may be shorter). */
  *chunks(): IterableIterator<[number, Uint8Array]> {
    for (const [i, c] of this.chunkMap) yield [i * CHUNK, c];
  }

  get dirtyBytes(): number {
    return this.chunkMap.size * CHUNK;
  }

  read(offset: number, dst: Uint8Array): MaybePromise {
    this.check(offset, dst.length);
    const waits: Promise<void>[] = [];
    let pos = 0;
    while (pos < dst.length) {
      const at = offset + pos;
      const idx = Math.floor(at / CHUNK);
      const inChunk = at - idx * CHUNK;
      const own = this.chunkMap.get(idx);
      if (own) {
        const n = Math.min(CHUNK - inChunk, dst.length - pos);
        const to = pos;
        const copy = () => dst.set(own.subarray(inChunk, inChunk + n), to);
        const f = this.filling.get(idx);
        if (f) waits.push(f.then(copy));
        else copy();
        pos += n;
        continue;
      }
      // A run of chunks the overlay does not have: one base read.
      let end = pos;
      while (end < dst.length) {
        const i = Math.floor((offset + end) / CHUNK);
        if (this.chunkMap.has(i)) break;
        end = Math.min(dst.length, (i + 1) * CHUNK - offset);
      }
      const r = this.base.read(at, dst.subarray(pos, end));
      if (r) waits.push(r);
      pos = end;
    }
    if (waits.length) return Promise.all(waits).then(() => undefined);
  }

  write(offset: number, src: Uint8Array): MaybePromise {
    if (this.readOnly) throw new BackendError("write to a read-only overlay");
    this.check(offset, src.length);
    if (src.length === 0) return;
    const first = Math.floor(offset / CHUNK);
    const last = Math.floor((offset + src.length - 1) / CHUNK);
    // Wait for earlier writes to the same chunks, and read in the base contents
    // of chunks this write covers only in part.
    const deps: Promise<void>[] = [];
    const fresh: number[] = [];
    for (let i = first; i <= last; i++) {
      const prev = this.filling.get(i);
      if (prev) deps.push(prev);
      if (this.chunkMap.has(i)) continue;
      const start = i * CHUNK;
      const len = Math.min(CHUNK, this.size - start);
      const c = new Uint8Array(len);
      this.chunkMap.set(i, c);
      fresh.push(i);
      if (offset > start || offset + src.length < start + len) {
        const r = this.base.read(start, c);
        if (r) deps.push(r);
      }
    }
    const apply = () => {
      let pos = 0;
      while (pos < src.length) {
        const at = offset + pos;
        const idx = Math.floor(at / CHUNK);
        const inChunk = at - idx * CHUNK;
        const c = this.chunkMap.get(idx)!;
        const n = Math.min(c.length - inChunk, src.length - pos);
        c.set(src.subarray(pos, pos + n), inChunk);
        pos += n;
      }
    };
    if (deps.length === 0) {
      apply();
      return;
    }
    const done = Promise.all(deps).then(apply, (e) => {
      // The base could not be read: forget the chunks this write created.
      for (const i of fresh) this.chunkMap.delete(i);
      throw e;
    });
    // Reads and later writes of these chunks wait for this write (never for its error).
    const settled = done.catch(() => {});
    for (let i = first; i <= last; i++) this.filling.set(i, settled);
    void settled.then(() => {
      for (let i = first; i <= last; i++) if (this.filling.get(i) === settled) this.filling.delete(i);
    });
    return done;
  }

  flush(): void {}

  discard(offset: number, len: number): MaybePromise {
    return this.write(offset, new Uint8Array(len));
  }

  close(): MaybePromise {
    return this.base.close();
  }

  private check(offset: number, len: number): void {
    if (!(offset >= 0 && len >= 0 && offset + len <= this.size)) throw new BackendError(`access ${offset}+${len} beyond the image (${this.size} bytes)`);
  }
}
