/**
 * IPv6 addresses and prefixes: strict RFC 4291 section 2.2 text parsing and
 * RFC 5952 canonical formatting. Pure logic: no kernel, no I/O.
 */
import {InputError} from '../errors.js';
import {formatIPv4, hostBitsZero, ipv4Problem, maskAddress, parseLength} from './ipv4.js';

/** An IPv6 prefix: 16 address bytes and a length 0-128. */
export interface Prefix6 {
  addr: Uint8Array;
  len: number;
}

/** Why `text` is not an IPv6 address, or null when it is one (then `out` holds the 16 bytes). */
export function ipv6Problem(text: string, out?: Uint8Array): string | null {
  if (text.length === 0) return 'it is empty';
  if (text.includes('%')) return 'zone indexes (%...) are not accepted here';
  const bad = /[^0-9a-fA-F:.]/.exec(text);
  if (bad) return `invalid character '${bad[0]}'`;
  if (!text.includes(':')) return ipv4Problem(text) === null ? 'it is an IPv4 address' : "it has no ':'";
  const first = text.indexOf('::');
  if (first !== -1 && text.lastIndexOf('::') !== first) return "'::' may appear only once";

  const compressed = first !== -1;
  const headText = compressed ? text.slice(0, first) : text;
  const tailText = compressed ? text.slice(first + 2) : '';
  const head = headText === '' ? [] : headText.split(':');
  const tail = tailText === '' ? [] : tailText.split(':');
  if (!compressed && head.length === 0) return 'it is empty';

  const words: number[][] = [[], []];
  const lists = [head, tail];
  for (let li = 0; li < 2; li++) {
    const groups = lists[li];
    for (let gi = 0; gi < groups.length; gi++) {
      const g = groups[gi];
      if (g.length === 0) return "empty group (a lone ':' at the start or end, or ':' doubled wrongly)";
      if (g.includes('.')) {
        // An embedded IPv4 address is only valid as the final 32 bits of the text.
        const isLast = gi === groups.length - 1 && (compressed ? li === 1 : li === 0);
        if (!isLast) return `embedded IPv4 address '${g}' must be at the end`;
        const v4 = new Uint8Array(4);
        const problem = ipv4Problem(g, v4);
        if (problem !== null) return `embedded IPv4 address '${g}' is invalid (${problem})`;
        words[li].push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
        continue;
      }
      if (g.length > 4) return `group '${g}' has more than 4 hex digits`;
      words[li].push(parseInt(g, 16));
    }
  }
  const total = words[0].length + words[1].length;
  if (compressed) {
    if (total > 7) return "too many groups for '::' to stand for any";
  } else if (total < 8) {
    return `expected 8 groups, found ${total}`;
  } else if (total > 8) {
    return `too many groups (${total}, at most 8)`;
  }
  if (out) {
    out.fill(0);
    words[0].forEach((w, i) => {
      out[2 * i] = w >> 8;
      out[2 * i + 1] = w & 0xff;
    });
    const start = 8 - words[1].length;
    words[1].forEach((w, i) => {
      out[2 * (start + i)] = w >> 8;
      out[2 * (start + i) + 1] = w & 0xff;
    });
  }
  return null;
}

/** Parses an IPv6 address; throws InputError naming the bad input. */
export function parseIPv6(text: string): Uint8Array {
  const out = new Uint8Array(16);
  const problem = ipv6Problem(text, out);
  if (problem !== null) throw new InputError(`'${text}' is not a valid IPv6 address: ${problem}`);
  return out;
}

/**
 * RFC 5952 text of 16 bytes: lowercase hex, no leading zeros, the longest run
 * (first on a tie) of two or more zero groups compressed to '::'. IPv4-mapped
 * addresses (::ffff:0:0/96) use the mixed notation of RFC 5952 section 5.
 */
export function formatIPv6(addr: Uint8Array): string {
  if (addr.length !== 16) throw new RangeError(`an IPv6 address has 16 bytes, not ${addr.length}`);
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((addr[2 * i] << 8) | addr[2 * i + 1]);

  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${formatIPv4(addr.subarray(12, 16))}`;
  }

  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestLen < 2) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

/**
 * Parses `ADDRESS/LENGTH` (LENGTH 0-128); throws InputError naming the bad input.
 * Bits after LENGTH must be zero unless `allowHostBits` is set (then the caller checks them).
 */
export function parsePrefix6(text: string, options: {allowHostBits?: boolean} = {}): Prefix6 {
  const fail = (why: string): never => {
    throw new InputError(`'${text}' is not a valid IPv6 prefix: ${why}`);
  };
  const slash = text.indexOf('/');
  if (slash === -1) fail('expected ADDRESS/LENGTH, e.g. 64:ff9b::/96');
  const addrText = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  const addr = new Uint8Array(16);
  const problem = ipv6Problem(addrText, addr);
  if (problem !== null) fail(`'${addrText}' is not an IPv6 address (${problem})`);
  const len = parseLength(lenText, 128);
  if (len === null) fail('length must be 0-128');
  if (!options.allowHostBits && !hostBitsZero(addr, len!)) {
    fail(`bits after /${len} must be zero (did you mean ${formatIPv6(maskAddress(addr, len!))}/${len}?)`);
  }
  return {addr, len: len!};
}

export function formatPrefix6(prefix: Prefix6): string {
  return `${formatIPv6(prefix.addr)}/${prefix.len}`;
}

export function prefix6Equal(a: Prefix6, b: Prefix6): boolean {
  return a.len === b.len && a.addr.length === b.addr.length && a.addr.every((v, i) => v === b.addr[i]);
}
