// What a disk image is to a block device model: a byte array of fixed size that
// can be read, written and flushed. Each call either finishes before returning
// (returns undefined: "executed") or returns a promise ("submitted"), so sync
// storage (an in-memory image) and async storage (a file, HTTP ranges,
// IndexedDB) share one device path.

/** The host storage failed (not the guest's fault): the request gets IOERR. */
export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackendError";
  }
}

export type MaybePromise = void | Promise<void>;

export interface BlockBackend {
  /** Image size in bytes (a multiple of 512). */
  readonly size: number;
  readonly readOnly: boolean;
  /** Fills `dst` from byte `offset`; offset + dst.length <= size (the caller checks). */
  read(offset: number, dst: Uint8Array): MaybePromise;
  /** Writes `src` at `offset`. May be cached until flush(). The caller leaves `src`
   * alone until the call completes; the backend copies it if it keeps it longer. */
  write(offset: number, src: Uint8Array): MaybePromise;
  /** Makes completed writes durable. */
  flush(): MaybePromise;
  /** Drops `len` bytes at `offset` (they read back as zeros afterwards). Optional. */
  discard?(offset: number, len: number): MaybePromise;
  /** Flushes and releases the storage. */
  close(): MaybePromise;
}

/** Calls `fn`; returns its promise, or undefined when it finished (or threw
 * synchronously: then the error comes back as a rejected promise). */
export function callBackend(fn: () => MaybePromise): MaybePromise {
  try {
    return fn();
  } catch (e) {
    return Promise.reject(e);
  }
}
