// VCPUOP_initialise for an HVM/PVH vCPU: a vcpu_hvm_context written into the
// core's register file. 32-bit contexts carry their segments; 64-bit ones start
// flat in 64-bit mode with selectors 0 (the guest loads its own GDT).
import * as L from "../core/layout.gen.js";
import type { Core } from "../core/core.js";
import type { HvmSegment, HvmVcpuContext } from "../xen/abi/vcpu.js";
import { VCPU_HVM_MODE_64B } from "../xen/abi/vcpu.js";
import { EINVAL } from "../xen/errno.js";

const CR0_PE = 1n;
const CR0_PG = 1n << 31n;
const CR4_PAE = 1n << 5n;
const EFER_LME = 1n << 8n;
const EFER_LMA = 1n << 10n;
const SEG = { es: 0, cs: 1, ss: 2, ds: 3, fs: 4, gs: 5, ldtr: 6, tr: 7 } as const;
/** VMX-layout access rights (type|S<<4|DPL<<5|P<<7|AVL<<12|L<<13|DB<<14|G<<15). */
const CODE64 = 0xa09b;
const DATA = 0xc093;
const TSS_BUSY = 0x8b;
const UNUSABLE = 0x10000;

/** The header's compressed access rights to the core's VMX layout; 0 = unusable. */
function attrOf(ar: number): number {
  if ((ar & 0x80) === 0) return UNUSABLE;
  return (ar & 0xff) | ((ar & 0xf00) << 4);
}

/** Loads `ctx` into the vCPU in the core; 0 or -EINVAL (the vCPU is left as it was). */
export function loadHvmContext(core: Core, ctx: HvmVcpuContext): number {
  const long = ctx.mode === VCPU_HVM_MODE_64B;
  if ((ctx.cr0 & CR0_PG) !== 0n && (ctx.cr0 & CR0_PE) === 0n) return -EINVAL;
  if (long && ((ctx.cr0 & CR0_PG) === 0n || (ctx.cr4 & CR4_PAE) === 0n || (ctx.efer & EFER_LME) === 0n)) return -EINVAL;
  const segs = ctx.segments;
  if (!long && segs && (segs.cs.ar & 0x98) !== 0x98) return -EINVAL; // CS: a present code segment
  for (let i = 0; i < 8; i++) core.setGpr(i, ctx.gprs[i]);
  for (let i = 8; i < 16; i++) core.setGpr(i, 0n);
  core.rip = ctx.rip;
  core.setCpu64(L.CPU_RFLAGS, (ctx.rflags & 0x3f7fd7n) | 2n);
  core.setCpu64(L.CPU_CR0, ctx.cr0 | 0x10n); // ET is hard-wired
  core.setCpu64(L.CPU_CR3, ctx.cr3);
  core.setCpu64(L.CPU_CR4, ctx.cr4);
  const lma = (ctx.efer & EFER_LME) !== 0n && (ctx.cr0 & CR0_PG) !== 0n;
  core.setCpu64(L.CPU_EFER, lma ? ctx.efer | EFER_LMA : ctx.efer & ~EFER_LMA);
  for (const off of [L.CPU_CR2, L.CPU_CR8, L.CPU_GDTR_BASE, L.CPU_IDTR_BASE]) core.setCpu64(off, 0n);
  core.setCpu32(L.CPU_GDTR_LIMIT, 0xffff);
  core.setCpu32(L.CPU_IDTR_LIMIT, 0xffff);
  if (long || !segs) {
    core.setSegment(SEG.cs, 0, 0, 0xffffffff, long ? CODE64 : 0xc09b);
    for (const s of [SEG.ds, SEG.ss, SEG.es, SEG.fs, SEG.gs]) core.setSegment(s, 0, 0, 0xffffffff, DATA);
    core.setSegment(SEG.tr, 0, 0, 0x67, TSS_BUSY);
  } else {
    const put = (i: number, s: HvmSegment) => core.setSegment(i, 0, s.base, s.limit, attrOf(s.ar));
    put(SEG.cs, segs.cs);
    put(SEG.ds, segs.ds);
    put(SEG.ss, segs.ss);
    put(SEG.es, segs.es);
    put(SEG.tr, segs.tr);
    core.setSegment(SEG.fs, 0, 0, 0xffffffff, DATA);
    core.setSegment(SEG.gs, 0, 0, 0xffffffff, DATA);
  }
  core.setSegment(SEG.ldtr, 0, 0, 0, UNUSABLE);
  core.setCpu32(L.CPU_HALTED, 0);
  core.setCpu32(L.CPU_SHADOW, 0);
  core.ex.stateChanged();
  return 0;
}
