// The PV block backend (src/xen/backends/blkback.ts) and the xenbus handshake
// (xenbus.ts) driven by a frontend written here the way Linux's xen-blkfront drives
// its side: xenstore nodes and permissions, InitWait → Connected, blkif requests of
// both ABIs (xen/include/public/io/blkif.h) against a MemoryBlock, the ring's
// notification rules (io/ring.h), every kind of bad request answered with
// BLKIF_RSP_ERROR, flushes reaching the backend before the response, async
// backends, Closing → Closed → reconnect, hot-plug/unplug, and vbd numbering.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { testMachine } from "../../src/xen/testing.js";
import { GuestStruct } from "../../src/xen/abi/struct.js";
import { GTF_reading, GTF_writing } from "../../src/xen/abi/grant_table.js";
import { MemoryBlock } from "../../src/backends/block/memory.js";
import type { BlockBackend } from "../../src/backends/block/block_backend.js";
import type { DriveConfig, MachineConfig } from "../../src/machine/config.js";
import { XsError } from "../../src/xen/xenstore/store.js";
import { EVTCHNSTAT_interdomain, EVTCHNSTAT_unbound } from "../../src/xen/abi/event_channel.js";
import { XenPvDevices, type XenPvOpeners } from "../../src/xen/backends/pv_devices.js";
import { XenbusState } from "../../src/xen/backends/xenbus.js";
import { parseVdev, xvdName } from "../../src/xen/backends/vbd.js";
import type { Blkback } from "../../src/xen/backends/blkback.js";
import {
  BLKIF_OP_DISCARD,
  BLKIF_OP_FLUSH_DISKCACHE,
  BLKIF_OP_INDIRECT,
  BLKIF_OP_READ,
  BLKIF_OP_WRITE,
  BLKIF_REQUEST,
  BLKIF_REQUEST_DISCARD,
  BLKIF_REQUEST_INDIRECT,
  BLKIF_REQUEST_INDIRECT_GREFS,
  BLKIF_REQUEST_SEG,
  BLKIF_RESPONSE,
  BLKIF_RSP_EOPNOTSUPP,
  BLKIF_RSP_ERROR,
  BLKIF_RSP_OKAY,
  VDISK_READONLY,
} from "../../src/xen/backends/io/blkif.js";
import { FrontRing, TestFrontend } from "./xen_pv_frontend.js";

const XVDA = 51712;
const RING_REF = 8;
const RING_GFN = 0x400;
const DATA_GFN = 0x500; // data pages 0x500.. granted as refs 16..
const DISK_BYTES = 1 << 20;

/** The MachineConfig fields XenPvDevices reads. */
function pvConfig(c: Partial<MachineConfig> & { nodefaults?: boolean }): MachineConfig {
  return { drives: [], netdevs: [], devices: [], chardevs: [], ...c } as unknown as MachineConfig;
}

function xenDrive(id: string, index: number, data: Uint8Array, readonly = false): DriveConfig {
  return { id, data, format: "raw", interface: "xen", readonly, index };
}

const openers: XenPvOpeners = {
  block: (d) => d.backend ?? new MemoryBlock(d.data!, d.readonly),
  net: () => null,
};

function pattern(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

interface Seg {
  gref: number;
  first: number;
  last: number;
}

/** Encode a blkif_request in the 64-bit (or 32-bit) layout. */
function request(long: boolean, op: number, id: bigint, sector: bigint, segs: Seg[], nrSegments = segs.length): Uint8Array {
  const r = new GuestStruct(BLKIF_REQUEST.of(long));
  r.set("operation", op).set("nr_segments", nrSegments).set("handle", XVDA).set("id", id).set("sector_number", sector);
  const dv = new DataView(r.bytes.buffer);
  const base = long ? BLKIF_REQUEST_SEG.x86_64 : BLKIF_REQUEST_SEG.x86_32;
  segs.forEach((s, i) => {
    if (base + i * 8 + 8 > r.bytes.length) return;
    dv.setUint32(base + i * 8, s.gref, true);
    dv.setUint8(base + i * 8 + 4, s.first);
    dv.setUint8(base + i * 8 + 5, s.last);
  });
  return r.bytes;
}

/** A machine with one xen disk, a frontend connected to it (unless connect: false). */
function setup(o: { long?: boolean; readonly?: boolean; disk?: BlockBackend; connect?: boolean } = {}) {
  const long = o.long ?? true;
  const tm = testMachine();
  const image = pattern(DISK_BYTES);
  const backend = o.disk ?? new MemoryBlock(image, !!o.readonly);
  let wakes = 0;
  const pv = new XenPvDevices(
    tm.xen,
    pvConfig({ drives: [{ ...xenDrive("xen0", 0, image, !!o.readonly), backend }] }),
    openers,
    () => wakes++,
  );
  const fe = new TestFrontend(tm.xen, "vbd", XVDA);
  const ring = new FrontRing(tm.xen, RING_GFN * 4096, BLKIF_REQUEST.of(long).size);
  fe.grant(RING_REF, RING_GFN);
  for (let i = 0; i < 24; i++) fe.grant(16 + i, DATA_GFN + i);
  const port = fe.allocPort();
  const connect = () => {
    fe.publish({ "ring-ref": RING_REF, "event-channel": port, protocol: long ? "x86_64-abi" : "x86_32-abi" });
    fe.setState(XenbusState.Initialised);
  };
  if (o.connect !== false) connect();
  const blk = pv.get("xen0")!.driver as Blkback;
  /** Queue requests, push, notify if the ring says so; return the responses. */
  const submit = (...reqs: Uint8Array[]) => {
    for (const r of reqs) ring.put(r);
    if (ring.push()) fe.notify(port);
    return ring.responses(BLKIF_RESPONSE.of(long));
  };
  const page = (i: number) => tm.mem.read((DATA_GFN + i) * 4096, 4096);
  return { tm, pv, fe, ring, port, image, backend, blk, submit, page, long, connect, wakes: () => wakes };
}

// ---------------------------------------------------------------------------
// xenstore and the handshake

test("xenbus: nodes, linkage, ownership (frontend guest-owned, backend dom0-owned and guest-readable)", () => {
  const { tm, fe } = setup({ connect: false });
  const store = tm.xen.store;
  const dom0 = store.toolstack;
  const bePath = `/local/domain/0/backend/vbd/1/${XVDA}`;
  const fePath = `/local/domain/1/device/vbd/${XVDA}`;
  assert.is(fe.fe("backend"), bePath);
  assert.is(fe.fe("backend-id"), "0");
  assert.is(fe.fe("virtual-device"), String(XVDA));
  assert.is(fe.fe("device-type"), "disk", "Linux's blkfront ignores an HVM/PVH vbd without device-type");
  assert.is(fe.fe("state"), "1");
  assert.is(fe.be("frontend"), fePath);
  assert.is(fe.be("frontend-id"), "1");
  assert.is(fe.be("state"), String(XenbusState.InitWait));
  assert.is(fe.be("sectors"), String(DISK_BYTES / 512));
  assert.is(fe.be("sector-size"), "512");
  assert.is(fe.be("info"), "0");
  assert.is(fe.be("mode"), "w");
  assert.is(fe.be("feature-flush-cache"), "1");
  assert.is(fe.be("feature-discard"), "1");
  assert.is(fe.be("dev"), "xvda");
  assert.ok(fe.be("type") !== null && fe.be("physical-device") !== null);
  assert.equal(store.getPerms(dom0, 0, fePath), [{ dom: 1, perm: "n" }, { dom: 0, perm: "r" }]);
  assert.equal(store.getPerms(dom0, 0, bePath), [{ dom: 0, perm: "n" }, { dom: 1, perm: "r" }]);
  assert.equal(store.getPerms(dom0, 0, `${bePath}/sectors`), [{ dom: 0, perm: "n" }, { dom: 1, perm: "r" }]);
  // The guest may not touch the backend's keys, but owns its own directory.
  assert.throws(() => store.write(fe.conn, 0, `${bePath}/state`, new Uint8Array([0x34])), (e: unknown) => e instanceof XsError && e.code === "EACCES");
  fe.publish({ "ring-ref": 99 });
  assert.is(fe.fe("ring-ref"), "99");
});

test("xenbus: frontend Initialised → backend Connected; Closing → Closed → Initialising → InitWait → again", () => {
  const { fe, tm } = setup({ connect: false });
  assert.is(fe.backendState(), XenbusState.InitWait);
  const port = fe.allocPort();
  fe.grant(RING_REF, RING_GFN);
  fe.publish({ "ring-ref": RING_REF, "event-channel": port, protocol: "x86_64-abi" });
  fe.setState(XenbusState.Initialised);
  assert.is(fe.backendState(), XenbusState.Connected);
  assert.is(fe.grantFlags(RING_REF) & GTF_reading, GTF_reading, "ring page mapped");
  const bound = tm.xen.evtchn.status(1, port);
  assert.is(typeof bound === "object" && bound.status, EVTCHNSTAT_interdomain, "dom0 bound the frontend's port");
  fe.setState(XenbusState.Connected);
  assert.is(fe.backendState(), XenbusState.Connected);

  fe.setState(XenbusState.Closing);
  assert.is(fe.backendState(), XenbusState.Closing);
  fe.setState(XenbusState.Closed);
  assert.is(fe.backendState(), XenbusState.Closed);
  assert.is(fe.grantFlags(RING_REF) & (GTF_reading | GTF_writing), 0, "ring unmapped on disconnect");
  const st = tm.xen.evtchn.status(1, port);
  assert.is(typeof st === "object" && st.status, EVTCHNSTAT_unbound, "the guest's port is unbound again");

  fe.setState(XenbusState.Initialising);
  assert.is(fe.backendState(), XenbusState.InitWait, "ready for a reconnect");
  fe.setState(XenbusState.Connected); // netfront-style: straight to Connected
  assert.is(fe.backendState(), XenbusState.Connected);
});

test("xenbus: a connect the guest got wrong → Closing and a guest error, no exception", () => {
  const { fe, tm } = setup({ connect: false });
  fe.publish({ "ring-ref": 300, "event-channel": 77, protocol: "x86_64-abi" }); // ref 300 not granted
  fe.setState(XenbusState.Initialised);
  assert.is(fe.backendState(), XenbusState.Closing);
  assert.ok(tm.logs.some((l) => l.includes("vbd 51712") && l.includes("ring-ref 300")));
  fe.setState(XenbusState.Closed);
  assert.is(fe.backendState(), XenbusState.Closed);
  fe.setState(XenbusState.Initialising);
  assert.is(fe.backendState(), XenbusState.InitWait);

  // Unknown protocol, missing event channel, garbage numbers.
  fe.grant(RING_REF, RING_GFN);
  for (const keys of [
    { "ring-ref": RING_REF, "event-channel": fe.allocPort(), protocol: "arm-abi" },
    { "ring-ref": RING_REF, "event-channel": "x12", protocol: "x86_64-abi" },
    { "ring-ref": "-1", "event-channel": fe.allocPort(), protocol: "x86_64-abi" },
    { "ring-ref": RING_REF, "event-channel": 4000, protocol: "x86_64-abi" },
  ]) {
    fe.publish(keys);
    fe.setState(XenbusState.Initialised);
    assert.is(fe.backendState(), XenbusState.Closing, JSON.stringify(keys));
    fe.setState(XenbusState.Closed);
    fe.setState(XenbusState.Initialising);
    assert.is(fe.backendState(), XenbusState.InitWait);
  }
  assert.is(fe.grantFlags(RING_REF) & GTF_reading, 0, "failed connects leave nothing mapped");
});

// ---------------------------------------------------------------------------
// I/O

for (const long of [true, false]) {
  const abi = long ? "x86_64-abi" : "x86_32-abi";

  test(`${abi}: read scatters disk sectors into the granted pages; response echoes id, op, OKAY`, () => {
    const { submit, page, image, fe, port, tm } = setup({ long });
    const rsp = submit(
      request(long, BLKIF_OP_READ, 0x1122334455667788n, 2n, [
        { gref: 16, first: 0, last: 7 },
        { gref: 17, first: 1, last: 2 },
      ]),
    );
    assert.is(rsp.length, 1);
    assert.is(rsp[0].big("id"), 0x1122334455667788n);
    assert.is(rsp[0].get("operation"), BLKIF_OP_READ);
    assert.is(rsp[0].get("status"), BLKIF_RSP_OKAY);
    assert.equal(page(0), image.slice(1024, 1024 + 4096));
    assert.equal(page(1).slice(512, 1536), image.slice(1024 + 4096, 1024 + 4096 + 1024));
    assert.equal(page(1).slice(0, 512), new Uint8Array(512), "bytes outside the segment untouched");
    assert.ok(fe.takeEvent(port), "frontend notified");
    assert.is(fe.grantFlags(16) & (GTF_reading | GTF_writing), 0, "data pages unmapped after the read");
    void tm;
  });

  test(`${abi}: write gathers the segments onto the disk`, () => {
    const { submit, image, tm } = setup({ long });
    const a = pattern(4096, 7);
    const b = pattern(4096, 8);
    tm.mem.write(DATA_GFN * 4096, a);
    tm.mem.write((DATA_GFN + 1) * 4096, b);
    const rsp = submit(
      request(long, BLKIF_OP_WRITE, 5n, 100n, [
        { gref: 16, first: 4, last: 7 },
        { gref: 17, first: 0, last: 0 },
      ]),
    );
    assert.is(rsp[0].get("status"), BLKIF_RSP_OKAY);
    assert.equal(image.slice(100 * 512, 104 * 512), a.slice(2048));
    assert.equal(image.slice(104 * 512, 105 * 512), b.slice(0, 512));
  });
}

test("bad requests get BLKIF_RSP_ERROR (or EOPNOTSUPP) and a counter, never an exception", () => {
  const { submit, blk, fe, tm } = setup();
  fe.grant(40, DATA_GFN, true); // read-only grant
  const sectors = DISK_BYTES / 512;
  const cases: [string, Uint8Array, number][] = [
    ["ungranted ref", request(true, BLKIF_OP_READ, 1n, 0n, [{ gref: 300, first: 0, last: 7 }]), BLKIF_RSP_ERROR],
    ["ref beyond the table", request(true, BLKIF_OP_WRITE, 2n, 0n, [{ gref: 0xfffffff0, first: 0, last: 7 }]), BLKIF_RSP_ERROR],
    ["read into a read-only grant", request(true, BLKIF_OP_READ, 3n, 0n, [{ gref: 40, first: 0, last: 0 }]), BLKIF_RSP_ERROR],
    ["sector beyond the disk", request(true, BLKIF_OP_READ, 4n, BigInt(sectors), [{ gref: 16, first: 0, last: 0 }]), BLKIF_RSP_ERROR],
    ["range crossing the end", request(true, BLKIF_OP_WRITE, 5n, BigInt(sectors - 4), [{ gref: 16, first: 0, last: 7 }]), BLKIF_RSP_ERROR],
    ["huge sector", request(true, BLKIF_OP_READ, 6n, 0xffffffffffffffffn, [{ gref: 16, first: 0, last: 0 }]), BLKIF_RSP_ERROR],
    ["12 segments", request(true, BLKIF_OP_READ, 7n, 0n, [], 12), BLKIF_RSP_ERROR],
    ["255 segments", request(true, BLKIF_OP_WRITE, 8n, 0n, [], 255), BLKIF_RSP_ERROR],
    ["no segments", request(true, BLKIF_OP_READ, 9n, 0n, []), BLKIF_RSP_ERROR],
    ["first_sect > last_sect", request(true, BLKIF_OP_READ, 10n, 0n, [{ gref: 16, first: 3, last: 2 }]), BLKIF_RSP_ERROR],
    ["last_sect 8", request(true, BLKIF_OP_READ, 11n, 0n, [{ gref: 16, first: 0, last: 8 }]), BLKIF_RSP_ERROR],
    ["reserved operation 4", request(true, 4, 12n, 0n, []), BLKIF_RSP_EOPNOTSUPP],
    ["unknown operation", request(true, 200, 13n, 0n, []), BLKIF_RSP_EOPNOTSUPP],
  ];
  const rsp = submit(...cases.map((c) => c[1]));
  assert.is(rsp.length, cases.length);
  rsp.forEach((r, i) => {
    assert.is(r.big("id"), BigInt(i + 1), cases[i][0]);
    assert.is(r.get("status"), cases[i][2], cases[i][0]);
  });
  assert.is(blk.stats.guestErrors, cases.length);
  assert.ok(tm.logs.some((l) => l.includes("guest_error") && l.includes("vbd 51712")));
  for (let r = 16; r < 20; r++) assert.is(fe.grantFlags(r) & (GTF_reading | GTF_writing), 0, "nothing left mapped");
  // The ring still works.
  assert.is(submit(request(true, BLKIF_OP_READ, 99n, 0n, [{ gref: 16, first: 0, last: 0 }]))[0].get("status"), BLKIF_RSP_OKAY);
});

test("read-only drive: info VDISK_READONLY, mode r, writes fail, reads work", () => {
  const { fe, submit } = setup({ readonly: true });
  assert.is(Number(fe.be("info")) & VDISK_READONLY, VDISK_READONLY);
  assert.is(fe.be("mode"), "r");
  assert.is(fe.be("feature-discard"), null);
  assert.is(submit(request(true, BLKIF_OP_WRITE, 1n, 0n, [{ gref: 16, first: 0, last: 0 }]))[0].get("status"), BLKIF_RSP_ERROR);
  assert.is(submit(request(true, BLKIF_OP_READ, 2n, 0n, [{ gref: 16, first: 0, last: 0 }]))[0].get("status"), BLKIF_RSP_OKAY);
});

/** A MemoryBlock whose calls finish when the test says so. */
class HeldBlock extends MemoryBlock {
  readonly log: string[] = [];
  private waiting: (() => void)[] = [];
  override read(offset: number, dst: Uint8Array): Promise<void> {
    this.log.push(`read ${offset}`);
    return this.later(() => super.read(offset, dst));
  }
  override write(offset: number, src: Uint8Array): Promise<void> {
    this.log.push(`write ${offset}`);
    const copy = src.slice();
    return this.later(() => super.write(offset, copy));
  }
  override flush(): Promise<void> {
    this.log.push("flush");
    return this.later(() => {
      this.log.push("flushed");
    });
  }
  private later(fn: () => void): Promise<void> {
    return new Promise((resolve) => this.waiting.push(() => (fn(), resolve())));
  }
  /** Finish everything waiting; returns how many calls finished. */
  finish(): number {
    const w = this.waiting.splice(0);
    for (const f of w) f();
    return w.length;
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

test("async backend: responses come from poll() after the promise settles; data pages stay mapped meanwhile", async () => {
  const disk = new HeldBlock(pattern(DISK_BYTES, 3));
  const { submit, ring, blk, pv, fe, port, page, wakes } = setup({ disk });
  assert.is(submit(request(true, BLKIF_OP_READ, 1n, 8n, [{ gref: 16, first: 0, last: 7 }])).length, 0);
  assert.ok(blk.busy);
  assert.is(fe.grantFlags(16) & GTF_writing, GTF_writing, "mapped for writing while the read is in flight");
  pv.poll();
  assert.is(ring.responses(BLKIF_RESPONSE.l64).length, 0, "not finished yet");
  fe.takeEvent(port);
  disk.finish();
  await tick();
  assert.ok(wakes() > 0, "wake() asked the run loop for a poll");
  pv.poll();
  const rsp = ring.responses(BLKIF_RESPONSE.l64);
  assert.is(rsp.length, 1);
  assert.is(rsp[0].get("status"), BLKIF_RSP_OKAY);
  assert.equal(page(0), disk.bytes.slice(8 * 512, 16 * 512));
  assert.is(fe.grantFlags(16) & (GTF_reading | GTF_writing), 0);
  assert.ok(fe.takeEvent(port));
  assert.not.ok(blk.busy);
});

test("flush: the backend's flush finishes before the response; FLUSH_DISKCACHE with data writes, then flushes", async () => {
  const disk = new HeldBlock(new Uint8Array(DISK_BYTES));
  const { submit, ring, pv, tm } = setup({ disk });
  submit(request(true, BLKIF_OP_FLUSH_DISKCACHE, 1n, 0n, []));
  assert.equal(disk.log, ["flush"]);
  pv.poll();
  assert.is(ring.responses(BLKIF_RESPONSE.l64).length, 0, "no response before the flush finished");
  disk.finish();
  await tick();
  pv.poll();
  let rsp = ring.responses(BLKIF_RESPONSE.l64);
  assert.is(rsp.length, 1);
  assert.is(rsp[0].get("operation"), BLKIF_OP_FLUSH_DISKCACHE);
  assert.is(rsp[0].get("status"), BLKIF_RSP_OKAY);
  assert.equal(disk.log, ["flush", "flushed"]);

  // A FUA/preflush write (Linux sends it as FLUSH_DISKCACHE with segments).
  tm.mem.write(DATA_GFN * 4096, pattern(4096, 9));
  disk.log.length = 0;
  submit(request(true, BLKIF_OP_FLUSH_DISKCACHE, 2n, 16n, [{ gref: 16, first: 0, last: 1 }]));
  assert.equal(disk.log, ["write 8192"]);
  disk.finish();
  await tick();
  assert.equal(disk.log, ["write 8192", "flush"], "flush only after the write finished");
  pv.poll();
  assert.is(ring.responses(BLKIF_RESPONSE.l64).length, 0);
  disk.finish();
  await tick();
  pv.poll();
  rsp = ring.responses(BLKIF_RESPONSE.l64);
  assert.is(rsp[0].get("status"), BLKIF_RSP_OKAY);
  assert.equal(disk.bytes.slice(8192, 9216), pattern(4096, 9).slice(0, 1024));
});

test("a failing backend gives BLKIF_RSP_ERROR (host fault, logged once)", async () => {
  const disk = new MemoryBlock(new Uint8Array(DISK_BYTES));
  disk.read = () => {
    throw new Error("disk on fire");
  };
  const logs: string[] = [];
  const tm = testMachine();
  const pv = new XenPvDevices(tm.xen, pvConfig({ drives: [{ ...xenDrive("d", 0, new Uint8Array(0)), backend: disk }] }), openers, () => {}, {
    log: (m) => logs.push(m),
  });
  const fe = new TestFrontend(tm.xen, "vbd", XVDA);
  const ring = new FrontRing(tm.xen, RING_GFN * 4096, 112);
  fe.grant(RING_REF, RING_GFN);
  fe.grant(16, DATA_GFN);
  const port = fe.allocPort();
  fe.publish({ "ring-ref": RING_REF, "event-channel": port, protocol: "x86_64-abi" });
  fe.setState(XenbusState.Initialised);
  ring.put(request(true, BLKIF_OP_READ, 1n, 0n, [{ gref: 16, first: 0, last: 0 }]));
  ring.put(request(true, BLKIF_OP_READ, 2n, 0n, [{ gref: 16, first: 0, last: 0 }]));
  if (ring.push()) fe.notify(port);
  await tick();
  pv.poll();
  const rsp = ring.responses(BLKIF_RESPONSE.l64);
  assert.equal(rsp.map((r) => r.get("status")), [BLKIF_RSP_ERROR, BLKIF_RSP_ERROR]);
  assert.is(logs.filter((l) => l.includes("disk on fire")).length, 1);
  assert.is(fe.grantFlags(16) & (GTF_reading | GTF_writing), 0);
});

test("discard zeroes the range; beyond the disk is an error", () => {
  const { submit, image } = setup();
  const d = new GuestStruct(BLKIF_REQUEST_DISCARD.l64);
  d.set("operation", BLKIF_OP_DISCARD).set("id", 1n).set("sector_number", 10n).set("nr_sectors", 3n);
  assert.is(submit(d.bytes)[0].get("status"), BLKIF_RSP_OKAY);
  assert.equal(image.slice(10 * 512, 13 * 512), new Uint8Array(3 * 512));
  assert.ok(image.slice(13 * 512, 14 * 512).some((b) => b !== 0));
  d.set("id", 2n).set("sector_number", BigInt(DISK_BYTES / 512 - 1)).set("nr_sectors", 2n);
  assert.is(submit(d.bytes)[0].get("status"), BLKIF_RSP_ERROR);
});

test("ring rules: rsp_event holds notifications off; req_event re-armed; an impossible req_prod stops the ring", () => {
  const { ring, fe, port, submit, blk } = setup();
  // The frontend asked not to be told before response 10.
  ring.setRspEvent(10);
  ring.put(request(true, BLKIF_OP_READ, 1n, 0n, [{ gref: 16, first: 0, last: 0 }]));
  if (ring.push()) fe.notify(port);
  assert.is(ring.rspProd, 1);
  assert.not.ok(fe.takeEvent(port), "no notification: rsp_event not reached");
  assert.is(ring.reqEvent, 2, "RING_FINAL_CHECK_FOR_REQUESTS: req_event = req_cons + 1");
  ring.responses(BLKIF_RESPONSE.l64);
  assert.is(submit(request(true, BLKIF_OP_READ, 2n, 0n, [{ gref: 16, first: 0, last: 0 }])).length, 1);
  assert.ok(fe.takeEvent(port));

  // A frontend claiming 100 requests on a 32-slot ring.
  ring.setReqProd(ring.reqProdPvt + 100);
  fe.notify(port);
  assert.is(ring.rspProd, 2, "nothing consumed from a broken ring");
  assert.ok(blk.stats.guestErrors >= 1);
  // Reconnecting starts over.
  fe.setState(XenbusState.Closing);
  fe.setState(XenbusState.Closed);
  fe.setState(XenbusState.Initialising);
  const ring2 = new FrontRing(fe.xen, RING_GFN * 4096, 112);
  fe.setState(XenbusState.Initialised);
  assert.is(fe.backendState(), XenbusState.Connected);
  ring2.put(request(true, BLKIF_OP_READ, 3n, 0n, [{ gref: 16, first: 0, last: 0 }]));
  if (ring2.push()) fe.notify(port);
  assert.is(ring2.responses(BLKIF_RESPONSE.l64)[0].get("status"), BLKIF_RSP_OKAY);
});

test("a full ring: 32 requests in one go, all answered", () => {
  const { submit, image, page } = setup();
  const reqs = Array.from({ length: 32 }, (_, i) => request(true, BLKIF_OP_READ, BigInt(i), BigInt(i), [{ gref: 16 + (i % 8), first: 0, last: 0 }]));
  const rsp = submit(...reqs);
  assert.is(rsp.length, 32);
  assert.ok(rsp.every((r, i) => r.get("status") === BLKIF_RSP_OKAY && r.big("id") === BigInt(i)));
  assert.equal(page(7).slice(0, 512), image.slice(31 * 512, 32 * 512));
});

/** A blkif_request_indirect naming indirect pages `pages`. */
function indirect(long: boolean, iop: number, id: bigint, sector: bigint, nseg: number, pages: number[]): Uint8Array {
  const r = new GuestStruct(BLKIF_REQUEST_INDIRECT.of(long));
  r.set("operation", BLKIF_OP_INDIRECT).set("indirect_op", iop).set("nr_segments", nseg).set("id", id).set("sector_number", sector).set("handle", XVDA);
  const out = new Uint8Array(long ? 112 : 108);
  out.set(r.bytes);
  const dv = new DataView(out.buffer);
  const g = long ? BLKIF_REQUEST_INDIRECT_GREFS.x86_64 : BLKIF_REQUEST_INDIRECT_GREFS.x86_32;
  pages.forEach((ref, i) => dv.setUint32(g + i * 4, ref, true));
  return out;
}

for (const long of [true, false]) {
  test(`indirect descriptors (${long ? "x86_64" : "x86_32"}): 20 segments from an indirect page; the response names indirect_op`, () => {
    const { submit, page, image, tm, fe, blk } = setup({ long });
    assert.is(fe.be("feature-max-indirect-segments"), "256");
    const table = 0x540;
    fe.grant(60, table, true); // netfront/blkfront grant indirect pages read-only
    const segs = new DataView(new ArrayBuffer(20 * 8));
    for (let i = 0; i < 20; i++) {
      segs.setUint32(i * 8, 16 + i, true);
      segs.setUint8(i * 8 + 4, 0);
      segs.setUint8(i * 8 + 5, 7);
    }
    tm.mem.write(table * 4096, new Uint8Array(segs.buffer));
    let rsp = submit(indirect(long, BLKIF_OP_READ, 77n, 16n, 20, [60]));
    assert.is(rsp[0].get("operation"), BLKIF_OP_READ, "Linux's blkfront takes the device down on a mismatch");
    assert.is(rsp[0].get("status"), BLKIF_RSP_OKAY);
    assert.is(rsp[0].big("id"), 77n);
    for (const i of [0, 7, 19]) assert.equal(page(i), image.slice(16 * 512 + i * 4096, 16 * 512 + (i + 1) * 4096), `segment ${i}`);

    // A write the same way.
    for (let i = 0; i < 20; i++) tm.mem.write((DATA_GFN + i) * 4096, pattern(4096, 100 + i));
    rsp = submit(indirect(long, BLKIF_OP_WRITE, 78n, 1000n, 20, [60]));
    assert.is(rsp[0].get("operation"), BLKIF_OP_WRITE);
    assert.is(rsp[0].get("status"), BLKIF_RSP_OKAY);
    assert.equal(image.slice(1000 * 512 + 5 * 4096, 1000 * 512 + 6 * 4096), pattern(4096, 105));

    // Bad ones: flush as indirect_op, too many segments, an ungranted table, a bad segment.
    const before = blk.stats.guestErrors;
    rsp = submit(
      indirect(long, BLKIF_OP_FLUSH_DISKCACHE, 1n, 0n, 1, [60]),
      indirect(long, BLKIF_OP_READ, 2n, 0n, 257, [60]),
      indirect(long, BLKIF_OP_READ, 3n, 0n, 0, [60]),
      indirect(long, BLKIF_OP_READ, 4n, 0n, 4, [61]),
    );
    assert.equal(rsp.map((r) => r.get("status")), [BLKIF_RSP_ERROR, BLKIF_RSP_ERROR, BLKIF_RSP_ERROR, BLKIF_RSP_ERROR]);
    tm.mem.writeU8(table * 4096 + 5, 9); // segment 0: last_sect 9
    assert.is(submit(indirect(long, BLKIF_OP_READ, 5n, 0n, 2, [60]))[0].get("status"), BLKIF_RSP_ERROR);
    assert.is(blk.stats.guestErrors, before + 5);
  });
}

// ---------------------------------------------------------------------------
// configuration, hot-plug, numbering

test("vbd numbering: xvda 51712 + 16 per disk, extended form from xvdq, sd/hd/dNpM", () => {
  assert.is(parseVdev("xvda"), 51712);
  assert.is(parseVdev("xvdb"), 51728);
  assert.is(parseVdev("xvdp"), 51712 + 15 * 16);
  assert.is(parseVdev("xvdq"), (1 << 28) | (16 << 8));
  assert.is(parseVdev("xvdaa"), (1 << 28) | (26 << 8));
  assert.is(parseVdev("xvda1"), 51713);
  assert.is(parseVdev("sda"), 2048);
  assert.is(parseVdev("sdb2"), 2066);
  assert.is(parseVdev("hda"), 768);
  assert.is(parseVdev("hdb"), 832);
  assert.is(parseVdev("hdc"), 5632);
  assert.is(parseVdev("d3p1"), (1 << 28) | (3 << 8) | 1);
  assert.is(parseVdev("51712"), 51712);
  for (const bad of ["", "xvd", "vda", "xvdA", "hde", "d", "0", "xvda999"]) assert.is(parseVdev(bad), null, bad);
  assert.equal([0, 1, 25, 26, 27, 701, 702].map(xvdName), ["xvda", "xvdb", "xvdz", "xvdaa", "xvdab", "xvdzz", "xvdaaa"]);
});

test("config: -drive if=xen by index, -device xen-disk with vdev or the next free name, duplicates rejected", () => {
  const tm = testMachine();
  const img = () => new Uint8Array(64 * 1024);
  const pv = new XenPvDevices(
    tm.xen,
    pvConfig({
      drives: [
        xenDrive("xen0", 0, img()),
        xenDrive("xen2", 2, img(), true),
        { id: "d1", data: img(), format: "raw", interface: "none", readonly: false },
        { id: "d2", data: img(), format: "raw", interface: "none", readonly: false },
        { id: "v0", data: img(), format: "raw", interface: "virtio", readonly: false, index: 0 },
      ],
      devices: [
        { driver: "xen-disk", options: { drive: "d1", vdev: "xvdq", id: "disk1" } },
        { driver: "xen-disk", options: { drive: "d2" } },
      ],
    }),
    openers,
    () => {},
  );
  const got = pv.devices.map((d) => [d.id, d.vdev, d.devid]);
  assert.equal(got, [
    ["disk1", "xvdq", (1 << 28) | (16 << 8)],
    ["d2", "xvdb", 51728],
    ["xen0", "xvda", 51712],
    ["xen2", "xvdc", 51744],
  ]);
  const dir = tm.xen.store.directory(tm.xen.store.toolstack, 0, "/local/domain/1/device/vbd");
  assert.equal(dir.sort(), ["268439552", "51712", "51728", "51744"]);
  assert.is((pv.get("xen2")!.driver as Blkback).readOnly, true);

  const dup = () =>
    new XenPvDevices(
      testMachine().xen,
      pvConfig({
        drives: [xenDrive("xen0", 0, img()), { id: "d1", data: img(), format: "raw", interface: "none", readonly: false }],
        devices: [{ driver: "xen-disk", options: { drive: "d1", vdev: "xvda" } }],
      }),
      openers,
      () => {},
    );
  assert.throws(dup, /already in use/);
  assert.throws(
    () => new XenPvDevices(testMachine().xen, pvConfig({ devices: [{ driver: "xen-disk", options: { drive: "nope" } }] }), openers, () => {}),
    /not found/,
  );
});

test("hot-plug: a disk appears under device/vbd (the guest's watch fires); unplug waits for the frontend to close", async () => {
  const tm = testMachine();
  const pv = new XenPvDevices(tm.xen, pvConfig({}), openers, () => {});
  const guest = new TestFrontend(tm.xen, "vbd", 51728);
  tm.xen.store.watch(guest.conn, "device", "dev");
  guest.events.length = 0;
  const disk = new MemoryBlock(new Uint8Array(64 * 1024));
  let closed = false;
  disk.close = () => void (closed = true);
  const d = pv.hotplugDisk(disk, "xvdb");
  assert.is(d.devid, 51728);
  assert.ok(guest.events.includes("device/vbd/51728"), "the guest's watch on device/ saw it");
  assert.is(guest.fe("state"), "1");
  assert.is(guest.backendState(), XenbusState.InitWait);

  // Connect, then unplug: the backend goes Closing, the nodes stay until the frontend closes.
  const ring = new FrontRing(tm.xen, RING_GFN * 4096, 112);
  guest.grant(RING_REF, RING_GFN);
  const port = guest.allocPort();
  guest.publish({ "ring-ref": RING_REF, "event-channel": port });
  guest.setState(XenbusState.Connected);
  assert.is(guest.backendState(), XenbusState.Connected);
  void ring;
  assert.ok(pv.unplug(d.id));
  assert.is(guest.backendState(), XenbusState.Closing);
  assert.is(guest.be("online"), "0");
  assert.ok(pv.get("xvdb"));
  guest.setState(XenbusState.Closing);
  guest.setState(XenbusState.Closed);
  assert.is(guest.fe("state"), null, "frontend directory removed");
  assert.is(tm.xen.store.directory(tm.xen.store.toolstack, 0, "/local/domain/0/backend/vbd/1").length, 0);
  assert.is(pv.get("xvdb"), undefined);
  await tick();
  assert.ok(closed, "the backend was closed");
  assert.is(guest.grantFlags(RING_REF) & GTF_reading, 0);

  // A disk nobody connected to goes at once; the next free name is reused.
  const d2 = pv.hotplugDisk(new MemoryBlock(new Uint8Array(4096)));
  assert.is(d2.vdev, "xvda");
  pv.unplug(d2.id);
  assert.is(pv.devices.length, 0);
  assert.throws(() => pv.hotplugDisk(new MemoryBlock(new Uint8Array(4096)), "nonsense"), /not a Xen disk name/);
});

test("rebind: after a reboot into a new Xen the devices are published again and reconnect", () => {
  const { pv, fe } = setup();
  assert.is(fe.backendState(), XenbusState.Connected);
  const tm2 = testMachine();
  pv.rebind(tm2.xen);
  assert.is(fe.grantFlags(RING_REF) & GTF_reading, 0, "old connection dropped");
  const fe2 = new TestFrontend(tm2.xen, "vbd", XVDA);
  assert.is(fe2.backendState(), XenbusState.InitWait);
  fe2.grant(RING_REF, RING_GFN);
  fe2.grant(16, DATA_GFN);
  const ring = new FrontRing(tm2.xen, RING_GFN * 4096, 112);
  const port = fe2.allocPort();
  fe2.publish({ "ring-ref": RING_REF, "event-channel": port });
  fe2.setState(XenbusState.Initialised);
  assert.is(fe2.backendState(), XenbusState.Connected);
  ring.put(request(true, BLKIF_OP_READ, 1n, 0n, [{ gref: 16, first: 0, last: 0 }]));
  if (ring.push()) fe2.notify(port);
  assert.is(ring.responses(BLKIF_RESPONSE.l64)[0].get("status"), BLKIF_RSP_OKAY);
});

test("close() flushes and closes the disks", async () => {
  const disk = new HeldBlock(new Uint8Array(DISK_BYTES));
  let closed = 0;
  disk.close = () => void closed++;
  const { pv, submit, tm } = setup({ disk });
  tm.mem.write(DATA_GFN * 4096, pattern(512, 2));
  submit(request(true, BLKIF_OP_WRITE, 1n, 0n, [{ gref: 16, first: 0, last: 0 }]));
  const done = pv.close();
  disk.finish(); // the write
  await tick();
  disk.finish(); // the flush
  await done;
  assert.is(closed, 1);
  assert.ok(disk.log.includes("flushed"));
});

test.run();
