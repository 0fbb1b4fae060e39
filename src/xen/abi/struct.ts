// Struct layouts of the Xen public ABI, as tables of offsets, and one generic
// accessor driven by them, so the 64-bit and the 32-bit (compat) variant of a
// struct share every line of logic that uses it.
//
// Width kinds: `ulong`, `pfn` and `handle` are xen_ulong_t, xen_pfn_t and
// XEN_GUEST_HANDLE: 8 bytes in the 64-bit ABI, 4 in the 32-bit one. In the
// 32-bit ABI a u64 is only 4-byte aligned (i386 psABI), which is why compat
// offsets are given explicitly rather than computed.

import type { XenVcpu } from "../guest.js";

export type FieldKind = "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "u64" | "i64" | "ulong" | "pfn" | "handle";

export interface Field {
  readonly off: number;
  readonly width: 1 | 2 | 4 | 8;
  readonly signed: boolean;
}

export interface Layout<F extends string = string> {
  /** Struct name with a `/32` suffix for the compat variant. */
  readonly name: string;
  readonly size: number;
  readonly fields: Readonly<Record<F, Field>>;
}

export interface StructDef<F extends string = string> {
  readonly name: string;
  /** The Xen header the layout mirrors, e.g. xen/include/public/event_channel.h. */
  readonly header: string;
  readonly l64: Layout<F>;
  readonly l32: Layout<F>;
  of(longMode: boolean): Layout<F>;
}

/** [kind, 64-bit offset, 32-bit offset (default: the same)] */
export type FieldSpec = readonly [FieldKind, number, number?];

function resolve(kind: FieldKind, off: number, long: boolean): Field {
  switch (kind) {
    case "u8":
    case "i8":
      return { off, width: 1, signed: kind === "i8" };
    case "u16":
    case "i16":
      return { off, width: 2, signed: kind === "i16" };
    case "u32":
    case "i32":
      return { off, width: 4, signed: kind === "i32" };
    case "u64":
    case "i64":
      return { off, width: 8, signed: kind === "i64" };
    default:
      return { off, width: long ? 8 : 4, signed: false };
  }
}

function build<F extends string>(name: string, spec: Record<F, FieldSpec>, size: number, long: boolean): Layout<F> {
  const fields = {} as Record<F, Field>;
  const spans: [number, number, string][] = [];
  for (const key of Object.keys(spec) as F[]) {
    const [kind, off64, off32] = spec[key];
    const f = resolve(kind, long ? off64 : (off32 ?? off64), long);
    // Load-time layout assertions: a broken table is a host bug, caught at import.
    if (f.off % Math.min(f.width, long ? 8 : 4) !== 0) throw new Error(`abi ${name}.${key}: misaligned`);
    if (f.off + f.width > size) throw new Error(`abi ${name}.${key}: beyond size ${size}`);
    spans.push([f.off, f.off + f.width, key]);
    fields[key] = f;
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++)
    if (spans[i][0] < spans[i - 1][1]) throw new Error(`abi ${name}: ${spans[i][2]} overlaps ${spans[i - 1][2]}`);
  return { name, size, fields };
}

export function defineStruct<F extends string>(
  name: string,
  header: string,
  spec: Record<F, FieldSpec>,
  size64: number,
  size32: number = size64,
): StructDef<F> {
  const l64 = build(name, spec, size64, true);
  const l32 = build(`${name}/32`, spec, size32, false);
  return { name, header, l64, l32, of: (long) => (long ? l64 : l32) };
}

/** A copy of one guest struct in host memory, read and written field by field. */
export class GuestStruct<F extends string = string> {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;

  constructor(
    readonly layout: Layout<F>,
    bytes?: Uint8Array,
  ) {
    this.bytes = bytes ?? new Uint8Array(layout.size);
    this.dv = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  /** Copy the struct in from guest-virtual memory (throws GuestMemoryError on a fault). */
  static read<F extends string>(vcpu: XenVcpu, gva: bigint, layout: Layout<F>): GuestStruct<F> {
    return new GuestStruct(layout, vcpu.readVirt(gva, layout.size));
  }

  /** A field as a JS number: exact for everything up to 32 bits and for 64-bit values
   * below 2^53 (sizes, frame numbers). Use big() for handles and u64 values. */
  get(name: F): number {
    const f = this.layout.fields[name];
    const o = f.off;
    switch (f.width) {
      case 1:
        return f.signed ? this.dv.getInt8(o) : this.dv.getUint8(o);
      case 2:
        return f.signed ? this.dv.getInt16(o, true) : this.dv.getUint16(o, true);
      case 4:
        return f.signed ? this.dv.getInt32(o, true) : this.dv.getUint32(o, true);
      default:
        return Number(f.signed ? this.dv.getBigInt64(o, true) : this.dv.getBigUint64(o, true));
    }
  }

  big(name: F): bigint {
    const f = this.layout.fields[name];
    if (f.width === 8) return f.signed ? this.dv.getBigInt64(f.off, true) : this.dv.getBigUint64(f.off, true);
    return BigInt(this.get(name));
  }

  /** Store a value, truncated to the field's width (two's complement for negatives). */
  set(name: F, v: number | bigint): this {
    const f = this.layout.fields[name];
    const o = f.off;
    if (f.width === 8) {
      this.dv.setBigUint64(o, BigInt.asUintN(64, BigInt(v)), true);
      return this;
    }
    const n = typeof v === "bigint" ? Number(BigInt.asIntN(32, v)) : v;
    if (f.width === 1) this.dv.setUint8(o, n & 0xff);
    else if (f.width === 2) this.dv.setUint16(o, n & 0xffff, true);
    else this.dv.setUint32(o, n >>> 0, true);
    return this;
  }

  /** Copy the given fields (all of the struct when none are named) back to the guest. */
  writeBack(vcpu: XenVcpu, gva: bigint, ...names: F[]): void {
    if (names.length === 0) {
      vcpu.writeVirt(gva, this.bytes);
      return;
    }
    for (const name of names) {
      const f = this.layout.fields[name];
      vcpu.writeVirt(gva + BigInt(f.off), this.bytes.subarray(f.off, f.off + f.width));
    }
  }
}

/** A string as a fixed-size char array (xen_extraversion_t and friends): truncated,
 * NUL-padded, always NUL-terminated. */
export function encodeFixedString(s: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const b = new TextEncoder().encode(s);
  out.set(b.subarray(0, size - 1));
  return out;
}
