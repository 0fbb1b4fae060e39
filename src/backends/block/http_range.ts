// A read-only disk image served over HTTP(S), read with Range requests: the
// browser's way to boot a large image without downloading it first. Reads are
// done in aligned blocks kept in a small LRU cache. Put an OverlayBlock on top
// for a writable drive. Uses the global fetch (browser, Node >= 18) unless one
// is given.
import { BackendError, type BlockBackend } from "./block_backend.js";

export interface HttpRangeOptions {
  fetch?: typeof fetch;
  /** Bytes per range request (default 256 KiB). */
  blockSize?: number;
  /** Blocks kept in memory (default 64). */
  cacheBlocks?: number;
  /** Extra request headers (authorization ...). */
  headers?: Record<string, string>;
}

export class HttpRangeBlock implements BlockBackend {
  readonly readOnly = true;
  private readonly cache = new Map<number, Promise<Uint8Array>>();
  private readonly blockSize: number;
  private readonly cacheBlocks: number;

  private constructor(readonly url: string, readonly size: number, private readonly fetchFn: typeof fetch, private readonly opts: HttpRangeOptions) {
    this.blockSize = opts.blockSize ?? 256 * 1024;
    this.cacheBlocks = Math.max(2, opts.cacheBlocks ?? 64);
  }

  /** Finds the image size (HEAD, or a one-byte range request when HEAD does not
   * say) and checks the server honours ranges. */
  static async open(url: string, opts: HttpRangeOptions = {}): Promise<HttpRangeBlock> {
    const f = opts.fetch ?? globalThis.fetch;
    if (!f) throw new BackendError("no fetch() available for an HTTP disk image");
    let size = NaN;
    try {
      const r = await f(url, { headers: { ...opts.headers, Range: "bytes=0-0" } });
      const cr = r.headers.get("content-range");
      if (r.status === 206 && cr) size = Number(cr.split("/")[1]);
      else if (r.ok) size = Number(r.headers.get("content-length"));
      await r.body?.cancel().catch(() => {});
      if (r.status !== 206) throw new BackendError(`${url}: the server does not support range requests (status ${r.status})`);
    } catch (e) {
      if (e instanceof BackendError) throw e;
      throw new BackendError(`${url}: ${(e as Error).message}`);
    }
    if (!Number.isFinite(size) || size <= 0) throw new BackendError(`${url}: could not find the image size`);
    return new HttpRangeBlock(url, size - (size % 512), f, opts);
  }

  private block(i: number): Promise<Uint8Array> {
    let p = this.cache.get(i);
    if (p) {
      // LRU: move to the end.
      this.cache.delete(i);
      this.cache.set(i, p);
      return p;
    }
    const start = i * this.blockSize;
    const end = Math.min(this.size, start + this.blockSize) - 1;
    p = this.fetchFn(this.url, { headers: { ...this.opts.headers, Range: `bytes=${start}-${end}` } }).then(async (r) => {
      if (r.status !== 206 && r.status !== 200) throw new BackendError(`${this.url}: range ${start}-${end}: status ${r.status}`);
      const body = new Uint8Array(await r.arrayBuffer());
      // A 200 is the whole file: take our part of it.
      const data = r.status === 200 ? body.subarray(start, end + 1) : body;
      if (data.length !== end - start + 1) throw new BackendError(`${this.url}: range ${start}-${end}: short response`);
      return data;
    });
    p.catch(() => this.cache.delete(i));
    this.cache.set(i, p);
    while (this.cache.size > this.cacheBlocks) this.cache.delete(this.cache.keys().next().value!);
    return p;
  }

  async read(offset: number, dst: Uint8Array): Promise<void> {
    if (!(offset >= 0 && offset + dst.length <= this.size)) throw new BackendError(`read ${offset}+${dst.length} beyond the image`);
    const jobs: Promise<void>[] = [];
    let pos = 0;
    while (pos < dst.length) {
      const at = offset + pos;
      const i = Math.floor(at / this.blockSize);
      const inBlock = at - i * this.blockSize;
      const n = Math.min(this.blockSize - inBlock, dst.length - pos);
      const to = pos;
      jobs.push(this.block(i).then((b) => dst.set(b.subarray(inBlock, inBlock + n), to)));
      pos += n;
    }
    await Promise.all(jobs);
  }

  write(): Promise<void> {
    return Promise.reject(new BackendError(`${this.url} is read-only`));
  }

  flush(): void {}

  close(): void {
    this.cache.clear();
  }
}
