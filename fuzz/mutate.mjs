// Structure-aware mutations of IP packets: a field of a known header set to a value chosen for its size (limits,
// off-by-one, a neighbour of the current value, random), lengths that lie, truncation, extension-header chains,
// IPv4 options, fragmentation, nesting in ICMP errors (errors inside errors), raw byte damage and random bytes.
// Most results then get their checksums (and sometimes lengths) repaired, so that they pass the cheap checks
// and reach the translator's deeper steps; the rest keep them broken.
import {dissect, fixChecksums, fixLengths} from './dissect.mjs';

function interesting(rng, size, current) {
  const max = size >= 4 ? 0xffffffff : (1 << (8 * size)) - 1;
  return rng.weighted([
    [3, 0],
    [2, max],
    [2, max - 1],
    [2, 1],
    [2, (max >>> 1) + 1],
    [3, (current + rng.range(-3, 3)) >>> 0],
    [3, rng.u32()],
    [1, 0x7f],
    [1, 0xff],
    [1, 0x100],
    [1, 0x5dc], // 1500
    [1, 0x500], // 1280
    [1, 0x3c],
  ]) & max;
}

function readN(p, off, size) {
  if (size === 1) return p[off];
  if (size === 2) return p.readUInt16BE(off);
  if (size === 3) return (p[off] << 16) | p.readUInt16BE(off + 1);
  if (size === 4) return p.readUInt32BE(off);
  return 0;
}

function writeN(p, off, size, v) {
  if (size === 1) p[off] = v & 0xff;
  else if (size === 2) p.writeUInt16BE(v & 0xffff, off);
  else if (size === 3) {
    p[off] = (v >>> 16) & 0xff;
    p.writeUInt16BE(v & 0xffff, off + 1);
  } else if (size === 4) p.writeUInt32BE(v >>> 0, off);
  else for (let i = 0; i < size; i++) p[off + i] = v & 0xff; // addresses: a pattern, or randomised below
}

const ops = {
  /** One header field to an interesting value. */
  field(rng, p) {
    const d = dissect(p);
    if (!d.fields.length) return ops.bytes(rng, p);
    const f = rng.pick(d.fields);
    if (f.size > 4) {
      // An address: one byte changed, or the whole of it random.
      if (rng.chance(0.5)) p[f.off + rng.int(f.size)] = rng.u32() & 0xff;
      else rng.bytes(f.size).copy(p, f.off);
    } else writeN(p, f.off, f.size, interesting(rng, f.size, readN(p, f.off, f.size)));
    return p;
  },
  /** A length field that lies. */
  length(rng, p) {
    const d = dissect(p);
    const lens = d.fields.filter((f) => /(totlen|plen|udp\.len|ext\.len|vihl|tcp\.doff)$/.test(f.name));
    if (!lens.length) return ops.field(rng, p);
    const f = rng.pick(lens);
    const cur = readN(p, f.off, f.size);
    let v;
    if (f.name.endsWith('vihl')) v = (cur & 0xf0) | rng.int(16);
    else if (f.name.endsWith('tcp.doff')) v = (rng.int(16) << 4) | (cur & 0x0f);
    else v = rng.weighted([[3, cur + rng.range(-8, 8)], [2, 0], [1, 0xffff], [2, cur * 2], [2, cur >>> 1], [1, rng.u32()]]);
    writeN(p, f.off, f.size, v >>> 0);
    return p;
  },
  /** Cut at any byte. */
  truncate(rng, p) {
    return p.subarray(0, rng.int(p.length + 1));
  },
  /** Bytes after the packet (Ethernet padding, or garbage). */
  extend(rng, p) {
    return Buffer.concat([p, rng.chance(0.5) ? Buffer.alloc(rng.range(1, 46)) : rng.bytes(rng.range(1, 300))]);
  },
  /** IPv6: extension headers inserted after the fixed header (any kind, any number, sometimes malformed). */
  ext6(rng, p) {
    if (p.length < 40 || p[0] >> 4 !== 6) return ops.field(rng, p);
    const chain = [];
    for (let i = rng.range(1, 10); i > 0; i--) {
      const type = rng.weighted([[4, 0], [4, 60], [3, 43], [3, 44], [1, 51], [1, 135], [1, 139], [1, rng.int(256)]]);
      let b;
      if (type === 44) {
        b = Buffer.alloc(8);
        b.writeUInt16BE((rng.chance(0.5) ? 0 : rng.int(8192) << 3) | (rng.chance(0.5) ? 1 : 0), 2);
        b.writeUInt32BE(rng.u32(), 4);
      } else {
        const len8 = rng.weighted([[6, 0], [2, 1], [1, rng.int(4)]]);
        b = type === 51 ? Buffer.alloc((len8 + 2) * 4) : Buffer.alloc((len8 + 1) * 8);
        b[1] = len8;
        if (type === 43) {
          b[2] = rng.pick([0, 2, 3, 4]);
          b[3] = rng.chance(0.6) ? 0 : rng.range(1, 3);
        } else if (type !== 51 && rng.chance(0.4)) rng.bytes(b.length - 2).copy(b, 2); // options: PadN or junk
        else if (type !== 51) {
          b[2] = 1; // PadN filling the header
          b[3] = b.length - 4;
        }
      }
      chain.push({type, b});
    }
    const firstNh = p[6];
    p[6] = chain[0].type;
    chain.forEach((e, i) => (e.b[0] = i + 1 < chain.length ? chain[i + 1].type : firstNh));
    return Buffer.concat([p.subarray(0, 40), ...chain.map((e) => e.b), p.subarray(40)]);
  },
  /** IPv4: options after the fixed header (record route, timestamp, NOPs, junk). */
  opt4(rng, p) {
    if (p.length < 20 || p[0] >> 4 !== 4) return ops.field(rng, p);
    const ihl = (p[0] & 15) * 4;
    const words = rng.range(1, 10);
    const o = Buffer.alloc(words * 4, 1);
    const kind = rng.pick([7, 68, 130, 131, 137, 148, 0, rng.int(256)]);
    o[0] = kind;
    if (kind !== 0 && kind !== 1) {
      o[1] = rng.chance(0.8) ? Math.min(o.length, rng.range(2, o.length)) : rng.int(256);
      o[2] = 4;
    }
    if (rng.chance(0.3)) rng.bytes(o.length).copy(o);
    const q = Buffer.concat([p.subarray(0, Math.max(20, Math.min(ihl, p.length))), o, p.subarray(Math.max(20, Math.min(ihl, p.length)))]);
    q[0] = 0x40 | Math.min(15, (Math.max(20, ihl) + o.length) / 4);
    return q;
  },
  /** Made into a fragment: the first (MF), a later one, or an atomic one. */
  fragment(rng, p) {
    if (p.length >= 20 && p[0] >> 4 === 4) {
      const kind = rng.int(3);
      const ihl = Math.max(20, (p[0] & 15) * 4);
      let q = p;
      if (kind === 0) {
        // first fragment: cut, MF
        const cut = ihl + 8 * rng.range(1, Math.max(1, ((p.length - ihl) >> 3) || 1));
        q = Buffer.from(p.subarray(0, Math.min(cut, p.length)));
        q.writeUInt16BE((q.readUInt16BE(6) & 0x4000) | 0x2000, 6);
      } else {
        q.writeUInt16BE((rng.chance(0.5) ? 0x2000 : 0) | rng.range(1, 400), 6);
      }
      q.writeUInt16BE(q.length, 2);
      return q;
    }
    if (p.length >= 40 && p[0] >> 4 === 6) {
      const f = Buffer.alloc(8);
      f[0] = p[6];
      const kind = rng.int(3);
      const id = rng.chance(0.5) ? 0x1234 : rng.u32();
      f.writeUInt32BE(id >>> 0, 4);
      let body = p.subarray(40);
      if (kind === 0) {
        const cut = 8 * rng.range(1, Math.max(1, body.length >> 3));
        body = body.subarray(0, cut);
        f.writeUInt16BE(1, 2);
      } else if (kind === 1) f.writeUInt16BE((rng.range(1, 400) << 3) | (rng.chance(0.5) ? 1 : 0), 2);
      const q = Buffer.concat([p.subarray(0, 40), f, body]);
      q[6] = 44;
      q.writeUInt16BE(q.length - 40, 4);
      return q;
    }
    return ops.field(rng, p);
  },
  /** Wrapped as the inner packet of an ICMP error of its family (errors inside errors, when repeated). */
  nest(rng, p) {
    return wrapInError(rng, p, rng.chance(0.8));
  },
  /** Bits flipped, bytes set. */
  bytes(rng, p) {
    if (!p.length) return rng.bytes(rng.range(1, 80));
    for (let i = rng.range(1, 8); i > 0; i--) {
      const at = rng.int(p.length);
      if (rng.chance(0.5)) p[at] ^= 1 << rng.int(8);
      else p[at] = rng.u32() & 0xff;
    }
    return p;
  },
  /** Random bytes after a plausible first byte. */
  random(rng) {
    const b = rng.bytes(rng.range(1, 200));
    if (rng.chance(0.7)) b[0] = rng.pick([0x45, 0x46, 0x4f, 0x60, 0x6f, 0x40]);
    return b;
  },
};

/**
 * An ICMP error about packet `p` (as the node `p` was sent to, or a router on the way, would send it back to p's
 * source), its inner packet cut short at random. `proper`: a type/code the RFCs define for errors.
 */
export function wrapInError(rng, p, proper = true) {
  const v = p.length ? p[0] >> 4 : 4;
  const innerLen = rng.weighted([[4, p.length], [3, Math.min(p.length, rng.range(0, 68))], [2, Math.min(p.length, rng.range(20, 600))]]);
  const inner = p.subarray(0, innerLen);
  if (v === 6 && p.length >= 40) {
    const h = Buffer.alloc(48);
    h.writeUInt32BE(0x60000000, 0);
    h.writeUInt16BE(8 + inner.length, 4);
    h[6] = 58;
    h[7] = rng.chance(0.9) ? 64 : rng.int(3);
    p.copy(h, 8, 24, 40); // from the packet's destination (or a router: its last bytes changed)
    if (rng.chance(0.3)) h[23] ^= 0x55;
    p.copy(h, 24, 8, 24); // to its source
    const [type, code] = proper ? rng.pick([[1, 0], [1, 1], [1, 3], [1, 4], [2, 0], [3, 0], [3, 1], [4, 0], [4, 1], [4, 2]]) : [rng.int(128), rng.int(256)];
    h[40] = type;
    h[41] = code;
    h.writeUInt32BE(type === 2 ? rng.pick([1280, 1400, 1500, 0, 68, 65535]) : type === 4 ? rng.int(60) : 0, 44);
    return Buffer.concat([h, inner]);
  }
  const h = Buffer.alloc(28);
  h[0] = 0x45;
  h.writeUInt16BE(28 + inner.length, 2);
  h[8] = rng.chance(0.9) ? 64 : rng.int(3);
  h[9] = 1;
  if (p.length >= 20) {
    p.copy(h, 12, 16, 20);
    if (rng.chance(0.3)) h[15] ^= 0x55;
    p.copy(h, 16, 12, 16);
  }
  const [type, code] = proper ? rng.pick([[3, 0], [3, 1], [3, 2], [3, 3], [3, 4], [3, 9], [3, 10], [3, 13], [11, 0], [11, 1], [12, 0], [12, 2], [4, 0], [5, 0]]) : [rng.int(256), rng.int(256)];
  h[20] = type;
  h[21] = code;
  h.writeUInt32BE(type === 3 && code === 4 ? rng.pick([1500, 1280, 576, 0, 68, 1006]) : type === 12 ? rng.int(40) << 24 : 0, 24);
  return Buffer.concat([h, inner]);
}

const WEIGHTS = [
  [30, 'field'],
  [10, 'length'],
  [8, 'truncate'],
  [3, 'extend'],
  [7, 'ext6'],
  [5, 'opt4'],
  [7, 'fragment'],
  [7, 'nest'],
  [8, 'bytes'],
  [2, 'random'],
];

/** One to four mutations of a copy of `seed`, then (most of the time) lengths and checksums repaired. */
export function mutate(rng, seed) {
  let p = Buffer.from(seed);
  const names = [];
  for (let i = rng.weighted([[6, 1], [3, 2], [2, 3], [1, 4]]); i > 0; i--) {
    const name = rng.weighted(WEIGHTS);
    names.push(name);
    p = ops[name](rng, p);
  }
  const lied = names.includes('length') || names.includes('truncate');
  if (!lied && rng.chance(0.5)) p = fixLengths(Buffer.from(p));
  if (rng.chance(0.75)) p = fixChecksums(Buffer.from(p));
  return {packet: p, ops: names};
}
