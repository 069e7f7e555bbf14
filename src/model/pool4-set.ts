/**
 * pool4 as a set of transport addresses per (protocol, mark), the way Jool
 * treats it: adding entries that overlap or touch merges them, removing a
 * prefix (and optionally a port range) takes out exactly what it covers,
 * splitting entries as needed. Every result is canonical (the same set always
 * gives the same list), which is what makes configuration files idempotent.
 * Pure logic.
 */
import type {Nat64Proto} from './nat64-pool4.js';

/** One entry: every address of addr/len with ports (ICMP: identifiers) ports[0]..ports[1]. */
export interface Pool4Item {
  proto: Nat64Proto;
  mark: number;
  /** IPv4 address as an unsigned 32-bit number (network part only). */
  addr: number;
  len: number;
  ports: [number, number];
}

type Intervals = [number, number][];

const PROTO_ORDER: Record<Nat64Proto, number> = {tcp: 0, udp: 1, icmp: 2};

const blockSize = (len: number): number => 2 ** (32 - len);
const start = (i: Pool4Item): number => i.addr - (i.addr % blockSize(i.len));

/** Union of inclusive intervals, sorted, touching ones merged. */
function unite(list: Intervals): Intervals {
  const sorted = [...list].sort((a, b) => a[0] - b[0]);
  const out: Intervals = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** a minus b (both united). */
function subtract(a: Intervals, b: Intervals): Intervals {
  const out: Intervals = [];
  for (const [lo0, hi] of a) {
    let lo = lo0;
    for (const [blo, bhi] of b) {
      if (bhi < lo || blo > hi) continue;
      if (blo > lo) out.push([lo, blo - 1]);
      lo = Math.max(lo, bhi + 1);
      if (lo > hi) break;
    }
    if (lo <= hi) out.push([lo, hi]);
  }
  return out;
}

const sameIntervals = (a: Intervals, b: Intervals): boolean => a.length === b.length && a.every((x, i) => x[0] === b[i][0] && x[1] === b[i][1]);

/** Intersection of two united interval lists. */
function intersect(a: Intervals, b: Intervals): Intervals {
  const out: Intervals = [];
  for (const [alo, ahi] of a) {
    for (const [blo, bhi] of b) {
      const lo = Math.max(alo, blo);
      const hi = Math.min(ahi, bhi);
      if (lo <= hi) out.push([lo, hi]);
    }
  }
  return unite(out);
}

interface Run {
  from: number;
  to: number;
  ports: Intervals;
}

/**
 * Entries for the runs inside block [s, s + 2^(32-len)): the ports every
 * address of the block has (less those an enclosing block already gave) go
 * on the block itself; what differs goes down to its halves. So a /24 with a
 * wider range on one address is two entries, not nine; the entries never
 * share a transport address.
 */
function emit(runs: Run[], s: number, len: number, covered: Intervals, out: {addr: number; len: number; ports: Intervals}[]): void {
  const e = s + blockSize(len);
  const inside = runs.filter((r) => r.to > s && r.from < e);
  if (inside.length === 0) return;
  let contiguous = inside[0].from <= s && inside[inside.length - 1].to >= e;
  for (let k = 1; contiguous && k < inside.length; k++) contiguous = inside[k - 1].to === inside[k].from;
  let common: Intervals = contiguous ? inside[0].ports : [];
  for (const r of inside.slice(1)) common = intersect(common, r.ports);
  const fresh = subtract(common, covered);
  if (fresh.length) out.push({addr: s, len, ports: fresh});
  const now = unite([...covered, ...fresh]);
  if (inside.every((r) => subtract(r.ports, now).length === 0)) return;
  if (len === 32) return;
  emit(runs, s, len + 1, now, out);
  emit(runs, s + blockSize(len + 1), len + 1, now, out);
}

/** The canonical entries of (union of `plus`) minus (union of `minus`), for one protocol and mark. */
function combineGroup(proto: Nat64Proto, mark: number, plus: Pool4Item[], minus: Pool4Item[]): Pool4Item[] {
  const cuts = new Set<number>();
  for (const i of [...plus, ...minus]) {
    cuts.add(start(i));
    cuts.add(start(i) + blockSize(i.len));
  }
  const points = [...cuts].sort((a, b) => a - b);
  // Elementary address ranges with their port sets, neighbours with equal sets merged.
  const runs: Run[] = [];
  for (let k = 0; k + 1 < points.length; k++) {
    const from = points[k];
    const to = points[k + 1];
    const covers = (i: Pool4Item) => start(i) <= from && to <= start(i) + blockSize(i.len);
    const ports = subtract(unite(plus.filter(covers).map((i) => [...i.ports])), unite(minus.filter(covers).map((i) => [...i.ports])));
    if (ports.length === 0) continue;
    const last = runs[runs.length - 1];
    if (last && last.to === from && sameIntervals(last.ports, ports)) last.to = to;
    else runs.push({from, to, ports});
  }
  const blocks: {addr: number; len: number; ports: Intervals}[] = [];
  emit(runs, 0, 0, [], blocks);
  const out: Pool4Item[] = [];
  for (const b of blocks) for (const p of b.ports) out.push({proto, mark, addr: b.addr, len: b.len, ports: [p[0], p[1]]});
  return out;
}

function groups(items: Pool4Item[]): Map<string, {proto: Nat64Proto; mark: number}> {
  const out = new Map<string, {proto: Nat64Proto; mark: number}>();
  for (const i of items) out.set(`${i.proto}/${i.mark}`, {proto: i.proto, mark: i.mark});
  return out;
}

function sortItems(items: Pool4Item[]): Pool4Item[] {
  return items.sort((a, b) => PROTO_ORDER[a.proto] - PROTO_ORDER[b.proto] || a.mark - b.mark || a.addr - b.addr || a.len - b.len || a.ports[0] - b.ports[0]);
}

/** (union of plus) minus (union of minus), canonical. */
export function pool4Combine(plus: Pool4Item[], minus: Pool4Item[] = []): Pool4Item[] {
  const out: Pool4Item[] = [];
  for (const [key, g] of groups(plus)) {
    const same = (i: Pool4Item) => `${i.proto}/${i.mark}` === key;
    out.push(...combineGroup(g.proto, g.mark, plus.filter(same), minus.filter(same)));
  }
  return sortItems(out);
}

/** The canonical form of a list of entries (overlapping and touching ones merged). */
export function canonicalPool4(items: Pool4Item[]): Pool4Item[] {
  return pool4Combine(items);
}

export function samePool4(a: Pool4Item[], b: Pool4Item[]): boolean {
  const x = canonicalPool4(a);
  const y = canonicalPool4(b);
  return x.length === y.length && x.every((i, k) => key(i) === key(y[k]));
}

export function key(i: Pool4Item): string {
  return `${i.proto} ${i.mark} ${i.addr}/${i.len} ${i.ports[0]}-${i.ports[1]}`;
}

/** Whether the set holds this transport address for the protocol (any mark when mark is undefined). */
export function pool4Holds(items: Pool4Item[], proto: Nat64Proto, addr: number, port: number, mark?: number): boolean {
  return items.some(
    (i) =>
      i.proto === proto &&
      (mark === undefined || i.mark === mark) &&
      start(i) <= addr &&
      addr < start(i) + blockSize(i.len) &&
      port >= i.ports[0] &&
      port <= i.ports[1],
  );
}

/** Whether a and b share a transport address (same protocol and mark). */
export function pool4Overlap(a: Pool4Item, b: Pool4Item): boolean {
  if (a.proto !== b.proto || a.mark !== b.mark) return false;
  const n = Math.min(a.len, b.len);
  const m = blockSize(n);
  if (a.addr - (a.addr % m) !== b.addr - (b.addr % m)) return false;
  return a.ports[0] <= b.ports[1] && b.ports[0] <= a.ports[1];
}

export function ipv4Number(bytes: Uint8Array): number {
  return ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
}

export function ipv4Bytes(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

export function formatItemPrefix(i: Pool4Item): string {
  return `${[...ipv4Bytes(i.addr)].join('.')}/${i.len}`;
}

/** JSON form of an entry (the configuration file's keys, in kebab-case). */
export interface Pool4View {
  protocol: 'TCP' | 'UDP' | 'ICMP';
  prefix: string;
  'port-range': string;
  mark: number;
  /** pool4 display: the max-iterations of the entry's (protocol, mark) set. */
  'max-iterations'?: 'auto' | 'infinity' | number;
}

export function pool4View(i: Pool4Item): Pool4View {
  return {protocol: i.proto.toUpperCase() as Pool4View['protocol'], prefix: formatItemPrefix(i), 'port-range': `${i.ports[0]}-${i.ports[1]}`, mark: i.mark};
}
