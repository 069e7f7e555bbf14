/**
 * The BIB (RFC 6146 3.1): both halves of each entry, static entries added and removed as pairs.
 */
import {withNat64Instance, readPool4, now, type Nat64Maps} from './maps.js';
import {addrNum, toItem} from './pool4-table.js';
import {dropSessions, expireSessions} from './session-table.js';
import {inHeldBlock} from './blocks.js';

import {ExistsError, InputError, NotFoundError} from '../../errors.js';

import * as L from './layout.js';

import {runTxn} from '../txn.js';

import {formatIpv6 as formatIpv6Addr} from '../prefix.js';

import {PROTO_NAME, PROTO_NUMBER, type Nat64Proto} from '../../model/nat64-pool4.js';

import {pool4Holds} from '../../model/pool4-set.js';

// ---------------------------------------------------------------------------
// BIB

export interface BibEntry {
  proto: Nat64Proto;
  ipv6: {addr: Buffer; port: number};
  ipv4: {addr: Buffer; port: number};
  static: boolean;
}

/** Live BIB entries of a protocol: a pair is alive while either half is. */
function readBib(maps: Nat64Maps, proto: number): BibEntry[] {
  const t = now();
  const K6 = L.NAT64_TADDR6;
  const V6 = L.NAT64_BIB6_VALUE;
  const K4 = L.NAT64_TADDR4;
  const V4 = L.NAT64_BIB4_VALUE;
  const alive6 = new Map<string, bigint>();
  for (const {count, keys, values} of maps.bib6.batches()) {
    for (let i = 0; i < count; i++) {
      if (keys[i * K6.size + K6.proto.offset] !== proto) continue;
      alive6.set(keys.toString('latin1', i * K6.size, (i + 1) * K6.size), values.readBigUInt64LE(i * V6.size + V6.expires.offset));
    }
  }
  const out: BibEntry[] = [];
  for (const {count, keys, values} of maps.bib4.batches()) {
    for (let i = 0; i < count; i++) {
      if (keys[i * K4.size + K4.proto.offset] !== proto) continue;
      const at = i * V4.size;
      const exp4 = values.readBigUInt64LE(at + V4.expires.offset);
      const exp6 = alive6.get(values.toString('latin1', at + V4.t6.offset, at + V4.t6.offset + V4.t6.size)) ?? 0n;
      if (exp4 < t && exp6 < t) continue;
      const t4 = L.decodeTAddr4(keys, i * K4.size);
      const t6 = L.decodeTAddr6(values, at + V4.t6.offset);
      out.push({
        proto: PROTO_NAME[proto],
        ipv4: {addr: t4.addr, port: t4.port},
        ipv6: {addr: t6.addr, port: t6.port},
        static: (values.readUInt32LE(at + V4.flags.offset) & L.NAT64_BIB_STATIC) !== 0,
      });
    }
  }
  out.sort((a, b) => Buffer.compare(a.ipv4.addr, b.ipv4.addr) || a.ipv4.port - b.ipv4.port);
  return out;
}

export async function listBib(proto: Nat64Proto): Promise<BibEntry[]> {
  return withNat64Instance((maps) => readBib(maps, PROTO_NUMBER[proto]));
}

export async function addStaticBib(proto: Nat64Proto, t6: {addr: Uint8Array; port: number}, t4: {addr: Uint8Array; port: number}): Promise<void> {
  await withNat64Instance((maps, cfg) => addStaticBibIn(maps, cfg, proto, t6, t4));
}

/** Adds a static BIB entry (its IPv4 side in pool4, neither side mapped); returns how to take it out again. */
export function addStaticBibIn(
  maps: Nat64Maps,
  cfg: L.Nat64Config,
  proto: Nat64Proto,
  t6: {addr: Uint8Array; port: number},
  t4: {addr: Uint8Array; port: number},
): () => void {
  {
    const p = PROTO_NUMBER[proto];
    const ranges = readPool4(maps, cfg).filter((r) => r.proto === p);
    const a4 = addrNum(t4.addr);
    if (!pool4Holds(ranges.map(toItem), proto, a4, t4.port)) {
      throw new InputError(
        `${[...t4.addr].join('.')}#${t4.port} is not in the ${proto.toUpperCase()} pool4${ranges.length ? '' : ' (which is empty)'}: add it with 'xlat nat64 pool4 add' first`,
      );
    }
    const k4 = L.encodeTAddr4({addr: Buffer.from(t4.addr), port: t4.port, proto: p});
    const k6 = L.encodeTAddr6({addr: Buffer.from(t6.addr), port: t6.port, proto: p});
    const live = readBib(maps, p);
    const c4 = live.find((e) => e.ipv4.addr.equals(Buffer.from(t4.addr)) && e.ipv4.port === t4.port);
    const c6 = live.find((e) => e.ipv6.addr.equals(Buffer.from(t6.addr)) && e.ipv6.port === t6.port);
    for (const c of [c4, c6]) {
      if (c) {
        throw new ExistsError(
          `the ${proto.toUpperCase()} BIB already maps ${formatIpv6Addr(c.ipv6.addr)}#${c.ipv6.port} to ${[...c.ipv4.addr].join('.')}#${c.ipv4.port}${c.static ? ' (static)' : ''}: remove it first`,
        );
      }
    }
    // Expired leftovers of either half go first.
    maps.bib4.delete(k4);
    maps.bib6.delete(k6);
    runTxn(
      [
        {
          op: 'create',
          map: maps.bib4,
          key: k4,
          value: L.encodeBib4Value({addr: Buffer.from(t6.addr), port: t6.port, proto: p}, L.NAT64_BIB_STATIC, L.NAT64_NEVER),
        },
        {
          op: 'create',
          map: maps.bib6,
          key: k6,
          value: L.encodeBib6Value({addr: Buffer.from(t4.addr), port: t4.port, proto: p}, L.NAT64_BIB_STATIC, L.NAT64_NEVER),
        },
      ],
      `adding the static ${proto.toUpperCase()} BIB entry`,
    );
    return () => {
      maps.bib4.delete(k4);
      maps.bib6.delete(k6);
    };
  }
}

/**
 * Takes a static BIB entry out (its sessions stay until they expire: the
 * caller drops them once nothing can be undone any more); returns how to put
 * it back.
 */
export function removeStaticBibIn(maps: Nat64Maps, proto: Nat64Proto, t6: {addr: Uint8Array; port: number}, t4: {addr: Uint8Array; port: number}): () => void {
  const p = PROTO_NUMBER[proto];
  const k4 = L.encodeTAddr4({addr: Buffer.from(t4.addr), port: t4.port, proto: p});
  const k6 = L.encodeTAddr6({addr: Buffer.from(t6.addr), port: t6.port, proto: p});
  const v4 = maps.bib4.lookup(k4);
  const v6 = maps.bib6.lookup(k6);
  maps.bib4.delete(k4);
  maps.bib6.delete(k6);
  return () => {
    if (v4) maps.bib4.update(k4, v4);
    if (v6) maps.bib6.update(k6, v6);
  };
}

/** Is this session key one of the IPv4 transport address (its local side)? */
function sessionOf(k: Buffer, proto: number, addr4: number, port: number): boolean {
  const K = L.NAT64_SESSION_KEY;
  return k[K.proto.offset] === proto && k.readUInt32BE(K.local4.offset) === addr4 && k.readUInt16BE(K.lport.offset) === port;
}

/** Drops the sessions of a BIB entry's IPv4 side. */
export function dropSessionsOf(maps: Nat64Maps, proto: Nat64Proto, t4: {addr: Uint8Array; port: number}): void {
  const p = PROTO_NUMBER[proto];
  const a4 = addrNum(t4.addr);
  dropSessions(maps, (k) => sessionOf(k, p, a4, t4.port));
}

/** The static BIB entries of every protocol. */
export function staticBibIn(maps: Nat64Maps): BibEntry[] {
  return [L.IPPROTO_TCP, L.IPPROTO_UDP, L.IPPROTO_ICMP].flatMap((p) => readBib(maps, p).filter((e) => e.static));
}

export async function removeBib(
  proto: Nat64Proto,
  t6: {addr: Uint8Array; port: number} | null,
  t4: {addr: Uint8Array; port: number} | null,
): Promise<BibEntry> {
  return withNat64Instance((maps) => {
    const p = PROTO_NUMBER[proto];
    const e = readBib(maps, p).find(
      (x) =>
        (t4 === null || (x.ipv4.addr.equals(Buffer.from(t4.addr)) && x.ipv4.port === t4.port)) &&
        (t6 === null || (x.ipv6.addr.equals(Buffer.from(t6.addr)) && x.ipv6.port === t6.port)),
    );
    if (!e) {
      const what = [t6 && `${formatIpv6Addr(Buffer.from(t6.addr))}#${t6.port}`, t4 && `${[...t4.addr].join('.')}#${t4.port}`].filter(Boolean).join(' and ');
      throw new NotFoundError(`the ${proto.toUpperCase()} BIB has no entry with ${what}`);
    }
    const k4 = L.encodeTAddr4({addr: e.ipv4.addr, port: e.ipv4.port, proto: p});
    const k6 = L.encodeTAddr6({addr: e.ipv6.addr, port: e.ipv6.port, proto: p});
    const a4 = addrNum(e.ipv4.addr);
    const mine = (k: Buffer) => sessionOf(k, p, a4, e.ipv4.port);
    if (inHeldBlock(maps, a4, e.ipv4.port)) {
      // In a dynamic block: expired rather than deleted, with its sessions, so that the data plane deletes them
      // (the sweeper, or the next packet that meets them) through the path that counts the block's entries and
      // releases the block, logged, with its last one. Listings skip them from now on.
      expireSessions(maps, mine);
      for (const [m, k, V] of [
        [maps.bib4, k4, L.NAT64_BIB4_VALUE],
        [maps.bib6, k6, L.NAT64_BIB6_VALUE],
      ] as const) {
        const v = m.lookup(k);
        if (!v) continue;
        v.writeBigUInt64LE(1n, V.expires.offset);
        m.update(k, v);
      }
    } else {
      maps.bib4.delete(k4);
      maps.bib6.delete(k6);
      dropSessions(maps, mine);
    }
    return e;
  });
}
