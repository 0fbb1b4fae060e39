// The system description table header every ACPI table but the RSDP starts
// with, and the checksum rule (ACPI 6.x §5.2.6: all bytes of the table sum to
// zero modulo 256).

/** Bytes in the common header (ACPI 6.x §5.2.6, Table 5.4). */
export const SDT_HEADER_BYTES = 36;
/** Header field offsets. */
export const SDT_SIGNATURE = 0; // char[4]
export const SDT_LENGTH = 4; // u32, whole table including the header
export const SDT_REVISION = 8; // u8
export const SDT_CHECKSUM = 9; // u8
export const SDT_OEMID = 10; // char[6]
export const SDT_OEM_TABLE_ID = 16; // char[8]
export const SDT_OEM_REVISION = 24; // u32
export const SDT_CREATOR_ID = 28; // char[4]
export const SDT_CREATOR_REVISION = 32; // u32

/** Who we say we are in every table: shows up in Linux's "ACPI: XSDT ..." lines. */
export const ACPI_OEM_ID = "XPVH";
export const ACPI_CREATOR_ID = "XPVH";
export const ACPI_OEM_REVISION = 1;
export const ACPI_CREATOR_REVISION = 1;

/** ASCII into a fixed-width field, space padded (OEM fields are not NUL terminated). */
export function putAscii(bytes: Uint8Array, off: number, text: string, width: number): void {
  for (let i = 0; i < width; i++) bytes[off + i] = i < text.length ? text.charCodeAt(i) & 0x7f : 0x20;
}

/** Two's-complement byte that makes bytes[start, end) sum to zero. */
export function checksumByte(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return (0x100 - byteSum(bytes, start, end)) & 0xff;
}

/** Sum of bytes[start, end) modulo 256: 0 for a table with a correct checksum. */
export function byteSum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum = (sum + bytes[i]) & 0xff;
  return sum;
}

/** A zeroed table of `length` bytes with its header filled in, so builders
 * can write fields at the offsets the spec gives (which count from the start
 * of the table). Call sealSdt once the body is written. */
export function newSdt(signature: string, revision: number, length: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  putAscii(bytes, SDT_SIGNATURE, signature, 4);
  view.setUint32(SDT_LENGTH, length, true);
  bytes[SDT_REVISION] = revision;
  putAscii(bytes, SDT_OEMID, ACPI_OEM_ID, 6);
  // OEM table id: our name plus the signature, e.g. "XPVHAPIC".
  putAscii(bytes, SDT_OEM_TABLE_ID, ACPI_OEM_ID + signature, 8);
  view.setUint32(SDT_OEM_REVISION, ACPI_OEM_REVISION, true);
  putAscii(bytes, SDT_CREATOR_ID, ACPI_CREATOR_ID, 4);
  view.setUint32(SDT_CREATOR_REVISION, ACPI_CREATOR_REVISION, true);
  return { bytes, view };
}

/** Sets the header checksum; the table must not change afterwards. */
export function sealSdt(bytes: Uint8Array): Uint8Array {
  bytes[SDT_CHECKSUM] = 0;
  bytes[SDT_CHECKSUM] = checksumByte(bytes);
  return bytes;
}
