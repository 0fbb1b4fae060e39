// The xenstore ring protocol end to end (src/xen/xenstore/ring.ts + protocol.ts): a
// guest-side driver writes requests into a fake xenstore_domain_interface page and
// reads replies and WATCH_EVENTs back, like Linux's xenbus_comms.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { XenStore } from "../../src/xen/xenstore/store.js";
import { XsRing } from "../../src/xen/xenstore/ring.js";
import { decodeHeader, handleRequest } from "../../src/xen/xenstore/protocol.js";
import {
  XENSTORE_ERROR_PROTO,
  XENSTORE_ERROR_RINGIDX,
  XENSTORE_RECONNECT,
  XS_DIRECTORY,
  XS_DIRECTORY_PART,
  XS_ERROR,
  XS_GET_DOMAIN_PATH,
  XS_GET_PERMS,
  XS_INTRODUCE,
  XS_MKDIR,
  XS_READ,
  XS_RESET_WATCHES,
  XS_RING_CONNECTION,
  XS_RING_ERROR,
  XS_RING_EVTCHN_PORT,
  XS_RING_REQ,
  XS_RING_REQ_CONS,
  XS_RING_REQ_PROD,
  XS_RING_RSP,
  XS_RING_RSP_CONS,
  XS_RING_RSP_PROD,
  XS_RING_SERVER_FEATURES,
  XS_RM,
  XS_SET_PERMS,
  XS_TRANSACTION_END,
  XS_TRANSACTION_START,
  XS_UNWATCH,
  XS_WATCH,
  XS_WATCH_EVENT,
  XS_WRITE,
} from "../../src/xen/abi/xs_wire.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

interface Msg {
  type: number;
  reqId: number;
  txId: number;
  body: string;
}

/** The guest end of the ring. */
class Guest {
  readonly dv: DataView;
  constructor(readonly page: Uint8Array) {
    this.dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  }
  u32(o: number) {
    return this.dv.getUint32(o, true);
  }
  set(o: number, v: number) {
    this.dv.setUint32(o, v >>> 0, true);
  }
  /** Append raw bytes to req (no overflow check: tests stay within the ring). */
  put(bytes: Uint8Array) {
    let prod = this.u32(XS_RING_REQ_PROD);
    for (const b of bytes) this.page[XS_RING_REQ + (prod++ & 1023)] = b;
    this.set(XS_RING_REQ_PROD, prod);
  }
  send(type: number, body: string | Uint8Array, reqId = 7, txId = 0) {
    const payload = typeof body === "string" ? enc(body) : body;
    const h = new Uint8Array(16);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, type, true);
    dv.setUint32(4, reqId, true);
    dv.setUint32(8, txId, true);
    dv.setUint32(12, payload.length, true);
    this.put(h);
    this.put(payload);
  }
  /** Bytes taken off rsp that do not make a whole message yet. */
  rx: number[] = [];
  /** Consume everything on rsp; return the whole messages. */
  recv(): Msg[] {
    const out: Msg[] = [];
    let cons = this.u32(XS_RING_RSP_CONS);
    const prod = this.u32(XS_RING_RSP_PROD);
    for (; cons !== prod; cons = (cons + 1) >>> 0) this.rx.push(this.page[XS_RING_RSP + (cons & 1023)]);
    this.set(XS_RING_RSP_CONS, cons);
    for (;;) {
      if (this.rx.length < 16) break;
      const b = new Uint8Array(this.rx);
      const h = decodeHeader(b);
      if (b.length < 16 + h.len) break;
      out.push({ type: h.type, reqId: h.reqId, txId: h.txId, body: dec(b.subarray(16, 16 + h.len)) });
      this.rx = this.rx.slice(16 + h.len);
    }
    return out;
  }
}

function setup() {
  const store = new XenStore();
  const dom0 = store.connect(0, () => {});
  store.write(dom0, 0, "/local/domain/1", enc(""));
  store.setPerms(dom0, 0, "/local/domain/1", [{ dom: 1, perm: "n" }]);
  const page = new Uint8Array(4096);
  let notifies = 0;
  const ring = new XsRing(page, store, 1, () => notifies++);
  ring.init(5);
  return { store, dom0, ring, guest: new Guest(page), notifies: () => notifies };
}

test("init: features, connected, event channel port", () => {
  const { guest } = setup();
  assert.is(guest.u32(XS_RING_SERVER_FEATURES), 3);
  assert.is(guest.u32(XS_RING_CONNECTION), 0);
  assert.is(guest.u32(XS_RING_EVTCHN_PORT), 5);
});

test("write, read, directory, mkdir, rm, perms over the ring; replies echo ids", () => {
  const { ring, guest, notifies } = setup();
  guest.send(XS_WRITE, "device/vif/0/mac\x0000:16:3e:00:00:01", 11, 0);
  guest.send(XS_READ, "device/vif/0/mac\0", 12);
  guest.send(XS_DIRECTORY, "device/vif\0", 13);
  guest.send(XS_MKDIR, "data\0", 14);
  guest.send(XS_GET_PERMS, "data\0", 15);
  guest.send(XS_SET_PERMS, "data\0n1\0r0\0", 16);
  guest.send(XS_RM, "device\0", 17);
  guest.send(XS_READ, "device/vif/0/mac\0", 18);
  guest.send(XS_GET_DOMAIN_PATH, "1\0", 19);
  guest.send(XS_DIRECTORY_PART, "/local/domain/1\x000\0", 20);
  ring.process();
  assert.ok(notifies() > 0);
  const r = guest.recv();
  assert.equal(
    r.map((m) => [m.type, m.reqId, m.body]),
    [
      [XS_WRITE, 11, "OK\0"],
      [XS_READ, 12, "00:16:3e:00:00:01"],
      [XS_DIRECTORY, 13, "0\0"],
      [XS_MKDIR, 14, "OK\0"],
      [XS_GET_PERMS, 15, "n1\0"],
      [XS_SET_PERMS, 16, "OK\0"],
      [XS_RM, 17, "OK\0"],
      [XS_ERROR, 18, "ENOENT\0"],
      [XS_GET_DOMAIN_PATH, 19, "/local/domain/1\0"],
      [XS_DIRECTORY_PART, 20, r[9].body.split("\0")[0] + "\0data\0\0"],
    ],
  );
});

test("watch: the reply comes first, then the initial event; host writes reach the guest at once", () => {
  const { store, dom0, ring, guest, notifies } = setup();
  guest.send(XS_WATCH, "control/shutdown\0tok\0", 3);
  ring.process();
  assert.equal(
    guest.recv().map((m) => [m.type, m.reqId, m.txId, m.body]),
    [
      [XS_WATCH, 3, 0, "OK\0"],
      [XS_WATCH_EVENT, 0, 0, "control/shutdown\0tok\0"],
    ],
  );
  const before = notifies();
  store.write(dom0, 0, "/local/domain/1/control/shutdown", enc("reboot"));
  assert.ok(notifies() > before, "the event is written and signalled without a guest kick");
  assert.equal(guest.recv()[0].body, "control/shutdown\0tok\0");
  guest.send(XS_UNWATCH, "control/shutdown\0tok\0", 4);
  guest.send(XS_RESET_WATCHES, "", 5);
  ring.process();
  assert.equal(
    guest.recv().map((m) => m.body),
    ["OK\0", "OK\0"],
  );
});

test("transactions over the ring: start, write with tx_id, commit; conflict → EAGAIN", () => {
  const { store, dom0, ring, guest } = setup();
  guest.send(XS_TRANSACTION_START, "\0", 1);
  ring.process();
  const [start] = guest.recv();
  const tx = Number(start.body.replace("\0", ""));
  assert.ok(tx > 0);
  guest.send(XS_WRITE, "a\x00in-tx", 2, tx);
  guest.send(XS_TRANSACTION_END, "T\0", 3, tx);
  ring.process();
  assert.equal(
    guest.recv().map((m) => [m.type, m.txId, m.body]),
    [
      [XS_WRITE, tx, "OK\0"],
      [XS_TRANSACTION_END, tx, "OK\0"],
    ],
  );
  assert.is(dec(store.read(dom0, 0, "/local/domain/1/a")), "in-tx");

  guest.send(XS_TRANSACTION_START, "\0", 4);
  ring.process();
  const tx2 = Number(guest.recv()[0].body.replace("\0", ""));
  guest.send(XS_READ, "a\0", 5, tx2);
  ring.process();
  guest.recv();
  store.write(dom0, 0, "/local/domain/1/a", enc("meanwhile"));
  guest.send(XS_TRANSACTION_END, "T\0", 6, tx2);
  guest.send(XS_TRANSACTION_END, "X\0", 7, tx2);
  ring.process();
  assert.equal(
    guest.recv().map((m) => [m.type, m.body]),
    [
      [XS_ERROR, "EAGAIN\0"],
      [XS_ERROR, "EINVAL\0"],
    ],
  );
});

test("malformed and privileged requests get ERROR replies and the ring keeps going", () => {
  const { ring, guest } = setup();
  guest.send(XS_READ, "no-terminator", 1);
  guest.send(XS_WRITE, "no-nul-at-all", 2);
  guest.send(XS_READ, "bad path!\0", 3);
  guest.send(XS_SET_PERMS, "data\0x1\0", 4);
  guest.send(XS_INTRODUCE, "1\x00123\x005\0", 5);
  guest.send(99, "", 6);
  guest.send(XS_WATCH_EVENT, "x\0y\0", 7);
  guest.send(XS_GET_DOMAIN_PATH, "abc\0", 8);
  guest.send(XS_READ, "domid\0", 9);
  ring.process();
  assert.equal(
    guest.recv().map((m) => [m.reqId, m.type, m.body]),
    [
      [1, XS_ERROR, "EINVAL\0"],
      [2, XS_ERROR, "EINVAL\0"],
      [3, XS_ERROR, "EINVAL\0"],
      [4, XS_ERROR, "EINVAL\0"],
      [5, XS_ERROR, "EACCES\0"],
      [6, XS_ERROR, "ENOSYS\0"],
      [7, XS_ERROR, "EINVAL\0"],
      [8, XS_ERROR, "EINVAL\0"],
      [9, XS_ERROR, "ENOENT\0"],
    ],
  );
});

test("requests split across notifications and across the ring's wrap point", () => {
  const { ring, guest } = setup();
  // Move the indices near 2^32 so they wrap during the exchange.
  for (const o of [XS_RING_REQ_CONS, XS_RING_REQ_PROD, XS_RING_RSP_CONS, XS_RING_RSP_PROD]) guest.set(o, 0xffff_fff0);
  const value = "v".repeat(900);
  const h = new Uint8Array(16);
  new DataView(h.buffer).setUint32(0, XS_WRITE, true);
  new DataView(h.buffer).setUint32(4, 42, true);
  const body = enc(`big\0${value}`);
  new DataView(h.buffer).setUint32(12, body.length, true);
  guest.put(h.subarray(0, 10));
  ring.process();
  assert.equal(guest.recv(), []);
  guest.put(h.subarray(10));
  guest.put(body.subarray(0, 500));
  ring.process();
  guest.put(body.subarray(500));
  ring.process();
  assert.equal(guest.recv()[0].body, "OK\0");
  guest.send(XS_READ, "big\0", 43);
  ring.process();
  // 916 bytes of reply fit the 1024-byte ring in one go.
  const [r] = guest.recv();
  assert.is(r.body, value);
  assert.ok(guest.u32(XS_RING_RSP_PROD) < 0x1000, "rsp_prod wrapped past 2^32");
});

test("a reply bigger than the free space is streamed as the guest consumes", () => {
  const { store, dom0, ring, guest } = setup();
  store.write(dom0, 0, "/local/domain/1/v", new Uint8Array(2000).fill(0x41));
  guest.send(XS_READ, "v\0", 1);
  ring.process();
  assert.is(guest.u32(XS_RING_RSP_PROD) - guest.u32(XS_RING_RSP_CONS), 1024, "the ring is full");
  let msgs: Msg[] = [];
  for (let i = 0; i < 4 && msgs.length === 0; i++) {
    msgs = guest.recv();
    ring.process();
  }
  assert.is(msgs.length, 1);
  assert.is(msgs[0].body, "A".repeat(2000));
});

test("flow control: requests stay on the ring while replies back up", () => {
  const { store, dom0, ring, guest } = setup();
  store.write(dom0, 0, "/local/domain/1/v", new Uint8Array(500).fill(0x42));
  for (let i = 0; i < 40; i++) guest.send(XS_READ, "v\0", i); // 40 × 18 request bytes, 516-byte replies
  ring.process();
  assert.ok(ring.backlog <= 2 * 1024 + 516, `backlog ${ring.backlog}`);
  assert.ok(guest.u32(XS_RING_REQ_CONS) !== guest.u32(XS_RING_REQ_PROD), "later requests wait on the ring");
  const ids: number[] = [];
  for (let round = 0; round < 100 && ids.length < 40; round++) {
    for (const m of guest.recv()) ids.push(m.reqId);
    ring.process();
  }
  assert.equal(ids, Array.from({ length: 40 }, (_, i) => i));
});

test("a payload over 4096 bytes is a protocol error; bogus indices a ring error; reconnect resets", () => {
  const { ring, guest, store } = setup();
  guest.send(XS_WATCH, "x\0t\0", 1);
  ring.process();
  guest.recv();
  assert.is(store.watchCount(ring.conn), 1);
  const h = new Uint8Array(16);
  new DataView(h.buffer).setUint32(12, 4097, true);
  guest.put(h);
  ring.process();
  assert.is(guest.u32(XS_RING_ERROR), XENSTORE_ERROR_PROTO);
  guest.send(XS_READ, "domid\0", 2);
  ring.process();
  assert.equal(guest.recv(), [], "a failed connection answers nothing");

  guest.set(XS_RING_CONNECTION, XENSTORE_RECONNECT);
  ring.process();
  assert.is(guest.u32(XS_RING_CONNECTION), 0);
  assert.is(guest.u32(XS_RING_ERROR), 0);
  assert.is(guest.u32(XS_RING_REQ_PROD), 0);
  assert.is(store.watchCount(ring.conn), 0, "watches dropped on reconnect");
  guest.send(XS_GET_DOMAIN_PATH, "1\0", 3);
  ring.process();
  assert.is(guest.recv()[0].body, "/local/domain/1\0");

  guest.set(XS_RING_REQ_PROD, guest.u32(XS_RING_REQ_CONS) + 5000);
  ring.process();
  assert.is(guest.u32(XS_RING_ERROR), XENSTORE_ERROR_RINGIDX);
});

test("handleRequest never throws for garbage payloads", () => {
  const store = new XenStore();
  const c = store.connect(1, () => {});
  let seed = 1;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
  for (let i = 0; i < 2000; i++) {
    const payload = new Uint8Array(rnd() % 40).map(() => (rnd() % 3 === 0 ? 0 : 0x2f + (rnd() % 80)));
    const type = rnd() % 30;
    const reply = handleRequest(store, c, { type, reqId: i, txId: rnd() % 3, len: payload.length }, payload);
    assert.ok(reply.length >= 16);
  }
});

test.run();
