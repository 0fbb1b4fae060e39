// The hypercall page (reference §2): what a WRMSR to the Xen MSR (0x40000000) writes
// into the guest page it names. Filled with 0xCC, then 128 stubs of 32 bytes:
//   B8 imm32(i)   mov eax, i
//   0F 01 C1      vmcall        (AMD: 0F 01 D9 vmmcall)
//   C3            ret
// except stub 23 (iret), which is ud2 (0F 0B): PVH guests must not use it.

import { HYPERVISOR_iret } from "./abi/xen.js";

/** The MSR a guest writes a page address to (CPUID base+2 EBX). */
export const XEN_HYPERCALL_MSR = 0x4000_0000;
const STUBS = 128;
const STUB_SIZE = 32;

export function hypercallPage(vendor: "intel" | "amd"): Uint8Array {
  const page = new Uint8Array(4096).fill(0xcc);
  for (let i = 0; i < STUBS; i++) {
    const o = i * STUB_SIZE;
    if (i === HYPERVISOR_iret) {
      page.set([0x0f, 0x0b], o);
      continue;
    }
    page.set([0xb8, i & 0xff, (i >> 8) & 0xff, 0, 0], o);
    page.set(vendor === "amd" ? [0x0f, 0x01, 0xd9] : [0x0f, 0x01, 0xc1], o + 5);
    page[o + 8] = 0xc3;
  }
  return page;
}
