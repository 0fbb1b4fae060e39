// A register and stack dump for crashes (triple fault, dead halt, internal errors).
import * as L from "../core/layout.gen.js";
import type { Core } from "../core/core.js";
import { symbolize, type ElfImage } from "../loader/elf.js";

const NAMES = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
const SEGS = ["es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr"];

const hex = (v: bigint, w = 16) => v.toString(16).padStart(w, "0");

export function registerDump(core: Core, image: ElfImage): string {
  const lines: string[] = [];
  const regs = NAMES.map((n, i) => `${n.padStart(3)}=${hex(core.gpr(i))}`);
  for (let i = 0; i < 16; i += 4) lines.push(regs.slice(i, i + 4).join(" "));
  const rip = core.rip;
  const sym = symbolize(image.symbols, rip);
  lines.push(`rip=${hex(rip)}${sym ? ` <${sym}>` : ""} rflags=${hex(core.cpu64(L.CPU_RFLAGS), 8)}`);
  lines.push(
    `cr0=${hex(core.cpu64(L.CPU_CR0), 8)} cr2=${hex(core.cpu64(L.CPU_CR2))} cr3=${hex(core.cpu64(L.CPU_CR3))} ` +
      `cr4=${hex(core.cpu64(L.CPU_CR4), 8)} efer=${hex(core.cpu64(L.CPU_EFER), 4)}`,
  );
  lines.push(
    SEGS.map((n, i) => {
      const s = core.segment(i);
      return `${n}=${s.sel.toString(16).padStart(4, "0")}/${s.attr.toString(16)}`;
    }).join(" "),
  );
  lines.push(
    `gdtr=${hex(core.cpu64(L.CPU_GDTR_BASE))}/${core.cpu32(L.CPU_GDTR_LIMIT).toString(16)} ` +
      `idtr=${hex(core.cpu64(L.CPU_IDTR_BASE))}/${core.cpu32(L.CPU_IDTR_LIMIT).toString(16)} insns=${core.insnCount}`,
  );
  // A few stack words, symbolized where they look like code addresses.
  try {
    const rsp = core.gpr(4);
    const words: string[] = [];
    for (let i = 0; i < 8; i++) {
      const b = core.readVirt(rsp + BigInt(i * 8), 8);
      const v = new DataView(b.buffer).getBigUint64(0, true);
      const s = symbolize(image.symbols, v);
      words.push(hex(v) + (s ? ` <${s}>` : ""));
    }
    lines.push("stack: " + words.join(" "));
  } catch {
    lines.push("stack: (not readable)");
  }
  return lines.join("\n");
}
