// The hypercall dispatcher and the families, end to end through the Xen class with
// fake vCPUs (identity paging) and flat RAM with overlays (src/xen/testing.ts):
// error paths first (CPL, unknown numbers and ops, bad pointers, 32-bit ABI), then
// what a Linux PVH guest does at boot, in order.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { testMachine, type FakeVcpu, type TestMachine } from "../../src/xen/testing.js";
import {
  EBUSY,
  EFAULT,
  EINVAL,
  ENOENT,
  ENOSYS,
  ENXIO,
  EOPNOTSUPP,
  EPERM,
  ESRCH,
  GNTST_bad_copy_arg,
  GNTST_bad_domain,
  GNTST_okay,
} from "../../src/xen/errno.js";
import { DOMID_SELF } from "../../src/xen/abi/xen.js";
import { XS_READ, XS_RING_REQ, XS_RING_REQ_PROD, XS_RING_RSP, XS_RING_RSP_PROD, XS_WATCH } from "../../src/xen/abi/xs_wire.js";
import { XENCONS_OUT, XENCONS_OUT_PROD } from "../../src/xen/abi/console.js";
import { GTF_permit_access } from "../../src/xen/abi/grant_table.js";
import { Xen } from "../../src/xen/xen.js";

const ARG = 0x10000; // scratch area for hypercall argument structs
const BUF = 0x20000;
const BAD = 0x7fff_0000_0000n; // not RAM

const HC = { memory_op: 12, multicall: 13, set_timer_op: 15, xen_version: 17, console_io: 18, grant_table_op: 20, vm_assist: 21, vcpu_op: 24, sched_op: 29, event_channel_op: 32, physdev_op: 33, hvm_op: 34 };

function call(m: TestMachine, v: FakeVcpu, nr: number | bigint, ...args: (number | bigint)[]) {
  v.setCall(nr, ...args);
  const out = m.xen.hypercall(v);
  return { out, rax: v.result() };
}

function rc(m: TestMachine, v: FakeVcpu, nr: number | bigint, ...args: (number | bigint)[]): bigint {
  return call(m, v, nr, ...args).rax;
}

/** Write little-endian fields at gpa: [offset, bytes, value][] */
function put(m: TestMachine, gpa: number, size: number, fields: [number, 1 | 2 | 4 | 8, number | bigint][]) {
  m.mem.fill(gpa, size, 0);
  for (const [o, w, v] of fields) {
    if (w === 1) m.mem.writeU8(gpa + o, Number(v));
    else if (w === 2) m.mem.writeU16(gpa + o, Number(v));
    else if (w === 4) m.mem.writeU32(gpa + o, Number(v));
    else m.mem.writeU64(gpa + o, BigInt(v));
  }
}

const cstr = (m: TestMachine, gpa: number, max: number) => m.mem.readCString(gpa, max);

test("dispatcher: CPL 3 → -EPERM, unknown number → -ENOSYS logged once, registers untouched otherwise", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  v.cplValue = 3;
  assert.is(rc(m, v, HC.xen_version, 0, 0), BigInt(-EPERM));
  v.cplValue = 0;
  assert.is(rc(m, v, 99, 1, 2), BigInt(-ENOSYS));
  assert.is(rc(m, v, 99, 1, 2), BigInt(-ENOSYS));
  assert.is(rc(m, v, 0xffff_ffff_ffffn, 0), BigInt(-ENOSYS));
  assert.is(m.logs.filter((l) => l.includes("hypercall 99")).length, 1);
  v.regs[3] = 0x1234n; // RBX is not an argument register in 64-bit mode
  rc(m, v, HC.xen_version, 0, 0);
  assert.is(v.regs[3], 0x1234n);
});

test("dispatcher: an unknown op of a known family is -ENOSYS, logged once per (nr, op)", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  for (let i = 0; i < 3; i++) assert.is(rc(m, v, HC.event_channel_op, 15, ARG), BigInt(-ENOSYS)); // no such EVTCHNOP
  assert.is(rc(m, v, HC.event_channel_op, 16, ARG), BigInt(-ENOSYS));
  assert.is(rc(m, v, HC.xen_version, 77, 0), BigInt(-ENOSYS));
  assert.equal(
    m.logs.filter((l) => l.startsWith("unimplemented")),
    ["unimplemented: xen: unimplemented event_channel_op op 15", "unimplemented: xen: unimplemented event_channel_op op 16", "unimplemented: xen: unimplemented xen_version op 77"],
  );
});

test("dispatcher: every bad guest pointer is -EFAULT, never a host exception", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  const cases: [number, ...bigint[]][] = [
    [HC.xen_version, 1n, BAD],
    [HC.xen_version, 2n, BAD],
    [HC.xen_version, 6n, BAD],
    [HC.memory_op, 7n, BAD],
    [HC.memory_op, 9n, BAD],
    [HC.memory_op, 6n, BAD],
    [HC.hvm_op, 1n, BAD],
    [HC.event_channel_op, 4n, BAD],
    [HC.event_channel_op, 5n, BAD],
    [HC.event_channel_op, 11n, BAD],
    [HC.event_channel_op, 12n, BAD],
    [HC.event_channel_op, 13n, BAD],
    [HC.grant_table_op, 6n, BAD, 1n],
    [HC.grant_table_op, 5n, BAD, 1n],
    [HC.vcpu_op, 10n, 0n, BAD],
    [HC.vcpu_op, 8n, 0n, BAD],
    [HC.sched_op, 2n, BAD],
    [HC.sched_op, 3n, BAD],
    [HC.console_io, 0n, 10n, BAD],
    [HC.physdev_op, 13n, BAD],
    [HC.multicall, BAD, 1n],
    [HC.xen_version, 1n, 0xffff_ffff_ffff_fff0n],
  ];
  for (const [nr, ...args] of cases) assert.is(rc(m, v, nr, ...args), BigInt(-EFAULT), `${nr} ${args[0]}`);
  assert.ok(m.xen.stats.guestErrors >= cases.length);
});

test("32-bit ABI: arguments in EBX/ECX/EDX, result in EAX, compat struct layouts", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  v.long = false;
  v.setCall(HC.xen_version, 0, 0);
  v.regs[0] |= 0xdead_0000_0000_0000n; // upper RAX bits are ignored
  m.xen.hypercall(v);
  assert.is(v.regs[0], 0x40011n);
  // xen_memory_map in compat layout: nr_entries u32 @0, buffer handle u32 @4.
  put(m, ARG, 8, [[0, 4, 8], [4, 4, BUF]]);
  assert.is(rc(m, v, HC.memory_op, 9, ARG), 0n);
  assert.is(m.mem.readU32(ARG), 3);
  assert.is(m.mem.readU64(BUF + 20), 0x100000n);
  assert.is(rc(m, v, HC.xen_version, 0, BAD), 0x40011n, "XENVER_version ignores its buffer");
  assert.is(v.result(), 0x40011n);
  assert.is(rc(m, v, 99), BigInt(-ENOSYS));
  assert.is(v.regs[0], 0xffff_ffdan, "-ENOSYS as a 32-bit value");
});

test("xen_version: version, strings, features {0,2,8,9}, pagesize, privileged commandline", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  assert.is(rc(m, v, HC.xen_version, 0, 0), 0x40011n);
  assert.is(rc(m, v, HC.xen_version, 1, BUF), 0n);
  assert.is(cstr(m, BUF, 16), ".0-xpvh");
  assert.is(rc(m, v, HC.xen_version, 3, BUF), 0n);
  assert.ok(cstr(m, BUF, 1024).startsWith("hvm-3.0-x86_64"));
  assert.is(rc(m, v, HC.xen_version, 2, BUF), 0n);
  assert.ok(cstr(m, BUF, 64).length > 0, "compiler");
  assert.is(cstr(m, BUF + 64, 16), "xpvh");
  assert.is(rc(m, v, HC.xen_version, 4, BUF), 0n);
  assert.is(cstr(m, BUF, 64), "xpvh");
  put(m, ARG, 8, [[0, 4, 0]]);
  assert.is(rc(m, v, HC.xen_version, 6, ARG), 0n);
  assert.is(m.mem.readU32(ARG + 4), (1 << 0) | (1 << 2) | (1 << 8) | (1 << 9));
  put(m, ARG, 8, [[0, 4, 1]]);
  assert.is(rc(m, v, HC.xen_version, 6, ARG), BigInt(-EINVAL));
  assert.is(rc(m, v, HC.xen_version, 7, 0), 4096n);
  assert.is(rc(m, v, HC.xen_version, 9, BUF), BigInt(-EPERM));
  m.mem.writeU64(BUF, 0xffffn);
  assert.is(rc(m, v, HC.xen_version, 5, BUF), 0n);
  assert.is(m.mem.readU64(BUF), 0n, "platform_parameters.virt_start is 0 for HVM");
  assert.is(rc(m, v, HC.xen_version, 8, BUF), 0n);
});

test("boot: add_to_physmap(shared_info) overlays the page with wallclock and pvclock", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  const gfn = 0x1f;
  put(m, ARG, 24, [[0, 2, DOMID_SELF], [4, 4, 0], [8, 8, 0], [16, 8, gfn]]);
  assert.is(rc(m, v, HC.memory_op, 7, ARG), 0n);
  assert.ok(m.pages.overlayAt(gfn));
  const sh = gfn * 4096;
  // wc_version even, wc_sec/wc_nsec = Unix time at system time 0.
  assert.is(m.mem.readU32(sh + 3072) % 2, 0);
  assert.ok(m.mem.readU32(sh + 3072) > 0);
  assert.is(m.mem.readU32(sh + 3076), 1_700_000_000);
  assert.is(m.mem.readU32(sh + 3080), 123_456_789);
  // vcpu_info[1].time: version even and nonzero, 1 GHz scale, TSC_STABLE.
  const t = sh + 64 + 32;
  assert.ok(m.mem.readU32(t) > 0 && m.mem.readU32(t) % 2 === 0);
  assert.is(m.mem.readU32(t + 24), 2 ** 31);
  assert.is(m.mem.readU8(t + 28), 1);
  assert.is(m.mem.readU8(t + 29), 1);
  assert.is(m.mem.readU64(t + 8), m.clock.tscNow);
  // Errors.
  put(m, ARG, 24, [[0, 2, DOMID_SELF], [4, 4, 0], [8, 8, 1], [16, 8, gfn]]);
  assert.is(rc(m, v, HC.memory_op, 7, ARG), BigInt(-EINVAL), "shared_info idx must be 0");
  put(m, ARG, 24, [[0, 2, 5], [4, 4, 0], [8, 8, 0], [16, 8, gfn]]);
  assert.is(rc(m, v, HC.memory_op, 7, ARG), BigInt(-ESRCH));
  for (const [space, err] of [[2, EOPNOTSUPP], [3, EOPNOTSUPP], [4, EPERM], [5, EPERM], [9, EINVAL]]) {
    put(m, ARG, 24, [[0, 2, DOMID_SELF], [4, 4, space], [8, 8, 0], [16, 8, 0x30]]);
    assert.is(rc(m, v, HC.memory_op, 7, ARG), BigInt(-err), `space ${space}`);
  }
});

test("boot: memory_map, reservations, maximum_gpfn", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  put(m, ARG, 16, [[0, 4, 2], [8, 8, BUF]]);
  assert.is(rc(m, v, HC.memory_op, 9, ARG), 0n);
  assert.is(m.mem.readU32(ARG), 2, "capacity 2 of 3 entries");
  assert.is(m.mem.readU64(BUF + 20 + 8), BigInt(16 * 1024 * 1024 - 0x100000));
  assert.is(m.mem.readU32(BUF + 20 + 16), 1);
  const empty = testMachine({ config: { memmap: [] } });
  assert.is(rc(empty, empty.vcpus[0], HC.memory_op, 9, ARG), BigInt(-ENOSYS));
  // populate_physmap of two RAM pages, then one outside RAM: a short count.
  m.mem.writeU32(0x300000, 0xdeadbeef);
  put(m, BUF, 24, [[0, 8, 0x300], [8, 8, 0x301], [16, 8, 0x100000]]);
  put(m, ARG, 32, [[0, 8, BUF], [8, 8, 3], [16, 4, 0], [24, 2, DOMID_SELF]]);
  assert.is(rc(m, v, HC.memory_op, 6, ARG), 2n);
  assert.is(m.mem.readU32(0x300000), 0, "populated pages are zeroed");
  assert.is(rc(m, v, HC.memory_op, 1, ARG), 3n, "decrease_reservation takes every extent");
  put(m, ARG, 32, [[0, 8, BUF], [8, 8, 3], [16, 4, 0], [24, 2, 9]]);
  assert.is(rc(m, v, HC.memory_op, 6, ARG), BigInt(-ESRCH));
  put(m, ARG, 2, [[0, 2, DOMID_SELF]]);
  assert.is(rc(m, v, HC.memory_op, 14, ARG), BigInt(16 * 256 - 1));
  assert.is(rc(m, v, HC.memory_op, 3, ARG), BigInt(0x9f + 15 * 256));
  assert.is(rc(m, v, HC.memory_op, 12, ARG), BigInt(-ENOSYS), "machphys_mapping");
});

test("boot: HVM params for the rings, CALLBACK_IRQ arms the latch, upcall vectors", () => {
  const m = testMachine();
  const [v0, v1] = m.vcpus;
  const get = (index: number) => {
    put(m, ARG, 16, [[0, 2, DOMID_SELF], [4, 4, index]]);
    const r = rc(m, v0, HC.hvm_op, 1, ARG);
    return r === 0n ? m.mem.readU64(ARG + 8) : r;
  };
  assert.is(get(1), 0xfeff9n, "STORE_PFN");
  assert.is(get(17), 0xfeff8n, "CONSOLE_PFN");
  const storePort = get(2);
  const consolePort = get(18);
  assert.ok(storePort > 0n && consolePort > 0n && storePort !== consolePort);
  assert.is(get(10), BigInt(-EPERM));
  assert.is(get(39), BigInt(-EINVAL));
  put(m, ARG, 16, [[0, 2, 3], [4, 4, 1]]);
  assert.is(rc(m, v0, HC.hvm_op, 1, ARG), BigInt(-ESRCH));

  // Map shared_info, then CALLBACK_IRQ = vector 0xF3: every vCPU gets the latch.
  put(m, ARG, 24, [[0, 2, DOMID_SELF], [4, 4, 0], [8, 8, 0], [16, 8, 0x40]]);
  rc(m, v0, HC.memory_op, 7, ARG);
  put(m, ARG, 16, [[0, 2, DOMID_SELF], [4, 4, 0], [8, 8, (2n << 56n) | 0xf3n]]);
  assert.is(rc(m, v0, HC.hvm_op, 0, ARG), 0n);
  assert.equal(v0.callback, { vector: 0xf3, gpa: 0x40000 });
  assert.equal(v1.callback, { vector: 0xf3, gpa: 0x40040 });
  // Linux's per-vCPU path: upcall vector, then CALLBACK_IRQ = 1 "to look enlightened".
  put(m, ARG, 8, [[0, 4, 1], [4, 1, 0xf3]]);
  assert.is(rc(m, v0, HC.hvm_op, 23, ARG), 0n);
  assert.equal(v1.callback.vector, 0);
  put(m, ARG, 8, [[0, 4, 0], [4, 1, 0x0f]]);
  assert.is(rc(m, v0, HC.hvm_op, 23, ARG), BigInt(-EINVAL));
  put(m, ARG, 8, [[0, 4, 2], [4, 1, 0xf3]]);
  assert.is(rc(m, v0, HC.hvm_op, 23, ARG), BigInt(-ENOENT));
  put(m, ARG, 16, [[0, 2, DOMID_SELF], [4, 4, 0], [8, 8, 1]]);
  assert.is(rc(m, v0, HC.hvm_op, 0, ARG), 0n);
  assert.is(v0.callback.vector, 0, "GSI 1 is accepted, not routed");
});

test("a 32-bit CALLBACK_IRQ set latches the 32-bit shared_info layout", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  v.long = false;
  put(m, ARG, 16, [[0, 2, DOMID_SELF], [4, 4, 0], [8, 8, (2n << 56n) | 0xf3n]]);
  assert.is(rc(m, v, HC.hvm_op, 0, ARG), 0n);
  assert.is(m.xen.shinfo.longMode, false);
  assert.is(m.xen.evtchn.maxPorts, 1024);
  v.long = true;
  rc(m, v, HC.xen_version, 0, 0);
  assert.is(m.xen.shinfo.longMode, true, "a 64-bit hypercall switches to the 64-bit layout");
});

test("register_vcpu_info: copies, forces an upcall, moves the latch and the time; EBUSY/ENXIO", () => {
  const m = testMachine();
  const [v0, v1] = m.vcpus;
  put(m, ARG, 24, [[0, 2, DOMID_SELF], [4, 4, 0], [8, 8, 0], [16, 8, 0x40]]);
  rc(m, v0, HC.memory_op, 7, ARG);
  put(m, ARG, 8, [[0, 4, 1], [4, 1, 0xf3]]);
  rc(m, v0, HC.hvm_op, 23, ARG);
  // vCPU 0 registers vCPU 1's vcpu_info at gfn 0x50 + 0x80 (as Linux's BSP does for APs).
  put(m, ARG, 16, [[0, 8, 0x50], [8, 4, 0x80]]);
  assert.is(rc(m, v0, HC.vcpu_op, 10, 1, ARG), 0n);
  const vi = 0x50 * 4096 + 0x80;
  assert.is(m.mem.readU8(vi), 1, "upcall_pending");
  assert.is(m.mem.readU64(vi + 8), 0xffff_ffff_ffff_ffffn, "pending_sel all ones");
  assert.equal(v1.injected, [0xf3]);
  assert.is(m.mem.readU32(vi + 32 + 24), 2 ** 31, "time published at the new place");
  assert.is(m.mem.readU32(vi + 32) % 2, 0);
  assert.is(m.xen.shinfo.vcpuInfoGpa(1), vi);
  assert.is(rc(m, v0, HC.vcpu_op, 10, 1, ARG), BigInt(-EBUSY));
  put(m, ARG, 16, [[0, 8, 0x51], [8, 4, 4040]]);
  assert.is(rc(m, v0, HC.vcpu_op, 10, 0, ARG), BigInt(-ENXIO), "crosses the page");
  put(m, ARG, 16, [[0, 8, 0x51], [8, 4, 4]]);
  assert.is(rc(m, v0, HC.vcpu_op, 10, 0, ARG), BigInt(-ENXIO), "misaligned");
  put(m, ARG, 16, [[0, 8, 0x7ffff], [8, 4, 0]]);
  assert.is(rc(m, v0, HC.vcpu_op, 10, 0, ARG), BigInt(-EINVAL), "not RAM");
  assert.is(rc(m, v0, HC.vcpu_op, 10, 2, ARG), BigInt(-ENOENT));
});

test("timers: VIRQ_TIMER via singleshot and set_timer_op raises the upcall on its vCPU", () => {
  const m = testMachine();
  const [v0, v1] = m.vcpus;
  put(m, ARG, 8, [[0, 4, 1], [4, 1, 0xf3]]);
  rc(m, v0, HC.hvm_op, 23, ARG);
  put(m, ARG, 12, [[0, 4, 0], [4, 4, 1]]);
  assert.is(rc(m, v1, HC.event_channel_op, 1, ARG), 0n);
  const port = m.mem.readU32(ARG + 8);
  const now = m.xen.nowNs();
  put(m, ARG, 16, [[0, 8, now + 1_000_000n], [8, 4, 1]]);
  assert.is(rc(m, v1, HC.vcpu_op, 8, 1, ARG), 0n);
  assert.is(rc(m, v0, HC.vcpu_op, 8, 1, ARG), BigInt(-EINVAL), "singleshot: calling vCPU only");
  assert.is(m.xen.nextDeadline(), now + 1_000_000n);
  m.clock.advanceNs(999_999n);
  m.xen.poll();
  assert.equal(v1.injected, []);
  m.clock.advanceNs(1n);
  m.xen.poll();
  assert.equal(v1.injected, [0xf3]);
  assert.ok(m.xen.shinfo.isPending(port));
  // A deadline in the past with the future flag: fires now, returns 0 (current Xen).
  m.xen.shinfo.vcpuInfo(1)!.fill(0, 0, 16);
  m.xen.shinfo.clearPending(port);
  put(m, ARG, 16, [[0, 8, 5n], [8, 4, 1]]);
  assert.is(rc(m, v1, HC.vcpu_op, 8, 1, ARG), 0n);
  assert.equal(v1.injected, [0xf3, 0xf3]);
  // set_timer_op and stop_periodic, as Linux probes them.
  assert.is(rc(m, v1, HC.set_timer_op, m.xen.nowNs() + 50n), 0n);
  assert.is(m.xen.timers.singleshotDeadline(1), m.xen.nowNs() + 50n);
  assert.is(rc(m, v1, HC.vcpu_op, 7, 1, 0), 0n);
  put(m, ARG, 8, [[0, 8, 500n]]);
  assert.is(rc(m, v1, HC.vcpu_op, 6, 1, ARG), BigInt(-EINVAL), "periodic below 1 ms");
});

test("32-bit set_timer_op takes its u64 in EBX:ECX", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  v.long = false;
  const deadline = m.xen.nowNs() + (5n << 32n);
  assert.is(rc(m, v, HC.set_timer_op, deadline & 0xffff_ffffn, deadline >> 32n), 0n);
  assert.is(m.xen.timers.singleshotDeadline(0), deadline);
});

test("runstate area: registered, filled at once, updated on state changes", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  put(m, ARG, 8, [[0, 8, BUF]]);
  m.mem.fill(BUF, 48, 0xff);
  assert.is(rc(m, v, HC.vcpu_op, 5, 0, ARG), 0n);
  assert.is(m.mem.readU32(BUF), 0, "RUNSTATE_running");
  m.clock.advanceNs(1000n);
  m.xen.setRunstate(0, 2);
  assert.is(m.mem.readU32(BUF), 2);
  assert.is(m.mem.readU64(BUF + 16), 1000n, "time[running]");
  assert.is(rc(m, v, HC.vm_assist, 0, 5), 0n);
  assert.is(rc(m, v, HC.vm_assist, 0, 2), BigInt(-EINVAL));
  assert.is(rc(m, v, HC.vcpu_op, 4, 0, BUF + 64), 0n);
  assert.is(m.mem.readU32(BUF + 64), 2);
  assert.is(rc(m, v, HC.vcpu_op, 12, 0, BUF), BigInt(-EINVAL));
  assert.is(rc(m, v, HC.vcpu_op, 0, 1, BUF), BigInt(-ENOSYS), "initialise is left to INIT/SIPI");
});

test("sched_op: yield, block, poll, shutdown (reason, code), suspend cancelled", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  assert.equal(call(m, v, HC.sched_op, 0, 0).out, { result: 0n, yield: true });
  assert.equal(call(m, v, HC.sched_op, 1, 0).out, { block: true, untilNs: null });
  m.xen.shinfo.vcpuInfo(0)![0] = 1;
  assert.equal(call(m, v, HC.sched_op, 1, 0).out, { result: 0n }, "an upcall is pending: no sleep");
  m.xen.shinfo.vcpuInfo(0)![0] = 0;
  // poll on an IPI port: pending → 0; not pending → block until the timeout.
  put(m, ARG, 8, [[0, 4, 0]]);
  rc(m, v, HC.event_channel_op, 7, ARG);
  const port = m.mem.readU32(ARG + 4);
  m.mem.writeU32(BUF, port);
  put(m, ARG, 24, [[0, 8, BUF], [8, 4, 1], [16, 8, m.xen.nowNs() + 1000n]]);
  assert.equal(call(m, v, HC.sched_op, 3, ARG).out, { block: true, untilNs: m.xen.nowNs() + 1000n });
  m.xen.shinfo.testAndSetPending(port);
  assert.is(rc(m, v, HC.sched_op, 3, ARG), 0n);
  put(m, ARG, 24, [[0, 8, BUF], [8, 4, 129], [16, 8, 0]]);
  assert.is(rc(m, v, HC.sched_op, 3, ARG), BigInt(-EINVAL));
  m.mem.writeU32(BUF, 5000);
  put(m, ARG, 24, [[0, 8, BUF], [8, 4, 1], [16, 8, 0]]);
  assert.is(rc(m, v, HC.sched_op, 3, ARG), BigInt(-EINVAL), "port beyond the limit");

  put(m, ARG, 4, [[0, 4, 9]]);
  assert.is(rc(m, v, HC.sched_op, 2, ARG), BigInt(-EINVAL));
  put(m, ARG, 4, [[0, 4, 2]]);
  assert.is(rc(m, v, HC.sched_op, 2, ARG), 1n, "suspend returns 1: cancelled");
  assert.equal(m.shutdowns, []);
  put(m, ARG, 4, [[0, 4, 42]]);
  assert.is(rc(m, v, HC.sched_op, 5, ARG), 0n);
  put(m, ARG, 4, [[0, 4, 1]]);
  assert.equal(call(m, v, HC.sched_op, 2, ARG).out, { shutdown: "reboot", code: 42 });
  assert.equal(m.shutdowns, [{ reason: "reboot", code: 42 }]);
  assert.is(rc(m, v, HC.sched_op, 4, ARG), BigInt(-EPERM));
});

test("console: console_io writes, the PV ring drained on notify and on yield, input pushed", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  m.mem.write(BUF, new TextEncoder().encode("early printk\n"));
  assert.is(rc(m, v, HC.console_io, 0, 13, BUF), 0n);
  assert.is(rc(m, v, HC.console_io, 1, 13, BUF), 0n);
  // hvc_xen: write into the ring page at CONSOLE_PFN, bump out_prod, send on the port.
  const ring = 0xfeff8 * 4096;
  m.mem.write(ring + XENCONS_OUT, new TextEncoder().encode("hvc0: hello\n"));
  m.mem.writeU32(ring + XENCONS_OUT_PROD, 12);
  const port = Number(m.xen.params.get(18));
  put(m, ARG, 4, [[0, 4, port]]);
  assert.is(rc(m, v, HC.event_channel_op, 4, ARG), 0n);
  m.mem.write(ring + XENCONS_OUT + 12, new TextEncoder().encode("spin"));
  m.mem.writeU32(ring + XENCONS_OUT_PROD, 16);
  rc(m, v, HC.sched_op, 0, 0);
  assert.equal(
    m.console.map((b) => new TextDecoder().decode(b)),
    ["early printk\n", "hvc0: hello\n", "spin"],
  );
  assert.is(m.xen.consoleInput(new TextEncoder().encode("ls\n")), 3);
  assert.ok(m.xen.shinfo.isPending(port));
  // Grant ref 0 describes the console ring for dom0.
  assert.equal(m.xen.gnttab.entry(0), { flags: GTF_permit_access, domid: 0, frame: 0xfeff8 });
});

test("xenstore through the ring page and the store event channel", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  const ring = 0xfeff9 * 4096;
  const port = Number(m.xen.params.get(2));
  let prod = 0;
  const send = (type: number, body: string) => {
    const b = new TextEncoder().encode(body);
    const msg = new Uint8Array(16 + b.length);
    const dv = new DataView(msg.buffer);
    dv.setUint32(0, type, true);
    dv.setUint32(4, 1, true);
    dv.setUint32(12, b.length, true);
    msg.set(b, 16);
    for (const x of msg) m.mem.writeU8(ring + XS_RING_REQ + (prod++ & 1023), x);
    m.mem.writeU32(ring + XS_RING_REQ_PROD, prod);
    put(m, ARG, 4, [[0, 4, port]]);
    assert.is(rc(m, v, HC.event_channel_op, 4, ARG), 0n);
  };
  let cons = 0;
  const recv = () => {
    const end = m.mem.readU32(ring + XS_RING_RSP_PROD);
    const bytes: number[] = [];
    while (cons < end) bytes.push(m.mem.readU8(ring + XS_RING_RSP + (cons++ & 1023)));
    return new TextDecoder().decode(new Uint8Array(bytes));
  };
  send(XS_READ, "name\0");
  assert.ok(recv().endsWith("xpvh"));
  assert.ok(m.xen.shinfo.isPending(port), "the reply is signalled");
  send(XS_WATCH, "control/shutdown\0ctl\0");
  assert.ok(recv().includes("control/shutdown\0ctl\0"));
  m.xen.requestShutdown("poweroff");
  assert.ok(recv().includes("control/shutdown\0ctl\0"));
  assert.equal(m.xen.gnttab.entry(1), { flags: GTF_permit_access, domid: 0, frame: 0xfeff9 });
});

test("grant_table_op: set_version, query_size, get_version, add_to_physmap frames, copy", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  put(m, ARG, 4, [[0, 4, 1]]);
  assert.is(rc(m, v, HC.grant_table_op, 8, ARG, 1), 0n);
  put(m, ARG, 4, [[0, 4, 2]]);
  assert.is(rc(m, v, HC.grant_table_op, 8, ARG, 1), BigInt(-ENOSYS));
  assert.is(m.mem.readU32(ARG), 1, "the current version is written back");
  put(m, ARG, 4, [[0, 4, 3]]);
  assert.is(rc(m, v, HC.grant_table_op, 8, ARG, 1), BigInt(-EINVAL));
  assert.is(rc(m, v, HC.grant_table_op, 8, ARG, 2), BigInt(-EINVAL), "count must be 1");
  put(m, ARG, 16, [[0, 2, DOMID_SELF]]);
  assert.is(rc(m, v, HC.grant_table_op, 6, ARG, 1), 0n);
  assert.is(m.mem.readU32(ARG + 4), 1);
  assert.is(m.mem.readU32(ARG + 8), 64);
  assert.is(m.mem.readU16(ARG + 12), 0);
  put(m, ARG, 16, [[0, 2, 9]]);
  rc(m, v, HC.grant_table_op, 6, ARG, 1);
  assert.is(m.mem.readU16(ARG + 12), 0xffff & GNTST_bad_domain);
  put(m, ARG, 8, [[0, 2, DOMID_SELF]]);
  assert.is(rc(m, v, HC.grant_table_op, 10, ARG, 1), 0n);
  assert.is(m.mem.readU32(ARG + 4), 1);
  // Linux maps every frame: add_to_physmap(grant_table, idx, gpfn).
  for (let i = 0; i < 4; i++) {
    put(m, ARG, 24, [[0, 2, DOMID_SELF], [4, 4, 1], [8, 8, i], [16, 8, 0x800 + i]]);
    assert.is(rc(m, v, HC.memory_op, 7, ARG), 0n);
  }
  assert.ok(m.pages.overlayAt(0x803));
  assert.is(m.mem.readU32(0x800 * 4096 + 8 + 4), 0xfeff9, "ref 1 visible through the mapped frame");
  put(m, ARG, 24, [[0, 2, DOMID_SELF], [4, 4, 1], [8, 8, 64], [16, 8, 0x900]]);
  assert.is(rc(m, v, HC.memory_op, 7, ARG), BigInt(-EINVAL));
  put(m, ARG, 24, [[0, 2, DOMID_SELF], [4, 4, 1], [8, 8, 0x8000_0000], [16, 8, 0x900]]);
  assert.is(rc(m, v, HC.memory_op, 7, ARG), BigInt(-EINVAL), "v2 status frames");
  put(m, ARG, 16, [[0, 2, DOMID_SELF]]);
  rc(m, v, HC.grant_table_op, 6, ARG, 1);
  assert.is(m.mem.readU32(ARG + 4), 4);
  // GNTTABOP_copy of two segments, gmfn to gmfn; the second crosses a page.
  m.mem.write(0x200 * 4096, new TextEncoder().encode("grant"));
  const seg = (at: number, srcOff: number, len: number) =>
    put(m, at, 40, [[0, 8, 0x200], [8, 2, DOMID_SELF], [10, 2, srcOff], [16, 8, 0x201], [24, 2, DOMID_SELF], [26, 2, 0], [32, 2, len]]);
  seg(ARG, 0, 5);
  seg(ARG + 40, 4000, 200);
  assert.is(rc(m, v, HC.grant_table_op, 5, ARG, 2), 0n);
  assert.is(m.mem.readU16(ARG + 36), GNTST_okay);
  assert.is(m.mem.readU16(ARG + 40 + 36), 0xffff & GNTST_bad_copy_arg);
  assert.is(m.mem.readCString(0x201 * 4096, 5), "grant");
  assert.is(rc(m, v, HC.grant_table_op, 0, ARG, 1), BigInt(-ENOSYS), "map_grant_ref is for backends");
});

test("event_channel_op through the ABI: alloc_unbound, bind_interdomain, status, close", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  put(m, ARG, 8, [[0, 2, DOMID_SELF], [2, 2, 0]]);
  assert.is(rc(m, v, HC.event_channel_op, 6, ARG), 0n);
  const fe = m.mem.readU32(ARG + 4);
  put(m, ARG, 8, [[0, 2, DOMID_SELF], [2, 2, 5]]);
  assert.is(rc(m, v, HC.event_channel_op, 6, ARG), BigInt(-EPERM));
  let kicks = 0;
  const be = m.xen.hostPort(() => kicks++);
  assert.is(be.bindGuestPort(fe), 0);
  put(m, ARG, 4, [[0, 4, fe]]);
  rc(m, v, HC.event_channel_op, 4, ARG);
  assert.is(kicks, 1);
  put(m, ARG, 24, [[0, 2, DOMID_SELF], [4, 4, fe]]);
  assert.is(rc(m, v, HC.event_channel_op, 5, ARG), 0n);
  assert.is(m.mem.readU32(ARG + 8), 2, "interdomain");
  assert.is(m.mem.readU16(ARG + 16), 0);
  assert.is(m.mem.readU32(ARG + 20), be.port);
  put(m, ARG, 4, [[0, 4, fe]]);
  assert.is(rc(m, v, HC.event_channel_op, 3, ARG), 0n);
  assert.is(rc(m, v, HC.event_channel_op, 3, ARG), BigInt(-EINVAL));
  put(m, ARG, 12, [[0, 2, 0], [4, 4, be.port]]);
  assert.is(rc(m, v, HC.event_channel_op, 0, ARG), 0n, "guest binds to the waiting dom0 port");
  assert.is(be.guestPort, m.mem.readU32(ARG + 8));
});

test("physdev_op: map/unmap/eoi/status/get_free_pirq; other ops -ENOSYS", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  put(m, ARG, 40, [[0, 2, DOMID_SELF], [4, 4, 1], [8, 4, 9], [12, 4, 0xffff_ffff]]);
  assert.is(rc(m, v, HC.physdev_op, 13, ARG), 0n);
  assert.is(m.mem.readU32(ARG + 12), 9);
  put(m, ARG, 8, [[0, 4, 9]]);
  assert.is(rc(m, v, HC.physdev_op, 5, ARG), 0n);
  assert.is(m.mem.readU32(ARG + 4), 1, "GSI PIRQs need an EOI");
  assert.is(rc(m, v, HC.physdev_op, 12, ARG), 0n);
  put(m, ARG, 8, [[0, 4, 0], [4, 4, 0]]);
  assert.is(rc(m, v, HC.physdev_op, 23, ARG), 0n);
  assert.is(m.mem.readU32(ARG + 4), 16);
  put(m, ARG, 8, [[0, 2, DOMID_SELF], [4, 4, 9]]);
  assert.is(rc(m, v, HC.physdev_op, 14, ARG), 0n);
  assert.is(rc(m, v, HC.physdev_op, 14, ARG), BigInt(-ENOENT));
  assert.is(rc(m, v, HC.physdev_op, 1, ARG), BigInt(-ENOSYS));
});

test("multicall runs each entry through the dispatcher and writes results", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  const entry = (i: number, op: number, ...args: number[]) =>
    put(m, BUF + i * 64, 64, [[0, 8, op], ...args.map((a, j) => [16 + j * 8, 8, a] as [number, 8, number])]);
  entry(0, HC.xen_version, 0, 0);
  entry(1, HC.xen_version, 7, 0);
  entry(2, HC.multicall, BUF, 1);
  entry(3, 99);
  assert.is(rc(m, v, HC.multicall, BUF, 4), 0n);
  assert.is(m.mem.readU64(BUF + 8), 0x40011n);
  assert.is(m.mem.readU64(BUF + 64 + 8), 4096n);
  assert.is(BigInt.asIntN(64, m.mem.readU64(BUF + 128 + 8)), BigInt(-EINVAL));
  assert.is(BigInt.asIntN(64, m.mem.readU64(BUF + 192 + 8)), BigInt(-ENOSYS));
});

test("hypercall page: stubs for VMCALL or VMMCALL, ud2 at iret, #GP on a bad address", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  const gpa = 0x5000;
  m.mem.fill(gpa, 4096, 0xc3);
  assert.is(m.xen.writeHypercallPage(v, BigInt(gpa)), true);
  assert.equal(m.mem.read(gpa + 32 * 17, 9), new Uint8Array([0xb8, 17, 0, 0, 0, 0x0f, 0x01, 0xc1, 0xc3]));
  assert.equal(m.mem.read(gpa + 32 * 23, 2), new Uint8Array([0x0f, 0x0b]));
  assert.is(m.mem.readU8(gpa + 9), 0xcc);
  assert.is(m.xen.writeHypercallPage(v, BigInt(gpa + 8)), false);
  assert.is(m.xen.writeHypercallPage(v, BAD), false);
  const amd = testMachine({ config: { cpuVendor: "amd" } });
  amd.xen.writeHypercallPage(amd.vcpus[0], BigInt(gpa));
  assert.equal(amd.mem.read(gpa + 5, 3), new Uint8Array([0x0f, 0x01, 0xd9]));
});

test("softReset: ports, callback, shared_info and areas forgotten; rings set up again", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  put(m, ARG, 24, [[0, 2, DOMID_SELF], [4, 4, 0], [8, 8, 0], [16, 8, 0x40]]);
  rc(m, v, HC.memory_op, 7, ARG);
  put(m, ARG, 16, [[0, 2, DOMID_SELF], [4, 4, 0], [8, 8, (2n << 56n) | 0xf3n]]);
  rc(m, v, HC.hvm_op, 0, ARG);
  put(m, ARG, 8, [[0, 4, 0]]);
  rc(m, v, HC.event_channel_op, 7, ARG);
  put(m, ARG, 8, [[0, 8, BUF]]);
  rc(m, v, HC.vcpu_op, 5, 0, ARG);
  const storePort = m.xen.params.get(2);
  m.xen.softReset();
  assert.is(m.xen.shinfo.gfn, null);
  assert.is(m.xen.params.get(0), 0n);
  assert.is(v.callback.vector, 0);
  assert.is(m.xen.params.get(2), storePort, "the store port is allocated again, lowest free");
  assert.is(m.xen.evtchn.port(Number(storePort))?.type, "interdomain");
  assert.is(m.xen.evtchn.port(3), undefined, "the guest's IPI port is gone");
  m.mem.fill(BUF, 48, 0xee);
  m.xen.setRunstate(0, 2);
  assert.is(m.mem.readU8(BUF), 0xee, "the runstate area is no longer written");
  assert.is(new TextDecoder().decode(m.xen.store.read(m.xen.store.toolstack, 0, "/local/domain/1/name")), "xpvh");
});

test("save/restore: a fresh Xen with the same config continues where the old one stopped", () => {
  const m = testMachine();
  const v = m.vcpus[0];
  put(m, ARG, 24, [[0, 2, DOMID_SELF], [4, 4, 0], [8, 8, 0], [16, 8, 0x40]]);
  rc(m, v, HC.memory_op, 7, ARG);
  put(m, ARG, 8, [[0, 4, 0], [4, 1, 0xf3]]);
  rc(m, v, HC.hvm_op, 23, ARG);
  put(m, ARG, 12, [[0, 4, 0], [4, 4, 0]]);
  rc(m, v, HC.event_channel_op, 1, ARG);
  const timerPort = m.mem.readU32(ARG + 8);
  m.xen.timers.setSingleshot(0, m.xen.nowNs() + 10n);
  const state = JSON.parse(JSON.stringify(m.xen.save()));

  // Same memory (the memory snapshot), new Xen: overlays re-placed by restore().
  const m2 = testMachine();
  const x2 = new Xen({
    mem: m.mem,
    vcpus: m2.vcpus.map((fv) => Object.assign(fv, { mem: m.mem })),
    clock: m.clock,
    config: { xenVersion: 0x40011, domid: 1, memmap: m.xen.config.memmap },
    callbacks: {
      hostPage: (k, i) => m.pages.hostPage(k, i),
      overlay: (g, k, i) => m.pages.overlay(g, k, i),
      shutdown: () => {},
      consoleWrite: () => {},
    },
  });
  x2.restore(state);
  assert.is(x2.shinfo.gfn, 0x40);
  m.clock.advanceNs(10n);
  x2.poll();
  assert.ok(x2.shinfo.isPending(timerPort));
  assert.equal(m2.vcpus[0].injected, [0xf3]);
});

test.run();
