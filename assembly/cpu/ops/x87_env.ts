// x87 environment and state images: FNSTENV/FLDENV (14/28 bytes) and
// FNSAVE/FRSTOR (94/108 bytes), SDM Vol. 1, 8.1.10 and Figures 8-9 to 8-12.
import { faulted } from "../fault";
import { opsize } from "../decode";
import { read16, read32, read64, write16, write32, write64, probeWrite } from "../mmu";
import { FX, FX_FCW, FX_FIP, FX_FDP, mmPtr } from "./sse_regs";
import { fcw, fsw, setFsw, setFtw, top, regSig, regSe, refreshEs, fullTagWord, x87Init } from "./x87_state";

// 32-bit operand size: 28-byte environment, unused upper halves stored as 0xFFFF
// as this CPU does; 16-bit: 14 bytes. Real-mode layouts are not distinguished.

function envSize(): i32 { return opsize == 2 ? 14 : 28; }

function writeEnv(lin: u64): void {
  const fip = load<u64>(FX + FX_FIP);
  const fdp = load<u64>(FX + FX_FDP);
  if (opsize == 2) {
    write16(lin, fcw()); write16(lin + 2, fsw()); write16(lin + 4, fullTagWord());
    write16(lin + 6, fip); write16(lin + 8, 0); write16(lin + 10, fdp); write16(lin + 12, 0);
    return;
  }
  write32(lin, fcw() | 0xffff0000);
  write32(lin + 4, fsw() | 0xffff0000);
  write32(lin + 8, fullTagWord() | 0xffff0000);
  write32(lin + 12, fip & 0xffffffff);
  write32(lin + 16, (load<u16>(FX, 6) as u64) << 16);
  write32(lin + 20, fdp & 0xffffffff);
  write32(lin + 24, 0xffff0000);
}

/** Reads an environment into the registers; false if a read faulted. */
const ENV: usize = memory.data(32, 8);
function readEnv(lin: u64): bool {
  const n = envSize();
  const step: i32 = n == 14 ? 2 : 4;
  for (let i = 0; i < 7; i++) {
    const v = step == 2 ? read16(lin + ((i * 2) as u64)) : read32(lin + ((i * 4) as u64));
    if (faulted) return false;
    store<u32>(ENV + ((i as usize) << 2), v as u32);
  }
  return true;
}

function applyEnv(): void {
  store<u16>(FX + FX_FCW, ((load<u32>(ENV) & 0x1f3f) | 0x40) as u16);
  setFsw(load<u32>(ENV, 4) & 0xffff);
  const tw = load<u32>(ENV, 8);
  let ab: u32 = 0;
  for (let p: u32 = 0; p < 8; p++) if (((tw >> (p << 1)) & 3) != 3) ab |= 1 << p;
  setFtw(ab);
  store<u64>(FX + FX_FIP, load<u32>(ENV, 12) as u64);
  store<u16>(FX, opsize == 2 ? 0 : (load<u32>(ENV, 16) >> 16) as u16 & 0x7ff, 6);
  store<u64>(FX + FX_FDP, load<u32>(ENV, 20) as u64);
  refreshEs();
}

export function fldenv(lin: u64): void {
  if (!readEnv(lin)) return;
  applyEnv();
}

export function fnstenv(lin: u64): void {
  probeWrite(lin, envSize());
  if (faulted) return;
  writeEnv(lin);
  store<u16>(FX + FX_FCW, (fcw() | 0x3f) as u16); // then masks every exception
}

export function fnsave(lin: u64): void {
  const n = envSize();
  probeWrite(lin, n + 80);
  if (faulted) return;
  writeEnv(lin);
  const t = top();
  for (let i = 0; i < 8; i++) {
    const p = (t + i) & 7;
    const a = lin + ((n + i * 10) as u64);
    write64(a, regSig(p));
    write16(a + 8, regSe(p));
  }
  x87Init();
}

const REGS: usize = memory.data(80, 8);
export function frstor(lin: u64): void {
  const n = envSize();
  if (!readEnv(lin)) return;
  for (let i = 0; i < 8; i++) {
    const a = lin + ((n + i * 10) as u64);
    const sig = read64(a);
    const se = read16(a + 8);
    if (faulted) return;
    store<u64>(REGS + ((i as usize) * 10), sig);
    store<u16>(REGS + ((i as usize) * 10) + 8, se as u16);
  }
  applyEnv();
  const t = top();
  for (let i = 0; i < 8; i++) {
    const p = mmPtr((t + i) & 7);
    store<u64>(p, load<u64>(REGS + ((i as usize) * 10)));
    store<u16>(p + 8, load<u16>(REGS + ((i as usize) * 10) + 8));
  }
}
