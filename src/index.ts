// xpvh's library API: build a machine from options, attach a console, run it
// until the guest shuts down, read how it ended.
//
//   import { createMachine, parseCommandLine } from "xpvh";
//   const m = await createMachine({ kernel: bytes, cmdline: "console=hvc0" });
//   m.onConsole((b) => process.stdout.write(b));
//   const exit = await m.run();   // { kind: "poweroff", status: 0, ... }
import { Machine } from "./machine/machine.js";
import {
  ConfigError,
  defaultLayout,
  type MachineConfig,
  type BootModule,
  type DriveConfig,
  type XenPvhLayout,
} from "./machine/config.js";
import { NodePlatform } from "./platform/node.js";
import { nodeDeviceBackends } from "./devices/node.js";
import { machineConfig, type MachineOptions } from "./machine/options.js";

export { machineConfig };
export type { MachineOptions };
import type { Platform } from "./platform/platform.js";

export { Machine, ConfigError, defaultLayout };
export type { MachineConfig, BootModule, DriveConfig, XenPvhLayout, Platform };
export type { MachineExit, ExitKind } from "./machine/exit.js";
export { parseArgs } from "./cli/args.js";

/** Creates a machine with the guest loaded (not yet running). Throws ConfigError
 * for a bad image or impossible options. */
export async function createMachine(opts: MachineOptions | MachineConfig, platform?: Platform): Promise<Machine> {
  return Machine.create(machineConfig(opts), platform ?? new NodePlatform(), nodeDeviceBackends());
}
