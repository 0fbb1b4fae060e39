// Device backends that need Node (files, sockets): pass nodeDeviceBackends() as
// the Devices constructor's `backends` in Node. The browser build never imports
// this file.
import * as fs from "node:fs";
import * as net from "node:net";
import { ConfigError, type ChardevConfig, type DriveConfig, type NetdevConfig } from "../machine/config.js";
import { BackendError } from "../backends/block/block_backend.js";
import { NodeFileBlock } from "../backends/block/node_file.js";
import { StreamSocketNet, DgramSocketNet } from "../backends/net/socket.js";
import { UserNet } from "../backends/net/user.js";
import { nodeUserNetOutside } from "../backends/net/user_node.js";
import type { NetBackend } from "../backends/net/net_backend.js";
import type { DeviceBackends } from "./devices.js";
import type { CharBackend } from "./virtio_console.js";

export function nodeDeviceBackends(log: (m: string) => void = (m) => console.error(m)): DeviceBackends {
  return {
    log,
    openBlock(drive: DriveConfig) {
      try {
        return NodeFileBlock.open(drive.file!, drive.readonly);
      } catch (e) {
        if (e instanceof BackendError) throw new ConfigError(`xpvh: -drive ${drive.id ? `id=${drive.id}` : `file=${drive.file}`}: ${e.message}`);
        throw e;
      }
    },
    openNet(nd: NetdevConfig): NetBackend | null {
      const o = nd.options;
      try {
        if (nd.type === "socket") {
          if (o.listen !== undefined) return StreamSocketNet.listen(o.listen, log);
          if (o.connect !== undefined) return StreamSocketNet.connect(o.connect, log);
          if (o.udp !== undefined) return new DgramSocketNet(o.localaddr ?? ":0", o.udp, log);
          throw new ConfigError(`xpvh: -netdev socket,id=${nd.id}: give listen=, connect= or udp= (mcast= is not supported)`);
        }
        if (nd.type === "user") {
          for (const k of ["guestfwd", "smb", "tftp", "ipv6-net"])
            if (o[k] !== undefined) log(`xpvh: warning: -netdev user,${k}= is not supported yet; ignored`);
          return new UserNet(nodeUserNetOutside(), {
            net: o.net,
            host: o.host,
            dns: o.dns,
            dhcpstart: o.dhcpstart,
            restrict: o.restrict === "on" || o.restrict === "yes",
            hostfwd: o.hostfwd ? [o.hostfwd] : [],
            log,
          });
        }
        if (nd.type === "dgram") {
          const local = o["local.host"] !== undefined || o["local.port"] !== undefined ? `${o["local.host"] ?? ""}:${o["local.port"] ?? 0}` : ":0";
          if (o["remote.port"] === undefined) throw new ConfigError(`xpvh: -netdev dgram,id=${nd.id}: needs remote.host and remote.port`);
          if ((o["local.type"] ?? "inet") !== "inet" || (o["remote.type"] ?? "inet") !== "inet")
            throw new ConfigError(`xpvh: -netdev dgram,id=${nd.id}: only inet addresses are supported`);
          return new DgramSocketNet(local, `${o["remote.host"] ?? "127.0.0.1"}:${o["remote.port"]}`, log);
        }
      } catch (e) {
        if (e instanceof ConfigError) throw e;
        throw new ConfigError(`xpvh: -netdev ${nd.type},id=${nd.id}: ${(e as Error).message}`);
      }
      return null;
    },
    chardev: (cc) => openChardev(cc, log),
  };
}

/** -chardev for a virtconsole: stdio (output only: the terminal's input belongs
 * to the Xen console), file (path=, append=on), null, and socket (a TCP or
 * Unix-socket server with server=on, else a client; no telnet). */
export function openChardev(cc: ChardevConfig, log: (m: string) => void): CharBackend | null {
  const o = cc.options;
  switch (cc.backend) {
    case "null":
      return { write() {} };
    case "stdio":
      return { write: (b) => void process.stdout.write(b) };
    case "file": {
      if (!o.path) throw new ConfigError(`xpvh: -chardev file,id=${cc.id}: needs path=`);
      let fd: number;
      try {
        fd = fs.openSync(o.path, o.append === "on" ? "a" : "w");
      } catch (e) {
        throw new ConfigError(`xpvh: -chardev file,id=${cc.id}: ${o.path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
      }
      return {
        write: (b) => void fs.writeSync(fd, b),
        close: () => fs.closeSync(fd),
      };
    }
    case "socket":
      return socketChardev(cc, log);
  }
  return null;
}

/** A socket chardev: its peer (the server's one client, or the connection a client
 * made) comes and goes, and a user that cares (a monitor) is told. */
export interface SocketCharBackend extends CharBackend {
  onConnect: (() => void) | null;
  onDisconnect: (() => void) | null;
  readonly server: boolean;
  /** QEMU's spelling of the address: unix:PATH or tcp:HOST:PORT. */
  readonly address: string;
  /** Ends the connection after what was written has gone out. */
  flushAndClose(): Promise<void>;
}

export function socketChardev(cc: ChardevConfig, log: (m: string) => void): SocketCharBackend {
  const o = cc.options;
  const on = (v: string | undefined) => v === "on" || v === "" || v === "true";
  const where = o.path ? { path: o.path } : { host: o.host || "127.0.0.1", port: Number(o.port) };
  if (!o.path && !Number.isInteger(where.port)) throw new ConfigError(`xpvh: -chardev socket,id=${cc.id}: needs port= or path=`);
  let peer: net.Socket | null = null;
  const backend: SocketCharBackend = {
    onInput: null,
    onConnect: null,
    onDisconnect: null,
    server: on(o.server),
    address: o.path ? `unix:${o.path}` : `tcp:${where.host}:${where.port}`,
    write: (b) => void peer?.write(b),
    close: () => {
      peer?.destroy();
      server?.close();
    },
    flushAndClose: () =>
      new Promise<void>((resolve) => {
        server?.close();
        const s = peer;
        if (!s || s.destroyed) return resolve();
        const t = setTimeout(() => (s.destroy(), resolve()), 1000);
        s.end(() => (clearTimeout(t), resolve()));
      }),
  };
  const attach = (s: net.Socket) => {
    peer?.destroy();
    peer = s;
    s.unref();
    s.on("data", (d: Buffer) => backend.onInput?.(new Uint8Array(d)));
    s.on("error", () => {});
    s.on("close", () => {
      if (peer !== s) return;
      peer = null;
      backend.onDisconnect?.();
    });
    backend.onConnect?.();
  };
  let server: net.Server | null = null;
  if (backend.server) {
    server = net.createServer(attach);
    server.on("error", (e) => log(`xpvh: -chardev socket,id=${cc.id}: ${e.message}`));
    if ("path" in where && where.path) {
      // A socket file left by an earlier run would make listen() fail (QEMU removes it too).
      try {
        if (fs.statSync(where.path).isSocket()) fs.unlinkSync(where.path);
      } catch {}
      server.listen(where.path);
    } else server.listen(where.port, where.host);
    server.unref();
  } else {
    const s = "path" in where && where.path ? net.connect(where.path) : net.connect(where.port!, where.host);
    s.on("connect", () => attach(s));
    s.on("error", (e) => log(`xpvh: -chardev socket,id=${cc.id}: ${e.message}`));
  }
  return backend;
}
