// The QEMU-style command line: argv in, a MachineConfig plus CLI-only settings
// and warnings out. Options keep QEMU's spelling and meaning (qemu-options.hx,
// docs/system/i386/xenpvh.rst, docs/system/i386/xen.rst), so a command line built
// for `qemu-system-i386 -machine xenpvh` or for QEMU's Xen-on-KVM runs here.
//
// The parser is pure: files are read through the `readFile` callback (-kernel,
// -initrd) and nothing is printed. Every user mistake is a ConfigError whose
// message is one complete line starting with "xpvh: "; every accepted option
// that is ignored or not implemented yet adds one warning line (once per option).

import { TRACE_CATEGORIES } from "../machine/trace_categories.js";
import {
  ConfigError,
  GiB,
  MiB,
  defaultLayout,
  validateLayout,
  type BootModule,
  type ChardevConfig,
  type DeviceConfig,
  type DriveConfig,
  type MachineConfig,
  type NetdevConfig,
  type XenPvhLayout,
} from "../machine/config.js";
import { parseInitrdOption } from "../loader/pvh.js";
import { splitCommas } from "../loader/initrd_option.js";

/** The guest booted when there is no -kernel, relative to the package root. */
export const DEFAULT_GUEST = "test/guests/hello.elf";

/** QEMU's default -m. */
export const DEFAULT_MEMORY_BYTES = 128 * MiB;
/** -m above this is refused (a 40-bit guest-physical RAM budget). */
export const MAX_MEMORY_BYTES = 1024 * GiB;
/** Xen 4.17, the version in QEMU's documentation of its Xen emulation. */
export const DEFAULT_XEN_VERSION = 0x4_0011;
/** QEMU's defaults for the kvm accelerator's xen-gnttab-max-frames and xen-evtchn-max-pirq. */
export const DEFAULT_GNTTAB_MAX_FRAMES = 64;
export const DEFAULT_EVTCHN_MAX_PIRQ = 256;
/** A domU's id; 0 would claim to be dom0. */
export const DEFAULT_DOMID = 1;
/** xAPIC ids are 8 bits and 0xFF is the broadcast id. */
export const MAX_VCPUS = 255;
/** Xen's DOMID_FIRST_RESERVED (0x7FF0) and up are not domain ids. */
const MAX_DOMID = 0x7fef;

/** Accepted options whose effect does not exist yet: each gets one warning.
 * Remove an entry when its feature lands. */
export const NOT_IMPLEMENTED_YET: ReadonlySet<string> = new Set<string>();

export type ReadFile = (path: string) => Uint8Array;

/** A monitor (-mon): QMP when mode is "control", the human monitor otherwise. */
export interface MonitorConfig {
  chardev: string;
  mode: "control" | "readline";
  pretty: boolean;
}

export interface ParsedArgs {
  /** "run": boot `config`. "help"/"version": print `text` and exit 0. */
  action: "run" | "help" | "version";
  text: string;
  config: MachineConfig;
  /** No -kernel was given: `config.kernel` is empty and `config.kernelName` is
   * DEFAULT_GUEST; the caller loads that file from the package root. */
  defaultKernel: boolean;
  monitors: MonitorConfig[];
  /** -S: the vCPU waits for `cont` from a monitor. */
  startPaused: boolean;
  /** -serial values other than none/null (the machine has no UART; warned). */
  serials: string[];
  /** -nodefaults: no default devices (QEMU's meaning). */
  nodefaults: boolean;
  /** -xen-attach was given (the command line comes from a Xen toolstack). */
  xenAttach: boolean;
  /** Complete lines for the CLI to print to stderr, in the order they arose. */
  warnings: string[];
}

// ---------------------------------------------------------------------------
// QEMU's "key=value,key=value" option syntax (util/qemu-option.c).

interface Opts {
  /** The value of the implied first key (`-netdev tap,...` → "tap"), if given bare. */
  implied?: string;
  props: Map<string, string>;
}

/** Splits at single commas; ",," is a literal comma. A bare word after the first
 * means word=on; a bare first word is the implied key's value. */
function parseOpts(option: string, text: string, impliedKey?: string): Opts {
  const pieces = splitCommas(text);
  const out: Opts = { props: new Map() };
  pieces.forEach((piece, i) => {
    if (piece === "") return;
    const eq = piece.indexOf("=");
    if (eq < 0) {
      if (i === 0 && impliedKey !== undefined) out.implied = piece;
      else out.props.set(piece, "on");
      return;
    }
    const key = piece.slice(0, eq);
    if (key === "") throw new ConfigError(`xpvh: ${option} ${text}: parameter with no name`);
    if (key === impliedKey && i === 0) out.implied = piece.slice(eq + 1);
    else out.props.set(key, piece.slice(eq + 1));
  });
  return out;
}

/** QEMU's unsigned integers (qemu_strtou64 with base 0): decimal, 0x hex, 0 octal. */
function parseUint(option: string, what: string, text: string): number {
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) v = parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) v = parseInt(text.slice(1), 8);
  else if (/^(0|[1-9][0-9]*)$/.test(text)) v = parseInt(text, 10);
  else throw new ConfigError(`xpvh: ${option}: bad number '${text}' for ${what}`);
  if (!Number.isSafeInteger(v)) throw new ConfigError(`xpvh: ${option}: ${what} ${text} is too large`);
  return v;
}

function parseUintIn(option: string, what: string, text: string, min: number, max: number): number {
  const v = parseUint(option, what, text);
  if (v < min || v > max) throw new ConfigError(`xpvh: ${option}: ${what} must be ${min}..${max}, not ${text}`);
  return v;
}

const SIZE_UNITS: Record<string, number> = { B: 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50, E: 2 ** 60 };

/** QEMU's sizes (qemu_strtosz): a number, maybe with a fraction, and a unit
 * suffix B K M G T P E; `defaultUnit` applies without one (M for -m). */
function parseSize(option: string, text: string, defaultUnit: number): number {
  const m = /^(0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]*)?)([bBkKmMgGtTpPeE]?)$/.exec(text);
  if (!m) throw new ConfigError(`xpvh: ${option}: bad size '${text}'`);
  const n = m[1].startsWith("0x") || m[1].startsWith("0X") ? parseInt(m[1].slice(2), 16) : parseFloat(m[1]);
  const unit = m[2] ? SIZE_UNITS[m[2].toUpperCase()] : defaultUnit;
  const bytes = n * unit;
  if (!Number.isFinite(bytes) || bytes > 2 ** 62) throw new ConfigError(`xpvh: ${option}: size '${text}' is too large`);
  return Math.ceil(bytes);
}

function parseBool(option: string, key: string, text: string): boolean {
  switch (text) {
    case "on":
    case "yes":
    case "true":
    case "y":
      return true;
    case "off":
    case "no":
    case "false":
    case "n":
      return false;
  }
  throw new ConfigError(`xpvh: ${option}: ${key} expects on or off, not '${text}'`);
}

/** QEMU ids: a letter, then letters, digits, '-', '.', '_'. */
function checkId(option: string, id: string | undefined, required: boolean): string | undefined {
  if (id === undefined) {
    if (required) throw new ConfigError(`xpvh: ${option}: needs id=`);
    return undefined;
  }
  if (!/^[A-Za-z][A-Za-z0-9._-]*$/.test(id)) throw new ConfigError(`xpvh: ${option}: '${id}' is not a valid id`);
  return id;
}

function checkKeys(option: string, props: Map<string, string>, known: readonly string[]): void {
  for (const key of props.keys())
    if (!known.includes(key)) throw new ConfigError(`xpvh: ${option}: unknown parameter '${key}'`);
}

function mapToRecord(props: Map<string, string>): Record<string, string> {
  return Object.fromEntries(props);
}

// ---------------------------------------------------------------------------
// What each option accepts.

const MACHINE_LAYOUT_PROPS: Record<string, keyof XenPvhLayout> = {
  "ram-low-base": "ramLowBase",
  "ram-low-size": "ramLowSize",
  "ram-high-base": "ramHighBase",
  "ram-high-size": "ramHighSize",
  "pci-ecam-base": "pciEcamBase",
  "pci-ecam-size": "pciEcamSize",
  "pci-mmio-base": "pciMmioBase",
  "pci-mmio-size": "pciMmioSize",
  "pci-mmio-high-base": "pciMmioHighBase",
  "pci-mmio-high-size": "pciMmioHighSize",
};
/** Generic machine properties with no meaning here (accepted with a warning). */
const MACHINE_IGNORED_PROPS = ["usb", "graphics", "dump-guest-core", "mem-merge", "memory-backend"];

const KVM_ACCEL_PROPS = ["xen-version", "kernel-irqchip", "xen-gnttab-max-frames", "xen-evtchn-max-pirq", "kvm-shadow-mem", "dirty-ring-size", "notify-vmexit", "notify-window"];
const TCG_ACCEL_PROPS = ["thread", "tb-size", "one-insn-per-tb", "split-wx"];

const CHARDEV_PROPS: Record<string, readonly string[]> = {
  stdio: ["signal"],
  null: [],
  file: ["path", "append"],
  socket: ["path", "host", "port", "server", "wait", "telnet", "websocket", "reconnect", "nodelay", "ipv4", "ipv6", "to", "abstract", "tight"],
};
const CHARDEV_COMMON_PROPS = ["id", "mux", "logfile", "logappend"];

/** -device drivers: the properties each accepts, and which must be given. */
interface DeviceSpec {
  props: readonly string[];
  required: readonly string[];
  /** Accepted properties that change nothing here (PCI placement and the like). */
  ignored: readonly string[];
  help: string;
}
const PCI_IGNORED = ["bus", "addr", "multifunction", "romfile", "rombar", "disable-legacy", "disable-modern", "vectors", "bootindex", "ioeventfd"];
const DEVICES: Record<string, DeviceSpec> = {
  "virtio-net-pci": { props: ["id", "netdev", "mac", "mq", "host_mtu", "speed", "duplex"], required: [], ignored: [...PCI_IGNORED, "mq", "host_mtu", "speed", "duplex"], help: "virtio network card (netdev=, mac=)" },
  "virtio-blk-pci": { props: ["id", "drive", "serial", "num-queues", "queue-size", "logical_block_size", "physical_block_size", "write-cache", "config-wce", "discard"], required: ["drive"], ignored: [...PCI_IGNORED, "num-queues", "queue-size", "logical_block_size", "physical_block_size", "write-cache", "config-wce", "discard"], help: "virtio disk (drive=, serial=)" },
  "virtio-serial-pci": { props: ["id", "max_ports"], required: [], ignored: [...PCI_IGNORED], help: "virtio serial bus for virtconsole / virtserialport (alias virtio-serial)" },
  virtconsole: { props: ["id", "chardev", "name", "nr"], required: [], ignored: ["bus"], help: "console port on a virtio-serial bus (chardev=, name=)" },
  virtserialport: { props: ["id", "chardev", "name", "nr"], required: [], ignored: ["bus"], help: "serial port on a virtio-serial bus (chardev=, name=)" },
  "xen-console": { props: ["id", "chardev", "idx"], required: [], ignored: [], help: "Xen PV console (chardev=)" },
  "xen-disk": { props: ["id", "drive", "vdev"], required: ["drive"], ignored: [], help: "Xen PV block device (drive=, vdev=xvda)" },
  "xen-net-device": { props: ["id", "netdev", "mac", "idx"], required: [], ignored: [], help: "Xen PV network device (netdev=, mac=)" },
};
const DEVICE_ALIASES: Record<string, string> = { "virtio-serial": "virtio-serial-pci", "virtio-net": "virtio-net-pci", "virtio-blk": "virtio-blk-pci" };

const NETDEV_PROPS: Record<string, readonly string[]> = {
  user: ["ipv4", "ipv6", "net", "host", "ipv6-net", "ipv6-host", "restrict", "hostname", "dhcpstart", "dns", "ipv6-dns", "dnssearch", "domainname", "tftp", "tftp-server-name", "bootfile", "hostfwd", "guestfwd", "smb", "smbserver"],
  hubport: ["hubid", "netdev"],
  socket: ["listen", "connect", "mcast", "udp", "localaddr"],
  dgram: ["local.type", "local.host", "local.port", "local.path", "remote.type", "remote.host", "remote.port", "remote.path"],
};
/** Netdev backends QEMU has and a wasm machine cannot. */
const NETDEV_UNAVAILABLE = ["tap", "bridge", "l2tpv3", "vde", "vhost-user", "vhost-vdpa", "netmap", "af-xdp", "vmnet-host", "vmnet-shared", "vmnet-bridged", "stream"];

const DRIVE_PROPS = ["file", "if", "id", "format", "readonly", "file.locking", "index", "media", "cache", "aio", "discard", "detect-zeroes", "snapshot", "werror", "rerror", "serial", "bus", "unit"];
const DRIVE_IGNORED = ["cache", "aio", "discard", "detect-zeroes", "werror", "rerror", "serial", "bus", "unit"];

const OPTION_HELP = `\
usage: xpvh [options]          (no options: boot the built-in test guest)

Boot:
  -kernel file            PVH guest image (an ELF with the Xen PHYS32_ENTRY note)
  -initrd "f1 args,f2"    boot modules: the first is the initrd; ",," is a literal comma
  -append "cmdline"       kernel command line
Machine:
  -m [size=]N[K|M|G|T]    RAM (default 128M; a bare number is MiB)
  -smp [cpus=]N[,maxcpus=N]   vCPUs (default 1)
  -M, -machine xenpvh[,prop=value...]   the xenpvh memory map: ram-low-base
                          ram-low-size ram-high-base ram-high-size pci-ecam-base
                          pci-ecam-size pci-mmio-base pci-mmio-size
                          pci-mmio-high-base pci-mmio-high-size
  -accel kvm[,xen-version=0x40011][,kernel-irqchip=split]
        [,xen-gnttab-max-frames=N][,xen-evtchn-max-pirq=N]   the emulated Xen
  -cpu host[,+xen-vapic][,vendor=AuthenticAMD|GenuineIntel]
  -xen-domid N            the guest's domain id (default 1)
  -name NAME              guest name
  -icount [shift=N]       time advances with executed instructions (deterministic)
Devices:
  -chardev stdio|socket|null|file,id=ID[,...]
  -device DRIVER[,prop=value...]    see -device help
  -drive file=F[,if=virtio|xen|none][,id=ID][,format=raw][,readonly=on][,index=N]
  -netdev user|hubport|socket|dgram,id=ID[,...]
  -mon [chardev=]ID[,mode=control|readline][,pretty=on]   QMP (mode=control) or
                          the human monitor on a socket or stdio chardev
  -qmp DEV, -qmp-pretty DEV, -monitor DEV   the same on DEV: stdio,
                          unix:PATH[,server=on,wait=off] or tcp:HOST:PORT[,...]
Behaviour:
  -S                      start with the vCPU paused ("cont" in a monitor starts it)
  -no-shutdown            keep running (paused) after the guest shuts down
  -no-reboot              treat a guest reboot as a shutdown
  -nodefaults             no default devices
Accepted for compatibility: -nographic -display none -vnc none -no-user-config
  -xen-attach -serial -d -D -trace -net none -enable-kvm
Other:
  -h, --help              this text
  --version               version
Any option may also be spelled with two dashes (--accel).
`;

function machineHelp(): string {
  return "Supported machines are:\nxenpvh               Xen PVH machine: RAM, a PCIe host bridge and virtio-pci devices (default)\n";
}
function accelHelp(): string {
  return "Accelerators supported in QEMU binary:\nkvm   (xpvh's emulated Xen: xen-version, xen-gnttab-max-frames, xen-evtchn-max-pirq)\ntcg   (accepted; the same WebAssembly core)\n";
}
function deviceHelp(): string {
  const lines = Object.entries(DEVICES).map(([name, spec]) => `name "${name}", ${spec.help}`);
  return lines.join("\n") + "\n";
}

/** The text for --version. */
export function versionText(version: string): string {
  return `xpvh version ${version}: a WebAssembly machine for Xen PVH guests (QEMU xenpvh command line)\n`;
}

// ---------------------------------------------------------------------------
// The parser.

interface OptionDef {
  arg: boolean;
  run(p: ArgParser, value: string, name: string): void;
}

const OPTIONS: Record<string, OptionDef> = {
  "-kernel": { arg: true, run: (p, v) => (p.kernelPath = v) },
  "-initrd": { arg: true, run: (p, v) => (p.initrd = v) },
  "-append": { arg: true, run: (p, v) => (p.cmdline = v) },
  "-m": { arg: true, run: (p, v, n) => p.memoryOption(n, v) },
  "-smp": { arg: true, run: (p, v, n) => p.smpOption(n, v) },
  "-machine": { arg: true, run: (p, v, n) => p.machineOption(n, v) },
  "-M": { arg: true, run: (p, v, n) => p.machineOption(n, v) },
  "-accel": { arg: true, run: (p, v, n) => p.accelOption(n, v) },
  "-enable-kvm": { arg: false, run: (p, _v, n) => p.accelOption(n, "kvm") },
  "-cpu": { arg: true, run: (p, v, n) => p.cpuOption(n, v) },
  "-name": { arg: true, run: (p, v, n) => p.nameOption(n, v) },
  "-nographic": { arg: false, run: () => {} },
  "-display": { arg: true, run: (p, v, n) => p.displayOption(n, v) },
  "-vnc": { arg: true, run: (p, v, n) => (v === "none" ? undefined : p.warnOnce(n, `xpvh: warning: ${n} ${v}: xpvh has no display; ignored`)) },
  "-no-shutdown": { arg: false, run: (p) => (p.noShutdown = true) },
  "-S": { arg: false, run: (p) => (p.startPaused = true) },
  "-no-reboot": { arg: false, run: (p) => (p.noReboot = true) },
  "-nodefaults": { arg: false, run: (p) => (p.nodefaults = true) },
  "-no-user-config": { arg: false, run: () => {} },
  "-xen-domid": { arg: true, run: (p, v, n) => (p.domid = parseUintIn(n, "the domain id", v, 0, MAX_DOMID)) },
  "-xen-attach": {
    arg: false,
    run: (p, _v, n) => {
      p.xenAttach = true;
      p.warnOnce(n, `xpvh: ${n}: xpvh is its own hypervisor, there is no Xen domain to attach to; going on`);
    },
  },
  "-chardev": { arg: true, run: (p, v, n) => p.chardevOption(n, v) },
  "-mon": { arg: true, run: (p, v, n) => p.monOption(n, v) },
  "-qmp": { arg: true, run: (p, v, n) => p.shortMonitorOption(n, v, "control", false) },
  "-qmp-pretty": { arg: true, run: (p, v, n) => p.shortMonitorOption(n, v, "control", true) },
  "-monitor": { arg: true, run: (p, v, n) => p.shortMonitorOption(n, v, "readline", false) },
  "-device": { arg: true, run: (p, v, n) => p.deviceOption(n, v) },
  "-netdev": { arg: true, run: (p, v, n) => p.netdevOption(n, v) },
  "-net": {
    arg: true,
    run: (_p, v, n) => {
      if (v !== "none") throw new ConfigError(`xpvh: ${n} ${v}: use -netdev with -device virtio-net-pci or xen-net-device`);
    },
  },
  "-drive": { arg: true, run: (p, v, n) => p.driveOption(n, v) },
  "-serial": { arg: true, run: (p, v, n) => p.serialOption(n, v) },
  "-icount": { arg: true, run: (p) => (p.virtualClock = true) },
  "-d": { arg: true, run: (p, v, n) => p.traceOption(n, v) },
  "-D": { arg: true, run: (p, v) => (p.traceFile = v) },
  "-trace": { arg: true, run: (p, v, n) => p.traceOption(n, v) },
  "--trace": { arg: true, run: (p, v, n) => p.traceOption(n, v) },
};

class ArgParser {
  kernelPath: string | undefined;
  initrd: string | undefined;
  cmdline = "";
  memoryBytes = DEFAULT_MEMORY_BYTES;
  smp = 1;
  machineProps: Partial<XenPvhLayout> = {};
  accelChosen = false;
  xenVersion = DEFAULT_XEN_VERSION;
  gnttabMaxFrames = DEFAULT_GNTTAB_MAX_FRAMES;
  evtchnMaxPirq = DEFAULT_EVTCHN_MAX_PIRQ;
  domid = DEFAULT_DOMID;
  name = "";
  noShutdown = false;
  noReboot = false;
  nodefaults = false;
  xenAttach = false;
  virtualClock = false;
  xenVapic = false;
  cpuVendor: "intel" | "amd" = "intel";
  chardevs: ChardevConfig[] = [];
  monitors: MonitorConfig[] = [];
  startPaused = false;
  devices: DeviceConfig[] = [];
  netdevs: NetdevConfig[] = [];
  /** -netdev tap (and the like) seen: an error unless -xen-attach, see finish(). */
  unavailableNetdevs: { option: string; type: string; id: string }[] = [];
  drives: (DriveConfig & { indexGiven: boolean })[] = [];
  serials: string[] = [];
  warnings: string[] = [];
  private warned = new Set<string>();

  constructor(private readonly readFile: ReadFile) {}

  warnOnce(key: string, line: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warnings.push(line);
  }

  /** One warning for an option listed in NOT_IMPLEMENTED_YET. */
  /** -d / -trace categories (src/machine/trace.ts lists them). */
  trace = new Set<string>();
  traceFile: string | undefined;
  traceOption(option: string, text: string): void {
    for (const item of text.split(",")) {
      if (item === "help") {
        this.warnings.push(`xpvh: ${option} categories: ${TRACE_CATEGORIES.join(", ")}`);
        continue;
      }
      const name = item.replace(/^trace:/, "");
      if (!(TRACE_CATEGORIES as readonly string[]).includes(name)) throw new ConfigError(`xpvh: ${option} ${item}: unknown category (one of ${TRACE_CATEGORIES.join(", ")})`);
      this.trace.add(name);
    }
  }

  notYet(option: string): void {
    if (NOT_IMPLEMENTED_YET.has(option)) this.warnOnce(option, `xpvh: warning: ${option} is accepted but not implemented yet; ignored`);
  }

  memoryOption(option: string, text: string): void {
    const o = parseOpts(option, text, "size");
    checkKeys(option, o.props, ["slots", "maxmem"]);
    if (o.props.size > 0) this.warnOnce(`${option} hotplug`, `xpvh: warning: ${option} slots/maxmem: memory hotplug is not available; ignored`);
    if (o.implied === undefined) throw new ConfigError(`xpvh: ${option} ${text}: no size given`);
    if (o.implied.startsWith("-")) throw new ConfigError(`xpvh: ${option} ${o.implied}: a RAM size cannot be negative`);
    const bytes = parseSize(option, o.implied, MiB);
    if (bytes === 0) throw new ConfigError(`xpvh: ${option} ${o.implied}: the machine needs some RAM`);
    if (bytes > MAX_MEMORY_BYTES) throw new ConfigError(`xpvh: ${option} ${o.implied}: more than 1 TiB of RAM is not supported`);
    // QEMU rounds RAM up to its page size; ours is 4 KiB.
    this.memoryBytes = Math.ceil(bytes / 4096) * 4096;
  }

  smpOption(option: string, text: string): void {
    const o = parseOpts(option, text, "cpus");
    const topologyKeys = ["sockets", "dies", "clusters", "cores", "threads", "books", "drawers"];
    checkKeys(option, o.props, ["maxcpus", ...topologyKeys]);
    const num = (what: string, v: string | undefined) => (v === undefined ? undefined : parseUint(option, what, v));
    const cpusGiven = num("cpus", o.implied);
    const maxGiven = num("maxcpus", o.props.get("maxcpus"));
    let topology: number | undefined;
    for (const key of topologyKeys) {
      const v = num(key, o.props.get(key));
      if (v !== undefined) topology = (topology ?? 1) * v;
    }
    if (topology !== undefined)
      this.warnOnce(`${option} topology`, `xpvh: warning: ${option}: sockets/cores/threads are not modelled; the guest sees plain vCPUs`);
    const maxcpus = maxGiven ?? topology ?? cpusGiven ?? 1;
    const cpus = cpusGiven ?? maxcpus;
    if (cpus < 1 || cpus > MAX_VCPUS) throw new ConfigError(`xpvh: ${option} ${text}: the number of vCPUs must be 1..${MAX_VCPUS}`);
    if (maxcpus < cpus) throw new ConfigError(`xpvh: ${option} ${text}: maxcpus (${maxcpus}) is less than cpus (${cpus})`);
    if (maxcpus > cpus)
      this.warnOnce(`${option} maxcpus`, `xpvh: warning: ${option}: vCPU hotplug is not available; booting ${cpus} vCPUs, maxcpus ${maxcpus} ignored`);
    this.smp = cpus;
  }

  machineOption(option: string, text: string): void {
    const o = parseOpts(option, text, "type");
    if (o.implied === "help" || o.props.has("help")) throw new HelpRequest(machineHelp());
    if (o.implied !== undefined && o.implied !== "xenpvh")
      throw new ConfigError(`xpvh: ${option} ${o.implied}: unsupported machine type; xpvh has one machine, xenpvh (see -machine help)`);
    for (const [key, value] of o.props) {
      const field = MACHINE_LAYOUT_PROPS[key];
      if (field) this.machineProps[field] = parseUint(option, key, value);
      else if (key === "accel") this.accelOption(option, value);
      else if (key === "kernel-irqchip") this.kernelIrqchip(option, value);
      else if (MACHINE_IGNORED_PROPS.includes(key))
        this.warnOnce(`${option} ${key}`, `xpvh: warning: ${option} ${key}=${value}: has no effect on xenpvh; ignored`);
      else throw new ConfigError(`xpvh: ${option} xenpvh: unknown property '${key}'`);
    }
  }

  accelOption(option: string, text: string): void {
    const o = parseOpts(option, text, "accel");
    if (o.implied === "help" || o.props.has("help")) throw new HelpRequest(accelHelp());
    const accel = o.implied;
    if (accel === undefined) throw new ConfigError(`xpvh: ${option} ${text}: no accelerator named`);
    // QEMU tries the -accel options in order and keeps the first that works.
    // Here kvm and tcg both "work", so later ones are fallbacks never used.
    const apply = !this.accelChosen;
    if (accel === "kvm") {
      checkKeys(option, o.props, KVM_ACCEL_PROPS);
      for (const [key, value] of o.props) {
        if (key === "xen-version") {
          const v = parseUintIn(option, key, value, 0, 0xffff_ffff);
          if (v === 0)
            throw new ConfigError(`xpvh: ${option} ${key}=${value}: xpvh always emulates Xen; give a version such as 0x40011 (4.17)`);
          if (apply) this.xenVersion = v;
        } else if (key === "xen-gnttab-max-frames") {
          // Each grant frame the guest maps is an overlay page (CTL_OVERLAY_MAX in all,
          // a few of them taken by shared_info, the console and xenstore).
          const v = parseUintIn(option, key, value, 1, 192);
          if (apply) this.gnttabMaxFrames = v;
        } else if (key === "xen-evtchn-max-pirq") {
          const v = parseUintIn(option, key, value, 0, 0xffff);
          if (apply) this.evtchnMaxPirq = v;
        } else if (key === "kernel-irqchip") this.kernelIrqchip(option, value);
        else this.warnOnce(`${option} ${key}`, `xpvh: warning: ${option} kvm,${key}: has no meaning without KVM; ignored`);
      }
    } else if (accel === "tcg") {
      checkKeys(option, o.props, TCG_ACCEL_PROPS);
      if (apply)
        this.warnOnce(`${option} tcg`, `xpvh: warning: ${option} tcg: xpvh's one accelerator is its WebAssembly core; Xen stays emulated as with -accel kvm`);
    } else {
      throw new ConfigError(`xpvh: ${option} ${accel}: accelerator not available; xpvh emulates Xen itself (use -accel kvm,xen-version=0x40011)`);
    }
    this.accelChosen = true;
  }

  kernelIrqchip(option: string, value: string): void {
    if (value === "split") return;
    if (value !== "on" && value !== "off") throw new ConfigError(`xpvh: ${option} kernel-irqchip=${value}: expects on, off or split`);
    this.warnOnce(
      `${option} kernel-irqchip`,
      `xpvh: warning: ${option} kernel-irqchip=${value}: ignored; the local APIC is always emulated in the core and there is no I/O APIC (as with split)`,
    );
  }

  cpuOption(option: string, text: string): void {
    if (text === "help") throw new HelpRequest("Available CPUs:\n  host   the CPU xpvh emulates (any model name is accepted)\nFlags: +xen-vapic, vendor=GenuineIntel|AuthenticAMD\n");
    const [model, ...flags] = text.split(",");
    if (model !== "host" && model !== "max")
      this.warnOnce(`${option} model`, `xpvh: warning: ${option} ${model}: xpvh presents one CPU model; the name is ignored`);
    for (const flag of flags) {
      const m = /^([+-])?([^=]+)(?:=(.*))?$/.exec(flag);
      if (!m) continue;
      const [, sign, feature, value] = m;
      const name = feature.replace(/_/g, "-");
      if (name === "xen-vapic") {
        this.xenVapic = sign === "-" ? false : value === undefined ? true : parseBool(option, "xen-vapic", value);
      } else if (name === "vendor" && value !== undefined) {
        if (value === "AuthenticAMD" || value === "HygonGenuine") this.cpuVendor = "amd";
        else if (value === "GenuineIntel") this.cpuVendor = "intel";
        else throw new ConfigError(`xpvh: ${option}: vendor must be GenuineIntel or AuthenticAMD, not '${value}'`);
      } else {
        this.warnOnce(`${option} flags`, `xpvh: warning: ${option}: CPU flags other than xen-vapic and vendor= are ignored (first: ${flag})`);
      }
    }
  }

  nameOption(option: string, text: string): void {
    const o = parseOpts(option, text, "guest");
    checkKeys(option, o.props, ["process", "debug-threads"]);
    this.name = o.implied ?? "";
  }

  displayOption(option: string, text: string): void {
    const o = parseOpts(option, text, "type");
    if (o.implied !== "none") this.warnOnce(option, `xpvh: warning: ${option} ${o.implied ?? text}: xpvh has no display; ignored`);
  }

  chardevOption(option: string, text: string): void {
    const o = parseOpts(option, text, "backend");
    if (o.implied === "help") throw new HelpRequest(`Available chardev backend types:\n  ${Object.keys(CHARDEV_PROPS).join("\n  ")}\n`);
    const backend = o.implied;
    if (backend === undefined) throw new ConfigError(`xpvh: ${option} ${text}: no backend named (stdio, socket, null or file)`);
    const known = CHARDEV_PROPS[backend];
    if (!known) throw new ConfigError(`xpvh: ${option} ${backend}: backend not available; use stdio, socket, null or file`);
    checkKeys(`${option} ${backend}`, o.props, [...known, ...CHARDEV_COMMON_PROPS]);
    const id = checkId(option, o.props.get("id"), true)!;
    if (this.chardevs.some((c) => c.id === id)) throw new ConfigError(`xpvh: ${option}: duplicate id '${id}'`);
    if (backend === "file" && !o.props.get("path")) throw new ConfigError(`xpvh: ${option} file: needs path=`);
    if (backend === "socket" && !o.props.get("path") && !o.props.get("port"))
      throw new ConfigError(`xpvh: ${option} socket: needs path= (a Unix socket) or host= and port=`);
    for (const key of ["server", "wait", "mux", "signal", "append", "telnet", "websocket", "nodelay", "logappend"])
      if (o.props.has(key)) parseBool(option, key, o.props.get(key)!);
    const options = mapToRecord(o.props);
    delete options.id;
    this.chardevs.push({ id, backend, options });
  }

  monOption(option: string, text: string): void {
    const o = parseOpts(option, text, "chardev");
    checkKeys(option, o.props, ["mode", "pretty"]);
    const chardev = o.implied;
    if (!chardev) throw new ConfigError(`xpvh: ${option} ${text}: needs chardev=`);
    const mode = o.props.get("mode") ?? "readline";
    if (mode !== "control" && mode !== "readline") throw new ConfigError(`xpvh: ${option}: mode must be control or readline, not '${mode}'`);
    const pretty = o.props.has("pretty") ? parseBool(option, "pretty", o.props.get("pretty")!) : false;
    this.monitors.push({ chardev, mode, pretty });
    this.notYet(option);
  }

  /** -qmp / -qmp-pretty / -monitor DEV: a chardev in QEMU's short syntax (stdio,
   * null, unix:PATH[,opts], tcp:[HOST]:PORT[,opts]; "none": no monitor) with a
   * monitor on it, as `-chardev ...,id=compat_monitorN -mon compat_monitorN`. */
  shortMonitorOption(option: string, text: string, mode: MonitorConfig["mode"], pretty: boolean): void {
    if (text === "none") return;
    let n = 0;
    while (this.chardevs.some((c) => c.id === `compat_monitor${n}`)) n++;
    const id = `compat_monitor${n}`;
    const comma = text.indexOf(",");
    const dev = comma < 0 ? text : text.slice(0, comma);
    // QEMU still takes the old spelling "nowait" for wait=off.
    const opts = comma < 0 ? "" : text.slice(comma).replace(/,nowait(?=,|$)/g, ",wait=off");
    let spec: string;
    if (dev === "stdio" || dev === "null") spec = dev;
    else if (dev.startsWith("unix:") && dev.length > 5) spec = `socket,path=${dev.slice(5)}`;
    else if (/^tcp:.*:[0-9]+$/.test(dev)) {
      const hostPort = dev.slice(4);
      const colon = hostPort.lastIndexOf(":");
      const host = hostPort.slice(0, colon);
      spec = `socket,${host ? `host=${host},` : ""}port=${hostPort.slice(colon + 1)}`;
    } else throw new ConfigError(`xpvh: ${option} ${text}: use stdio, unix:PATH or tcp:HOST:PORT (with ,server=on,wait=off for a server)`);
    this.chardevOption(option, `${spec},id=${id}${opts}`);
    this.monitors.push({ chardev: id, mode, pretty });
  }

  deviceOption(option: string, text: string): void {
    const o = parseOpts(option, text, "driver");
    if (o.implied === "help") throw new HelpRequest(deviceHelp());
    if (o.implied === undefined) throw new ConfigError(`xpvh: ${option} ${text}: no driver named (see -device help)`);
    const driver = DEVICE_ALIASES[o.implied] ?? o.implied;
    const spec = DEVICES[driver];
    if (!spec)
      throw new ConfigError(`xpvh: ${option} ${o.implied}: no such device on xenpvh; available: ${Object.keys(DEVICES).join(", ")}`);
    if (o.props.get("help") !== undefined) throw new HelpRequest(`${driver} options:\n  ${[...spec.props, ...spec.ignored].join("\n  ")}\n`);
    checkKeys(`${option} ${driver}`, o.props, [...new Set([...spec.props, ...spec.ignored])]);
    for (const key of spec.required)
      if (!o.props.get(key)) throw new ConfigError(`xpvh: ${option} ${driver}: needs ${key}=`);
    for (const key of o.props.keys())
      if (spec.ignored.includes(key))
        this.warnOnce(`${option} ${driver} ${key}`, `xpvh: warning: ${option} ${driver},${key}=: ignored by xpvh`);
    const id = checkId(option, o.props.get("id"), false);
    if (id !== undefined && this.devices.some((d) => d.options.id === id)) throw new ConfigError(`xpvh: ${option}: duplicate id '${id}'`);
    const mac = o.props.get("mac");
    if (mac !== undefined && !/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(mac))
      throw new ConfigError(`xpvh: ${option} ${driver}: mac=${mac} is not a MAC address (xx:xx:xx:xx:xx:xx)`);
    if (mac !== undefined && parseInt(mac.slice(0, 2), 16) & 1)
      throw new ConfigError(`xpvh: ${option} ${driver}: mac=${mac} is a multicast address`);
    for (const key of ["idx", "nr", "max_ports"]) if (o.props.has(key)) parseUint(option, key, o.props.get(key)!);
    this.devices.push({ driver, options: mapToRecord(o.props) });
  }

  netdevOption(option: string, text: string): void {
    const o = parseOpts(option, text, "type");
    if (o.implied === "help") throw new HelpRequest(`Available netdev backend types:\n  ${Object.keys(NETDEV_PROPS).join("\n  ")}\n`);
    const type = o.implied;
    if (type === undefined) throw new ConfigError(`xpvh: ${option} ${text}: no type named (user, hubport, socket or dgram)`);
    const id = checkId(option, o.props.get("id"), true)!;
    if (this.netdevs.some((n) => n.id === id) || this.unavailableNetdevs.some((n) => n.id === id))
      throw new ConfigError(`xpvh: ${option}: duplicate id '${id}'`);
    if (NETDEV_UNAVAILABLE.includes(type)) {
      this.unavailableNetdevs.push({ option, type, id });
      return;
    }
    const known = NETDEV_PROPS[type];
    if (!known) throw new ConfigError(`xpvh: ${option} ${type}: unknown netdev type; use user, hubport, socket or dgram`);
    o.props.delete("id");
    if (o.props.has("fd")) throw new ConfigError(`xpvh: ${option} ${type},fd=: file descriptors cannot be passed to xpvh`);
    checkKeys(`${option} ${type}`, o.props, known);
    if (type === "hubport") parseUint(option, "hubid", o.props.get("hubid") ?? "");
    if (type === "socket" && !["listen", "connect", "mcast", "udp"].some((k) => o.props.has(k)))
      throw new ConfigError(`xpvh: ${option} socket: needs listen=, connect=, mcast= or udp=`);
    if (type === "dgram" && !o.props.has("local.type") && !o.props.has("remote.type"))
      throw new ConfigError(`xpvh: ${option} dgram: needs local.* or remote.* addresses`);
    this.netdevs.push({ id, type: type as NetdevConfig["type"], options: mapToRecord(o.props) });
    this.notYet(option);
  }

  driveOption(option: string, text: string): void {
    const o = parseOpts(option, text);
    checkKeys(option, o.props, DRIVE_PROPS);
    const file = o.props.get("file");
    if (!file) throw new ConfigError(`xpvh: ${option} ${text}: needs file=`);
    const iface = o.props.get("if") ?? "virtio";
    if (iface !== "virtio" && iface !== "xen" && iface !== "none")
      throw new ConfigError(`xpvh: ${option} if=${iface}: the xenpvh machine has no ${iface} controller; use if=virtio, if=xen or if=none`);
    const format = o.props.get("format") ?? "raw";
    if (format !== "raw") throw new ConfigError(`xpvh: ${option} format=${format}: only raw images are supported`);
    let readonly = o.props.has("readonly") ? parseBool(option, "readonly", o.props.get("readonly")!) : false;
    const locking = o.props.get("file.locking");
    if (locking !== undefined && locking !== "auto") parseBool(option, "file.locking", locking);
    const media = o.props.get("media") ?? "disk";
    if (media !== "disk" && media !== "cdrom") throw new ConfigError(`xpvh: ${option} media=${media}: expects disk or cdrom`);
    if (media === "cdrom") {
      readonly = true;
      this.warnOnce(`${option} cdrom`, `xpvh: warning: ${option} media=cdrom: attached as a read-only disk`);
    }
    if (o.props.has("snapshot") && parseBool(option, "snapshot", o.props.get("snapshot")!))
      this.warnOnce(`${option} snapshot`, `xpvh: warning: ${option} snapshot=on is accepted but not implemented yet; writes go to the file`);
    for (const key of o.props.keys())
      if (DRIVE_IGNORED.includes(key)) this.warnOnce(`${option} ${key}`, `xpvh: warning: ${option} ${key}=: ignored by xpvh`);
    const indexText = o.props.get("index");
    const index = indexText === undefined ? -1 : parseUintIn(option, "index", indexText, 0, 1023);
    if (index >= 0 && this.drives.some((d) => d.interface === iface && d.index === index))
      throw new ConfigError(`xpvh: ${option}: a drive with if=${iface},index=${index} already exists`);
    const id = checkId(option, o.props.get("id"), false);
    if (id !== undefined && this.drives.some((d) => d.id === id)) throw new ConfigError(`xpvh: ${option}: duplicate id '${id}'`);
    this.drives.push({ id: id ?? "", file, format: "raw", interface: iface, readonly, index, indexGiven: index >= 0 });
  }

  serialOption(option: string, text: string): void {
    if (text === "none" || text === "null") return;
    this.serials.push(text);
    this.warnOnce(option, `xpvh: warning: ${option} ${text}: the xenpvh machine has no serial port; the guest's console is the Xen console (hvc0)`);
  }

  /** Cross-option checks, the memory map, file reads. */
  finish(): ParsedArgs {
    // -netdev tap and friends: no host network device exists in a wasm machine.
    // A Xen toolstack's command line (-xen-attach, as in xenpvh-machine.rst)
    // still boots, with that netdev left unconnected.
    for (const n of this.unavailableNetdevs) {
      const why = `xpvh: ${n.option} ${n.type} is not available (no host network device in a wasm machine); use -netdev user, hubport, socket or dgram`;
      if (!this.xenAttach) throw new ConfigError(why);
      this.warnings.push(`${why.replace("xpvh: ", "xpvh: warning: ")}; with -xen-attach, '${n.id}' is left unconnected`);
      this.netdevs.push({ id: n.id, type: "none", options: {} });
    }

    // Drives: fill in indices in order per interface, then QEMU-style ids.
    for (const d of this.drives) {
      if (d.indexGiven) continue;
      let i = 0;
      while (this.drives.some((e) => e !== d && e.interface === d.interface && e.index === i)) i++;
      d.index = i;
    }
    for (const d of this.drives) {
      if (d.id !== "") continue;
      d.id = `${d.interface}${d.index}`;
      if (this.drives.some((e) => e !== d && e.id === d.id)) throw new ConfigError(`xpvh: -drive: the automatic id '${d.id}' is taken; give id=`);
    }

    // References between options.
    const usedNetdevs = new Set<string>();
    const usedDrives = new Set<string>();
    const hasSerialBus = this.devices.some((d) => d.driver === "virtio-serial-pci");
    for (const dev of this.devices) {
      const where = `-device ${dev.driver}`;
      const { netdev, drive, chardev } = dev.options;
      if (netdev !== undefined) {
        if (!this.netdevs.some((n) => n.id === netdev)) throw new ConfigError(`xpvh: ${where}: netdev '${netdev}' not found`);
        if (usedNetdevs.has(netdev)) throw new ConfigError(`xpvh: ${where}: netdev '${netdev}' is already in use`);
        usedNetdevs.add(netdev);
      }
      if (drive !== undefined) {
        const d = this.drives.find((e) => e.id === drive);
        if (!d) throw new ConfigError(`xpvh: ${where}: drive '${drive}' not found`);
        if (d.interface !== "none" || usedDrives.has(drive))
          throw new ConfigError(`xpvh: ${where}: drive '${drive}' is already in use (a drive for -device needs if=none)`);
        usedDrives.add(drive);
      }
      if (chardev !== undefined && !this.chardevs.some((c) => c.id === chardev))
        throw new ConfigError(`xpvh: ${where}: chardev '${chardev}' not found`);
      if ((dev.driver === "virtconsole" || dev.driver === "virtserialport") && !hasSerialBus)
        throw new ConfigError(`xpvh: ${where}: needs a virtio-serial bus (-device virtio-serial-pci)`);
    }
    for (const mon of this.monitors)
      if (!this.chardevs.some((c) => c.id === mon.chardev)) throw new ConfigError(`xpvh: -mon: chardev '${mon.chardev}' not found`);

    const layout = this.buildLayout();

    let kernel: Uint8Array = new Uint8Array(0);
    if (this.kernelPath !== undefined) {
      kernel = this.read("-kernel", this.kernelPath);
      if (kernel.length === 0) throw new ConfigError(`xpvh: -kernel ${this.kernelPath}: the file is empty`);
    }
    const modules: BootModule[] = [];
    if (this.initrd !== undefined) {
      if (this.kernelPath === undefined) throw new ConfigError("xpvh: -initrd needs -kernel");
      for (const spec of parseInitrdOption(this.initrd))
        modules.push({ name: spec.file, data: this.read("-initrd", spec.file), cmdline: spec.cmdline });
    }
    if (this.kernelPath === undefined && this.cmdline !== "") throw new ConfigError("xpvh: -append needs -kernel");

    const config = this.machineConfig(kernel, modules, layout);
    return {
      action: "run",
      text: "",
      config,
      defaultKernel: this.kernelPath === undefined,
      monitors: this.monitors,
      startPaused: this.startPaused,
      serials: this.serials,
      nodefaults: this.nodefaults,
      xenAttach: this.xenAttach,
      warnings: this.warnings,
    };
  }

  machineConfig(kernel: Uint8Array, modules: BootModule[], layout: XenPvhLayout): MachineConfig {
    return {
      kernel,
      kernelName: this.kernelPath ?? DEFAULT_GUEST,
      modules,
      cmdline: this.cmdline,
      memoryBytes: this.memoryBytes,
      smp: this.smp,
      layout,
      xenVersion: this.xenVersion,
      gnttabMaxFrames: this.gnttabMaxFrames,
      evtchnMaxPirq: this.evtchnMaxPirq,
      domid: this.domid,
      name: this.name,
      noShutdown: this.noShutdown,
      noReboot: this.noReboot,
      virtualClock: this.virtualClock,
      drives: this.drives.map(({ indexGiven: _, ...d }) => d),
      netdevs: this.netdevs,
      devices: this.devices,
      chardevs: this.chardevs,
      cpuVendor: this.cpuVendor,
      xenVapic: this.xenVapic,
      trace: [...this.trace],
      traceFile: this.traceFile,
    };
  }

  /** The xenpvh memory map: defaults for -m, overridden by the -machine
   * properties given. ram-low-size and ram-high-size are the most RAM each
   * window takes (QEMU's xen_pvh_init_ram): -m fills low RAM first and puts the
   * rest in the high window. The result holds the RAM actually present. */
  private buildLayout(): XenPvhLayout {
    const layout: XenPvhLayout = { ...defaultLayout(this.memoryBytes), ...this.machineProps };
    const lowCap = this.machineProps.ramLowSize ?? layout.ramLowSize;
    const low = Math.min(this.memoryBytes, lowCap);
    const high = this.memoryBytes - low;
    // With a lot of RAM the default 64-bit MMIO window (at 512 GiB) would sit in
    // high RAM; unless the user placed it, move it above RAM, size aligned.
    const highEnd = layout.ramHighBase + high;
    if (this.machineProps.pciMmioHighBase === undefined && high > 0 && layout.pciMmioHighBase < highEnd) {
      const align = layout.pciMmioHighSize || GiB;
      layout.pciMmioHighBase = Math.ceil(highEnd / align) * align;
    }
    const highCap = this.machineProps.ramHighSize;
    if (highCap !== undefined && high > highCap)
      throw new ConfigError(
        `xpvh: -m ${formatBytes(this.memoryBytes)} does not fit the machine: ram-low-size ${formatBytes(lowCap)} + ram-high-size ${formatBytes(highCap)}`,
      );
    layout.ramLowSize = low;
    layout.ramHighSize = high;
    try {
      validateLayout(layout);
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(`xpvh: ${e.message}`);
      throw e;
    }
    return layout;
  }

  private read(option: string, path: string): Uint8Array {
    try {
      return this.readFile(path);
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : String((e as Error).message ?? e);
      throw new ConfigError(`xpvh: ${option} ${path}: cannot read the file: ${why}`);
    }
  }
}

/** Thrown inside the parser by the various "help" values. */
class HelpRequest {
  constructor(readonly text: string) {}
}

function formatBytes(n: number): string {
  if (n % GiB === 0) return `${n / GiB}G`;
  if (n % MiB === 0) return `${n / MiB}M`;
  return `${n}B`;
}

/**
 * Parses a QEMU-style argv (without the program name) into a machine
 * configuration. Throws ConfigError, with a one-line message, for anything the
 * user got wrong. `readFile` reads -kernel and -initrd files (Node: fs.readFileSync).
 */
export function parseArgs(argv: readonly string[], readFile: ReadFile): ParsedArgs {
  const p = new ArgParser(readFile);
  try {
    for (let i = 0; i < argv.length; i++) {
      const given = argv[i];
      if (!given.startsWith("-") || given === "-" || given === "--") {
        throw new ConfigError(`xpvh: unexpected argument '${given}' (a disk image needs -drive file=${given})`);
      }
      // QEMU accepts every option with one dash or two.
      const name = given.startsWith("--") ? given.slice(1) : given;
      if (name === "-h" || name === "-help") return early(p, "help", OPTION_HELP);
      if (name === "-version") return early(p, "version", "");
      const def = OPTIONS[name];
      if (!def) throw new ConfigError(`xpvh: unknown option ${given}`);
      let value = "";
      if (def.arg) {
        if (i + 1 >= argv.length) throw new ConfigError(`xpvh: option ${given} needs an argument`);
        value = argv[++i];
      }
      def.run(p, value, name);
    }
    return p.finish();
  } catch (e) {
    if (e instanceof HelpRequest) return early(p, "help", e.text);
    throw e;
  }
}

/** -h / --version / "help" values: nothing is read or validated, and the
 * config holds the defaults. */
function early(p: ArgParser, action: "help" | "version", text: string): ParsedArgs {
  const defaults = new ArgParser(() => new Uint8Array(0));
  return {
    action,
    text,
    config: defaults.machineConfig(new Uint8Array(0), [], defaultLayout(DEFAULT_MEMORY_BYTES)),
    defaultKernel: true,
    monitors: [],
    startPaused: false,
    serials: [],
    nodefaults: false,
    xenAttach: false,
    warnings: p.warnings,
  };
}
