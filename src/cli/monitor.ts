// `-mon chardev=ID[,mode=control|readline][,pretty=on]`: each monitor on its
// chardev, in Node. The protocol lives in src/machine/qmp.ts; this file only moves
// bytes.
//
//   socket  the chardev's own socket (src/devices/node.ts: a Unix path= or TCP
//           host:port, server=on or a client). A server without wait=off holds the
//           start until the first client connects, as QEMU does. Each connection is
//           a new session (QMP: a new greeting and negotiation).
//   stdio   the monitor owns stdin/stdout and the guest console goes to stderr; with
//           mux=on they share the terminal like QEMU's -nographic: Ctrl-A c switches
//           the keyboard between the console and the monitor, Ctrl-A x quits.
//   null    accepted, nothing is served; file: refused (a monitor needs input).
import type { ChardevConfig } from "../machine/config.js";
import { ConfigError } from "../machine/config.js";
import type { Machine } from "../machine/machine.js";
import type { Monitor, MonitorSession } from "../machine/qmp.js";
import { socketChardev, type SocketCharBackend } from "../devices/node.js";
import type { MonitorConfig } from "./args.js";

export interface BoundMonitors {
  /** Resolves once every server that waits (server=on without wait=off) has a
   * client, or when stopWaiting() is called (a quit from the first monitor). */
  ready: Promise<void>;
  stopWaiting(): void;
  /** A monitor is on stdio: main calls attachTerminal() instead of attachStdio(). */
  onStdio: boolean;
  /** The terminal for the monitor (and the guest console). It stays the monitor's
   * after the run ended (-no-shutdown) until close(). */
  attachTerminal(machine: Machine, input: NodeJS.ReadStream, output: NodeJS.WriteStream, errors: NodeJS.WriteStream): void;
  /** Sends what is queued, closes every connection and listening socket, gives
   * the terminal back. */
  close(): Promise<void>;
}

const encoder = new TextEncoder();

function isOn(v: string | undefined): boolean {
  return v === "on" || v === "" || v === "true" || v === "yes";
}

export function bindMonitors(monitor: Monitor, monitors: readonly MonitorConfig[], chardevs: readonly ChardevConfig[], log: (m: string) => void): BoundMonitors {
  const waits: Promise<void>[] = [];
  const sockets: SocketCharBackend[] = [];
  let stdioMon: { mon: MonitorConfig; mux: boolean } | null = null;
  const used = new Set<string>();

  const open = (mon: MonitorConfig, send: (text: string) => void, echo = false): MonitorSession =>
    mon.mode === "control" ? monitor.openQmp(send, { pretty: mon.pretty }) : monitor.openHmp(send, { echo });

  for (const mon of monitors) {
    const cc = chardevs.find((c) => c.id === mon.chardev);
    if (!cc) throw new ConfigError(`xpvh: -mon: chardev '${mon.chardev}' not found`);
    if (used.has(cc.id)) throw new ConfigError(`xpvh: -mon: chardev '${cc.id}' already has a monitor`);
    used.add(cc.id);
    switch (cc.backend) {
      case "socket": {
        const b = socketChardev(cc, log);
        sockets.push(b);
        let session: MonitorSession | null = null;
        let firstClient: (() => void) | null = null;
        b.onConnect = () => {
          session?.close();
          session = open(mon, (text) => b.write(encoder.encode(text)));
          firstClient?.();
          firstClient = null;
        };
        b.onInput = (bytes) => session?.receive(bytes);
        b.onDisconnect = () => {
          session?.close();
          session = null;
        };
        if (b.server && !("wait" in cc.options && !isOn(cc.options.wait))) {
          log(`xpvh: waiting for connection on: disconnected:${b.address},server=on`);
          waits.push(new Promise<void>((resolve) => (firstClient = resolve)));
        }
        break;
      }
      case "stdio":
        if (stdioMon) throw new ConfigError("xpvh: -mon: only one monitor can be on stdio");
        stdioMon = { mon, mux: isOn(cc.options.mux) };
        break;
      case "null":
        break;
      default:
        throw new ConfigError(`xpvh: -mon: chardev '${cc.id}' is a ${cc.backend} chardev; a monitor needs a socket or stdio`);
    }
  }

  // The listening sockets do not hold the process open (unref), so the wait does.
  let ready = Promise.resolve();
  let stopWaiting = () => {};
  if (waits.length > 0) {
    const keepAlive = setInterval(() => {}, 1 << 30);
    const stopped = new Promise<void>((resolve) => (stopWaiting = resolve));
    ready = Promise.race([Promise.all(waits), stopped]).then(() => clearInterval(keepAlive));
  }
  let releaseTerminal = () => {};
  return {
    ready,
    stopWaiting: () => stopWaiting(),
    onStdio: stdioMon !== null,
    attachTerminal(machine, input, output, errors) {
      const { mon, mux } = stdioMon!;
      releaseTerminal = mux
        ? muxTerminal(machine, input, output, (send, echo) => open(mon, send, echo))
        : ownTerminal(machine, input, output, errors, (send) => open(mon, send));
    },
    async close() {
      releaseTerminal();
      await Promise.all(sockets.map((b) => b.flushAndClose()));
    },
  };
}

/** The monitor has the terminal; the guest console is written to `errors`. */
function ownTerminal(
  machine: Machine,
  input: NodeJS.ReadStream,
  output: NodeJS.WriteStream,
  errors: NodeJS.WriteStream,
  open: (send: (text: string) => void) => MonitorSession,
): () => void {
  machine.onConsole((b) => errors.write(b));
  const session = open((text) => output.write(text));
  const onData = (d: Buffer) => session.receive(new Uint8Array(d));
  input.on("data", onData);
  input.on("error", () => {});
  input.unref?.();
  return () => {
    input.off("data", onData);
    input.pause();
  };
}

/** QEMU's mux chardev on the terminal: the guest console has the keyboard until
 * Ctrl-A c gives it to the monitor (and back); output from both goes to `output`. */
function muxTerminal(
  machine: Machine,
  input: NodeJS.ReadStream,
  output: NodeJS.WriteStream,
  open: (send: (text: string) => void, echo: boolean) => MonitorSession,
): () => void {
  const tty = input.isTTY === true;
  machine.onConsole((b) => output.write(b));
  let session: MonitorSession | null = null;
  let toMonitor = false;
  let escape = false;
  // Bytes for whoever has the keyboard, handed over a run at a time.
  let run: number[] = [];
  const flush = () => {
    if (run.length === 0) return;
    const bytes = Uint8Array.from(run);
    run = [];
    if (toMonitor) session!.receive(bytes);
    else machine.input(bytes);
  };
  const deliver = (byte: number) => run.push(byte);
  const onData = (chunk: Buffer) => {
    for (const byte of chunk) {
      if (escape) {
        escape = false;
        if (byte === 0x78 /* x */) {
          run = [];
          output.write("\r\nxpvh: terminated\r\n");
          machine.stop();
          return;
        }
        if (byte === 0x63 /* c */) {
          flush();
          toMonitor = !toMonitor;
          if (toMonitor && !session) session = open((text) => output.write(text), tty);
          else if (toMonitor) output.write("\r\n(qemu) ");
          continue;
        }
        if (byte === 0x68 /* h */) {
          output.write("\r\nC-a h    print this help\r\nC-a x    exit emulator\r\nC-a c    switch between console and monitor\r\nC-a C-a  sends C-a\r\n");
          continue;
        }
        if (byte === 0x01) deliver(byte);
        continue;
      }
      if (byte === 0x01) {
        escape = true;
        continue;
      }
      deliver(byte);
    }
    flush();
  };
  if (tty) input.setRawMode(true);
  input.on("data", onData);
  input.on("error", () => {});
  input.unref?.();
  return () => {
    input.off("data", onData);
    if (tty) input.setRawMode(false);
    input.pause();
  };
}
