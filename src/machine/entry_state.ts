// The vCPU state at a PVH entry point (reference §1): 32-bit flat protected
// mode, paging off, EBX = hvm_start_info.
import * as L from "../core/layout.gen.js";
import type { Core } from "../core/core.js";

const FLAT_CODE32 = 0xc09b; // VMX layout: present, DPL 0, execute/read, accessed, D=1, G=1 (SVM-style 0xC9B)
const FLAT_DATA = 0xc093; // present, DPL 0, read/write, accessed, B=1, G=1 (SVM-style 0xC93)
const TSS_BUSY = 0x8b;

export function setPvhEntryState(core: Core, entryGpa: number, startInfoGpa: number): void {
  for (let i = 0; i < 16; i++) core.setGpr(i, 0);
  core.setGpr(3, startInfoGpa);
  core.rip = BigInt(entryGpa);
  core.setCpu64(L.CPU_RFLAGS, 2);
  core.setCpu64(L.CPU_CR0, 0x11);
  for (const off of [L.CPU_CR2, L.CPU_CR3, L.CPU_CR4, L.CPU_CR8, L.CPU_EFER, L.CPU_XCR0]) core.setCpu64(off, 0);
  core.setSegment(1, 0x08, 0, 0xffffffff, FLAT_CODE32);
  for (const s of [0, 2, 3, 4, 5]) core.setSegment(s, 0x10, 0, 0xffffffff, FLAT_DATA);
  core.setSegment(6, 0, 0, 0, 0x10000); // LDTR unusable
  core.setSegment(7, 0x18, 0, 0x67, TSS_BUSY);
  core.setCpu64(L.CPU_GDTR_BASE, 0);
  core.setCpu32(L.CPU_GDTR_LIMIT, 0xffff);
  core.setCpu64(L.CPU_IDTR_BASE, 0);
  core.setCpu32(L.CPU_IDTR_LIMIT, 0xffff);
  core.setCpu64(L.CPU_APIC_BASE, 0xfee00900); // enabled, BSP
  core.setCpu64(L.CPU_MISC_ENABLE, 1); // fast strings
  core.setCpu64(L.CPU_PAT, 0x0007040600070406n);
  core.setCpu64(L.CPU_MTRR_DEF, 0xc06); // MTRRs enabled, default write-back
  core.setCpu32(L.CPU_HALTED, 0);
  core.setCpu32(L.CPU_SHADOW, 0);
  core.ex.stateChanged();
}
