// PVH loader: ELF parsing (incl. hostile input), the memmap, hvm_start_info,
// modules and their command lines, and QEMU's -initrd syntax.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { FlatPageSource, GuestMemory } from "../../src/core/guest_memory.js";
import { ConfigError, defaultLayout, MiB, GiB, type XenPvhLayout } from "../../src/machine/config.js";
import { parseElf, symbolize } from "../../src/loader/elf.js";
import { buildMemmap, E820_ACPI, E820_RAM, E820_RESERVED } from "../../src/loader/memmap.js";
import { loadPvh, parseInitrdOption } from "../../src/loader/pvh.js";
import {
  ACPI_TABLES_GPA,
  CMDLINE_GPA,
  CONSOLE_RING_GFN,
  LAPIC_GPA,
  MEMMAP_GPA,
  MODLIST_GPA,
  START_INFO_GPA,
  XENSTORE_RING_GFN,
  placeModules,
} from "../../src/loader/placement.js";
import { buildElf, pvhNote, type TestElf } from "./elf_builder.js";

const KERNEL_GPA = 0x100_0000; // where Linux's vmlinux loads (16 MiB)
const code = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

function pvhKernel(elfClass: 32 | 64, extra: Partial<TestElf> = {}): Uint8Array {
  return buildElf({
    elfClass,
    segments: [
      { paddr: KERNEL_GPA, data: code(0x1800) },
      { paddr: KERNEL_GPA + 0x2000, data: code(0x100, 9), memsz: 0x3000 },
    ],
    notes: [{ name: "GNU", type: 3, desc: code(20) }, pvhNote(KERNEL_GPA + 0x40)],
    ...extra,
  });
}

/** A small machine: 64 MiB of low RAM, PCI as in the default layout. */
function smallLayout(): XenPvhLayout {
  return { ...defaultLayout(64 * MiB) };
}

function machine(layout = smallLayout()) {
  const mem = new GuestMemory(new FlatPageSource(new Uint8Array(layout.ramLowSize)));
  return { mem, layout };
}

/** Asserts fn throws a one-line ConfigError whose message contains `part`. */
function throwsConfig(fn: () => unknown, part: string | RegExp): string {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ConfigError, `expected ConfigError, got ${e}`);
    const msg = (e as Error).message;
    assert.not.match(msg, /\n/, "error message is one line");
    if (typeof part === "string") assert.ok(msg.includes(part), `"${msg}" should mention "${part}"`);
    else assert.match(msg, part);
    return msg;
  }
  assert.unreachable(`expected ConfigError mentioning ${part}`);
  return "";
}

// --- ELF ---------------------------------------------------------------------

for (const elfClass of [32, 64] as const) {
  test(`ELF${elfClass}: PT_LOAD segments at p_paddr and the PHYS32_ENTRY note`, () => {
    const img = parseElf(pvhKernel(elfClass), "vmlinux");
    assert.is(img.elfClass, elfClass);
    assert.is(img.physEntryGpa, KERNEL_GPA + 0x40);
    assert.is(img.segments.length, 2);
    assert.equal(
      img.segments.map((s) => [s.paddr, s.filesz, s.memsz]),
      [
        [KERNEL_GPA, 0x1800, 0x1800],
        [KERNEL_GPA + 0x2000, 0x100, 0x3000],
      ],
    );
    assert.equal(img.segments[1].data, code(0x100, 9));
    assert.equal(img.symbols, []);
  });
}

test("ELF64: an 8-byte PHYS32_ENTRY descriptor is accepted", () => {
  const img = parseElf(pvhKernel(64, { notes: [pvhNote(0x100_0123, 8)] }), "k");
  assert.is(img.physEntryGpa, 0x100_0123);
});

test("ELF: a PHYS32_ENTRY above 4 GiB or with a 2-byte descriptor is refused", () => {
  throwsConfig(() => parseElf(pvhKernel(64, { notes: [pvhNote(2 ** 33, 8)] }), "k"), "above 4 GiB");
  throwsConfig(
    () => parseElf(pvhKernel(64, { notes: [{ name: "Xen", type: 18, desc: Uint8Array.of(1, 2) }] }), "k"),
    "2-byte descriptor",
  );
});

test("ELF: Xen notes found in a SHT_NOTE section when there is no PT_NOTE", () => {
  const img = parseElf(pvhKernel(64, { notesAsSection: true }), "k");
  assert.is(img.physEntryGpa, KERNEL_GPA + 0x40);
});

test("ELF: not a PVH kernel without the note (XEN_ELFNOTE_ENTRY alone is not enough)", () => {
  const bytes = pvhKernel(64, { notes: [{ name: "Xen", type: 1, desc: code(8) }] });
  const msg = throwsConfig(() => parseElf(bytes, "vmlinux"), "XEN_ELFNOTE_PHYS32_ENTRY");
  assert.is(msg, "xpvh: vmlinux has no XEN_ELFNOTE_PHYS32_ENTRY note (not a PVH kernel)");
  throwsConfig(() => parseElf(pvhKernel(32, { notes: [] }), "vmlinux"), "not a PVH kernel");
});

test("ELF: a PHYS32_ENTRY note with another name does not count", () => {
  throwsConfig(() => parseElf(pvhKernel(64, { notes: [{ ...pvhNote(0x1000000), name: "Xe" }] }), "k"), "not a PVH kernel");
});

test("ELF: errors name the file and the fault, on one line", () => {
  assert.is(
    throwsConfig(() => parseElf(new TextEncoder().encode("# xpvh\n\nhello\n"), "README.md"), "not an ELF"),
    "xpvh: README.md is not an ELF image",
  );
  throwsConfig(() => parseElf(new Uint8Array(0), "empty"), "empty is not an ELF image");
  throwsConfig(() => parseElf(pvhKernel(64).subarray(0, 40), "k"), "truncated");
  throwsConfig(() => parseElf(pvhKernel(64, { machine: 183 }), "arm64.elf"), "not x86-64");
  throwsConfig(() => parseElf(pvhKernel(32, { machine: 40 }), "arm.elf"), "not i386");
  throwsConfig(() => parseElf(pvhKernel(64, { type: 1 }), "foo.o"), "not an executable");
  const be = pvhKernel(64);
  be[5] = 2;
  throwsConfig(() => parseElf(be, "k"), "big-endian");
  const cls = pvhKernel(64);
  cls[4] = 3;
  throwsConfig(() => parseElf(cls, "k"), "ELF class");
});

test("ELF: segments reaching past the end of the file are refused", () => {
  const full = pvhKernel(64);
  // Cut into the last segment's bytes but keep the headers.
  throwsConfig(() => parseElf(full.subarray(0, 64 + 3 * 56 + 40), "vmlinux"), /vmlinux has program header \d .* outside the \d+-byte file/);
});

test("ELF: p_filesz > p_memsz is refused", () => {
  const bytes = pvhKernel(32);
  const v = new DataView(bytes.buffer);
  v.setUint32(52 + 20, 0x10, true); // first phdr p_memsz
  throwsConfig(() => parseElf(bytes, "k"), "p_filesz");
});

test("ELF: symbols from .symtab, and symbolize() for crash dumps", () => {
  const base = 0xffff_ffff_8100_0000n;
  const img = parseElf(
    pvhKernel(64, {
      symbols: [
        { name: "start_kernel", value: base + 0x100n, size: 0x80 },
        { name: "_text", value: base, size: 0, type: 0 },
        { name: "jiffies", value: base + 0x1000n, size: 8, type: 1 },
        { name: "file.c", value: 0n, size: 0, type: 4 }, // STT_FILE: dropped
        { name: "undefined", value: 0n, size: 0, shndx: 0 }, // SHN_UNDEF: dropped
        { name: "abs", value: 5n, size: 0, shndx: 0xfff1 }, // SHN_ABS: dropped
      ],
    }),
    "vmlinux",
  );
  assert.equal(
    img.symbols.map((s) => s.name),
    ["_text", "start_kernel", "jiffies"],
  );
  assert.is(symbolize(img.symbols, base + 0x11cn), "start_kernel+0x1c/0x80");
  assert.is(symbolize(img.symbols, base + 0x20n), "_text+0x20");
  assert.is(symbolize(img.symbols, base + 0x180n), null); // past start_kernel's end
  assert.is(symbolize(img.symbols, 0x1000), null);
  assert.is(symbolize(img.symbols, -(1n << 64n) + base + 0x1004n), "jiffies+0x4/0x8"); // sign-extended RIP
  const img32 = parseElf(pvhKernel(32, { symbols: [{ name: "main", value: 0x100_0040n, size: 0x10 }] }), "xtf");
  assert.is(symbolize(img32.symbols, 0x100_0044), "main+0x4/0x10");
});

test("ELF fuzz: random and damaged inputs throw only ConfigError", () => {
  let seed = 0x2545f491;
  const rnd = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const seeds = [
    pvhKernel(32),
    pvhKernel(64),
    pvhKernel(64, { symbols: [{ name: "a", value: 1n, size: 1 }], notesAsSection: true }),
    pvhKernel(32, { symbols: [{ name: "b", value: 2n, size: 2 }] }),
  ];
  let parsed = 0;
  for (let i = 0; i < 4000; i++) {
    const src = seeds[i % seeds.length];
    let bytes: Uint8Array;
    const mode = i % 4;
    if (mode === 0) bytes = src.subarray(0, Math.floor(rnd() * src.length)); // truncated
    else if (mode === 1) {
      bytes = src.slice();
      const flips = 1 + Math.floor(rnd() * 8);
      // Damage the headers mostly: that is where the offsets live.
      for (let k = 0; k < flips; k++) bytes[Math.floor(rnd() * Math.min(bytes.length, 400))] = Math.floor(rnd() * 256);
    } else if (mode === 2) {
      bytes = src.slice();
      const v = new DataView(bytes.buffer);
      const at = Math.floor(rnd() * (Math.min(bytes.length, 300) - 8));
      v.setUint32(at, [0xffffffff, 0x7fffffff, 0x80000000, 0, 1][Math.floor(rnd() * 5)], true);
    } else {
      bytes = Uint8Array.from({ length: Math.floor(rnd() * 256) }, () => Math.floor(rnd() * 256));
      if (rnd() < 0.5 && bytes.length > 6) bytes.set([0x7f, 0x45, 0x4c, 0x46, 1 + Math.floor(rnd() * 2), 1]);
    }
    try {
      const img = parseElf(bytes, "fuzz.elf");
      parsed++;
      symbolize(img.symbols, 0x1000_0000n);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw new Error(`input ${i} (mode ${mode}) raised ${e}`);
      assert.ok(e.message.startsWith("xpvh: fuzz.elf "), e.message);
      assert.not.match(e.message, /\n/);
    }
  }
  assert.ok(parsed > 0, "some damaged images still parse");
});

// --- memmap ------------------------------------------------------------------

test("memmap: RAM around the legacy hole, ACPI window, LAPIC, Xen pages, ECAM; sorted, no overlap", () => {
  const map = buildMemmap(defaultLayout(4 * GiB));
  assert.equal(map, [
    { addr: 0, size: 0xa0000, type: E820_RAM },
    { addr: ACPI_TABLES_GPA, size: 0x20000, type: E820_ACPI },
    { addr: 0x100000, size: 0xc000_0000 - 0x100000, type: E820_RAM },
    { addr: 0xe000_0000, size: 0x1000_0000, type: E820_RESERVED }, // ECAM
    { addr: LAPIC_GPA, size: 0x1000, type: E820_RESERVED },
    { addr: CONSOLE_RING_GFN * 0x1000, size: 0x4000, type: E820_RESERVED },
    { addr: 0x1_0000_0000, size: GiB, type: E820_RAM },
  ]);
  assert.is(XENSTORE_RING_GFN, CONSOLE_RING_GFN + 1);
  for (let i = 1; i < map.length; i++) assert.ok(map[i - 1].addr + map[i - 1].size <= map[i].addr);
});

test("memmap: the PCI MMIO windows stay out of E820 (Linux clips BAR space against E820)", () => {
  const l = defaultLayout(GiB);
  const map = buildMemmap(l);
  for (const e of map) {
    assert.ok(e.addr + e.size <= l.pciMmioBase || e.addr >= l.pciMmioBase + l.pciMmioSize);
    assert.ok(e.addr + e.size <= l.pciMmioHighBase || e.addr >= l.pciMmioHighBase + l.pciMmioHighSize);
  }
  assert.is(map.filter((e) => e.type === E820_RAM).length, 2, "no high RAM with 1 GiB");
});

test("memmap: no ECAM entry without PCI; overlapping layouts are refused", () => {
  const map = buildMemmap({ ...defaultLayout(GiB), pciEcamSize: 0 });
  assert.not.ok(map.some((e) => e.addr === 0xe000_0000));
  throwsConfig(() => buildMemmap({ ...defaultLayout(GiB), pciEcamBase: 0x1000_0000 }), "overlap");
});

// --- module placement ----------------------------------------------------------

test("placement: modules page aligned, downward from the top of low RAM, clear of the kernel", () => {
  assert.equal(placeModules(64 * MiB, [5000, 0x3000], []), [64 * MiB - 0x2000, 64 * MiB - 0x5000]);
  // Low RAM above 3 GiB is capped at MODULES_CEILING_GPA.
  assert.equal(placeModules(0xf000_0000, [1], []), [0xc000_0000 - 0x1000]);
  // A module that would overlap the kernel goes below it.
  const kernel = [{ gpa: 60 * MiB, size: 3 * MiB }];
  assert.equal(placeModules(64 * MiB, [MiB, 2 * MiB], kernel), [63 * MiB, 58 * MiB]);
  throwsConfig(() => placeModules(4 * MiB, [4 * MiB], []), "do not fit");
  throwsConfig(() => placeModules(20 * MiB, [2 * MiB], [{ gpa: MiB, size: 18 * MiB }]), "do not fit");
});

// --- loadPvh ------------------------------------------------------------------

const CMDLINE = "console=hvc0 earlyprintk=xen root=/dev/vda";

function boot(opts: { elfClass?: 32 | 64; modules?: { name: string; data: Uint8Array; cmdline: string }[]; smp?: number } = {}) {
  const { mem, layout } = machine();
  const image = parseElf(pvhKernel(opts.elfClass ?? 64), "vmlinux");
  const info = loadPvh(mem, { layout, cmdline: CMDLINE, modules: opts.modules ?? [], smp: opts.smp ?? 2 }, image);
  return { mem, layout, info, image };
}

test("loadPvh: copies PT_LOAD segments to p_paddr and zero-fills memsz beyond filesz", () => {
  const { mem, layout } = machine();
  // Dirty the .bss area first: the loader must clear it.
  mem.fill(KERNEL_GPA + 0x2000, 0x3000, 0xcc);
  const image = parseElf(pvhKernel(32), "vmlinux");
  const info = loadPvh(mem, { layout, cmdline: "", modules: [], smp: 1 }, image);
  assert.is(info.entryGpa, KERNEL_GPA + 0x40);
  assert.equal(mem.read(KERNEL_GPA, 0x1800), code(0x1800));
  assert.equal(mem.read(KERNEL_GPA + 0x2000, 0x100), code(0x100, 9));
  assert.ok(mem.read(KERNEL_GPA + 0x2100, 0x2f00).every((b) => b === 0));
  assert.is(mem.readU8(KERNEL_GPA + 0x5000), 0, "untouched after memsz");
});

test("loadPvh: hvm_start_info v1 fields at the reference offsets", () => {
  const { mem, info } = boot();
  const si = START_INFO_GPA;
  assert.is(info.startInfoGpa, si);
  assert.is(mem.readU32(si + 0), 0x336ec578, "magic");
  assert.is(mem.readU32(si + 4), 1, "version");
  assert.is(mem.readU32(si + 8), 0, "flags");
  assert.is(mem.readU32(si + 12), 0, "nr_modules");
  assert.is(mem.readU64n(si + 16), 0, "modlist_paddr absent");
  assert.is(mem.readU64n(si + 24), CMDLINE_GPA, "cmdline_paddr");
  assert.is(mem.readCString(CMDLINE_GPA), CMDLINE);
  assert.is(mem.readU64n(si + 32), ACPI_TABLES_GPA, "rsdp_paddr");
  assert.is(info.rsdpGpa, ACPI_TABLES_GPA);
  assert.is(mem.readU64n(si + 40), MEMMAP_GPA, "memmap_paddr");
  assert.is(mem.readU32(si + 48), info.memmap.length, "memmap_entries");
  assert.is(mem.readU32(si + 52), 0, "reserved");
  // The RSDP it points at.
  assert.is(new TextDecoder().decode(mem.read(ACPI_TABLES_GPA, 8)), "RSD PTR ");
});

test("loadPvh: memmap table as 24-byte hvm_memmap_table_entry records", () => {
  const { mem, info } = boot();
  assert.equal(info.memmap, buildMemmap(smallLayout()));
  info.memmap.forEach((e, i) => {
    const o = MEMMAP_GPA + 24 * i;
    assert.is(mem.readU64n(o), e.addr);
    assert.is(mem.readU64n(o + 8), e.size);
    assert.is(mem.readU32(o + 16), e.type);
    assert.is(mem.readU32(o + 20), 0);
  });
  assert.equal(info.memmap[0], { addr: 0, size: 0xa0000, type: E820_RAM });
  assert.equal(info.memmap[2], { addr: 0x100000, size: 63 * MiB, type: E820_RAM });
});

test("loadPvh: modules with their own command lines in the modlist", () => {
  const initrd = code(10_000, 3);
  const second = code(0x1000, 5);
  const { mem, info } = boot({
    modules: [
      { name: "initrd.img", data: initrd, cmdline: "" },
      { name: "bzImage", data: second, cmdline: "earlyprintk=xen,keep root=/dev/xvda1" },
    ],
  });
  const si = START_INFO_GPA;
  assert.is(mem.readU32(si + 12), 2);
  assert.is(mem.readU64n(si + 16), MODLIST_GPA);
  const top = 64 * MiB;
  assert.equal(info.modules, [
    { gpa: top - 0x3000, size: 10_000 },
    { gpa: top - 0x4000, size: 0x1000 },
  ]);
  for (const [i, data] of [initrd, second].entries()) {
    const e = MODLIST_GPA + 32 * i;
    assert.is(mem.readU64n(e), info.modules[i].gpa, "paddr");
    assert.is(mem.readU64n(e + 8), data.length, "size");
    assert.is(mem.readU64n(e + 24), 0, "reserved");
    assert.equal(mem.read(info.modules[i].gpa, data.length), data);
  }
  assert.is(mem.readU64n(MODLIST_GPA + 16), 0, "no cmdline for module 0");
  const cmdGpa = mem.readU64n(MODLIST_GPA + 32 + 16);
  assert.ok(cmdGpa > CMDLINE_GPA);
  assert.is(mem.readCString(cmdGpa), "earlyprintk=xen,keep root=/dev/xvda1");
  assert.is(mem.readCString(CMDLINE_GPA), CMDLINE, "kernel cmdline intact");
});

test("loadPvh: segments outside RAM or over the boot area are refused", () => {
  const { mem, layout } = machine();
  const at = (paddr: number, size = 0x100) =>
    parseElf(buildElf({ elfClass: 64, segments: [{ paddr, data: code(size) }], notes: [pvhNote(paddr)] }), "k");
  const load = (paddr: number, size?: number) => () => loadPvh(mem, { layout, cmdline: "", modules: [], smp: 1 }, at(paddr, size));
  assert.is(
    throwsConfig(load(64 * MiB - 0x80), "outside guest RAM"),
    "xpvh: k: segment at 0x3ffff80 (0x100 bytes) is outside guest RAM",
  );
  throwsConfig(load(0xc0000), "outside guest RAM"); // legacy hole
  throwsConfig(load(0xe0000), "outside guest RAM"); // ACPI window
  throwsConfig(load(0xfee00000), "outside guest RAM");
  throwsConfig(load(0x6000), "overlaps the PVH boot structures");
  // XTF-style kernels at 1 MiB are fine.
  loadPvh(mem, { layout, cmdline: "", modules: [], smp: 1 }, at(0x100000));
});

test("loadPvh: entry point must be inside a loaded segment", () => {
  const { mem, layout } = machine();
  const img = parseElf(buildElf({ elfClass: 32, segments: [{ paddr: KERNEL_GPA, data: code(16) }], notes: [pvhNote(0x200000)] }), "k");
  throwsConfig(() => loadPvh(mem, { layout, cmdline: "", modules: [], smp: 1 }, img), "entry point 0x200000");
});

test("loadPvh: modules that do not fit, and layouts without low RAM, are ConfigErrors", () => {
  const { mem, layout } = machine();
  const img = parseElf(pvhKernel(64), "vmlinux");
  throwsConfig(
    () => loadPvh(mem, { layout, cmdline: "", modules: [{ name: "huge", data: new Uint8Array(60 * MiB), cmdline: "" }], smp: 1 }, img),
    "do not fit",
  );
  throwsConfig(
    () => loadPvh(mem, { layout: { ...layout, ramLowSize: 0, ramHighSize: GiB }, cmdline: "", modules: [], smp: 1 }, img),
    "low RAM",
  );
  throwsConfig(() => loadPvh(mem, { layout, cmdline: "a\0b", modules: [], smp: 1 }, img), "NUL");
  throwsConfig(() => loadPvh(mem, { layout, cmdline: "x".repeat(70_000), modules: [], smp: 1 }, img), "too long");
});

// --- -initrd option ---------------------------------------------------------------

test("parseInitrdOption: QEMU multiboot syntax with doubled commas", () => {
  assert.equal(parseInitrdOption("initrd.img"), [{ file: "initrd.img", cmdline: "" }]);
  assert.equal(parseInitrdOption("bzImage earlyprintk=xen,,keep root=/dev/xvda1,initrd.img"), [
    { file: "bzImage", cmdline: "earlyprintk=xen,keep root=/dev/xvda1" },
    { file: "initrd.img", cmdline: "" },
  ]);
  assert.equal(parseInitrdOption("file1 arg=foo,file2"), [
    { file: "file1", cmdline: "arg=foo" },
    { file: "file2", cmdline: "" },
  ]);
  // A doubled comma in a file name; three commas = literal comma then separator.
  assert.equal(parseInitrdOption("a,,b.img x=1,,,c"), [
    { file: "a,b.img", cmdline: "x=1," },
    { file: "c", cmdline: "" },
  ]);
  assert.equal(parseInitrdOption(""), []);
  throwsConfig(() => parseInitrdOption("a,"), "module 2 has no file name");
  throwsConfig(() => parseInitrdOption(",a"), "module 1 has no file name");
});

test.run();
