// Model-specific registers. Unknown MSRs raise #GP like hardware; the Xen
// hypercall-page MSR belongs to the host (an exit).
import {
  CPU_OFF, CPU_EFER, CPU_STAR, CPU_LSTAR, CPU_CSTAR, CPU_SFMASK, CPU_KERNEL_GS_BASE, CPU_TSC_AUX,
  CPU_PAT, CPU_SYSENTER_CS, CPU_SYSENTER_ESP, CPU_SYSENTER_EIP, CPU_APIC_BASE, CPU_MISC_ENABLE,
  CPU_TSC_OFFSET, CPU_MTRR_DEF, CPU_MTRR_VAR, SEG_BASE, CTL_OFF, CTL_XEN_HCALL_MSR, CPU_SPEC_CTRL,
} from "../layout";
import { segOff, FS, GS, cr0, updateMode, CR0_PG, EFER_LMA, EFER_LME } from "./state";
import { raiseGP } from "./fault";
import { lapicMsrRead, lapicMsrWrite, lapicMsrValid } from "../apic/lapic";
import { tscNow } from "./tsc";
import { isCanonical } from "./mmu";

// @ts-ignore: decorator
@inline const ARCH_CAPABILITIES: u64 = 0x400000000d10e17b;

/** Set by wrmsr() when the MSR is the host's: the run loop exits. */
export let msrExit: bool = false;
export function clearMsrExit(): void { msrExit = false; }

function mtrrSlot(idx: u32): i32 {
  if (idx >= 0x200 && idx < 0x210) return (idx - 0x200) as i32;
  if (idx == 0x250) return 16;
  if (idx == 0x258) return 17;
  if (idx == 0x259) return 18;
  if (idx >= 0x268 && idx < 0x270) return 19 + ((idx - 0x268) as i32);
  return -1;
}

/** Returns the MSR value, or raises #GP. */
export function rdmsr(idx: u32): u64 {
  switch (idx) {
    case 0x10: return tscNow() + load<u64>(CPU_OFF + CPU_TSC_OFFSET);
    case 0x17: case 0x8b: return 0; // platform id, microcode revision
    case 0x1b: return load<u64>(CPU_OFF + CPU_APIC_BASE);
    case 0xfe: return 0x508; // MTRRcap: 8 variable ranges, fixed ranges, WC
    case 0x48: return load<u64>(CPU_OFF + CPU_SPEC_CTRL);
    // ARCH_CAPABILITIES: an interpreter does not speculate, so it has none of the
    // speculation bugs: RDCL_NO IBRS_ALL SKIP_L1DFL SSB_NO MDS_NO PSCHANGE_MC_NO TAA_NO
    // SBDR_SSDP_NO FBSDP_NO PSDP_NO BHI_NO PBRSB_NO GDS_NO RFDS_NO ITS_NO.
    case 0x10a: return ARCH_CAPABILITIES;
    case 0x174: return load<u64>(CPU_OFF + CPU_SYSENTER_CS);
    case 0x175: return load<u64>(CPU_OFF + CPU_SYSENTER_ESP);
    case 0x176: return load<u64>(CPU_OFF + CPU_SYSENTER_EIP);
    case 0x1a0: return load<u64>(CPU_OFF + CPU_MISC_ENABLE);
    case 0x277: return load<u64>(CPU_OFF + CPU_PAT);
    case 0x2ff: return load<u64>(CPU_OFF + CPU_MTRR_DEF);
    case 0xc0000080: return load<u64>(CPU_OFF + CPU_EFER);
    case 0xc0000081: return load<u64>(CPU_OFF + CPU_STAR);
    case 0xc0000082: return load<u64>(CPU_OFF + CPU_LSTAR);
    case 0xc0000083: return load<u64>(CPU_OFF + CPU_CSTAR);
    case 0xc0000084: return load<u64>(CPU_OFF + CPU_SFMASK);
    case 0xc0000100: return load<u64>(segOff(FS) + SEG_BASE);
    case 0xc0000101: return load<u64>(segOff(GS) + SEG_BASE);
    case 0xc0000102: return load<u64>(CPU_OFF + CPU_KERNEL_GS_BASE);
    case 0xc0000103: return load<u64>(CPU_OFF + CPU_TSC_AUX);
  }
  const m = mtrrSlot(idx);
  if (m >= 0) return load<u64>(CPU_OFF + CPU_MTRR_VAR + ((m as u32) << 3));
  if (lapicMsrValid(idx)) return lapicMsrRead(idx);
  raiseGP(0);
  return 0;
}

export function wrmsr(idx: u32, v: u64): void {
  if (idx == load<u32>(CTL_OFF + CTL_XEN_HCALL_MSR)) {
    // The page address must be 4 KiB aligned; the host fills it before resuming.
    if ((v & 0xfff) != 0) { raiseGP(0); return; }
    msrExit = true;
    return;
  }
  switch (idx) {
    case 0x10: store<u64>(CPU_OFF + CPU_TSC_OFFSET, v - tscNow()); return;
    case 0x8b: return;
    case 0x48: // SPEC_CTRL: IBRS, STIBP, SSBD
      if ((v & ~(7 as u64)) != 0) { raiseGP(0); return; }
      store<u64>(CPU_OFF + CPU_SPEC_CTRL, v);
      return;
    case 0x49: // PRED_CMD: IBPB (there are no predictors to flush)
      if ((v & ~(1 as u64)) != 0) raiseGP(0);
      return;
    case 0x1b: store<u64>(CPU_OFF + CPU_APIC_BASE, (v & 0xfffff0d00) | 0x100); return;
    case 0x174: store<u64>(CPU_OFF + CPU_SYSENTER_CS, v & 0xffff); return;
    case 0x175: store<u64>(CPU_OFF + CPU_SYSENTER_ESP, v); return;
    case 0x176: store<u64>(CPU_OFF + CPU_SYSENTER_EIP, v); return;
    case 0x1a0: store<u64>(CPU_OFF + CPU_MISC_ENABLE, v); return;
    case 0x277: store<u64>(CPU_OFF + CPU_PAT, v); return;
    case 0x2ff: store<u64>(CPU_OFF + CPU_MTRR_DEF, v); return;
    case 0xc0000080: {
      // SCE, LME, NXE are writable; LMA follows CR0.PG and LME.
      if ((v & ~(0xd01 as u64)) != 0) { raiseGP(0); return; }
      const old = load<u64>(CPU_OFF + CPU_EFER);
      if ((cr0() & CR0_PG) != 0 && ((old ^ v) & EFER_LME) != 0) { raiseGP(0); return; }
      store<u64>(CPU_OFF + CPU_EFER, (v & ~EFER_LMA) | (old & EFER_LMA));
      updateMode();
      return;
    }
    case 0xc0000081: store<u64>(CPU_OFF + CPU_STAR, v); return;
    case 0xc0000082: if (!isCanonical(v)) { raiseGP(0); return; } store<u64>(CPU_OFF + CPU_LSTAR, v); return;
    case 0xc0000083: if (!isCanonical(v)) { raiseGP(0); return; } store<u64>(CPU_OFF + CPU_CSTAR, v); return;
    case 0xc0000084: store<u64>(CPU_OFF + CPU_SFMASK, v & 0xffffffff); return;
    case 0xc0000100: if (!isCanonical(v)) { raiseGP(0); return; } store<u64>(segOff(FS) + SEG_BASE, v); return;
    case 0xc0000101: if (!isCanonical(v)) { raiseGP(0); return; } store<u64>(segOff(GS) + SEG_BASE, v); return;
    case 0xc0000102: if (!isCanonical(v)) { raiseGP(0); return; } store<u64>(CPU_OFF + CPU_KERNEL_GS_BASE, v); return;
    case 0xc0000103: store<u64>(CPU_OFF + CPU_TSC_AUX, v & 0xffffffff); return;
  }
  const m = mtrrSlot(idx);
  if (m >= 0) { store<u64>(CPU_OFF + CPU_MTRR_VAR + ((m as u32) << 3), v); return; }
  if (lapicMsrValid(idx)) { if (!lapicMsrWrite(idx, v)) raiseGP(0); return; }
  raiseGP(0);
}
