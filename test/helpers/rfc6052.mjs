// RFC 6052 IPv4-embedded IPv6 addresses, written independently of src/ so tests do not trust the code under test.
import net from 'node:net';

/** 16 bytes of an IPv6 address. */
export function parse6(addr) {
  if (!net.isIPv6(addr)) throw new Error(`not an IPv6 address: ${addr}`);
  let [head, tail] = addr.includes('::') ? addr.split('::') : [addr, null];
  const groups = (s) => (s ? s.split(':') : []);
  let hs = groups(head);
  let ts = tail === null ? [] : groups(tail);
  const dotted = (arr) => {
    const last = arr[arr.length - 1];
    if (last && last.includes('.')) {
      const b = last.split('.').map(Number);
      arr.splice(arr.length - 1, 1, ((b[0] << 8) | b[1]).toString(16), ((b[2] << 8) | b[3]).toString(16));
    }
  };
  if (ts.length) dotted(ts);
  else dotted(hs);
  const fill = tail === null ? [] : new Array(8 - hs.length - ts.length).fill('0');
  const all = [...hs, ...fill, ...ts];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** Canonical (RFC 5952) text of 16 bytes. */
export function format6(buf) {
  const g = [];
  for (let i = 0; i < 16; i += 2) g.push(buf.readUInt16BE(i));
  // longest run of >= 2 zero groups, first one on ties
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export const parse4 = (addr) => {
  if (!net.isIPv4(addr)) throw new Error(`not an IPv4 address: ${addr}`);
  return Buffer.from(addr.split('.').map(Number));
};
export const format4 = (b) => [...b].join('.');

/** Byte positions of the 4 IPv4 octets for each RFC 6052 prefix length (bits 64..71 are always skipped). */
const POSITIONS = {32: [4, 5, 6, 7], 40: [5, 6, 7, 9], 48: [6, 7, 9, 10], 56: [7, 9, 10, 11], 64: [9, 10, 11, 12], 96: [12, 13, 14, 15]};

function splitPrefix(prefix) {
  const [addr, len] = prefix.split('/');
  const plen = Number(len);
  if (!(plen in POSITIONS)) throw new Error(`RFC 6052 prefix length must be 32, 40, 48, 56, 64 or 96: ${prefix}`);
  return {bytes: parse6(addr), plen};
}

/** IPv4 address -> IPv6 address inside `prefix` (e.g. '2001:db8:100::/40'). */
export function embed(prefix, ipv4) {
  const {bytes, plen} = splitPrefix(prefix);
  const out = Buffer.alloc(16);
  bytes.copy(out, 0, 0, plen / 8);
  const v4 = parse4(ipv4);
  POSITIONS[plen].forEach((pos, i) => (out[pos] = v4[i]));
  return format6(out);
}

/** IPv6 address inside `prefix` -> the IPv4 address it embeds. */
export function extract(prefix, ipv6) {
  const {plen} = splitPrefix(prefix);
  const b = parse6(ipv6);
  return format4(Buffer.from(POSITIONS[plen].map((p) => b[p])));
}
