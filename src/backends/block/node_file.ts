// A raw disk image in a host file (Node only). Reads and writes go to the file
// as they come (positional, asynchronous); flush() is fdatasync, close() waits
// for everything in flight, syncs and closes. A read-only drive opens the file
// read-only.
import * as fs from "node:fs";
import { BackendError, type BlockBackend } from "./block_backend.js";

export class NodeFileBlock implements BlockBackend {
  private inflight = new Set<Promise<unknown>>();
  private fd: number | null;

  private constructor(fd: number, readonly size: number, readonly readOnly: boolean, readonly path: string) {
    this.fd = fd;
  }

  /** Opens `path` (at startup: synchronous, so devices know the size at once).
   * Throws BackendError with a one-line message. */
  static open(path: string, readOnly: boolean): NodeFileBlock {
    let fd: number;
    try {
      fd = fs.openSync(path, readOnly ? "r" : "r+");
    } catch (e) {
      throw new BackendError(`could not open disk image ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const st = fs.fstatSync(fd);
    if (!st.isFile() && !st.isBlockDevice()) {
      fs.closeSync(fd);
      throw new BackendError(`disk image ${path} is not a file`);
    }
    return new NodeFileBlock(fd, st.size - (st.size % 512), readOnly, path);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  private handle(): number {
    if (this.fd === null) throw new BackendError(`disk image ${this.path} is closed`);
    return this.fd;
  }

  read(offset: number, dst: Uint8Array): Promise<void> {
    const fd = this.handle();
    return this.track(
      new Promise<void>((resolve, reject) => {
        const step = (done: number) => {
          if (done === dst.length) return resolve();
          fs.read(fd, dst, done, dst.length - done, offset + done, (err, n) => {
            if (err) return reject(new BackendError(`read ${this.path}: ${err.code ?? err.message}`));
            // Past the end of a file that shrank: zeros.
            if (n === 0) {
              dst.fill(0, done);
              return resolve();
            }
            step(done + n);
          });
        };
        step(0);
      }),
    );
  }

  write(offset: number, src: Uint8Array): Promise<void> {
    if (this.readOnly) return Promise.reject(new BackendError(`write to read-only image ${this.path}`));
    const fd = this.handle();
    const data = src;
    return this.track(
      new Promise<void>((resolve, reject) => {
        const step = (done: number) => {
          if (done === data.length) return resolve();
          fs.write(fd, data, done, data.length - done, offset + done, (err, n) => {
            if (err) return reject(new BackendError(`write ${this.path}: ${err.code ?? err.message}`));
            step(done + n);
          });
        };
        step(0);
      }),
    );
  }

  flush(): Promise<void> {
    if (this.readOnly) return Promise.resolve();
    const fd = this.handle();
    return this.track(
      new Promise<void>((resolve, reject) =>
        fs.fdatasync(fd, (err) => (err ? reject(new BackendError(`flush ${this.path}: ${err.code ?? err.message}`)) : resolve())),
      ),
    );
  }

  async close(): Promise<void> {
    if (this.fd === null) return;
    await Promise.allSettled([...this.inflight]);
    const fd = this.fd;
    this.fd = null;
    if (!this.readOnly) await new Promise<void>((r) => fs.fdatasync(fd, () => r()));
    await new Promise<void>((r) => fs.close(fd, () => r()));
  }
}
