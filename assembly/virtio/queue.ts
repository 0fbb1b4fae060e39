// Split virtqueues (virtio 1.x §2.7), device side. The host takes a request with
// virtqPop, which validates the whole descriptor chain (direct and indirect)
// and leaves it as a scatter-gather list at VQ_CHAIN_OFF; it moves the bytes
// with its GuestMemory and hands the chain back with virtqPush (the export
// `completeUsed`), which fills the used ring and interrupts the driver unless
// the driver suppressed it (VIRTQ_AVAIL_F_NO_INTERRUPT, or used_event with
// VIRTIO_F_EVENT_IDX).
//
// Ring layout (guest RAM):
//   descriptor table  16 B x size {le64 addr, le32 len, le16 flags, le16 next}
//   available ring    le16 flags, le16 idx, le16 ring[size], le16 used_event
//   used ring         le16 flags, le16 idx, {le32 id, le32 len}[size], le16 avail_event
//
// Anything inconsistent (a ring outside RAM, an index out of range, a loop, a
// buffer outside RAM, a bad indirect table) marks the device DEVICE_NEEDS_RESET;
// the device then takes nothing more from that queue until the driver resets it.
import {
  CTL_OFF, CTL_VQ_SEGS, CTL_VQ_ERROR, VQ_CHAIN_OFF, VQ_CHAIN_MAX, VQ_SIZE, VQ_DESC, VQ_DRIVER, VQ_DEVICE,
  VQ_LAST_AVAIL, VQ_USED_IDX, VQ_INFLIGHT, VQSEG_GPA, VQSEG_LEN, VQSEG_FLAGS, VQERR_NONE, VQERR_RING, VQERR_HEAD,
  VQERR_LOOP, VQERR_BUFFER, VQERR_INDIRECT, VQERR_TOO_LONG, VQERR_STATE, DEV_SLOTS,
} from "../layout";
import { cfg16, present, kindOf, PCI_COMMAND, CMD_BUS_MASTER, KIND_VIRTIO } from "../pci/config";
import { queueRec, queueLive, negotiated, setNeedsReset, F_INDIRECT_DESC, F_EVENT_IDX } from "./common_cfg";
import { dmaOff, ramRange } from "./guest_ram";
import { virtioQueueInterrupt } from "./pci_transport";

// Descriptor flags.
// @ts-ignore: decorator
@inline const D_NEXT: u32 = 1;
// @ts-ignore: decorator
@inline const D_WRITE: u32 = 2;
// @ts-ignore: decorator
@inline const D_INDIRECT: u32 = 4;
// @ts-ignore: decorator
@inline const AVAIL_F_NO_INTERRUPT: u32 = 1;

/** Ring field read/write at gpa, which dmaOff checks is RAM; `ok` goes false
 * on failure (the caller then treats the ring as broken). */
let ok: bool = true;

function rd16(gpa: u64): u32 {
  const o = dmaOff(gpa, 2);
  if (o < 0) { ok = false; return 0; }
  return load<u16>(o as u32);
}
function rd32(gpa: u64): u32 {
  const o = dmaOff(gpa, 4);
  if (o < 0) { ok = false; return 0; }
  return load<u32>(o as u32);
}
function rd64(gpa: u64): u64 {
  const o = dmaOff(gpa, 8);
  if (o < 0) { ok = false; return 0; }
  return load<u64>(o as u32);
}
function wr16(gpa: u64, v: u32): void {
  const o = dmaOff(gpa, 2);
  if (o < 0) { ok = false; return; }
  store<u16>(o as u32, v as u16);
}
function wr32(gpa: u64, v: u32): void {
  const o = dmaOff(gpa, 4);
  if (o < 0) { ok = false; return; }
  store<u32>(o as u32, v);
}

function fail(slot: u32, err: u32): i32 {
  store<u32>(CTL_OFF + CTL_VQ_ERROR, err);
  setNeedsReset(slot);
  return -2;
}

/** May the device use this queue now? (Live device, bus mastering on.) */
function usable(slot: u32, q: u32): bool {
  if (slot >= DEV_SLOTS || !present(slot) || kindOf(slot) != KIND_VIRTIO) return false;
  if ((cfg16(slot, PCI_COMMAND) & CMD_BUS_MASTER) == 0) return false;
  return queueLive(slot, q);
}

/** Walks the chain starting at `head`; writes its segments at VQ_CHAIN_OFF.
 * Returns the segment count or -(VQERR_*). */
function walkChain(slot: u32, descBase: u64, size: u32, head: u32): i32 {
  let table = descBase;
  let tableLen = size;
  let idx = head;
  let seen: u32 = 0;
  let segs: u32 = 0;
  let indirect = false;
  while (true) {
    if (idx >= tableLen) return -(VQERR_HEAD as i32);
    if (++seen > tableLen) return -(VQERR_LOOP as i32);
    const d = table + ((idx as u64) << 4);
    const addr = rd64(d);
    const len = rd32(d + 8);
    const fl = rd16(d + 12);
    const next = rd16(d + 14);
    if (!ok) return -(VQERR_RING as i32);
    if ((fl & D_INDIRECT) != 0) {
      // §2.7.5.3: only with the feature, never nested, never combined with NEXT,
      // a whole number of descriptors.
      if (indirect || !negotiated(slot, F_INDIRECT_DESC) || (fl & D_NEXT) != 0) return -(VQERR_INDIRECT as i32);
      if (len == 0 || (len & 15) != 0 || !ramRange(addr, len as u64)) return -(VQERR_INDIRECT as i32);
      indirect = true;
      table = addr;
      tableLen = len >> 4;
      idx = 0;
      seen = 0;
      continue;
    }
    if (!ramRange(addr, len as u64)) return -(VQERR_BUFFER as i32);
    if (segs >= VQ_CHAIN_MAX) return -(VQERR_TOO_LONG as i32);
    const s = VQ_CHAIN_OFF + (segs << 4);
    store<u64>(s + VQSEG_GPA, addr);
    store<u32>(s + VQSEG_LEN, len);
    store<u32>(s + VQSEG_FLAGS, (fl & D_WRITE) != 0 ? 1 : 0);
    segs++;
    if ((fl & D_NEXT) == 0) break;
    idx = next;
  }
  return segs as i32;
}

/** Takes the next available chain of (slot, q). Returns its head index with the
 * segment count in CTL_VQ_SEGS and the list at VQ_CHAIN_OFF; -1 when the queue
 * is empty or not usable; -2 when the guest broke the ring (the device is now
 * DEVICE_NEEDS_RESET, CTL_VQ_ERROR says why). */
export function virtqPop(slot: u32, q: u32): i32 {
  store<u32>(CTL_OFF + CTL_VQ_SEGS, 0);
  store<u32>(CTL_OFF + CTL_VQ_ERROR, VQERR_NONE);
  if (!usable(slot, q)) return -1;
  const r = queueRec(slot, q);
  const size = load<u16>(r + VQ_SIZE) as u32;
  const desc = load<u64>(r + VQ_DESC);
  const avail = load<u64>(r + VQ_DRIVER);
  const used = load<u64>(r + VQ_DEVICE);
  const last = load<u16>(r + VQ_LAST_AVAIL) as u32;
  ok = true;
  const availIdx = rd16(avail + 2);
  if (!ok) return fail(slot, VQERR_RING);
  const pending = (availIdx - last) & 0xffff;
  if (pending > size) return fail(slot, VQERR_RING);
  const eventIdx = negotiated(slot, F_EVENT_IDX);
  if (pending == 0) {
    // Ask to be kicked for the next buffer.
    if (eventIdx) wr16(used + 4 + ((size as u64) << 3), last);
    return -1;
  }
  const head = rd16(avail + 4 + (((last & (size - 1)) as u64) << 1));
  if (!ok) return fail(slot, VQERR_RING);
  const n = walkChain(slot, desc, size, head);
  if (n < 0) return fail(slot, (-n) as u32);
  const next = (last + 1) & 0xffff;
  store<u16>(r + VQ_LAST_AVAIL, next as u16);
  store<u32>(r + VQ_INFLIGHT, load<u32>(r + VQ_INFLIGHT) + 1);
  if (eventIdx) wr16(used + 4 + ((size as u64) << 3), next);
  store<u32>(CTL_OFF + CTL_VQ_SEGS, n);
  return head as i32;
}

/** Chains of (slot, q) waiting in the available ring (0 if unusable). */
export function virtqPending(slot: u32, q: u32): u32 {
  if (!usable(slot, q)) return 0;
  const r = queueRec(slot, q);
  ok = true;
  const availIdx = rd16(load<u64>(r + VQ_DRIVER) + 2);
  if (!ok) return 0;
  const pending = (availIdx - (load<u16>(r + VQ_LAST_AVAIL) as u32)) & 0xffff;
  return pending > (load<u16>(r + VQ_SIZE) as u32) ? 0 : pending;
}

/** Returns chain `head` to the driver with `len` bytes written into its
 * device-writable buffers, then interrupts unless suppressed. Returns 0, or -1
 * if the queue is not live any more or nothing is in flight (the host's request
 * predates a reset: drop it). */
export function virtqPush(slot: u32, q: u32, head: u32, len: u32): i32 {
  if (!usable(slot, q)) return -1;
  const r = queueRec(slot, q);
  const size = load<u16>(r + VQ_SIZE) as u32;
  const inflight = load<u32>(r + VQ_INFLIGHT);
  if (head >= size || inflight == 0) {
    store<u32>(CTL_OFF + CTL_VQ_ERROR, VQERR_STATE);
    return -1;
  }
  const avail = load<u64>(r + VQ_DRIVER);
  const used = load<u64>(r + VQ_DEVICE);
  const old = load<u16>(r + VQ_USED_IDX) as u32;
  const now = (old + 1) & 0xffff;
  ok = true;
  const e = used + 4 + (((old & (size - 1)) as u64) << 3);
  wr32(e, head);
  wr32(e + 4, len);
  wr16(used + 2, now);
  if (!ok) return fail(slot, VQERR_RING);
  store<u16>(r + VQ_USED_IDX, now as u16);
  store<u32>(r + VQ_INFLIGHT, inflight - 1);
  let notify: bool;
  if (negotiated(slot, F_EVENT_IDX)) {
    // §2.7.10: interrupt when used->idx passes used_event.
    const usedEvent = rd16(avail + 4 + ((size as u64) << 1));
    notify = ((now - usedEvent - 1) & 0xffff) < ((now - old) & 0xffff);
  } else {
    notify = (rd16(avail) & AVAIL_F_NO_INTERRUPT) == 0;
  }
  if (!ok) return fail(slot, VQERR_RING);
  if (notify) virtioQueueInterrupt(slot, q);
  return 0;
}
