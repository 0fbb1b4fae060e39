// The QEMU-style command line (src/cli/args.ts): every option of the seeds with
// QEMU's spelling, the memory-map properties, the errors a user can meet, and
// the full xenpvh command line from docs/system/i386/xenpvh.rst.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError, GiB, MiB, defaultLayout } from "../../src/machine/config.js";
import { DEFAULT_GUEST, DEFAULT_MEMORY_BYTES, DEFAULT_XEN_VERSION, parseArgs, type ParsedArgs } from "../../src/cli/args.js";

/** A fake file system: -kernel/-initrd names map to small byte arrays. */
const FILES: Record<string, Uint8Array> = {
  "test/guests/hello.elf": Uint8Array.of(0x7f, 0x45, 0x4c, 0x46),
  vmlinux: Uint8Array.of(1, 2, 3),
  xen: Uint8Array.of(9),
  bzImage: Uint8Array.of(4, 5),
  "initrd.img": Uint8Array.of(6, 7, 8),
  empty: new Uint8Array(0),
};
const readFile = (path: string): Uint8Array => {
  const data = FILES[path];
  if (data) return data;
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: "ENOENT" });
};

const parse = (...argv: string[]): ParsedArgs => parseArgs(argv, readFile);
const K = ["-kernel", "vmlinux"];

/** Asserts that argv is refused with exactly one line matching `pattern`. */
function refuses(argv: string[], pattern: RegExp | string): void {
  try {
    parseArgs(argv, readFile);
  } catch (e) {
    assert.instance(e, ConfigError, `${argv.join(" ")}: ${String(e)}`);
    const msg = (e as Error).message;
    assert.ok(msg.startsWith("xpvh: "), `message starts with "xpvh: ": ${msg}`);
    assert.not.match(msg, /\n/, "one line");
    if (typeof pattern === "string") assert.is(msg, pattern);
    else assert.match(msg, pattern);
    return;
  }
  assert.unreachable(`${argv.join(" ")} was accepted`);
}

// --- the seed command lines ---------------------------------------------------

// docs/system/i386/xenpvh.rst, as the Xen toolstack would run it, plus -kernel.
const XENPVH_RST = [
  "-xen-domid", "3", "-no-shutdown",
  "-chardev", "socket,id=libxl-cmd,path=/var/run/xen/qmp-libxl-3,server=on,wait=off",
  "-mon", "chardev=libxl-cmd,mode=control",
  "-chardev", "socket,id=libxenstat-cmd,path=/var/run/xen/qmp-libxenstat-3,server=on,wait=off",
  "-mon", "chardev=libxenstat-cmd,mode=control",
  "-nodefaults",
  "-no-user-config",
  "-xen-attach", "-name", "g0",
  "-vnc", "none",
  "-display", "none",
  "-device", "virtio-net-pci,id=nic0,netdev=net0,mac=00:16:3e:5c:81:78",
  "-netdev", "type=tap,id=net0,ifname=vif3.0-emu,br=xenbr0,script=no,downscript=no",
  "-smp", "4,maxcpus=4",
  "-nographic",
  "-machine", "xenpvh,ram-low-base=0,ram-low-size=2147483648,ram-high-base=4294967296,ram-high-size=2147483648,pci-ecam-base=824633720832,pci-ecam-size=268435456,pci-mmio-base=4026531840,pci-mmio-size=33554432,pci-mmio-high-base=824902156288,pci-mmio-high-size=68719476736",
  "-m", "4096",
  "-kernel", "test/guests/hello.elf",
];

test("xenpvh.rst: the full toolstack command line parses", () => {
  const r = parse(...XENPVH_RST);
  const c = r.config;
  assert.is(r.action, "run");
  assert.is(r.defaultKernel, false);
  assert.is(c.kernelName, "test/guests/hello.elf");
  assert.equal(c.kernel, FILES["test/guests/hello.elf"]);
  assert.is(c.domid, 3);
  assert.is(c.noShutdown, true);
  assert.is(c.name, "g0");
  assert.is(c.smp, 4);
  assert.is(c.memoryBytes, 4 * GiB);
  assert.equal(c.layout, {
    ramLowBase: 0,
    ramLowSize: 2 * GiB,
    ramHighBase: 4 * GiB,
    ramHighSize: 2 * GiB,
    pciEcamBase: 0xc0_0000_0000,
    pciEcamSize: 256 * MiB,
    pciMmioBase: 0xf000_0000,
    pciMmioSize: 32 * MiB,
    pciMmioHighBase: 0xc0_1000_0000,
    pciMmioHighSize: 64 * GiB,
  });
  assert.equal(c.chardevs.map((x) => [x.id, x.backend, x.options.path, x.options.server, x.options.wait]), [
    ["libxl-cmd", "socket", "/var/run/xen/qmp-libxl-3", "on", "off"],
    ["libxenstat-cmd", "socket", "/var/run/xen/qmp-libxenstat-3", "on", "off"],
  ]);
  assert.equal(r.monitors, [
    { chardev: "libxl-cmd", mode: "control", pretty: false },
    { chardev: "libxenstat-cmd", mode: "control", pretty: false },
  ]);
  assert.equal(c.devices, [{ driver: "virtio-net-pci", options: { id: "nic0", netdev: "net0", mac: "00:16:3e:5c:81:78" } }]);
  // tap cannot exist here; with -xen-attach the NIC stays, unconnected.
  assert.equal(c.netdevs, [{ id: "net0", type: "none", options: {} }]);
  assert.is(r.nodefaults, true);
  assert.is(r.xenAttach, true);
  assert.equal(r.warnings, [
    "xpvh: -xen-attach: xpvh is its own hypervisor, there is no Xen domain to attach to; going on",
    "xpvh: warning: -netdev tap is not available (no host network device in a wasm machine); use -netdev user, hubport, socket or dgram; with -xen-attach, 'net0' is left unconnected",
  ]);
});

test("xen.rst: --accel kvm with the Xen properties and --cpu host,+xen-vapic", () => {
  const r = parse("--accel", "kvm,xen-version=0x40011,kernel-irqchip=split", "--cpu", "host,+xen-vapic", ...K);
  assert.is(r.config.xenVersion, 0x40011);
  assert.is(r.config.xenVapic, true);
  assert.equal(r.warnings, []);
  // the older spelling from the first version of the document
  const old = parse("--accel", "kvm,xen-version=0x4000a,kernel-irqchip=split", "--cpu", "host,+xen_vapic", ...K);
  assert.is(old.config.xenVersion, 0x4000a);
  assert.is(old.config.xenVapic, true);
});

test("xen.rst: Xen console on a stdio chardev with -mon", () => {
  const r = parse("-chardev", "stdio,mux=on,id=char0,signal=off", "-mon", "char0", "-device", "xen-console,chardev=char0", ...K);
  assert.equal(r.config.chardevs, [{ id: "char0", backend: "stdio", options: { mux: "on", signal: "off" } }]);
  assert.equal(r.monitors, [{ chardev: "char0", mode: "readline", pretty: false }]);
  assert.equal(r.config.devices, [{ driver: "xen-console", options: { chardev: "char0" } }]);
});

test("xen.rst: PV shim boot with -initrd, -append, -drive if=xen", () => {
  const r = parse(
    "--accel", "kvm,xen-version=0x40011,kernel-irqchip=split",
    "-chardev", "stdio,id=char0", "-device", "xen-console,chardev=char0",
    "-display", "none", "-m", "1G", "-kernel", "xen", "-initrd", "bzImage",
    "-append", "pv-shim console=xen,pv -- console=hvc0 root=/dev/xvda1",
    "-drive", "file=guest.img,if=xen",
  );
  const c = r.config;
  assert.is(c.kernelName, "xen");
  assert.is(c.memoryBytes, GiB);
  assert.is(c.cmdline, "pv-shim console=xen,pv -- console=hvc0 root=/dev/xvda1");
  assert.equal(c.modules, [{ name: "bzImage", data: FILES.bzImage, cmdline: "" }]);
  assert.equal(c.drives, [{ id: "xen0", file: "guest.img", format: "raw", interface: "xen", readonly: false, index: 0 }]);
});

test("xen.rst: -initrd module list with a doubled comma", () => {
  const r = parse(...K, "-initrd", "bzImage earlyprintk=xen,,keep root=/dev/xvda1,initrd.img");
  assert.equal(r.config.modules, [
    { name: "bzImage", data: FILES.bzImage, cmdline: "earlyprintk=xen,keep root=/dev/xvda1" },
    { name: "initrd.img", data: FILES["initrd.img"], cmdline: "" },
  ]);
});

test("xen.rst: -drive if=none + -device xen-disk with file.locking=off", () => {
  const r = parse(...K, "-drive", "file=guest.img,if=none,id=disk,file.locking=off", "-device", "xen-disk,drive=disk,vdev=xvda");
  assert.equal(r.config.drives, [{ id: "disk", file: "guest.img", format: "raw", interface: "none", readonly: false, index: 0 }]);
  assert.equal(r.config.devices, [{ driver: "xen-disk", options: { drive: "disk", vdev: "xvda" } }]);
  assert.equal(r.warnings, []);
});

test("xen.rst: -drive if=ide is refused (xenpvh has no IDE)", () => {
  refuses([...K, "-drive", "file=guest.img,index=2,media=disk,file.locking=off,if=ide"], /no ide controller; use if=virtio, if=xen or if=none/);
  refuses([...K, "-M", "pc"], /-M pc: unsupported machine type; xpvh has one machine, xenpvh/);
});

// --- no arguments, help, version -------------------------------------------------

test("no arguments: the embedded default guest with defaults", () => {
  const r = parse();
  assert.is(r.action, "run");
  assert.is(r.defaultKernel, true);
  assert.is(r.config.kernelName, DEFAULT_GUEST);
  assert.is(DEFAULT_GUEST, "test/guests/hello.elf");
  assert.is(r.config.kernel.length, 0, "the caller loads the default guest");
  assert.is(r.config.memoryBytes, DEFAULT_MEMORY_BYTES);
  assert.equal(r.config.layout, defaultLayout(DEFAULT_MEMORY_BYTES));
  assert.is(r.config.smp, 1);
  assert.is(r.config.xenVersion, DEFAULT_XEN_VERSION);
  assert.is(r.config.gnttabMaxFrames, 64);
  assert.is(r.config.evtchnMaxPirq, 256);
  assert.is(r.config.domid, 1);
  assert.is(r.config.cpuVendor, "intel");
  assert.is(r.config.virtualClock, false);
  assert.equal(r.warnings, []);
});

test("-h, --help, --version, and the help values", () => {
  for (const h of ["-h", "--help", "-help"]) {
    const r = parse(h);
    assert.is(r.action, "help");
    assert.match(r.text, /-kernel file/);
  }
  assert.is(parse("--version").action, "version");
  assert.is(parse("-version").action, "version");
  assert.match(parse("-machine", "help").text, /xenpvh/);
  assert.match(parse("-device", "help").text, /name "xen-disk"/);
  assert.match(parse("-accel", "help").text, /kvm/);
  assert.match(parse("-device", "virtio-blk-pci,help").text, /drive/);
  assert.match(parse("-chardev", "help").text, /socket/);
  assert.match(parse("-netdev", "help").text, /hubport/);
  assert.match(parse("-cpu", "help").text, /xen-vapic/);
});

test("--option is the same as -option", () => {
  const r = parse("--kernel", "vmlinux", "--m", "256", "--smp", "2", "--append", "console=hvc0");
  assert.is(r.config.memoryBytes, 256 * MiB);
  assert.is(r.config.smp, 2);
  assert.is(r.config.cmdline, "console=hvc0");
});

// --- -m -----------------------------------------------------------------------

test("-m: QEMU sizes (bare number is MiB; K M G T suffixes; size=; fractions)", () => {
  const mem = (v: string) => parse(...K, "-m", v).config.memoryBytes;
  assert.is(mem("4096"), 4 * GiB);
  assert.is(mem("512M"), 512 * MiB);
  assert.is(mem("512m"), 512 * MiB);
  assert.is(mem("1G"), GiB);
  assert.is(mem("size=2G"), 2 * GiB);
  assert.is(mem("1.5G"), 1536 * MiB);
  assert.is(mem("262144K"), 256 * MiB);
  assert.is(mem("1T"), 1024 * GiB);
  assert.is(mem("100000K"), 100000 * 1024, "page aligned already");
  assert.is(mem("1000001B"), 1003520, "rounded up to 4 KiB");
});

test("-m: default layout follows -m (3 GiB low, the rest above 4 GiB)", () => {
  const l = parse(...K, "-m", "5G").config.layout;
  assert.is(l.ramLowSize, 3 * GiB);
  assert.is(l.ramHighBase, 4 * GiB);
  assert.is(l.ramHighSize, 2 * GiB);
  assert.equal(parse(...K, "-m", "2G").config.layout, defaultLayout(2 * GiB));
});

test("-m: with RAM reaching 512 GiB the default 64-bit MMIO window moves above it", () => {
  const l = parse(...K, "-m", "1T").config.layout;
  assert.is(l.ramHighSize, 1024 * GiB - 3 * GiB);
  assert.is(l.pciMmioHighBase, 1024 * GiB + 64 * GiB, "next 64 GiB boundary above 4 GiB + 1021 GiB");
  // placed by the user: kept, and the overlap is an error
  refuses([...K, "-m", "1T", "-M", "xenpvh,pci-mmio-high-base=0x8000000000"], "xpvh: machine properties ram-high and pci-mmio-high overlap");
});

test("-m: impossible sizes", () => {
  refuses([...K, "-m", "0"], "xpvh: -m 0: the machine needs some RAM");
  refuses([...K, "-m", "0G"], /needs some RAM/);
  refuses([...K, "-m", "-1"], "xpvh: -m -1: a RAM size cannot be negative");
  refuses([...K, "-m", "2T"], "xpvh: -m 2T: more than 1 TiB of RAM is not supported");
  refuses([...K, "-m", "lots"], "xpvh: -m: bad size 'lots'");
  refuses([...K, "-m", "12Q"], /bad size '12Q'/);
  refuses([...K, "-m", "1G,frobs=3"], "xpvh: -m: unknown parameter 'frobs'");
  refuses([...K, "-m"], "xpvh: option -m needs an argument");
});

test("-m: slots/maxmem are accepted with one warning", () => {
  const r = parse(...K, "-m", "1G,slots=2,maxmem=4G");
  assert.is(r.config.memoryBytes, GiB);
  assert.is(r.warnings.length, 1);
  assert.match(r.warnings[0], /^xpvh: warning: -m slots\/maxmem: memory hotplug/);
});

// --- -smp -------------------------------------------------------------------------

test("-smp: 4, cpus=4, 4,maxcpus=4, maxcpus alone, topology", () => {
  assert.is(parse(...K, "-smp", "4").config.smp, 4);
  assert.is(parse(...K, "-smp", "cpus=4").config.smp, 4);
  const r = parse(...K, "-smp", "4,maxcpus=4");
  assert.is(r.config.smp, 4);
  assert.equal(r.warnings, []);
  assert.is(parse(...K, "-smp", "maxcpus=3").config.smp, 3);
  const t = parse(...K, "-smp", "sockets=2,cores=2,threads=2");
  assert.is(t.config.smp, 8);
  assert.match(t.warnings[0], /sockets\/cores\/threads are not modelled/);
  const hot = parse(...K, "-smp", "2,maxcpus=4");
  assert.is(hot.config.smp, 2);
  assert.match(hot.warnings[0], /vCPU hotplug is not available; booting 2 vCPUs/);
});

test("-smp: errors", () => {
  refuses([...K, "-smp", "0"], /number of vCPUs must be 1\.\.255/);
  refuses([...K, "-smp", "256"], /number of vCPUs must be 1\.\.255/);
  refuses([...K, "-smp", "4,maxcpus=2"], "xpvh: -smp 4,maxcpus=2: maxcpus (2) is less than cpus (4)");
  refuses([...K, "-smp", "four"], "xpvh: -smp: bad number 'four' for cpus");
  refuses([...K, "-smp", "2,cpu=2"], "xpvh: -smp: unknown parameter 'cpu'");
});

// --- -machine ---------------------------------------------------------------------

test("-machine: only the given properties override defaultLayout(-m)", () => {
  const r = parse(...K, "-m", "1G", "-machine", "xenpvh,pci-ecam-base=0xb0000000,pci-mmio-size=0x10000000");
  assert.equal(r.config.layout, { ...defaultLayout(GiB), pciEcamBase: 0xb000_0000, pciMmioSize: 256 * MiB });
  // -M, type=, no type, and several -machine options merge
  const m = parse(...K, "-M", "type=xenpvh,pci-mmio-base=3221225472", "-machine", "pci-mmio-size=268435456");
  assert.is(m.config.layout.pciMmioBase, 0xc000_0000);
  assert.is(m.config.layout.pciMmioSize, 256 * MiB);
  // octal, as qemu_strtou64 reads a leading 0
  assert.is(parse(...K, "-M", "xenpvh,ram-low-base=0").config.layout.ramLowBase, 0);
});

test("-machine: ram-low-size caps low RAM; the rest of -m goes high", () => {
  const l = parse(...K, "-m", "3G", "-M", "xenpvh,ram-low-size=0x40000000").config.layout;
  assert.is(l.ramLowSize, GiB);
  assert.is(l.ramHighSize, 2 * GiB);
  // more room than RAM: only -m is present
  const s = parse(...K, "-m", "512M", "-M", "xenpvh,ram-low-size=2147483648,ram-high-size=2147483648").config.layout;
  assert.is(s.ramLowSize, 512 * MiB);
  assert.is(s.ramHighSize, 0);
});

test("-machine: errors (RAM not fitting, overlaps, bad numbers, unknown type/property)", () => {
  refuses([...K, "-m", "4G", "-M", "xenpvh,ram-low-size=1073741824,ram-high-size=1073741824"], "xpvh: -m 4G does not fit the machine: ram-low-size 1G + ram-high-size 1G");
  refuses([...K, "-m", "1G", "-M", "xenpvh,pci-ecam-base=0x20000000"], "xpvh: machine properties ram-low and pci-ecam overlap");
  refuses([...K, "-M", "xenpvh,pci-mmio-base=0xe0000000"], "xpvh: machine properties pci-ecam and pci-mmio overlap");
  refuses([...K, "-M", "xenpvh,pci-mmio-base=0xc0000001"], /base and size must be multiples of 4096/);
  refuses([...K, "-M", "xenpvh,ram-low-size=4GB"], "xpvh: -M: bad number '4GB' for ram-low-size");
  refuses([...K, "-M", "xenpvh,ram-low-size=08"], /bad number '08'/);
  refuses([...K, "-M", "xenpvh,pci-mmio-high-size=0xffffffffffffffff"], /too large/);
  refuses([...K, "-machine", "microvm"], /-machine microvm: unsupported machine type/);
  refuses([...K, "-machine", "xenpvh,ram-size=1"], "xpvh: -machine xenpvh: unknown property 'ram-size'");
});

test("-machine: accel= and kernel-irqchip= are QEMU's older spelling of -accel", () => {
  const r = parse(...K, "-machine", "xenpvh,accel=kvm,kernel-irqchip=split");
  assert.equal(r.warnings, []);
  const g = parse(...K, "-machine", "xenpvh,usb=off");
  assert.match(g.warnings[0], /usb=off: has no effect/);
});

// --- -accel -----------------------------------------------------------------------

test("-accel kvm: Xen properties", () => {
  const c = parse(...K, "-accel", "kvm,xen-version=0x4000a,xen-gnttab-max-frames=128,xen-evtchn-max-pirq=1024").config;
  assert.is(c.xenVersion, 0x4000a);
  assert.is(c.gnttabMaxFrames, 128);
  assert.is(c.evtchnMaxPirq, 1024);
  assert.is(parse(...K, "-accel", "kvm,xen-version=262161").config.xenVersion, 0x40011);
  assert.is(parse(...K, "-enable-kvm").config.xenVersion, DEFAULT_XEN_VERSION);
});

test("-accel: the first accelerator wins, later ones are fallbacks", () => {
  const c = parse(...K, "-accel", "kvm,xen-version=0x40010", "-accel", "kvm,xen-version=0x4000a").config;
  assert.is(c.xenVersion, 0x40010);
  const r = parse(...K, "-accel", "kvm", "-accel", "tcg");
  assert.equal(r.warnings, []);
});

test("-accel tcg is accepted with one warning; kernel-irqchip other than split warns", () => {
  const r = parse(...K, "-accel", "tcg,thread=single");
  assert.is(r.warnings.length, 1);
  assert.match(r.warnings[0], /^xpvh: warning: -accel tcg:/);
  const irq = parse(...K, "-accel", "kvm,kernel-irqchip=on");
  assert.match(irq.warnings[0], /kernel-irqchip=on: ignored/);
});

test("-accel: errors", () => {
  refuses([...K, "-accel", "kvm,xen-version=0"], /xpvh always emulates Xen; give a version such as 0x40011/);
  refuses([...K, "-accel", "kvm,xen-version=0x100000000"], /xen-version must be 0\.\.4294967295/);
  refuses([...K, "-accel", "kvm,xen-version=four"], "xpvh: -accel: bad number 'four' for xen-version");
  refuses([...K, "-accel", "kvm,xen-gnttab-max-frames=0"], /xen-gnttab-max-frames must be 1\.\.192/);
  refuses([...K, "-accel", "kvm,xen-evtchn-max-pirq=65536"], /xen-evtchn-max-pirq must be 0\.\.65535/);
  refuses([...K, "-accel", "kvm,kernel-irqchip=maybe"], /expects on, off or split/);
  refuses([...K, "-accel", "kvm,xen-vapic=on"], "xpvh: -accel: unknown parameter 'xen-vapic'");
  refuses([...K, "-accel", "xen"], /-accel xen: accelerator not available/);
  refuses([...K, "-accel", "hvf"], /accelerator not available/);
});

// --- -cpu, -name, -xen-domid, the flags --------------------------------------------

test("-cpu: xen-vapic spellings, vendor, other flags warn once", () => {
  assert.is(parse(...K, "-cpu", "host").config.xenVapic, false);
  assert.is(parse(...K, "-cpu", "host,xen-vapic=on").config.xenVapic, true);
  assert.is(parse(...K, "-cpu", "host,+xen-vapic,-xen-vapic").config.xenVapic, false);
  assert.is(parse(...K, "-cpu", "host,vendor=AuthenticAMD").config.cpuVendor, "amd");
  const r = parse(...K, "-cpu", "qemu64,+avx2,-x2apic");
  assert.is(r.warnings.length, 2);
  assert.match(r.warnings[0], /-cpu qemu64: xpvh presents one CPU model/);
  assert.match(r.warnings[1], /first: \+avx2/);
  refuses([...K, "-cpu", "host,vendor=Cyrix"], /vendor must be GenuineIntel or AuthenticAMD/);
});

test("-name, -xen-domid, -no-shutdown, -no-reboot, -nodefaults, -icount", () => {
  const r = parse(...K, "-name", "guest=web,debug-threads=on", "-xen-domid", "0x10", "-no-shutdown", "-no-reboot", "-nodefaults", "-no-user-config", "-icount", "shift=0");
  assert.is(r.config.name, "web");
  assert.is(r.config.domid, 16);
  assert.is(r.config.noShutdown, true);
  assert.is(r.config.noReboot, true);
  assert.is(r.nodefaults, true);
  assert.is(r.config.virtualClock, true);
  assert.equal(r.warnings, []);
  refuses([...K, "-xen-domid", "32752"], "xpvh: -xen-domid: the domain id must be 0..32751, not 32752");
  refuses([...K, "-xen-domid", "x"], "xpvh: -xen-domid: bad number 'x' for the domain id");
});

test("display options: none is silent, anything else warns once", () => {
  assert.equal(parse(...K, "-nographic", "-display", "none", "-vnc", "none").warnings, []);
  const r = parse(...K, "-display", "gtk", "-display", "sdl", "-vnc", ":0");
  assert.equal(r.warnings, [
    "xpvh: warning: -display gtk: xpvh has no display; ignored",
    "xpvh: warning: -vnc :0: xpvh has no display; ignored",
  ]);
});

test("-d, -D, -trace, --trace: trace categories and the log file", () => {
  const r = parse(...K, "-d", "int,cpu_reset", "-D", "/tmp/log", "-trace", "hcall", "--trace", "exits", "-d", "guest_errors");
  assert.equal(r.warnings, []);
  assert.equal(r.config.trace, ["int", "cpu_reset", "hcall", "exits", "guest_errors"]);
  assert.is(r.config.traceFile, "/tmp/log");
  assert.throws(() => parse(...K, "-d", "nonsense"), (e: Error) => e instanceof ConfigError && /-d nonsense: unknown category/.test(e.message));
});

test("-serial: none/null silent; others kept and warned once", () => {
  assert.equal(parse(...K, "-serial", "none").warnings, []);
  const r = parse(...K, "-serial", "mon:stdio", "-serial", "null", "-serial", "file:/tmp/s");
  assert.equal(r.serials, ["mon:stdio", "file:/tmp/s"]);
  assert.is(r.warnings.length, 1);
  assert.match(r.warnings[0], /no serial port; the guest's console is the Xen console \(hvc0\)/);
});

test("-xen-attach prints its line once and goes on", () => {
  const r = parse(...K, "-xen-attach", "-xen-attach");
  assert.is(r.xenAttach, true);
  assert.equal(r.warnings, ["xpvh: -xen-attach: xpvh is its own hypervisor, there is no Xen domain to attach to; going on"]);
});

// --- -chardev, -mon ------------------------------------------------------------------

test("-chardev: stdio, socket, null, file", () => {
  const r = parse(...K,
    "-chardev", "stdio,id=c0",
    "-chardev", "socket,id=c1,host=127.0.0.1,port=4444,server=on,wait=off",
    "-chardev", "null,id=c2",
    "-chardev", "file,id=c3,path=/tmp/console.log",
    "-chardev", "socket,id=c4,path=/tmp/qmp.sock,server,wait=off");
  assert.equal(r.config.chardevs.map((c) => [c.id, c.backend]), [["c0", "stdio"], ["c1", "socket"], ["c2", "null"], ["c3", "file"], ["c4", "socket"]]);
  assert.equal(r.config.chardevs[4].options, { path: "/tmp/qmp.sock", server: "on", wait: "off" }, "a bare key means key=on");
  assert.equal(r.warnings, []);
});

test("-chardev: errors", () => {
  refuses([...K, "-chardev", "stdio"], "xpvh: -chardev: needs id=");
  refuses([...K, "-chardev", "pty,id=c0"], "xpvh: -chardev pty: backend not available; use stdio, socket, null or file");
  refuses([...K, "-chardev", "file,id=c0"], "xpvh: -chardev file: needs path=");
  refuses([...K, "-chardev", "socket,id=c0"], /needs path= \(a Unix socket\) or host= and port=/);
  refuses([...K, "-chardev", "stdio,id=c0", "-chardev", "null,id=c0"], "xpvh: -chardev: duplicate id 'c0'");
  refuses([...K, "-chardev", "stdio,id=0bad"], "xpvh: -chardev: '0bad' is not a valid id");
  refuses([...K, "-chardev", "stdio,id=c0,path=/x"], "xpvh: -chardev stdio: unknown parameter 'path'");
  refuses([...K, "-chardev", "socket,id=c0,path=/s,server=maybe"], "xpvh: -chardev: server expects on or off, not 'maybe'");
});

test("-qmp / -qmp-pretty / -monitor: QEMU's short chardev syntax becomes -chardev + -mon", () => {
  const r = parse(...K, "-qmp", "unix:/tmp/q.sock,server=on,wait=off", "-qmp-pretty", "tcp:127.0.0.1:4444,server,nowait", "-monitor", "stdio", "-monitor", "none");
  assert.equal(r.config.chardevs, [
    { id: "compat_monitor0", backend: "socket", options: { path: "/tmp/q.sock", server: "on", wait: "off" } },
    { id: "compat_monitor1", backend: "socket", options: { host: "127.0.0.1", port: "4444", server: "on", wait: "off" } },
    { id: "compat_monitor2", backend: "stdio", options: {} },
  ]);
  assert.equal(r.monitors, [
    { chardev: "compat_monitor0", mode: "control", pretty: false },
    { chardev: "compat_monitor1", mode: "control", pretty: true },
    { chardev: "compat_monitor2", mode: "readline", pretty: false },
  ]);
  assert.equal(parse(...K, "-qmp", "tcp::4444,server=on").config.chardevs[0].options, { port: "4444", server: "on" });
  refuses([...K, "-qmp", "vc"], "xpvh: -qmp vc: use stdio, unix:PATH or tcp:HOST:PORT (with ,server=on,wait=off for a server)");
  refuses([...K, "-qmp", "unix:/q,frob=1"], "xpvh: -qmp socket: unknown parameter 'frob'");
});

test("-S: start paused (CLI only); off by default", () => {
  assert.is(parse(...K, "-S").startPaused, true);
  assert.is(parse(...K).startPaused, false);
});

test("-mon: chardev=,mode=control and the bare id; the chardev must exist", () => {
  const r = parse(...K, "-mon", "chardev=q,mode=control,pretty=on", "-chardev", "socket,id=q,path=/tmp/q");
  assert.equal(r.monitors, [{ chardev: "q", mode: "control", pretty: true }]);
  refuses([...K, "-mon", "nowhere"], "xpvh: -mon: chardev 'nowhere' not found");
  refuses([...K, "-chardev", "null,id=q", "-mon", "q,mode=shell"], "xpvh: -mon: mode must be control or readline, not 'shell'");
});

// --- -device, -netdev, -drive ---------------------------------------------------------

test("-device: the virtio and Xen PV devices with their properties", () => {
  const r = parse(...K,
    "-netdev", "user,id=n0,hostfwd=tcp::2222-:22",
    "-netdev", "hubport,id=n1,hubid=0",
    "-netdev", "socket,id=n2,listen=:1234",
    "-netdev", "dgram,id=n3,local.type=inet,local.host=127.0.0.1,local.port=5000,remote.type=inet,remote.host=127.0.0.1,remote.port=5001",
    "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56",
    "-device", "xen-net-device,netdev=n1,mac=00:16:3e:00:00:01",
    "-device", "virtio-net-pci,netdev=n2",
    "-device", "xen-net-device,netdev=n3,idx=1",
    "-drive", "file=a.img,if=none,id=d0,format=raw",
    "-drive", "file=b.img,if=none,id=d1,readonly=on",
    "-device", "virtio-blk-pci,drive=d0,serial=abc",
    "-device", "xen-disk,drive=d1,vdev=xvdb",
    "-chardev", "stdio,id=c0", "-chardev", "null,id=c1",
    "-device", "virtio-serial",
    "-device", "virtconsole,chardev=c0,name=console.0",
    "-device", "xen-console,chardev=c1");
  assert.equal(r.config.devices.map((d) => d.driver), [
    "virtio-net-pci", "xen-net-device", "virtio-net-pci", "xen-net-device",
    "virtio-blk-pci", "xen-disk", "virtio-serial-pci", "virtconsole", "xen-console",
  ]);
  assert.equal(r.config.netdevs.map((n) => [n.id, n.type]), [["n0", "user"], ["n1", "hubport"], ["n2", "socket"], ["n3", "dgram"]]);
  assert.is(r.config.netdevs[0].options.hostfwd, "tcp::2222-:22");
  assert.is(r.config.drives[1].readonly, true);
  assert.equal(r.warnings, []);
});

test("-device: PCI placement properties are accepted and warned about", () => {
  const r = parse(...K, "-netdev", "hubport,id=n0,hubid=0", "-device", "virtio-net-pci,netdev=n0,bus=pcie.0,addr=0x3");
  assert.ok(r.warnings.includes("xpvh: warning: -device virtio-net-pci,bus=: ignored by xpvh"));
  assert.ok(r.warnings.includes("xpvh: warning: -device virtio-net-pci,addr=: ignored by xpvh"));
});

test("-device: errors", () => {
  refuses([...K, "-device", "e1000"], /-device e1000: no such device on xenpvh; available: virtio-net-pci/);
  refuses([...K, "-device", "virtio-blk-pci"], "xpvh: -device virtio-blk-pci: needs drive=");
  refuses([...K, "-device", "virtio-blk-pci,drive=nope"], "xpvh: -device virtio-blk-pci: drive 'nope' not found");
  refuses([...K, "-device", "virtio-net-pci,netdev=nope"], "xpvh: -device virtio-net-pci: netdev 'nope' not found");
  refuses([...K, "-device", "xen-console,chardev=nope"], "xpvh: -device xen-console: chardev 'nope' not found");
  refuses([...K, "-device", "virtio-net-pci,mac=52:54:00:12:34"], /is not a MAC address/);
  refuses([...K, "-device", "virtio-net-pci,mac=01:54:00:12:34:56"], /is a multicast address/);
  refuses([...K, "-device", "virtio-net-pci,colour=red"], "xpvh: -device virtio-net-pci: unknown parameter 'colour'");
  refuses([...K, "-device", "virtconsole"], /needs a virtio-serial bus/);
  refuses([...K, "-drive", "file=a.img,if=virtio,id=d0", "-device", "virtio-blk-pci,drive=d0"], /drive 'd0' is already in use \(a drive for -device needs if=none\)/);
  refuses([...K, "-drive", "file=a.img,if=none,id=d0", "-device", "virtio-blk-pci,drive=d0", "-device", "xen-disk,drive=d0"], /drive 'd0' is already in use/);
  refuses([...K, "-netdev", "hubport,id=n,hubid=0", "-device", "virtio-net-pci,netdev=n", "-device", "xen-net-device,netdev=n"], "xpvh: -device xen-net-device: netdev 'n' is already in use");
  refuses([...K, "-device", "xen-console,id=x", "-device", "xen-console,id=x"], "xpvh: -device: duplicate id 'x'");
});

test("-netdev tap (either spelling) is refused without -xen-attach", () => {
  const msg = "xpvh: -netdev tap is not available (no host network device in a wasm machine); use -netdev user, hubport, socket or dgram";
  refuses([...K, "-netdev", "tap,id=n0,ifname=tap0"], msg);
  refuses([...K, "-netdev", "type=tap,id=n0,script=no"], msg);
  refuses([...K, "-netdev", "bridge,id=n0,br=br0"], /-netdev bridge is not available/);
});

test("-netdev: errors", () => {
  refuses([...K, "-netdev", "user"], "xpvh: -netdev: needs id=");
  refuses([...K, "-netdev", "slirp,id=n0"], /-netdev slirp: unknown netdev type; use user, hubport, socket or dgram/);
  refuses([...K, "-netdev", "hubport,id=n0"], "xpvh: -netdev: bad number '' for hubid");
  refuses([...K, "-netdev", "socket,id=n0"], /needs listen=, connect=, mcast= or udp=/);
  refuses([...K, "-netdev", "socket,id=n0,fd=3"], /file descriptors cannot be passed/);
  refuses([...K, "-netdev", "user,id=n0", "-netdev", "hubport,id=n0,hubid=1"], "xpvh: -netdev: duplicate id 'n0'");
  refuses([...K, "-netdev", "user,id=n0,ifname=x"], "xpvh: -netdev user: unknown parameter 'ifname'");
  refuses([...K, "-net", "nic"], /use -netdev/);
  assert.equal(parse(...K, "-net", "none").warnings, []);
});

test("-drive: defaults, ids and indices per interface", () => {
  const r = parse(...K,
    "-drive", "file=a.img",
    "-drive", "file=b.img,if=xen,index=1",
    "-drive", "file=c.img,if=xen",
    "-drive", "file=d.img,if=xen",
    "-drive", "file=e.img,if=virtio,readonly=on,file.locking=off");
  assert.equal(r.config.drives.map((d) => [d.id, d.file, d.interface, d.index, d.readonly]), [
    ["virtio0", "a.img", "virtio", 0, false],
    ["xen1", "b.img", "xen", 1, false],
    ["xen0", "c.img", "xen", 0, false],
    ["xen2", "d.img", "xen", 2, false],
    ["virtio1", "e.img", "virtio", 1, true],
  ]);
  assert.equal(r.warnings, []);
});

test("-drive: cache/aio and friends warn; media=cdrom is read-only", () => {
  const r = parse(...K, "-drive", "file=a.iso,media=cdrom,cache=none,aio=threads");
  assert.is(r.config.drives[0].readonly, true);
  assert.is(r.warnings.length, 3);
});

test("-drive: errors", () => {
  refuses([...K, "-drive", "if=virtio"], "xpvh: -drive if=virtio: needs file=");
  refuses([...K, "-drive", "file=a.qcow2,format=qcow2"], "xpvh: -drive format=qcow2: only raw images are supported");
  refuses([...K, "-drive", "file=a.img,if=scsi"], /no scsi controller/);
  refuses([...K, "-drive", "file=a.img,readonly=maybe"], "xpvh: -drive: readonly expects on or off, not 'maybe'");
  refuses([...K, "-drive", "file=a.img,if=xen,index=0", "-drive", "file=b.img,if=xen,index=0"], "xpvh: -drive: a drive with if=xen,index=0 already exists");
  refuses([...K, "-drive", "file=a.img,id=x", "-drive", "file=b.img,id=x"], "xpvh: -drive: duplicate id 'x'");
  refuses([...K, "-drive", "file=a.img,media=tape"], /media=tape: expects disk or cdrom/);
  refuses([...K, "-drive", "file=a.img,bogus=1"], "xpvh: -drive: unknown parameter 'bogus'");
});

// --- -kernel, -initrd, -append and general errors ------------------------------------

test("-kernel and -initrd files are read through the callback", () => {
  const seen: string[] = [];
  const r = parseArgs(["-kernel", "vmlinux", "-initrd", "initrd.img"], (p) => (seen.push(p), readFile(p)));
  assert.equal(seen, ["vmlinux", "initrd.img"]);
  assert.equal(r.config.kernel, FILES.vmlinux);
  assert.equal(r.config.modules, [{ name: "initrd.img", data: FILES["initrd.img"], cmdline: "" }]);
  // the last -kernel wins, and only it is read
  const seen2: string[] = [];
  parseArgs(["-kernel", "nothere", "-kernel", "vmlinux"], (p) => (seen2.push(p), readFile(p)));
  assert.equal(seen2, ["vmlinux"]);
});

test("-kernel / -initrd / -append errors", () => {
  refuses(["-kernel", "nothere.elf"], "xpvh: -kernel nothere.elf: cannot read the file: no such file");
  refuses(["-kernel", "empty"], "xpvh: -kernel empty: the file is empty");
  refuses([...K, "-initrd", "bzImage,missing.img"], "xpvh: -initrd missing.img: cannot read the file: no such file");
  refuses([...K, "-initrd", "bzImage,,"], /-initrd/);
  refuses(["-initrd", "initrd.img"], "xpvh: -initrd needs -kernel");
  refuses(["-append", "console=hvc0"], "xpvh: -append needs -kernel");
  refuses(["-kernel"], "xpvh: option -kernel needs an argument");
});

test("unknown options and stray arguments", () => {
  refuses(["-foo"], "xpvh: unknown option -foo");
  refuses(["--foo"], "xpvh: unknown option --foo");
  refuses(["disk.img"], "xpvh: unexpected argument 'disk.img' (a disk image needs -drive file=disk.img)");
  refuses(["-"], /unexpected argument '-'/);
});

test("comma escapes: ,, is a literal comma in values", () => {
  const r = parse(...K, "-chardev", "file,id=c0,path=/tmp/a,,b.log");
  assert.is(r.config.chardevs[0].options.path, "/tmp/a,b.log");
});

test.run();
