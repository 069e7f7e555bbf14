/**
 * The NAT64 instance's maps: finding them (withNat64Instance), its configuration entry, and pool4's
 * ranges with the namespace's own addresses as the default pool4 (refreshed by every CLI call).
 */

import {checkLayout} from '../objects.js';
import {InputError, NoInstanceError, XlatError} from '../../errors.js';

import type {BpfMap} from '../../bpf/map.js';
import {namespaceIpv4Addresses} from '../../sys/interfaces.js';

import {discover, openMapsByName, type Discovered, type ProgramSpec} from '../attach.js';
import * as B from './blocks-layout.js';
import * as L from './layout.js';
import {refreshIfaddr} from '../ifaddr.js';

import {META_MAP} from '../meta.js';

import {ipv4Bytes} from '../prefix.js';

import {DEFAULT_POOL4_PORTS} from '../../model/nat64-pool4.js';

export const NAT64_SPEC: ProgramSpec = {
  label: 'NAT64',
  xdpProg: L.XLAT_NAT64_XDP_PROG,
  tcProg: L.XLAT_NAT64_TC_PROG,
  tcHandle: L.XLAT_TC_HANDLE_NAT64,
  tcPrio: L.XLAT_TC_PRIO_NAT64,
};

/** The instance's maps. */
export interface Nat64Maps {
  config: BpfMap;
  stats: BpfMap;
  pool4: BpfMap;
  bib4: BpfMap;
  bib6: BpfMap;
  sessions: BpfMap;
  /** null for an instance made before the NAT64 originated ICMP errors. */
  ifaddr: BpfMap | null;
  /** null until a name is recorded. */
  meta: BpfMap | null;
  /** Deterministic (RFC 7422) block entries by IPv6 range and by IPv4 prefix, and their count (src/instance/nat64/blocks.ts). */
  /** null only in an instance of another layout (whose version check then speaks). */
  blk6: BpfMap | null;
  blk4: BpfMap | null;
  blkCtl: BpfMap | null;
  /** Dynamic blocks: subscriber -> block, block -> holder, blocks in use per entry (null before layout 5). */
  blkSub: BpfMap | null;
  blkUse: BpfMap | null;
  blkUsed: BpfMap | null;
}

const ZERO_KEY = Buffer.alloc(4);

export function readConfig(maps: Nat64Maps): L.Nat64Config {
  const raw = maps.config.lookup(ZERO_KEY);
  if (raw === null) throw new XlatError('the NAT64 instance has no configuration entry');
  const cfg = L.decodeNat64Config(raw);
  checkLayout('nat64', cfg.version);
  return cfg;
}

export function writeConfig(maps: Nat64Maps, cfg: L.Nat64Config): void {
  maps.config.update(ZERO_KEY, L.encodeNat64Config(cfg));
}

export const now = (): bigint => process.hrtime.bigint(); // CLOCK_MONOTONIC, as bpf_ktime_get_ns

export function indexKey(i: number): Buffer {
  const k = Buffer.alloc(4);
  k.writeUInt32LE(i);
  return k;
}

export function readPool4(maps: Nat64Maps, cfg: L.Nat64Config): L.Pool4Range[] {
  const out: L.Pool4Range[] = [];
  for (let i = 0; i < Math.min(cfg.pool4Count, L.XLAT_NAT64_POOL4_MAX); i++) {
    const raw = maps.pool4.lookup(indexKey(i));
    if (raw) out.push(L.decodePool4Range(raw));
  }
  return out;
}

/** IPv4 addresses of the namespace that can serve as the empty pool4 (not loopback, link-local or multicast). */
export function ownAddresses(): Buffer[] {
  const out: Buffer[] = [];
  for (const text of namespaceIpv4Addresses()) {
    const b = ipv4Bytes(text);
    if (!b || b[0] === 127 || b[0] === 0 || (b[0] === 169 && b[1] === 254) || b[0] >= 224) continue;
    out.push(b);
  }
  return out.sort((a, b) => Buffer.compare(a, b));
}

/** Writes user entries, then the defaults for protocols without any, and the count. */
export function writePool4(maps: Nat64Maps, cfg: L.Nat64Config, user: L.Pool4Range[]): L.Nat64Config {
  const all = [...user];
  const own = ownAddresses();
  let pool4Default = 0;
  for (const proto of [L.IPPROTO_TCP, L.IPPROTO_UDP, L.IPPROTO_ICMP]) {
    if (user.some((r) => r.proto === proto)) continue;
    pool4Default |= L.NAT64_POOL4_DEFAULT_BIT[proto];
    for (const addr of own) {
      all.push({
        addr,
        prefixLen: 32,
        mark: 0,
        portMin: DEFAULT_POOL4_PORTS[0],
        portMax: DEFAULT_POOL4_PORTS[1],
        proto,
        flags: L.NAT64_POOL4_DEFAULT,
        maxIter: L.NAT64_ITER_AUTO,
      });
    }
  }
  if (all.length > L.XLAT_NAT64_POOL4_MAX) {
    throw new InputError(
      `pool4 would need ${all.length} entries, at most ${L.XLAT_NAT64_POOL4_MAX} fit (entries plus one per own address and protocol without entries)`,
    );
  }
  const old = readPool4(maps, cfg);
  const same = old.length === all.length && old.every((r, i) => L.encodePool4Range(r).equals(L.encodePool4Range(all[i])));
  if (same && cfg.pool4Default === pool4Default) return cfg;
  // Shrink the count first so the data plane never walks a half-written tail.
  const shrunk = {...cfg, pool4Count: Math.min(cfg.pool4Count, all.length)};
  writeConfig(maps, shrunk);
  all.forEach((r, i) => maps.pool4.update(indexKey(i), L.encodePool4Range(r)));
  const next = {...cfg, pool4Count: all.length, pool4Default};
  writeConfig(maps, next);
  return next;
}

/** Keeps the default pool4 equal to the namespace's current addresses. */
function refreshDefaults(maps: Nat64Maps): L.Nat64Config {
  const cfg = readConfig(maps);
  const user = readPool4(maps, cfg).filter((r) => (r.flags & L.NAT64_POOL4_DEFAULT) === 0);
  return writePool4(maps, cfg, user);
}

export async function openMaps(found: Discovered): Promise<Nat64Maps & {close(): void}> {
  // nat64_ifaddr is missing from instances made before the NAT64 originated ICMP errors.
  const m = await openMapsByName(found.mapIds, L.NAT64_MAP_NAMES, 'NAT64', [L.NAT64_MAP_IFADDR, META_MAP, ...B.NAT64_BLK_MAPS]);
  return {
    config: m.get(L.NAT64_MAP_CONFIG),
    stats: m.get(L.NAT64_MAP_STATS),
    pool4: m.get(L.NAT64_MAP_POOL4),
    bib4: m.get(L.NAT64_MAP_BIB4),
    bib6: m.get(L.NAT64_MAP_BIB6),
    sessions: m.get(L.NAT64_MAP_SESSIONS),
    ifaddr: m.find(L.NAT64_MAP_IFADDR),
    meta: m.find(META_MAP),
    blk6: m.find(B.NAT64_MAP_BLK6),
    blk4: m.find(B.NAT64_MAP_BLK4),
    blkCtl: m.find(B.NAT64_MAP_BLK_CTL),
    blkSub: m.find(B.NAT64_MAP_BLK_SUB),
    blkUse: m.find(B.NAT64_MAP_BLK_USE),
    blkUsed: m.find(B.NAT64_MAP_BLK_USED),
    close: () => m.close(),
  };
}

/** Also keeps nat64_ifaddr equal to the interfaces' current addresses (the source of the errors the NAT64 sends). */
export function refreshDefaultsAndIfaddr(maps: Nat64Maps): L.Nat64Config {
  const cfg = refreshDefaults(maps);
  if (maps.ifaddr) refreshIfaddr(maps.ifaddr);
  return cfg;
}

/** Finds the instance, opens its maps, refreshes the default pool4, runs fn, closes every fd. */
export async function withNat64Instance<T>(fn: (maps: Nat64Maps, cfg: L.Nat64Config, found: Discovered) => T | Promise<T>): Promise<T> {
  return withInstance(fn);
}

export async function withInstance<T>(fn: (maps: Nat64Maps, cfg: L.Nat64Config, found: Discovered) => T | Promise<T>): Promise<T> {
  const found = await discover(NAT64_SPEC);
  if (!found) throw new NoInstanceError('NAT64');
  const maps = await openMaps(found);
  try {
    const cfg = refreshDefaultsAndIfaddr(maps);
    return await fn(maps, cfg, found);
  } finally {
    maps.close();
  }
}
