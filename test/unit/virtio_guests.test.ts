// The device test guests (test/guests/pci_enum.elf, virtio_blk.elf) on the core
// with the Devices hub, as a bare machine: no Xen CPUID leaves, so the guests
// print on port 0xE9 and end by writing to port 0xF4 (QEMU's isa-debug-exit).
// The small run loop here does what the machine's does for devices: kicks go
// to handleNotify, poll() runs between slices and while the vCPU halts, and the
// TSC jumps to the LAPIC deadline when the guest idles. When QEMU is installed,
// the same guests also run on `microvm,pcie=on`, the oracle for what a real
// GPEX + virtio-pci stack answers.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Core } from "../../src/core/core.js";
import * as L from "../../src/core/layout.gen.js";
import { parseElf } from "../../src/loader/elf.js";
import { loadPvh } from "../../src/loader/pvh.js";
import { setPvhEntryState } from "../../src/machine/entry_state.js";
import type { MachineConfig } from "../../src/machine/config.js";
import { Devices } from "../../src/devices/devices.js";
import { lapicDeadline } from "../../src/devices/lapic.js";
import { testConfig } from "./virtio_driver.js";
import { createMachine } from "../../src/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const guest = (name: string) => join(root, "test/guests", name);

interface BareRun {
  out: string;
  /** Value written to port 0xF4, or null if the guest never got there. */
  exitValue: number | null;
  instructions: number;
}

async function runBare(elf: string, config: MachineConfig, maxInsns = 50_000_000): Promise<BareRun> {
  const module = await WebAssembly.compile(readFileSync(join(root, "build/core.wasm")));
  const core = await Core.create(module, config.layout);
  core.claimPort(0xe9); // the guests print on the debug port
  const image = parseElf(readFileSync(elf), elf);
  const boot = loadPvh(core.mem, config, image);
  setPvhEntryState(core, boot.entryGpa, boot.startInfoGpa);
  core.setCtl32(L.CTL_XEN_CPUID_BASE, 0); // a bare machine: no Xen
  for (const port of [0xe9, 0xf4]) core.claimPort(port); // debug console, isa-debug-exit
  const devices = new Devices(core, config, { wake() {} }, { log: () => {} });
  let out = "";
  let tsc = 0;
  let idle = 0;
  while (core.insnCount < maxInsns) {
    core.setCtl64(L.CTL_TSC_BASE, tsc);
    const before = core.insnCount;
    const reason = core.ex.run(100_000);
    tsc += core.insnCount - before;
    switch (reason) {
      case L.EXIT_IO: {
        const port = core.ctl32(L.CTL_IO_PORT);
        if (core.ctl32(L.CTL_IO_WRITE)) {
          const v = core.ctl32(L.CTL_IO_DATA);
          if (port === 0xe9) out += String.fromCharCode(v & 0xff);
          if (port === 0xf4) return { out, exitValue: v & 0xff, instructions: core.insnCount };
        } else core.setCtl64(L.CTL_IO_DATA, 0xffffffff);
        break;
      }
      case L.EXIT_VIRTIO_NOTIFY:
        devices.handleNotify();
        break;
      case L.EXIT_HLT: {
        devices.poll();
        const d = lapicDeadline(core);
        if (d !== null && d > tsc) tsc = d;
        else if (devices.busy) await new Promise((r) => setImmediate(r));
        else if (++idle > 1000) return { out: out + "\n[halted with nothing pending]", exitValue: null, instructions: core.insnCount };
        break;
      }
      case L.EXIT_BUDGET:
        devices.poll();
        break;
      default:
        return { out: out + `\n[exit ${reason} at rip 0x${core.rip.toString(16)}]`, exitValue: null, instructions: core.insnCount };
    }
  }
  await devices.close();
  return { out: out + "\n[instruction limit]", exitValue: null, instructions: core.insnCount };
}

function diskImage(sectors: number): Uint8Array {
  const d = new Uint8Array(sectors * 512);
  d.set(new TextEncoder().encode("XPVHDISK"), 0);
  return d;
}

const PCI_ENUM_LINES = [
  "00:00.0 1b36:0008 class 060000",
  "00:01.0 1af4:1042 class 010000",
  "  BAR1 mem32 size 0x00001000 at 0xc0000000",
  "  BAR4 mem64 size 0x00004000 at 0xc0004000",
  "  cap 11",
  "  virtio device 2 queues 1",
  "00:02.0 1af4:1041 class 020000",
  "  virtio device 1 queues 2",
  "functions on bus 0: 3",
  "PASS",
];

test("guest pci_enum: walks ECAM, sizes and places BARs, finds the virtio capabilities", async () => {
  const config = testConfig({
    drives: [{ id: "d0", data: diskImage(128), format: "raw", interface: "none", readonly: false }],
    netdevs: [{ id: "n0", type: "hubport", options: { hubid: "3" } }],
    devices: [
      { driver: "virtio-blk-pci", options: { drive: "d0" } },
      { driver: "virtio-net-pci", options: { netdev: "n0" } },
    ],
  });
  const r = await runBare(guest("pci_enum.elf"), config);
  if (process.env.SHOW) console.log(r.out, r.instructions);
  const lines = r.out.split("\n");
  for (const l of PCI_ENUM_LINES) assert.ok(lines.includes(l), `missing line "${l}" in:\n${r.out}`);
  assert.ok(lines.includes("  cap 09 virtio type 1 bar 4 offset 0x00000000 length 0x00001000"), r.out);
  assert.ok(lines.includes("  cap 10"), "PCI Express capability");
  assert.not.match(r.out, /FAIL/);
  assert.is(r.exitValue, 0, "isa-debug-exit value 0: all checks passed");
});

test("guest virtio_blk: reads, writes, GET_ID and an out-of-range read through a real driver with MSI-X", async () => {
  const disk = diskImage(128);
  const config = testConfig({
    drives: [{ id: "d0", data: disk, format: "raw", interface: "none", readonly: false }],
    devices: [{ driver: "virtio-blk-pci", options: { drive: "d0", serial: "xpvh-disk-0" } }],
  });
  const r = await runBare(guest("virtio_blk.elf"), config);
  if (process.env.SHOW) console.log(r.out, r.instructions);
  assert.not.match(r.out, /FAIL/, r.out);
  assert.match(r.out, /capacity: 128 sectors/);
  assert.match(r.out, /serial: xpvh-disk-0\n/);
  assert.match(r.out, /PASS: one interrupt per request/);
  assert.match(r.out, /virtio_blk: 13 passed, 0 failed/);
  assert.is(r.exitValue, 0);
  assert.is(new TextDecoder().decode(disk.subarray(512, 512 + 25)), "written by virtio_blk.elf");
  assert.ok(disk.subarray(512 + 32, 1024).every((b) => b === 0x5a));
});

test("guest virtio_net: two NICs on one hub hear each other's broadcast, with MSI-X", async () => {
  const config = testConfig({
    netdevs: [
      { id: "a", type: "hubport", options: { hubid: "21" } },
      { id: "b", type: "hubport", options: { hubid: "21" } },
    ],
    devices: [
      { driver: "virtio-net-pci", options: { netdev: "a" } },
      { driver: "virtio-net-pci", options: { netdev: "b" } },
    ],
  });
  const r = await runBare(guest("virtio_net.elf"), config);
  if (process.env.SHOW) console.log(r.out, r.instructions);
  assert.not.match(r.out, /FAIL/, r.out);
  assert.match(r.out, /nic0: 52:54:00:12:34:56 link up/);
  assert.match(r.out, /nic0: received from 52:54:00:12:34:57: xpvh-net hello/);
  assert.match(r.out, /nic1: received from 52:54:00:12:34:56: xpvh-net hello/);
  assert.is(r.exitValue, 0);
});

// --- The same guests on the whole machine (Xen console, SCHEDOP_shutdown) -----

test("machine: two machines in one process, one NIC each on a shared hub, exchange frames", async () => {
  const make = (mac: string) =>
    createMachine({
      kernel: readFileSync(guest("virtio_net.elf")),
      kernelName: "virtio_net.elf",
      memoryBytes: 32 << 20,
      netdevs: [{ id: "n", type: "hubport", options: { hubid: "33" } }],
      devices: [{ driver: "virtio-net-pci", options: { netdev: "n", mac } }],
    });
  const [a, b] = await Promise.all([make("52:54:00:00:00:0a"), make("52:54:00:00:00:0b")]);
  const outs = ["", ""];
  a.onConsole((x) => (outs[0] += new TextDecoder().decode(x)));
  b.onConsole((x) => (outs[1] += new TextDecoder().decode(x)));
  const [ea, eb] = await Promise.all([a.run(), b.run()]);
  assert.is(ea.kind, "poweroff", outs[0]);
  assert.is(eb.kind, "poweroff", outs[1]);
  assert.match(outs[0], /nic0: received from 52:54:00:00:00:0b: xpvh-net hello/);
  assert.match(outs[1], /nic0: received from 52:54:00:00:00:0a: xpvh-net hello/);
});


test("machine: virtio_blk.elf under Xen passes and the write lands in the drive", async () => {
  const disk = diskImage(128);
  const m = await createMachine({
    kernel: readFileSync(guest("virtio_blk.elf")),
    kernelName: "virtio_blk.elf",
    memoryBytes: 32 << 20,
    virtualClock: true,
    drives: [{ id: "d0", data: disk, format: "raw", interface: "none", readonly: false }],
    devices: [{ driver: "virtio-blk-pci", options: { drive: "d0", serial: "xen-disk" } }],
  });
  let out = "";
  m.onConsole((b) => (out += new TextDecoder().decode(b)));
  const exit = await m.run();
  assert.is(exit.kind, "poweroff", out);
  assert.match(out, /serial: xen-disk\n/);
  assert.match(out, /virtio_blk: 13 passed, 0 failed/);
  assert.is(new TextDecoder().decode(disk.subarray(512, 512 + 25)), "written by virtio_blk.elf");
});

test("machine: pci_enum.elf under Xen sees the configured functions", async () => {
  const m = await createMachine({
    kernel: readFileSync(guest("pci_enum.elf")),
    kernelName: "pci_enum.elf",
    memoryBytes: 32 << 20,
    virtualClock: true,
    netdevs: [{ id: "n0", type: "hubport", options: { hubid: "9" } }],
    devices: [
      { driver: "virtio-net-pci", options: { netdev: "n0" } },
      { driver: "virtio-serial-pci", options: {} },
    ],
  });
  let out = "";
  m.onConsole((b) => (out += new TextDecoder().decode(b)));
  const exit = await m.run();
  assert.is(exit.kind, "poweroff", out);
  for (const l of ["00:01.0 1af4:1041 class 020000", "00:02.0 1af4:1043 class 078000", "functions on bus 0: 3"])
    assert.ok(out.split("\n").includes(l), `missing "${l}" in:\n${out}`);
});

// --- QEMU as the oracle ------------------------------------------------------

const qemu = spawnSync("qemu-system-x86_64", ["--version"], { encoding: "utf8" });
if (qemu.status !== 0) {
  console.log("virtio_guests: qemu-system-x86_64 not found; oracle runs skipped");
} else {
  const runQemu = (elf: string, args: string[]) =>
    spawnSync(
      "qemu-system-x86_64",
      ["-M", "microvm,pcie=on,pit=off,pic=off,rtc=off", "-nodefaults", "-nographic", "-display", "none", "-kernel", elf,
        "-debugcon", "stdio", "-device", "isa-debug-exit,iobase=0xf4", ...args],
      { encoding: "utf8", timeout: 30_000 },
    );

  test("oracle: pci_enum on QEMU microvm,pcie=on passes its checks", () => {
    const r = runQemu(guest("pci_enum.elf"), ["-device", "virtio-blk-pci,drive=d0,disable-legacy=on", "-drive", "if=none,id=d0,format=raw,file=null-co://,file.size=65536"]);
    assert.is(r.status, 1, `QEMU exit 1 = isa-debug-exit 0 (all passed):\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /00:01\.0 1af4:1042 class 010000/);
  });

  test("oracle: virtio_net on QEMU microvm,pcie=on (two NICs on a hub) passes its checks", () => {
    const r = runQemu(guest("virtio_net.elf"), [
      "-netdev", "hubport,id=a,hubid=0", "-netdev", "hubport,id=b,hubid=0",
      "-device", "virtio-net-pci,netdev=a,disable-legacy=on", "-device", "virtio-net-pci,netdev=b,disable-legacy=on",
    ]);
    assert.is(r.status, 1, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /nic1: received from 52:54:00:12:34:56: xpvh-net hello/);
  });

  test("oracle: virtio_blk on QEMU microvm,pcie=on passes its checks", () => {
    const dir = mkdtempSync(join(tmpdir(), "xpvh-oracle-"));
    try {
      const path = join(dir, "disk.img");
      writeFileSync(path, diskImage(128));
      const r = runQemu(guest("virtio_blk.elf"), ["-device", "virtio-blk-pci,drive=d0,disable-legacy=on,serial=xpvh-disk-0", "-drive", `if=none,id=d0,format=raw,file=${path}`]);
      assert.is(r.status, 1, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /virtio_blk: 13 passed, 0 failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
