// Host sockets for `-netdev user` in Node: TCP through node:net, UDP through
// node:dgram, DNS to the first nameserver of /etc/resolv.conf (else 8.8.8.8 is
// not assumed: no DNS).
import * as net from "node:net";
import * as dgram from "node:dgram";
import { readFileSync } from "node:fs";
import type { TcpEvents, TcpStream, UdpSocket, UserNetOutside } from "./user.js";

function resolver(): string | null {
  try {
    const m = /^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/m.exec(readFileSync("/etc/resolv.conf", "utf8"));
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

export function nodeUserNetOutside(): UserNetOutside {
  const dns = resolver();
  return {
    dnsServer: () => dns,
    tcpConnect(host: string, port: number, ev: TcpEvents): TcpStream {
      const s = net.connect({ host, port });
      s.setNoDelay(true);
      let failed = false;
      s.on("connect", () => ev.onConnect());
      s.on("data", (d: Buffer) => ev.onData(new Uint8Array(d.buffer, d.byteOffset, d.length)));
      s.on("end", () => ev.onEnd());
      s.on("error", () => {
        failed = true;
      });
      s.on("close", (hadError) => ev.onClose(hadError || failed));
      return {
        write: (d) => void s.write(d),
        end: () => void s.end(),
        destroy: () => void s.destroy(),
        pause: () => void s.pause(),
        resume: () => void s.resume(),
      };
    },
    tcpListen(host, port, onConnection) {
      const server = net.createServer((s) => {
        s.setNoDelay(true);
        onConnection((ev) => {
          let failed = false;
          s.on("data", (d: Buffer) => ev.onData(new Uint8Array(d.buffer, d.byteOffset, d.length)));
          s.on("end", () => ev.onEnd());
          s.on("error", () => {
            failed = true;
          });
          s.on("close", (hadError) => ev.onClose(hadError || failed));
          return {
            write: (d) => void s.write(d),
            end: () => void s.end(),
            destroy: () => void s.destroy(),
            pause: () => void s.pause(),
            resume: () => void s.resume(),
          };
        });
      });
      server.on("error", () => {});
      server.listen(port, host);
      server.unref();
      return { close: () => void server.close() };
    },
    udpOpen(onMessage): UdpSocket {
      const s = dgram.createSocket("udp4");
      s.on("message", (m, r) => onMessage(new Uint8Array(m), r.address, r.port));
      s.on("error", () => {});
      s.bind(0);
      s.unref();
      return {
        send: (d, host, port) => s.send(d, port, host),
        close: () => {
          try {
            s.close();
          } catch {
            // already closed
          }
        },
      };
    },
  };
}
