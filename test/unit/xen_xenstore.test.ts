// The xenstore tree (src/xen/xenstore/store.ts) in isolation, QEMU test-xs-node style:
// read/write/mkdir/rm/directory, permissions, watches (initial fire, relative paths,
// removal below a watch), transactions (commit, abort, EAGAIN on conflict), quotas,
// serialize round trip; and the default domain tree (paths.ts).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { XenStore, XsError, canonicalPath, type XsConn } from "../../src/xen/xenstore/store.js";
import { addPvDevice, populateDomain, requestShutdown } from "../../src/xen/xenstore/paths.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function setup() {
  const store = new XenStore();
  const events: Record<number, [string, string][]> = {};
  const conn = (dom: number): XsConn => {
    const c = store.connect(dom, (p, t) => (events[c.id] ??= []).push([p, t]));
    return c;
  };
  const dom0 = conn(0);
  const guest = conn(1);
  // /local/domain/1 owned by the guest, like a domain's home directory.
  store.write(dom0, 0, "/local/domain/1", enc(""));
  store.setPerms(dom0, 0, "/local/domain/1", [{ dom: 1, perm: "n" }]);
  const ev = (c: XsConn) => {
    const e = events[c.id] ?? [];
    events[c.id] = [];
    return e;
  };
  return { store, dom0, guest, ev, conn };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof XsError) return e.code;
    throw e;
  }
  return "OK";
}

test("write/read, parents created with inherited perms, relative paths", () => {
  const { store, guest } = setup();
  store.write(guest, 0, "device/vbd/51712/state", enc("1"));
  assert.is(dec(store.read(guest, 0, "/local/domain/1/device/vbd/51712/state")), "1");
  assert.is(dec(store.read(guest, 0, "device/vbd")), "");
  assert.equal(store.getPerms(guest, 0, "device/vbd/51712"), [{ dom: 1, perm: "n" }]);
  assert.equal(store.directory(guest, 0, "device"), ["vbd"]);
  assert.is(code(() => store.read(guest, 0, "nope")), "ENOENT");
});

test("mkdir is idempotent; rm removes a subtree, missing node ok, missing parent ENOENT", () => {
  const { store, guest } = setup();
  store.mkdir(guest, 0, "a/b");
  store.write(guest, 0, "a/b", enc("x"));
  store.mkdir(guest, 0, "a/b");
  assert.is(dec(store.read(guest, 0, "a/b")), "x");
  store.write(guest, 0, "a/b/c/d", enc("y"));
  const before = store.nodeCount;
  store.rm(guest, 0, "a/b");
  assert.is(store.nodeCount, before - 3);
  assert.is(code(() => store.read(guest, 0, "a/b/c/d")), "ENOENT");
  assert.is(code(() => store.rm(guest, 0, "a/b")), "OK");
  assert.is(code(() => store.rm(guest, 0, "a/zz/top")), "ENOENT");
  assert.is(code(() => store.rm(guest, 0, "/")), "EINVAL");
});

test("path validation", () => {
  assert.is(canonicalPath(3, "x/y"), "/local/domain/3/x/y");
  for (const bad of ["", "/a//b", "/a/", "a b", "a\0b", "é", "/" + "a".repeat(3100)])
    assert.is(code(() => canonicalPath(1, bad)), "EINVAL", JSON.stringify(bad.slice(0, 10)));
  assert.is(canonicalPath(1, "/"), "/");
  assert.is(canonicalPath(1, "@releaseDomain"), "/local/domain/1/@releaseDomain"); // only watches are special
  assert.is(canonicalPath(1, "@releaseDomain", true), "@releaseDomain");
});

test("permissions: owner, default, per-domain entries, dom0 always", () => {
  const { store, dom0, guest, conn } = setup();
  const other = conn(2);
  store.write(dom0, 0, "/local/domain/1/ro", enc("v"));
  store.setPerms(dom0, 0, "/local/domain/1/ro", [
    { dom: 0, perm: "n" },
    { dom: 1, perm: "r" },
  ]);
  assert.is(dec(store.read(guest, 0, "ro")), "v");
  assert.is(code(() => store.write(guest, 0, "ro", enc("w"))), "EACCES");
  assert.is(code(() => store.write(guest, 0, "ro/child", enc("w"))), "EACCES");
  assert.is(code(() => store.read(other, 0, "/local/domain/1/ro")), "EACCES");
  // Guest-owned node: other domains get the default (n) unless listed.
  store.write(guest, 0, "mine", enc("m"));
  assert.is(code(() => store.read(other, 0, "/local/domain/1/mine")), "EACCES");
  store.setPerms(guest, 0, "mine", [
    { dom: 1, perm: "n" },
    { dom: 2, perm: "b" },
  ]);
  store.write(other, 0, "/local/domain/1/mine", enc("from 2"));
  assert.is(dec(store.read(guest, 0, "mine")), "from 2");
  // Only the owner (or dom0) may change permissions; a domU cannot give a node away.
  assert.is(code(() => store.setPerms(other, 0, "/local/domain/1/mine", [{ dom: 2, perm: "n" }])), "EACCES");
  assert.is(code(() => store.setPerms(guest, 0, "mine", [{ dom: 2, perm: "n" }])), "EPERM");
  assert.is(dec(store.read(dom0, 0, "/local/domain/1/mine")), "from 2");
});

test("watches: initial fire, changes at/below, relative reporting, rm below the watch", () => {
  const { store, guest, dom0, ev } = setup();
  store.watch(guest, "device", "tok");
  assert.equal(ev(guest), [["device", "tok"]]);
  store.write(guest, 0, "device/vif/0/state", enc("1"));
  assert.equal(ev(guest), [["device/vif/0/state", "tok"]]);
  store.write(guest, 0, "elsewhere", enc("1"));
  assert.equal(ev(guest), []);
  store.watch(guest, "/local/domain/1/device/vif/0/state", "abs");
  ev(guest);
  store.rm(guest, 0, "device/vif");
  assert.equal(ev(guest), [
    ["device/vif", "tok"],
    ["/local/domain/1/device/vif/0/state", "abs"],
  ]);
  assert.is(code(() => store.watch(guest, "device", "tok")), "EEXIST");
  store.unwatch(guest, "device", "tok");
  assert.is(code(() => store.unwatch(guest, "device", "tok")), "ENOENT");
  store.write(dom0, 0, "/local/domain/1/device/x", enc(""));
  assert.equal(ev(guest), []);
});

test("watches are filtered by read permission for domUs", () => {
  const { store, guest, dom0, ev } = setup();
  store.watch(guest, "/local/domain/0", "t");
  ev(guest);
  store.write(dom0, 0, "/local/domain/0/secret", enc("s"));
  store.setPerms(dom0, 0, "/local/domain/0/secret", [{ dom: 0, perm: "n" }]);
  assert.equal(ev(guest), []);
  store.write(dom0, 0, "/local/domain/0/public", enc("p"));
  store.setPerms(dom0, 0, "/local/domain/0/public", [
    { dom: 0, perm: "n" },
    { dom: 1, perm: "r" },
  ]);
  // The write itself (inheriting n0) is invisible; the perms change makes it readable.
  assert.equal(ev(guest), [["/local/domain/0/public", "t"]]);
});

test("a host sink that writes during an event does not re-enter delivery", () => {
  const store = new XenStore();
  const seen: string[] = [];
  const backend = store.connect(0, (p) => {
    seen.push(p);
    if (p === "/fe/state") store.write(backend, 0, "/be/state", enc("4"));
  });
  store.watch(backend, "/fe", "fe");
  store.watch(backend, "/be", "be");
  store.write(backend, 0, "/fe/state", enc("3"));
  assert.equal(seen, ["/fe", "/be", "/fe/state", "/be/state"]);
});

test("transactions: isolation, commit fires watches, abort discards", () => {
  const { store, guest, ev } = setup();
  store.write(guest, 0, "x", enc("0"));
  store.watch(guest, "x", "w");
  ev(guest);
  const tx = store.transactionStart(guest);
  store.write(guest, tx, "x", enc("1"));
  store.write(guest, tx, "y/z", enc("2"));
  assert.is(dec(store.read(guest, tx, "x")), "1");
  assert.is(dec(store.read(guest, 0, "x")), "0");
  assert.is(code(() => store.read(guest, 0, "y/z")), "ENOENT");
  assert.equal(ev(guest), []);
  store.transactionEnd(guest, tx, true);
  assert.is(dec(store.read(guest, 0, "x")), "1");
  assert.is(dec(store.read(guest, 0, "y/z")), "2");
  assert.equal(ev(guest), [["x", "w"]]);

  const tx2 = store.transactionStart(guest);
  store.rm(guest, tx2, "x");
  store.transactionEnd(guest, tx2, false);
  assert.is(dec(store.read(guest, 0, "x")), "1");
  assert.is(code(() => store.transactionEnd(guest, tx2, true)), "ENOENT");
  assert.is(code(() => store.read(guest, 12345, "x")), "ENOENT");
  assert.is(code(() => store.transactionStart(guest, tx2)), "EBUSY");
});

test("transactions: conflicting change → EAGAIN and nothing applied; unrelated change commits", () => {
  const { store, guest, dom0 } = setup();
  store.write(guest, 0, "a", enc("0"));
  store.write(guest, 0, "b", enc("0"));
  const tx = store.transactionStart(guest);
  assert.is(dec(store.read(guest, tx, "a")), "0");
  store.write(guest, tx, "c", enc("new"));
  store.write(dom0, 0, "/local/domain/1/a", enc("changed"));
  assert.is(code(() => store.transactionEnd(guest, tx, true)), "EAGAIN");
  assert.is(code(() => store.read(guest, 0, "c")), "ENOENT");

  const tx2 = store.transactionStart(guest);
  assert.is(dec(store.read(guest, tx2, "a")), "changed");
  store.write(guest, tx2, "a", enc("tx2"));
  store.write(dom0, 0, "/local/domain/1/b", enc("unrelated"));
  store.transactionEnd(guest, tx2, true);
  assert.is(dec(store.read(guest, 0, "a")), "tx2");

  // The control/shutdown acknowledgement Linux does: read, then write "" in a transaction.
  store.write(dom0, 0, "/local/domain/1/control/shutdown", enc("poweroff"));
  const tx3 = store.transactionStart(guest);
  assert.is(dec(store.read(guest, tx3, "control/shutdown")), "poweroff");
  store.write(guest, tx3, "control/shutdown", enc(""));
  store.transactionEnd(guest, tx3, true);
  assert.is(dec(store.read(guest, 0, "control/shutdown")), "");
});

test("transactions: a node created concurrently conflicts with the transaction's creation", () => {
  const { store, guest, dom0 } = setup();
  const tx = store.transactionStart(guest);
  store.write(guest, tx, "new/leaf", enc("t"));
  store.write(dom0, 0, "/local/domain/1/new", enc("d"));
  assert.is(code(() => store.transactionEnd(guest, tx, true)), "EAGAIN");
});

test("quotas: value size, nodes, watches, transactions, perms (domUs only)", () => {
  const store = new XenStore({ maxNodes: 20, maxWatches: 3, maxTransactions: 2 });
  const dom0 = store.connect(0, () => {});
  const g = store.connect(1, () => {});
  store.write(dom0, 0, "/local/domain/1", enc(""));
  store.setPerms(dom0, 0, "/local/domain/1", [{ dom: 1, perm: "n" }]);
  assert.is(code(() => store.write(g, 0, "big", new Uint8Array(2049))), "E2BIG");
  store.write(g, 0, "ok", new Uint8Array(2048));
  store.write(dom0, 0, "/local/domain/1/dom0big", new Uint8Array(5000));
  let n = 0;
  while (code(() => store.write(g, 0, `n${n}`, enc(""))) === "OK") n++;
  assert.is(code(() => store.write(g, 0, `n${n}`, enc(""))), "ENOSPC");
  assert.is(store.nodeCount, 20);
  store.write(dom0, 0, "/local/domain/1/more", enc("")); // dom0 is not limited
  for (let i = 0; i < 3; i++) store.watch(g, `w${i}`, "t");
  assert.is(code(() => store.watch(g, "w9", "t")), "E2BIG");
  store.transactionStart(g);
  store.transactionStart(g);
  assert.is(code(() => store.transactionStart(g)), "ENOSPC");
  const perms = [{ dom: 1, perm: "n" as const }, ...[2, 3, 4, 5, 6].map((d) => ({ dom: d, perm: "r" as const }))];
  assert.is(code(() => store.setPerms(g, 0, "ok", perms)), "ENOSPC");
  store.setPerms(g, 0, "ok", perms.slice(0, 5));
});

test("directoryPart pages through children with the generation", () => {
  const { store, guest } = setup();
  for (let i = 0; i < 10; i++) store.write(guest, 0, `d/child${i}`, enc(""));
  const all = store.directoryPart(guest, 0, "d", 0, 4096);
  assert.is(all.done, true);
  assert.is(all.names.length, 10);
  const first = store.directoryPart(guest, 0, "d", 0, 20); // "child0\0child1\0" = 14 bytes fits, third does not
  assert.equal(first.names, ["child0", "child1"]);
  assert.is(first.done, false);
  const rest = store.directoryPart(guest, 0, "d", 14, 4096);
  assert.is(rest.names[0], "child2");
  assert.is(rest.gen, all.gen);
  assert.is(code(() => store.directoryPart(guest, 0, "d", 999, 4096)), "EINVAL");
});

test("save/restore round trip keeps values, perms, generations and watches", () => {
  const { store, guest, dom0 } = setup();
  store.write(guest, 0, "a/b", new Uint8Array([0, 1, 255]));
  store.setPerms(guest, 0, "a", [
    { dom: 1, perm: "n" },
    { dom: 0, perm: "r" },
  ]);
  store.watch(guest, "a", "tok");
  const saved = JSON.parse(JSON.stringify(store.save()));
  const events: string[] = [];
  const copy = new XenStore();
  copy.connect(0, () => {});
  const g2 = copy.connect(1, (p) => events.push(p));
  copy.restore(saved);
  assert.equal(copy.read(g2, 0, "a/b"), new Uint8Array([0, 1, 255]));
  assert.equal(copy.getPerms(g2, 0, "a"), store.getPerms(dom0, 0, "/local/domain/1/a"));
  assert.equal(copy.directory(g2, 0, "/local/domain/1"), store.directory(dom0, 0, "/local/domain/1"));
  assert.equal(copy.save(), saved);
  copy.write(g2, 0, "a/c", enc(""));
  assert.equal(events, ["a/c"]);
});

test("paths: default domain tree with QEMU's ownership, shutdown request, PV device pair", () => {
  const store = new XenStore();
  populateDomain(store, {
    domid: 1,
    name: "guest",
    memoryKiB: 524288,
    vcpus: 2,
    store: { port: 1, gfn: 0xfeff9 },
    console: { port: 2, gfn: 0xfeff8 },
  });
  const events: [string, string][] = [];
  const g = store.connect(1, (p, t) => events.push([p, t]));
  const r = (p: string) => dec(store.read(g, 0, p));
  assert.is(r("domid"), "1");
  assert.is(r("name"), "guest");
  assert.is(r("memory/target"), "524288");
  assert.is(r("control/platform-feature-xs_reset_watches"), "1");
  assert.is(r("console/port"), "2");
  assert.is(r("console/ring-ref"), String(0xfeff8));
  assert.is(r("store/ring-ref"), String(0xfeff9));
  assert.is(r("cpu/1/availability"), "online");
  assert.is(code(() => store.write(g, 0, "domid", enc("7"))), "EACCES");
  assert.is(code(() => store.write(g, 0, "memory/target", enc("1"))), "EACCES");
  for (const k of ["control/feature-poweroff", "data/x", "device/vbd", "error/e", "drivers/d", "attr/a", "feature/f"])
    assert.is(code(() => store.write(g, 0, k, enc("1"))), "OK", k);
  assert.is(code(() => store.read(g, 0, "/local/domain/0/name")), "EACCES");

  store.watch(g, "control/shutdown", "sd");
  requestShutdown(store, 1, "poweroff");
  assert.equal(events, [
    ["control/shutdown", "sd"],
    ["control/shutdown", "sd"],
  ]);
  assert.is(r("control/shutdown"), "poweroff");

  const dev = addPvDevice(store, { domid: 1, kind: "vbd", devid: 51712, backend: { "sector-size": "512" } });
  assert.is(dev.frontend, "/local/domain/1/device/vbd/51712");
  assert.is(r("device/vbd/51712/backend"), dev.backend);
  assert.is(r(`${dev.backend}/state`), "1");
  assert.is(r(`${dev.backend}/sector-size`), "512");
  assert.is(code(() => store.write(g, 0, `${dev.backend}/state`, enc("4"))), "EACCES");
  store.write(g, 0, "device/vbd/51712/ring-ref", enc("8"));
  store.write(g, 0, "device/vbd/51712/state", enc("3"));
  const be = store.connect(0, () => {});
  assert.is(dec(store.read(be, 0, `${dev.frontend}/ring-ref`)), "8");
});

test.run();
