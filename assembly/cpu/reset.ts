// INIT and the start-up IPI: the architectural state an application processor
// starts its trampoline in (SDM vol. 3, 9.1.1 "Processor State After Reset",
// Table 9-1, the INIT column; 9.4.4 for the SIPI vector).
import {
  CPU_OFF, CPU_GPR, CPU_RIP, CPU_RFLAGS, CPU_CR0, CPU_CR2, CPU_CR3, CPU_CR4, CPU_CR8, CPU_EFER, CPU_DR,
  CPU_GDTR_BASE, CPU_GDTR_LIMIT, CPU_IDTR_BASE, CPU_IDTR_LIMIT, CPU_HALTED, CPU_SHADOW, CPU_PENDING_EXT,
  CPU_NMI_PENDING,
} from "../layout";
import { setSeg, ES, CS, SS, DS, FS, GS, LDTR, TR, RDX } from "./state";
import { markHostDirty } from "./exec";
import { tlbFlushAll } from "./mmu";
import { blockCacheFlush } from "./blocks";

/** CPUID.1:EAX (cpuid.ts), which INIT leaves in EDX. */
// @ts-ignore: decorator
@inline const CPU_SIGNATURE: u64 = 0x000306a9;

/** Puts the vCPU in the state INIT followed by a start-up IPI with `vector`
 * leaves it in: real-address mode at CS = vector << 8 (base vector << 12,
 * limit 0xFFFF), IP = 0, RFLAGS = 2, CR0 = 0x60000010 (CD NW ET), CR2-CR4, CR8 and
 * EFER 0, every other segment selector 0 with base 0 and limit 0xFFFF, GDTR and
 * IDTR base 0 limit 0xFFFF, GPRs 0 but EDX (the CPUID signature), DR0-DR3 0,
 * DR6 0xFFFF0FF0, DR7 0x400, not halted, nothing pending. As INIT does, it
 * leaves the x87, SSE and MXCSR state and the MSRs other than EFER alone (a
 * vCPU that never ran has the power-on FPU state init() gave it). The TLB and
 * every decoded block are dropped; the state is taken up at the next run. */
export function resetToSipi(vector: u32): void {
  const v = vector & 0xff;
  for (let r: u32 = 0; r < 16; r++) store<u64>(CPU_OFF + CPU_GPR + (r << 3), 0);
  store<u64>(CPU_OFF + CPU_GPR + ((RDX as u32) << 3), CPU_SIGNATURE);
  store<u64>(CPU_OFF + CPU_RIP, 0);
  store<u64>(CPU_OFF + CPU_RFLAGS, 2);
  store<u64>(CPU_OFF + CPU_CR0, 0x60000010);
  store<u64>(CPU_OFF + CPU_CR2, 0);
  store<u64>(CPU_OFF + CPU_CR3, 0);
  store<u64>(CPU_OFF + CPU_CR4, 0);
  store<u64>(CPU_OFF + CPU_CR8, 0);
  store<u64>(CPU_OFF + CPU_EFER, 0);
  for (let d: u32 = 0; d < 8; d++) store<u64>(CPU_OFF + CPU_DR + (d << 3), 0);
  store<u64>(CPU_OFF + CPU_DR + 6 * 8, 0xffff0ff0);
  store<u64>(CPU_OFF + CPU_DR + 7 * 8, 0x400);
  // Access rights (VMX layout): present, accessed read/write data; CS execute/read
  // code; LDTR an LDT, TR a busy 32-bit TSS (what VMX requires of an INIT state).
  setSeg(CS, v << 8, (v as u64) << 12, 0xffff, 0x9b);
  setSeg(ES, 0, 0, 0xffff, 0x93);
  setSeg(SS, 0, 0, 0xffff, 0x93);
  setSeg(DS, 0, 0, 0xffff, 0x93);
  setSeg(FS, 0, 0, 0xffff, 0x93);
  setSeg(GS, 0, 0, 0xffff, 0x93);
  setSeg(LDTR, 0, 0, 0xffff, 0x82);
  setSeg(TR, 0, 0, 0xffff, 0x8b);
  store<u64>(CPU_OFF + CPU_GDTR_BASE, 0);
  store<u32>(CPU_OFF + CPU_GDTR_LIMIT, 0xffff);
  store<u64>(CPU_OFF + CPU_IDTR_BASE, 0);
  store<u32>(CPU_OFF + CPU_IDTR_LIMIT, 0xffff);
  store<u32>(CPU_OFF + CPU_HALTED, 0);
  store<u32>(CPU_OFF + CPU_SHADOW, 0);
  store<u32>(CPU_OFF + CPU_PENDING_EXT, 0);
  store<u32>(CPU_OFF + CPU_NMI_PENDING, 0);
  tlbFlushAll();
  blockCacheFlush();
  markHostDirty();
}
