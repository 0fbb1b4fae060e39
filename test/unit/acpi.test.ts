// ACPI tables: checksums, the RSDP -> XSDT -> tables chain as an OS walks it
// from guest memory, MADT/MCFG/FADT contents, the AML encoder, and (only when
// the acpica-tools `iasl` is installed) a disassemble/recompile round trip.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlatPageSource, GuestMemory } from "../../src/core/guest_memory.js";
import { ConfigError, defaultLayout, GiB, MiB, type XenPvhLayout } from "../../src/machine/config.js";
import { buildAcpiTables, installAcpiTables } from "../../src/loader/acpi/tables.js";
import { byteSum } from "../../src/loader/acpi/sdt.js";
import { eisaId, integer, nameString, pkgLength, uuid } from "../../src/loader/acpi/aml.js";
import { qwordMemory, wordBusNumber } from "../../src/loader/acpi/resource.js";
import { ACPI_TABLES_END_GPA, ACPI_TABLES_GPA, LAPIC_GPA } from "../../src/loader/placement.js";

const ascii = (b: Uint8Array) => new TextDecoder().decode(b);
const layout8g = defaultLayout(8 * GiB);

function installed(layout: XenPvhLayout, smp: number) {
  const mem = new GuestMemory(new FlatPageSource(new Uint8Array(2 * MiB)));
  const rsdpGpa = installAcpiTables(mem, { layout, smp });
  return { mem, rsdpGpa };
}

/** Walks RSDP -> XSDT -> FADT -> DSDT in guest memory, like an OS would. */
function walk(mem: GuestMemory, rsdpGpa: number): Map<string, Uint8Array> {
  const tables = new Map<string, Uint8Array>();
  const rsdp = mem.read(rsdpGpa, 36);
  tables.set("RSDP", rsdp);
  const xsdtGpa = mem.readU64n(rsdpGpa + 24);
  const read = (gpa: number) => mem.read(gpa, mem.readU32(gpa + 4));
  const xsdt = read(xsdtGpa);
  tables.set("XSDT", xsdt);
  for (let o = 36; o < xsdt.length; o += 8) {
    const gpa = mem.readU64n(xsdtGpa + o);
    const t = read(gpa);
    tables.set(ascii(t.subarray(0, 4)), t);
    if (ascii(t.subarray(0, 4)) === "FACP") tables.set("DSDT", read(mem.readU64n(gpa + 140)));
  }
  return tables;
}

test("RSDP rev 2 at ACPI_TABLES_GPA, both checksums correct", () => {
  const { mem, rsdpGpa } = installed(layout8g, 4);
  assert.is(rsdpGpa, ACPI_TABLES_GPA);
  assert.is(rsdpGpa % 16, 0, "RSDP is 16-byte aligned");
  const r = mem.read(rsdpGpa, 36);
  assert.is(ascii(r.subarray(0, 8)), "RSD PTR ");
  assert.is(r[15], 2, "revision");
  assert.is(mem.readU32(rsdpGpa + 16), 0, "no RSDT");
  assert.is(mem.readU32(rsdpGpa + 20), 36, "length");
  assert.is(byteSum(r, 0, 20), 0, "ACPI 1.0 checksum");
  assert.is(byteSum(r, 0, 36), 0, "extended checksum");
});

test("every table has a correct checksum, a 36-byte header and our OEM ids", () => {
  for (const [layout, smp] of [
    [layout8g, 1],
    [layout8g, 7],
    [{ ...layout8g, pciEcamSize: 0 }, 2],
    [defaultLayout(512 * MiB), 300],
  ] as const) {
    const { mem, rsdpGpa } = installed(layout, smp);
    const tables = walk(mem, rsdpGpa);
    for (const [sig, t] of tables) {
      if (sig === "RSDP") continue;
      assert.is(byteSum(t), 0, `${sig} checksum (smp ${smp})`);
      assert.ok(t.length >= 36);
      assert.is(ascii(t.subarray(10, 16)), "XPVH  ");
      assert.ok(ascii(t.subarray(16, 24)).startsWith("XPVH"));
    }
    const want = layout.pciEcamSize ? ["RSDP", "XSDT", "FACP", "DSDT", "APIC", "MCFG"] : ["RSDP", "XSDT", "FACP", "DSDT", "APIC"];
    assert.equal([...tables.keys()].sort(), want.sort());
  }
});

test("tables fit the 0xE0000-0xFFFFF window and do not overlap", () => {
  const set = buildAcpiTables({ layout: layout8g, smp: 64 });
  const sorted = [...set.tables].sort((a, b) => a.gpa - b.gpa);
  for (let i = 0; i < sorted.length; i++) {
    assert.is(sorted[i].gpa % 16, 0);
    if (i) assert.ok(sorted[i - 1].gpa + sorted[i - 1].bytes.length <= sorted[i].gpa);
  }
  const last = sorted[sorted.length - 1];
  assert.ok(last.gpa + last.bytes.length <= ACPI_TABLES_END_GPA);
});

test("FADT rev 6: HW_REDUCED_ACPI | RESET_REG_SUP, X_DSDT, reset register 0xCF9 <- 6", () => {
  const { mem, rsdpGpa } = installed(layout8g, 2);
  const f = walk(mem, rsdpGpa).get("FACP")!;
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  assert.is(f.length, 276);
  assert.is(f[8], 6, "revision");
  assert.is(f[131], 0, "minor version");
  assert.is(v.getUint32(112, true), (1 << 20) | (1 << 10), "flags");
  assert.is(v.getUint32(36, true), 0, "no FACS");
  assert.is(v.getUint32(40, true), 0, "32-bit DSDT unused");
  assert.ok(v.getBigUint64(140, true) > 0n, "X_DSDT");
  assert.is(v.getUint16(109, true), 0x24, "IAPC_BOOT_ARCH: no VGA, no CMOS RTC, no 8042");
  assert.equal([...f.subarray(116, 120)], [1, 8, 0, 1], "RESET_REG: SystemIO, 8 bits, byte access");
  assert.is(v.getBigUint64(120, true), 0xcf9n);
  assert.is(f[128], 6);
});

test("MADT: LAPIC at 0xFEE00000, one enabled Local APIC per vCPU with APIC id = UID = vCPU", () => {
  const { mem, rsdpGpa } = installed(layout8g, 4);
  const m = walk(mem, rsdpGpa).get("APIC")!;
  const v = new DataView(m.buffer, m.byteOffset, m.byteLength);
  assert.is(v.getUint32(36, true), LAPIC_GPA);
  assert.is(v.getUint32(40, true), 0, "no PCAT_COMPAT: no 8259s");
  assert.is(m.length, 44 + 4 * 8);
  for (let cpu = 0; cpu < 4; cpu++) {
    const o = 44 + 8 * cpu;
    assert.equal([...m.subarray(o, o + 4)], [0, 8, cpu, cpu]);
    assert.is(v.getUint32(o + 4, true), 1, "enabled");
  }
});

test("MADT: vCPUs from APIC id 255 on get Local x2APIC entries", () => {
  const { mem, rsdpGpa } = installed(defaultLayout(GiB), 257);
  const m = walk(mem, rsdpGpa).get("APIC")!;
  const v = new DataView(m.buffer, m.byteOffset, m.byteLength);
  assert.is(m.length, 44 + 255 * 8 + 2 * 16);
  const o = 44 + 255 * 8;
  assert.equal([m[o], m[o + 1]], [9, 16]);
  assert.is(v.getUint32(o + 4, true), 255, "x2APIC id");
  assert.is(v.getUint32(o + 8, true), 1, "enabled");
  assert.is(v.getUint32(o + 12, true), 255, "UID");
  assert.is(v.getUint32(o + 16 + 4, true), 256);
});

test("MCFG: one allocation, ECAM base, segment 0, buses 0..size/1MiB-1", () => {
  for (const [size, lastBus] of [
    [256 * MiB, 255],
    [16 * MiB, 15],
    [MiB, 0],
  ]) {
    const { mem, rsdpGpa } = installed({ ...layout8g, pciEcamSize: size }, 1);
    const t = walk(mem, rsdpGpa).get("MCFG")!;
    const v = new DataView(t.buffer, t.byteOffset, t.byteLength);
    assert.is(t.length, 60);
    assert.is(v.getBigUint64(36, true), 0n, "reserved");
    assert.is(v.getBigUint64(44, true), BigInt(layout8g.pciEcamBase));
    assert.is(v.getUint16(52, true), 0, "segment");
    assert.is(t[54], 0, "start bus");
    assert.is(t[55], lastBus, "end bus");
  }
});

/** Index of `needle` in `hay`, or -1. */
function find(hay: Uint8Array, needle: Uint8Array | string): number {
  const n = typeof needle === "string" ? new TextEncoder().encode(needle) : needle;
  outer: for (let i = 0; i + n.length <= hay.length; i++) {
    for (let j = 0; j < n.length; j++) if (hay[i + j] !== n[j]) continue outer;
    return i;
  }
  return -1;
}

test("DSDT: processors, PCI0 with _CBA/_CRS and RES0; none of PCI without ECAM", () => {
  const { mem, rsdpGpa } = installed(layout8g, 3);
  const d = walk(mem, rsdpGpa).get("DSDT")!;
  assert.is(d[8], 2, "revision 2: 64-bit integers");
  for (const name of ["C000", "C001", "C002", "ACPI0007", "PCI0", "_CBA", "_CRS", "RES0", "_OSC", "_SEG", "_BBN"])
    assert.ok(find(d, name) >= 0, `has ${name}`);
  assert.is(find(d, "C003"), -1);
  assert.ok(find(d, Uint8Array.of(0x0c, 0x41, 0xd0, 0x0a, 0x08)) >= 0, "EisaId PNP0A08");
  assert.ok(find(d, Uint8Array.of(0x0c, 0x41, 0xd0, 0x0c, 0x02)) >= 0, "EisaId PNP0C02");
  // _CBA = ECAM base as a DWord constant.
  const cba = find(d, "_CBA");
  assert.equal([...d.subarray(cba + 4, cba + 9)], [0x0c, 0x00, 0x00, 0x00, 0xe0]);
  // The 64-bit window and the ECAM reservation are in there as QWord descriptors.
  assert.ok(find(d, qwordMemory({ min: layout8g.pciMmioHighBase, length: layout8g.pciMmioHighSize, cacheable: true })) >= 0);
  assert.ok(find(d, qwordMemory({ min: layout8g.pciEcamBase, length: layout8g.pciEcamSize, consumer: true })) >= 0);
  assert.ok(find(d, wordBusNumber({ min: 0, length: 256 })) >= 0);

  const noPci = walk(...(Object.values(installed({ ...layout8g, pciEcamSize: 0 }, 2)) as [GuestMemory, number])).get("DSDT")!;
  assert.is(find(noPci, "PCI0"), -1);
  assert.ok(find(noPci, "C001") >= 0);
});

test("installAcpiTables: too many vCPUs for the window is a ConfigError", () => {
  try {
    installed(defaultLayout(GiB), 4000);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, /ACPI tables for 4000 vCPUs need \d+ bytes/);
  }
  assert.throws(() => buildAcpiTables({ layout: layout8g, smp: 0 }), (e: unknown) => e instanceof ConfigError);
});

// --- AML encoder -----------------------------------------------------------

test("AML PkgLength: 1, 2, 3 byte forms count their own bytes", () => {
  assert.equal(pkgLength(0), [1]);
  assert.equal(pkgLength(62), [63]);
  assert.equal(pkgLength(63), [0x41, 0x04]); // 65 = 0x41: lead 01 in 7:6, low nibble 1, then 0x04
  assert.equal(pkgLength(0xffd), [0x4f, 0xff]); // 0xfff
  assert.equal(pkgLength(0xffe), [0x80 | 0x1, 0x00, 0x01]); // 0x1001
});

test("AML integers, names, EisaId and ToUUID", () => {
  assert.equal([...integer(0)], [0x00]);
  assert.equal([...integer(1)], [0x01]);
  assert.equal([...integer(0x12)], [0x0a, 0x12]);
  assert.equal([...integer(0x1234)], [0x0b, 0x34, 0x12]);
  assert.equal([...integer(0xe0000000)], [0x0c, 0, 0, 0, 0xe0]);
  assert.equal([...integer(0x80_0000_0000)], [0x0e, 0, 0, 0, 0, 0x80, 0, 0, 0]);
  assert.equal([...eisaId("PNP0A03")], [0x0c, 0x41, 0xd0, 0x0a, 0x03]); // 0x030AD041
  assert.equal(ascii(nameString("_HID")), "_HID");
  assert.equal(ascii(nameString("_SB")), "_SB_");
  assert.equal([...nameString("\\_SB.PCI0")], [0x5c, 0x2e, ...new TextEncoder().encode("_SB_PCI0")]);
  assert.equal([...nameString("\\_SB.PCI0.RES0")].slice(0, 3), [0x5c, 0x2f, 3]);
  assert.throws(() => nameString("pci0"));
  assert.throws(() => nameString("TOOLONG"));
  const u = uuid("33DB4D5B-1FF7-401C-9657-7441C03DD766");
  assert.equal([...u.subarray(u.length - 16)], [0x5b, 0x4d, 0xdb, 0x33, 0xf7, 0x1f, 0x1c, 0x40, 0x96, 0x57, 0x74, 0x41, 0xc0, 0x3d, 0xd7, 0x66]);
});

test("resource descriptors: QWordMemory layout (ACPI 6.4.3.5.1)", () => {
  const q = qwordMemory({ min: 0xe000_0000, length: 0x1000_0000, consumer: true });
  const v = new DataView(q.buffer);
  assert.is(q.length, 46);
  assert.equal([q[0], v.getUint16(1, true), q[3], q[4], q[5]], [0x8a, 43, 0, 0x0d, 0x01]);
  assert.is(v.getBigUint64(14, true), 0xe000_0000n, "_MIN");
  assert.is(v.getBigUint64(22, true), 0xefff_ffffn, "_MAX");
  assert.is(v.getBigUint64(38, true), 0x1000_0000n, "_LEN");
});

// --- iasl (acpica-tools), only when installed ----------------------------------

function hasIasl(): boolean {
  try {
    execFileSync("iasl", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const iaslTest = hasIasl() ? test : test.skip;

iaslTest("iasl: DSDT disassembles and recompiles with 0 errors; data tables decode", () => {
  const dir = mkdtempSync(join(tmpdir(), "xpvh-acpi-"));
  try {
    const set = buildAcpiTables({ layout: layout8g, smp: 4 });
    for (const t of set.tables) if (t.signature !== "RSD PTR ") writeFileSync(join(dir, `${t.signature}.dat`), t.bytes);
    const run = (args: string[]) => execFileSync("iasl", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    for (const sig of ["DSDT", "FACP", "APIC", "MCFG", "XSDT"]) {
      run(["-d", `${sig}.dat`]);
      const dsl = readFileSync(join(dir, `${sig}.dsl`), "utf8");
      assert.not.match(dsl, /Error|Invalid|Incorrect/i, `${sig} disassembly is clean`);
    }
    const dsl = readFileSync(join(dir, "DSDT.dsl"), "utf8");
    for (const s of ['EisaId ("PNP0A08")', 'EisaId ("PNP0C02")', "Name (_CBA, 0xE0000000)", "WordBusNumber", "DWordMemory", "QWordMemory", "Method (_OSC, 4"])
      assert.ok(dsl.includes(s), `DSDT disassembly has ${s}`);
    // Recompiling the disassembly is iasl's full semantic check of our AML.
    const out = run(["DSDT.dsl"]);
    assert.match(out, /Compilation successful\. 0 Errors, 0 Warnings/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
