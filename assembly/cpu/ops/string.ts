// String instructions (MOVS CMPS STOS LODS SCAS INS OUTS) with REP/REPE/REPNE.
// A REP instruction runs in chunks: it retires only when the count reaches 0, so
// interrupts and exits can fall between chunks with RCX/RSI/RDI up to date.
import { gpr, setGpr, segChecks, RAX, RCX, RSI, RDI, ES, F_DF, setNextRip, rip, mode64 } from "../state";
import { eflags, getZF, sizeMask } from "../flags";
import { dAdsize, dRep, linearOf, srcSeg } from "../decode";
import { readN, writeN, tlbRead, tlbWrite } from "../mmu";
import { faulted } from "../fault";
import { alu } from "./alu";
import { readReg, writeReg } from "./operand";
import { TLB_ENTRIES } from "../../layout";

// @ts-ignore: decorator
@inline const CHUNK: i32 = 4096;

function addrMask(): u64 {
  return dAdsize() == 8 ? 0xffffffffffffffff : dAdsize() == 4 ? 0xffffffff : 0xffff;
}

function getIdx(r: i32): u64 {
  return gpr(r) & addrMask();
}

function setIdx(r: i32, v: u64): void {
  const m = addrMask();
  if (dAdsize() == 8) setGpr(r, v);
  else if (dAdsize() == 4) setGpr(r, v & m);
  else setGpr(r, (gpr(r) & ~m) | (v & m));
}

/** Accesses through `seg` are limit-checked (state.ts segChecks): no block copies. */
// @ts-ignore: decorator
@inline function segChecked(seg: i32): bool {
  return ((segChecks >> (seg as u32)) & 1) != 0;
}

function step(size: i32): u64 {
  return (eflags & F_DF) != 0 ? (0 - (size as u64)) : (size as u64);
}

/** Offset of a linear page in the TLB for reads/writes, or -1. */
function hitOff(arr: usize, lin: u64): i64 {
  const e = arr + ((((lin >> 12) as u32) & (TLB_ENTRIES - 1)) << 4);
  if ((load<u64>(e) & ~(2 as u64)) == ((lin & ~(0xfff as u64)) | 1)) return (load<u32>(e, 8) + ((lin as u32) & 0xfff)) as i64;
  return -1;
}

/** Most bytes one step of the block fast path moves (the rest in later steps). */
// @ts-ignore: decorator
@inline const RUN_MAX: u64 = 1 << 20;

/** Block fast path for REP MOVS/STOS going forward: the bytes of the `left`
 * elements of `size` from `lin` (at wasm offset `off`, a hit in the TLB array
 * `arr`) that lie in pages of `arr` which follow each other in wasm memory as
 * they do in linear memory, so that one memory.copy/fill does them (at most
 * RUN_MAX; whole elements are taken by the caller). */
function runBytes(arr: usize, lin: u64, off: i64, size: i32, left: u64): u64 {
  const want = left < RUN_MAX / (size as u64) ? left * (size as u64) : RUN_MAX;
  let bytes = (4096 - ((lin as u32) & 0xfff)) as u64;
  while (bytes < want && hitOff(arr, lin + bytes) == off + (bytes as i64)) bytes += 4096;
  return bytes < want ? bytes : want;
}

export function movs(size: i32): void {
  const rep = dRep() != 0;
  let count: u64 = rep ? gpr(RCX) & addrMask() : 1;
  const d = step(size);
  const sseg = srcSeg();
  let budget = CHUNK;
  while (count != 0 && budget-- > 0) {
    const si = getIdx(RSI), di = getIdx(RDI);
    if (rep && (eflags & F_DF) == 0 && dAdsize() != 2 && !segChecked(sseg) && !segChecked(ES)) {
      const sl = linearOf(sseg, si), dl = linearOf(ES, di);
      const so = hitOff(tlbRead, sl), dof = hitOff(tlbWrite, dl);
      const n = so >= 0 && dof >= 0
        ? min(runBytes(tlbRead, sl, so, size, count), runBytes(tlbWrite, dl, dof, size, count)) / (size as u64)
        : 0;
      if (n > 1) {
        const bytes = (n as u32) * (size as u32);
        // Overlap moving upwards must replicate element by element.
        if (dof > so && dof < so + bytes) {
          for (let i: u32 = 0; i < bytes; i++) store<u8>((dof as usize) + i, load<u8>((so as usize) + i));
        } else memory.copy(dof as usize, so as usize, bytes);
        setIdx(RSI, si + (bytes as u64)); setIdx(RDI, di + (bytes as u64));
        count -= n;
        setIdx(RCX, count);
        continue;
      }
    }
    // Each address just before its access: linearOf() names the segment whose limit it checks.
    const v = readN(linearOf(sseg, si), size);
    if (faulted) return;
    writeN(linearOf(ES, di), size, v);
    if (faulted) return;
    setIdx(RSI, si + d); setIdx(RDI, di + d);
    count--;
    if (rep) setIdx(RCX, count);
  }
  if (rep && count != 0) setNextRip(rip);
}

/** Fills `bytes` (a multiple of `size`) at wasm offset `p` with the `size`-byte
 * element `v`: memory.fill when all its bytes are equal, else a 16-byte pattern
 * doubled with memory.copy. */
function fill(p: usize, v: u64, size: i32, bytes: u32): void {
  const b = v & 0xff;
  const m = sizeMask(size);
  if ((v & m) == ((b * 0x0101010101010101) & m)) { memory.fill(p, b as u8, bytes as usize); return; }
  let pattern: v128;
  if (size == 2) pattern = i16x8.splat(v as i16);
  else if (size == 4) pattern = i32x4.splat(v as i32);
  else pattern = i64x2.splat(v as i64);
  if (bytes < 16) {
    for (let i: u32 = 0; i < bytes; i += size as u32) {
      if (size == 2) store<u16>(p + i, v as u16);
      else if (size == 4) store<u32>(p + i, v as u32);
      else store<u64>(p + i, v);
    }
    return;
  }
  v128.store(p, pattern);
  let done: u32 = 16;
  while (done < bytes) {
    const k = bytes - done < done ? bytes - done : done;
    memory.copy(p + done, p, k as usize);
    done += k;
  }
}

export function stos(size: i32): void {
  const rep = dRep() != 0;
  let count: u64 = rep ? gpr(RCX) & addrMask() : 1;
  const d = step(size);
  const v = readReg(RAX, size);
  let budget = CHUNK;
  while (count != 0 && budget-- > 0) {
    const di = getIdx(RDI);
    const dl = linearOf(ES, di);
    if (rep && (eflags & F_DF) == 0 && dAdsize() != 2 && !segChecked(ES)) {
      const dof = hitOff(tlbWrite, dl);
      const n = dof >= 0 ? runBytes(tlbWrite, dl, dof, size, count) / (size as u64) : 0;
      if (n > 1) {
        fill(dof as usize, v, size, (n as u32) * (size as u32));
        setIdx(RDI, di + n * (size as u64));
        count -= n;
        setIdx(RCX, count);
        continue;
      }
    }
    writeN(dl, size, v);
    if (faulted) return;
    setIdx(RDI, di + d);
    count--;
    if (rep) setIdx(RCX, count);
  }
  if (rep && count != 0) setNextRip(rip);
}

export function lods(size: i32): void {
  const rep = dRep() != 0;
  let count: u64 = rep ? gpr(RCX) & addrMask() : 1;
  const d = step(size);
  const sseg = srcSeg();
  let budget = CHUNK;
  while (count != 0 && budget-- > 0) {
    const si = getIdx(RSI);
    const v = readN(linearOf(sseg, si), size);
    if (faulted) return;
    writeReg(RAX, size, v);
    setIdx(RSI, si + d);
    count--;
    if (rep) setIdx(RCX, count);
  }
  if (rep && count != 0) setNextRip(rip);
}

/** CMPS (scas = false) and SCAS: REPE stops on ZF=0, REPNE on ZF=1. */
export function cmps(size: i32, scas: bool): void {
  const rep = dRep() != 0;
  let count: u64 = rep ? gpr(RCX) & addrMask() : 1;
  const d = step(size);
  const sseg = srcSeg();
  let budget = CHUNK;
  while (count != 0 && budget-- > 0) {
    const di = getIdx(RDI);
    let a: u64;
    let si: u64 = 0;
    if (scas) a = readReg(RAX, size);
    else {
      si = getIdx(RSI);
      a = readN(linearOf(sseg, si), size);
      if (faulted) return;
    }
    const b = readN(linearOf(ES, di), size);
    if (faulted) return;
    alu(7, a, b, size);
    if (!scas) setIdx(RSI, si + d);
    setIdx(RDI, di + d);
    count--;
    if (rep) {
      setIdx(RCX, count);
      const zf = getZF();
      if ((dRep() == 1 && !zf) || (dRep() == 2 && zf)) return;
    }
  }
  if (rep && count != 0) setNextRip(rip);
}

export { mode64 };
