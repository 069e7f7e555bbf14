/** Small IPv6/IPv4 text helpers for the instance manager (full parsing lives in src/model/). */

/** RFC 5952 text of a 16-byte IPv6 address. */
export function formatIpv6(addr: Buffer): string {
  if (addr.length !== 16) throw new Error('internal: IPv6 address must be 16 bytes');
  const words = Array.from({length: 8}, (_, i) => addr.readUInt16BE(i * 2));
  // Longest run (>= 2) of zero words; the first one on ties.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

export function formatIpv6Prefix(p: {addr: Buffer; len: number}): string {
  return `${formatIpv6(p.addr)}/${p.len}`;
}

/** Copy of addr with every bit after len cleared. */
export function maskIpv6(addr: Buffer, len: number): Buffer {
  const out = Buffer.from(addr);
  for (let bit = len; bit < 128; bit++) out[bit >> 3] &= ~(0x80 >> (bit & 7));
  return out;
}

/** Dotted IPv4 text to 4 bytes in network order, or null. */
export function ipv4Bytes(text: string): Buffer | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : 256));
  if (bytes.some((b) => b > 255)) return null;
  return Buffer.from(bytes);
}
