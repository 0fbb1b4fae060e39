// Library options: a MachineConfig with everything but the kernel optional.
import { defaultLayout, type MachineConfig } from "./config.js";

/** Everything optional except the kernel image. */
export type MachineOptions = Partial<MachineConfig> & { kernel: Uint8Array };

export function machineConfig(opts: MachineOptions): MachineConfig {
  const memoryBytes = opts.memoryBytes ?? 128 * 1024 * 1024;
  return {
    kernelName: "kernel",
    modules: [],
    cmdline: "",
    smp: 1,
    layout: opts.layout ?? defaultLayout(memoryBytes),
    xenVersion: 0x40011,
    gnttabMaxFrames: 64,
    evtchnMaxPirq: 256,
    domid: 1,
    name: "xpvh",
    noShutdown: false,
    noReboot: false,
    virtualClock: false,
    drives: [],
    netdevs: [],
    devices: [],
    chardevs: [],
    cpuVendor: "intel",
    ...opts,
    memoryBytes,
  } as MachineConfig;
}

