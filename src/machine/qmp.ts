// The machine's monitor: QMP (the QEMU Machine Protocol, `-mon mode=control`) as
// QEMU 8.2 speaks it, and the human monitor (`-mon mode=readline`) on the same
// commands. Platform neutral: a transport (src/cli/monitor.ts in Node) opens a
// session with a function that sends text, feeds it the bytes it receives, and
// closes it when the peer goes.
//
// The wire (QEMU's docs/interop/qmp-spec.rst):
//   server → {"QMP": {"version": {...}, "capabilities": []}}       on connect
//   client → {"execute": "qmp_capabilities"}                        first, always
//   client → {"execute": "query-status", "id": 7}
//   server → {"return": {"status": "running", "running": true}, "id": 7}
//   server → {"error": {"class": "GenericError", "desc": "..."}, "id": 7}
//   server → {"event": "STOP", "data": {...}, "timestamp": {"seconds": s, "microseconds": us}}
// Input is a stream of JSON objects (whitespace between them optional); output is
// one object per line ending in CRLF, with QEMU's `", "` / `": "` spacing.
//
// Run states (query-status): running, paused (stop), and once the run has ended
// shutdown / guest-panicked / watchdog / internal-error. A run that ended stays
// answerable as long as the host keeps the process (-no-shutdown).
import type { MachineConfig } from "./config.js";
import type { ExitKind } from "./exit.js";
import type { MachineEvent } from "./machine.js";
import type { XenPvDevices } from "../xen/backends/pv_devices.js";
import type { XenPvOpeners } from "../xen/backends/pv_devices.js";

/** The QEMU release whose QMP this is. */
export const QMP_QEMU_VERSION = { micro: 0, minor: 2, major: 8 } as const;
/** Input held while waiting for the end of one JSON object. */
const MAX_MESSAGE_BYTES = 1 << 20;
/** Nesting QEMU's JSON parser accepts (MAX_NESTING in qobject/json-streamer.c). */
const MAX_NESTING = 1024;
/** How often a pending device_del is checked for completion (ms). */
const UNPLUG_POLL_MS = 100;

/** What a monitor drives: a Machine, or a stand-in in tests. */
export interface MonitorMachine {
  readonly config: MachineConfig;
  readonly paused: boolean;
  readonly instructions: number;
  readonly xenDevices: Pick<XenPvDevices, "hotplugDisk" | "hotplugNic" | "unplug" | "get" | "devices">;
  readonly pci: { pvOpeners(config: MachineConfig): XenPvOpeners };
  pause(): void;
  resume(): void;
  stop(): void;
  hardReset(): void;
  requestShutdown(kind: "poweroff" | "reboot"): void;
  onEvent(listener: (e: MachineEvent) => void): void;
  dump(): string;
}

export interface MonitorOptions {
  /** xpvh's version, for query-version's "package". */
  version: string;
  /** `quit`: end the process. Without it, quit only stops the machine. */
  quit?: () => void;
  /** The host thread that runs the vCPU (query-cpus-fast); the process id in Node. */
  threadId?: number;
  /** Unix time in ms for event timestamps. */
  now?: () => number;
  /** The machine was paused before it ever ran (-S): "prelaunch" until `cont`. */
  prelaunch?: boolean;
}

export type RunState = "prelaunch" | "running" | "paused" | "shutdown" | "guest-panicked" | "watchdog" | "internal-error";

/** A QMP error: `cls` is QEMU's ErrorClass. */
export class QmpError extends Error {
  constructor(
    message: string,
    readonly cls: "GenericError" | "CommandNotFound" | "DeviceNotFound" | "DeviceNotActive" = "GenericError",
  ) {
    super(message);
  }
}

/** One monitor connection. */
export interface MonitorSession {
  /** Bytes from the peer. */
  receive(bytes: Uint8Array | string): void;
  /** The peer went away: no more output. */
  close(): void;
}

// ---------------------------------------------------------------------------
// JSON the way QEMU writes it (qobject/qjson.c): ", " and ": " separators,
// everything outside printable ASCII escaped as \uXXXX; pretty = 4-space indent.

export function qmpJson(value: unknown, pretty = false, indent = ""): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  if (typeof value === "number" || typeof value === "boolean") return JSON.stringify(value);
  const inner = indent + "    ";
  const open = pretty ? "\n" + inner : "";
  const sep = pretty ? ",\n" + inner : ", ";
  const close = pretty ? "\n" + indent : "";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return "[" + open + value.map((v) => qmpJson(v, pretty, inner)).join(sep) + close + "]";
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  return "{" + open + entries.map(([k, v]) => qmpJson(k) + ": " + qmpJson(v, pretty, inner)).join(sep) + close + "}";
}

// ---------------------------------------------------------------------------
// Splitting the input stream into JSON texts (QEMU's json-streamer): a top-level
// object or array ends when its brackets balance outside strings.

export class JsonSplitter {
  private text = "";
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Characters of `text` already scanned. */
  private scanned = 0;
  private readonly decoder = new TextDecoder();

  /** Feeds input; `out` gets each complete JSON text, or a parse error message. */
  feed(input: Uint8Array | string, out: (text: string | null, error?: string) => void): void {
    this.text += typeof input === "string" ? input : this.decoder.decode(input, { stream: true });
    for (; this.scanned < this.text.length; this.scanned++) {
      const c = this.text[this.scanned];
      if (this.depth === 0) {
        if (c === " " || c === "\t" || c === "\r" || c === "\n") continue;
        if (c === "{" || c === "[") {
          this.text = this.text.slice(this.scanned);
          this.scanned = 0;
          this.depth = 1;
          continue;
        }
        // Something outside an object: a token up to the next separator. One that
        // reaches the end of the input may go on in the next chunk (unless long).
        const rest = this.text.slice(this.scanned);
        const m = /^[^\s{[]+/.exec(rest)!;
        if (m[0].length === rest.length && rest.length < 64) return this.keep(rest);
        this.text = rest.slice(m[0].length);
        this.scanned = -1;
        out(null, isJsonScalar(m[0]) ? "QMP input must be a JSON object" : `JSON parse error, invalid keyword '${m[0].slice(0, 32)}'`);
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === "\\") this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === "{" || c === "[") {
        if (++this.depth > MAX_NESTING) {
          this.reset();
          out(null, "JSON parse error, nesting too deep");
          return;
        }
      } else if (c === "}" || c === "]") {
        if (--this.depth === 0) {
          const one = this.text.slice(0, this.scanned + 1);
          this.text = this.text.slice(this.scanned + 1);
          this.scanned = -1;
          out(one);
        }
      }
    }
    if (this.depth > 0 && this.text.length > MAX_MESSAGE_BYTES) {
      this.reset();
      out(null, "JSON parse error, input too large");
    }
  }

  private keep(rest: string): void {
    this.text = rest;
    this.scanned = 0;
  }

  private reset(): void {
    this.text = "";
    this.scanned = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }
}

function isJsonScalar(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Commands.

type ArgType = "str" | "bool" | "int" | "strlist";
interface Arg {
  type: ArgType;
  optional?: boolean;
}
interface Command {
  args: Record<string, Arg>;
  /** Other arguments are passed through (device_add's device properties). */
  open?: boolean;
  run(m: Monitor, args: Record<string, unknown>): unknown;
}

const TYPE_NAMES: Record<ArgType, string> = { str: "string", bool: "boolean", int: "integer", strlist: "array" };

function hasType(v: unknown, t: ArgType): boolean {
  switch (t) {
    case "str":
      return typeof v === "string";
    case "bool":
      return typeof v === "boolean";
    case "int":
      return typeof v === "number" && Number.isInteger(v);
    case "strlist":
      return Array.isArray(v) && v.every((x) => typeof x === "string");
  }
}

const opt = (type: ArgType): Arg => ({ type, optional: true });
const req = (type: ArgType): Arg => ({ type });

const COMMANDS: Record<string, Command> = {
  qmp_capabilities: { args: { enable: opt("strlist") }, run: () => ({}) }, // handled by the session
  "query-version": { args: {}, run: (m) => m.version() },
  "query-status": { args: {}, run: (m) => ({ status: m.status(), running: m.status() === "running" }) },
  "query-name": { args: {}, run: (m) => (m.machine.config.name ? { name: m.machine.config.name } : {}) },
  "query-uuid": { args: {}, run: () => ({ UUID: "00000000-0000-0000-0000-000000000000" }) },
  "query-target": { args: {}, run: () => ({ arch: "x86_64" }) },
  "query-commands": { args: {}, run: () => Object.keys(COMMANDS).map((name) => ({ name })) },
  "query-cpus-fast": { args: {}, run: (m) => m.cpus() },
  stop: { args: {}, run: (m) => (m.stop(), {}) },
  cont: { args: {}, run: (m) => (m.cont(), {}) },
  system_powerdown: { args: {}, run: (m) => (m.powerdown(), {}) },
  system_reset: { args: {}, run: (m) => (m.reset(), {}) },
  quit: { args: {}, run: (m) => (m.quitRequested(), {}) },
  device_add: { args: { driver: req("str"), id: opt("str"), bus: opt("str") }, open: true, run: (m, a) => (m.deviceAdd(a), {}) },
  device_del: { args: { id: req("str") }, run: (m, a) => (m.deviceDel(a.id as string), {}) },
  "human-monitor-command": {
    args: { "command-line": req("str"), "cpu-index": opt("int") },
    run: (m, a) => m.human(a["command-line"] as string),
  },
};

// ---------------------------------------------------------------------------
// The monitor: the commands' effects on the machine, the run state, and events
// for every open QMP session.

interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
}

export class Monitor {
  private ended: ExitKind | null = null;
  private quitting = false;
  private prelaunch: boolean;
  private readonly sessions = new Set<QmpSession>();
  /** What device_add took (drive and netdev ids), by device id. */
  private readonly hotplugged = new Map<string, { drive?: string; netdev?: string }>();
  /** Netdevs whose backend was closed with an unplugged NIC. */
  private readonly spentNetdevs = new Set<string>();
  private readonly unplugging = new Set<string>();
  private unplugTimer: ReturnType<typeof setInterval> | null = null;

  constructor(readonly machine: MonitorMachine, private readonly opts: MonitorOptions) {
    this.prelaunch = !!opts.prelaunch && machine.paused;
    machine.onEvent((e) => this.machineEvent(e));
  }

  /** A QMP connection: the greeting goes out at once. */
  openQmp(send: (text: string) => void, opts: { pretty?: boolean } = {}): MonitorSession {
    const s = new QmpSession(this, send, !!opts.pretty, () => this.sessions.delete(s));
    this.sessions.add(s);
    s.greet();
    return s;
  }

  /** A human-monitor connection; `echo` repeats typed characters (a raw terminal). */
  openHmp(send: (text: string) => void, opts: { echo?: boolean } = {}): MonitorSession {
    return new HmpSession(this, send, !!opts.echo);
  }

  status(): RunState {
    switch (this.ended) {
      case null:
        if (!this.machine.paused) return "running";
        return this.prelaunch ? "prelaunch" : "paused";
      case "crash":
        return "guest-panicked";
      case "watchdog":
        return "watchdog";
      case "dead":
      case "out-of-memory":
      case "internal-error":
        return "internal-error";
      default:
        return "shutdown";
    }
  }

  version(): { qemu: typeof QMP_QEMU_VERSION; package: string } {
    return { qemu: { ...QMP_QEMU_VERSION }, package: `xpvh ${this.opts.version}` };
  }

  /** One entry per vCPU (all of them run on the one host thread). */
  cpus(): unknown[] {
    return Array.from({ length: this.machine.config.smp }, (_, i) => ({
      "thread-id": this.opts.threadId ?? 0,
      props: { "core-id": 0, "thread-id": 0, "socket-id": i },
      "qom-path": `/machine/unattached/device[${i}]`,
      "cpu-index": i,
      target: "x86_64",
    }));
  }

  stop(): void {
    if (this.ended || this.machine.paused) return;
    this.machine.pause();
    this.broadcast({ event: "STOP" });
  }

  cont(): void {
    if (this.ended) throw new QmpError("Resetting the Virtual Machine is required");
    if (!this.machine.paused) return;
    this.prelaunch = false;
    this.machine.resume();
    this.broadcast({ event: "RESUME" });
  }

  powerdown(): void {
    if (!this.ended) this.machine.requestShutdown("poweroff");
    // After the command's answer, as QEMU's main loop does.
    queueMicrotask(() => this.broadcast({ event: "POWERDOWN" }));
  }

  reset(): void {
    if (this.ended) throw new QmpError("xpvh cannot restart a machine whose run has ended; start xpvh again");
    this.machine.hardReset();
  }

  quitRequested(): void {
    if (this.quitting) return;
    this.quitting = true;
    // After the command's answer, as QEMU's main loop does.
    queueMicrotask(() => {
      this.broadcast({ event: "SHUTDOWN", data: { guest: false, reason: "host-qmp-quit" } });
      if (this.opts.quit) this.opts.quit();
      else this.machine.stop();
    });
  }

  deviceAdd(args: Record<string, unknown>): void {
    if (this.ended) throw new QmpError("the machine's run has ended; devices cannot be added");
    const driver = args.driver as string;
    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries(args)) {
      if (k === "driver" || k === "bus") continue;
      if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean")
        throw new QmpError(`Invalid parameter type for '${k}', expected: string`);
      props[k] = String(v);
    }
    const known: Record<string, string[]> = { "xen-disk": ["id", "drive", "vdev"], "xen-net-device": ["id", "netdev", "mac", "idx"] };
    if (!(driver in known)) {
      if (["virtio-blk-pci", "virtio-net-pci", "virtio-serial-pci", "virtio-blk", "virtio-net", "virtio-serial", "virtconsole", "xen-console"].includes(driver))
        throw new QmpError(`Bus for '${driver}' does not support hotplugging here; xpvh hot-plugs xen-disk and xen-net-device`);
      throw new QmpError(`'${driver}' is not a valid device model name`);
    }
    for (const k of Object.keys(props)) if (!known[driver].includes(k)) throw new QmpError(`Property '${driver}.${k}' not found`);
    const id = props.id;
    if (id !== undefined) {
      if (!/^[A-Za-z][A-Za-z0-9._-]*$/.test(id)) throw new QmpError(`Parameter 'id' expects an identifier`);
      if (this.machine.xenDevices.get(id) || this.machine.config.devices.some((d) => d.options.id === id))
        throw new QmpError(`Duplicate device ID '${id}'`);
    }
    const config = this.machine.config;
    const open = this.machine.pci.pvOpeners(config);
    try {
      if (driver === "xen-disk") {
        if (props.drive === undefined) throw new QmpError("Property 'xen-disk.drive' is required");
        const drive = config.drives.find((d) => d.id === props.drive);
        if (!drive) throw new QmpError(`Property 'xen-disk.drive' can't find value '${props.drive}'`);
        if (drive.interface !== "none" || this.driveInUse(drive.id))
          throw new QmpError(`Property 'xen-disk.drive' can't take value '${drive.id}', it's in use`);
        const d = this.machine.xenDevices.hotplugDisk(open.block(drive), props.vdev, { id, readOnly: drive.readonly });
        this.hotplugged.set(d.id, { drive: drive.id });
      } else {
        const netdev = props.netdev;
        if (netdev !== undefined) {
          if (!config.netdevs.some((n) => n.id === netdev)) throw new QmpError(`Property 'xen-net-device.netdev' can't find value '${netdev}'`);
          if (this.netdevInUse(netdev)) throw new QmpError(`Property 'xen-net-device.netdev' can't take value '${netdev}', it's in use`);
          if (this.spentNetdevs.has(netdev)) throw new QmpError(`netdev '${netdev}' was closed when its device was removed; xpvh cannot reopen it`);
        }
        let idx: number | undefined;
        if (props.idx !== undefined) {
          if (!/^[0-9]{1,5}$/.test(props.idx)) throw new QmpError(`Property 'xen-net-device.idx' expects a small number`);
          idx = Number(props.idx);
        }
        const d = this.machine.xenDevices.hotplugNic(netdev === undefined ? null : open.net(netdev), props.mac, { id, idx });
        this.hotplugged.set(d.id, { netdev });
      }
    } catch (e) {
      if (e instanceof QmpError) throw e;
      throw new QmpError((e as Error).message.replace(/^xpvh: /, ""));
    }
  }

  deviceDel(id: string): void {
    const d = this.machine.xenDevices.get(id);
    if (!d || this.ended) throw new QmpError(`Device '${id}' not found`, "DeviceNotFound");
    if (this.unplugging.has(id)) throw new QmpError(`Device ${id} is already in the process of unplug`);
    this.machine.xenDevices.unplug(id);
    this.unplugging.add(id);
    this.pollUnplugs();
    if (this.unplugging.size > 0 && !this.unplugTimer) {
      this.unplugTimer = setInterval(() => this.pollUnplugs(), UNPLUG_POLL_MS);
      (this.unplugTimer as { unref?: () => void }).unref?.();
    }
  }

  /** A human-monitor command line; the text it prints. */
  human(line: string): string {
    return runHuman(this, line);
  }

  private driveInUse(id: string): boolean {
    if (this.machine.config.devices.some((d) => d.options.drive === id)) return true;
    for (const h of this.hotplugged.values()) if (h.drive === id) return true;
    return false;
  }

  private netdevInUse(id: string): boolean {
    const c = this.machine.config;
    if (c.devices.some((d) => d.options.netdev === id)) return true;
    if (c.netdevs.some((n) => n.type === "hubport" && n.options.netdev === id)) return true;
    if (!c.nodefaults) return true; // every otherwise unused netdev got a default Xen NIC
    for (const h of this.hotplugged.values()) if (h.netdev === id) return true;
    return false;
  }

  private pollUnplugs(): void {
    for (const id of [...this.unplugging]) {
      if (this.machine.xenDevices.get(id) && !this.ended) continue;
      this.unplugging.delete(id);
      const h = this.hotplugged.get(id);
      if (h?.netdev !== undefined) this.spentNetdevs.add(h.netdev);
      this.hotplugged.delete(id);
      if (!this.ended) this.broadcast({ event: "DEVICE_DELETED", data: { device: id, path: `/machine/peripheral/${id}` } });
    }
    if (this.unplugging.size === 0 && this.unplugTimer) {
      clearInterval(this.unplugTimer);
      this.unplugTimer = null;
    }
  }

  private machineEvent(e: MachineEvent): void {
    if (e.type === "reset") {
      this.broadcast({ event: "RESET", data: e.guest ? { guest: true, reason: "guest-reset" } : { guest: false, reason: "host-qmp-system-reset" } });
      return;
    }
    this.ended = e.kind;
    this.pollUnplugs();
    if (this.quitting) return;
    const shutdown = (guest: boolean, reason: string) => this.broadcast({ event: "SHUTDOWN", data: { guest, reason } });
    switch (e.kind) {
      case "poweroff":
      case "suspend":
      case "soft_reset":
        shutdown(true, "guest-shutdown");
        break;
      case "reboot": // -no-reboot
      case "triple-fault":
        shutdown(true, "guest-reset");
        break;
      case "crash":
        this.broadcast({ event: "GUEST_PANICKED", data: { action: "poweroff" } });
        shutdown(true, "guest-panic");
        break;
      case "watchdog":
        this.broadcast({ event: "WATCHDOG", data: { action: "poweroff" } });
        shutdown(true, "guest-shutdown");
        break;
      case "stopped":
        shutdown(false, "host-signal");
        break;
      default: // dead, out-of-memory, internal-error: the vCPU stopped
        this.broadcast({ event: "STOP" });
        return;
    }
    // QEMU with -no-shutdown stops the VM in the "shutdown" state and says so.
    if (this.machine.config.noShutdown) this.broadcast({ event: "STOP" });
  }

  private broadcast(ev: QmpEvent): void {
    const ms = this.opts.now ? this.opts.now() : performance.timeOrigin + performance.now();
    const seconds = Math.floor(ms / 1000);
    const microseconds = Math.min(999_999, Math.round((ms - seconds * 1000) * 1000));
    const msg = { event: ev.event, data: ev.data, timestamp: { seconds, microseconds } };
    for (const s of this.sessions) s.event(msg);
  }
}

// ---------------------------------------------------------------------------
// A QMP session: capabilities negotiation, then commands; events once negotiated.

class QmpSession implements MonitorSession {
  private negotiated = false;
  private closed = false;
  private readonly splitter = new JsonSplitter();

  constructor(
    private readonly monitor: Monitor,
    private readonly send: (text: string) => void,
    private readonly pretty: boolean,
    private readonly onClose: () => void,
  ) {}

  greet(): void {
    this.write({ QMP: { version: this.monitor.version(), capabilities: [] } });
  }

  receive(bytes: Uint8Array | string): void {
    this.splitter.feed(bytes, (text, error) => {
      if (this.closed) return;
      if (text === null) return this.write({ error: { class: "GenericError", desc: error } });
      let req: unknown;
      try {
        req = JSON.parse(text);
      } catch (e) {
        return this.write({ error: { class: "GenericError", desc: `JSON parse error, ${(e as Error).message}` } });
      }
      this.handle(req);
    });
  }

  close(): void {
    this.closed = true;
    this.onClose();
  }

  event(msg: object): void {
    if (this.negotiated && !this.closed) this.write(msg);
  }

  private handle(req: unknown): void {
    if (typeof req !== "object" || req === null || Array.isArray(req))
      return this.write({ error: { class: "GenericError", desc: "QMP input must be a JSON object" } });
    const r = req as Record<string, unknown>;
    const id = r.id;
    const fail = (desc: string, cls: QmpError["cls"] = "GenericError") => this.write({ error: { class: cls, desc }, id });
    for (const key of Object.keys(r))
      if (!["execute", "arguments", "id", "control"].includes(key)) return fail(`QMP input member '${key}' is unexpected`);
    if (r.execute === undefined) return fail("QMP input lacks member 'execute'");
    if (typeof r.execute !== "string") return fail("QMP input member 'execute' must be a string");
    if (r.arguments !== undefined && (typeof r.arguments !== "object" || r.arguments === null || Array.isArray(r.arguments)))
      return fail("QMP input member 'arguments' must be an object");
    const name = r.execute;
    const args = (r.arguments ?? {}) as Record<string, unknown>;
    if (!this.negotiated && name !== "qmp_capabilities") return fail("Expecting capabilities negotiation with 'qmp_capabilities'", "CommandNotFound");
    if (this.negotiated && name === "qmp_capabilities") return fail("Capabilities negotiation is already complete, command ignored", "CommandNotFound");
    const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!cmd) return fail(`The command ${name} has not been found`, "CommandNotFound");
    for (const [k, spec] of Object.entries(cmd.args)) {
      if (args[k] === undefined) {
        if (!spec.optional) return fail(`Parameter '${k}' is missing`);
      } else if (!hasType(args[k], spec.type)) return fail(`Invalid parameter type for '${k}', expected: ${TYPE_NAMES[spec.type]}`);
    }
    if (!cmd.open) for (const k of Object.keys(args)) if (!(k in cmd.args)) return fail(`Parameter '${k}' is unexpected`);
    if (name === "qmp_capabilities") {
      const want = (args.enable ?? []) as string[];
      if (want.length > 0) return fail(`Capability '${want[0]}' not available`);
      this.negotiated = true;
      return this.write({ return: {}, id });
    }
    let result: unknown;
    try {
      result = cmd.run(this.monitor, args);
    } catch (e) {
      if (e instanceof QmpError) return fail(e.message, e.cls);
      return fail(`xpvh: ${name}: ${(e as Error).message}`);
    }
    this.write({ return: result, id });
  }

  private write(msg: object): void {
    if (this.closed) return;
    this.send(qmpJson(msg, this.pretty) + "\r\n");
  }
}

// ---------------------------------------------------------------------------
// The human monitor (HMP): a line per command, "(qemu) " prompt.

const HMP_PROMPT = "(qemu) ";

class HmpSession implements MonitorSession {
  private line = "";
  private closed = false;
  private lastCr = false;
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly monitor: Monitor,
    private readonly send: (text: string) => void,
    private readonly echo: boolean,
  ) {
    send(`${monitor.version().package} monitor - type 'help' for more information\r\n${HMP_PROMPT}`);
  }

  receive(bytes: Uint8Array | string): void {
    const text = typeof bytes === "string" ? bytes : this.decoder.decode(bytes, { stream: true });
    for (const c of text) {
      if (this.closed) return;
      if (c === "\n" && this.lastCr) {
        this.lastCr = false;
        continue;
      }
      this.lastCr = c === "\r";
      if (c === "\r" || c === "\n") {
        if (this.echo) this.send("\r\n");
        const line = this.line;
        this.line = "";
        const out = line.trim() === "" ? "" : this.monitor.human(line);
        this.send(out.replace(/\r?\n/g, "\r\n") + HMP_PROMPT);
      } else if (c === "\x7f" || c === "\b") {
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1);
          if (this.echo) this.send("\b \b");
        }
      } else if (c === "\x15") {
        // Ctrl-U: kill the line.
        if (this.echo) this.send("\b \b".repeat(this.line.length));
        this.line = "";
      } else if (c >= " " && this.line.length < 4096) {
        this.line += c;
        if (this.echo) this.send(c);
      }
    }
  }

  close(): void {
    this.closed = true;
  }
}

interface HumanCommand {
  help: string;
  run(m: Monitor, arg: string): string;
}

const HUMAN_INFO: Record<string, HumanCommand> = {
  status: {
    help: "show the current VM status (running|paused)",
    run: (m) => {
      const s = m.status();
      return `VM status: ${s === "running" ? "running" : "paused"}${s !== "running" && s !== "paused" ? ` (${s})` : ""}\n`;
    },
  },
  version: { help: "show the version of QEMU", run: (m) => `${QMP_QEMU_VERSION.major}.${QMP_QEMU_VERSION.minor}.${QMP_QEMU_VERSION.micro} (${m.version().package})\n` },
  name: { help: "show the current VM name", run: (m) => (m.machine.config.name ? m.machine.config.name + "\n" : "") },
  cpus: {
    help: "show infos for each CPU",
    run: (m) =>
      (m.cpus() as { "cpu-index": number; "thread-id": number }[])
        .map((c) => `${c["cpu-index"] === 0 ? "*" : " "} CPU #${c["cpu-index"]}: thread_id=${c["thread-id"]}\n`)
        .join(""),
  },
  registers: { help: "show the cpu registers", run: (m) => m.machine.dump().replace(/\n?$/, "\n") },
};

const HUMAN: Record<string, HumanCommand> = {
  help: {
    help: "[cmd]: show the help",
    run: () => Object.entries(HUMAN).map(([name, c]) => `${name} ${c.help}\n`).join(""),
  },
  info: {
    help: "[subcommand]: show various information about the system state",
    run: (m, arg) => {
      const sub = arg.split(/\s+/)[0];
      if (!sub) return Object.entries(HUMAN_INFO).map(([name, c]) => `info ${name}  -- ${c.help}\n`).join("");
      const c = HUMAN_INFO[sub];
      if (!c) return `unknown info command: '${sub}'\n`;
      return c.run(m, "");
    },
  },
  stop: { help: "-- stop emulation", run: (m) => (m.stop(), "") },
  cont: { help: "-- resume emulation", run: (m) => (m.cont(), "") },
  c: { help: "-- resume emulation", run: (m) => (m.cont(), "") },
  system_powerdown: { help: "-- send system power down event", run: (m) => (m.powerdown(), "") },
  system_reset: { help: "-- reset the system", run: (m) => (m.reset(), "") },
  quit: { help: "-- quit the emulator", run: (m) => (m.quitRequested(), "") },
  q: { help: "-- quit the emulator", run: (m) => (m.quitRequested(), "") },
  device_add: {
    help: "driver[,prop=value][,...] -- add device (xen-disk, xen-net-device)",
    run: (m, arg) => {
      const [driver, ...props] = arg.split(",");
      const args: Record<string, unknown> = { driver: driver.trim() };
      for (const p of props) {
        const eq = p.indexOf("=");
        if (eq <= 0) throw new QmpError(`Invalid parameter '${p}'`);
        args[p.slice(0, eq)] = p.slice(eq + 1);
      }
      if (!args.driver) throw new QmpError("Parameter 'driver' is missing");
      m.deviceAdd(args);
      return "";
    },
  },
  device_del: {
    help: "device -- remove device",
    run: (m, arg) => {
      if (!arg.trim()) throw new QmpError("Parameter 'id' is missing");
      m.deviceDel(arg.trim());
      return "";
    },
  },
};

function runHuman(m: Monitor, line: string): string {
  const trimmed = line.trim();
  const sp = trimmed.search(/\s/);
  const name = sp < 0 ? trimmed : trimmed.slice(0, sp);
  const arg = sp < 0 ? "" : trimmed.slice(sp + 1).trim();
  if (name === "") return "";
  const c = Object.hasOwn(HUMAN, name) ? HUMAN[name] : undefined;
  if (!c) return `unknown command: '${name}'\n`;
  try {
    return c.run(m, arg);
  } catch (e) {
    return `Error: ${(e as Error).message}\n`;
  }
}
