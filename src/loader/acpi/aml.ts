// A small AML encoder: the handful of ACPI Machine Language terms our DSDT
// needs, written from ACPI 6.x §20.2 (AML grammar). Every builder returns the
// encoded bytes of one term; compound terms take their children's bytes, so a
// table reads like the ASL it stands for:
//
//   scope("\\_SB", device("PCI0", name("_HID", eisaId("PNP0A08"))))
//
// Names are checked (a bad name is a bug in our tables, so it throws Error,
// not ConfigError).

export type Aml = Uint8Array;

// Opcodes (§20.3).
const ZERO_OP = 0x00;
const ONE_OP = 0x01;
const NAME_OP = 0x08;
const BYTE_PREFIX = 0x0a;
const WORD_PREFIX = 0x0b;
const DWORD_PREFIX = 0x0c;
const STRING_PREFIX = 0x0d;
const QWORD_PREFIX = 0x0e;
const SCOPE_OP = 0x10;
const BUFFER_OP = 0x11;
const METHOD_OP = 0x14;
const DUAL_NAME_PREFIX = 0x2e;
const MULTI_NAME_PREFIX = 0x2f;
const EXT_OP_PREFIX = 0x5b;
const DEVICE_OP = 0x82; // after EXT_OP_PREFIX
const ROOT_CHAR = 0x5c; // '\'
const PARENT_PREFIX_CHAR = 0x5e; // '^'
const LOCAL0_OP = 0x60;
const ARG0_OP = 0x68;
const STORE_OP = 0x70;
const AND_OP = 0x7b;
const OR_OP = 0x7d;
const CREATE_DWORD_FIELD_OP = 0x8a;
const LNOT_OP = 0x92;
const LEQUAL_OP = 0x93;
const IF_OP = 0xa0;
const ELSE_OP = 0xa1;
const RETURN_OP = 0xa4;
const NULL_NAME = 0x00;

/** Concatenates encoded terms (a TermList). */
export function cat(...parts: readonly (Aml | readonly number[])[]): Aml {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** PkgLength (§20.2.4) for `contentLen` bytes that follow it; the encoded
 * length counts its own bytes. One byte holds up to 63, else a lead byte with
 * the byte count in bits 7:6 and the low nibble, then up to 3 more bytes. */
export function pkgLength(contentLen: number): number[] {
  if (contentLen + 1 <= 0x3f) return [contentLen + 1];
  for (let n = 2; n <= 4; n++) {
    const total = contentLen + n;
    if (total < 2 ** (4 + 8 * (n - 1))) {
      const out = [((n - 1) << 6) | (total & 0xf)];
      let rest = Math.floor(total / 16);
      for (let i = 1; i < n; i++) {
        out.push(rest & 0xff);
        rest = Math.floor(rest / 256);
      }
      return out;
    }
  }
  throw new Error(`AML package of ${contentLen} bytes is too large`);
}

/** A term that wraps its body in a PkgLength: op, PkgLength, body. */
function pkg(op: readonly number[], ...body: Aml[]): Aml {
  const content = cat(...body);
  return cat(op, pkgLength(content.length), content);
}

/** NameSeg: 1-4 characters [A-Z0-9_], not starting with a digit, '_'-padded. */
function nameSeg(seg: string): number[] {
  if (!/^[A-Z_][A-Z0-9_]{0,3}$/.test(seg)) throw new Error(`bad AML name segment "${seg}"`);
  const s = seg.padEnd(4, "_");
  return [...s].map((c) => c.charCodeAt(0));
}

/** NameString (§20.2.2): optional '\' or '^'s, then dotted NameSegs. */
export function nameString(path: string): Aml {
  const prefix: number[] = [];
  let rest = path;
  if (rest.startsWith("\\")) {
    prefix.push(ROOT_CHAR);
    rest = rest.slice(1);
  } else
    while (rest.startsWith("^")) {
      prefix.push(PARENT_PREFIX_CHAR);
      rest = rest.slice(1);
    }
  if (rest === "") return cat(prefix, [NULL_NAME]);
  const segs = rest.split(".").map(nameSeg);
  if (segs.length === 1) return cat(prefix, segs[0]);
  if (segs.length === 2) return cat(prefix, [DUAL_NAME_PREFIX], segs[0], segs[1]);
  if (segs.length > 255) throw new Error(`AML name "${path}" has too many segments`);
  return cat(prefix, [MULTI_NAME_PREFIX, segs.length], ...segs);
}

/** Integer constant in its shortest encoding (§20.2.3 ComputationalData). */
export function integer(value: number | bigint): Aml {
  const v = BigInt(value);
  if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new Error(`AML integer ${value} out of range`);
  if (v === 0n) return Uint8Array.of(ZERO_OP);
  if (v === 1n) return Uint8Array.of(ONE_OP);
  const le = (n: number) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
    return out;
  };
  if (v <= 0xffn) return Uint8Array.of(BYTE_PREFIX, ...le(1));
  if (v <= 0xffffn) return Uint8Array.of(WORD_PREFIX, ...le(2));
  if (v <= 0xffff_ffffn) return Uint8Array.of(DWORD_PREFIX, ...le(4));
  return Uint8Array.of(QWORD_PREFIX, ...le(8));
}

/** Package of up to 255 elements (§20.2.5.4 DefPackage: PackageOp PkgLength NumElements). */
export function package_(...elements: Aml[]): Aml {
  if (elements.length > 255) throw new Error("AML package with more than 255 elements");
  const body = cat([elements.length], ...elements);
  return cat([0x12], pkgLength(body.length), body);
}

/** String constant: ASCII 0x01-0x7F, NUL terminated. */
export function string(text: string): Aml {
  const codes = [...text].map((c) => c.charCodeAt(0));
  if (codes.some((c) => c < 1 || c > 0x7f)) throw new Error(`AML string "${text}" is not ASCII`);
  return Uint8Array.of(STRING_PREFIX, ...codes, 0);
}

/** EISAID("PNP0A08"): three letters packed 5 bits each, then four hex digits,
 * stored as a byte-swapped 32-bit integer (ASL spec, EISAID macro). */
export function eisaId(id: string): Aml {
  if (!/^[A-Z]{3}[0-9A-F]{4}$/.test(id)) throw new Error(`bad EISA id "${id}"`);
  const letters =
    ((id.charCodeAt(0) - 0x40) << 10) | ((id.charCodeAt(1) - 0x40) << 5) | (id.charCodeAt(2) - 0x40);
  const product = parseInt(id.slice(3), 16);
  const be = ((letters << 16) | product) >>> 0;
  const swapped = ((be & 0xff) << 24) | ((be & 0xff00) << 8) | ((be >>> 8) & 0xff00) | (be >>> 24);
  return integer(swapped >>> 0);
}

/** Buffer (§20.2.5.4 DefBuffer): PkgLength, BufferSize, then the bytes. */
export function buffer(bytes: Uint8Array): Aml {
  return pkg([BUFFER_OP], integer(bytes.length), bytes);
}

/** ToUUID("...") as the 16-byte buffer ACPI compares against: the first three
 * fields little-endian, the last two in string order. */
export function uuid(text: string): Aml {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(text);
  if (!m) throw new Error(`bad UUID "${text}"`);
  const hexBytes = (h: string) => h.match(/../g)!.map((b) => parseInt(b, 16));
  return buffer(
    Uint8Array.of(
      ...hexBytes(m[1]).reverse(),
      ...hexBytes(m[2]).reverse(),
      ...hexBytes(m[3]).reverse(),
      ...hexBytes(m[4]),
      ...hexBytes(m[5]),
    ),
  );
}

/** Scope (path) { terms } */
export function scope(path: string, ...terms: Aml[]): Aml {
  return pkg([SCOPE_OP], nameString(path), ...terms);
}

/** Device (path) { terms } */
export function device(path: string, ...terms: Aml[]): Aml {
  return pkg([EXT_OP_PREFIX, DEVICE_OP], nameString(path), ...terms);
}

/** Name (path, data) */
export function name(path: string, data: Aml): Aml {
  return cat([NAME_OP], nameString(path), data);
}

/** Method (path, argCount, NotSerialized) { terms } */
export function method(path: string, argCount: number, ...terms: Aml[]): Aml {
  if (argCount < 0 || argCount > 7) throw new Error(`AML method ${path} with ${argCount} arguments`);
  return pkg([METHOD_OP], nameString(path), Uint8Array.of(argCount), ...terms);
}

/** ArgN and LocalN objects. */
export function arg(n: number): Aml {
  if (n < 0 || n > 6) throw new Error(`no Arg${n}`);
  return Uint8Array.of(ARG0_OP + n);
}
export function local(n: number): Aml {
  if (n < 0 || n > 7) throw new Error(`no Local${n}`);
  return Uint8Array.of(LOCAL0_OP + n);
}

/** A reference to a named object, for use as an operand. */
export function ref(path: string): Aml {
  return nameString(path);
}

/** CreateDWordField (source, byteIndex, path) */
export function createDWordField(source: Aml, byteIndex: Aml, path: string): Aml {
  return cat([CREATE_DWORD_FIELD_OP], source, byteIndex, nameString(path));
}

/** If (predicate) { terms } */
export function if_(predicate: Aml, ...terms: Aml[]): Aml {
  return pkg([IF_OP], predicate, ...terms);
}

/** Else { terms }; must directly follow an If. */
export function else_(...terms: Aml[]): Aml {
  return pkg([ELSE_OP], ...terms);
}

/** LEqual (a, b) */
export function lEqual(a: Aml, b: Aml): Aml {
  return cat([LEQUAL_OP], a, b);
}

/** LNot (a) */
export function lNot(a: Aml): Aml {
  return cat([LNOT_OP], a);
}

/** LNotEqual (a, b), which AML spells LNot (LEqual (a, b)). */
export function lNotEqual(a: Aml, b: Aml): Aml {
  return lNot(lEqual(a, b));
}

/** And (a, b, target) */
export function and(a: Aml, b: Aml, target: Aml = Uint8Array.of(NULL_NAME)): Aml {
  return cat([AND_OP], a, b, target);
}

/** Or (a, b, target) */
export function or(a: Aml, b: Aml, target: Aml = Uint8Array.of(NULL_NAME)): Aml {
  return cat([OR_OP], a, b, target);
}

/** Store (source, destination) */
export function store(source: Aml, destination: Aml): Aml {
  return cat([STORE_OP], source, destination);
}

/** Return (value) */
export function return_(value: Aml): Aml {
  return cat([RETURN_OP], value);
}
