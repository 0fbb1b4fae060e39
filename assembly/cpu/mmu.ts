// Linear → physical translation (32-bit, PAE and 4-level paging), the software
// TLB that maps linear pages straight to wasm-memory offsets, and the linear
// memory accessors every instruction uses.
//
// TLB: four direct-mapped arrays (kernel read, kernel write, user read, user
// write) of TLB_ENTRIES x 16 bytes:   +0 u64 tag = page | 1 (valid) | 2 (no-exec)
//                                      +8 u32 wasm offset of the backing frame
// A page enters a write array only when writable at that privilege with its dirty
// bit already set, so a hit needs no further checks. MMIO pages never enter.
import {
  CPU_OFF, CPU_CR3, CPU_SEG, SEG_SIZE, SEG_ATTR, SEG_LIMIT, SEG_BASE, TLB_OFF, TLB_ENTRIES, TLB_LOG_OFF, TLB_LOG_MAX,
} from "../layout";
import {
  cr0, cr4, efer, cpl, mode64, longActive, pagingOn, protectedMode, chainBreak, chainEpoch,
  CR0_WP, CR4_PAE, CR4_PSE, EFER_NXE, SS,
} from "./state";
import { raisePF, raise, faulted, GP, SS_ } from "./fault";
import { frameOff, physRead, physWrite } from "../mem/phys";
import { requestCheck } from "./exec";
import { frameArmed, disarmFrame } from "./blocks";

// @ts-ignore: decorator
@inline const PAGE_MASK: u64 = ~(0xfff as u64);
// @ts-ignore: decorator
@inline const ARRAY_BYTES: u32 = TLB_ENTRIES * 16;
// @ts-ignore: decorator
@inline const ADDR_MASK: u64 = 0x000ffffffffff000;
/** Address bits of paging entries above MAXPHYADDR (46, CPUID 0x80000008 in
 * cpuid.ts): reserved, a #PF with RSVD when set (SDM vol. 3, 4.5.4). */
// @ts-ignore: decorator
@inline const RSVD_ABOVE_MAXPHYADDR: u64 = 0x000fc00000000000;

// Access kinds.
// @ts-ignore: decorator
@inline export const A_READ: i32 = 0;
// @ts-ignore: decorator
@inline export const A_WRITE: i32 = 1;
// @ts-ignore: decorator
@inline export const A_EXEC: i32 = 2;

/** The access in progress goes through SS (stack operations, RBP/RSP-based
 * operands, interrupt frames): a non-canonical address is #SS(0), not #GP(0)
 * (SDM vol. 3, 6.15). Set per access by decode.ts and interrupt.ts. */
let stackRef: bool = false;
/** Also forgets the access segment (below): every address computation starts here. */
// @ts-ignore: decorator
@inline export function setStackRef(v: bool): void { stackRef = v; accSeg = -1; }

/** The segment (ES..GS) the accesses in progress go through when they must be
 * checked against its limit and type (state.ts segChecks), else -1. Set by
 * decode.ts eaLinear()/linearOf() with the address, so an address must be used
 * before the next one is computed; the linear accessors below check it.
 * Implicit system accesses (descriptor tables, the TSS, interrupt frames) are
 * not segment-relative: setAccessPrivilege() and setStackRef() clear it. */
let accSeg: i32 = -1;
// @ts-ignore: decorator
@inline export function setAccessSegment(s: i32): void { accSeg = s; }

/** Checks an access of `size` bytes at `lin` through accSeg: null (unusable)
 * segments, writes to code or read-only data and reads of execute-only code
 * (protected mode only), then the limit: offsets [0, limit] expand-up,
 * (limit, 0xFFFF or 0xFFFFFFFF by D/B] expand-down. Raises #GP(0), or #SS(0)
 * for SS (SDM vol. 3, 5.3 and 5.5). */
function segAccessOk(lin: u64, size: i32, write: bool): bool {
  const o = CPU_OFF + CPU_SEG + (accSeg as u32) * SEG_SIZE;
  const attr = load<u32>(o + SEG_ATTR);
  const limit = load<u32>(o + SEG_LIMIT) as u64;
  const off = (lin - load<u64>(o + SEG_BASE)) & 0xffffffff;
  const last = off + ((size - 1) as u64);
  let ok = last <= limit;
  if (protectedMode) {
    const code = (attr & 8) != 0;
    if ((attr & 0x10000) != 0 || (code ? write || (attr & 2) == 0 : write && (attr & 2) == 0)) ok = false;
    else if (!code && (attr & 4) != 0) ok = off > limit && last <= ((attr & 0x4000) != 0 ? 0xffffffff : 0xffff);
  } else if ((attr & 0xc) == 4) {
    ok = off > limit && last <= ((attr & 0x4000) != 0 ? 0xffffffff : 0xffff);
  }
  if (!ok) raise(accSeg == SS ? SS_ : GP, 0, true);
  return ok;
}

/** Raises the fault for a non-canonical linear address. */
function nonCanonical(): void {
  raise(stackRef ? SS_ : GP, 0, true);
}

/** TLB arrays for the current privilege (implicit supervisor accesses switch them). */
export let tlbRead: usize = TLB_OFF;
export let tlbWrite: usize = TLB_OFF + ARRAY_BYTES;
let userAccess: bool = false;
let tlbLogCount: u32 = 0;

/** Guest-physical address of the last MMIO access routed by the slow path. */
let mmioGpa: u64 = 0;

export function selectTlbForCpl(): void {
  setAccessPrivilege(cpl == 3);
  codePage = 0xffffffffffffffff; // the cached code page was checked at the old privilege
}

export function setAccessPrivilege(user: bool): void {
  userAccess = user;
  accSeg = -1;
  tlbRead = TLB_OFF + (user ? 2 * ARRAY_BYTES : 0);
  tlbWrite = tlbRead + ARRAY_BYTES;
}

export function isUserAccess(): bool {
  return userAccess;
}

/** Invalidates every entry (CR3 loads, CR0/CR4 paging changes). Global pages are
 * dropped too, which the architecture allows. */
export function tlbFlushAll(): void {
  if (tlbLogCount >= TLB_LOG_MAX) {
    memory.fill(TLB_OFF, 0, 4 * ARRAY_BYTES);
  } else {
    for (let i: u32 = 0; i < tlbLogCount; i++) {
      store<u64>(load<u32>(TLB_LOG_OFF + (i << 2)), 0);
    }
  }
  tlbLogCount = 0;
  codePage = 0xffffffffffffffff;
  chainBreak();
  if (largeCount != 0) memory.fill(largeTable, 0, LARGE_SLOTS << 3);
  largeCount = 0;
  hugeCount = 0;
  largeOverflow = false;
}

/** INVLPG: drop the page containing `lin` from every array. For a large page
 * that is every 4 KiB piece of it the TLB holds (SDM vol. 3, 4.10.4.1). */
export function tlbFlushPage(lin: u64): void {
  const slot = (((lin >> 12) as u32) & (TLB_ENTRIES - 1)) << 4;
  for (let a: u32 = 0; a < 4; a++) store<u64>(TLB_OFF + a * ARRAY_BYTES + slot, 0);
  if ((lin & PAGE_MASK) == codePage) codePage = 0xffffffffffffffff;
  chainBreak();
  if (largeOverflow) { tlbFlushAll(); return; }
  for (let i: u32 = 0; i < hugeCount; i++) {
    const h = hugeTable + (i << 4);
    if ((lin & ~load<u64>(h, 8)) == load<u64>(h)) { tlbFlushAll(); return; }
  }
  if (largeCount == 0) return;
  const e = largeTable + ((((lin >> 21) as u32) & (LARGE_SLOTS - 1)) << 3);
  if (load<u64>(e) != (lin >> 21) + 1) return;
  store<u64>(e, 0);
  largeCount--;
  // The 512 pieces of a 2 MiB page sit in 512 consecutive slots of each array.
  const base = lin & ~(0x1fffff as u64);
  for (let p: u32 = 0; p < 512; p++) {
    const page = base + ((p as u64) << 12);
    const ps = (((page >> 12) as u32) & (TLB_ENTRIES - 1)) << 4;
    for (let a: u32 = 0; a < 4; a++) {
      const t = TLB_OFF + a * ARRAY_BYTES + ps;
      if ((load<u64>(t) & PAGE_MASK) == page) store<u64>(t, 0);
    }
  }
  codePage = 0xffffffffffffffff;
}

// Large pages with pieces in the TLB, so that INVLPG can find them: 2 MiB
// pages in a direct-mapped table by 2 MiB frame of the linear address (entry =
// (lin >> 21) + 1, 0 = free); 1 GiB and 4 MiB pages in a short list (base,
// offset mask). Anything that does not fit sets largeOverflow, and INVLPG then
// flushes everything until the next full flush.
// @ts-ignore: decorator
@inline const LARGE_SLOTS: u32 = 256;
// @ts-ignore: decorator
@inline const HUGE_MAX: u32 = 4;
const largeTable: usize = memory.data(LARGE_SLOTS << 3);
const hugeTable: usize = memory.data(HUGE_MAX << 4);
let largeCount: u32 = 0;
let hugeCount: u32 = 0;
let largeOverflow: bool = false;

function noteLargePage(lin: u64, mask: u64): void {
  if (mask == 0x1fffff) {
    const e = largeTable + ((((lin >> 21) as u32) & (LARGE_SLOTS - 1)) << 3);
    const tag = (lin >> 21) + 1;
    const cur = load<u64>(e);
    if (cur == tag) return;
    if (cur != 0) { largeOverflow = true; return; }
    store<u64>(e, tag);
    largeCount++;
    return;
  }
  const base = lin & ~mask;
  for (let i: u32 = 0; i < hugeCount; i++) if (load<u64>(hugeTable + (i << 4)) == base) return;
  if (hugeCount == HUGE_MAX) { largeOverflow = true; return; }
  store<u64>(hugeTable + (hugeCount << 4), base);
  store<u64>(hugeTable + (hugeCount << 4), mask, 8);
  hugeCount++;
}

function tlbFill(arr: usize, lin: u64, off: u32, nx: bool): void {
  const e = arr + ((((lin >> 12) as u32) & (TLB_ENTRIES - 1)) << 4);
  store<u64>(e, (lin & PAGE_MASK) | 1 | (nx ? 2 : 0));
  store<u32>(e, off, 8);
  if (tlbLogCount < TLB_LOG_MAX) store<u32>(TLB_LOG_OFF + (tlbLogCount << 2), e as u32);
  tlbLogCount++;
}

// ---------------------------------------------------------------------------
// Page walk

let walkNx: bool = false;
/** Offset mask of the page the last walk ended in (0xfff for 4 KiB pages). */
let walkPageMask: u64 = 0xfff;

/** Canonical in the 48-bit sense. */
// @ts-ignore: decorator
@inline export function isCanonical(lin: u64): bool {
  return ((lin + 0x800000000000) >> 48) == 0;
}

/** Translates `lin` for `acc` at the current privilege. Returns the guest-physical
 * address, or raises #PF (and returns 0) when the walk fails. */
export function translate(lin: u64, acc: i32): u64 {
  walkNx = false;
  walkPageMask = 0xfff;
  if (!pagingOn) return longActive ? lin : lin & 0xffffffff;
  const user = userAccess;
  const write = acc == A_WRITE;
  const c4 = cr4();
  const nxe = (efer() & EFER_NXE) != 0;
  const wp = (cr0() & CR0_WP) != 0;
  // Error code template: W/R, U/S, I/D.
  let err: u32 = (write ? 2 : 0) | (user ? 4 : 0) | (acc == A_EXEC && nxe ? 16 : 0);
  let allowUser = true;
  let allowWrite = true;
  let nx = false;
  let gpa: u64 = 0;
  let leafAddr: u64 = 0;
  let leaf: u64 = 0;
  const cr3v = load<u64>(CPU_OFF + CPU_CR3);

  if (longActive || (c4 & CR4_PAE) != 0) {
    let table: u64;
    let level: i32;
    if (longActive) {
      table = cr3v & ADDR_MASK;
      level = 4;
    } else {
      // PAE: the 4 PDPTEs carry only P (and reserved bits).
      const pdpteAddr = (cr3v & 0xffffffe0) + (((lin >> 30) & 3) << 3);
      const pdpte = physRead(pdpteAddr, 8);
      if ((pdpte & 1) == 0) { raisePF(lin, err); return 0; }
      table = pdpte & ADDR_MASK;
      level = 2;
    }
    while (true) {
      const shift = 12 + 9 * (level - 1);
      const ea = table + (((lin >> (shift as u64)) & 511) << 3);
      const e = physRead(ea, 8);
      if ((e & 1) == 0) { raisePF(lin, err); return 0; }
      if ((e & 0x8000000000000000) != 0) {
        if (!nxe) { raisePF(lin, err | 9); return 0; } // reserved bit
        nx = true;
      }
      // Reserved bits: above MAXPHYADDR; PS in a PML4E; 20:13 of a 2 MiB and
      // 29:13 of a 1 GiB page's address (bit 12 is PAT). P|RSVD in the code.
      let rsvd = RSVD_ABOVE_MAXPHYADDR;
      if (level == 4) rsvd |= 0x80;
      else if ((e & 0x80) != 0) {
        if (level == 2) rsvd |= 0x1fe000;
        else if (level == 3) rsvd |= 0x3fffe000;
      }
      if ((e & rsvd) != 0) { raisePF(lin, err | 9); return 0; }
      if ((e & 4) == 0) allowUser = false;
      if ((e & 2) == 0) allowWrite = false;
      const isLeaf = level == 1 || ((e & 0x80) != 0 && (level == 2 || (level == 3 && longActive)));
      if (isLeaf) {
        leafAddr = ea;
        leaf = e;
        const pageMask: u64 = ((1 as u64) << (shift as u64)) - 1;
        gpa = (e & ADDR_MASK & ~pageMask) | (lin & pageMask);
        walkPageMask = pageMask;
        break;
      }
      if ((e & 0x20) == 0) tableWrite(ea, 8, e | 0x20); // accessed
      table = e & ADDR_MASK;
      level--;
    }
  } else {
    // 32-bit paging.
    const pdeAddr = (cr3v & 0xfffff000) + (((lin >> 22) & 1023) << 2);
    const pde = physRead(pdeAddr, 4);
    if ((pde & 1) == 0) { raisePF(lin, err); return 0; }
    if ((pde & 4) == 0) allowUser = false;
    if ((pde & 2) == 0) allowWrite = false;
    if ((pde & 0x80) != 0 && (c4 & CR4_PSE) != 0) {
      leafAddr = pdeAddr;
      leaf = pde;
      gpa = (pde & 0xffc00000) | (((pde >> 13) & 0xff) << 32) | (lin & 0x3fffff);
      walkPageMask = 0x3fffff;
    } else {
      if ((pde & 0x20) == 0) tableWrite(pdeAddr, 4, pde | 0x20);
      const pteAddr = (pde & 0xfffff000) + (((lin >> 12) & 1023) << 2);
      const pte = physRead(pteAddr, 4);
      if ((pte & 1) == 0) { raisePF(lin, err); return 0; }
      if ((pte & 4) == 0) allowUser = false;
      if ((pte & 2) == 0) allowWrite = false;
      leafAddr = pteAddr;
      leaf = pte;
      gpa = (pte & 0xfffff000) | (lin & 0xfff);
    }
    leafAddr |= 0x8000000000000000; // marks a 4-byte entry below
  }

  // Permission checks (present bit already known set).
  err |= 1;
  if (user && !allowUser) { raisePF(lin, err); return 0; }
  if (write && !allowWrite && (user || wp)) { raisePF(lin, err); return 0; }
  if (acc == A_EXEC && nx) { raisePF(lin, err); return 0; }
  walkNx = nx;

  // Accessed and dirty bits in the leaf.
  const want: u64 = write ? 0x60 : 0x20;
  if ((leaf & want) != want) {
    if ((leafAddr & 0x8000000000000000) != 0) tableWrite(leafAddr & 0x7fffffffffffffff, 4, leaf | want);
    else tableWrite(leafAddr, 8, leaf | want);
  }
  // A page may enter the write TLB only if a write here would not fault.
  walkWritable = allowWrite || (!user && !wp);
  walkDirty = write || (leaf & 0x40) != 0;
  return gpa;
}

/** A/D-bit update of a paging entry: a write like any other for decoded code
 * that shares the frame. */
function tableWrite(gpa: u64, size: i32, v: u64): void {
  const base = frameOff(gpa >> 12);
  if (base >= 0 && frameArmed((base >> 12) as u32)) disarmFrame((base >> 12) as u32);
  physWrite(gpa, size, v);
}

let walkWritable: bool = false;
let walkDirty: bool = false;

// The last MMIO page a walk found (MMIO pages never enter the TLB): its linear page,
// the access (A_* | 4 for user) it was checked for, its guest-physical page, and the
// chainEpoch then. Every TLB flush (tlbFlushAll, tlbFlushPage) moves chainEpoch, so
// it holds exactly as long as a TLB entry would: a register written again and again
// (the xAPIC EOI, once per interrupt) skips the walk.
let mmioLin: u64 = 1; // no page (pages are 4 KiB aligned)
let mmioAcc: i32 = -1;
let mmioPage: u64 = 0;
let mmioEpoch: u32 = 0;

/** Translates and fills the TLB. Returns the wasm offset of `lin`, -1 for MMIO
 * (see lastMmioGpa), -2 after raising a fault. */
export function linToOff(lin: u64, acc: i32): i64 {
  // Every slow access passes here: MMIO (a device may want an exit, the LAPIC
  // timer may change) and new frames (the pool may run out). The run loop
  // looks at those after this instruction.
  requestCheck();
  if (mode64 || longActive) {
    if (!isCanonical(lin)) { nonCanonical(); return -2; }
  } else {
    lin &= 0xffffffff;
  }
  const accKey = acc | (userAccess ? 4 : 0);
  if ((lin & PAGE_MASK) == mmioLin && accKey == mmioAcc && chainEpoch == mmioEpoch) {
    mmioGpa = mmioPage | (lin & 0xfff);
    return -1;
  }
  const gpa = translate(lin, acc);
  if (faulted) return -2;
  const base = frameOff(gpa >> 12);
  if (base < 0) {
    mmioGpa = gpa;
    if (base == -1) { // not -2: the pool ran out for a RAM frame
      mmioLin = lin & PAGE_MASK;
      mmioAcc = accKey;
      mmioPage = gpa & PAGE_MASK;
      mmioEpoch = chainEpoch;
    }
    return -1;
  }
  const pageOff = base as u32;
  const ro = !pagingOn ? false : !walkWritable;
  if (walkPageMask != 0xfff) noteLargePage(lin, walkPageMask);
  tlbFill(tlbRead, lin, pageOff, walkNx);
  // A frame with decoded code stays out of the write TLB; a write to it makes
  // its blocks stale (blocks.ts), and then it may enter.
  const frame = pageOff >> 12;
  if (acc == A_WRITE && frameArmed(frame)) disarmFrame(frame);
  if ((acc == A_WRITE || (!ro && (!pagingOn || walkDirty))) && !ro && !frameArmed(frame)) {
    tlbFill(tlbWrite, lin, pageOff, walkNx);
  }
  return (pageOff as i64) + ((lin & 0xfff) as i64);
}

export function lastMmioGpa(): u64 {
  return mmioGpa;
}

// ---------------------------------------------------------------------------
// Linear accessors. Fast path: TLB hit within one page.

// A TLB hit: the entry for lin's page holds that page (and lin + size - 1 is
// in it too, so the access stays in one page), compared at once: the tag of
// lin's entry against the page of the access's last byte. The no-exec bit is
// ignored.

/** The entry of `lin` in the TLB array `arr`. */
// @ts-ignore: decorator
@inline export function tlbEntry(arr: usize, lin: u64): usize {
  return arr + (((lin as u32) >> 8) & ((TLB_ENTRIES - 1) << 4));
}

/** Entry `t` (tlbEntry) maps all of [lin, lin + size). */
// @ts-ignore: decorator
@inline export function tlbHit(t: usize, lin: u64, size: i32): bool {
  return (load<u64>(t) & ~(2 as u64)) == (((lin + ((size - 1) as u64)) & PAGE_MASK) | 1);
}

/** The wasm offset of `lin` through entry `t` (a hit). */
// @ts-ignore: decorator
@inline export function tlbOff(t: usize, lin: u64): usize {
  return (load<u32>(t, 8) + ((lin as u32) & 0xfff)) as usize;
}

// @ts-ignore: decorator
@inline function readHit(lin: u64, size: u32): i64 {
  const e = tlbEntry(tlbRead, lin);
  if (!tlbHit(e, lin, size as i32)) return -1;
  return tlbOff(e, lin) as i64;
}

// @ts-ignore: decorator
@inline function writeHit(lin: u64, size: u32): i64 {
  const e = tlbEntry(tlbWrite, lin);
  if (!tlbHit(e, lin, size as i32)) return -1;
  return tlbOff(e, lin) as i64;
}

/** For an access that crosses a page: in long mode every byte must be
 * canonical, which is checked before either page is translated. */
function crossingCanonical(lin: u64, size: i32): bool {
  if (longActive && !isCanonical(lin + ((size - 1) as u64))) { nonCanonical(); return false; }
  return true;
}

export function readSlow(lin: u64, size: i32): u64 {
  if (((lin as u32) & 0xfff) + (size as u32) > 4096) {
    if (!crossingCanonical(lin, size)) return 0;
    // Split across pages: assemble byte by byte (both pages are checked first).
    let v: u64 = 0;
    for (let i = 0; i < size; i++) {
      const b = read8(lin + (i as u64));
      if (faulted) return 0;
      v |= b << ((i as u64) << 3);
    }
    return v;
  }
  const off = linToOff(lin, A_READ);
  if (off == -2) return 0;
  if (off == -1) return physRead(mmioGpa, size);
  const o = off as usize;
  if (size == 1) return load<u8>(o);
  if (size == 2) return load<u16>(o);
  if (size == 4) return load<u32>(o);
  return load<u64>(o);
}

export function writeSlow(lin: u64, size: i32, v: u64): void {
  if (((lin as u32) & 0xfff) + (size as u32) > 4096) {
    // Probe both pages before writing anything, so a fault leaves memory intact.
    if (!crossingCanonical(lin, size)) return;
    const first = linToOff(lin, A_WRITE);
    if (first == -2) return;
    const second = linToOff((lin | 0xfff) + 1, A_WRITE);
    if (second == -2) return;
    for (let i = 0; i < size; i++) write8(lin + (i as u64), (v >> ((i as u64) << 3)) as u8);
    return;
  }
  const off = linToOff(lin, A_WRITE);
  if (off == -2) return;
  if (off == -1) { physWrite(mmioGpa, size, v); return; }
  const o = off as usize;
  if (size == 1) store<u8>(o, v as u8);
  else if (size == 2) store<u16>(o, v as u16);
  else if (size == 4) store<u32>(o, v as u32);
  else store<u64>(o, v);
}

/** readN() for the fast paths: the TLB hit inline. */
// @ts-ignore: decorator
@inline export function readMem(lin: u64, size: i32): u64 {
  const e = tlbEntry(tlbRead, lin);
  if (tlbHit(e, lin, size)) {
    const o = tlbOff(e, lin);
    if (size == 4) return load<u32>(o);
    if (size == 8) return load<u64>(o);
    if (size == 1) return load<u8>(o);
    return load<u16>(o);
  }
  return readSlow(lin, size);
}

/** writeN() for the fast paths: the TLB hit inline. */
// @ts-ignore: decorator
@inline export function writeMem(lin: u64, size: i32, v: u64): void {
  const e = tlbEntry(tlbWrite, lin);
  if (tlbHit(e, lin, size)) {
    const o = tlbOff(e, lin);
    if (size == 4) store<u32>(o, v as u32);
    else if (size == 8) store<u64>(o, v);
    else if (size == 1) store<u8>(o, v as u8);
    else store<u16>(o, v as u16);
    return;
  }
  writeSlow(lin, size, v);
}

/** The wasm offset of [lin, lin+size) when it is in the read TLB, else -1. */
// @ts-ignore: decorator
@inline export function readableOff(lin: u64, size: i32): i64 {
  const e = tlbEntry(tlbRead, lin);
  if (!tlbHit(e, lin, size)) return -1;
  return tlbOff(e, lin) as i64;
}

/** The wasm offset of [lin, lin+size) when it is in the write TLB (so also
 * readable), else -1: read-modify-write fast paths. */
// @ts-ignore: decorator
@inline export function writableOff(lin: u64, size: i32): i64 {
  const e = tlbEntry(tlbWrite, lin);
  if (!tlbHit(e, lin, size)) return -1;
  return tlbOff(e, lin) as i64;
}

export function read8(lin: u64): u64 {
  if (accSeg >= 0 && !segAccessOk(lin, 1, false)) return 0;
  const o = readHit(lin, 1);
  if (o >= 0) return load<u8>(o as usize);
  return readSlow(lin, 1);
}
export function read16(lin: u64): u64 {
  if (accSeg >= 0 && !segAccessOk(lin, 2, false)) return 0;
  const o = readHit(lin, 2);
  if (o >= 0) return load<u16>(o as usize);
  return readSlow(lin, 2);
}
export function read32(lin: u64): u64 {
  if (accSeg >= 0 && !segAccessOk(lin, 4, false)) return 0;
  const o = readHit(lin, 4);
  if (o >= 0) return load<u32>(o as usize);
  return readSlow(lin, 4);
}
export function read64(lin: u64): u64 {
  if (accSeg >= 0 && !segAccessOk(lin, 8, false)) return 0;
  const o = readHit(lin, 8);
  if (o >= 0) return load<u64>(o as usize);
  return readSlow(lin, 8);
}
export function write8(lin: u64, v: u64): void {
  if (accSeg >= 0 && !segAccessOk(lin, 1, true)) return;
  const o = writeHit(lin, 1);
  if (o >= 0) { store<u8>(o as usize, v as u8); return; }
  writeSlow(lin, 1, v);
}
export function write16(lin: u64, v: u64): void {
  if (accSeg >= 0 && !segAccessOk(lin, 2, true)) return;
  const o = writeHit(lin, 2);
  if (o >= 0) { store<u16>(o as usize, v as u16); return; }
  writeSlow(lin, 2, v);
}
export function write32(lin: u64, v: u64): void {
  if (accSeg >= 0 && !segAccessOk(lin, 4, true)) return;
  const o = writeHit(lin, 4);
  if (o >= 0) { store<u32>(o as usize, v as u32); return; }
  writeSlow(lin, 4, v);
}
export function write64(lin: u64, v: u64): void {
  if (accSeg >= 0 && !segAccessOk(lin, 8, true)) return;
  const o = writeHit(lin, 8);
  if (o >= 0) { store<u64>(o as usize, v); return; }
  writeSlow(lin, 8, v);
}

export function readN(lin: u64, size: i32): u64 {
  if (size == 4) return read32(lin);
  if (size == 8) return read64(lin);
  if (size == 2) return read16(lin);
  return read8(lin);
}
export function writeN(lin: u64, size: i32, v: u64): void {
  if (size == 4) write32(lin, v);
  else if (size == 8) write64(lin, v);
  else if (size == 2) write16(lin, v);
  else write8(lin, v);
}

/** Checks that [lin, lin+size) is writable without writing (for read-modify-write
 * instructions that must not fault halfway). */
export function probeWrite(lin: u64, size: i32): void {
  if (accSeg >= 0 && !segAccessOk(lin, size, true)) return;
  if (writeHit(lin, size as u32) >= 0) return;
  if (((lin as u32) & 0xfff) + (size as u32) > 4096 && !crossingCanonical(lin, size)) return;
  linToOff(lin, A_WRITE);
  if (!faulted && ((lin as u32) & 0xfff) + (size as u32) > 4096) linToOff((lin | 0xfff) + 1, A_WRITE);
}

// ---------------------------------------------------------------------------
// Instruction fetch: the current code page is cached by its wasm offset.

export let codePage: u64 = 0xffffffffffffffff;
export let codeOff: u32 = 0;

/** Makes the page of `lin` the cached code page (fetch permission). False when
 * it is not RAM or the translation faulted (the fault is then pending). */
export function refillCodePage(lin: u64): bool {
  const e = tlbRead + ((((lin >> 12) as u32) & (TLB_ENTRIES - 1)) << 4);
  if (load<u64>(e) == ((lin & PAGE_MASK) | 1)) {
    codePage = lin & PAGE_MASK;
    codeOff = load<u32>(e, 8);
    return true;
  }
  const off = linToOff(lin, A_EXEC);
  if (off < 0) return false;
  codePage = lin & PAGE_MASK;
  codeOff = (off as u32) & ~0xfff;
  return true;
}

/** Reads one code byte at linear address `lin` (fetch permission). */
export function fetchByte(lin: u64): u32 {
  if ((lin & PAGE_MASK) == codePage) return load<u8>(codeOff + ((lin as u32) & 0xfff));
  // Refill: exec translation. MMIO code is not supported: it reads as all-ones.
  const e = tlbRead + ((((lin >> 12) as u32) & (TLB_ENTRIES - 1)) << 4);
  if (load<u64>(e) == ((lin & PAGE_MASK) | 1)) {
    codePage = lin & PAGE_MASK;
    codeOff = load<u32>(e, 8);
    return load<u8>(codeOff + ((lin as u32) & 0xfff));
  }
  const off = linToOff(lin, A_EXEC);
  if (off == -2) return 0;
  if (off == -1) return 0xff;
  codePage = lin & PAGE_MASK;
  codeOff = (off as u32) & ~0xfff;
  return load<u8>(off as usize);
}
