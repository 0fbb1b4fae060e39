// System instructions: control and debug registers, descriptor tables, TLB
// maintenance, port I/O, HLT, interrupt flag.
import {
  CPU_OFF, CPU_CR0, CPU_CR2, CPU_CR3, CPU_CR4, CPU_CR8, CPU_EFER, CPU_DR, CPU_GDTR_BASE, CPU_GDTR_LIMIT,
  CPU_IDTR_BASE, CPU_IDTR_LIMIT,
} from "../../layout";
import {
  cpl, mode64, longActive, updateMode, cr0, cr4, efer, gpr, setGpr, CR0_PG, CR0_PE, CR4_PAE, EFER_LME, EFER_LMA,
  F_IOPL, CR0_TS,
} from "../state";
import { getEflags } from "../flags";
import { raiseGP, raiseUD, faulted } from "../fault";
import { dRegf, dRmf, dOpsize, eaLinear } from "../decode";
import { read16, read32, read64, write16, write32, write64, tlbFlushAll, tlbFlushPage, isCanonical } from "../mmu";
import { lapicSetTpr, lapicGetTpr } from "../../apic/lapic";

export function movToCr(): void {
  if (cpl != 0) { raiseGP(0); return; }
  const v = mode64 ? gpr(dRmf()) : gpr(dRmf()) & 0xffffffff;
  switch (dRegf()) {
    case 0: {
      if ((v >> 32) != 0 || ((v & CR0_PG) != 0 && (v & CR0_PE) == 0)) { raiseGP(0); return; }
      const old = cr0();
      let e = efer();
      if ((v & CR0_PG) != 0 && (old & CR0_PG) == 0 && (e & EFER_LME) != 0) {
        if ((cr4() & CR4_PAE) == 0) { raiseGP(0); return; }
        e |= EFER_LMA;
      } else if ((v & CR0_PG) == 0 && (old & CR0_PG) != 0) {
        if (mode64) { raiseGP(0); return; }
        e &= ~EFER_LMA;
      }
      store<u64>(CPU_OFF + CPU_EFER, e);
      store<u64>(CPU_OFF + CPU_CR0, v | 0x10); // ET is hardwired
      if (((old ^ v) & 0x80010001) != 0) tlbFlushAll();
      updateMode();
      return;
    }
    case 2: store<u64>(CPU_OFF + CPU_CR2, v); return;
    case 3:
      store<u64>(CPU_OFF + CPU_CR3, v & 0x000fffffffffffff);
      tlbFlushAll();
      return;
    case 4: {
      // Allowed: VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT.
      if ((v & ~(0x7ff as u64)) != 0) { raiseGP(0); return; }
      if (longActive && (v & CR4_PAE) == 0) { raiseGP(0); return; }
      const old = cr4();
      store<u64>(CPU_OFF + CPU_CR4, v);
      if (((old ^ v) & 0xb0) != 0) tlbFlushAll();
      return;
    }
    case 8:
      if (!mode64) { raiseUD(); return; }
      if ((v >> 4) != 0) { raiseGP(0); return; }
      lapicSetTpr((v as u32) << 4);
      store<u64>(CPU_OFF + CPU_CR8, v);
      return;
  }
  raiseUD();
}

export function movFromCr(): void {
  if (cpl != 0) { raiseGP(0); return; }
  let v: u64;
  switch (dRegf()) {
    case 0: v = cr0(); break;
    case 2: v = load<u64>(CPU_OFF + CPU_CR2); break;
    case 3: v = load<u64>(CPU_OFF + CPU_CR3); break;
    case 4: v = cr4(); break;
    case 8: if (!mode64) { raiseUD(); return; } v = (lapicGetTpr() >> 4) as u64; break;
    default: raiseUD(); return;
  }
  setGpr(dRmf(), mode64 ? v : v & 0xffffffff);
}

export function movDr(toDr: bool): void {
  if (cpl != 0) { raiseGP(0); return; }
  let r = dRegf() & 7;
  if (r == 4 || r == 5) r += 2; // aliases of DR6/DR7
  const a = CPU_OFF + CPU_DR + ((r as u32) << 3);
  if (toDr) {
    const v = mode64 ? gpr(dRmf()) : gpr(dRmf()) & 0xffffffff;
    if ((r == 6 || r == 7) && (v >> 32) != 0) { raiseGP(0); return; }
    store<u64>(a, v);
  } else {
    let v = load<u64>(a);
    if (r == 6) v |= 0xffff0ff0;
    if (r == 7) v |= 0x400;
    setGpr(dRmf(), v);
  }
}

/** LGDT (idt = false) / LIDT. */
export function loadDescriptorTable(idt: bool): void {
  if (cpl != 0) { raiseGP(0); return; }
  const lin = eaLinear();
  const limit = read16(lin);
  let base: u64 = mode64 ? read64(lin + 2) : read32(lin + 2);
  if (faulted) return;
  if (mode64 && !isCanonical(base)) { raiseGP(0); return; }
  if (!mode64 && dOpsize() == 2) base &= 0xffffff;
  store<u64>(CPU_OFF + (idt ? CPU_IDTR_BASE : CPU_GDTR_BASE), base);
  store<u32>(CPU_OFF + (idt ? CPU_IDTR_LIMIT : CPU_GDTR_LIMIT), limit as u32);
}

export function storeDescriptorTable(idt: bool): void {
  const lin = eaLinear();
  const base = load<u64>(CPU_OFF + (idt ? CPU_IDTR_BASE : CPU_GDTR_BASE));
  const limit = load<u32>(CPU_OFF + (idt ? CPU_IDTR_LIMIT : CPU_GDTR_LIMIT));
  write16(lin, limit);
  if (faulted) return;
  if (mode64) write64(lin + 2, base);
  else write32(lin + 2, base & 0xffffffff);
}

export function invlpg(): void {
  if (cpl != 0) { raiseGP(0); return; }
  tlbFlushPage(eaLinear());
}

export function clts(): void {
  if (cpl != 0) { raiseGP(0); return; }
  store<u64>(CPU_OFF + CPU_CR0, cr0() & ~CR0_TS);
}

/** Port I/O is allowed when CPL <= IOPL (no TSS I/O bitmap is modelled). */
export function ioAllowed(): bool {
  if ((cr0() & CR0_PE) == 0) return true;
  return (cpl as u32) <= ((getEflags() & F_IOPL) >> 12);
}

export { setGpr };
