// The page: an xterm.js terminal wired to a machine running in a Web Worker.
import { Terminal } from "@xterm/xterm";
import { loadGuests } from "./guests.js";

const term = new Terminal({ convertEol: true, fontSize: 14, cols: 100, rows: 30 });
term.open(document.getElementById("terminal")!);
const status = document.getElementById("status")!;
const select = document.getElementById("guest") as HTMLSelectElement;
const smpSelect = document.getElementById("smp") as HTMLSelectElement;
const GUESTS = await loadGuests();
for (const g of GUESTS) select.add(new Option(g.label, g.id));

let worker: Worker | null = null;
const decoder = new TextDecoder();

function boot(): void {
  worker?.terminate();
  term.reset();
  const g = GUESTS.find((x) => x.id === select.value) ?? GUESTS[0];
  worker = new Worker("worker.js", { type: "module" });
  worker.onmessage = (ev) => {
    const m = ev.data;
    if (m.type === "console") term.write(decoder.decode(m.data, { stream: true }));
    else if (m.type === "status") status.textContent = m.text;
    else if (m.type === "exit") {
      status.textContent = `guest ${m.kind} (status ${m.status}) after ${m.instructions} instructions`;
      document.body.dataset.exit = m.kind;
    }
  };
  status.textContent = `booting ${g.label}…`;
  const smp = Number(smpSelect.value) || 1;
  worker.postMessage({ type: "boot", kernelUrl: g.kernel, initrdUrl: g.initrd, cmdline: g.cmdline, memoryMiB: g.memoryMiB, smp });
}

term.onData((s) => worker?.postMessage({ type: "input", data: new TextEncoder().encode(s) }));
document.getElementById("boot")!.addEventListener("click", boot);
const params = new URLSearchParams(location.search);
const wanted = params.get("guest");
if (wanted) select.value = wanted;
const smpWanted = params.get("smp");
if (smpWanted && [...smpSelect.options].some((o) => o.value === smpWanted)) smpSelect.value = smpWanted;
boot();
