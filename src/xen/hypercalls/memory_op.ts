// memory_op (12): `(cmd, arg)` (reference §3; xen/include/public/memory.h).

import type { FamilyResult, HypercallCall } from "../hypercall.js";
import type { Xen } from "../xen.js";
import { ENOSYS, ESRCH } from "../errno.js";
import { GuestStruct } from "../abi/struct.js";
import {
  E820_ENTRY_SIZE,
  XENMEM_add_to_physmap,
  XENMEM_add_to_physmap_batch,
  XENMEM_current_reservation,
  XENMEM_decrease_reservation,
  XENMEM_increase_reservation,
  XENMEM_maximum_gpfn,
  XENMEM_maximum_ram_page,
  XENMEM_maximum_reservation,
  XENMEM_memory_map,
  XENMEM_populate_physmap,
  XEN_ADD_TO_PHYSMAP,
  XEN_ADD_TO_PHYSMAP_BATCH,
  XEN_MEMORY_MAP,
  XEN_MEMORY_RESERVATION,
} from "../abi/memory.js";

/** The low bits of cmd are the op; the rest is a continuation's start extent. */
const MEMOP_CMD_MASK = 0x3f;
const MEMOP_EXTENT_SHIFT = 6n;
/** Largest extent order accepted (1 GiB superpages). */
const MAX_EXTENT_ORDER = 18;
/** Extents handled per call; the guest sees a short count and calls again. */
const MAX_EXTENTS_PER_CALL = 1 << 16;

export function memoryOp(xen: Xen, c: HypercallCall): FamilyResult {
  const op = Number(c.args[0] & BigInt(MEMOP_CMD_MASK));
  const arg = c.args[1];
  switch (op) {
    case XENMEM_add_to_physmap: {
      const s = GuestStruct.read(c.vcpu, arg, XEN_ADD_TO_PHYSMAP.of(c.long));
      return xen.addToPhysmap(s.get("domid"), s.get("space"), s.big("idx"), s.big("gpfn"));
    }
    case XENMEM_add_to_physmap_batch:
      return addToPhysmapBatch(xen, c, arg);
    case XENMEM_memory_map:
      return memoryMap(xen, c, arg);
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
      return reservation(xen, c, op, arg, c.args[0] >> MEMOP_EXTENT_SHIFT);
    case XENMEM_maximum_ram_page:
      return xen.ramLayout.maxGfn + 1;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn: {
      const dom = new DataView(c.vcpu.readVirt(arg, 2).buffer).getUint16(0, true);
      if (!xen.isSelf(dom)) return -ESRCH;
      return op === XENMEM_maximum_gpfn ? xen.ramLayout.maxGfn : xen.ramLayout.pages;
    }
    default:
      return undefined;
  }
}

function addToPhysmapBatch(xen: Xen, c: HypercallCall, arg: bigint): number {
  const s = GuestStruct.read(c.vcpu, arg, XEN_ADD_TO_PHYSMAP_BATCH.of(c.long));
  if (!xen.isSelf(s.get("domid"))) return -ESRCH;
  const space = s.get("space");
  const n = s.get("size");
  const w = c.long ? 8 : 4;
  const idxs = new DataView(c.vcpu.readVirt(s.big("idxs"), n * w).buffer);
  const gpfns = new DataView(c.vcpu.readVirt(s.big("gpfns"), n * w).buffer);
  const errs = new Uint8Array(n * 4);
  const edv = new DataView(errs.buffer);
  const at = (dv: DataView, i: number): bigint =>
    w === 8 ? dv.getBigUint64(i * 8, true) : BigInt(dv.getUint32(i * 4, true));
  for (let i = 0; i < n; i++)
    edv.setInt32(i * 4, xen.addToPhysmap(s.get("domid"), space, at(idxs, i), at(gpfns, i)), true);
  c.vcpu.writeVirt(s.big("errs"), errs);
  return 0;
}

function memoryMap(xen: Xen, c: HypercallCall, arg: bigint): number {
  const map = xen.config.memmap;
  if (map.length === 0) return -ENOSYS; // what Xen says when the toolstack set no map
  const s = GuestStruct.read(c.vcpu, arg, XEN_MEMORY_MAP.of(c.long));
  const n = Math.min(s.get("nr_entries"), map.length);
  const out = new Uint8Array(n * E820_ENTRY_SIZE);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const e = map[i];
    dv.setBigUint64(i * E820_ENTRY_SIZE, BigInt(e.addr), true);
    dv.setBigUint64(i * E820_ENTRY_SIZE + 8, BigInt(e.size), true);
    dv.setUint32(i * E820_ENTRY_SIZE + 16, e.type, true);
  }
  if (n) c.vcpu.writeVirt(s.big("buffer"), out);
  s.set("nr_entries", n).writeBack(c.vcpu, arg, "nr_entries");
  return 0;
}

/** increase/decrease_reservation and populate_physmap: returns the number of extents
 * done (counting from the continuation's start extent), which Linux checks. */
function reservation(xen: Xen, c: HypercallCall, op: number, arg: bigint, startExtent: bigint): number {
  const s = GuestStruct.read(c.vcpu, arg, XEN_MEMORY_RESERVATION.of(c.long));
  if (!xen.isSelf(s.get("domid"))) return -ESRCH;
  const nr = s.big("nr_extents");
  const order = s.get("extent_order");
  let done = startExtent;
  if (done >= nr || order > MAX_EXTENT_ORDER) return Number(done);
  // An HVM guest's increase_reservation has no use (it gets no machine frames); Linux's
  // balloon populates instead. Report nothing done.
  if (op === XENMEM_increase_reservation) return Number(done);
  const pages = 2 ** order;
  const w = c.long ? 8 : 4;
  const handle = s.big("extent_start");
  const end = nr - done > BigInt(MAX_EXTENTS_PER_CALL) ? done + BigInt(MAX_EXTENTS_PER_CALL) : nr;
  for (; done < end; done++) {
    const raw = c.vcpu.readVirt(handle + done * BigInt(w), w);
    const dv = new DataView(raw.buffer);
    const gfn = w === 8 ? dv.getBigUint64(0, true) : BigInt(dv.getUint32(0, true));
    if (gfn + BigInt(pages) > BigInt(Number.MAX_SAFE_INTEGER) / 4096n) break;
    const g = Number(gfn);
    if (op === XENMEM_populate_physmap) {
      if (!xen.populateRam(g, pages)) break;
    } else {
      xen.callbacks.releaseRam?.(g, pages);
    }
  }
  return Number(done);
}
