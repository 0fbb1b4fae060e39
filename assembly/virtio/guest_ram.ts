// Device access to guest RAM ("DMA"): virtqueue rings are read and written
// through frameOff, buffers are checked to lie wholly in RAM. A device never
// touches MMIO or unbacked space on a guest's say-so.
import { CTL_OFF, CTL_RAM_LOW_BASE, CTL_RAM_LOW_SIZE, CTL_RAM_HIGH_BASE, CTL_RAM_HIGH_SIZE } from "../layout";
import { frameOff } from "../mem/phys";

/** Linear offset of [gpa, gpa+len) when it is RAM and inside one 4 KiB page, else -1. */
export function dmaOff(gpa: u64, len: u32): i64 {
  if (((gpa & 0xfff) + (len as u64)) > 0x1000) return -1;
  const f = frameOff(gpa >> 12);
  if (f < 0) return -1;
  return f + ((gpa & 0xfff) as i64);
}

function inRange(gpa: u64, end: u64, base: u64, size: u64): bool {
  return size != 0 && gpa >= base && end <= base + size;
}

/** Is [gpa, gpa+len) entirely guest RAM (low or high)? len 0 is always fine. */
export function ramRange(gpa: u64, len: u64): bool {
  if (len == 0) return true;
  const end = gpa + len;
  if (end < gpa) return false;
  return inRange(gpa, end, load<u64>(CTL_OFF + CTL_RAM_LOW_BASE), load<u64>(CTL_OFF + CTL_RAM_LOW_SIZE)) ||
    inRange(gpa, end, load<u64>(CTL_OFF + CTL_RAM_HIGH_BASE), load<u64>(CTL_OFF + CTL_RAM_HIGH_SIZE));
}
