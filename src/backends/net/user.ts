// `-netdev user`: a small host-side network stack in the manner of QEMU's
// slirp, with its defaults. The guest sits alone on 10.0.2.0/24; 10.0.2.2 is
// the gateway (and the host itself: connections to it go to the host's
// loopback), 10.0.2.3 the DNS server (queries go to the host's resolver), and
// DHCP hands out 10.0.2.15. ARP and ICMP echo to those addresses are answered
// here; guest TCP connections and UDP datagrams to anywhere else are carried
// on host sockets (NAT), and hostfwd= rules forward host TCP ports to the
// guest. IPv4 only, no fragments, no ICMP to the outside, no UDP hostfwd.
//
// The protocol logic is platform neutral; the sockets come from a
// UserNetOutside (src/backends/net/user_node.ts in Node). Without one, only
// the local services (ARP, DHCP, ping of the gateway) work.
import type { NetBackend } from "./net_backend.js";
import {
  ETH_HLEN, ETHERTYPE_ARP, ETHERTYPE_IPV4, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_RST, TCP_SYN,
  icmpMessage, ipToU32, ipv4Frame, parseIpv4, parseTcp, parseUdp, tcpSegment, u32ToIp, udpSegment, type Tcp,
} from "./packet.js";
import { TcpConn, type TcpEvents, type TcpStream } from "./user_tcp.js";

export type { TcpStream, TcpEvents };

export interface UdpSocket {
  send(data: Uint8Array, host: string, port: number): void;
  close(): void;
}

/** Host sockets for the NAT. */
export interface UserNetOutside {
  tcpConnect(host: string, port: number, events: TcpEvents): TcpStream;
  /** hostfwd: accept TCP connections on the host; each one is handed over with
   * a function that binds its events and returns the stream. */
  tcpListen?(host: string, port: number, onConnection: (attach: (events: TcpEvents) => TcpStream) => void): { close(): void };
  udpOpen(onMessage: (data: Uint8Array, host: string, port: number) => void): UdpSocket;
  /** The resolver guest DNS queries are forwarded to, or null. */
  dnsServer(): string | null;
}

export interface UserNetOptions {
  /** net=10.0.2.0/24 */
  net?: string;
  /** host=10.0.2.2 (gateway, and the host's loopback) */
  host?: string;
  /** dns=10.0.2.3 */
  dns?: string;
  /** dhcpstart=10.0.2.15 */
  dhcpstart?: string;
  /** restrict=on: nothing leaves the virtual network */
  restrict?: boolean;
  /** hostfwd=tcp:[hostaddr]:hostport-[guestaddr]:guestport (TCP only) */
  hostfwd?: string[];
  log?: (m: string) => void;
}

const GATEWAY_MAC = Uint8Array.of(0x52, 0x55, 0x0a, 0x00, 0x02, 0x02);
const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
const UDP_IDLE_MS = 60_000;
const LEASE_SECONDS = 86400;

interface UdpFlow {
  sock: UdpSocket;
  timer: ReturnType<typeof setTimeout>;
}

export class UserNet implements NetBackend {
  onReceive: ((frame: Uint8Array) => void) | null = null;
  readonly netAddr: number;
  readonly mask: number;
  readonly hostIp: number;
  readonly dnsIp: number;
  readonly guestIp: number;
  private guestMac: Uint8Array | null = null;
  private readonly tcp = new Map<string, TcpConn>();
  private readonly udp = new Map<string, UdpFlow>();
  private readonly restrict: boolean;
  private readonly log: (m: string) => void;
  private closed = false;

  constructor(private readonly outside: UserNetOutside | null, opts: UserNetOptions = {}) {
    const [net, bits] = (opts.net ?? "10.0.2.0/24").split("/");
    const prefix = Number(bits ?? 24);
    if (!Number.isInteger(prefix) || prefix < 8 || prefix > 30) throw new Error(`net=${opts.net}: prefix must be 8..30`);
    this.mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    this.netAddr = (ipToU32(net) & this.mask) >>> 0;
    const inNet = (v: number) => (this.netAddr | (v & ~this.mask)) >>> 0;
    this.hostIp = opts.host ? ipToU32(opts.host) : inNet(2);
    this.dnsIp = opts.dns ? ipToU32(opts.dns) : inNet(3);
    this.guestIp = opts.dhcpstart ? ipToU32(opts.dhcpstart) : inNet(15);
    for (const [what, v] of [["host", this.hostIp], ["dns", this.dnsIp], ["dhcpstart", this.guestIp]] as const)
      if (((v & this.mask) >>> 0) !== this.netAddr) throw new Error(`${what}=${u32ToIp(v)} is outside net=${u32ToIp(this.netAddr)}/${prefix}`);
    this.restrict = !!opts.restrict;
    this.log = opts.log ?? (() => {});
    for (const rule of opts.hostfwd ?? []) this.forward(rule);
  }

  private listeners: { close(): void }[] = [];
  private nextPort = 49152;

  /** hostfwd=tcp:[hostaddr]:hostport-[guestaddr]:guestport: connections to the
   * host port become connections from the gateway to the guest. */
  private forward(rule: string): void {
    const m = /^(tcp)?:([^:]*):(\d+)-([^:]*):(\d+)$/.exec(rule);
    if (!m) throw new Error(`hostfwd=${rule}: expected tcp:[hostaddr]:hostport-[guestaddr]:guestport`);
    const hostPort = Number(m[3]);
    const guestIp = m[4] ? ipToU32(m[4]) : this.guestIp;
    const guestPort = Number(m[5]);
    if (!this.outside?.tcpListen) throw new Error("hostfwd is not available on this platform");
    this.listeners.push(
      this.outside.tcpListen(m[2] || "127.0.0.1", hostPort, (attach) => {
        if (this.closed) return;
        const sport = this.nextPort;
        this.nextPort = this.nextPort >= 65535 ? 49152 : this.nextPort + 1;
        const key = `${guestPort}|${this.hostIp}|${sport}`;
        const c = new TcpConn(
          null,
          (seq, ack, flags, data, mss) =>
            this.emit(guestIp, this.hostIp, IPPROTO_TCP, tcpSegment(this.hostIp, guestIp, sport, guestPort, seq, ack, flags, TcpConn.window, data, mss)),
          () => this.tcp.delete(key),
        );
        this.tcp.get(key)?.finish();
        this.tcp.set(key, c);
        c.stream = attach(c.events());
        c.open();
      }),
    );
  }

  private ours(ip: number): boolean {
    return ip === this.hostIp || ip === this.dnsIp;
  }

  /** Packets waiting for the guest's MAC address (an ARP request is out). */
  private unresolved: Uint8Array[] = [];

  private emit(dst: number, src: number, proto: number, payload: Uint8Array, dstMac?: Uint8Array): void {
    if (this.closed) return;
    const mac = dstMac ?? this.guestMac;
    if (mac) {
      this.onReceive?.(ipv4Frame(mac, GATEWAY_MAC, src, dst, proto, payload));
      return;
    }
    // The guest has not said anything yet (a forwarded connection to an idle
    // guest): ask who has its address, as a router would, and hold the packet.
    if (this.unresolved.length < 64) this.unresolved.push(ipv4Frame(BROADCAST_MAC, GATEWAY_MAC, src, dst, proto, payload));
    this.arpRequest(dst);
  }

  private arpRequest(target: number): void {
    const r = new Uint8Array(ETH_HLEN + 28);
    r.set(BROADCAST_MAC, 0);
    r.set(GATEWAY_MAC, 6);
    const w = new DataView(r.buffer);
    w.setUint16(12, ETHERTYPE_ARP);
    w.setUint16(14, 1);
    w.setUint16(16, ETHERTYPE_IPV4);
    r[18] = 6;
    r[19] = 4;
    w.setUint16(20, 1); // request
    r.set(GATEWAY_MAC, 22);
    w.setUint32(28, this.hostIp);
    w.setUint32(38, target);
    this.onReceive?.(r);
  }

  private learn(mac: Uint8Array): void {
    this.guestMac = mac;
    const held = this.unresolved;
    this.unresolved = [];
    for (const f of held) {
      f.set(mac, 0);
      this.onReceive?.(f);
    }
  }

  /** A frame from the guest. */
  send(frame: Uint8Array): void {
    if (this.closed || frame.length < ETH_HLEN) return;
    const type = (frame[12] << 8) | frame[13];
    if (type === ETHERTYPE_ARP) this.arp(frame);
    else if (type === ETHERTYPE_IPV4) {
      const ip = parseIpv4(frame, ETH_HLEN);
      if (!ip) return;
      if (!this.guestMac) this.learn(frame.slice(6, 12));
      if (ip.proto === IPPROTO_UDP) this.udpIn(ip.dst, ip.payload, frame);
      else if (ip.proto === IPPROTO_TCP) this.tcpIn(ip.src, ip.dst, ip.payload);
      else if (ip.proto === IPPROTO_ICMP) this.icmpIn(ip.src, ip.dst, ip.payload);
    }
  }

  // --- ARP (RFC 826): we answer for the gateway and the DNS address ---------
  private arp(f: Uint8Array): void {
    if (f.length < ETH_HLEN + 28) return;
    const v = new DataView(f.buffer, f.byteOffset + ETH_HLEN, 28);
    if (v.getUint16(0) !== 1 || v.getUint16(2) !== ETHERTYPE_IPV4) return; // Ethernet/IPv4 only
    const op = v.getUint16(6);
    const target = v.getUint32(24);
    const senderMac = f.slice(ETH_HLEN + 8, ETH_HLEN + 14);
    const senderIp = v.getUint32(14);
    this.learn(senderMac);
    if (op !== 1 || !this.ours(target)) return;
    const r = new Uint8Array(ETH_HLEN + 28);
    r.set(senderMac, 0);
    r.set(GATEWAY_MAC, 6);
    const w = new DataView(r.buffer);
    w.setUint16(12, ETHERTYPE_ARP);
    w.setUint16(14, 1);
    w.setUint16(16, ETHERTYPE_IPV4);
    r[18] = 6;
    r[19] = 4;
    w.setUint16(20, 2); // reply
    r.set(GATEWAY_MAC, 22);
    w.setUint32(28, target);
    r.set(senderMac, 32);
    w.setUint32(38, senderIp);
    this.onReceive?.(r);
  }

  // --- ICMP: echo replies from our own addresses ---------------------------
  private icmpIn(src: number, dst: number, p: Uint8Array): void {
    if (p.length < 8 || p[0] !== 8 || !this.ours(dst)) return;
    this.emit(src, dst, IPPROTO_ICMP, icmpMessage(0, 0, p.subarray(4)));
  }

  // --- UDP: DHCP here, DNS to the host's resolver, the rest NATed ---------
  private udpIn(dst: number, p: Uint8Array, frame: Uint8Array): void {
    const u = parseUdp(p);
    if (!u) return;
    if (u.dport === 67) {
      this.dhcp(u.data, frame.slice(6, 12));
      return;
    }
    let host: string | null;
    if (dst === this.dnsIp) host = u.dport === 53 ? (this.outside?.dnsServer() ?? null) : null;
    else if (dst === this.hostIp) host = "127.0.0.1";
    else if (this.restrict || ((dst & this.mask) >>> 0) === this.netAddr) host = null;
    else host = u32ToIp(dst);
    if (!host || !this.outside) return;
    const key = `${u.sport}|${dst}|${u.dport}`;
    let flow = this.udp.get(key);
    if (!flow) {
      const sport = u.sport;
      const sock = this.outside.udpOpen((data) => {
        // Replies appear to come from where the guest sent to.
        this.emit(this.guestIp, dst, IPPROTO_UDP, udpSegment(dst, this.guestIp, u.dport, sport, data));
        this.touch(key);
      });
      flow = { sock, timer: this.idleTimer(key) };
      this.udp.set(key, flow);
    } else this.touch(key);
    flow.sock.send(u.data.slice(), host, u.dport);
  }

  private idleTimer(key: string): ReturnType<typeof setTimeout> {
    const t = setTimeout(() => {
      this.udp.get(key)?.sock.close();
      this.udp.delete(key);
    }, UDP_IDLE_MS);
    (t as { unref?: () => void }).unref?.();
    return t;
  }

  private touch(key: string): void {
    const f = this.udp.get(key);
    if (!f) return;
    clearTimeout(f.timer);
    f.timer = this.idleTimer(key);
  }

  // --- DHCP (RFC 2131/2132): one address, the guest's -----------------------
  private dhcp(d: Uint8Array, srcMac: Uint8Array): void {
    if (d.length < 240 || d[0] !== 1) return;
    const v = new DataView(d.buffer, d.byteOffset, d.length);
    if (v.getUint32(236) !== 0x63825363) return;
    let type = 0;
    for (let i = 240; i < d.length; ) {
      const code = d[i];
      if (code === 255) break;
      if (code === 0) {
        i++;
        continue;
      }
      if (i + 1 >= d.length) break;
      const len = d[i + 1];
      if (code === 53 && len >= 1) type = d[i + 2];
      i += 2 + len;
    }
    const replyType = type === 1 ? 2 : type === 3 ? 5 : 0; // DISCOVER -> OFFER, REQUEST -> ACK
    if (!replyType) return;
    this.learn(srcMac);
    const r = new Uint8Array(240 + 64);
    const w = new DataView(r.buffer);
    r[0] = 2; // BOOTREPLY
    r[1] = 1;
    r[2] = 6;
    w.setUint32(4, v.getUint32(4)); // xid
    w.setUint16(10, v.getUint16(10)); // flags
    w.setUint32(16, this.guestIp); // yiaddr
    w.setUint32(20, this.hostIp); // siaddr
    r.set(d.subarray(28, 44), 28); // chaddr
    w.setUint32(236, 0x63825363);
    let o = 240;
    const opt = (code: number, bytes: number[]) => {
      r[o++] = code;
      r[o++] = bytes.length;
      for (const b of bytes) r[o++] = b;
    };
    const ip = (x: number) => [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255];
    opt(53, [replyType]);
    opt(54, ip(this.hostIp));
    opt(51, ip(LEASE_SECONDS));
    opt(1, ip(this.mask));
    opt(3, ip(this.hostIp));
    opt(6, ip(this.dnsIp));
    r[o++] = 255;
    // BOOTP messages are at least 300 bytes; r is 304 and zero-padded.
    const reply = r.subarray(0, Math.max(o, 300));
    const bcast = 0xffffffff;
    this.emit(bcast, this.hostIp, IPPROTO_UDP, udpSegment(this.hostIp, bcast, 67, 68, reply), BROADCAST_MAC);
  }

  // --- TCP: terminated here, carried on host streams ----------------------
  private tcpIn(src: number, dst: number, p: Uint8Array): void {
    const t = parseTcp(p, src, dst);
    if (!t) return;
    const key = `${t.sport}|${dst}|${t.dport}`;
    const conn = this.tcp.get(key);
    if (conn) {
      conn.input(t);
      return;
    }
    if ((t.flags & (TCP_SYN | TCP_ACK | TCP_RST)) !== TCP_SYN) {
      if (!(t.flags & TCP_RST)) this.rstFor(src, dst, t);
      return;
    }
    let host: string | null;
    if (dst === this.hostIp) host = "127.0.0.1";
    else if (this.restrict || ((dst & this.mask) >>> 0) === this.netAddr) host = null;
    else host = u32ToIp(dst);
    const c = new TcpConn(
      t,
      (seq, ack, flags, data, mss) =>
        this.emit(src, dst, IPPROTO_TCP, tcpSegment(dst, src, t.dport, t.sport, seq, ack, flags, TcpConn.window, data, mss)),
      () => this.tcp.delete(key),
    );
    this.tcp.set(key, c);
    if (!host || !this.outside) {
      c.refuse();
      return;
    }
    c.stream = this.outside.tcpConnect(host, t.dport, c.events());
  }

  /** RST for a segment that belongs to no connection (RFC 793, "Reset Generation"). */
  private rstFor(src: number, dst: number, t: Tcp): void {
    const seq = t.flags & TCP_ACK ? t.ack : 0;
    const ack = (t.seq + t.data.length + (t.flags & 3 ? 1 : 0)) >>> 0;
    this.emit(src, dst, IPPROTO_TCP, tcpSegment(dst, src, t.dport, t.sport, seq, ack, TCP_RST | TCP_ACK, 0));
  }

  /** Open TCP connections and UDP flows (for tests and diagnostics). */
  get connections(): { tcp: number; udp: number } {
    return { tcp: this.tcp.size, udp: this.udp.size };
  }

  close(): void {
    this.closed = true;
    for (const l of this.listeners) l.close();
    for (const c of [...this.tcp.values()]) c.finish();
    for (const f of this.udp.values()) {
      clearTimeout(f.timer);
      f.sock.close();
    }
    this.udp.clear();
  }
}
