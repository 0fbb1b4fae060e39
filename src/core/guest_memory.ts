// Host-side access to guest-physical memory. Everything in src/xen, src/loader
// and the backends goes through this façade, never through memory.buffer.
// Accesses may cross page boundaries; each page is looked up on its own, because
// guest RAM is backed lazily and two guest pages need not be adjacent in the host.

export const PAGE_SIZE = 4096;

/** Where guest pages live. `pageOffset` returns the byte offset in `bytes` of the
 * 4 KiB page `gfn`, backing it on first touch, or -1 when the frame is neither RAM
 * nor an overlay page (an MMIO hole or unbacked space). */
export interface PageSource {
  readonly bytes: Uint8Array;
  pageOffset(gfn: number): number;
}

/** A guest gave an address that is not RAM (the caller answers -EFAULT or similar). */
export class GuestMemoryError extends Error {
  constructor(readonly gpa: number, readonly len: number) {
    super(`guest-physical range 0x${gpa.toString(16)}+${len} is not RAM`);
    this.name = "GuestMemoryError";
  }
}

export class GuestMemory {
  private readonly view: DataView;
  constructor(readonly source: PageSource) {
    const b = source.bytes;
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /** Offset in the host buffer of gpa, checking that [gpa, gpa+len) stays in one page. */
  private off(gpa: number, len: number): number {
    const gfn = Math.floor(gpa / PAGE_SIZE);
    const inPage = gpa - gfn * PAGE_SIZE;
    if (inPage + len > PAGE_SIZE) return -2;
    const base = this.source.pageOffset(gfn);
    if (base < 0) throw new GuestMemoryError(gpa, len);
    return base + inPage;
  }

  /** Offset in `source.bytes` of [gpa, gpa+len) when it lies in one RAM or
   * overlay page, else -1; never throws (hot paths that must not allocate). */
  hostOffset(gpa: number, len: number): number {
    const gfn = Math.floor(gpa / PAGE_SIZE);
    const inPage = gpa - gfn * PAGE_SIZE;
    if (inPage + len > PAGE_SIZE) return -1;
    const base = this.source.pageOffset(gfn);
    return base < 0 ? -1 : base + inPage;
  }

  isRam(gpa: number): boolean {
    return this.source.pageOffset(Math.floor(gpa / PAGE_SIZE)) >= 0;
  }

  /** Zero-copy view of [gpa, gpa+len) when it lies in one page, else null. */
  span(gpa: number, len: number): Uint8Array | null {
    const o = this.off(gpa, len);
    return o < 0 ? null : this.source.bytes.subarray(o, o + len);
  }

  readInto(gpa: number, dst: Uint8Array): void {
    let done = 0;
    while (done < dst.length) {
      const a = gpa + done;
      const chunk = Math.min(dst.length - done, PAGE_SIZE - (a % PAGE_SIZE));
      const o = this.off(a, chunk);
      dst.set(this.source.bytes.subarray(o, o + chunk), done);
      done += chunk;
    }
  }

  read(gpa: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.readInto(gpa, out);
    return out;
  }

  write(gpa: number, src: Uint8Array): void {
    let done = 0;
    while (done < src.length) {
      const a = gpa + done;
      const chunk = Math.min(src.length - done, PAGE_SIZE - (a % PAGE_SIZE));
      const o = this.off(a, chunk);
      this.source.bytes.set(src.subarray(done, done + chunk), o);
      done += chunk;
    }
  }

  fill(gpa: number, len: number, byte = 0): void {
    let done = 0;
    while (done < len) {
      const a = gpa + done;
      const chunk = Math.min(len - done, PAGE_SIZE - (a % PAGE_SIZE));
      const o = this.off(a, chunk);
      this.source.bytes.fill(byte, o, o + chunk);
      done += chunk;
    }
  }

  /** NUL-terminated string, at most `max` bytes. */
  readCString(gpa: number, max = 4096): string {
    const bytes: number[] = [];
    for (let i = 0; i < max; i++) {
      const c = this.readU8(gpa + i);
      if (c === 0) break;
      bytes.push(c);
    }
    return new TextDecoder().decode(new Uint8Array(bytes));
  }

  readU8(gpa: number): number {
    return this.source.bytes[this.off(gpa, 1)];
  }
  writeU8(gpa: number, v: number): void {
    this.source.bytes[this.off(gpa, 1)] = v;
  }
  readU16(gpa: number): number {
    const o = this.off(gpa, 2);
    return o >= 0 ? this.view.getUint16(o, true) : new DataView(this.read(gpa, 2).buffer).getUint16(0, true);
  }
  writeU16(gpa: number, v: number): void {
    const o = this.off(gpa, 2);
    if (o >= 0) this.view.setUint16(o, v, true);
    else this.splitWrite(gpa, 2, (d) => d.setUint16(0, v, true));
  }
  readU32(gpa: number): number {
    const o = this.off(gpa, 4);
    return o >= 0 ? this.view.getUint32(o, true) : new DataView(this.read(gpa, 4).buffer).getUint32(0, true);
  }
  writeU32(gpa: number, v: number): void {
    const o = this.off(gpa, 4);
    if (o >= 0) this.view.setUint32(o, v >>> 0, true);
    else this.splitWrite(gpa, 4, (d) => d.setUint32(0, v >>> 0, true));
  }
  readU64(gpa: number): bigint {
    const o = this.off(gpa, 8);
    return o >= 0 ? this.view.getBigUint64(o, true) : new DataView(this.read(gpa, 8).buffer).getBigUint64(0, true);
  }
  writeU64(gpa: number, v: bigint): void {
    const o = this.off(gpa, 8);
    if (o >= 0) this.view.setBigUint64(o, BigInt.asUintN(64, v), true);
    else this.splitWrite(gpa, 8, (d) => d.setBigUint64(0, BigInt.asUintN(64, v), true));
  }
  /** u64 as a JS number; exact below 2^53 (guest-physical addresses, sizes). */
  readU64n(gpa: number): number {
    return this.readU32(gpa) + this.readU32(gpa + 4) * 0x1_0000_0000;
  }
  writeU64n(gpa: number, v: number): void {
    this.writeU32(gpa, v % 0x1_0000_0000);
    this.writeU32(gpa + 4, Math.floor(v / 0x1_0000_0000));
  }

  private splitWrite(gpa: number, len: number, put: (d: DataView) => void): void {
    const tmp = new Uint8Array(len);
    put(new DataView(tmp.buffer));
    this.write(gpa, tmp);
  }
}

/** A page source over one flat buffer holding guest-physical [0, bytes.length):
 * what unit tests and tools use in place of the core. */
export class FlatPageSource implements PageSource {
  constructor(readonly bytes: Uint8Array) {}
  pageOffset(gfn: number): number {
    const o = gfn * PAGE_SIZE;
    return o + PAGE_SIZE <= this.bytes.length ? o : -1;
  }
}
