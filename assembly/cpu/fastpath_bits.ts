// Out-of-line fast paths for what bitmap and event-channel code is made of: bit
// tests and scans, exchanges, NOT/NEG and RDTSC. They run from the entry's
// normalized fields (fastpath.ts classify()) inside their block, like the
// fastpath.ts kinds that are not inline, instead of going through the generic
// decoder by opcode. Flags as the generic code leaves them: BT* change CF only,
// BSF/BSR set ZF (the destination stays as it was for a zero source).
import { E_X, E_IMM, E_GOFF, E_EOFF } from "./decode";
import { mode64, setGpr, RAX, RDX } from "./state";
import { faulted } from "./fault";
import { setCarryOverflow, getOF } from "./flags";
import { sext, neg, bitScan } from "./ops/alu";
import { readMem, writableOff, readSlow, writeSlow, probeWrite } from "./mmu";
import { rdtscValue } from "./tsc";
import { E_SIZE, eaLin, readE, regGet, regSet } from "./fastpath";

// Kinds (E_KIND), between fastpath.ts's generic kinds and its specialized ones.
// @ts-ignore: decorator
@inline export const K_BT_EG: u32 = 32; // bt/bts/btr/btc E reg, G reg (X = 0..3)
// @ts-ignore: decorator
@inline export const K_BT_EI: u32 = 33; // ... E reg, imm (bit number masked)
// @ts-ignore: decorator
@inline export const K_BT_MG: u32 = 34; // ... [m], G reg (signed bit offset, may leave the operand)
// @ts-ignore: decorator
@inline export const K_BT_MI: u32 = 35; // ... [m], imm
// @ts-ignore: decorator
@inline export const K_BSCAN_GE: u32 = 36; // bsf/bsr G, E reg (X = 1 for BSR)
// @ts-ignore: decorator
@inline export const K_BSCAN_GM: u32 = 37; // bsf/bsr G, [m]
// @ts-ignore: decorator
@inline export const K_XCHG_EG: u32 = 38; // xchg E reg, G reg
// @ts-ignore: decorator
@inline export const K_XCHG_MG: u32 = 39; // xchg [m], G reg (locked by itself)
// @ts-ignore: decorator
@inline export const K_NOTNEG_E: u32 = 40; // not/neg E reg (X = 2 NOT, 3 NEG)
// @ts-ignore: decorator
@inline export const K_RDTSC: u32 = 41;
// @ts-ignore: decorator
@inline export const K_BITS_LAST: u32 = 41;

/** CF = the bit; the other flags stay as they were. */
function btFlags(v: u64, bit: u32): void {
  setCarryOverflow(((v >> (bit as u64)) & 1) != 0, getOF());
}

// @ts-ignore: decorator
@inline function btApply(v: u64, bit: u32, op: u32): u64 {
  const m = (1 as u64) << (bit as u64);
  if (op == 1) return v | m;
  if (op == 2) return v & ~m;
  return v ^ m;
}

/** BT* on memory at `lin`: read, or read-modify-write (the write is checked first). */
function btMem(lin: u64, size: i32, bit: u32, op: u32): void {
  if (op == 0) {
    const v = readMem(lin, size);
    if (faulted) return;
    btFlags(v, bit);
    return;
  }
  const o = writableOff(lin, size);
  if (o >= 0) {
    const p = o as usize;
    const v = size == 8 ? load<u64>(p) : size == 4 ? load<u32>(p) as u64 : load<u16>(p) as u64;
    const r = btApply(v, bit, op);
    if (size == 8) store<u64>(p, r);
    else if (size == 4) store<u32>(p, r as u32);
    else store<u16>(p, r as u16);
    btFlags(v, bit);
    return;
  }
  probeWrite(lin, size);
  if (faulted) return;
  const v = readSlow(lin, size);
  if (faulted) return;
  writeSlow(lin, size, btApply(v, bit, op));
  if (faulted) return;
  btFlags(v, bit);
}

export function execBits(kind: u32, e: usize): void {
  const size = load<u8>(e, E_SIZE) as i32;
  const x = load<u8>(e, E_X) as u32;
  const bits = (size as u64) << 3;
  switch (kind) {
    case K_BT_EG: case K_BT_EI: {
      const d = load<u8>(e, E_EOFF) as u32;
      const v = regGet(d, size);
      const bit = ((kind == K_BT_EG ? regGet(load<u8>(e, E_GOFF), size) : load<u64>(e, E_IMM)) & (bits - 1)) as u32;
      btFlags(v, bit);
      if (x != 0) regSet(d, size, btApply(v, bit, x));
      return;
    }
    case K_BT_MG: {
      // The register's bit offset is signed and picks the operand-sized word.
      const off = sext(regGet(load<u8>(e, E_GOFF), size), size) as i64;
      let lin = eaLin(e) + (((off >> 3) & ~((size - 1) as i64)) as u64);
      if (!mode64) lin &= 0xffffffff;
      btMem(lin, size, (off & ((bits - 1) as i64)) as u32, x);
      return;
    }
    case K_BT_MI: btMem(eaLin(e), size, (load<u64>(e, E_IMM) & (bits - 1)) as u32, x); return;
    case K_BSCAN_GE: case K_BSCAN_GM: {
      const v = readE(e, kind == K_BSCAN_GM, size);
      if (faulted) return;
      const r = bitScan(v, size, x != 0);
      if (r >= 0) regSet(load<u8>(e, E_GOFF), size, r as u64);
      return;
    }
    case K_XCHG_EG: {
      const a = load<u8>(e, E_EOFF) as u32, b = load<u8>(e, E_GOFF) as u32;
      const va = regGet(a, size);
      regSet(a, size, regGet(b, size));
      regSet(b, size, va);
      return;
    }
    case K_XCHG_MG: {
      const lin = eaLin(e);
      const g = load<u8>(e, E_GOFF) as u32;
      const o = writableOff(lin, size);
      let old: u64;
      if (o >= 0) {
        const p = o as usize;
        const nv = regGet(g, size);
        if (size == 8) { old = load<u64>(p); store<u64>(p, nv); }
        else if (size == 4) { old = load<u32>(p); store<u32>(p, nv as u32); }
        else if (size == 2) { old = load<u16>(p); store<u16>(p, nv as u16); }
        else { old = load<u8>(p); store<u8>(p, nv as u8); }
      } else {
        probeWrite(lin, size);
        if (faulted) return;
        old = readSlow(lin, size);
        if (faulted) return;
        writeSlow(lin, size, regGet(g, size));
        if (faulted) return;
      }
      regSet(g, size, old);
      return;
    }
    case K_NOTNEG_E: {
      const d = load<u8>(e, E_EOFF) as u32;
      const v = regGet(d, size);
      regSet(d, size, x == 2 ? ~v : neg(v, size));
      return;
    }
    case K_RDTSC: {
      const t = rdtscValue();
      setGpr(RAX, t & 0xffffffff);
      setGpr(RDX, t >> 32);
      return;
    }
  }
}
