// Out-of-line fast paths for multiplication: IMUL r, r/m (0F AF), IMUL r, r/m,
// imm and the one-operand MUL/IMUL r/m into rDX:rAX (16 to 64 bits). Multi-
// precision code (the kernel's RSA signature checks, bignum libraries) is made
// of little else; these run from the entry's normalized fields (fastpath.ts
// classify()) instead of the generic decoder, with the generic code's results
// and flags (CF = OF = the product did not fit; the rest from the low half).
import { E_X, E_IMM, E_GOFF } from "./decode";
import { faulted } from "./fault";
import { sizeMask } from "./flags";
import { setGpr, RAX, RDX } from "./state";
import { sext, mulU128, mulS128, mulHi, setMulFlags } from "./ops/alu";
import { E_SIZE, readE, regGet, regSet } from "./fastpath";

// Kinds (E_KIND), after fastpath_bits.ts's.
// @ts-ignore: decorator
@inline export const K_IMUL_GE: u32 = 42; // G = G * E reg
// @ts-ignore: decorator
@inline export const K_IMUL_GM: u32 = 43; // G = G * [m]
// @ts-ignore: decorator
@inline export const K_IMUL_GEI: u32 = 44; // G = E reg * imm
// @ts-ignore: decorator
@inline export const K_IMUL_GMI: u32 = 45; // G = [m] * imm
// @ts-ignore: decorator
@inline export const K_MUL_E: u32 = 46; // rDX:rAX = rAX * E reg (X = 4 MUL, 5 IMUL)
// @ts-ignore: decorator
@inline export const K_MUL_M: u32 = 47; // rDX:rAX = rAX * [m]

// regGet/regSet operands: byte offsets in the register file.
// @ts-ignore: decorator
@inline const RAX_OFF: u32 = (RAX as u32) << 3;
// @ts-ignore: decorator
@inline const RDX_OFF: u32 = (RDX as u32) << 3;

/** G = a * b, signed, truncated to `size`. */
function imulTo(g: u32, a: u64, b: u64, size: i32): void {
  if (size == 8) {
    let lo: u64;
    let over: bool;
    if ((a >> 32) == 0 && (b >> 32) == 0) {
      // Two 32-bit halves (multi-precision code): the product fits in 64 bits unsigned,
      // so it is a signed overflow exactly when bit 63 is set.
      lo = a * b;
      over = (lo as i64) < 0;
    } else {
      lo = mulS128(a, b);
      over = mulHi != (((lo as i64) >> 63) as u64);
    }
    regSet(g, 8, lo);
    setMulFlags(lo, 8, over);
    return;
  }
  const r = (sext(a, size) as i64) * (sext(b, size) as i64);
  const m = sizeMask(size);
  regSet(g, size, (r as u64) & m);
  setMulFlags((r as u64) & m, size, sext((r as u64) & m, size) != (r as u64));
}

/** rDX:rAX = rAX * src (MUL unsigned, IMUL signed). */
function mulWide(src: u64, size: i32, signed: bool): void {
  const a = regGet(RAX_OFF, size);
  if (size == 8) {
    const lo = signed ? mulS128(a, src) : mulU128(a, src);
    const hi = mulHi;
    setGpr(RAX, lo);
    setGpr(RDX, hi);
    setMulFlags(lo, 8, signed ? hi != (((lo as i64) >> 63) as u64) : hi != 0);
    return;
  }
  const bits = (size as u64) << 3;
  const r: u64 = signed ? ((sext(a, size) as i64) * (sext(src, size) as i64)) as u64 : a * src;
  const m = sizeMask(size);
  regSet(RAX_OFF, size, r & m);
  regSet(RDX_OFF, size, (r >> bits) & m);
  setMulFlags(r & m, size, signed ? sext(r & m, size) != r : (r >> bits) != 0);
}

export function execMul(kind: u32, e: usize): void {
  const size = load<u8>(e, E_SIZE) as i32;
  switch (kind) {
    case K_IMUL_GE: case K_IMUL_GM: {
      const g = load<u8>(e, E_GOFF) as u32;
      const v = readE(e, kind == K_IMUL_GM, size);
      if (faulted) return;
      imulTo(g, regGet(g, size), v, size);
      return;
    }
    case K_IMUL_GEI: case K_IMUL_GMI: {
      const v = readE(e, kind == K_IMUL_GMI, size);
      if (faulted) return;
      imulTo(load<u8>(e, E_GOFF), v, load<u64>(e, E_IMM) & sizeMask(size), size);
      return;
    }
    case K_MUL_E: case K_MUL_M: {
      const v = readE(e, kind == K_MUL_M, size);
      if (faulted) return;
      mulWide(v, size, load<u8>(e, E_X) == 5);
      return;
    }
  }
}
