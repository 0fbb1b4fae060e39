// Guest-physical memory: RAM low/high backed lazily from the linear-memory frame
// pool, overlay pages (shared_info, grant frames, Xen rings) placed by the host,
// and everything else routed to the core's MMIO devices.
import {
  CTL_OFF, CTL_RAM_LOW_BASE, CTL_RAM_LOW_SIZE, CTL_RAM_HIGH_BASE, CTL_RAM_HIGH_SIZE,
  CTL_POOL_NEXT, CTL_POOL_END, FRAME_TABLE_OFF, CTL_OVERLAY_COUNT, CTL_OVERLAY_TABLE,
} from "../layout";
import { mmioRead, mmioWrite } from "./mmio";

/** Set when a guest page could not be backed: the run loop exits with OUT_OF_MEMORY. */
export let outOfFrames = false;

// Cached copies of the RAM ranges (set by refreshRamConfig).
let lowBase: u64 = 0;
let lowEnd: u64 = 0;
let highBase: u64 = 0;
let highEnd: u64 = 0;
let lowPages: u64 = 0;

export function refreshRamConfig(): void {
  lowBase = load<u64>(CTL_OFF + CTL_RAM_LOW_BASE);
  lowEnd = lowBase + load<u64>(CTL_OFF + CTL_RAM_LOW_SIZE);
  highBase = load<u64>(CTL_OFF + CTL_RAM_HIGH_BASE);
  highEnd = highBase + load<u64>(CTL_OFF + CTL_RAM_HIGH_SIZE);
  lowPages = (lowEnd - lowBase) >> 12;
}

/** Linear-memory offset of the 4 KiB guest frame `gfn`, backing it on first touch;
 * -1 if the frame is not RAM or an overlay (MMIO or unbacked space), or -2 when the
 * frame pool is exhausted. */
export function frameOff(gfn: u64): i64 {
  const gpa = gfn << 12;
  let idx: u64;
  if (gpa >= lowBase && gpa < lowEnd) idx = (gpa - lowBase) >> 12;
  else if (gpa >= highBase && gpa < highEnd) idx = lowPages + ((gpa - highBase) >> 12);
  else return overlayOff(gfn);
  const slot = FRAME_TABLE_OFF + ((idx as u32) << 2);
  let frame = load<u32>(slot);
  if (frame == 0) {
    const next = load<u32>(CTL_OFF + CTL_POOL_NEXT);
    if (next >= load<u32>(CTL_OFF + CTL_POOL_END)) {
      outOfFrames = true;
      return -2;
    }
    store<u32>(CTL_OFF + CTL_POOL_NEXT, next + 1);
    frame = next;
    store<u32>(slot, frame);
    // A fresh frame is already zero: the pool is never reused.
  }
  return (frame as i64) << 12;
}

function overlayOff(gfn: u64): i64 {
  const n = load<u32>(CTL_OFF + CTL_OVERLAY_COUNT);
  for (let i: u32 = 0; i < n; i++) {
    const e = CTL_OFF + CTL_OVERLAY_TABLE + (i << 4);
    if (load<u64>(e) == gfn) return (load<u32>(e, 8) as i64) << 12;
  }
  return -1;
}

/** Physical read of 1/2/4/8 bytes that may hit MMIO; never crosses a page. */
export function physRead(gpa: u64, size: i32): u64 {
  const base = frameOff(gpa >> 12);
  if (base < 0) return mmioRead(gpa, size);
  const off = (base as u32) + ((gpa as u32) & 0xfff);
  if (size == 1) return load<u8>(off);
  if (size == 2) return load<u16>(off);
  if (size == 4) return load<u32>(off);
  return load<u64>(off);
}

export function physWrite(gpa: u64, size: i32, v: u64): void {
  const base = frameOff(gpa >> 12);
  if (base < 0) {
    mmioWrite(gpa, size, v);
    return;
  }
  const off = (base as u32) + ((gpa as u32) & 0xfff);
  if (size == 1) store<u8>(off, v as u8);
  else if (size == 2) store<u16>(off, v as u16);
  else if (size == 4) store<u32>(off, v as u32);
  else store<u64>(off, v);
}
