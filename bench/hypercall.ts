// Hypercall-path benchmarks: a guest looping on xen_version(0) through the
// hypercall page, measured end to end (guest → core exit → host dispatch → resume).
import { readFileSync } from "node:fs";
import { createMachine } from "../src/index.js";

export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

export async function nullHypercall(count: number): Promise<Figure> {
  const kernel = readFileSync("test/guests/nullcall.elf");
  const m = await createMachine({ kernel, kernelName: "nullcall.elf", cmdline: `count=${count}` });
  let out = "";
  m.onConsole((b) => (out += new TextDecoder().decode(b)));
  const t0 = performance.now();
  const exit = await m.run();
  const secs = (performance.now() - t0) / 1000;
  if (exit.kind !== "poweroff" || !out.includes("done")) throw new Error(`nullcall failed: ${exit.kind} ${out}`);
  return { name: "null hypercall (xen_version) round trips", value: count / secs, unit: "calls/s", note: `${count} calls in ${secs.toFixed(2)} s` };
}
