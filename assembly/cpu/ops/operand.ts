// Operand access for decoded instructions: the ModRM r/m and reg operands, and
// the stack.
import { gprSized, setGprSized, reg8Off, mode64, stack32, gpr, setGpr, RSP, SS } from "../state";
import { dIsMem, dRegf, dRmf, dRex, eaLinear, linearOf } from "../decode";
import { readN, writeN, probeWrite } from "../mmu";
import { faulted } from "../fault";

export function readReg(r: i32, size: i32): u64 {
  if (size == 1) return load<u8>(reg8Off(r, dRex() != 0));
  return gprSized(r, size);
}

export function writeReg(r: i32, size: i32, v: u64): void {
  if (size == 1) store<u8>(reg8Off(r, dRex() != 0), v as u8);
  else setGprSized(r, v, size);
}

/** The r/m operand. */
export function readRM(size: i32): u64 {
  if (!dIsMem()) return readReg(dRmf(), size);
  return readN(eaLinear(), size);
}

export function writeRM(size: i32, v: u64): void {
  if (!dIsMem()) writeReg(dRmf(), size, v);
  else writeN(eaLinear(), size, v);
}

/** Reads r/m for a read-modify-write, checking writability first so that the
 * later write cannot fault. */
export function readRMForWrite(size: i32): u64 {
  if (!dIsMem()) return readReg(dRmf(), size);
  const lin = eaLinear();
  probeWrite(lin, size);
  if (faulted) return 0;
  return readN(lin, size);
}

export function readG(size: i32): u64 {
  return readReg(dRegf(), size);
}
export function writeG(size: i32, v: u64): void {
  writeReg(dRegf(), size, v);
}

// ---------------------------------------------------------------------------
// Stack

/** Width of the stack pointer: 8 in 64-bit mode, else SS.B. */
export function stackAddrSize(): i32 {
  return mode64 ? 8 : stack32 ? 4 : 2;
}

export function stackPointer(): u64 {
  const s = stackAddrSize();
  const v = gpr(RSP);
  return s == 8 ? v : s == 4 ? v & 0xffffffff : v & 0xffff;
}

export function setStackPointer(v: u64): void {
  const s = stackAddrSize();
  if (s == 8) setGpr(RSP, v);
  else if (s == 4) setGpr(RSP, v & 0xffffffff);
  else setGprSized(RSP, v, 2);
}

/** Pushes `size` bytes; RSP changes only if the write succeeded. */
export function push(v: u64, size: i32): void {
  const sp = stackPointer() - (size as u64);
  writeN(linearOf(SS, maskStack(sp)), size, v);
  if (faulted) return;
  setStackPointer(sp);
}

export function maskStack(sp: u64): u64 {
  const s = stackAddrSize();
  return s == 8 ? sp : s == 4 ? sp & 0xffffffff : sp & 0xffff;
}

/** Reads the value at the top of the stack (+offset) without popping. */
export function peek(size: i32, offset: u64): u64 {
  return readN(linearOf(SS, maskStack(stackPointer() + offset)), size);
}

export function pop(size: i32): u64 {
  const v = peek(size, 0);
  if (faulted) return 0;
  setStackPointer(stackPointer() + (size as u64));
  return v;
}

/** Operand size of PUSH/POP/CALL/RET: 64-bit mode defaults to 8 (66 gives 2). */
export function stackOpSize(opsize: i32): i32 {
  if (mode64) return opsize == 2 ? 2 : 8;
  return opsize;
}
