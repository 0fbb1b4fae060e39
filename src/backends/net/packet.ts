// Ethernet / IPv4 / UDP / TCP / ICMP framing for the user-mode network stack
// (user.ts): parsing what the guest sends and building what it receives.
// RFC 791 (IPv4), RFC 768 (UDP), RFC 793 (TCP), RFC 792 (ICMP), RFC 826 (ARP).

export const ETH_HLEN = 14;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** Dotted quad <-> u32. */
export function ipToU32(s: string): number {
  const p = s.split(".").map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`${s}: not an IPv4 address`);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}
export function u32ToIp(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** The Internet checksum (RFC 1071) of `data`, folded into `initial`. */
export function checksum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const n = data.length & ~1;
  for (let i = 0; i < n; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (data.length & 1) sum += data[data.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}
const finish = (sum: number) => ~sum & 0xffff;

/** Pseudo-header sum for UDP/TCP checksums. */
function pseudo(src: number, dst: number, proto: number, len: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + len;
}

export interface Ipv4 {
  src: number;
  dst: number;
  proto: number;
  ttl: number;
  /** The transport payload (header excluded), a view into the frame. */
  payload: Uint8Array;
}

/** Parses an IPv4 packet (at `off` in the frame); null when malformed or fragmented. */
export function parseIpv4(frame: Uint8Array, off: number): Ipv4 | null {
  if (frame.length < off + 20) return null;
  const v = new DataView(frame.buffer, frame.byteOffset + off, frame.length - off);
  const vihl = v.getUint8(0);
  const ihl = (vihl & 15) * 4;
  if (vihl >> 4 !== 4 || ihl < 20) return null;
  const total = v.getUint16(2);
  if (total < ihl || total > frame.length - off) return null;
  const frag = v.getUint16(6);
  if ((frag & 0x3fff) !== 0) return null; // more-fragments or an offset: not reassembled here
  if (finish(checksum(frame.subarray(off, off + ihl))) !== 0) return null;
  return { src: v.getUint32(12), dst: v.getUint32(16), proto: v.getUint8(9), ttl: v.getUint8(8), payload: frame.subarray(off + ihl, off + total) };
}

let ipId = 1;

/** An Ethernet frame carrying an IPv4 packet with `payload` (transport header included). */
export function ipv4Frame(dstMac: Uint8Array, srcMac: Uint8Array, src: number, dst: number, proto: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(ETH_HLEN + 20 + payload.length);
  f.set(dstMac, 0);
  f.set(srcMac, 6);
  const v = new DataView(f.buffer);
  v.setUint16(12, ETHERTYPE_IPV4);
  v.setUint8(14, 0x45);
  v.setUint16(16, 20 + payload.length);
  v.setUint16(18, ipId++ & 0xffff);
  v.setUint16(20, 0x4000); // don't fragment
  v.setUint8(22, 64);
  v.setUint8(23, proto);
  v.setUint32(26, src);
  v.setUint32(30, dst);
  v.setUint16(24, finish(checksum(f.subarray(14, 34))));
  f.set(payload, 34);
  return f;
}

export interface Udp {
  sport: number;
  dport: number;
  data: Uint8Array;
}

export function parseUdp(p: Uint8Array): Udp | null {
  if (p.length < 8) return null;
  const v = new DataView(p.buffer, p.byteOffset, p.length);
  const len = v.getUint16(4);
  if (len < 8 || len > p.length) return null;
  return { sport: v.getUint16(0), dport: v.getUint16(2), data: p.subarray(8, len) };
}

export function udpSegment(src: number, dst: number, sport: number, dport: number, data: Uint8Array): Uint8Array {
  const u = new Uint8Array(8 + data.length);
  const v = new DataView(u.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint16(4, u.length);
  u.set(data, 8);
  const c = finish(checksum(u, pseudo(src, dst, IPPROTO_UDP, u.length)));
  v.setUint16(6, c === 0 ? 0xffff : c);
  return u;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export interface Tcp {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** MSS option of a SYN, else 0. */
  mss: number;
  /** Window scale shift of a SYN (-1: none). */
  wscale: number;
  data: Uint8Array;
}

export function parseTcp(p: Uint8Array, src: number, dst: number): Tcp | null {
  if (p.length < 20) return null;
  const v = new DataView(p.buffer, p.byteOffset, p.length);
  const hl = (v.getUint8(12) >> 4) * 4;
  if (hl < 20 || hl > p.length) return null;
  if (finish(checksum(p, pseudo(src, dst, IPPROTO_TCP, p.length))) !== 0) return null;
  const t: Tcp = {
    sport: v.getUint16(0),
    dport: v.getUint16(2),
    seq: v.getUint32(4),
    ack: v.getUint32(8),
    flags: v.getUint8(13),
    window: v.getUint16(14),
    mss: 0,
    wscale: -1,
    data: p.subarray(hl),
  };
  // Options: MSS (2) and window scale (3) matter on a SYN.
  for (let i = 20; i < hl; ) {
    const kind = p[i];
    if (kind === 0) break;
    if (kind === 1) {
      i++;
      continue;
    }
    const len = p[i + 1];
    if (len < 2 || i + len > hl) break;
    if (kind === 2 && len === 4) t.mss = v.getUint16(i + 2);
    if (kind === 3 && len === 3) t.wscale = Math.min(14, p[i + 2]);
    i += len;
  }
  return t;
}

export function tcpSegment(
  src: number, dst: number, sport: number, dport: number, seq: number, ack: number, flags: number, window: number,
  data: Uint8Array = new Uint8Array(0), mss = 0,
): Uint8Array {
  const hl = mss ? 24 : 20;
  const t = new Uint8Array(hl + data.length);
  const v = new DataView(t.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint32(4, seq >>> 0);
  v.setUint32(8, ack >>> 0);
  v.setUint8(12, (hl / 4) << 4);
  v.setUint8(13, flags);
  v.setUint16(14, Math.min(window, 0xffff));
  if (mss) {
    v.setUint8(20, 2);
    v.setUint8(21, 4);
    v.setUint16(22, mss);
  }
  t.set(data, hl);
  v.setUint16(16, finish(checksum(t, pseudo(src, dst, IPPROTO_TCP, t.length))));
  return t;
}

/** An ICMP message with `rest` after the 4-byte type/code/checksum header. */
export function icmpMessage(type: number, code: number, rest: Uint8Array): Uint8Array {
  const m = new Uint8Array(4 + rest.length);
  m[0] = type;
  m[1] = code;
  m.set(rest, 4);
  new DataView(m.buffer).setUint16(2, finish(checksum(m)));
  return m;
}
