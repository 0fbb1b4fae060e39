// Filling in a TCP/UDP checksum the sender left blank (RFC 1071 one's-complement
// sum over the pseudo-header and the segment). Linux's netfront hands its packets
// over with NETTXF_csum_blank when it offloads the checksum (always for TCP/UDP over
// IPv4: netfront has no way to turn that offload off), and the backend finishes
// the job before the frame leaves the host, as QEMU's xen_nic does with
// net_checksum_calculate().
//
// Only Ethernet II frames, optionally one VLAN tag, IPv4 (unfragmented) or IPv6
// without extension headers. Anything else is left as it is. Every offset is checked
// against the frame: the bytes come from the guest.

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

function sum16(b: Uint8Array, start: number, end: number, acc: number): number {
  let i = start;
  for (; i + 1 < end; i += 2) acc += (b[i] << 8) | b[i + 1];
  if (i < end) acc += b[i] << 8;
  return acc;
}

function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return acc;
}

/** Compute the L4 checksum of `frame` in place. Returns true when it was filled in. */
export function fillL4Checksum(frame: Uint8Array): boolean {
  let l3 = 14;
  if (frame.length < l3) return false;
  let type = (frame[12] << 8) | frame[13];
  if (type === ETHERTYPE_VLAN) {
    if (frame.length < 18) return false;
    type = (frame[16] << 8) | frame[17];
    l3 = 18;
  }
  let proto: number;
  let l4: number;
  let l4len: number;
  let pseudo: number;
  if (type === ETHERTYPE_IPV4) {
    if (frame.length < l3 + 20 || frame[l3] >> 4 !== 4) return false;
    const ihl = (frame[l3] & 0xf) * 4;
    const total = (frame[l3 + 2] << 8) | frame[l3 + 3];
    const frag = ((frame[l3 + 6] << 8) | frame[l3 + 7]) & 0x3fff; // MF + offset
    if (ihl < 20 || frag !== 0 || total < ihl || l3 + total > frame.length) return false;
    proto = frame[l3 + 9];
    l4 = l3 + ihl;
    l4len = total - ihl;
    pseudo = sum16(frame, l3 + 12, l3 + 20, 0) + proto + l4len;
  } else if (type === ETHERTYPE_IPV6) {
    if (frame.length < l3 + 40 || frame[l3] >> 4 !== 6) return false;
    l4len = (frame[l3 + 4] << 8) | frame[l3 + 5];
    proto = frame[l3 + 6];
    l4 = l3 + 40;
    if (l4 + l4len > frame.length) return false;
    pseudo = sum16(frame, l3 + 8, l3 + 40, 0) + Math.floor(l4len / 0x10000) + (l4len & 0xffff) + proto;
  } else {
    return false;
  }
  let field: number;
  if (proto === IPPROTO_TCP) {
    if (l4len < 20) return false;
    field = l4 + 16;
  } else if (proto === IPPROTO_UDP) {
    if (l4len < 8) return false;
    field = l4 + 6;
  } else {
    return false;
  }
  frame[field] = 0;
  frame[field + 1] = 0;
  let csum = ~fold(sum16(frame, l4, l4 + l4len, fold(pseudo))) & 0xffff;
  if (proto === IPPROTO_UDP && csum === 0) csum = 0xffff;
  frame[field] = csum >> 8;
  frame[field + 1] = csum & 0xff;
  return true;
}
