// Builds tiny ELF32/ELF64 x86 executables for the loader tests: PT_LOAD
// segments, an optional PT_NOTE with Xen notes, and an optional .symtab.
// Layout: ELF header, program headers, note area, segment bytes, symbol and
// string tables, section headers.

export interface TestSegment {
  paddr: number;
  data: Uint8Array;
  /** Defaults to data.length. */
  memsz?: number;
}

export interface TestNote {
  name: string;
  type: number;
  desc: Uint8Array;
}

export interface TestSymbol {
  name: string;
  value: bigint;
  size: number;
  /** STT_* (default STT_FUNC = 2). */
  type?: number;
  /** st_shndx (default 1: some defined section). */
  shndx?: number;
}

export interface TestElf {
  elfClass: 32 | 64;
  machine?: number;
  type?: number;
  segments: TestSegment[];
  notes?: TestNote[];
  symbols?: TestSymbol[];
  /** Put the notes in a SHT_NOTE section instead of a PT_NOTE segment. */
  notesAsSection?: boolean;
}

export const XEN_ELFNOTE_PHYS32_ENTRY = 18;

/** The Xen PVH entry note with a 4-byte (default) or 8-byte descriptor. */
export function pvhNote(entry: number, descBytes: 4 | 8 = 4): TestNote {
  const desc = new Uint8Array(descBytes);
  const v = new DataView(desc.buffer);
  if (descBytes === 4) v.setUint32(0, entry, true);
  else v.setBigUint64(0, BigInt(entry), true);
  return { name: "Xen", type: XEN_ELFNOTE_PHYS32_ENTRY, desc };
}

const pad4 = (n: number) => (n + 3) & ~3;

function encodeNotes(notes: TestNote[]): Uint8Array {
  const parts: number[] = [];
  for (const n of notes) {
    const name = [...n.name].map((c) => c.charCodeAt(0)).concat([0]);
    const hdr = new DataView(new ArrayBuffer(12));
    hdr.setUint32(0, name.length, true);
    hdr.setUint32(4, n.desc.length, true);
    hdr.setUint32(8, n.type, true);
    parts.push(...new Uint8Array(hdr.buffer));
    parts.push(...name, ...new Array(pad4(name.length) - name.length).fill(0));
    parts.push(...n.desc, ...new Array(pad4(n.desc.length) - n.desc.length).fill(0));
  }
  return Uint8Array.from(parts);
}

export function buildElf(spec: TestElf): Uint8Array {
  const is64 = spec.elfClass === 64;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const symsize = is64 ? 24 : 16;
  const notes = spec.notes && spec.notes.length ? encodeNotes(spec.notes) : undefined;
  const noteSeg = notes && !spec.notesAsSection;
  const phnum = spec.segments.length + (noteSeg ? 1 : 0);

  let off = ehsize + phnum * phentsize;
  const noteOff = off;
  if (notes) off += notes.length;
  const segOffs = spec.segments.map((s) => {
    const o = off;
    off += s.data.length;
    return o;
  });

  // String table and symbol table (first symbol is the null symbol).
  const syms = spec.symbols ?? [];
  const strBytes: number[] = [0];
  const nameOffs = syms.map((s) => {
    const o = strBytes.length;
    strBytes.push(...[...s.name].map((c) => c.charCodeAt(0)), 0);
    return o;
  });
  off = (off + 7) & ~7;
  const symOff = off;
  const symLen = syms.length ? (syms.length + 1) * symsize : 0;
  off += symLen;
  const strOff = off;
  const strLen = syms.length ? strBytes.length : 0;
  off += strLen;
  off = (off + 7) & ~7;

  // Sections: null, [symtab, strtab], [note].
  const sections: { type: number; offset: number; size: number; link: number; entsize: number }[] = [
    { type: 0, offset: 0, size: 0, link: 0, entsize: 0 },
  ];
  if (syms.length) {
    sections.push({ type: 2, offset: symOff, size: symLen, link: 2, entsize: symsize });
    sections.push({ type: 3, offset: strOff, size: strLen, link: 0, entsize: 0 });
  }
  if (notes && spec.notesAsSection) sections.push({ type: 7, offset: noteOff, size: notes.length, link: 0, entsize: 0 });
  const withSections = sections.length > 1;
  const shoff = withSections ? off : 0;
  if (withSections) off += sections.length * shentsize;

  const out = new Uint8Array(off);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, 1, 1], 0);
  v.setUint16(16, spec.type ?? 2, true); // ET_EXEC
  v.setUint16(18, spec.machine ?? (is64 ? 62 : 3), true);
  v.setUint32(20, 1, true); // e_version
  const word = (o: number, val: number | bigint) =>
    is64 ? v.setBigUint64(o, BigInt(val), true) : v.setUint32(o, Number(val), true);
  word(24, 0xffffffff); // e_entry (virtual, ignored by PVH)
  word(is64 ? 32 : 28, ehsize); // e_phoff
  word(is64 ? 40 : 32, shoff); // e_shoff
  v.setUint16(is64 ? 52 : 40, ehsize, true);
  v.setUint16(is64 ? 54 : 42, phentsize, true);
  v.setUint16(is64 ? 56 : 44, phnum, true);
  v.setUint16(is64 ? 58 : 46, withSections ? shentsize : 0, true);
  v.setUint16(is64 ? 60 : 48, withSections ? sections.length : 0, true);

  let ph = ehsize;
  const phdr = (type: number, offset: number, paddr: number, filesz: number, memsz: number, align: number) => {
    v.setUint32(ph, type, true);
    if (is64) {
      v.setUint32(ph + 4, 5, true); // p_flags R+X
      word(ph + 8, offset);
      word(ph + 16, paddr); // p_vaddr
      word(ph + 24, paddr);
      word(ph + 32, filesz);
      word(ph + 40, memsz);
      word(ph + 48, align);
    } else {
      word(ph + 4, offset);
      word(ph + 8, paddr);
      word(ph + 12, paddr);
      word(ph + 16, filesz);
      word(ph + 20, memsz);
      v.setUint32(ph + 24, 5, true);
      word(ph + 28, align);
    }
    ph += phentsize;
  };
  spec.segments.forEach((s, i) => {
    phdr(1, segOffs[i], s.paddr, s.data.length, s.memsz ?? s.data.length, 0x1000);
    out.set(s.data, segOffs[i]);
  });
  if (notes) {
    out.set(notes, noteOff);
    if (noteSeg) phdr(4, noteOff, 0, notes.length, 0, 4);
  }

  syms.forEach((s, i) => {
    const o = symOff + (i + 1) * symsize;
    const info = s.type ?? 2;
    const shndx = s.shndx ?? 1;
    v.setUint32(o, nameOffs[i], true);
    if (is64) {
      out[o + 4] = info;
      v.setUint16(o + 6, shndx, true);
      v.setBigUint64(o + 8, s.value, true);
      v.setBigUint64(o + 16, BigInt(s.size), true);
    } else {
      v.setUint32(o + 4, Number(s.value), true);
      v.setUint32(o + 8, s.size, true);
      out[o + 12] = info;
      v.setUint16(o + 14, shndx, true);
    }
  });
  if (strLen) out.set(strBytes, strOff);

  if (withSections) sections.forEach((s, i) => {
    const o = shoff + i * shentsize;
    v.setUint32(o + 4, s.type, true);
    if (is64) {
      v.setBigUint64(o + 24, BigInt(s.offset), true);
      v.setBigUint64(o + 32, BigInt(s.size), true);
      v.setUint32(o + 40, s.link, true);
      v.setBigUint64(o + 56, BigInt(s.entsize), true);
    } else {
      v.setUint32(o + 16, s.offset, true);
      v.setUint32(o + 20, s.size, true);
      v.setUint32(o + 24, s.link, true);
      v.setUint32(o + 36, s.entsize, true);
    }
  });
  return out;
}
