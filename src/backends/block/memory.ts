// A disk image held in memory (a Uint8Array): the library API's `data:` drives,
// the browser, and tests. Every call completes synchronously.
import { BackendError, type BlockBackend } from "./block_backend.js";

export class MemoryBlock implements BlockBackend {
  readonly size: number;

  /** `image` is used in place: guest writes land in it. Its length is rounded
   * down to whole 512-byte sectors. */
  constructor(private readonly image: Uint8Array, readonly readOnly = false) {
    this.size = image.length - (image.length % 512);
  }

  read(offset: number, dst: Uint8Array): void {
    this.check(offset, dst.length);
    dst.set(this.image.subarray(offset, offset + dst.length));
  }

  write(offset: number, src: Uint8Array): void {
    if (this.readOnly) throw new BackendError("write to a read-only image");
    this.check(offset, src.length);
    this.image.set(src, offset);
  }

  flush(): void {}

  discard(offset: number, len: number): void {
    if (this.readOnly) throw new BackendError("discard on a read-only image");
    this.check(offset, len);
    this.image.fill(0, offset, offset + len);
  }

  close(): void {}

  /** The image bytes (what a test or the browser saves). */
  get bytes(): Uint8Array {
    return this.image.subarray(0, this.size);
  }

  private check(offset: number, len: number): void {
    if (!(offset >= 0 && len >= 0 && offset + len <= this.size)) throw new BackendError(`access ${offset}+${len} beyond the image (${this.size} bytes)`);
  }
}
