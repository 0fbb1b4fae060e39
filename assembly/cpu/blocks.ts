// Basic blocks of decoded instructions: decode once, run many times.
//
// A block is a run of instructions from one code page that ends at a control
// transfer, at an instruction the fast paths do not cover (those may change the
// mode, paging, anything), at the end of the page, or after BLOCK_MAX
// instructions. A direct jump or call whose target is in the same page does not
// end it: the block goes on at the target (K_JMP_IN, KS_CALL_IN), so it follows
// the path the code takes rather than the order of its bytes. Conditional
// branches do not end it either (a taken one leaves it). It lives in the arena
// (BLOCK_ARENA_OFF) as a header slot
// followed by one decode.ts entry per instruction, and is found through a
// direct-mapped table keyed by the linear address of its first instruction and
// the code mode (state.ts modeKey, which includes user/supervisor).
//
// Header (64 bytes):
//   +0  u64 tag: linear address ^ modeKey
//   +8  u32 codeGen when the block was last checked
//   +12 u32 wasm offset of the frame its bytes were checked in
//   +16 u8  that frame's generation then (CODE_FRAME_OFF)
//   +17 u8  instruction count
//   +20 u32 block, +24 u32 chainEpoch: the block that followed the last time it
//           ran to its end without branching; for a block that ends with a call
//           (which always branches), the block its return went back to
//
// Entries are decode.ts's, plus two fields of their own:
//   +2  u16 (E_NEXT) page offset of the instruction that runs next when this one
//           does not branch: the following one (its offset may be 4096 or more),
//           or the target of a jump or call the block goes on through
//   +32 u32 block, +36 u32 chainEpoch (E_LINK, in the displacement, which near
//           branches do not have): the block the entry's branch led to the last
//           time it was taken
//
// Staying correct when code changes. A block is used without looking at its
// bytes only while (a) codeGen is the one it was checked at, (b) the TLB still
// maps its page, with fetch permission, to the frame it was checked in, and (c)
// that frame's generation is unchanged. Otherwise its bytes are compared with
// guest memory through the current translation (after a page walk if need be),
// and it is decoded again if they differ.
//   - Writes by the guest: a frame that holds checked code is "armed" (bit 0x80
//     of its CODE_FRAME_OFF byte): it never enters the write TLB, so every write
//     to it takes the slow path, which disarms it (a new generation) and asks
//     the run loop to stop after the current instruction. That covers stores to
//     the next instruction, alias mappings and page-straddling writes alike.
//   - Translation changes (CR3, INVLPG, paging mode, privilege): they drop TLB
//     entries, and (b) then fails until a walk finds the mapping again.
//   - Writes from outside the instruction stream (the host and its backends
//     between runs, devices): run() bumps codeGen on every entry.
import {
  BLOCK_ARENA_OFF, BLOCK_ARENA_SLOTS, BLOCK_TABLE_OFF, BLOCK_TABLE_SLOTS, CODE_FRAME_OFF, TLB_OFF, TLB_ENTRIES,
} from "../layout";
import { mode64, modeKey, csLimited, chainBreak } from "./state";
import { E_PAGEOFF, E_LEN, E_KIND, decodeInto, entryMatches } from "./decode";
import { endsBlock, rasClear } from "./fastpath";
import { codePage, codeOff, refillCodePage, tlbRead } from "./mmu";
import { faulted, clearFault } from "./fault";
import { requestCheck } from "./exec";
import { E_IMM } from "./decode";
import { K_JMP, K_JMP_IN, KS_CALL, KS_CALL_IN } from "./fastpath";

// @ts-ignore: decorator
@inline export const B_TAG: u32 = 0;
// @ts-ignore: decorator
@inline export const B_GEN: u32 = 8;
// @ts-ignore: decorator
@inline export const B_FRAME: u32 = 12;
// @ts-ignore: decorator
@inline export const B_FGEN: u32 = 16;
// @ts-ignore: decorator
@inline export const B_COUNT: u32 = 17;
// @ts-ignore: decorator
@inline export const B_LINK: u32 = 20;
// @ts-ignore: decorator
@inline export const E_NEXT: u32 = 2;
// @ts-ignore: decorator
@inline export const E_LINK: u32 = 32;

/** Most instructions in one block. */
// @ts-ignore: decorator
@inline const BLOCK_MAX: u32 = 32;
/** A block's first byte must leave 16 readable bytes in the page (entries compare
 * 16-byte windows); instructions further on end the block. */
// @ts-ignore: decorator
@inline const LAST_START: u32 = 4096 - 16;

// @ts-ignore: decorator
@inline const ARMED: u32 = 0x80;

/** Bumped whenever any block may be stale (see above). */
export let codeGen: u32 = 1;
/** Next free arena slot. */
let arenaNext: u32 = 0;

export function codeGenBump(): void {
  codeGen++;
  chainBreak();
}

// Links between blocks (B_LINK, E_LINK) hold while state.ts chainEpoch is the one they
// were made in. It moves whenever any block may have become stale or its
// translation may have changed (codeGen, a write to a frame with code, a TLB
// flush, an emptied arena, CS's base), so a linked block is as good as one
// blockHit() found.

/** Empties the table and the arena (the arena is full, or the host reset things). */
export function blockCacheFlush(): void {
  memory.fill(BLOCK_TABLE_OFF, 0, BLOCK_TABLE_SLOTS << 2);
  rasClear();
  arenaNext = 0;
  codeGen++;
  chainBreak();
}

// @ts-ignore: decorator
@inline function tableSlot(lin: u64): usize {
  const l = lin as u32;
  return (BLOCK_TABLE_OFF as usize) + ((((l ^ (l >> 16)) & (BLOCK_TABLE_SLOTS - 1)) as usize) << 2);
}

/** The block for code at `lin` when it can be used as it is, else 0. */
// @ts-ignore: decorator
@inline export function blockHit(lin: u64): usize {
  const h = load<u32>(tableSlot(lin)) as usize;
  if (h == 0) return 0;
  const t = tlbRead + ((((lin >> 12) as u32) & (TLB_ENTRIES - 1)) << 4);
  const f = load<u32>(h, B_FRAME);
  if (load<u64>(h, B_TAG) == (lin ^ modeKey) && load<u32>(h, B_GEN) == codeGen &&
      load<u64>(t) == ((lin & ~(0xfff as u64)) | 1) && load<u32>(t, 8) == f &&
      load<u8>(CODE_FRAME_OFF + (f >> 12)) == (load<u8>(h, B_FGEN) | ARMED)) return h;
  return 0;
}

// ---------------------------------------------------------------------------
// Frames holding code.

// @ts-ignore: decorator
@inline export function frameArmed(frame: u32): bool {
  return (load<u8>(CODE_FRAME_OFF + frame) & ARMED) != 0;
}

/** A write reached an armed frame (through the slow path): its blocks must be
 * checked again, and a block running from it stops after this instruction. */
export function disarmFrame(frame: u32): void {
  const g = (load<u8>(CODE_FRAME_OFF + frame) + 1) & 0x7f;
  store<u8>(CODE_FRAME_OFF + frame, g as u8);
  if (g == 0) codeGen++; // the generation wrapped: no old block may match it again
  chainBreak();
  requestCheck();
}

/** Keeps `frame` out of the write TLB from now on (and drops it from there). */
function armFrame(frame: u32): void {
  const a = CODE_FRAME_OFF + frame;
  const s = load<u8>(a);
  if ((s & ARMED) != 0) return;
  store<u8>(a, (s | ARMED) as u8);
  // The write arrays are the 2nd (supervisor) and 4th (user) of the TLB.
  const arrayBytes: usize = (TLB_ENTRIES as usize) << 4;
  for (let k: usize = 1; k < 4; k += 2) {
    const base = (TLB_OFF as usize) + k * arrayBytes;
    for (let i: usize = 0; i < arrayBytes; i += 16) {
      if ((load<u32>(base + i, 8) >> 12) == frame) store<u64>(base + i, 0);
    }
  }
}

// ---------------------------------------------------------------------------
// Finding, checking and building blocks.

/** The block for code at `lin` (RIP `ip`), checked or built now; 0 when there is
 * none (a fetch fault, an instruction that straddles the page or is invalid:
 * the caller decodes and runs it on its own). */
export function blockAt(lin: u64, ip: u64): usize {
  // A CS limit below 4 GiB (real mode, segmented code) is checked byte by byte
  // by decode(): no blocks then (none carry this modeKey, so none hit either).
  if (csLimited) return 0;
  const slot = tableSlot(lin);
  if (!((lin & ~(0xfff as u64)) == codePage || refillCodePage(lin))) {
    clearFault(); // decode() raises it again
    return 0;
  }
  const h = load<u32>(slot) as usize;
  if (h != 0 && load<u64>(h, B_TAG) == (lin ^ modeKey)) {
    // Mapped to the frame it was checked in, which was not written since: as it is.
    const f = load<u32>(h, B_FRAME);
    if (load<u32>(h, B_GEN) == codeGen && f == codeOff &&
        load<u8>(CODE_FRAME_OFF + (f >> 12)) == (load<u8>(h, B_FGEN) | ARMED)) return h;
    if (recheck(h)) return h;
  }
  return build(lin, ip, slot);
}

/** Compares the block's instructions with the code page's bytes; on a match
 * marks it current. */
function recheck(h: usize): bool {
  const n = load<u8>(h, B_COUNT) as usize;
  for (let i: usize = 1; i <= n; i++) {
    const e = h + (i << 6);
    if (!entryMatches(e, (codeOff as usize) + (load<u16>(e, E_PAGEOFF) as usize))) return false;
  }
  stamp(h);
  return true;
}

function stamp(h: usize): void {
  const frame = codeOff >> 12;
  armFrame(frame);
  store<u32>(h, codeGen, B_GEN);
  store<u32>(h, codeOff, B_FRAME);
  store<u8>(h, load<u8>(CODE_FRAME_OFF + frame) & 0x7f, B_FGEN);
}

function build(lin: u64, ip: u64, slot: usize): usize {
  let off = (lin as u32) & 0xfff;
  if (off > LAST_START) return 0;
  if (arenaNext + 1 + BLOCK_MAX > BLOCK_ARENA_SLOTS) blockCacheFlush();
  const h = (BLOCK_ARENA_OFF as usize) + ((arenaNext as usize) << 6);
  // RIP of the page's first byte, and the CS base (the linear address of RIP 0).
  const rb = ip - (off as u64);
  const csBase = lin - ip;
  let n: u32 = 0;
  while (n < BLOCK_MAX && off <= LAST_START) {
    const e = h + (((n + 1) as usize) << 6);
    if (!decodeInto(e, rb + (off as u64), (codeOff as usize) + (off as usize))) break;
    store<u16>(e, off as u16, E_PAGEOFF);
    n++;
    off += load<u8>(e, E_LEN);
    store<u16>(e, off as u16, E_NEXT);
    // (E_LINK starts at 0: near branches have no displacement.)
    const k = load<u8>(e, E_KIND) as u32;
    if ((k == K_JMP || (k & ~1) == KS_CALL) && n < BLOCK_MAX) {
      // Go on at the target when it is in this page.
      let t = rb + (off as u64) + load<u64>(e, E_IMM);
      if (!mode64) t &= 0xffffffff;
      const tl = mode64 ? t : (t + csBase) & 0xffffffff;
      if ((tl & ~(0xfff as u64)) == (lin & ~(0xfff as u64)) && ((tl as u32) & 0xfff) <= LAST_START) {
        store<u8>(e, (k == K_JMP ? K_JMP_IN : KS_CALL_IN + (k & 1)) as u8, E_KIND);
        off = (tl as u32) & 0xfff;
        store<u16>(e, off as u16, E_NEXT);
        continue;
      }
    }
    if (endsBlock(k)) break;
  }
  if (n == 0) return 0;
  arenaNext += n + 1;
  store<u64>(h, lin ^ modeKey, B_TAG);
  store<u8>(h, n as u8, B_COUNT);
  store<u64>(h, 0, B_LINK);
  stamp(h);
  store<u32>(slot, h as u32);
  return h;
}

export { mode64, faulted };
