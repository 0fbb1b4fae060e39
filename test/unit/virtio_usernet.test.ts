// `-netdev user` (src/backends/net/user.ts) against a scripted guest: ARP for
// the gateway, DHCP, ping, a TCP connection carried on a fake host stream (in
// order data both ways, retransmission, FIN), UDP NAT and DNS forwarding, and
// RST for strays. Then once through real loopback sockets.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as net from "node:net";
import { UserNet, type UserNetOutside, type TcpEvents } from "../../src/backends/net/user.js";
import { nodeUserNetOutside } from "../../src/backends/net/user_node.js";
import {
  ETH_HLEN, ETHERTYPE_ARP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN,
  icmpMessage, ipToU32, ipv4Frame, parseIpv4, parseTcp, parseUdp, tcpSegment, udpSegment,
} from "../../src/backends/net/packet.js";

const GUEST_MAC = Uint8Array.of(0x52, 0x54, 0, 0x12, 0x34, 0x56);
const GW_MAC = Uint8Array.of(0x52, 0x55, 0x0a, 0, 2, 2);
const GUEST = ipToU32("10.0.2.15");
const GW = ipToU32("10.0.2.2");
const DNS = ipToU32("10.0.2.3");
const REMOTE = ipToU32("93.184.216.34");

interface FakeStream {
  host: string;
  port: number;
  ev: TcpEvents;
  written: number[];
  ended: boolean;
  destroyed: boolean;
}

function fakeOutside() {
  const streams: FakeStream[] = [];
  const udpSent: { data: Uint8Array; host: string; port: number; reply: (d: Uint8Array) => void }[] = [];
  const outside: UserNetOutside = {
    dnsServer: () => "192.0.2.53",
    tcpConnect(host, port, ev) {
      const s: FakeStream = { host, port, ev, written: [], ended: false, destroyed: false };
      streams.push(s);
      return {
        write: (d) => s.written.push(...d),
        end: () => (s.ended = true),
        destroy: () => (s.destroyed = true),
        pause() {},
        resume() {},
      };
    },
    udpOpen(onMessage) {
      return {
        send: (data, host, port) => udpSent.push({ data, host, port, reply: (d) => onMessage(d, host, port) }),
        close() {},
      };
    },
  };
  return { outside, streams, udpSent };
}

function stack(outside: UserNetOutside | null = fakeOutside().outside) {
  const u = new UserNet(outside);
  const rx: Uint8Array[] = [];
  u.onReceive = (f) => rx.push(f);
  return { u, rx };
}

const ipFrame = (src: number, dst: number, proto: number, payload: Uint8Array) => ipv4Frame(GW_MAC, GUEST_MAC, src, dst, proto, payload);

function tcpFrom(sport: number, dst: number, dport: number, seq: number, ack: number, flags: number, data?: Uint8Array, mss = 0) {
  return ipFrame(GUEST, dst, IPPROTO_TCP, tcpSegment(GUEST, dst, sport, dport, seq, ack, flags, 65535, data, mss));
}

function tcpOf(f: Uint8Array) {
  const ip = parseIpv4(f, ETH_HLEN)!;
  assert.is(ip.proto, IPPROTO_TCP);
  return parseTcp(ip.payload, ip.src, ip.dst)!;
}

test("usernet: ARP for the gateway and the DNS address, nothing for others", () => {
  const { u, rx } = stack();
  const arp = (target: number) => {
    const f = new Uint8Array(42);
    f.fill(0xff, 0, 6);
    f.set(GUEST_MAC, 6);
    const v = new DataView(f.buffer);
    v.setUint16(12, ETHERTYPE_ARP);
    v.setUint16(14, 1);
    v.setUint16(16, 0x0800);
    f[18] = 6;
    f[19] = 4;
    v.setUint16(20, 1);
    f.set(GUEST_MAC, 22);
    v.setUint32(28, GUEST);
    v.setUint32(38, target);
    return f;
  };
  u.send(arp(GW));
  u.send(arp(DNS));
  u.send(arp(ipToU32("10.0.2.77")));
  assert.is(rx.length, 2);
  const v = new DataView(rx[0].buffer);
  assert.is(v.getUint16(20), 2, "reply");
  assert.equal([...rx[0].subarray(22, 28)], [...GW_MAC]);
  assert.is(v.getUint32(28), GW);
  assert.equal([...rx[0].subarray(0, 6)], [...GUEST_MAC]);
});

test("usernet: DHCP DISCOVER -> OFFER 10.0.2.15, REQUEST -> ACK with router and DNS", () => {
  const { u, rx } = stack();
  const dhcp = (type: number) => {
    const d = new Uint8Array(300);
    const v = new DataView(d.buffer);
    d[0] = 1;
    d[1] = 1;
    d[2] = 6;
    v.setUint32(4, 0xdeadbeef);
    d.set(GUEST_MAC, 28);
    v.setUint32(236, 0x63825363);
    d.set([53, 1, type, 255], 240);
    return ipv4Frame(Uint8Array.of(255, 255, 255, 255, 255, 255), GUEST_MAC, 0, 0xffffffff, IPPROTO_UDP, udpSegment(0, 0xffffffff, 68, 67, d));
  };
  for (const [send, expect] of [[1, 2], [3, 5]]) {
    rx.length = 0;
    u.send(dhcp(send));
    assert.is(rx.length, 1);
    const ip = parseIpv4(rx[0], ETH_HLEN)!;
    const udp = parseUdp(ip.payload)!;
    assert.is(udp.dport, 68);
    const d = udp.data;
    const v = new DataView(d.buffer, d.byteOffset);
    assert.is(v.getUint32(4), 0xdeadbeef, "xid");
    assert.is(v.getUint32(16), GUEST, "yiaddr");
    const opts = new Map<number, number[]>();
    for (let i = 240; d[i] !== 255; i += 2 + d[i + 1]) opts.set(d[i], [...d.subarray(i + 2, i + 2 + d[i + 1])]);
    assert.equal(opts.get(53), [expect]);
    assert.equal(opts.get(3), [10, 0, 2, 2]);
    assert.equal(opts.get(6), [10, 0, 2, 3]);
    assert.equal(opts.get(1), [255, 255, 255, 0]);
  }
});

test("usernet: ping of the gateway is answered with the same id, sequence and data", () => {
  const { u, rx } = stack();
  const body = Uint8Array.of(0x12, 0x34, 0, 7, 1, 2, 3, 4, 5);
  u.send(ipFrame(GUEST, GW, IPPROTO_ICMP, icmpMessage(8, 0, body)));
  const ip = parseIpv4(rx[0], ETH_HLEN)!;
  assert.is(ip.src, GW);
  assert.is(ip.payload[0], 0, "echo reply");
  assert.equal([...ip.payload.subarray(4)], [...body]);
  u.send(ipFrame(GUEST, REMOTE, IPPROTO_ICMP, icmpMessage(8, 0, body)));
  assert.is(rx.length, 1, "no ICMP to the outside");
});

test("usernet: a TCP connection is carried on a host stream (handshake, data both ways, FIN)", () => {
  const f = fakeOutside();
  const { u, rx } = stack(f.outside);
  u.send(tcpFrom(40000, REMOTE, 80, 1000, 0, TCP_SYN, undefined, 1460));
  assert.is(f.streams.length, 1);
  assert.is(f.streams[0].host, "93.184.216.34");
  assert.is(f.streams[0].port, 80);
  assert.is(rx.length, 0, "SYN-ACK waits for the host connection");
  f.streams[0].ev.onConnect();
  const synack = tcpOf(rx.shift()!);
  assert.is(synack.flags, TCP_SYN | TCP_ACK);
  assert.is(synack.ack, 1001);
  assert.is(synack.mss, 1460);
  const iss = synack.seq;
  u.send(tcpFrom(40000, REMOTE, 80, 1001, iss + 1, TCP_ACK));
  u.send(tcpFrom(40000, REMOTE, 80, 1001, iss + 1, TCP_ACK | TCP_PSH, new TextEncoder().encode("GET /")));
  assert.is(new TextDecoder().decode(Uint8Array.from(f.streams[0].written)), "GET /");
  assert.is(tcpOf(rx.shift()!).ack, 1006, "data acknowledged");
  // A retransmission of the same data is acknowledged again, not delivered twice.
  u.send(tcpFrom(40000, REMOTE, 80, 1001, iss + 1, TCP_ACK | TCP_PSH, new TextEncoder().encode("GET /")));
  assert.is(f.streams[0].written.length, 5);
  assert.is(tcpOf(rx.shift()!).ack, 1006);
  // 3000 bytes from the host go out in MSS-sized segments.
  f.streams[0].ev.onData(new Uint8Array(3000).fill(7));
  const segs = rx.splice(0).map(tcpOf);
  assert.equal(segs.map((s) => s.data.length), [1460, 1460, 80]);
  assert.equal(segs.map((s) => s.seq - iss - 1), [0, 1460, 2920]);
  u.send(tcpFrom(40000, REMOTE, 80, 1006, iss + 1 + 3000, TCP_ACK));
  // Host closes: FIN after the data; the guest ACKs and closes too.
  f.streams[0].ev.onEnd();
  const fin = tcpOf(rx.shift()!);
  assert.is(fin.flags & TCP_FIN, TCP_FIN);
  u.send(tcpFrom(40000, REMOTE, 80, 1006, fin.seq + 1, TCP_ACK | TCP_FIN));
  assert.ok(f.streams[0].ended, "the guest's FIN half-closes the host stream");
  assert.is(tcpOf(rx.shift()!).ack, 1007);
  assert.is(u.connections.tcp, 0);
});

test("usernet: unacknowledged data is sent again after the retransmission timeout", async () => {
  const f = fakeOutside();
  const { u, rx } = stack(f.outside);
  u.send(tcpFrom(40001, REMOTE, 80, 5, 0, TCP_SYN, undefined, 1460));
  f.streams[0].ev.onConnect();
  const iss = tcpOf(rx.shift()!).seq;
  u.send(tcpFrom(40001, REMOTE, 80, 6, iss + 1, TCP_ACK));
  f.streams[0].ev.onData(new TextEncoder().encode("hello"));
  assert.is(tcpOf(rx.shift()!).data.length, 5);
  await new Promise((r) => setTimeout(r, 400));
  const again = tcpOf(rx.shift()!);
  assert.is(again.seq, iss + 1);
  assert.is(new TextDecoder().decode(again.data), "hello");
  u.close();
});

test("usernet: refused connections and stray segments get RST", () => {
  const f = fakeOutside();
  const { u, rx } = stack(f.outside);
  u.send(tcpFrom(40002, REMOTE, 81, 77, 0, TCP_SYN));
  f.streams[0].ev.onClose(true);
  const rst = tcpOf(rx.shift()!);
  assert.is(rst.flags & TCP_RST, TCP_RST);
  assert.is(rst.ack, 78);
  u.send(tcpFrom(40003, REMOTE, 80, 1, 99, TCP_ACK));
  const stray = tcpOf(rx.shift()!);
  assert.is(stray.flags & TCP_RST, TCP_RST);
  assert.is(stray.seq, 99);
  // restrict-style: other hosts in the virtual net are unreachable.
  u.send(tcpFrom(40004, ipToU32("10.0.2.9"), 80, 1, 0, TCP_SYN));
  assert.is(tcpOf(rx.shift()!).flags & TCP_RST, TCP_RST);
});

test("usernet: UDP to the outside is NATed; DNS to 10.0.2.3 goes to the host's resolver", () => {
  const f = fakeOutside();
  const { u, rx } = stack(f.outside);
  const q = Uint8Array.of(1, 2, 3);
  u.send(ipFrame(GUEST, DNS, IPPROTO_UDP, udpSegment(GUEST, DNS, 5353, 53, q)));
  u.send(ipFrame(GUEST, REMOTE, IPPROTO_UDP, udpSegment(GUEST, REMOTE, 6000, 7777, q)));
  assert.equal(f.udpSent.map((s) => [s.host, s.port]), [["192.0.2.53", 53], ["93.184.216.34", 7777]]);
  f.udpSent[0].reply(Uint8Array.of(9, 9));
  const ip = parseIpv4(rx[0], ETH_HLEN)!;
  const udp = parseUdp(ip.payload)!;
  assert.is(ip.src, DNS, "the answer comes from the virtual DNS address");
  assert.is(udp.sport, 53);
  assert.is(udp.dport, 5353);
  assert.equal([...udp.data], [9, 9]);
  assert.is(u.connections.udp, 2);
  u.close();
});

test("usernet: through real sockets, a guest TCP connection to 10.0.2.2 reaches the host's loopback", async () => {
  const server = net.createServer((c) => {
    c.on("data", (d) => c.end(`echo:${d}`));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const { u, rx } = stack(nodeUserNetOutside());
  u.send(tcpFrom(41000, GW, port, 500, 0, TCP_SYN, undefined, 1460));
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(cond(), "timed out");
  };
  await until(() => rx.length > 0);
  const synack = tcpOf(rx.shift()!);
  u.send(tcpFrom(41000, GW, port, 501, synack.seq + 1, TCP_ACK | TCP_PSH, new TextEncoder().encode("hi")));
  let text = "";
  let fin = false;
  await until(() => {
    for (const f of rx.splice(0)) {
      const t = tcpOf(f);
      text += new TextDecoder().decode(t.data);
      if (t.flags & TCP_FIN) fin = true;
    }
    return fin;
  });
  assert.is(text, "echo:hi");
  u.close();
  server.close();
});

test("usernet: hostfwd=tcp::PORT-:22 turns a host connection into one from the gateway to the guest", async () => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
  const hostPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const u = new UserNet(nodeUserNetOutside(), { hostfwd: [`tcp:127.0.0.1:${hostPort}-:22`] });
  const rx: Uint8Array[] = [];
  u.onReceive = (f) => rx.push(f);
  const client = net.connect(hostPort, "127.0.0.1");
  let got = "";
  client.on("data", (d) => (got += d));
  client.write("ssh-probe");
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(cond(), "timed out");
  };
  await until(() => rx.length > 0);
  // The guest has been silent: the stack asks for its MAC first.
  const req = rx.shift()!;
  const rv = new DataView(req.buffer);
  assert.is(rv.getUint16(12), ETHERTYPE_ARP);
  assert.is(rv.getUint16(20), 1, "ARP request");
  assert.is(rv.getUint32(38), GUEST);
  const reply = new Uint8Array(42);
  reply.set(GW_MAC, 0);
  reply.set(GUEST_MAC, 6);
  const w = new DataView(reply.buffer);
  w.setUint16(12, ETHERTYPE_ARP);
  w.setUint16(14, 1);
  w.setUint16(16, 0x0800);
  reply[18] = 6;
  reply[19] = 4;
  w.setUint16(20, 2);
  reply.set(GUEST_MAC, 22);
  w.setUint32(28, GUEST);
  reply.set(GW_MAC, 32);
  w.setUint32(38, GW);
  u.send(reply);
  const synFrame = rx.shift()!;
  assert.equal([...synFrame.subarray(0, 6)], [...GUEST_MAC], "the held SYN goes to the learned MAC");
  const syn = tcpOf(synFrame);
  assert.is(syn.flags, TCP_SYN);
  assert.is(syn.dport, 22);
  // The guest accepts: SYN-ACK from 10.0.2.15:22 to 10.0.2.2:<sport>.
  const seg = (seq: number, ack: number, flags: number, data?: Uint8Array) =>
    ipFrame(GUEST, GW, IPPROTO_TCP, tcpSegment(GUEST, GW, 22, syn.sport, seq, ack, flags, 65535, data, flags & TCP_SYN ? 1460 : 0));
  u.send(seg(9000, syn.seq + 1, TCP_SYN | TCP_ACK));
  let data = "";
  await until(() => {
    for (const f of rx.splice(0)) data += new TextDecoder().decode(tcpOf(f).data);
    return data === "ssh-probe";
  });
  u.send(seg(9001, syn.seq + 1 + 9, TCP_ACK | TCP_PSH, new TextEncoder().encode("SSH-2.0-guest")));
  await until(() => got === "SSH-2.0-guest");
  client.destroy();
  u.close();
});

test.run();
