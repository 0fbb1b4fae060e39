// The machine runs here, off the page's main thread; console bytes go to the
// page, keys come back.
import { Machine } from "../src/machine/machine.js";
import { machineConfig } from "../src/machine/options.js";
import { BrowserPlatform } from "../src/platform/browser.js";

type ToWorker = { type: "boot"; kernelUrl: string; cmdline: string; memoryMiB: number } | { type: "input"; data: Uint8Array };

let machine: Machine | null = null;

self.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === "input") {
    machine?.input(msg.data);
    return;
  }
  try {
    machine?.stop();
    const res = await fetch(msg.kernelUrl);
    if (!res.ok) throw new Error(`cannot fetch ${msg.kernelUrl}: HTTP ${res.status}`);
    const kernel = new Uint8Array(await res.arrayBuffer());
    const platform = new BrowserPlatform(new URL("core.wasm", self.location.href));
    const config = machineConfig({ kernel, kernelName: msg.kernelUrl, cmdline: msg.cmdline, memoryBytes: msg.memoryMiB * 1024 * 1024 });
    const m = await Machine.create(config, platform);
    machine = m;
    m.onConsole((data) => postMessage({ type: "console", data }));
    postMessage({ type: "status", text: "running" });
    const exit = await m.run();
    postMessage({ type: "exit", kind: exit.kind, status: exit.status, message: exit.message, instructions: m.instructions });
  } catch (e) {
    postMessage({ type: "status", text: `error: ${e instanceof Error ? e.message : String(e)}` });
  }
};
