// The PV network backend (src/xen/backends/netback.ts) driven by a frontend written
// here the way Linux's xen-netfront drives its side (xen/include/public/io/netif.h):
// the default NIC on an unused -netdev, the handshake keys, transmit (single- and
// multi-slot packets, blank checksums filled in, chains published in parts, bad
// requests answered NETIF_RSP_ERROR, extra-info slots NETIF_RSP_NULL) onto a hub peer,
// and receive into posted buffers (in their requests' slots, multi-slot with
// feature-sg, dropped without buffers past the backlog). Also the extra PV consoles.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { testMachine } from "../../src/xen/testing.js";
import { GuestStruct } from "../../src/xen/abi/struct.js";
import { GTF_reading } from "../../src/xen/abi/grant_table.js";
import { HubPort } from "../../src/backends/net/hub.js";
import type { NetBackend } from "../../src/backends/net/net_backend.js";
import type { MachineConfig, NetdevConfig } from "../../src/machine/config.js";
import type { CharBackend } from "../../src/devices/virtio_console.js";
import { XenPvDevices, type XenPvOpeners } from "../../src/xen/backends/pv_devices.js";
import { XenbusState } from "../../src/xen/backends/xenbus.js";
import type { Netback } from "../../src/xen/backends/netback.js";
import type { ConsoleBack } from "../../src/xen/backends/console.js";
import { fillL4Checksum } from "../../src/xen/backends/inet_csum.js";
import {
  NETIF_RSP_ERROR,
  NETIF_RSP_NULL,
  NETIF_RSP_OKAY,
  NETIF_RX_REQUEST,
  NETIF_RX_RESPONSE,
  NETIF_TX_REQUEST,
  NETIF_TX_RESPONSE,
  NETRXF_more_data,
  NETTXF_csum_blank,
  NETTXF_extra_info,
  NETTXF_more_data,
  XEN_NETIF_EXTRA_TYPE_GSO,
} from "../../src/xen/backends/io/netif.js";
import { FrontRing, TestFrontend } from "./xen_pv_frontend.js";

const TX_REF = 8;
const RX_REF = 9;
const TX_GFN = 0x400;
const RX_GFN = 0x401;
const TX_BUF_GFN = 0x500; // tx buffers: refs 16.. (granted read-only, as netfront does)
const RX_BUF_GFN = 0x600; // rx buffers: refs 64.. (writable)
let nextHub = 100;

function pvConfig(c: Partial<MachineConfig> & { nodefaults?: boolean }): MachineConfig {
  return { drives: [], netdevs: [], devices: [], chardevs: [], ...c } as unknown as MachineConfig;
}

/** Opens hubport netdevs the way src/devices does (one HubPort per netdev). */
function hubOpeners(config: MachineConfig, opened: Map<string, NetBackend>): XenPvOpeners {
  return {
    block: () => {
      throw new Error("no disks here");
    },
    net: (id) => {
      if (id === undefined) return null;
      const nd = config.netdevs.find((n) => n.id === id)!;
      const b = new HubPort(Number(nd.options.hubid ?? 0));
      opened.set(id, b);
      return b;
    },
  };
}

function hubport(id: string, hubid: number): NetdevConfig {
  return { id, type: "hubport", options: { hubid: String(hubid) } };
}

function setup(o: { sg?: boolean; connect?: boolean } = {}) {
  const tm = testMachine();
  const hubid = nextHub++;
  const config = pvConfig({ netdevs: [hubport("n0", hubid)] });
  const opened = new Map<string, NetBackend>();
  let wakes = 0;
  const pv = new XenPvDevices(tm.xen, config, hubOpeners(config, opened), () => wakes++);
  const peer = new HubPort(hubid);
  const seen: Uint8Array[] = [];
  peer.onReceive = (f) => seen.push(f.slice());
  const fe = new TestFrontend(tm.xen, "vif", 0);
  const tx = new FrontRing(tm.xen, TX_GFN * 4096, 12);
  const rx = new FrontRing(tm.xen, RX_GFN * 4096, 8);
  fe.grant(TX_REF, TX_GFN);
  fe.grant(RX_REF, RX_GFN);
  for (let i = 0; i < 8; i++) fe.grant(16 + i, TX_BUF_GFN + i, true);
  for (let i = 0; i < 8; i++) fe.grant(64 + i, RX_BUF_GFN + i);
  const port = fe.allocPort();
  const connect = () => {
    fe.publish({
      "tx-ring-ref": TX_REF,
      "rx-ring-ref": RX_REF,
      "event-channel": port,
      "request-rx-copy": 1,
      "feature-rx-notify": 1,
      "feature-sg": o.sg === false ? 0 : 1,
    });
    fe.setState(XenbusState.Connected); // netfront goes straight to Connected
  };
  if (o.connect !== false) connect();
  const nic = pv.devices[0]?.driver as Netback;
  const txReq = (gref: number, offset: number, flags: number, id: number, size: number) => {
    const r = new GuestStruct(NETIF_TX_REQUEST.l64);
    r.set("gref", gref).set("offset", offset).set("flags", flags).set("id", id).set("size", size);
    return r.bytes;
  };
  const send = (...reqs: Uint8Array[]) => {
    for (const r of reqs) tx.put(r);
    if (tx.push()) fe.notify(port);
    return tx.responses(NETIF_TX_RESPONSE.l64);
  };
  const post = (...bufs: [id: number, gref: number][]) => {
    for (const [id, gref] of bufs) {
      const r = new GuestStruct(NETIF_RX_REQUEST.l64);
      r.set("id", id).set("gref", gref);
      rx.put(r.bytes);
    }
    if (rx.push()) fe.notify(port);
  };
  return { tm, pv, peer, seen, fe, tx, rx, port, nic, send, post, txReq, connect, wakes: () => wakes, opened };
}

function frame(len: number, seed = 1): Uint8Array {
  const f = new Uint8Array(len);
  for (let i = 0; i < len; i++) f[i] = (i * 7 + seed) & 0xff;
  f.set([0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5]);
  return f;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

// ---------------------------------------------------------------------------

test("default NIC: an unused -netdev gets a xen-net-device; keys in both directories; -nodefaults has none", () => {
  const { fe, nic, opened } = setup({ connect: false });
  assert.ok(nic, "a vif was made");
  assert.ok(opened.has("n0"));
  assert.is(fe.fe("mac"), "52:54:00:12:34:56", "netfront reads the MAC from its own directory");
  assert.is(fe.fe("handle"), "0");
  assert.is(fe.be("mac"), "52:54:00:12:34:56");
  assert.is(fe.be("feature-rx-copy"), "1");
  assert.is(fe.be("feature-sg"), "1");
  assert.is(fe.be("feature-gso-tcpv4"), "0");
  assert.is(fe.be("state"), String(XenbusState.InitWait));

  const tm = testMachine();
  const cfg = pvConfig({ netdevs: [hubport("n0", 1)], nodefaults: true });
  assert.is(new XenPvDevices(tm.xen, cfg, hubOpeners(cfg, new Map()), () => {}).devices.length, 0);
});

test("config: explicit xen-net-device (mac, idx), netdevs used by virtio or a hubport get no default NIC, MACs after virtio's", () => {
  const tm = testMachine();
  const cfg = pvConfig({
    netdevs: [hubport("a", 1), hubport("b", 2), { id: "s", type: "socket", options: {} }, hubport("c", 3), hubport("d", 4), { ...hubport("h", 5), options: { hubid: "5", netdev: "s" } }],
    devices: [
      { driver: "virtio-net-pci", options: { netdev: "a" } },
      { driver: "xen-net-device", options: { netdev: "b", mac: "02:00:00:00:00:01", idx: "3" } },
      { driver: "xen-net-device", options: { netdev: "c", id: "nic-c" } },
    ],
  });
  const opened = new Map<string, NetBackend>();
  const open = hubOpeners(cfg, opened);
  const pv = new XenPvDevices(tm.xen, cfg, { ...open, net: (id) => (id === "s" || id === "h" ? null : open.net(id)) }, () => {});
  const got = pv.devices.map((d) => [d.id, d.devid, (d.driver as Netback).mac.join(",")]);
  assert.equal(got, [
    ["vif3", 3, "2,0,0,0,0,1"],
    ["nic-c", 0, "82,84,0,18,52,87"], // 52:54:00:12:34:57: virtio-net took ...56
    ["vif1", 1, "82,84,0,18,52,88"], // default NIC for the unused netdev d
    ["vif2", 2, "82,84,0,18,52,89"], // and for hubport h (s is linked into it, so used)
  ]);
  assert.throws(
    () =>
      new XenPvDevices(
        testMachine().xen,
        pvConfig({ devices: [{ driver: "xen-net-device", options: { mac: "zz" } }] }),
        open,
        () => {},
      ),
    /not a MAC address/,
  );
});

test("handshake: Connected after the frontend's keys; rings and channel bound; bad keys → Closing", () => {
  const { fe, tm } = setup();
  assert.is(fe.backendState(), XenbusState.Connected);
  assert.is(fe.grantFlags(TX_REF) & GTF_reading, GTF_reading);
  assert.is(fe.grantFlags(RX_REF) & GTF_reading, GTF_reading);

  const s2 = setup({ connect: false });
  s2.fe.publish({ "tx-ring-ref": TX_REF, "rx-ring-ref": RX_REF, "event-channel": s2.port, "request-rx-copy": 0 });
  s2.fe.setState(XenbusState.Connected);
  assert.is(s2.fe.backendState(), XenbusState.Closing, "rx flip is not offered");
  s2.fe.setState(XenbusState.Closed);
  s2.fe.setState(XenbusState.Initialising);
  s2.fe.remove("event-channel");
  s2.fe.publish({ "tx-ring-ref": TX_REF, "rx-ring-ref": RX_REF, "event-channel-tx": s2.port, "event-channel-rx": s2.port, "request-rx-copy": 1 });
  s2.fe.setState(XenbusState.Connected);
  assert.is(s2.fe.backendState(), XenbusState.Closing, "split channels are not offered");
  assert.ok(s2.tm.logs.some((l) => l.includes("split event channels")));
  void tm;
});

test("tx: a frame in one slot reaches the hub peer; response OKAY with its id", () => {
  const { tm, send, txReq, seen, nic, fe, port } = setup();
  const f = frame(60);
  tm.mem.write(TX_BUF_GFN * 4096 + 100, f);
  const rsp = send(txReq(16, 100, 0, 5, 60));
  assert.is(rsp.length, 1);
  assert.is(rsp[0].get("id"), 5);
  assert.is(rsp[0].get("status"), NETIF_RSP_OKAY);
  assert.is(seen.length, 1);
  assert.equal(seen[0], f);
  assert.is(nic.stats.txPackets, 1);
  assert.ok(fe.takeEvent(port));
});

test("tx: a packet across two slots (more_data; the first size is the total); several packets in one push", () => {
  const { tm, send, txReq, seen } = setup();
  const f = frame(1000, 3);
  tm.mem.write(TX_BUF_GFN * 4096 + 3996, f.subarray(0, 100));
  tm.mem.write((TX_BUF_GFN + 1) * 4096, f.subarray(100));
  const g = frame(200, 9);
  tm.mem.write((TX_BUF_GFN + 2) * 4096, g);
  const rsp = send(txReq(16, 3996, NETTXF_more_data, 1, 1000), txReq(17, 0, 0, 2, 900), txReq(18, 0, 0, 3, 200));
  assert.equal(rsp.map((r) => [r.get("id"), r.get("status")]), [
    [1, NETIF_RSP_OKAY],
    [2, NETIF_RSP_OKAY],
    [3, NETIF_RSP_OKAY],
  ]);
  assert.equal(seen, [f, g]);
});

test("tx: a chain published in parts waits on the ring (req_event past it) and goes when complete", () => {
  const { tm, tx, fe, port, txReq, seen } = setup();
  const f = frame(300);
  tm.mem.write(TX_BUF_GFN * 4096, f.subarray(0, 100));
  tm.mem.write((TX_BUF_GFN + 1) * 4096, f.subarray(100));
  tx.put(txReq(16, 0, NETTXF_more_data, 1, 300));
  if (tx.push()) fe.notify(port);
  assert.is(seen.length, 0);
  assert.is(tx.rspProd, 0, "nothing consumed");
  assert.is(tx.reqEvent, 2, "notify me on the next request");
  tx.put(txReq(17, 0, 0, 2, 200));
  assert.ok(tx.push(), "the frontend's push asks for a notification");
  fe.notify(port);
  assert.equal(seen, [f]);
  assert.is(tx.responses(NETIF_TX_RESPONSE.l64).length, 2);
});

test("tx: bad requests → NETIF_RSP_ERROR on every slot of the packet, nothing sent; extra info gets NULL", () => {
  const { tm, send, txReq, seen, nic } = setup();
  tm.mem.write(TX_BUF_GFN * 4096, frame(100));
  const gso = new Uint8Array(12);
  gso[0] = XEN_NETIF_EXTRA_TYPE_GSO;
  const cases: [string, Uint8Array[], number[]][] = [
    ["ungranted buffer", [txReq(300, 0, 0, 1, 60)], [NETIF_RSP_ERROR]],
    ["shorter than an Ethernet header", [txReq(16, 0, 0, 2, 10)], [NETIF_RSP_ERROR]],
    ["crosses the page", [txReq(16, 4090, 0, 3, 60)], [NETIF_RSP_ERROR]],
    ["fragments larger than the packet", [txReq(16, 0, NETTXF_more_data, 4, 60), txReq(17, 0, 0, 5, 100)], [NETIF_RSP_ERROR, NETIF_RSP_ERROR]],
    ["GSO extra info (not negotiated)", [txReq(16, 0, NETTXF_extra_info, 6, 60), gso], [NETIF_RSP_ERROR, NETIF_RSP_NULL]],
  ];
  for (const [what, reqs, statuses] of cases) {
    const rsp = send(...reqs);
    assert.equal(rsp.map((r) => r.get("status")), statuses, what);
  }
  assert.is(seen.length, 0);
  assert.is(nic.stats.txErrors, cases.length);
  // Still working afterwards.
  assert.is(send(txReq(16, 0, 0, 9, 60))[0].get("status"), NETIF_RSP_OKAY);
  assert.is(seen.length, 1);
});

test("tx: NETTXF_csum_blank → the UDP/TCP checksum is filled in before the frame leaves", () => {
  const { tm, send, txReq, seen } = setup();
  // Ethernet + IPv4 (20) + UDP (8) + 12 bytes payload, checksum left 0.
  const f = new Uint8Array(14 + 20 + 8 + 12);
  f.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x08, 0x00]);
  f.set([0x45, 0, 0, 40, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 2, 15, 10, 0, 2, 2], 14);
  f.set([0x30, 0x39, 0x00, 0x35, 0, 20, 0, 0], 34);
  f.set(new TextEncoder().encode("hello, xpvh!"), 42);
  tm.mem.write(TX_BUF_GFN * 4096, f);
  send(txReq(16, 0, NETTXF_csum_blank, 1, f.length));
  const out = seen[0];
  assert.ok(out[40] !== 0 || out[41] !== 0, "checksum written");
  // Verify independently: one's-complement sum over pseudo-header + UDP is 0xffff.
  let sum = 0;
  for (let i = 26; i < 34; i += 2) sum += (out[i] << 8) | out[i + 1];
  sum += 17 + 20;
  for (let i = 34; i < 54; i += 2) sum += (out[i] << 8) | out[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  assert.is(sum, 0xffff);
  // A TCP/IPv6 frame and garbage: filled / left alone.
  const bad = new Uint8Array(20);
  assert.not.ok(fillL4Checksum(bad));
  const v6 = new Uint8Array(14 + 40 + 20);
  v6.set([0x86, 0xdd], 12);
  v6[14] = 0x60;
  v6[14 + 5] = 20;
  v6[14 + 6] = 6;
  assert.ok(fillL4Checksum(v6));
});

test("rx: a frame goes into the posted buffer, response in the request's slot with id and length", async () => {
  const { tm, post, rx, peer, pv, fe, port, nic, wakes } = setup();
  post([7, 64], [8, 65]);
  const f = frame(98, 5);
  peer.send(f);
  assert.ok(wakes() > 0);
  pv.poll();
  const rsp = rx.responses(NETIF_RX_RESPONSE.l64);
  assert.is(rsp.length, 1);
  assert.is(rsp[0].get("id"), 7);
  assert.is(rsp[0].get("offset"), 0);
  assert.is(rsp[0].get("flags"), 0);
  assert.is(rsp[0].get("status"), 98);
  assert.equal(tm.mem.read(RX_BUF_GFN * 4096, 98), f);
  assert.ok(fe.takeEvent(port));
  assert.is(nic.stats.rxPackets, 1);
  await tick();
});

test("rx: frames wait for buffers; posting buffers (and notifying) delivers them; a full backlog drops", () => {
  const { post, rx, peer, pv, tm, nic } = setup();
  const a = frame(60, 1);
  const b = frame(70, 2);
  peer.send(a);
  peer.send(b);
  pv.poll();
  assert.is(rx.rspProd, 0);
  assert.is(rx.reqEvent, 1, "asked to be told when a buffer is posted");
  post([1, 64]);
  assert.is(rx.responses(NETIF_RX_RESPONSE.l64).length, 1, "the frontend's notify delivered one");
  assert.equal(tm.mem.read(RX_BUF_GFN * 4096, 60), a);
  post([2, 65]);
  assert.equal(tm.mem.read((RX_BUF_GFN + 1) * 4096, 70), b);
  for (let i = 0; i < 300; i++) peer.send(a);
  assert.is(nic.stats.rxDropped, 300 - 256);
});

test("rx: a frame over a page takes several slots with more_data (feature-sg); without sg it is dropped", () => {
  const { post, rx, peer, pv, tm } = setup();
  const big = frame(5000, 4);
  post([1, 64], [2, 65]);
  peer.send(big);
  pv.poll();
  const rsp = rx.responses(NETIF_RX_RESPONSE.l64);
  assert.equal(rsp.map((r) => [r.get("id"), r.get("flags"), r.get("status")]), [
    [1, NETRXF_more_data, 4096],
    [2, 0, 904],
  ]);
  assert.equal(tm.mem.read(RX_BUF_GFN * 4096, 4096), big.subarray(0, 4096));
  assert.equal(tm.mem.read((RX_BUF_GFN + 1) * 4096, 904), big.subarray(4096));

  const s = setup({ sg: false });
  s.post([1, 64], [2, 65]);
  s.peer.send(big);
  s.peer.send(frame(60));
  s.pv.poll();
  const r2 = s.rx.responses(NETIF_RX_RESPONSE.l64);
  assert.is(r2.length, 1);
  assert.is(r2[0].get("status"), 60);
  assert.is(s.nic.stats.rxDropped, 1);
});

test("rx: a buffer grant the backend may not write → NETIF_RSP_ERROR in its slot; frames for an unconnected NIC are dropped", () => {
  const { post, rx, peer, pv, fe } = setup();
  fe.grant(70, RX_BUF_GFN + 6, true); // read-only: no good for rx
  post([1, 70]);
  peer.send(frame(60));
  pv.poll();
  const rsp = rx.responses(NETIF_RX_RESPONSE.l64);
  assert.is(rsp[0].get("status"), NETIF_RSP_ERROR);

  const s = setup({ connect: false });
  s.peer.send(frame(60));
  assert.is(s.nic.stats.rxDropped, 1);
});

test("hot-plug a NIC: device/vif/N appears; unplug removes it once the frontend closed; close() closes backends", async () => {
  const tm = testMachine();
  const pv = new XenPvDevices(tm.xen, pvConfig({}), hubOpeners(pvConfig({}), new Map()), () => {});
  let closed = 0;
  const backend: NetBackend = { send: () => {}, onReceive: null, close: () => void closed++ };
  const d = pv.hotplugNic(backend, "02:11:22:33:44:55");
  assert.is(d.devid, 0);
  const fe = new TestFrontend(tm.xen, "vif", 0);
  assert.is(fe.fe("mac"), "02:11:22:33:44:55");
  assert.is(fe.backendState(), XenbusState.InitWait);
  pv.unplug(d.id);
  assert.is(fe.fe("state"), null, "no frontend was active: removed at once");
  await tick();
  assert.is(closed, 1);
  const d2 = pv.hotplugNic(null);
  assert.is(d2.devid, 0);
  await pv.close();
  assert.throws(() => pv.hotplugNic(null), /closed/);
});

// ---------------------------------------------------------------------------
// extra consoles

test("console: the second xen-console is device/console/1; output to the chardev, input to the guest", () => {
  const tm = testMachine();
  const out: string[] = [];
  const chardev: CharBackend = { write: (b) => out.push(new TextDecoder().decode(b)), onInput: null };
  const cfg = pvConfig({
    devices: [
      { driver: "xen-console", options: { chardev: "c0" } },
      { driver: "xen-console", options: { chardev: "c1" } },
    ],
  });
  const pv = new XenPvDevices(tm.xen, cfg, { block: () => null!, net: () => null, chardev: (id) => (id === "c1" ? chardev : null) }, () => {});
  assert.is(pv.devices.length, 1, "the first xen-console is the primary one");
  const con = pv.devices[0].driver as ConsoleBack;
  const fe = new TestFrontend(tm.xen, "console", 1);
  assert.is(fe.backendState(), XenbusState.InitWait);
  const gpa = 0x700 * 4096;
  fe.grant(8, 0x700);
  const port = fe.allocPort();
  fe.publish({ "ring-ref": 8, port });
  fe.setState(XenbusState.Initialised);
  assert.is(fe.backendState(), XenbusState.Connected);
  // Guest output: out[] at 1024, out_prod at 3084.
  tm.mem.write(gpa + 1024, new TextEncoder().encode("hi hvc1"));
  tm.mem.writeU32(gpa + 3084, 7);
  fe.notify(port);
  assert.equal(out, ["hi hvc1"]);
  assert.is(tm.mem.readU32(gpa + 3080), 7, "out_cons advanced");
  // Input: in[] at 0, in_prod at 3076.
  chardev.onInput!(new TextEncoder().encode("ls\n"));
  pv.poll();
  assert.is(tm.mem.readU32(gpa + 3076), 3);
  assert.is(new TextDecoder().decode(tm.mem.read(gpa, 3)), "ls\n");
  assert.ok(fe.takeEvent(port));
  assert.is(con.stats.inBytes, 3);
});

test.run();
