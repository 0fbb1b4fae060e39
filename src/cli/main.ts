#!/usr/bin/env node
// `xpvh`: QEMU-style command line over the library. Errors in what the user gave
// are one line on stderr and exit status 2.
import { createWriteStream, readFileSync } from "node:fs";
import { parseArgs, versionText } from "./args.js";
import { ConfigError } from "../machine/config.js";
import { Machine } from "../machine/machine.js";
import { NodePlatform, packageRoot } from "../platform/node.js";
import { attachStdio } from "../backends/console/stdio.js";
import { nodeDeviceBackends } from "../devices/node.js";
import { Monitor } from "../machine/qmp.js";
import { bindMonitors } from "./monitor.js";

function readFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : String(code ?? e);
    throw new Error(why); // args.ts names the option and the file
  }
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, readFile);
  if (parsed.action === "help") {
    process.stdout.write(parsed.text);
    return 0;
  }
  if (parsed.action === "version") {
    const pkg = JSON.parse(readFileSync(packageRoot() + "package.json", "utf8"));
    process.stdout.write(parsed.text || versionText(pkg.version) + "\n");
    return 0;
  }
  for (const w of parsed.warnings) process.stderr.write(w.endsWith("\n") ? w : w + "\n");
  const config = parsed.config;
  config.nodefaults = parsed.nodefaults;
  if (parsed.defaultKernel) {
    config.kernel = readFile(packageRoot() + config.kernelName);
  }
  const platform = new NodePlatform();
  const machine = await Machine.create(config, platform, nodeDeviceBackends((m) => process.stderr.write(m + "\n")));
  const logFile = config.traceFile ? createWriteStream(config.traceFile, { flags: "a" }) : null;
  machine.onLog((m) => (logFile ?? process.stderr).write(m + "\n"));
  // -mon: QMP and the human monitor on their chardevs. `quit` ends the process with
  // status 0, also after the guest shut down under -no-shutdown.
  let quit = false;
  let endWait = () => {};
  const pkg = JSON.parse(readFileSync(packageRoot() + "package.json", "utf8"));
  if (parsed.startPaused) machine.pause();
  const monitor = new Monitor(machine, {
    version: pkg.version,
    threadId: process.pid,
    prelaunch: parsed.startPaused,
    quit: () => {
      quit = true;
      machine.stop();
      endWait();
      monitors.stopWaiting();
    },
  });
  const monitors = bindMonitors(monitor, parsed.monitors, config.chardevs, (m) => process.stderr.write(m + "\n"));
  await monitors.ready;
  let detach = () => {};
  if (monitors.onStdio) monitors.attachTerminal(machine, process.stdin, process.stdout, process.stderr);
  else detach = attachStdio(machine, process.stdin, process.stdout);
  const exit = await machine.run();
  detach();
  if (exit.message) process.stderr.write(exit.message + "\n");
  if (exit.detail) process.stderr.write(exit.detail + "\n");
  if (config.noShutdown && exit.kind !== "stopped" && !quit) {
    // QEMU keeps the process (and its monitor) alive after the guest shut down.
    const keepAlive = setInterval(() => {}, 1 << 30);
    await new Promise<void>((resolve) => {
      endWait = resolve;
      process.once("SIGINT", () => resolve());
    });
    clearInterval(keepAlive);
  }
  await monitors.close();
  return quit ? 0 : exit.status;
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (e) => {
    if (e instanceof ConfigError || e instanceof RangeError) {
      const msg = e.message.startsWith("xpvh:") ? e.message : `xpvh: ${e.message}`;
      process.stderr.write(msg.split("\n")[0] + "\n");
      process.exit(2);
    }
    process.stderr.write(`xpvh: internal error: ${e instanceof Error ? e.stack ?? e.message : e}\n`);
    process.exit(70);
  },
);
