// Resource data descriptors for _CRS buffers (ACPI 6.x §6.4): the Word, DWord
// and QWord Address Space Descriptors (§6.4.3.5.1-3) and the End Tag, which is
// all a PCI host bridge and its ECAM reservation need.

import { buffer, type Aml } from "./aml.js";

const WORD_ADDRESS_SPACE = 0x88;
const DWORD_ADDRESS_SPACE = 0x87;
const QWORD_ADDRESS_SPACE = 0x8a;
const END_TAG = 0x79;

/** Resource Type byte. */
export const RESOURCE_TYPE_MEMORY = 0;
export const RESOURCE_TYPE_BUS_NUMBER = 2;

/** General Flags: bit 0 consumer (1) / producer (0), bit 1 _DEC subtractive,
 * bit 2 _MIF min fixed, bit 3 _MAF max fixed. We only emit fixed, positively
 * decoded ranges. */
const GENERAL_CONSUMER = 1 << 0;
const GENERAL_MIN_FIXED = 1 << 2;
const GENERAL_MAX_FIXED = 1 << 3;

/** Memory Type Specific Flags: bit 0 _RW, bits 2:1 _MEM (0 non-cacheable,
 * 1 cacheable). */
const MEM_READ_WRITE = 1 << 0;
const MEM_CACHEABLE = 1 << 1;

export interface AddressRange {
  min: number;
  /** Length in the range's units (bytes or buses); max = min + length - 1. */
  length: number;
  /** ResourceConsumer (a device using it) vs ResourceProducer (a bridge decoding it). */
  consumer?: boolean;
  cacheable?: boolean;
}

function generalFlags(r: AddressRange): number {
  return (r.consumer ? GENERAL_CONSUMER : 0) | GENERAL_MIN_FIXED | GENERAL_MAX_FIXED;
}

/** One address space descriptor with `width`-byte fields: granularity, min,
 * max, translation offset, length, all little-endian. */
function addressSpace(tag: number, width: 2 | 4 | 8, type: number, typeFlags: number, r: AddressRange): Uint8Array {
  const max = r.min + r.length - 1;
  if (r.length <= 0 || max >= 2 ** (8 * Math.min(width, 7)) || r.min < 0)
    throw new Error(`resource range 0x${r.min.toString(16)}+0x${r.length.toString(16)} does not fit ${width}-byte fields`);
  const bodyLen = 3 + 5 * width;
  const d = new Uint8Array(3 + bodyLen);
  const view = new DataView(d.buffer);
  d[0] = tag;
  view.setUint16(1, bodyLen, true); // Length of the descriptor after these 3 bytes
  d[3] = type;
  d[4] = generalFlags(r);
  d[5] = typeFlags;
  const put = (i: number, v: number) => {
    const o = 6 + i * width;
    if (width === 2) view.setUint16(o, v, true);
    else if (width === 4) view.setUint32(o, v, true);
    else view.setBigUint64(o, BigInt(v), true);
  };
  put(0, 0); // _GRA: byte granularity
  put(1, r.min); // _MIN
  put(2, max); // _MAX
  put(3, 0); // _TRA: no translation
  put(4, r.length); // _LEN
  return d;
}

function memoryFlags(r: AddressRange): number {
  return MEM_READ_WRITE | (r.cacheable ? MEM_CACHEABLE : 0);
}

/** WordBusNumber (..., MinFixed, MaxFixed, PosDecode, 0, min, max, 0, length) */
export function wordBusNumber(r: AddressRange): Uint8Array {
  return addressSpace(WORD_ADDRESS_SPACE, 2, RESOURCE_TYPE_BUS_NUMBER, 0, r);
}

/** DWordMemory (..., PosDecode, MinFixed, MaxFixed, [Non]Cacheable, ReadWrite, ...) */
export function dwordMemory(r: AddressRange): Uint8Array {
  return addressSpace(DWORD_ADDRESS_SPACE, 4, RESOURCE_TYPE_MEMORY, memoryFlags(r), r);
}

/** QWordMemory (..., PosDecode, MinFixed, MaxFixed, [Non]Cacheable, ReadWrite, ...) */
export function qwordMemory(r: AddressRange): Uint8Array {
  return addressSpace(QWORD_ADDRESS_SPACE, 8, RESOURCE_TYPE_MEMORY, memoryFlags(r), r);
}

/** ResourceTemplate () { descriptors }: the descriptors plus an End Tag, as an
 * AML Buffer. A zero End Tag checksum means "treat as valid" (§6.4.2.9). */
export function resourceTemplate(...descriptors: Uint8Array[]): Aml {
  let len = 2;
  for (const d of descriptors) len += d.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const d of descriptors) {
    out.set(d, o);
    o += d.length;
  }
  out[o] = END_TAG;
  out[o + 1] = 0;
  return buffer(out);
}
