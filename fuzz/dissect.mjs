// Structure of an IP packet as far as the bytes allow: the fields a structure-aware mutation can aim at, and the
// checksum/length repairs that let a mutated packet reach the translator's deeper steps. Never throws: a packet
// too short for a header simply has fewer fields. Offsets are from the start of the IP header.
import {onesSum} from '../test/helpers/packets.mjs';

const EXT6 = new Set([0, 43, 60, 44, 51, 135, 139, 140]);

function field(fields, name, off, size, avail) {
  if (off + size <= avail) fields.push({name, off, size});
}

/**
 * Fields of the IP packet `p` (from `base`, for inner packets of ICMP errors), and where its parts are:
 * {version, fields, l4: {proto, off} | null, inner: offset of an ICMP error's inner packet | null, frag: bool}.
 */
export function dissect(p, base = 0, depth = 0) {
  const fields = [];
  const n = p.length;
  const out = {version: 0, fields, l4: null, inner: null, frag: false, hdrEnd: base};
  if (base >= n) return out;
  const v = p[base] >> 4;
  out.version = v;
  let proto;
  let off;
  if (v === 4) {
    const f = (name, o, s) => field(fields, `ip4.${name}`, base + o, s, n);
    f('vihl', 0, 1); f('tos', 1, 1); f('totlen', 2, 2); f('id', 4, 2); f('frag', 6, 2); f('ttl', 8, 1);
    f('proto', 9, 1); f('csum', 10, 2); f('src', 12, 4); f('dst', 16, 4);
    const ihl = (p[base] & 15) * 4;
    for (let o = 20; o < ihl && base + o < n; o++) field(fields, 'ip4.opt', base + o, 1, n);
    if (base + 20 > n) return out;
    out.frag = (p.readUInt16BE(base + 6) & 0x3fff) !== 0;
    if ((p.readUInt16BE(base + 6) & 0x1fff) !== 0) return out; // a later fragment: no L4 header
    proto = p[base + 9];
    off = base + Math.max(20, ihl);
  } else if (v === 6) {
    const f = (name, o, s) => field(fields, `ip6.${name}`, base + o, s, n);
    f('vtc', 0, 1); f('tcflow', 1, 3); f('plen', 4, 2); f('nh', 6, 1); f('hlim', 7, 1); f('src', 8, 16); f('dst', 24, 16);
    if (base + 40 > n) return out;
    proto = p[base + 6];
    off = base + 40;
    for (let i = 0; i < 12 && EXT6.has(proto) && off + 8 <= n; i++) {
      const nh = p[off];
      field(fields, 'ext.nh', off, 1, n);
      if (proto === 44) {
        field(fields, 'frag.off', off + 2, 2, n);
        field(fields, 'frag.id', off + 4, 4, n);
        out.frag = true;
        if ((p.readUInt16BE(off + 2) & 0xfff8) !== 0) return out;
        off += 8;
      } else {
        field(fields, 'ext.len', off + 1, 1, n);
        if (proto === 43) {
          field(fields, 'rh.type', off + 2, 1, n);
          field(fields, 'rh.segleft', off + 3, 1, n);
        } else field(fields, 'ext.opt', off + 2, 1, n);
        off += proto === 51 ? (p[off + 1] + 2) * 4 : (p[off + 1] + 1) * 8;
      }
      proto = nh;
    }
  } else {
    return out;
  }
  out.hdrEnd = off;
  if (off > n) return out;
  out.l4 = {proto, off};
  const f = (name, o, s) => field(fields, name, off + o, s, n);
  if (proto === 6) {
    f('tcp.sport', 0, 2); f('tcp.dport', 2, 2); f('tcp.seq', 4, 4); f('tcp.ack', 8, 4); f('tcp.doff', 12, 1);
    f('tcp.flags', 13, 1); f('tcp.win', 14, 2); f('tcp.csum', 16, 2); f('tcp.urg', 18, 2);
  } else if (proto === 17) {
    f('udp.sport', 0, 2); f('udp.dport', 2, 2); f('udp.len', 4, 2); f('udp.csum', 6, 2);
  } else if (proto === 1 || proto === 58) {
    f('icmp.type', 0, 1); f('icmp.code', 1, 1); f('icmp.csum', 2, 2); f('icmp.rest', 4, 4);
    f('icmp.id', 4, 2); f('icmp.seq', 6, 2);
    const t = p[off];
    const isErr = proto === 1 ? [3, 4, 5, 11, 12].includes(t) : t < 128;
    if (isErr && off + 8 < n && depth < 3) {
      out.inner = off + 8;
      const inner = dissect(p, off + 8, depth + 1);
      for (const x of inner.fields) fields.push({...x, name: `inner.${x.name}`});
    }
  }
  return out;
}

/** The IPv4 header checksum of the header at `base`, recomputed (when the header is all there). */
function fixIp4Header(p, base) {
  const ihl = (p[base] & 15) * 4;
  if (ihl < 20 || base + ihl > p.length) return;
  p.writeUInt16BE(0, base + 10);
  p.writeUInt16BE(~onesSum(p.subarray(base, base + ihl)) & 0xffff, base + 10);
}

function pseudoSum(p, base, version, proto, len) {
  const b = version === 4 ? Buffer.alloc(12) : Buffer.alloc(40);
  if (version === 4) {
    p.copy(b, 0, base + 12, base + 20);
    b[9] = proto;
    b.writeUInt16BE(len & 0xffff, 10);
  } else {
    p.copy(b, 0, base + 8, base + 40);
    b.writeUInt32BE(len >>> 0, 32);
    b[39] = proto;
  }
  return onesSum(b);
}

/** The declared end of the packet at `base` (its length field), bounded by the bytes there. */
function declaredEnd(p, base, version) {
  const end = version === 4 ? base + p.readUInt16BE(base + 2) : base + 40 + p.readUInt16BE(base + 4);
  return Math.min(end, p.length);
}

/**
 * Recomputes checksums from the inside out: the inner packet of an ICMP error first (over what is there), then
 * the L4 checksum (over the declared length) and the IPv4 header checksum. Fragments keep their L4 checksum.
 */
export function fixChecksums(p, base = 0, depth = 0) {
  const d = dissect(p, base, depth);
  if (d.version !== 4 && d.version !== 6) return p;
  if (d.version === 4 && base + 20 > p.length) return p;
  if (d.version === 6 && base + 40 > p.length) return p;
  if (d.inner !== null) fixChecksums(p, d.inner, depth + 1);
  if (d.l4 && !d.frag) {
    const {proto, off} = d.l4;
    const end = depth === 0 ? declaredEnd(p, base, d.version) : p.length;
    const csumOff = proto === 6 ? 16 : proto === 17 ? 6 : proto === 1 || proto === 58 ? 2 : -1;
    if (csumOff >= 0 && off + csumOff + 2 <= end) {
      p.writeUInt16BE(0, off + csumOff);
      const seg = p.subarray(off, end);
      const init = proto === 1 ? 0 : pseudoSum(p, base, d.version, proto, seg.length);
      let sum = ~onesSum(seg, init) & 0xffff;
      if (proto === 17 && sum === 0) sum = 0xffff;
      p.writeUInt16BE(sum, off + csumOff);
    }
  }
  if (d.version === 4) fixIp4Header(p, base);
  return p;
}

/** Makes the outer length fields (IP, UDP) say what the bytes are. */
export function fixLengths(p) {
  const d = dissect(p);
  if (d.version === 4 && p.length >= 20) p.writeUInt16BE(Math.min(p.length, 0xffff), 2);
  if (d.version === 6 && p.length >= 40) p.writeUInt16BE(Math.min(p.length - 40, 0xffff), 4);
  if (d.l4 && d.l4.proto === 17 && !d.frag && d.l4.off + 8 <= p.length) p.writeUInt16BE(Math.min(p.length - d.l4.off, 0xffff), d.l4.off + 4);
  return p;
}
