/**
 * The EAMT (RFC 7757, Explicit Address Mapping Table) of SIIT: entry syntax and
 * validation, overlap detection and the address arithmetic of both
 * directions. Pure logic: no kernel, no I/O.
 */
import {ExistsError, InputError} from '../errors.js';
import {formatPrefix4, maskAddress, parsePrefix4, type Prefix4} from './ipv4.js';
import {formatPrefix6, parseIPv6, parsePrefix6, type Prefix6} from './ipv6.js';

/** One EAMT entry: an IPv6 prefix and the IPv4 prefix it maps to, both ways. */
export interface EamEntry {
  p6: Prefix6;
  p4: Prefix4;
  /** Where it was read from ("eamt.txt line 7"), for messages. */
  origin?: string;
}

/** IPv4 blocks the data plane never translates (RFC 6890; src/model/siit-address.ts reservedIPv4 names them). */
const RESERVED4: [number[], number, string][] = [
  [[0, 0, 0, 0], 8, '0.0.0.0/8 ("this network")'],
  [[127, 0, 0, 0], 8, '127.0.0.0/8 (loopback)'],
  [[169, 254, 0, 0], 16, '169.254.0.0/16 (link-local)'],
  [[224, 0, 0, 0], 4, '224.0.0.0/4 (multicast)'],
  [[240, 0, 0, 0], 4, '240.0.0.0/4 (reserved)'],
];

/** A prefix of either family, as parsed from the command line. */
export type AnyPrefix = {family: 6; prefix: Prefix6} | {family: 4; prefix: Prefix4};

/**
 * Parses an IPv6 or IPv4 prefix; a bare address is a /128 or /32 (as Jool
 * accepts). Text with ':' is IPv6, else IPv4. Host bits must be zero.
 */
export function parseAnyPrefix(text: string): AnyPrefix {
  if (text.includes(':')) {
    if (!text.includes('/')) return {family: 6, prefix: {addr: parseIPv6(text), len: 128}};
    return {family: 6, prefix: parsePrefix6(text)};
  }
  if (/^[0-9./]+$/.test(text) && text.includes('.')) return {family: 4, prefix: parsePrefix4(text, {allowBare: true})};
  throw new InputError(`'${text}' is not an IPv6 or IPv4 prefix`);
}

/** Why the entry breaks RFC 7757's rule on suffix lengths, or null. */
function suffixProblem(e: EamEntry): string | null {
  const s4 = 32 - e.p4.len;
  const s6 = 128 - e.p6.len;
  if (s4 <= s6) return null;
  return (
    `the IPv4 suffix of ${formatPrefix4(e.p4)} (${s4} bits) is longer than the IPv6 suffix of ${formatPrefix6(e.p6)} (${s6} bits): ` +
    'every IPv4 address of the entry needs an IPv6 address (32 - IPv4 length must be <= 128 - IPv6 length)'
  );
}

/** Parses `add`'s two prefixes (IPv6 and IPv4, either order) into a valid entry. */
export function parseEamEntry(a: string, b: string): EamEntry {
  const x = parseAnyPrefix(a);
  const y = parseAnyPrefix(b);
  if (x.family === y.family) {
    throw new InputError(`an EAMT entry needs one IPv6 and one IPv4 prefix (in either order), not two IPv${x.family} prefixes ('${a}', '${b}')`);
  }
  const e: EamEntry = x.family === 6 ? {p6: x.prefix, p4: (y as {prefix: Prefix4}).prefix} : {p6: (y as {prefix: Prefix6}).prefix, p4: x.prefix};
  const problem = suffixProblem(e);
  if (problem !== null) throw new InputError(problem);
  // Wholly inside a block that is never translated: the entry could not work at all. (A wider prefix that
  // merely includes such a block still works for the rest of its addresses.)
  const reserved = RESERVED4.find(([addr, len]) => e.p4.len >= len && prefixesOverlap(e.p4, {addr: Uint8Array.from(addr), len}));
  if (reserved) {
    throw new InputError(`${formatPrefix4(e.p4)} lies in ${reserved[2]}, which is never translated: an EAMT entry there could not work`);
  }
  return e;
}

/** Parses `remove`'s one or two prefixes: at most one of each family. */
export function parseEamSelector(a: string, b?: string): {p6: Prefix6 | null; p4: Prefix4 | null} {
  const out: {p6: Prefix6 | null; p4: Prefix4 | null} = {p6: null, p4: null};
  for (const text of b === undefined ? [a] : [a, b]) {
    const p = parseAnyPrefix(text);
    if (p.family === 6) {
      if (out.p6) throw new InputError(`give at most one IPv6 prefix and one IPv4 prefix, not two IPv6 prefixes`);
      out.p6 = p.prefix;
    } else {
      if (out.p4) throw new InputError(`give at most one IPv6 prefix and one IPv4 prefix, not two IPv4 prefixes`);
      out.p4 = p.prefix;
    }
  }
  return out;
}

export function formatEamEntry(e: EamEntry): string {
  return `${formatPrefix6(e.p6)} <-> ${formatPrefix4(e.p4)}`;
}

/**
 * Parses the text of `eamt add --file`: one "PREFIX PREFIX" pair per line
 * (separated by blanks or a comma), '#' starts a comment, blank lines and the
 * header `eamt display --csv` prints are skipped. Validates every line before
 * returning; the error names the first bad line. Duplicate lines are refused.
 */
export function parseEamFile(text: string, name = 'the file'): EamEntry[] {
  const out: EamEntry[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/#.*$/, '').trim();
    if (line === '' || /^IPv6 Prefix\s*,\s*IPv4 Prefix$/i.test(line)) continue;
    const fields = line.split(/[\s,]+/).filter((f) => f !== '');
    const at = `${name} line ${i + 1}`;
    if (fields.length !== 2) throw new InputError(`${at}: expected two prefixes (IPv6 and IPv4), found ${fields.length} fields`);
    let e: EamEntry;
    try {
      e = {...parseEamEntry(fields[0], fields[1]), origin: at};
    } catch (err) {
      if (err instanceof InputError) throw new InputError(`${at}: ${err.message}`);
      throw err;
    }
    const key = formatEamEntry(e);
    const dup = seen.get(key);
    if (dup !== undefined) throw new InputError(`${at}: ${key} is already on line ${dup}`);
    seen.set(key, i + 1);
    out.push(e);
  }
  if (out.length === 0) throw new InputError(`${name} holds no EAMT entry`);
  return out;
}

// ---------------------------------------------------------------------------
// overlaps

function hex(addr: Uint8Array): string {
  return Buffer.from(addr.buffer, addr.byteOffset, addr.byteLength).toString('hex');
}

/** Last address of a prefix (host bits set). */
function lastAddress(addr: Uint8Array, len: number): Uint8Array {
  const out = maskAddress(addr, len);
  for (let bit = len; bit < out.length * 8; bit++) out[bit >> 3] |= 0x80 >> (bit & 7);
  return out;
}

/** True when the prefixes share an address (prefixes are nested or disjoint). */
function prefixesOverlap(a: {addr: Uint8Array; len: number}, b: {addr: Uint8Array; len: number}): boolean {
  const n = Math.min(a.len, b.len);
  return hex(maskAddress(a.addr, n)) === hex(maskAddress(b.addr, n));
}

/** True when `p` holds `addr`. */
export function prefixHolds(p: {addr: Uint8Array; len: number}, addr: Uint8Array): boolean {
  return p.addr.length === addr.length && prefixesOverlap(p, {addr, len: addr.length * 8});
}

export interface EamConflict {
  /** The entry being added. */
  entry: EamEntry;
  /** The entry it collides with (already in the table, or added earlier in the same batch). */
  other: EamEntry;
  otherIsNew: boolean;
  family: 6 | 4;
  /** Same prefix on that side: refused even with --force (one trie key, one entry). */
  exact: boolean;
}

interface Item {
  start: string;
  end: string;
  len: number;
  index: number;
}

/**
 * Finds, for the entries in `added`, collisions with `existing` and with each
 * other, on the IPv6 side and the IPv4 side. A sort and a sweep per side:
 * prefixes are nested or disjoint, so each prefix meets the innermost prefix
 * holding it on a stack, and every prefix holding another is followed directly
 * by one it holds. Returns the conflicts of the earliest entry of `added` that
 * has any (exact ones first), or [].
 */
export function findEamConflicts(existing: readonly EamEntry[], added: readonly EamEntry[]): EamConflict[] {
  const all = [...existing, ...added];
  const firstNew = existing.length;
  const byNew = new Map<number, EamConflict[]>();
  const note = (newIdx: number, otherIdx: number, family: 6 | 4, exact: boolean) => {
    const list = byNew.get(newIdx) ?? [];
    list.push({entry: all[newIdx], other: all[otherIdx], otherIsNew: otherIdx >= firstNew, family, exact});
    byNew.set(newIdx, list);
  };
  for (const family of [6, 4] as const) {
    const items: Item[] = all.map((e, index) => {
      const p = family === 6 ? e.p6 : e.p4;
      return {start: hex(maskAddress(p.addr, p.len)), end: hex(lastAddress(p.addr, p.len)), len: p.len, index};
    });
    items.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.len - b.len || a.index - b.index));
    const stack: Item[] = [];
    for (const cur of items) {
      while (stack.length > 0 && stack[stack.length - 1].end < cur.start) stack.pop();
      const top = stack[stack.length - 1];
      if (top && (top.index >= firstNew || cur.index >= firstNew)) {
        const exact = top.len === cur.len;
        // Report it against the later of the two new entries (the one that collides when added in order).
        const [n, o] = cur.index >= firstNew && (top.index < firstNew || cur.index > top.index) ? [cur.index, top.index] : [top.index, cur.index];
        note(n, o, family, exact);
      }
      stack.push(cur);
    }
  }
  if (byNew.size === 0) return [];
  const first = Math.min(...byNew.keys());
  return byNew.get(first)!.sort((a, b) => Number(b.exact) - Number(a.exact));
}

/** True when both entries are the same mapping. */
export function sameEam(a: EamEntry, b: EamEntry): boolean {
  return a.p6.len === b.p6.len && a.p4.len === b.p4.len && hex(a.p6.addr) === hex(b.p6.addr) && hex(a.p4.addr) === hex(b.p4.addr);
}

/**
 * Throws unless `added` may go into the table: an identical entry, or one with
 * the same IPv6 or IPv4 prefix as another, is always refused; overlapping
 * prefixes are refused unless `force` (then the longest prefix wins).
 */
export function checkEamAdd(existing: readonly EamEntry[], added: readonly EamEntry[], force: boolean): void {
  const conflicts = findEamConflicts(existing, added);
  const c = conflicts.find((x) => x.exact) ?? (force ? undefined : conflicts[0]);
  if (!c) return;
  const where = c.otherIsNew ? `another entry being added${c.other.origin ? ` (${c.other.origin})` : ''}` : 'the EAMT entry';
  const mine = c.family === 6 ? formatPrefix6(c.entry.p6) : formatPrefix4(c.entry.p4);
  const at = c.entry.origin ? `${c.entry.origin}: ` : '';
  // Against the table: the entry exists (exit 4); among the new ones: bad input (exit 2).
  const Err = c.otherIsNew ? InputError : ExistsError;
  if (c.exact && sameEam(c.entry, c.other)) {
    throw new Err(`${at}${formatEamEntry(c.entry)} is already ${c.otherIsNew ? `listed${c.other.origin ? ` (${c.other.origin})` : ' twice'}` : 'in the EAMT'}`);
  }
  if (c.exact) {
    throw new Err(`${at}${mine} is already the IPv${c.family} prefix of ${where} ${formatEamEntry(c.other)}: remove that entry first`);
  }
  throw new Err(
    `${at}${formatEamEntry(c.entry)} overlaps ${where} ${formatEamEntry(c.other)} on the IPv${c.family} side (use --force to add it anyway: the longest prefix wins)`,
  );
}

// ---------------------------------------------------------------------------
// arithmetic (RFC 7757 section 3)

function getBit(a: Uint8Array, i: number): number {
  return (a[i >> 3] >> (7 - (i & 7))) & 1;
}

function setBit(a: Uint8Array, i: number, v: number): void {
  if (v) a[i >> 3] |= 0x80 >> (i & 7);
  else a[i >> 3] &= ~(0x80 >> (i & 7)) & 0xff;
}

/**
 * IPv4 -> IPv6 by an entry holding `v4`: the IPv6 prefix, then the IPv4
 * suffix (the 32 - v4len bits after the IPv4 prefix) right after it, zeros after that.
 */
export function eamTo6(e: EamEntry, v4: Uint8Array): Uint8Array {
  const out = maskAddress(e.p6.addr, e.p6.len);
  const s = 32 - e.p4.len;
  for (let i = 0; i < s; i++) setBit(out, e.p6.len + i, getBit(v4, e.p4.len + i));
  return out;
}

/** IPv6 -> IPv4 by an entry holding `v6`: the IPv4 prefix, then the s bits after the IPv6 prefix. */
export function eamTo4(e: EamEntry, v6: Uint8Array): Uint8Array {
  const out = maskAddress(e.p4.addr, e.p4.len);
  const s = 32 - e.p4.len;
  for (let i = 0; i < s; i++) setBit(out, e.p4.len + i, getBit(v6, e.p6.len + i));
  return out;
}

/** The entry with the longest IPv6 prefix holding v6 (what the siit_eamt6 trie returns), or null. */
export function eamLookup6(entries: readonly EamEntry[], v6: Uint8Array): EamEntry | null {
  let best: EamEntry | null = null;
  for (const e of entries) if (prefixHolds(e.p6, v6) && (!best || e.p6.len > best.p6.len)) best = e;
  return best;
}

/** The entry with the longest IPv4 prefix holding v4 (what the siit_eamt4 trie returns), or null. */
export function eamLookup4(entries: readonly EamEntry[], v4: Uint8Array): EamEntry | null {
  let best: EamEntry | null = null;
  for (const e of entries) if (prefixHolds(e.p4, v4) && (!best || e.p4.len > best.p4.len)) best = e;
  return best;
}

/** Display order: by IPv6 prefix, then IPv4 prefix. */
export function compareEam(a: EamEntry, b: EamEntry): number {
  const x = hex(a.p6.addr);
  const y = hex(b.p6.addr);
  if (x !== y) return x < y ? -1 : 1;
  if (a.p6.len !== b.p6.len) return a.p6.len - b.p6.len;
  const u = hex(a.p4.addr);
  const v = hex(b.p4.addr);
  return u < v ? -1 : u > v ? 1 : a.p4.len - b.p4.len;
}

/** JSON form of an entry (the configuration file's keys, in kebab-case). */
export interface EamView {
  'ipv6-prefix': string;
  'ipv4-prefix': string;
}

export function eamView(e: EamEntry): EamView {
  return {'ipv6-prefix': formatPrefix6(e.p6), 'ipv4-prefix': formatPrefix4(e.p4)};
}
