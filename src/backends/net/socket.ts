// `-netdev socket` between processes (Node only): a TCP stream carrying each
// frame as a 4-byte big-endian length and the frame (QEMU's net/socket.c stream
// format, so an xpvh NIC can talk to a QEMU one), or UDP datagrams with one frame
// each (`udp=`/`localaddr=`, and `-netdev dgram` with inet addresses).
import * as net from "node:net";
import * as dgram from "node:dgram";
import { MAX_FRAME, type NetBackend } from "./net_backend.js";

/** "host:port" or ":port" (any address) → [host, port]. */
export function parseHostPort(s: string, what: string): [string, number] {
  const i = s.lastIndexOf(":");
  const port = Number(s.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${what}=${s}: expected host:port`);
  let host = s.slice(0, i);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return [host, port];
}

export class StreamSocketNet implements NetBackend {
  onReceive: ((frame: Uint8Array) => void) | null = null;
  private sock: net.Socket | null = null;
  private server: net.Server | null = null;
  private closed = false;
  private pending: Buffer = Buffer.alloc(0);
  private retry: ReturnType<typeof setTimeout> | null = null;

  private constructor(private readonly log: (m: string) => void) {}

  /** listen=[host]:port: accepts one peer at a time (a new one replaces it). */
  static listen(addr: string, log: (m: string) => void = () => {}): StreamSocketNet {
    const [host, port] = parseHostPort(addr, "listen");
    const s = new StreamSocketNet(log);
    s.server = net.createServer((c) => {
      s.sock?.destroy();
      s.attach(c);
    });
    s.server.on("error", (e) => log(`xpvh: -netdev socket,listen=${addr}: ${e.message}`));
    s.server.listen(port, host || undefined);
    s.server.unref();
    return s;
  }

  /** The port a listening socket got (listen=:0 picks one). */
  get port(): number {
    const a = this.server?.address();
    return a && typeof a === "object" ? a.port : 0;
  }

  /** A promise that settles once the server is listening. */
  listening(): Promise<void> {
    const srv = this.server;
    if (!srv || srv.listening) return Promise.resolve();
    return new Promise((r) => srv.once("listening", () => r()));
  }

  /** connect=host:port: retries every second until the peer is there. */
  static connect(addr: string, log: (m: string) => void = () => {}): StreamSocketNet {
    const [host, port] = parseHostPort(addr, "connect");
    const s = new StreamSocketNet(log);
    let warned = false;
    const attempt = () => {
      if (s.closed) return;
      const c = net.connect(port, host || "127.0.0.1");
      c.once("connect", () => s.attach(c));
      c.once("error", (e) => {
        if (!warned) log(`xpvh: -netdev socket,connect=${addr}: ${e.message}; retrying`);
        warned = true;
        c.destroy();
        s.retry = setTimeout(attempt, 1000);
        s.retry.unref?.();
      });
    };
    attempt();
    return s;
  }

  private attach(c: net.Socket): void {
    this.sock = c;
    this.pending = Buffer.alloc(0);
    c.setNoDelay(true);
    c.unref();
    c.on("data", (d: Buffer) => this.onData(d));
    c.on("error", () => {});
    c.on("close", () => {
      if (this.sock === c) this.sock = null;
    });
  }

  private onData(d: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, d]) : d;
    let off = 0;
    while (this.pending.length - off >= 4) {
      const len = this.pending.readUInt32BE(off);
      if (len > MAX_FRAME) {
        // Not our framing: drop the peer rather than buffer without bound.
        this.log("xpvh: -netdev socket: oversized frame from the peer; disconnecting");
        this.sock?.destroy();
        this.pending = Buffer.alloc(0);
        return;
      }
      if (this.pending.length - off - 4 < len) break;
      const frame = new Uint8Array(this.pending.subarray(off + 4, off + 4 + len));
      off += 4 + len;
      this.onReceive?.(frame.slice());
    }
    this.pending = this.pending.subarray(off);
  }

  send(frame: Uint8Array): void {
    const c = this.sock;
    if (!c || frame.length > MAX_FRAME) return; // no peer: the frame is lost, as on a cable
    const hdr = Buffer.alloc(4);
    hdr.writeUInt32BE(frame.length);
    c.write(hdr);
    c.write(frame);
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.sock?.destroy();
    this.server?.close();
  }
}

export class DgramSocketNet implements NetBackend {
  onReceive: ((frame: Uint8Array) => void) | null = null;
  private readonly sock: dgram.Socket;
  private readonly remoteHost: string;
  private readonly remotePort: number;

  /** Frames to `remote` ("host:port"), from a socket bound at `local`. */
  constructor(local: string, remote: string, log: (m: string) => void = () => {}) {
    const [lh, lp] = parseHostPort(local, "localaddr");
    const [rh, rp] = parseHostPort(remote, "udp");
    this.remoteHost = rh || "127.0.0.1";
    this.remotePort = rp;
    this.sock = dgram.createSocket(net.isIPv6(this.remoteHost) ? "udp6" : "udp4");
    this.sock.on("message", (m) => {
      if (m.length <= MAX_FRAME) this.onReceive?.(new Uint8Array(m));
    });
    this.sock.on("error", (e) => log(`xpvh: -netdev dgram ${local} -> ${remote}: ${e.message}`));
    this.sock.bind(lp, lh || undefined);
    this.sock.unref();
  }

  send(frame: Uint8Array): void {
    this.sock.send(frame, this.remotePort, this.remoteHost);
  }

  close(): void {
    try {
      this.sock.close();
    } catch {
      // already closed
    }
  }
}
