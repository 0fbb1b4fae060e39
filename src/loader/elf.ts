// ELF reader for PVH guest images: the PT_LOAD segments to copy, the Xen
// PHYS32_ENTRY note that makes an image a PVH kernel, and the symbol table for
// crash dumps. ELF32 and ELF64, little-endian, x86 only (System V gABI,
// "ELF-64 Object File Format"; Xen's public/elfnote.h for the note).
//
// The image comes from the user, so every offset and count is checked against
// the file before it is used; anything malformed is a one-line ConfigError
// naming the file, never a RangeError from a DataView.

import { ConfigError } from "../machine/config.js";

const EM_386 = 3;
const EM_X86_64 = 62;
const ET_EXEC = 2;
const ET_DYN = 3;
const PT_LOAD = 1;
const PT_NOTE = 4;
const SHT_SYMTAB = 2;
const SHT_NOTE = 7;
const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;
const STT_OBJECT = 1;
const STT_FUNC = 2;
const STT_NOTYPE = 0;

/** public/elfnote.h: the 32-bit protected-mode physical entry point of a PVH kernel. */
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;

export interface ElfSegment {
  /** p_paddr: where the PVH loader puts it (p_vaddr is virtual in Linux). */
  paddr: number;
  filesz: number;
  memsz: number;
  /** The file bytes of the segment (a view into the image, filesz long). */
  data: Uint8Array;
}

export interface ElfSymbol {
  name: string;
  /** st_value: a full 64-bit address (Linux symbols sit at 0xffffffff8...). */
  value: bigint;
  size: number;
  isFunc: boolean;
}

export interface ElfImage {
  name: string;
  elfClass: 32 | 64;
  machine: number;
  /** e_entry, informational only: PVH boots at physEntryGpa. */
  entry: bigint;
  /** The XEN_ELFNOTE_PHYS32_ENTRY descriptor. */
  physEntryGpa: number;
  segments: ElfSegment[];
  /** Sorted by value; empty when the image is stripped. */
  symbols: ElfSymbol[];
}

/** One-line error about the image the user gave. */
function bad(name: string, what: string): ConfigError {
  return new ConfigError(`xpvh: ${name} ${what}`);
}

const hex = (v: number | bigint) => "0x" + v.toString(16);

/** Bounds-checked little-endian reads over the file; a read past the end is a
 * "truncated" ConfigError. 64-bit fields come back as numbers when they must
 * be addresses or sizes (exact below 2^53), or as bigint for symbol values. */
class Reader {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly name: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private check(off: number, len: number, what: string): void {
    if (!(off >= 0 && off + len <= this.bytes.length))
      throw bad(this.name, `is truncated (${what} at ${hex(off)} is past the end of the ${this.bytes.length}-byte file)`);
  }
  u8(off: number, what: string): number {
    this.check(off, 1, what);
    return this.view.getUint8(off);
  }
  u16(off: number, what: string): number {
    this.check(off, 2, what);
    return this.view.getUint16(off, true);
  }
  u32(off: number, what: string): number {
    this.check(off, 4, what);
    return this.view.getUint32(off, true);
  }
  u64big(off: number, what: string): bigint {
    this.check(off, 8, what);
    return this.view.getBigUint64(off, true);
  }
  /** u64 that must fit in a JS number exactly (offsets, sizes, physical addresses). */
  u64(off: number, what: string): number {
    const v = this.u64big(off, what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(this.name, `has an impossible ${what} (${hex(v)})`);
    return Number(v);
  }
  /** ELF "word-sized" field: u32 in ELF32, u64 in ELF64. */
  addr(is64: boolean, off: number, what: string): number {
    return is64 ? this.u64(off, what) : this.u32(off, what);
  }
  /** A [off, off+len) range of the file, or a ConfigError saying what lies outside. */
  slice(off: number, len: number, what: string): Uint8Array {
    if (!(off >= 0 && len >= 0 && off + len <= this.bytes.length))
      throw bad(this.name, `has ${what} at file offset ${hex(off)} (${len} bytes) outside the ${this.bytes.length}-byte file`);
    return this.bytes.subarray(off, off + len);
  }
}

interface SectionHeader {
  type: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

/** Parses a PVH guest image. Throws ConfigError on anything it cannot boot. */
export function parseElf(bytes: Uint8Array, name: string): ElfImage {
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46)
    throw bad(name, "is not an ELF image");
  const r = new Reader(bytes, name);
  const ei_class = r.u8(4, "e_ident");
  const ei_data = r.u8(5, "e_ident");
  if (ei_class !== 1 && ei_class !== 2) throw bad(name, `has an unknown ELF class ${ei_class}`);
  if (ei_data !== 1) throw bad(name, "is a big-endian ELF image (x86 images are little-endian)");
  const is64 = ei_class === 2;
  if (bytes.length < (is64 ? 64 : 52)) throw bad(name, "is truncated (ELF header incomplete)");

  const e_type = r.u16(16, "e_type");
  const e_machine = r.u16(18, "e_machine");
  if (e_type !== ET_EXEC && e_type !== ET_DYN) throw bad(name, `is not an executable (ELF type ${e_type})`);
  if (is64 && e_machine !== EM_X86_64)
    throw bad(name, `is a 64-bit ELF image for machine ${e_machine}, not x86-64 (${EM_X86_64})`);
  if (!is64 && e_machine !== EM_386) throw bad(name, `is a 32-bit ELF image for machine ${e_machine}, not i386 (${EM_386})`);

  const entry = is64 ? r.u64big(24, "e_entry") : BigInt(r.u32(24, "e_entry"));
  const e_phoff = r.addr(is64, is64 ? 32 : 28, "e_phoff");
  const e_shoff = r.addr(is64, is64 ? 40 : 32, "e_shoff");
  const e_phentsize = r.u16(is64 ? 54 : 42, "e_phentsize");
  const e_phnum = r.u16(is64 ? 56 : 44, "e_phnum");
  const e_shentsize = r.u16(is64 ? 58 : 46, "e_shentsize");
  const e_shnum = r.u16(is64 ? 60 : 48, "e_shnum");

  // Program headers.
  const phdrSize = is64 ? 56 : 32;
  if (e_phnum === 0) throw bad(name, "has no program headers");
  if (e_phentsize < phdrSize) throw bad(name, `has program headers of ${e_phentsize} bytes (need ${phdrSize})`);
  r.slice(e_phoff, e_phnum * e_phentsize, "the program header table");

  const segments: ElfSegment[] = [];
  const noteBlobs: { data: Uint8Array; align: number }[] = [];
  for (let i = 0; i < e_phnum; i++) {
    const ph = e_phoff + i * e_phentsize;
    const p_type = r.u32(ph, "p_type");
    if (p_type !== PT_LOAD && p_type !== PT_NOTE) continue;
    const p_offset = r.addr(is64, ph + (is64 ? 8 : 4), "p_offset");
    const p_paddr = r.addr(is64, ph + (is64 ? 24 : 12), "p_paddr");
    const p_filesz = r.addr(is64, ph + (is64 ? 32 : 16), "p_filesz");
    const p_memsz = r.addr(is64, ph + (is64 ? 40 : 20), "p_memsz");
    const p_align = r.addr(is64, ph + (is64 ? 48 : 28), "p_align");
    const data = r.slice(p_offset, p_filesz, `program header ${i}`);
    if (p_type === PT_NOTE) {
      noteBlobs.push({ data, align: p_align === 8 ? 8 : 4 });
      continue;
    }
    if (p_filesz > p_memsz)
      throw bad(name, `segment ${i} has p_filesz ${hex(p_filesz)} larger than p_memsz ${hex(p_memsz)}`);
    if (p_paddr + p_memsz > 2 ** 52) throw bad(name, `segment ${i} at ${hex(p_paddr)} lies beyond any physical address`);
    if (p_memsz > 0) segments.push({ paddr: p_paddr, filesz: p_filesz, memsz: p_memsz, data });
  }
  if (segments.length === 0) throw bad(name, "has no PT_LOAD segments");

  // Section headers: only the note sections (fallback) and the symbol table.
  const sections = readSectionHeaders(r, is64, e_shoff, e_shnum, e_shentsize);
  if (noteBlobs.length === 0)
    for (const s of sections)
      if (s.type === SHT_NOTE) noteBlobs.push({ data: r.slice(s.offset, s.size, "a note section"), align: 4 });

  let physEntryGpa: number | undefined;
  for (const blob of noteBlobs) {
    const found = findPhys32Entry(blob.data, blob.align, name);
    if (found !== undefined) {
      physEntryGpa = found;
      break;
    }
  }
  if (physEntryGpa === undefined) throw bad(name, "has no XEN_ELFNOTE_PHYS32_ENTRY note (not a PVH kernel)");

  return {
    name,
    elfClass: is64 ? 64 : 32,
    machine: e_machine,
    entry,
    physEntryGpa,
    segments,
    symbols: readSymbols(r, is64, sections),
  };
}

function readSectionHeaders(r: Reader, is64: boolean, shoff: number, shnum: number, shentsize: number): SectionHeader[] {
  if (shoff === 0 || shnum === 0) return [];
  const shdrSize = is64 ? 64 : 40;
  const name = r.name;
  if (shentsize < shdrSize) throw bad(name, `has section headers of ${shentsize} bytes (need ${shdrSize})`);
  r.slice(shoff, shnum * shentsize, "the section header table");
  const out: SectionHeader[] = [];
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * shentsize;
    out.push({
      type: r.u32(sh + 4, "sh_type"),
      offset: r.addr(is64, sh + (is64 ? 24 : 16), "sh_offset"),
      size: r.addr(is64, sh + (is64 ? 32 : 20), "sh_size"),
      link: r.u32(sh + (is64 ? 40 : 24), "sh_link"),
      entsize: r.addr(is64, sh + (is64 ? 56 : 36), "sh_entsize"),
    });
  }
  return out;
}

/** Walks one note area (namesz, descsz, type, name, desc; name and desc padded
 * to `align`) for Xen's PHYS32_ENTRY. A note that runs off the end stops the
 * walk: other notes are not ours to judge, but a bad Xen entry note is. */
function findPhys32Entry(notes: Uint8Array, align: number, name: string): number | undefined {
  const view = new DataView(notes.buffer, notes.byteOffset, notes.byteLength);
  const pad = (n: number) => Math.ceil(n / align) * align;
  let off = 0;
  while (off + 12 <= notes.length) {
    const namesz = view.getUint32(off, true);
    const descsz = view.getUint32(off + 4, true);
    const type = view.getUint32(off + 8, true);
    const nameOff = off + 12;
    const descOff = nameOff + pad(namesz);
    const next = descOff + pad(descsz);
    if (descOff + descsz > notes.length) return undefined;
    let noteName = "";
    for (let i = 0; i < namesz && notes[nameOff + i] !== 0; i++) noteName += String.fromCharCode(notes[nameOff + i]);
    if (noteName === "Xen" && type === XEN_ELFNOTE_PHYS32_ENTRY) {
      let entry: number;
      if (descsz === 4) entry = view.getUint32(descOff, true);
      else if (descsz === 8) {
        const v = view.getBigUint64(descOff, true);
        if (v >= 0x1_0000_0000n) throw bad(name, `has a XEN_ELFNOTE_PHYS32_ENTRY of ${hex(v)}, above 4 GiB`);
        entry = Number(v);
      } else throw bad(name, `has a XEN_ELFNOTE_PHYS32_ENTRY note with a ${descsz}-byte descriptor (need 4 or 8)`);
      return entry;
    }
    off = next;
  }
  return undefined;
}

/** .symtab (SHT_SYMTAB) with its linked string table, sorted by value. Only
 * named code/data/label symbols: sections, files and absolute symbols would
 * only clutter a backtrace. */
function readSymbols(r: Reader, is64: boolean, sections: SectionHeader[]): ElfSymbol[] {
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (!symtab) return [];
  const name = r.name;
  const symSize = is64 ? 24 : 16;
  if (symtab.entsize !== 0 && symtab.entsize < symSize)
    throw bad(name, `has a symbol table with ${symtab.entsize}-byte entries (need ${symSize})`);
  const strtab = sections[symtab.link];
  if (!strtab) throw bad(name, `has a symbol table linked to missing section ${symtab.link}`);
  const strs = r.slice(strtab.offset, strtab.size, "the symbol string table");
  const syms = r.slice(symtab.offset, symtab.size, "the symbol table");
  const stride = symtab.entsize || symSize;
  const view = new DataView(syms.buffer, syms.byteOffset, syms.byteLength);
  const decoder = new TextDecoder();
  const out: ElfSymbol[] = [];
  for (let off = 0; off + symSize <= syms.length; off += stride) {
    const st_name = view.getUint32(off, true);
    const st_info = view.getUint8(off + (is64 ? 4 : 12));
    const st_shndx = view.getUint16(off + (is64 ? 6 : 14), true);
    const type = st_info & 0xf;
    if (st_name === 0 || st_shndx === SHN_UNDEF || st_shndx >= SHN_LORESERVE) continue;
    if (type !== STT_FUNC && type !== STT_OBJECT && type !== STT_NOTYPE) continue;
    if (st_name >= strs.length) continue;
    let end = st_name;
    while (end < strs.length && strs[end] !== 0) end++;
    const symName = decoder.decode(strs.subarray(st_name, end));
    if (symName === "") continue;
    const value = is64 ? view.getBigUint64(off + 8, true) : BigInt(view.getUint32(off + 4, true));
    const size = is64 ? Number(view.getBigUint64(off + 16, true)) : view.getUint32(off + 8, true);
    out.push({ name: symName, value, size, isFunc: type === STT_FUNC });
  }
  out.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return out;
}

/** Names an address for a crash dump, Linux style: `name+0xoff/0xsize`, or
 * `name+0xoff` for an unsized label. Returns null when no symbol covers it. */
export function symbolize(symbols: readonly ElfSymbol[], addr: bigint | number): string | null {
  if (typeof addr === "number" && !Number.isSafeInteger(addr)) return null;
  const a = BigInt.asUintN(64, BigInt(addr));
  // Last symbol with value <= a.
  let lo = 0;
  let hi = symbols.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (symbols[mid].value <= a) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0) return null;
  // Among symbols at that same address prefer a sized one, then a function.
  const at = symbols[lo - 1].value;
  let best = symbols[lo - 1];
  for (let i = lo - 1; i >= 0 && symbols[i].value === at; i--) {
    const s = symbols[i];
    if ((s.size > 0 && best.size === 0) || (s.size > 0 === best.size > 0 && s.isFunc && !best.isFunc)) best = s;
  }
  const off = a - best.value;
  if (best.size > 0) {
    if (off >= BigInt(best.size)) return null;
    return `${best.name}+0x${off.toString(16)}/0x${best.size.toString(16)}`;
  }
  return `${best.name}+0x${off.toString(16)}`;
}
