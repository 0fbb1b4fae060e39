// The machine description: what the CLI parses into and what the library API
// takes. Plain data, no behaviour beyond defaults and validation.
import type { BlockBackend } from "../backends/block/block_backend.js";
import type { NetBackend } from "../backends/net/net_backend.js";

/** The `xenpvh` machine's memory-map properties (../shared/seeds/xenpvh-machine.rst).
 * Addresses and sizes are byte counts; all stay below 2^53. */
export interface XenPvhLayout {
  ramLowBase: number;
  ramLowSize: number;
  ramHighBase: number;
  ramHighSize: number;
  pciEcamBase: number;
  pciEcamSize: number;
  pciMmioBase: number;
  pciMmioSize: number;
  pciMmioHighBase: number;
  pciMmioHighSize: number;
}

/** A boot module (`-initrd`): the first is the initrd Linux takes. */
export interface BootModule {
  name: string;
  data: Uint8Array;
  cmdline: string;
}

export interface DriveConfig {
  id: string;
  file?: string;
  /** In-memory image (library API / browser). */
  data?: Uint8Array;
  /** Any block backend (library API / browser: an HttpRangeBlock under an
   * OverlayBlock); wins over `file` and `data`. */
  backend?: BlockBackend;
  format: "raw";
  interface: "virtio" | "xen" | "none";
  readonly: boolean;
  /** Position among the drives of the same interface (-drive index=, else the
   * next free one): if=xen index 0 is xvda, 1 is xvdb, and so on. */
  index?: number;
}

export interface NetdevConfig {
  id: string;
  type: "hubport" | "socket" | "dgram" | "user" | "none";
  options: Record<string, string>;
  /** A ready backend (library API / browser); wins over type and options. */
  backend?: NetBackend;
}

export interface DeviceConfig {
  driver: string;
  options: Record<string, string>;
}

export interface ChardevConfig {
  id: string;
  backend: string;
  options: Record<string, string>;
}

export interface MachineConfig {
  kernel: Uint8Array;
  kernelName: string;
  modules: BootModule[];
  cmdline: string;
  /** Guest RAM in bytes (-m). */
  memoryBytes: number;
  smp: number;
  layout: XenPvhLayout;
  /** XENVER_version as major<<16 | minor (accel property xen-version). */
  xenVersion: number;
  gnttabMaxFrames: number;
  evtchnMaxPirq: number;
  domid: number;
  name: string;
  /** Keep the process alive after the guest shuts down (-no-shutdown). */
  noShutdown: boolean;
  /** Treat a guest reboot as a shutdown (-no-reboot). */
  noReboot: boolean;
  /** TSC and Xen system time advance with retired instructions (deterministic runs). */
  virtualClock: boolean;
  drives: DriveConfig[];
  netdevs: NetdevConfig[];
  devices: DeviceConfig[];
  chardevs: ChardevConfig[];
  /** Most host memory guest RAM may take (it is backed lazily, page by page, up to
   * wasm32's 4 GiB); touching more ends the run with an out-of-memory exit. */
  hostRamLimitBytes?: number;
  /** -nodefaults: no default devices (the default Xen NIC of an unused -netdev). */
  nodefaults?: boolean;
  /** -d / -trace categories (src/machine/trace_categories.ts). */
  trace?: string[];
  /** -D: where diagnostics go instead of stderr. */
  traceFile?: string;
  /** CPU vendor personality: decides VMCALL vs VMMCALL in the hypercall page. */
  cpuVendor: "intel" | "amd";
  /** `-cpu ...,+xen-vapic`: advertise APIC access virtualisation in the Xen HVM
   * CPUID leaf (base+4 EAX bits 0 and 1), so Linux does not route interrupts
   * through PIRQ event channels. */
  xenVapic?: boolean;
}

/** The user got something wrong: the CLI prints the message on one line, exit 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** Default xenpvh memory map for `memoryBytes` of RAM. Follows QEMU microvm's
 * PCIe placement (ECAM at 0xE0000000, 32-bit MMIO at 0xC0000000), so RAM below
 * 4 GiB stops at 3 GiB and the rest goes above 4 GiB. */
export function defaultLayout(memoryBytes: number): XenPvhLayout {
  const hole = 0xc000_0000;
  const low = Math.min(memoryBytes, hole);
  const high = memoryBytes - low;
  return {
    ramLowBase: 0,
    ramLowSize: low,
    ramHighBase: 0x1_0000_0000,
    ramHighSize: high,
    pciEcamBase: 0xe000_0000,
    pciEcamSize: 256 * MiB,
    pciMmioBase: 0xc000_0000,
    pciMmioSize: 512 * MiB,
    pciMmioHighBase: 0x80_0000_0000,
    pciMmioHighSize: 64 * GiB,
  };
}

/** Checks that RAM, ECAM and the MMIO windows do not overlap and are page aligned. */
export function validateLayout(l: XenPvhLayout): void {
  const ranges: [string, number, number][] = [
    ["ram-low", l.ramLowBase, l.ramLowSize],
    ["ram-high", l.ramHighBase, l.ramHighSize],
    ["pci-ecam", l.pciEcamBase, l.pciEcamSize],
    ["pci-mmio", l.pciMmioBase, l.pciMmioSize],
    ["pci-mmio-high", l.pciMmioHighBase, l.pciMmioHighSize],
  ];
  for (const [name, base, size] of ranges) {
    if (base % 4096 !== 0 || size % 4096 !== 0)
      throw new ConfigError(`machine property ${name}: base and size must be multiples of 4096`);
    if (base + size > 2 ** 52) throw new ConfigError(`machine property ${name}: range above 2^52`);
  }
  if (l.ramLowSize + l.ramHighSize === 0) throw new ConfigError("the machine has no RAM");
  if (l.ramLowBase + l.ramLowSize > 0x1_0000_0000)
    throw new ConfigError("machine property ram-low: must end below 4 GiB");
  if (l.pciEcamSize !== 0 && (l.pciEcamSize < MiB || l.pciEcamSize > 256 * MiB || l.pciEcamSize % MiB !== 0))
    throw new ConfigError("machine property pci-ecam-size: must be 1..256 MiB in whole MiB (one bus per MiB)");
  for (let i = 0; i < ranges.length; i++)
    for (let j = i + 1; j < ranges.length; j++) {
      const [a, ab, as] = ranges[i];
      const [b, bb, bs] = ranges[j];
      if (as && bs && ab < bb + bs && bb < ab + as)
        throw new ConfigError(`machine properties ${a} and ${b} overlap`);
    }
  // The local APIC page sits at 0xFEE00000 and the Xen ring pages at 0xFEFF8000.
  for (const [name, base, size] of ranges)
    if (size && base < 0xff00_0000 && 0xfee0_0000 < base + size)
      throw new ConfigError(`machine property ${name}: overlaps the local APIC / Xen pages at 0xFEE00000-0xFEFFFFFF`);
}
