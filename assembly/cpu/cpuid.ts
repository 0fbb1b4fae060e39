// CPUID: what the virtual CPU advertises (exactly what the core implements) and
// the Xen hypervisor leaves at CTL_XEN_CPUID_BASE.
import {
  CTL_OFF, CTL_XEN_VERSION, CTL_XEN_CPUID_BASE, CTL_XEN_HCALL_MSR, CTL_VCPU_ID, CTL_DOMID, CTL_TSC_KHZ,
  CTL_NR_VCPUS,
} from "../layout";
import { gpr32, setGpr, RAX, RBX, RCX, RDX } from "./state";

/** Vendor personality: false = GenuineIntel (VMCALL), true = AuthenticAMD (VMMCALL). */
export let vendorAmd: bool = false;
export function setVendorAmd(v: bool): void { vendorAmd = v; }

// Leaf 1 EDX: FPU PSE TSC MSR PAE CX8 APIC SEP MTRR PGE CMOV PAT PSE36 CLFSH MMX FXSR SSE SSE2.
// @ts-ignore: decorator
@inline const L1_EDX: u32 = (1 << 0) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 9) |
  (1 << 11) | (1 << 12) | (1 << 13) | (1 << 15) | (1 << 16) | (1 << 17) | (1 << 19) | (1 << 23) | (1 << 24) |
  (1 << 25) | (1 << 26);
// Leaf 1 ECX: SSE3, SSSE3, CX16, x2APIC, MOVBE, POPCNT, TSC-deadline timer, hypervisor present.
// @ts-ignore: decorator
@inline const L1_ECX: u32 = (1 << 0) | (1 << 9) | (1 << 13) | (1 << 21) | (1 << 22) | (1 << 23) | (1 << 24) | (1 << 31);
// 0x80000001 EDX: SYSCALL, NX, 1 GiB pages, RDTSCP, LM. ECX: LAHF/SAHF in 64-bit mode.
// @ts-ignore: decorator
@inline const X1_EDX: u32 = (1 << 11) | (1 << 20) | (1 << 26) | (1 << 27) | (1 << 29);
// @ts-ignore: decorator
@inline const X1_ECX: u32 = 1 | (1 << 5); // LAHF-SAHF, ABM (LZCNT)

function out(a: u32, b: u32, c: u32, d: u32): void {
  setGpr(RAX, a); setGpr(RBX, b); setGpr(RCX, c); setGpr(RDX, d);
}

function str4(s: string, i: i32): u32 {
  let v: u32 = 0;
  for (let k = 0; k < 4; k++) {
    const idx = i * 4 + k;
    const c: u32 = idx < s.length ? s.charCodeAt(idx) as u32 : 0;
    v |= c << ((k as u32) << 3);
  }
  return v;
}

export function cpuid(): void {
  const leaf = gpr32(RAX);
  const sub = gpr32(RCX);
  const xenBase = load<u32>(CTL_OFF + CTL_XEN_CPUID_BASE);
  if (xenBase != 0 && leaf >= xenBase && leaf < xenBase + 0x100) {
    xenLeaf(leaf - xenBase, sub, xenBase);
    return;
  }
  switch (leaf) {
    case 0:
      if (vendorAmd) out(0xd, 0x68747541, 0x444d4163, 0x69746e65);
      else out(0xd, 0x756e6547, 0x6c65746e, 0x49656e69);
      return;
    case 1: {
      const apicId = load<u32>(CTL_OFF + CTL_VCPU_ID);
      // Family 6, model 0x3A, stepping 9; CLFLUSH line 8 qwords. With several vCPUs
      // they are the cores of one package (HTT, and the APIC ids the package spans).
      const shift = coreShift();
      if (shift == 0) out(0x000306a9, (apicId << 24) | (1 << 16) | (8 << 8), L1_ECX, L1_EDX);
      else out(0x000306a9, (apicId << 24) | ((1 << shift) << 16) | (8 << 8), L1_ECX, L1_EDX | (1 << 28));
      return;
    }
    case 0xb: {
      // x2APIC topology: level 0 one thread per core, level 1 the cores of the one
      // package (so Linux puts every vCPU in one package and shares what it measured).
      const x2id = load<u32>(CTL_OFF + CTL_VCPU_ID);
      const n = load<u32>(CTL_OFF + CTL_NR_VCPUS);
      if (sub == 0) out(0, 1, 0 | (1 << 8), x2id);
      else if (sub == 1) out(coreShift(), n < 1 ? 1 : n, 1 | (2 << 8), x2id);
      else out(0, 0, sub & 0xff, x2id);
      return;
    }
    case 7:
      // Sub-leaf 0: EDX bit 29 = IA32_ARCH_CAPABILITIES present (so Linux skips
      // mitigations for bugs this CPU cannot have).
      // Also IBRS/IBPB (26), STIBP (27) and SSBD (31): SPEC_CTRL and PRED_CMD exist.
      if (sub == 0) out(0, 0, 0, (1 << 26) | (1 << 27) | (1 << 29) | (1 << 31)); else out(0, 0, 0, 0);
      return;
    case 0xd:
      out(0, 0, 0, 0);
      return;
    case 0x80000000:
      out(0x80000008, vendorAmd ? 0x68747541 : 0, vendorAmd ? 0x444d4163 : 0, vendorAmd ? 0x69746e65 : 0);
      return;
    case 0x80000001:
      out(0, 0, X1_ECX, X1_EDX);
      return;
    case 0x80000002: case 0x80000003: case 0x80000004: {
      const brand = "xpvh virtual x86-64 CPU";
      const b = ((leaf - 0x80000002) * 4) as i32;
      out(str4(brand, b), str4(brand, b + 1), str4(brand, b + 2), str4(brand, b + 3));
      return;
    }
    case 0x80000007:
      out(0, 0, 0, 1 << 8); // invariant TSC
      return;
    case 0x80000008:
      out(46 | (48 << 8), 0, 0, 0);
      return;
  }
  out(0, 0, 0, 0);
}

/** Bits of the APIC id that number the cores of the package: ceil(log2(vCPUs)). */
function coreShift(): u32 {
  const n = load<u32>(CTL_OFF + CTL_NR_VCPUS);
  return n <= 1 ? 0 : 32 - clz<u32>(n - 1);
}

function xenLeaf(idx: u32, sub: u32, base: u32): void {
  switch (idx) {
    case 0: out(base + 5, 0x566e6558, 0x65584d4d, 0x4d4d566e); return; // "XenVMMXenVMM"
    case 1: out(load<u32>(CTL_OFF + CTL_XEN_VERSION), 0, 0, 0); return;
    case 2: out(1, load<u32>(CTL_OFF + CTL_XEN_HCALL_MSR), 0, 0); return;
    case 3:
      // Time leaf, sub-leaf 0: TSC not emulated, tsc_mode 2 (never emulate), kHz.
      if (sub == 0) out(0, 2, load<u32>(CTL_OFF + CTL_TSC_KHZ), 0);
      else if (sub == 1) out(0, 0, 0, 0);
      else out(0, 0, 0, 0);
      return;
    case 4: {
      // HVM leaf: VCPU_ID_PRESENT and DOMID_PRESENT; per-vCPU upcall vectors from Xen 4.17 on.
      const ver = load<u32>(CTL_OFF + CTL_XEN_VERSION);
      let flags: u32 = (1 << 3) | (1 << 4);
      if (ver >= 0x40011) flags |= 1 << 6;
      out(flags, load<u32>(CTL_OFF + CTL_VCPU_ID), load<u32>(CTL_OFF + CTL_DOMID), 0);
      return;
    }
  }
  out(0, 0, 0, 0);
}
