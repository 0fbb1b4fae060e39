// The machine runs here, off the page's main thread; console bytes go to the
// page, keys come back.
import { Machine } from "../src/machine/machine.js";
import { machineConfig } from "../src/machine/options.js";
import { BrowserPlatform } from "../src/platform/browser.js";

type ToWorker =
  | { type: "boot"; kernelUrl: string; initrdUrl?: string; cmdline: string; memoryMiB: number; smp?: number }
  | { type: "input"; data: Uint8Array };

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

let machine: Machine | null = null;

self.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === "input") {
    machine?.input(msg.data);
    return;
  }
  try {
    machine?.stop();
    const kernel = await fetchBytes(msg.kernelUrl);
    const modules = msg.initrdUrl ? [{ name: msg.initrdUrl, data: await fetchBytes(msg.initrdUrl), cmdline: "" }] : [];
    const platform = new BrowserPlatform(new URL("core.wasm", self.location.href));
    const config = machineConfig({ kernel, kernelName: msg.kernelUrl, modules, cmdline: msg.cmdline, memoryBytes: msg.memoryMiB * 1024 * 1024, smp: msg.smp ?? 1 });
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
