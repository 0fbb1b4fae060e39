// ABI layouts (src/xen/abi/*.ts) against the offsets in the reference (§3, §5, §7, §8,
// §9): 64-bit and compat variants, sizes, and the generic accessor.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { GuestStruct, defineStruct, encodeFixedString } from "../../src/xen/abi/struct.js";
import { XEN_ADD_TO_PHYSMAP, XEN_MEMORY_MAP, XEN_MEMORY_RESERVATION } from "../../src/xen/abi/memory.js";
import { GNTTAB_COPY, GNTTAB_QUERY_SIZE, GNTTAB_SETUP_TABLE } from "../../src/xen/abi/grant_table.js";
import { EVTCHN_STATUS } from "../../src/xen/abi/event_channel.js";
import { VCPU_RUNSTATE_INFO, VCPU_SET_SINGLESHOT_TIMER } from "../../src/xen/abi/vcpu.js";
import { SCHED_POLL } from "../../src/xen/abi/sched.js";
import { PHYSDEV_MAP_PIRQ } from "../../src/xen/abi/physdev.js";
import { MULTICALL_ENTRY } from "../../src/xen/abi/xen.js";
import { SHARED_INFO_32, SHARED_INFO_64 } from "../../src/xen/abi/shared_info.js";
import { hypercallPage } from "../../src/xen/hypercall_page.js";

const offs = (l: { fields: Record<string, { off: number }>; size: number }) =>
  Object.fromEntries([...Object.entries(l.fields).map(([k, f]) => [k, f.off]), ["size", l.size]]);

test("64-bit and compat offsets match the reference", () => {
  assert.equal(offs(XEN_ADD_TO_PHYSMAP.l64), { domid: 0, size: 24, space: 4, idx: 8, gpfn: 16 });
  assert.equal(offs(XEN_ADD_TO_PHYSMAP.l32), { domid: 0, size: 16, space: 4, idx: 8, gpfn: 12 });
  assert.equal(offs(XEN_MEMORY_MAP.l32), { nr_entries: 0, buffer: 4, size: 8 });
  assert.equal(offs(XEN_MEMORY_RESERVATION.l32), { extent_start: 0, nr_extents: 4, extent_order: 8, mem_flags: 12, domid: 16, size: 20 });
  assert.equal(GNTTAB_COPY.l64.size, 40);
  assert.equal(GNTTAB_COPY.l32.size, 24);
  assert.is(GNTTAB_COPY.l32.fields.status.off, 20);
  assert.is(GNTTAB_SETUP_TABLE.l32.fields.frame_list.off, 12);
  assert.is(GNTTAB_QUERY_SIZE.l64.fields.status.off, 12);
  assert.is(EVTCHN_STATUS.l64.size, 24);
  assert.equal(offs(VCPU_RUNSTATE_INFO.l32), { state: 0, state_entry_time: 4, time0: 12, time1: 20, time2: 28, time3: 36, size: 44 });
  assert.is(VCPU_SET_SINGLESHOT_TIMER.l32.size, 12);
  assert.equal(offs(SCHED_POLL.l32), { ports: 0, nr_ports: 4, timeout: 8, size: 16 });
  assert.is(PHYSDEV_MAP_PIRQ.l32.fields.table_base.off, 28);
  assert.is(PHYSDEV_MAP_PIRQ.l32.size, 36);
  assert.is(MULTICALL_ENTRY.l32.fields.arg5.off, 28);
  assert.is(SHARED_INFO_64.wc_sec_hi, 3084);
  assert.is(SHARED_INFO_32.wc_sec_hi, 2340);
  assert.is(SHARED_INFO_32.evtchn_mask, 2176);
});

test("layout tables are checked when defined", () => {
  assert.throws(() => defineStruct("bad", "h", { a: ["u32", 0], b: ["u32", 2] }, 8), /misaligned|overlaps/);
  assert.throws(() => defineStruct("bad", "h", { a: ["u64", 8] }, 8), /beyond/);
  assert.throws(() => defineStruct("bad", "h", { a: ["u32", 0], b: ["u16", 2] }, 8), /overlaps/);
});

test("GuestStruct reads, writes, truncates and sign-extends", () => {
  const S = defineStruct("t", "h", { a: ["i16", 0], b: ["u32", 4], c: ["ulong", 8, 8] }, 16, 12);
  const s = new GuestStruct(S.l64);
  s.set("a", -2).set("b", -1).set("c", -1n);
  assert.is(s.get("a"), -2);
  assert.is(s.get("b"), 0xffff_ffff);
  assert.is(s.big("c"), 0xffff_ffff_ffff_ffffn);
  const s32 = new GuestStruct(S.l32);
  s32.set("c", 0x1_2345_6789n);
  assert.is(s32.get("c"), 0x2345_6789, "xen_ulong is 32 bits in compat");
  assert.equal(encodeFixedString("abcdef", 4), new Uint8Array([97, 98, 99, 0]));
});

test("hypercall page: 128 stubs, ud2 for iret, 0xCC filler", () => {
  const p = hypercallPage("intel");
  assert.equal([...p.subarray(0, 9)], [0xb8, 0, 0, 0, 0, 0x0f, 0x01, 0xc1, 0xc3]);
  assert.equal([...p.subarray(127 * 32, 127 * 32 + 2)], [0xb8, 127]);
  assert.equal([...p.subarray(23 * 32, 23 * 32 + 3)], [0x0f, 0x0b, 0xcc]);
  assert.is(p[4095], 0xcc);
});

test.run();
