/**
 * pool4 (RFC 6146 3.5, Jool's pool4): the user's ranges as sets per (protocol, mark) with their max-iterations,
 * and the state (BIB entries, sessions) of ports taken out of it.
 */
import {formatDetPrefix4} from '../../model/rfc7422.js';
import {pool4Overlap} from '../../model/pool4-set.js';
import {InputError} from '../../errors.js';
import {readDet} from './blocks.js';
import {withNat64Instance, readPool4, writePool4, ownAddresses, type Nat64Maps} from './maps.js';
import {dropSessions} from './session-table.js';

import {NotFoundError} from '../../errors.js';

import * as L from './layout.js';

import {DEFAULT_POOL4_PORTS, PROTO_NAME, PROTO_NUMBER, maxIterCode, maxIterationsOf, pool4SetKey, type MaxIterations} from '../../model/nat64-pool4.js';
import {pool4Risks as assessPool4, type Pool4Risks} from '../../model/pool4-safety.js';
import {ephemeralPorts, listeningSockets} from '../../sys/listening.js';
import {formatItemPrefix, ipv4Number, pool4Combine, pool4Holds, samePool4, type Pool4Item} from '../../model/pool4-set.js';

// ---------------------------------------------------------------------------
// pool4

export const addrNum = (b: Buffer | Uint8Array): number => ipv4Number(b);

export type {Pool4Item} from '../../model/pool4-set.js';

/** A pool4 entry as listed: the item and the max-iterations of its (protocol, mark) set. */
export type Pool4Entry = Pool4Item & {maxIterations: MaxIterations};

export function toItem(r: L.Pool4Range): Pool4Item {
  return {proto: PROTO_NAME[r.proto], mark: r.mark, addr: ipv4Number(r.addr), len: r.prefixLen, ports: [r.portMin, r.portMax]};
}

const setKey = pool4SetKey;

/** max-iterations per (protocol, mark) set, as the ranges carry it (every range of a set carries the same). */
function iterationsOf(ranges: L.Pool4Range[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of ranges) if (!(r.flags & L.NAT64_POOL4_DEFAULT)) m.set(setKey(PROTO_NAME[r.proto], r.mark), r.maxIter);
  return m;
}

/** max-iterations of each (protocol, mark) set pool4 has entries for, keyed by pool4SetKey. */
export function userIterations(maps: Nat64Maps, cfg: L.Nat64Config): Record<string, MaxIterations> {
  return Object.fromEntries([...iterationsOf(readPool4(maps, cfg))].map(([k, v]) => [k, maxIterationsOf(v)]));
}

function toRange(i: Pool4Item, iters: Map<string, number>): L.Pool4Range {
  const addr = Buffer.alloc(4);
  addr.writeUInt32BE(i.addr);
  const maxIter = iters.get(setKey(i.proto, i.mark)) ?? L.NAT64_ITER_AUTO;
  return {addr, prefixLen: i.len, mark: i.mark, portMin: i.ports[0], portMax: i.ports[1], proto: PROTO_NUMBER[i.proto], flags: 0, maxIter};
}

/** The operator's entries (not the defaults standing in for an empty protocol). */
export function userPool4(maps: Nat64Maps, cfg: L.Nat64Config): Pool4Item[] {
  return readPool4(maps, cfg)
    .filter((r) => !(r.flags & L.NAT64_POOL4_DEFAULT))
    .map(toItem);
}

/** pool4 as configured, and the defaults standing in for protocols without entries (display shows them apart). */
export async function listPool4(): Promise<{entries: Pool4Entry[]; defaults: Pool4Entry[]}> {
  return withNat64Instance((maps, cfg) => {
    const all = readPool4(maps, cfg);
    const entry = (r: L.Pool4Range): Pool4Entry => ({...toItem(r), maxIterations: maxIterationsOf(r.maxIter)});
    return {
      entries: all.filter((r) => !(r.flags & L.NAT64_POOL4_DEFAULT)).map(entry),
      defaults: all.filter((r) => r.flags & L.NAT64_POOL4_DEFAULT).map(entry),
    };
  });
}

/**
 * Makes pool4 exactly `items` (canonical). Each (protocol, mark) set keeps the max-iterations it has, unless
 * `iterations` gives it one.
 */
export function writeUserPool4(maps: Nat64Maps, cfg: L.Nat64Config, items: Pool4Item[], iterations?: Record<string, MaxIterations>): L.Nat64Config {
  const iters = iterationsOf(readPool4(maps, cfg));
  for (const [k, v] of Object.entries(iterations ?? {})) iters.set(k, maxIterCode(v));
  return writePool4(
    maps,
    cfg,
    pool4Combine(items).map((i) => toRange(i, iters)),
  );
}

/**
 * Adds entries (merged with the ones there, as Jool does); returns whether pool4 changed. maxIterations: the
 * max-iterations of the entries' (protocol, mark) sets (Jool's --max-iterations); undefined keeps theirs.
 */
export async function addPool4(items: Pool4Item[], maxIterations?: MaxIterations): Promise<{changed: boolean; entries: Pool4Item[]}> {
  return withNat64Instance((maps, cfg) => {
    const before = userPool4(maps, cfg);
    for (const d of maps.blk6 ? readDet(maps) : []) {
      for (const i of items) {
        if (pool4Overlap(i, {proto: i.proto, mark: i.mark, addr: d.addr4, len: d.len4, ports: d.ports})) {
          throw new InputError(
            `${formatItemPrefix(i)} ports ${i.ports.join('-')} overlaps the deterministic pool4 entry ${formatDetPrefix4(d)} ports ${d.ports.join('-')} (its blocks are its subscribers' alone)`,
          );
        }
      }
    }
    const after = pool4Combine([...before, ...items]);
    const iters: Record<string, MaxIterations> = {};
    if (maxIterations !== undefined) for (const i of items) iters[setKey(i.proto, i.mark)] = maxIterations;
    const had = iterationsOf(readPool4(maps, cfg));
    const itersChanged = Object.entries(iters).some(([k, v]) => (had.get(k) ?? L.NAT64_ITER_AUTO) !== maxIterCode(v));
    if (samePool4(before, after) && !itersChanged) return {changed: false, entries: after};
    writeUserPool4(maps, cfg, after, iters);
    return {changed: true, entries: after};
  });
}
/**
 * Removes the transport addresses `sel` covers (entries are split as needed),
 * then the dynamic BIB entries and sessions that used them, unless quick.
 * Returns the entries removed; none covered is a NotFoundError.
 */
export async function removePool4(sel: Pool4Item, quick: boolean): Promise<Pool4Item[]> {
  return withNat64Instance((maps, cfg) => {
    const before = userPool4(maps, cfg);
    const removed = pool4Combine(
      before.filter((i) => i.proto === sel.proto && i.mark === sel.mark),
      pool4Combine(before, [sel]),
    );
    if (removed.length === 0) {
      throw new NotFoundError(`pool4 has no ${sel.proto.toUpperCase()} entry (mark ${sel.mark}) within ${formatItemPrefix(sel)} ports ${sel.ports.join('-')}`);
    }
    writeUserPool4(maps, cfg, pool4Combine(before, [sel]));
    if (!quick) dropStateIn(maps, (a, p, pr) => pool4Holds(removed, PROTO_NAME[pr], a, p));
    return removed;
  });
}

export async function flushPool4(quick: boolean): Promise<Pool4Item[]> {
  return withNat64Instance((maps, cfg) => {
    const user = userPool4(maps, cfg);
    writePool4(maps, cfg, []);
    if (!quick && user.length) dropStateIn(maps, (a, p, pr) => pool4Holds(user, PROTO_NAME[pr], a, p));
    return user;
  });
}

/** Deletes the dynamic BIB entries (and their sessions) whose pool4 side satisfies `gone`. */
export function dropStateIn(maps: Nat64Maps, gone: (addr: number, port: number, proto: number) => boolean): number {
  const K = L.NAT64_TADDR4;
  const V = L.NAT64_BIB4_VALUE;
  let n = 0;
  const doomed: Buffer[] = [];
  for (const {count, keys, values} of maps.bib4.batches()) {
    for (let i = 0; i < count; i++) {
      const k = keys.subarray(i * K.size, (i + 1) * K.size);
      const flags = values.readUInt32LE(i * V.size + V.flags.offset);
      if (flags & L.NAT64_BIB_STATIC) continue;
      if (gone(k.readUInt32BE(K.addr.offset), k.readUInt16BE(K.port.offset), k[K.proto.offset])) {
        doomed.push(Buffer.from(k));
        // The IPv6 half's key is the t6 member of this value.
        doomed.push(Buffer.from(values.subarray(i * V.size + V.t6.offset, i * V.size + V.t6.offset + V.t6.size)));
      }
    }
  }
  for (let i = 0; i < doomed.length; i += 2) {
    maps.bib4.delete(doomed[i]);
    maps.bib6.delete(doomed[i + 1]);
    n++;
  }
  const S = L.NAT64_SESSION_KEY;
  dropSessions(maps, (k) => gone(k.readUInt32BE(S.local4.offset), k.readUInt16BE(S.lport.offset), k[S.proto.offset]));
  return n;
}

// ---------------------------------------------------------------------------
// safety

/** pool4 entries that take ports this namespace's own services or connections use (src/model/pool4-safety.ts). */
export function pool4Risks(items: Pool4Item[]): Pool4Risks {
  return assessPool4(
    items,
    listeningSockets(),
    ephemeralPorts(),
    ownAddresses().map((b) => ipv4Number(b)),
  );
}

/**
 * The default pool4 (the namespace's addresses, ports 61001-65535, used while pool4 is empty) against this
 * namespace's ephemeral ports: a warning when they overlap (the node's own connections would then share ports with
 * translated ones, and replies meant for them could be taken as NAT64 traffic), or null.
 */
export function defaultPool4Overlap(): string | null {
  const e = ephemeralPorts();
  const [lo, hi] = DEFAULT_POOL4_PORTS;
  if (e === null || e[1] < lo || e[0] > hi) return null;
  return `the default pool4 ports ${lo}-${hi} overlap this namespace's ephemeral ports ${e[0]}-${e[1]} (net.ipv4.ip_local_port_range): the node's own connections may collide with translated ones; narrow ip_local_port_range or add pool4 entries with other ports`;
}
