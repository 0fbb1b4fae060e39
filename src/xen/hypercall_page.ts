// The hypercall page a guest asks for by writing the hypercall MSR
// (CPUID 0x40000002.EBX): 128 stubs of 32 bytes, `mov eax, nr; vmcall; ret`
// (VMMCALL on AMD), the iret stub (#23) replaced by UD2, the rest 0xCC.
import type { GuestMemory } from "../core/guest_memory.js";

export const HYPERCALL_PAGE_MSR = 0x40000000;
const HYPERVISOR_IRET = 23;

export function hypercallPage(amd: boolean): Uint8Array {
  const page = new Uint8Array(4096).fill(0xcc);
  for (let nr = 0; nr < 128; nr++) {
    const o = nr * 32;
    if (nr === HYPERVISOR_IRET) {
      page.set([0x0f, 0x0b], o); // the PV iret has no meaning for HVM/PVH guests
      continue;
    }
    page[o] = 0xb8; // mov eax, imm32
    page[o + 1] = nr;
    page[o + 2] = page[o + 3] = page[o + 4] = 0;
    page.set(amd ? [0x0f, 0x01, 0xd9] : [0x0f, 0x01, 0xc1], o + 5);
    page[o + 8] = 0xc3; // ret
  }
  return page;
}

/** Writes the page at `gpa`; false when gpa is not RAM (the guest gets #GP). */
export function installHypercallPage(mem: GuestMemory, gpa: number, amd: boolean): boolean {
  if (!mem.isRam(gpa)) return false;
  mem.write(gpa, hypercallPage(amd));
  return true;
}
