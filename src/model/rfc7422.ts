/**
 * Deterministic NAT64 (RFC 7422): the formula that maps an IPv6 subscriber to
 * an IPv4 address and port block, both ways. The data plane computes the same
 * (bpf/nat64/rfc7422.h; test/unit/rfc7422.test.mjs and test/host check that
 * they agree). Pure logic: no kernel, no I/O.
 *
 *   k     = bits range6.len .. subLen-1 of the IPv6 source (the subscriber's number, from 0)
 *   addr  = prefix4 + floor(k / blocksPerAddr)
 *   first = ports[0] + (k mod blocksPerAddr) * blockSize; the block is first .. first + blockSize - 1
 *
 * and back: the subscriber of addr#port is k = (addr - prefix4) * blocksPerAddr + floor((port - ports[0]) / blockSize).
 * blocksPerAddr = floor((ports[1] - ports[0] + 1) / blockSize); ports past the last whole block are not used.
 */
import {InputError} from '../errors.js';
import {formatIPv4, parsePrefix4} from './ipv4.js';
import {formatIPv6, parsePrefix6, type Prefix6} from './ipv6.js';
import {parsePortRange} from './nat64-pool4.js';
import {ipv4Bytes, ipv4Number, pool4Overlap, type Pool4Item} from './pool4-set.js';

/** Block entries the data plane holds (XLAT_NAT64_BLOCKS_MAX). */
const DET_ENTRIES_MAX = 16;
/** At most 2^32 subscribers per entry (their number is 32 bits in the data plane). */
const DET_INDEX_BITS_MAX = 32;
/** The default port range of a deterministic entry: every port above the well-known ones. */
const DET_DEFAULT_PORTS: [number, number] = [1024, 65535];

export interface DetEntry {
  /** The subscribers' IPv6 range (host bits zero). */
  range6: Prefix6;
  /** One subscriber's prefix length (range6.len < subLen <= 128). */
  subLen: number;
  /** The IPv4 prefix: address as an unsigned 32-bit number (host bits zero) and length. */
  addr4: number;
  len4: number;
  ports: [number, number];
  blockSize: number;
  /** Unix seconds when the mapping was configured (lookup --time refuses earlier times). */
  since: number;
  /**
   * Dynamic: no formula; a subscriber gets the first free block from its number on at its first flow, and gives it
   * back when its last BIB entry goes (events read by `xlat nat64 log follow`). It may have more subscribers than
   * blocks: a new one finds none while every block is taken.
   */
  dynamic?: boolean;
}

const entryKind = (e: DetEntry): 'dynamic' | 'deterministic' => (e.dynamic ? 'dynamic' : 'deterministic');

export const blocksPerAddr = (e: DetEntry): number => Math.floor((e.ports[1] - e.ports[0] + 1) / e.blockSize);
export const addresses = (e: DetEntry): number => 2 ** (32 - e.len4);
export const subscribers = (e: DetEntry): number => 2 ** (e.subLen - e.range6.len);
/** Blocks the IPv4 side holds (at least subscribers(e) in a valid entry). */
export const capacity = (e: DetEntry): number => addresses(e) * blocksPerAddr(e);

const toBig = (a: Uint8Array): bigint => a.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
function fromBig(v: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Why the entry cannot be configured, or null. */
function detProblem(e: DetEntry): string | null {
  const bits = e.subLen - e.range6.len;
  if (!Number.isInteger(e.subLen) || e.subLen < 1 || e.subLen > 128) return `subscriber length /${e.subLen} is not 1 to 128`;
  if (bits <= 0) return `the subscriber length /${e.subLen} must be longer than the IPv6 range's /${e.range6.len}`;
  if (bits > DET_INDEX_BITS_MAX)
    return `the IPv6 range /${e.range6.len} holds 2^${bits} subscribers of /${e.subLen}: at most 2^${DET_INDEX_BITS_MAX} per entry`;
  if (!Number.isInteger(e.blockSize) || e.blockSize < 1) return `block size ${e.blockSize} is not a positive integer`;
  const span = e.ports[1] - e.ports[0] + 1;
  if (e.blockSize > span) return `block size ${e.blockSize} is larger than the port range ${e.ports[0]}-${e.ports[1]} (${span} ports)`;
  if (e.ports[0] < 1) return 'port 0 cannot be in a block (it is no transport address): start the range at 1 or above';
  if (!e.dynamic && subscribers(e) > capacity(e)) {
    const need = Math.ceil(subscribers(e) / blocksPerAddr(e));
    return (
      `${subscribers(e)} subscribers of /${e.subLen} need ${need} IPv4 addresses with ${blocksPerAddr(e)} blocks of ${e.blockSize} ports each, ` +
      `the IPv4 prefix /${e.len4} has ${addresses(e)}: give a shorter IPv4 prefix, a smaller block size or a longer subscriber length`
    );
  }
  return null;
}

/** Parses an entry from its texts (CLI and configuration file); throws InputError naming what is wrong. */
export function parseDetEntry(t: {
  range6: string;
  subLen: string | number;
  prefix4: string;
  ports?: string;
  blockSize: string | number;
  since: number;
  dynamic?: boolean;
}): DetEntry {
  const range6 = parsePrefix6(t.range6);
  const subLen = typeof t.subLen === 'number' ? t.subLen : /^\/?\d{1,3}$/.test(t.subLen) ? Number(t.subLen.replace('/', '')) : NaN;
  if (!Number.isInteger(subLen)) throw new InputError(`'${t.subLen}' is not a valid subscriber length: expected 1 to 128`);
  const p4 = parsePrefix4(t.prefix4, {allowBare: true});
  const ports = t.ports === undefined ? DET_DEFAULT_PORTS : parsePortRange(t.ports);
  const blockSize = typeof t.blockSize === 'number' ? t.blockSize : /^\d{1,5}$/.test(t.blockSize) ? Number(t.blockSize) : NaN;
  if (!Number.isInteger(blockSize)) throw new InputError(`'${t.blockSize}' is not a valid block size: expected 1 to 65535 ports`);
  const e: DetEntry = {range6, subLen, addr4: ipv4Number(p4.addr), len4: p4.len, ports: [ports[0], ports[1]], blockSize, since: t.since};
  if (t.dynamic) e.dynamic = true;
  const problem = detProblem(e);
  if (problem) throw new InputError(`${entryKind(e)} pool4 ${formatIPv6(range6.addr)}/${range6.len}: ${problem}`);
  return e;
}

const prefixOverlap6 = (a: Prefix6, b: Prefix6): boolean => {
  const n = Math.min(a.len, b.len);
  const shift = BigInt(128 - n);
  return toBig(a.addr) >> shift === toBig(b.addr) >> shift;
};
const prefixOverlap4 = (a: number, al: number, b: number, bl: number): boolean => {
  const n = Math.min(al, bl);
  return n === 0 || a >>> (32 - n) === b >>> (32 - n);
};

/** Why `e` cannot join `others` and pool4's `items`, or null: ranges and transport addresses are never shared. */
export function detClash(e: DetEntry, others: DetEntry[], items: Pool4Item[]): string | null {
  if (others.length >= DET_ENTRIES_MAX) return `at most ${DET_ENTRIES_MAX} deterministic entries fit`;
  for (const o of others) {
    if (prefixOverlap6(e.range6, o.range6)) return `its IPv6 range overlaps ${formatDetRange(o)} (a subscriber has one mapping)`;
    if (prefixOverlap4(e.addr4, e.len4, o.addr4, o.len4)) return `its IPv4 prefix overlaps ${formatDetPrefix4(o)} of the entry ${formatDetRange(o)}`;
  }
  for (const i of items) {
    for (const proto of ['tcp', 'udp', 'icmp'] as const) {
      const mine: Pool4Item = {proto, mark: i.mark, addr: e.addr4, len: e.len4, ports: e.ports};
      if (pool4Overlap(mine, i))
        return `its transport addresses overlap the pool4 entry ${proto.toUpperCase()} ${formatIPv4(ipv4Bytes(i.addr))}/${i.len} ${i.ports[0]}-${i.ports[1]}`;
    }
  }
  return null;
}

export const formatDetRange = (e: DetEntry): string => `${formatIPv6(e.range6.addr)}/${e.range6.len}`;
export const formatDetPrefix4 = (e: DetEntry): string => `${formatIPv4(ipv4Bytes(e.addr4))}/${e.len4}`;

/** The subscriber number of an IPv6 address inside e.range6. */
export function subscriberIndex(e: DetEntry, addr6: Uint8Array): number {
  const v = toBig(addr6) >> BigInt(128 - e.subLen);
  return Number(v & ((1n << BigInt(e.subLen - e.range6.len)) - 1n));
}

/** Subscriber k's prefix (k < subscribers(e)). */
export function subscriberPrefix(e: DetEntry, k: number): Prefix6 {
  return {addr: fromBig(toBig(e.range6.addr) | (BigInt(k) << BigInt(128 - e.subLen))), len: e.subLen};
}

export interface Block {
  /** IPv4 address as an unsigned 32-bit number. */
  addr: number;
  first: number;
  last: number;
}

/** Subscriber k's block. */
export function blockOf(e: DetEntry, k: number): Block {
  const bpa = blocksPerAddr(e);
  const first = e.ports[0] + (k % bpa) * e.blockSize;
  return {addr: e.addr4 + Math.floor(k / bpa), first, last: first + e.blockSize - 1};
}

/**
 * Where a new mapping of addr6#port6 starts its walk in the block (the data plane takes the first free port from
 * first + home, wrapping inside the block): port6 plus the XOR of the address's 32-bit words with the
 * subscriber's prefix bits cleared, modulo the block size. Two hosts of one subscriber on the same port start apart.
 */
export function homeOffset(e: DetEntry, addr6: Uint8Array, port6: number): number {
  let fold = 0;
  for (let i = 0; i < 4; i++) {
    const bit = 32 * i;
    const word = ((addr6[4 * i] << 24) | (addr6[4 * i + 1] << 16) | (addr6[4 * i + 2] << 8) | addr6[4 * i + 3]) >>> 0;
    const mask = e.subLen >= bit + 32 ? 0 : e.subLen <= bit ? 0xffffffff : 0xffffffff >>> (e.subLen - bit);
    fold = (fold ^ (word & mask)) >>> 0;
  }
  return (port6 + fold) % e.blockSize;
}

export interface Mapping {
  entry: DetEntry;
  /** The subscriber's number in its entry. */
  index: number;
  subscriber: Prefix6;
  block: Block;
}

const inPrefix6 = (r: Prefix6, a: Uint8Array): boolean => prefixOverlap6(r, {addr: a, len: 128});
/** The entry whose IPv4 prefix holds addr (entries never overlap), or undefined. */
const entryOf4 = (entries: DetEntry[], addr: number): DetEntry | undefined => entries.find((x) => prefixOverlap4(x.addr4, x.len4, addr, 32));
/** The entry whose IPv6 range holds the address, or undefined. */
const entryOf6 = (entries: DetEntry[], a: Uint8Array): DetEntry | undefined => entries.find((x) => inPrefix6(x.range6, a));

/** The number in e of the subscriber p (an address, or a prefix at least as long as a subscriber's). */
function subscriberOf(e: DetEntry, p: Prefix6): number {
  if (p.len < e.subLen) {
    throw new InputError(
      `${formatIPv6(p.addr)}/${p.len} is shorter than a subscriber (/${e.subLen} in ${formatDetRange(e)}): give a /${e.subLen} or an address`,
    );
  }
  return subscriberIndex(e, p.addr);
}

/** The mapping of an IPv6 address or prefix (at least as long as a subscriber's), or null when no entry covers it. */
export function lookup6(entries: DetEntry[], p: Prefix6): Mapping | null {
  const e = entryOf6(entries, p.addr);
  if (!e || e.dynamic) return null;
  const index = subscriberOf(e, p);
  return {entry: e, index, subscriber: subscriberPrefix(e, index), block: blockOf(e, index)};
}

/** The subscriber that owns addr#port (addr a 32-bit number), or null when it is no deterministic transport address. */
export function lookup4(entries: DetEntry[], addr: number, port: number): Mapping | null {
  const e = entryOf4(entries, addr);
  if (!e || e.dynamic) return null; // dynamic: no formula, whoever holds the block now (lookupHeld)
  const bpa = blocksPerAddr(e);
  if (port < e.ports[0] || port >= e.ports[0] + bpa * e.blockSize) return null;
  const index = (addr - e.addr4) * bpa + Math.floor((port - e.ports[0]) / e.blockSize);
  if (index >= subscribers(e)) return null; // a block no subscriber has
  return {entry: e, index, subscriber: subscriberPrefix(e, index), block: blockOf(e, index)};
}

/** A dynamic block given out now (read from the kernel's block tables): where it is and who holds it. */
export interface HeldBlock {
  addr4: number;
  ports: [number, number];
  subscriber: Prefix6;
}

/**
 * The dynamic entry covering the query (an IPv4 address, or an IPv6 address or prefix), or null: such entries have
 * no formula, so their answers are the blocks held now (lookupHeld).
 */
export function dynamicEntryOf(entries: DetEntry[], q: {addr4: number} | {prefix6: Prefix6}): DetEntry | null {
  const e = 'addr4' in q ? entryOf4(entries, q.addr4) : entryOf6(entries, q.prefix6.addr);
  return e?.dynamic ? e : null;
}

/** Who holds addr#port, or the block the subscriber of an IPv6 address holds, in dynamic entry e now; or null. */
export function lookupHeld(e: DetEntry, held: HeldBlock[], q: {addr4: number; port: number} | {prefix6: Prefix6}): Mapping | null {
  let b: HeldBlock | undefined;
  if ('addr4' in q) {
    b = held.find((h) => h.addr4 === q.addr4 && q.port >= h.ports[0] && q.port <= h.ports[1]);
  } else {
    const sub = subscriberPrefix(e, subscriberOf(e, q.prefix6));
    b = held.find((h) => h.subscriber.len === sub.len && toBig(h.subscriber.addr) === toBig(sub.addr));
  }
  if (!b || !inPrefix6(e.range6, b.subscriber.addr)) return null;
  const index = subscriberIndex(e, b.subscriber.addr);
  return {entry: e, index, subscriber: b.subscriber, block: {addr: b.addr4, first: b.ports[0], last: b.ports[1]}};
}

/** Every subscriber of the entry with its block, in subscriber order (a generator: an entry may hold millions). */
export function* mappings(e: DetEntry): Generator<Mapping> {
  const n = e.dynamic ? 0 : subscribers(e);
  for (let k = 0; k < n; k++) yield {entry: e, index: k, subscriber: subscriberPrefix(e, k), block: blockOf(e, k)};
}

/** JSON view of an entry (the configuration file's keys). */
export interface DetView {
  mode: 'deterministic' | 'dynamic';
  'ipv6-range': string;
  'subscriber-length': number;
  prefix: string;
  'port-range': string;
  'block-size': number;
  'blocks-per-address': number;
  subscribers: number;
  'ports-per-subscriber': number;
  since: string;
}

export function detView(e: DetEntry): DetView {
  return {
    mode: entryKind(e),
    'ipv6-range': formatDetRange(e),
    'subscriber-length': e.subLen,
    prefix: formatDetPrefix4(e),
    'port-range': `${e.ports[0]}-${e.ports[1]}`,
    'block-size': e.blockSize,
    'blocks-per-address': blocksPerAddr(e),
    subscribers: subscribers(e),
    'ports-per-subscriber': e.blockSize,
    since: new Date(e.since * 1000).toISOString(),
  };
}

/** JSON view of one mapping (lookup and the CSV export share its fields). */
export interface MappingView {
  subscriber: string;
  address: string;
  'port-range': string;
  'ipv6-range': string;
}

export function mappingView(m: Mapping): MappingView {
  return {
    subscriber: `${formatIPv6(m.subscriber.addr)}/${m.subscriber.len}`,
    address: formatIPv4(ipv4Bytes(m.block.addr)),
    'port-range': `${m.block.first}-${m.block.last}`,
    'ipv6-range': formatDetRange(m.entry),
  };
}

export const sameDet = (a: DetEntry, b: DetEntry): boolean =>
  formatDetRange(a) === formatDetRange(b) &&
  a.subLen === b.subLen &&
  a.addr4 === b.addr4 &&
  a.len4 === b.len4 &&
  a.ports[0] === b.ports[0] &&
  a.ports[1] === b.ports[1] &&
  a.blockSize === b.blockSize &&
  !a.dynamic === !b.dynamic;

/** Entries in their listing order (by IPv6 range). */
export function sortDet<T extends DetEntry>(list: T[]): T[] {
  return [...list].sort((a, b) =>
    toBig(a.range6.addr) < toBig(b.range6.addr) ? -1 : toBig(a.range6.addr) > toBig(b.range6.addr) ? 1 : a.range6.len - b.range6.len,
  );
}

/** The configuration file's form of an entry ("pool4 deterministic" items). */
export function detFileEntry(e: DetEntry): Record<string, unknown> {
  return {
    'ipv6 range': formatDetRange(e),
    'subscriber length': e.subLen,
    prefix: formatDetPrefix4(e),
    'port range': `${e.ports[0]}-${e.ports[1]}`,
    'block size': e.blockSize,
    ...(e.dynamic ? {dynamic: true} : {}),
  };
}

/** One line of --diff. */
export const detText = (e: DetEntry): string =>
  `${entryKind(e)} ${formatDetRange(e)} /${e.subLen} ${formatDetPrefix4(e)} ${e.ports[0]}-${e.ports[1]} block ${e.blockSize}`;
