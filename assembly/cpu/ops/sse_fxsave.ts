// 0F AE group 15: FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, LFENCE/MFENCE/SFENCE and
// CLFLUSH. FXSAVE image: SDM Vol. 1, 10.5.1 (Tables 10-2 and 10-3). The x87 fields
// FIP/FDP are kept as stored (the core does not track the last x87 instruction,
// so they read as zero unless FXRSTOR put something there); the 32-bit and
// 64-bit (REX.W) layouts differ only in how those 16 bytes are split, so both
// forms copy them unchanged.
import { faulted, raise, raiseGP, raiseUD, NM } from "../fault";
import { isMem, regf, eaLinear } from "../decode";
import { read8, read32, read64, write32, write64, probeWrite } from "../mmu";
import { cr0, cr4, mode64, CR0_EM, CR0_TS, CR4_OSFXSR } from "../state";
import {
  P_NONE, FX, FX_FSW, FX_FTW, FX_MXCSR, FX_MXCSR_MASK, FX_ST, FX_XMM, MXCSR_MASK, mmPtr,
} from "./sse_regs";

const BUF: usize = memory.data(512, 16);

/** LDMXCSR/STMXCSR gate: CR0.EM or CR4.OSFXSR clear → #UD, CR0.TS → #NM. */
function mxcsrGate(): bool {
  const c0 = cr0();
  if ((c0 & CR0_EM) != 0 || (cr4() & CR4_OSFXSR) == 0) { raiseUD(); return false; }
  if ((c0 & CR0_TS) != 0) { raise(NM, 0, false); return false; }
  return true;
}

/** FXSAVE/FXRSTOR gate: CR0.EM or CR0.TS → #NM. */
function fxGate(): bool {
  if ((cr0() & (CR0_EM | CR0_TS)) != 0) { raise(NM, 0, false); return false; }
  return true;
}

export function grp15Exec(p: i32): void {
  const r = regf & 7;
  if (!isMem) {
    // LFENCE / MFENCE / SFENCE: vCPUs take turns between instructions, nothing to order. F3 forms (RDFSBASE and
    // friends) are not advertised.
    if (p == P_NONE && r >= 5) return;
    raiseUD();
    return;
  }
  if (p != P_NONE) { raiseUD(); return; } // CLWB/CLFLUSHOPT (66) are not advertised
  switch (r) {
    case 0: fxsave(); return;
    case 1: fxrstor(); return;
    case 2: { // LDMXCSR m32
      if (!mxcsrGate()) return;
      const v = read32(eaLinear()) as u32;
      if (faulted) return;
      if ((v & ~MXCSR_MASK) != 0) { raiseGP(0); return; }
      store<u32>(FX + FX_MXCSR, v);
      return;
    }
    case 3: // STMXCSR m32
      if (!mxcsrGate()) return;
      write32(eaLinear(), load<u32>(FX + FX_MXCSR));
      return;
    case 7: // CLFLUSH m8: faults like a read of the byte; no caches to flush
      read8(eaLinear());
      return;
  }
  raiseUD(); // XSAVE family: not advertised
}

// @ts-ignore: decorator
@inline function top(): u32 { return (load<u16>(FX + FX_FSW) >> 11) & 7; }

function fxsave(): void {
  if (!fxGate()) return;
  const lin = eaLinear();
  if ((lin & 15) != 0) { raiseGP(0); return; }
  const bytes: i32 = mode64 ? 416 : 288; // through XMM15 in 64-bit mode, XMM7 otherwise
  probeWrite(lin, bytes);
  if (faulted) return;
  // Header (FCW FSW FTW FOP FIP FDP MXCSR MXCSR_MASK), then ST0-7 in stack order.
  memory.copy(BUF, FX, 32);
  store<u32>(BUF + FX_MXCSR_MASK, MXCSR_MASK);
  store<u8>(BUF, 0, 5);
  const t = top();
  for (let i: u32 = 0; i < 8; i++) {
    const src = mmPtr(((t + i) & 7) as i32);
    const dst = BUF + FX_ST + ((i as usize) << 4);
    store<u64>(dst, load<u64>(src));
    store<u64>(dst + 8, load<u16>(src + 8) as u64);
  }
  memory.copy(BUF + FX_XMM, FX + FX_XMM, 256);
  for (let o: i32 = 0; o < bytes; o += 8) write64(lin + (o as u64), load<u64>(BUF + (o as usize)));
}

function fxrstor(): void {
  if (!fxGate()) return;
  const lin = eaLinear();
  if ((lin & 15) != 0) { raiseGP(0); return; }
  const bytes: i32 = mode64 ? 416 : 288;
  for (let o: i32 = 0; o < bytes; o += 8) {
    const v = read64(lin + (o as u64));
    if (faulted) return;
    store<u64>(BUF + (o as usize), v);
  }
  const mx = load<u32>(BUF + FX_MXCSR);
  if ((mx & ~MXCSR_MASK) != 0) { raiseGP(0); return; }
  memory.copy(FX, BUF, 24); // FCW FSW FTW FOP FIP FDP
  store<u32>(FX + FX_MXCSR, mx);
  store<u8>(FX, 0, 5);
  const t = top();
  for (let i: u32 = 0; i < 8; i++) {
    const dst = mmPtr(((t + i) & 7) as i32);
    const src = BUF + FX_ST + ((i as usize) << 4);
    store<u64>(dst, load<u64>(src));
    store<u16>(dst + 8, load<u16>(src + 8));
  }
  memory.copy(FX + FX_XMM, BUF + FX_XMM, (bytes - 160) as usize);
  // FTW here is the abridged byte at offset 4: already copied.
  store<u8>(FX + FX_FTW, load<u8>(BUF + FX_FTW));
}
