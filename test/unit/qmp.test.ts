// QMP (src/machine/qmp.ts) over an in-memory stream, checked against what QEMU 8.2
// sends (docs/interop/qmp-spec.rst, qapi/*.json): the greeting, capabilities
// negotiation, argument checking and error classes, input framing, run states and
// events. Most suites drive a stand-in machine; the last ones a real Machine running
// nullcall.elf, so stop/cont, system_reset and device_add/device_del reach the run
// loop and the Xen PV devices.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { Monitor, JsonSplitter, qmpJson, type MonitorMachine, type MonitorSession } from "../../src/machine/qmp.js";
import type { MachineEvent } from "../../src/machine/machine.js";
import { machineConfig } from "../../src/machine/options.js";
import type { MachineConfig } from "../../src/machine/config.js";
import { MemoryBlock } from "../../src/backends/block/memory.js";
import { createMachine } from "../../src/index.js";

// --- a stand-in machine and a client ------------------------------------------

interface FakeDevice {
  id: string;
  kind: string;
}

class FakeMachine implements MonitorMachine {
  config: MachineConfig;
  paused = false;
  instructions = 0;
  calls: string[] = [];
  listeners: ((e: MachineEvent) => void)[] = [];
  list: FakeDevice[] = [];
  /** Devices whose unplug finishes only when the test says so. */
  slowUnplug = false;
  xenDevices = {
    hotplugDisk: (_b: unknown, vdev?: string, o: { id?: string } = {}) => {
      const d = { id: o.id ?? vdev ?? "xvda", kind: "vbd" };
      this.list.push(d);
      this.calls.push(`hotplugDisk ${d.id} ${vdev ?? "-"}`);
      return d as never;
    },
    hotplugNic: (b: unknown, mac?: unknown, o: { id?: string; idx?: number } = {}) => {
      const d = { id: o.id ?? `vif${o.idx ?? 0}`, kind: "vif" };
      this.list.push(d);
      this.calls.push(`hotplugNic ${d.id} ${b === null ? "nocable" : b} ${mac ?? "-"}`);
      return d as never;
    },
    unplug: (id: string) => {
      this.calls.push(`unplug ${id}`);
      if (!this.slowUnplug) this.list = this.list.filter((d) => d.id !== id);
      return true;
    },
    get: (id: string) => this.list.find((d) => d.id === id) as never,
    get devices() {
      return [] as never;
    },
  };
  pci = {
    pvOpeners: () => ({
      block: (d: { id: string }) => `block:${d.id}` as never,
      net: (id: string | undefined) => `net:${id}` as never,
    }),
  };
  constructor(over: Partial<MachineConfig> = {}) {
    this.config = machineConfig({ kernel: new Uint8Array(0), name: "g0", ...over });
  }
  pause() {
    this.paused = true;
    this.calls.push("pause");
  }
  resume() {
    this.paused = false;
    this.calls.push("resume");
  }
  stop() {
    this.calls.push("stop");
  }
  hardReset() {
    this.calls.push("hardReset");
  }
  requestShutdown(kind: string) {
    this.calls.push(`requestShutdown ${kind}`);
  }
  onEvent(l: (e: MachineEvent) => void) {
    this.listeners.push(l);
  }
  dump() {
    return "rax=0000000000000000";
  }
  emit(e: MachineEvent) {
    for (const l of this.listeners) l(e);
  }
}

/** A client on an in-memory stream: what the server sent, split into lines. */
class Client {
  raw = "";
  session: MonitorSession;
  constructor(monitor: Monitor, opts: { pretty?: boolean } = {}) {
    this.session = monitor.openQmp((t) => (this.raw += t), opts);
  }
  get lines(): string[] {
    return this.raw.split("\r\n").filter((l) => l !== "");
  }
  get messages(): Record<string, any>[] {
    return this.lines.map((l) => JSON.parse(l));
  }
  /** Sends one command; returns what came back for it (events included). */
  send(obj: unknown): Record<string, any>[] {
    const before = this.messages.length;
    this.session.receive(typeof obj === "string" ? obj : JSON.stringify(obj) + "\n");
    return this.messages.slice(before);
  }
  exec(execute: string, args?: object, id?: unknown): Record<string, any> {
    const out = this.send({ execute, ...(args ? { arguments: args } : {}), ...(id !== undefined ? { id } : {}) });
    const r = out.find((m) => "return" in m || "error" in m);
    if (!r) throw new Error(`no answer to ${execute}: ${JSON.stringify(out)}`);
    return r;
  }
  events(): Record<string, any>[] {
    return this.messages.filter((m) => "event" in m);
  }
}

const NOW_MS = 1_700_000_000_123.456;

function setup(over: Partial<MachineConfig> = {}, opts: { quit?: () => void } = {}) {
  const m = new FakeMachine(over);
  const monitor = new Monitor(m, { version: "9.9.9", threadId: 4242, now: () => NOW_MS, ...opts });
  const c = new Client(monitor);
  return { m, monitor, c };
}

function ready(over: Partial<MachineConfig> = {}, opts: { quit?: () => void } = {}) {
  const s = setup(over, opts);
  assert.equal(s.c.exec("qmp_capabilities"), { return: {} });
  return s;
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

// --- greeting, negotiation, framing -----------------------------------------

test("greeting: QEMU 8.2.0's shape, xpvh's package, no capabilities; CRLF-ended with QEMU's spacing", () => {
  const { c } = setup();
  assert.is(c.raw, '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 8}, "package": "xpvh 9.9.9"}, "capabilities": []}}\r\n');
});

test("negotiation: commands before qmp_capabilities are CommandNotFound; a second negotiation too", () => {
  const { c } = setup();
  assert.equal(c.exec("query-status", undefined, 5), {
    error: { class: "CommandNotFound", desc: "Expecting capabilities negotiation with 'qmp_capabilities'" },
    id: 5,
  });
  assert.equal(c.exec("qmp_capabilities", undefined, "neg"), { return: {}, id: "neg" });
  assert.equal(c.exec("qmp_capabilities"), {
    error: { class: "CommandNotFound", desc: "Capabilities negotiation is already complete, command ignored" },
  });
  assert.equal(c.exec("query-status"), { return: { status: "running", running: true } });
});

test("negotiation: asking for oob (not offered) fails and leaves the session unnegotiated", () => {
  const { c } = setup();
  assert.equal(c.exec("qmp_capabilities", { enable: ["oob"] }), { error: { class: "GenericError", desc: "Capability 'oob' not available" } });
  assert.is(c.exec("query-name").error.class, "CommandNotFound");
});

test("ids of any JSON type are echoed, on answers and on errors", () => {
  const { c } = ready();
  for (const id of [1, "x", { a: [1, 2] }, null, [3]]) {
    assert.equal(c.exec("query-name", undefined, id).id, id);
    assert.equal(c.exec("no-such-command", undefined, id).id, id);
  }
});

test("malformed input: QEMU's messages, and the session goes on", () => {
  const { c } = ready();
  const err = (desc: string) => ({ error: { class: "GenericError", desc } });
  assert.equal(c.send("42\n"), [err("QMP input must be a JSON object")]);
  assert.equal(c.send("[1, 2]\n"), [err("QMP input must be a JSON object")]);
  assert.equal(c.send("nonsense\n"), [err("JSON parse error, invalid keyword 'nonsense'")]);
  assert.equal(c.send({ arguments: {} }), [err("QMP input lacks member 'execute'")]);
  assert.equal(c.send({ execute: 1 }), [err("QMP input member 'execute' must be a string")]);
  assert.equal(c.send({ execute: "stop", arguments: [1] }), [err("QMP input member 'arguments' must be an object")]);
  assert.equal(c.send({ execute: "stop", extra: 1, id: 9 }), [{ ...err("QMP input member 'extra' is unexpected"), id: 9 }]);
  const bad = c.send('{"execute": "stop",}\n');
  assert.is(bad.length, 1);
  assert.match(bad[0].error.desc, /^JSON parse error, /);
  assert.equal(c.exec("no-such"), { error: { class: "CommandNotFound", desc: "The command no-such has not been found" } });
  assert.equal(c.exec("query-status"), { return: { status: "running", running: true } });
});

test("arguments: missing, unexpected and wrongly typed parameters", () => {
  const { c } = ready();
  const err = (desc: string) => ({ error: { class: "GenericError", desc } });
  assert.equal(c.exec("device_del"), err("Parameter 'id' is missing"));
  assert.equal(c.exec("device_del", { id: 3 }), err("Invalid parameter type for 'id', expected: string"));
  assert.equal(c.exec("query-status", { verbose: true }), err("Parameter 'verbose' is unexpected"));
  assert.equal(c.exec("human-monitor-command", { "command-line": "info name", "cpu-index": "0" }), err("Invalid parameter type for 'cpu-index', expected: integer"));
});

test("framing: objects split anywhere, several per chunk, no newline needed, strings with braces", () => {
  const { c } = ready();
  const text = '{"execute": "query-name", "id": "a{b}\\"c"}{"execute":"query-target","id":2}  \n {"execute": "query-uuid"}';
  for (let i = 0; i < text.length; i++) c.session.receive(text[i]);
  const answers = c.messages.slice(-3);
  assert.equal(answers, [
    { return: { name: "g0" }, id: 'a{b}"c' },
    { return: { arch: "x86_64" }, id: 2 },
    { return: { UUID: "00000000-0000-0000-0000-000000000000" } },
  ]);
});

test("framing: UTF-8 split across chunks; non-ASCII is escaped in the output", () => {
  const { c } = ready();
  const bytes = new TextEncoder().encode('{"execute": "query-name", "id": "ĝü€"}');
  for (let i = 0; i < bytes.length; i++) c.session.receive(bytes.subarray(i, i + 1));
  assert.ok(c.raw.endsWith('{"return": {"name": "g0"}, "id": "\\u011d\\u00fc\\u20ac"}\r\n'));
});

test("framing: an object that never ends is dropped past 1 MiB with an error", () => {
  const s = new JsonSplitter();
  const got: (string | null)[] = [];
  const errors: string[] = [];
  s.feed('{"execute": "' + "x".repeat(1 << 20), (t, e) => (t === null ? errors.push(e!) : got.push(t)));
  assert.equal(errors, ["JSON parse error, input too large"]);
  s.feed('{"execute": "stop"}', (t) => got.push(t));
  assert.equal(got, ['{"execute": "stop"}']);
});

test("framing: nesting deeper than QEMU's 1024 is refused", () => {
  const s = new JsonSplitter();
  const errors: string[] = [];
  s.feed("[".repeat(2000), (_t, e) => errors.push(e!));
  assert.equal(errors, ["JSON parse error, nesting too deep"]);
});

test("pretty=on: QEMU's 4-space layout", () => {
  assert.is(qmpJson({ a: [1, { b: true }], c: {} }, true), '{\n    "a": [\n        1,\n        {\n            "b": true\n        }\n    ],\n    "c": {}\n}');
  const m = new FakeMachine();
  const monitor = new Monitor(m, { version: "1" });
  const c = new Client(monitor, { pretty: true });
  c.raw = "";
  c.session.receive('{"execute": "qmp_capabilities"}');
  assert.is(c.raw, '{\n    "return": {}\n}\r\n');
});

// --- queries ------------------------------------------------------------------

test("query-version, query-name (empty without -name), query-commands, query-cpus-fast", () => {
  const { c } = ready();
  assert.equal(c.exec("query-version").return, { qemu: { micro: 0, minor: 2, major: 8 }, package: "xpvh 9.9.9" });
  assert.equal(c.exec("query-name").return, { name: "g0" });
  const names = (c.exec("query-commands").return as { name: string }[]).map((x) => x.name);
  for (const n of ["qmp_capabilities", "query-status", "stop", "cont", "quit", "system_powerdown", "system_reset", "device_add", "device_del", "human-monitor-command", "query-cpus-fast"])
    assert.ok(names.includes(n), n);
  assert.equal(c.exec("query-cpus-fast").return, [
    { "thread-id": 4242, props: { "core-id": 0, "thread-id": 0, "socket-id": 0 }, "qom-path": "/machine/unattached/device[0]", "cpu-index": 0, target: "x86_64" },
  ]);
  const anon = ready({ name: "" });
  assert.equal(anon.c.exec("query-name").return, {});
});

test("-smp 3: query-cpus-fast and info cpus list three vCPUs", () => {
  const { c } = ready({ smp: 3 });
  const cpus = c.exec("query-cpus-fast").return as { "cpu-index": number; "qom-path": string }[];
  assert.equal(cpus.map((x) => x["cpu-index"]), [0, 1, 2]);
  assert.is(cpus[2]["qom-path"], "/machine/unattached/device[2]");
  const hmp = c.exec("human-monitor-command", { "command-line": "info cpus" }).return as string;
  assert.is(hmp, "* CPU #0: thread_id=4242\n  CPU #1: thread_id=4242\n  CPU #2: thread_id=4242\n");
});

// --- run state and events -----------------------------------------------------

test("stop/cont: paused ↔ running, STOP and RESUME with timestamps; repeats are quiet", () => {
  const { c, m } = ready();
  const r = c.send({ execute: "stop", id: 1 });
  assert.equal(r, [{ event: "STOP", timestamp: { seconds: 1_700_000_000, microseconds: 123_456 } }, { return: {}, id: 1 }]);
  assert.equal(c.exec("query-status").return, { status: "paused", running: false });
  assert.equal(c.send({ execute: "stop" }), [{ return: {} }]);
  assert.equal(c.send({ execute: "cont" }).map((x) => x.event ?? "return"), ["RESUME", "return"]);
  assert.equal(c.send({ execute: "cont" }), [{ return: {} }]);
  assert.equal(c.exec("query-status").return, { status: "running", running: true });
  assert.equal(m.calls, ["pause", "resume"]);
});

test("-S: prelaunch (also after a stop) until cont", () => {
  const m = new FakeMachine();
  m.paused = true;
  const monitor = new Monitor(m, { version: "1", prelaunch: true });
  const c = new Client(monitor);
  c.exec("qmp_capabilities");
  assert.equal(c.exec("query-status").return, { status: "prelaunch", running: false });
  assert.equal(c.exec("human-monitor-command", { "command-line": "info status" }).return, "VM status: paused (prelaunch)\n");
  c.exec("stop");
  assert.is(c.exec("query-status").return.status, "prelaunch");
  c.exec("cont");
  assert.equal(c.exec("query-status").return, { status: "running", running: true });
  c.exec("stop");
  assert.is(c.exec("query-status").return.status, "paused");
  assert.equal(c.events().map((e) => e.event), ["RESUME", "STOP"]);
});

test("events reach only negotiated sessions, and every one of them", () => {
  const { monitor, c } = ready();
  const other = new Client(monitor);
  const late = new Client(monitor);
  other.exec("qmp_capabilities");
  c.exec("stop");
  assert.equal(other.events().map((e) => e.event), ["STOP"]);
  assert.equal(late.events(), []);
  other.session.close();
  c.exec("cont");
  assert.equal(other.events().map((e) => e.event), ["STOP"]);
});

test("system_powerdown: the guest is asked, POWERDOWN after the answer; its poweroff is SHUTDOWN guest-shutdown", async () => {
  const { c, m } = ready();
  assert.equal(c.send({ execute: "system_powerdown" }), [{ return: {} }]);
  await tick();
  assert.equal(c.events().map((x) => x.event), ["POWERDOWN"]);
  assert.equal(m.calls, ["requestShutdown poweroff"]);
  m.emit({ type: "shutdown", kind: "poweroff" });
  assert.equal(c.events().slice(-1)[0].data, { guest: true, reason: "guest-shutdown" });
  assert.equal(c.exec("query-status").return, { status: "shutdown", running: false });
});

test("-no-shutdown: after the guest's poweroff, SHUTDOWN then STOP; QMP still answers; cont and system_reset refuse", () => {
  const { c, m } = ready({ noShutdown: true });
  m.emit({ type: "shutdown", kind: "poweroff" });
  assert.equal(c.events().map((e) => [e.event, e.data]), [
    ["SHUTDOWN", { guest: true, reason: "guest-shutdown" }],
    ["STOP", undefined],
  ]);
  assert.equal(c.exec("query-status").return, { status: "shutdown", running: false });
  assert.equal(c.exec("cont"), { error: { class: "GenericError", desc: "Resetting the Virtual Machine is required" } });
  assert.is(c.exec("system_reset").error.class, "GenericError");
  assert.equal(c.exec("stop"), { return: {} });
  assert.equal(c.exec("human-monitor-command", { "command-line": "info status" }).return, "VM status: paused (shutdown)\n");
});

test("how runs end: SHUTDOWN reasons, GUEST_PANICKED, and the run state", () => {
  const cases: [string, string[], string][] = [
    ["reboot", ["SHUTDOWN guest-reset"], "shutdown"],
    ["triple-fault", ["SHUTDOWN guest-reset"], "shutdown"],
    ["crash", ["GUEST_PANICKED", "SHUTDOWN guest-panic"], "guest-panicked"],
    ["stopped", ["SHUTDOWN host-signal"], "shutdown"],
    ["dead", ["STOP"], "internal-error"],
    ["out-of-memory", ["STOP"], "internal-error"],
  ];
  for (const [kind, events, status] of cases) {
    const { c, m } = ready();
    m.emit({ type: "shutdown", kind: kind as never });
    assert.equal(c.events().map((e) => e.event + (e.data?.reason ? " " + e.data.reason : "")), events, kind);
    assert.is(c.exec("query-status").return.status, status, kind);
  }
});

test("system_reset: a hard reset; RESET says who asked", () => {
  const { c, m } = ready();
  assert.equal(c.exec("system_reset"), { return: {} });
  assert.equal(m.calls, ["hardReset"]);
  m.emit({ type: "reset", guest: false });
  m.emit({ type: "reset", guest: true });
  assert.equal(c.events().map((e) => e.data), [
    { guest: false, reason: "host-qmp-system-reset" },
    { guest: true, reason: "guest-reset" },
  ]);
});

test("quit: the answer, then SHUTDOWN host-qmp-quit, then the host's quit; the machine's own stop is not reported again", async () => {
  let quits = 0;
  const { c, m } = ready({}, { quit: () => quits++ });
  assert.equal(c.send({ execute: "quit", id: "q" }), [{ return: {}, id: "q" }]);
  await tick();
  assert.is(quits, 1);
  m.emit({ type: "shutdown", kind: "stopped" });
  assert.equal(c.events().map((e) => [e.event, e.data]), [["SHUTDOWN", { guest: false, reason: "host-qmp-quit" }]]);
});

test("quit without a host hook stops the machine", async () => {
  const { c, m } = ready();
  c.exec("quit");
  await tick();
  assert.equal(m.calls, ["stop"]);
});

// --- devices ------------------------------------------------------------------

const DRIVES: Partial<MachineConfig> = {
  drives: [
    { id: "d1", interface: "none", format: "raw", readonly: false, data: new Uint8Array(512) },
    { id: "dv", interface: "virtio", format: "raw", readonly: false, data: new Uint8Array(512) },
    { id: "d2", interface: "none", format: "raw", readonly: true, data: new Uint8Array(512) },
  ],
  devices: [{ driver: "virtio-blk-pci", options: { drive: "d2", id: "vblk" } }],
  netdevs: [{ id: "n1", type: "user", options: {} }],
  nodefaults: true,
};

test("device_add xen-disk / xen-net-device: the drive and netdev are opened and hot-plugged", () => {
  const { c, m } = ready(DRIVES);
  assert.equal(c.exec("device_add", { driver: "xen-disk", drive: "d1", vdev: "xvdb", id: "disk1" }), { return: {} });
  assert.equal(c.exec("device_add", { driver: "xen-net-device", netdev: "n1", mac: "52:54:00:00:00:09", id: "nic1" }), { return: {} });
  assert.equal(c.exec("device_add", { driver: "xen-net-device", idx: 3 }), { return: {} });
  assert.equal(m.calls, ["hotplugDisk disk1 xvdb", "hotplugNic nic1 net:n1 52:54:00:00:00:09", "hotplugNic vif3 nocable -"]);
});

test("device_add: QEMU's errors for bad drivers, properties, drives and netdevs", () => {
  const { c } = ready(DRIVES);
  const desc = (args: object) => c.exec("device_add", args).error?.desc;
  assert.is(desc({ driver: "e1000" }), "'e1000' is not a valid device model name");
  assert.match(desc({ driver: "virtio-blk-pci", drive: "d1" }), "does not support hotplugging");
  assert.is(desc({ driver: "xen-disk", drive: "d1", size: 3 }), "Property 'xen-disk.size' not found");
  assert.is(desc({ driver: "xen-disk" }), "Property 'xen-disk.drive' is required");
  assert.is(desc({ driver: "xen-disk", drive: "nope" }), "Property 'xen-disk.drive' can't find value 'nope'");
  assert.is(desc({ driver: "xen-disk", drive: "dv" }), "Property 'xen-disk.drive' can't take value 'dv', it's in use");
  assert.is(desc({ driver: "xen-disk", drive: "d2" }), "Property 'xen-disk.drive' can't take value 'd2', it's in use");
  assert.is(desc({ driver: "xen-disk", drive: "d1", id: "vblk" }), "Duplicate device ID 'vblk'");
  assert.is(desc({ driver: "xen-net-device", netdev: "n9" }), "Property 'xen-net-device.netdev' can't find value 'n9'");
  assert.is(c.exec("device_add", { driver: "xen-disk", drive: "d1", id: "x1" }).return !== undefined, true);
  assert.is(desc({ driver: "xen-disk", drive: "d1", id: "x2" }), "Property 'xen-disk.drive' can't take value 'd1', it's in use");
  // Without -nodefaults every unused netdev already has the default Xen NIC.
  const { c: c2 } = ready({ ...DRIVES, nodefaults: false });
  assert.is(c2.exec("device_add", { driver: "xen-net-device", netdev: "n1" }).error.desc, "Property 'xen-net-device.netdev' can't take value 'n1', it's in use");
});

test("device_del: DeviceNotFound for unknown ids; DEVICE_DELETED once the frontend let go; the drive is free again", async () => {
  const { c, m } = ready(DRIVES);
  assert.equal(c.exec("device_del", { id: "nope" }), { error: { class: "DeviceNotFound", desc: "Device 'nope' not found" } });
  c.exec("device_add", { driver: "xen-disk", drive: "d1", id: "disk1" });
  m.slowUnplug = true;
  assert.equal(c.exec("device_del", { id: "disk1" }), { return: {} });
  assert.match(c.exec("device_del", { id: "disk1" }).error.desc, "already in the process of unplug");
  assert.equal(c.events(), []);
  m.list = [];
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(c.events().map((e) => [e.event, e.data]), [["DEVICE_DELETED", { device: "disk1", path: "/machine/peripheral/disk1" }]]);
  assert.equal(c.exec("device_add", { driver: "xen-disk", drive: "d1", id: "disk2" }), { return: {} });
});

// --- the human monitor ----------------------------------------------------------

test("human-monitor-command: info status/version/name/cpus/registers, stop/cont, errors as text", () => {
  const { c } = ready();
  const hmp = (line: string) => c.exec("human-monitor-command", { "command-line": line }).return;
  assert.is(hmp("info status"), "VM status: running\n");
  assert.is(hmp("info version"), "8.2.0 (xpvh 9.9.9)\n");
  assert.is(hmp("info name"), "g0\n");
  assert.is(hmp("info cpus"), "* CPU #0: thread_id=4242\n");
  assert.match(hmp("info registers"), "rax=");
  assert.is(hmp("stop"), "");
  assert.is(hmp("info status"), "VM status: paused\n");
  assert.is(hmp("c"), "");
  assert.is(hmp("info status"), "VM status: running\n");
  assert.is(hmp("frobnicate"), "unknown command: 'frobnicate'\n");
  assert.is(hmp("info nothing"), "unknown info command: 'nothing'\n");
  assert.is(hmp("device_del ghost"), "Error: Device 'ghost' not found\n");
  assert.match(hmp("help"), "system_powerdown");
});

test("readline monitor: banner, prompt, one command per line (CR, LF or CRLF); echo for a raw terminal", () => {
  const m = new FakeMachine();
  const monitor = new Monitor(m, { version: "9.9.9" });
  let out = "";
  const s = monitor.openHmp((t) => (out += t));
  assert.is(out, "xpvh 9.9.9 monitor - type 'help' for more information\r\n(qemu) ");
  out = "";
  s.receive("info status\r\ninfo name\n");
  assert.is(out, "VM status: running\r\n(qemu) g0\r\n(qemu) ");
  let echoed = "";
  const e = monitor.openHmp((t) => (echoed += t), { echo: true });
  echoed = "";
  e.receive("stoq\x7fp\r");
  assert.is(echoed, "stoq\b \bp\r\n(qemu) ");
  assert.ok(m.paused);
});

// --- a real machine --------------------------------------------------------------

async function nullcallMachine(extra: object = {}) {
  const m = await createMachine({ kernel: readFileSync("test/guests/nullcall.elf"), kernelName: "nullcall.elf", cmdline: "count=1000000000", memoryBytes: 32 << 20, ...extra });
  let out = "";
  m.onConsole((b) => (out += new TextDecoder().decode(b)));
  const monitor = new Monitor(m, { version: "t" });
  const c = new Client(monitor);
  c.exec("qmp_capabilities");
  return { m, c, console: () => out };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("real machine: stop holds the vCPU (no instructions retire), cont lets it go on; quit ends the run", async () => {
  const { m, c } = await nullcallMachine();
  const run = m.run();
  await sleep(200);
  c.exec("stop");
  await sleep(100);
  const held = m.instructions;
  await sleep(200);
  assert.is(m.instructions, held);
  assert.equal(c.exec("query-status").return, { status: "paused", running: false });
  c.exec("cont");
  await sleep(200);
  assert.ok(m.instructions > held);
  c.exec("quit");
  const exit = await run;
  assert.is(exit.kind, "stopped");
  assert.equal(c.events().map((e) => e.event), ["STOP", "RESUME", "SHUTDOWN"]);
  assert.equal(c.events()[2].data, { guest: false, reason: "host-qmp-quit" });
});

test("real machine: system_reset restarts the guest (RESET, the guest prints its banner again), also while paused", async () => {
  const { m, c, console } = await nullcallMachine();
  const run = m.run();
  await sleep(150);
  c.exec("stop");
  c.exec("system_reset");
  await sleep(150);
  assert.equal(c.events().map((e) => e.event), ["STOP", "RESET"]);
  assert.is(c.exec("query-status").return.status, "paused");
  c.exec("cont");
  await sleep(150);
  assert.is(console().split("nullcall: xen_version x 1000000000").length - 1, 2);
  m.stop();
  await run;
});

test("real machine: device_add/device_del of a xen-disk publish and remove the xenstore device", async () => {
  const drive = { id: "d1", interface: "none" as const, format: "raw" as const, readonly: false, backend: new MemoryBlock(new Uint8Array(1 << 20), false) };
  const { m, c } = await nullcallMachine({ drives: [drive], nodefaults: true });
  const run = m.run();
  await sleep(50);
  assert.equal(c.exec("device_add", { driver: "xen-disk", drive: "d1", vdev: "xvdc", id: "hd" }), { return: {} });
  const d = m.xenDevices.get("hd")!;
  assert.is(d.kind, "vbd");
  assert.is(d.vdev, "xvdc");
  assert.equal(c.exec("device_add", { driver: "xen-net-device", id: "nic" }), { return: {} });
  assert.is(m.xenDevices.get("nic")!.kind, "vif");
  // No frontend ever connected, so the unplug completes at once.
  c.exec("device_del", { id: "hd" });
  await sleep(50);
  assert.is(m.xenDevices.get("hd"), undefined);
  assert.equal(c.events().map((e) => e.data?.device), ["hd"]);
  m.stop();
  await run;
});

test.run();
