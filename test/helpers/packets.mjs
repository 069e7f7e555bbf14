// Builds IPv4/IPv6 packets for tests, with checksums computed here from the RFCs,
// independently of the translator's code.
import {isIPv4, isIPv6} from 'node:net';

/** One's complement sum of a buffer's 16-bit big-endian words (RFC 1071). */
export function onesSum(buf, initial = 0) {
  let sum = initial;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length % 2) sum += buf[buf.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

export function checksum(buf, initial = 0) {
  return ~onesSum(buf, initial) & 0xffff;
}

export function ip4(text) {
  if (!isIPv4(text)) throw new Error(`bad IPv4 ${text}`);
  return Buffer.from(text.split('.').map(Number));
}

export function ip6(text) {
  if (!isIPv6(text)) throw new Error(`bad IPv6 ${text}`);
  let [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const words = (s) => (s ? s.split(':') : []).flatMap((w) => (w.includes('.') ? [ip4(w).readUInt16BE(0).toString(16), ip4(w).readUInt16BE(2).toString(16)] : [w]));
  const h = words(head);
  const t = tail === null ? [] : words(tail);
  const all = tail === null ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  all.forEach((w, i) => out.writeUInt16BE(parseInt(w, 16), i * 2));
  return out;
}

function pseudo4(src, dst, proto, len) {
  const b = Buffer.alloc(12);
  src.copy(b, 0); dst.copy(b, 4); b[9] = proto; b.writeUInt16BE(len, 10);
  return b;
}

function pseudo6(src, dst, nh, len) {
  const b = Buffer.alloc(40);
  src.copy(b, 0); dst.copy(b, 16); b.writeUInt32BE(len, 32); b[39] = nh;
  return b;
}

export const PROTO = {ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58, FRAG: 44, HOPOPTS: 0};

/** L4 segment without checksum; the checksum is filled by finishL4. */
export function udp(sport, dport, payload = Buffer.alloc(0)) {
  const b = Buffer.alloc(8 + payload.length);
  b.writeUInt16BE(sport, 0); b.writeUInt16BE(dport, 2); b.writeUInt16BE(b.length, 4);
  payload.copy(b, 8);
  return {proto: PROTO.UDP, bytes: b, csumOff: 6};
}

export function tcp(sport, dport, {seq = 1, ack = 0, flags = 0x02, window = 65535, payload = Buffer.alloc(0)} = {}) {
  const b = Buffer.alloc(20 + payload.length);
  b.writeUInt16BE(sport, 0); b.writeUInt16BE(dport, 2); b.writeUInt32BE(seq >>> 0, 4); b.writeUInt32BE(ack >>> 0, 8);
  b[12] = 5 << 4; b[13] = flags; b.writeUInt16BE(window, 14);
  payload.copy(b, 20);
  return {proto: PROTO.TCP, bytes: b, csumOff: 16};
}

/** ICMP (v4 or v6 decided when the IP header is built) echo: type given by the caller. */
export function icmpEcho(type, id, seq, payload = Buffer.alloc(0)) {
  const b = Buffer.alloc(8 + payload.length);
  b[0] = type; b.writeUInt16BE(id, 4); b.writeUInt16BE(seq, 6);
  payload.copy(b, 8);
  return {proto: 'icmp', bytes: b, csumOff: 2};
}

/** An ICMP or ICMPv6 message (family decided by the IP header): type, code, the 4 bytes after the checksum, body. */
export function icmpMsg(type, code, rest, body = Buffer.alloc(0)) {
  const b = Buffer.alloc(8 + body.length);
  b[0] = type; b[1] = code; b.writeUInt32BE(rest >>> 0, 4);
  body.copy(b, 8);
  return {proto: 'icmp', bytes: b, csumOff: 2};
}

/** An L4 payload written as is (another protocol, or a non-first fragment): no checksum to fill. */
export function raw(proto, bytes) {
  return {proto, bytes: Buffer.from(bytes), csumOff: null};
}

function finishL4(l4, version, src, dst) {
  const b = Buffer.from(l4.bytes);
  if (l4.csumOff === null) return {proto: l4.proto, bytes: b};
  b.writeUInt16BE(0, l4.csumOff);
  let proto = l4.proto;
  if (proto === 'icmp') proto = version === 4 ? PROTO.ICMP : PROTO.ICMPV6;
  let sum;
  if (proto === PROTO.ICMP) sum = checksum(b);
  else if (version === 4) sum = checksum(b, onesSum(pseudo4(src, dst, proto, b.length)));
  else sum = checksum(b, onesSum(pseudo6(src, dst, proto, b.length)));
  if (proto === PROTO.UDP && sum === 0) sum = 0xffff;
  if (l4.zeroChecksum) sum = 0;
  b.writeUInt16BE(sum, l4.csumOff);
  return {proto, bytes: b};
}

export function ipv4Packet({src, dst, ttl = 64, tos = 0, id = 0, df = true, mf = false, fragOffset = 0, l4, protoOverride, options = Buffer.alloc(0)}) {
  const s = ip4(src), d = ip4(dst);
  const seg = finishL4(l4, 4, s, d);
  if (options.length % 4) throw new Error('IPv4 options must be padded to 4 bytes');
  const h = Buffer.alloc(20 + options.length);
  options.copy(h, 20);
  h[0] = 0x40 | (h.length / 4); h[1] = tos; h.writeUInt16BE(h.length + seg.bytes.length, 2); h.writeUInt16BE(id, 4);
  h.writeUInt16BE((df ? 0x4000 : 0) | (mf ? 0x2000 : 0) | fragOffset, 6);
  h[8] = ttl; h[9] = protoOverride ?? seg.proto; s.copy(h, 12); d.copy(h, 16);
  h.writeUInt16BE(checksum(h), 10);
  return Buffer.concat([h, seg.bytes]);
}

/** An extension header: type and its bytes (the next-header byte is filled when chained). */
export function extHeader(type, length = 8, fill = 0) {
  const b = Buffer.alloc(length, fill);
  b[1] = length / 8 - 1;
  if (type === 43) { b[2] = 0; b[3] = 0; }
  return {type, bytes: b};
}

export function fragHeader({offset = 0, more = false, id = 0}) {
  const b = Buffer.alloc(8);
  b.writeUInt16BE((offset << 3) | (more ? 1 : 0), 2);
  b.writeUInt32BE(id >>> 0, 4);
  return {type: 44, bytes: b};
}

export function ipv6Packet({src, dst, hopLimit = 64, trafficClass = 0, flowLabel = 0, l4, nextHeader, ext = []}) {
  const s = ip6(src), d = ip6(dst);
  const seg = finishL4(l4, 6, s, d);
  const chain = ext.map((e, i) => {
    const b = Buffer.from(e.bytes);
    b[0] = i + 1 < ext.length ? ext[i + 1].type : seg.proto;
    return b;
  });
  const payload = Buffer.concat([...chain, seg.bytes]);
  const h = Buffer.alloc(40);
  h.writeUInt32BE(((6 << 28) | (trafficClass << 20) | flowLabel) >>> 0, 0);
  h.writeUInt16BE(payload.length, 4); h[6] = nextHeader ?? (ext.length ? ext[0].type : seg.proto); h[7] = hopLimit;
  s.copy(h, 8); d.copy(h, 24);
  return Buffer.concat([h, payload]);
}

export const MAC_A = Buffer.from('020000000001', 'hex');
export const MAC_B = Buffer.from('020000000002', 'hex');

export function ether(ipPacket, {dst = MAC_A, src = MAC_B, type} = {}) {
  const t = type ?? (ipPacket[0] >> 4 === 6 ? 0x86dd : 0x0800);
  const h = Buffer.alloc(14);
  dst.copy(h, 0); src.copy(h, 6); h.writeUInt16BE(t, 12);
  return Buffer.concat([h, ipPacket]);
}

/** Verifies every checksum of an IPv4 or IPv6 packet from scratch; returns a list of problems. */
export function checksumProblems(pkt) {
  const problems = [];
  const v = pkt[0] >> 4;
  let proto, l4, src, dst;
  if (v === 4) {
    const ihl = (pkt[0] & 15) * 4;
    if (onesSum(pkt.subarray(0, ihl)) !== 0xffff) problems.push('IPv4 header checksum');
    proto = pkt[9]; l4 = pkt.subarray(ihl, pkt.readUInt16BE(2)); src = pkt.subarray(12, 16); dst = pkt.subarray(16, 20);
    if (pkt.readUInt16BE(6) & 0x3fff) return problems; // a fragment: its L4 checksum covers the whole datagram
  } else {
    let off = 40;
    proto = pkt[6];
    while ([0, 43, 60, 44].includes(proto)) {
      if (proto === 44) {
        if (pkt.readUInt16BE(off + 2) !== 0) return problems; // a fragment: nothing to verify alone
        proto = pkt[off]; off += 8;
      } else { proto = pkt[off]; off += (pkt[off + 1] + 1) * 8; }
    }
    l4 = pkt.subarray(off, 40 + pkt.readUInt16BE(4)); src = pkt.subarray(8, 24); dst = pkt.subarray(24, 40);
  }
  if (![PROTO.ICMP, PROTO.ICMPV6, PROTO.TCP, PROTO.UDP].includes(proto)) return problems;
  let sum;
  if (proto === PROTO.ICMP) sum = onesSum(l4);
  else if (v === 4) {
    if (proto === PROTO.UDP && l4.readUInt16BE(6) === 0) return problems;
    sum = onesSum(l4, onesSum(pseudo4(src, dst, proto, l4.length)));
  } else sum = onesSum(l4, onesSum(pseudo6(src, dst, proto, l4.length)));
  if (sum !== 0xffff) problems.push(`L4 (protocol ${proto}) checksum`);
  return problems;
}
