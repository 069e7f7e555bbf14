/**
 * The block (RFC 7422) entries of a NAT64 instance's pool4, deterministic and
 * dynamic: the maps nat64_blk6 / nat64_blk4 (each entry in both) and their
 * count in nat64_blk_ctl; for dynamic entries, the blocks the data plane gave
 * out (nat64_blk_sub, nat64_blk_use, nat64_blk_used), read for display and
 * cleared with their entry. The formula and the checks live in
 * src/model/rfc7422.ts; this module reads and writes the maps.
 */
import {InputError, NotFoundError, XlatError} from '../../errors.js';
import {encodeLpmKey} from '../layout.js';
import * as B from './blocks-layout.js';
import {dropStateIn, userPool4, withNat64Instance, type Nat64Maps} from './instance.js';
import {ipv4Bytes} from '../../model/pool4-set.js';
import {detClash, formatDetRange, sameDet, sortDet, type DetEntry} from '../../model/rfc7422.js';
import type {Nat64Config} from './layout.js';

type BlkMaps = {blk6: NonNullable<Nat64Maps['blk6']>; blk4: NonNullable<Nat64Maps['blk4']>; blkCtl: NonNullable<Nat64Maps['blkCtl']>};

function blkMaps(maps: Nat64Maps): BlkMaps {
  if (!maps.blk6 || !maps.blk4 || !maps.blkCtl)
    throw new XlatError('the NAT64 programs attached here have no deterministic pool4 maps: remove the instance and add it again');
  return {blk6: maps.blk6, blk4: maps.blk4, blkCtl: maps.blkCtl};
}

const key6 = (e: DetEntry): Buffer => encodeLpmKey(e.range6.addr, e.range6.len);
const key4 = (e: DetEntry): Buffer => encodeLpmKey(ipv4Bytes(e.addr4), e.len4);

/** The deterministic entries, ordered by IPv6 range. */
export function readDet(maps: Nat64Maps): (DetEntry & {id: number})[] {
  const m = blkMaps(maps);
  const out: (DetEntry & {id: number})[] = [];
  for (const k of [...m.blk6.keys()]) {
    const v = m.blk6.lookup(k);
    if (v) out.push(B.decodeBlkEntry(v));
  }
  return sortDet(out);
}

/**
 * Makes the deterministic entries exactly `wanted` (entries already there keep their id and time); returns the ones
 * removed. The IPv4 side is written before the IPv6 side (an address is known as pool4 before any mapping is made
 * on it) and removed after it. The BIB entries and sessions on removed addresses go unless quick.
 */
export function writeDet(maps: Nat64Maps, wanted: DetEntry[], quick: boolean): DetEntry[] {
  const m = blkMaps(maps);
  const have = readDet(maps);
  const gone = have.filter((h) => !wanted.some((w) => sameDet(w, h)));
  const fresh = wanted.filter((w) => !have.some((h) => sameDet(w, h)));
  const used = new Set(have.filter((h) => !gone.includes(h)).map((h) => h.id));
  for (const g of gone) {
    m.blk6.delete(key6(g));
    m.blk4.delete(key4(g));
  }
  let id = 0;
  for (const f of fresh) {
    while (used.has(id)) id++;
    used.add(id);
    const v = B.encodeBlkEntry(f, id);
    m.blk4.update(key4(f), v);
    m.blk6.update(key6(f), v);
  }
  const kept = readDet(maps);
  for (const e of [...gone, ...kept.filter((k) => fresh.some((f) => sameDet(f, k)))]) clearDynamic(maps, e, e.id);
  m.blkCtl.update(Buffer.alloc(4), B.encodeBlkCtl(wanted.length, wanted.filter((w) => w.dynamic).length));
  if (!quick) dropDetState(maps, gone);
  return gone;
}

const idKey = (id: number): Buffer => {
  const k = Buffer.alloc(4);
  k.writeUInt32LE(id);
  return k;
};

/** Forgets the dynamic blocks of entry e (number id): removed, or new with the number of an old one. */
function clearDynamic(maps: Nat64Maps, e: DetEntry, id: number): void {
  if (!maps.blkUse || !maps.blkSub || !maps.blkUsed) return;
  const inside = (a: number) => a >= e.addr4 && a < e.addr4 + 2 ** (32 - e.len4);
  for (const k of [...maps.blkUse.keys()]) if (inside(k.readUInt32BE(B.NAT64_BLK_USE_KEY.addr.offset))) maps.blkUse.delete(k);
  for (const k of [...maps.blkSub.keys()]) if (k.readUInt32LE(16) === id) maps.blkSub.delete(k);
  maps.blkUsed.update(idKey(id), Buffer.alloc(8));
}

/** A dynamic block given out: its address and ports, its subscriber, the BIB entries holding it. */
export interface DynBlock {
  entry: number;
  addr4: number;
  ports: [number, number];
  subscriber: {addr: Uint8Array; len: number};
  refs: number;
}

/** The dynamic blocks in use now, by entry id. */
function readDynBlocks(maps: Nat64Maps): DynBlock[] {
  if (!maps.blkUse) return [];
  const entries = readDet(maps);
  const out: DynBlock[] = [];
  const U = B.NAT64_BLK_USE;
  for (const k of [...maps.blkUse.keys()]) {
    const v = maps.blkUse.lookup(k);
    if (!v || v[U.released.offset]) continue;
    const id = v.readUInt32LE(U.id.offset);
    const e = entries.find((x) => x.id === id);
    if (!e) continue;
    const first = e.ports[0] + k.readUInt32LE(B.NAT64_BLK_USE_KEY.block.offset) * e.blockSize;
    out.push({
      entry: id,
      addr4: k.readUInt32BE(B.NAT64_BLK_USE_KEY.addr.offset),
      ports: [first, first + e.blockSize - 1],
      subscriber: {addr: new Uint8Array(v.subarray(U.sub.offset, U.sub.offset + 16)), len: v[U.sub_len.offset]},
      refs: v.readUInt32LE(U.refs.offset),
    });
  }
  return out.sort((a, b) => a.addr4 - b.addr4 || a.ports[0] - b.ports[0]);
}

/**
 * Whether addr#port (addr a 32-bit number) lies in a dynamic block given out now. Such a block counts its BIB
 * entries in the kernel, which alone releases it (and logs the release) when its last one goes.
 */
export function inHeldBlock(maps: Nat64Maps, addr: number, port: number): boolean {
  if (!maps.blkUse || !maps.blk6) return false;
  const e = readDet(maps).find((x) => x.dynamic && addr >= x.addr4 && addr < x.addr4 + 2 ** (32 - x.len4));
  if (!e || port < e.ports[0]) return false;
  const k = Buffer.alloc(B.NAT64_BLK_USE_KEY.size);
  k.writeUInt32BE(addr, B.NAT64_BLK_USE_KEY.addr.offset);
  k.writeUInt32LE(Math.floor((port - e.ports[0]) / e.blockSize), B.NAT64_BLK_USE_KEY.block.offset);
  const v = maps.blkUse.lookup(k);
  return v !== null && !v[B.NAT64_BLK_USE.released.offset] && v.readUInt32LE(B.NAT64_BLK_USE.refs.offset) > 0;
}

/** Deletes the BIB entries and sessions on the addresses of removed entries. */
export function dropDetState(maps: Nat64Maps, gone: DetEntry[]): void {
  if (gone.length) dropStateIn(maps, (a) => gone.some((g) => a >= g.addr4 && a < g.addr4 + 2 ** (32 - g.len4)));
}

/** The block entries and the dynamic blocks in use. */
export async function listBlocks(): Promise<{entries: DetEntry[]; inUse: DynBlock[]}> {
  return withNat64Instance((maps) => ({entries: readDet(maps), inUse: readDynBlocks(maps)}));
}

/** Adds an entry; false when the very same one is there already. */
export async function addDet(e: DetEntry): Promise<{changed: boolean; entries: DetEntry[]}> {
  return withNat64Instance((maps, cfg: Nat64Config) => {
    const have = readDet(maps);
    if (have.some((h) => sameDet(h, e))) return {changed: false, entries: have};
    const clash = detClash(e, have, userPool4(maps, cfg));
    if (clash) throw new InputError(`deterministic pool4 ${formatDetRange(e)}: ${clash}`);
    writeDet(maps, [...have, e], true);
    return {changed: true, entries: readDet(maps)};
  });
}

/** Removes the entries `match` selects (`what`, e.g. "deterministic entry with X", names them in the error when there is none). */
export async function removeDet(match: (e: DetEntry) => boolean, what: string, quick: boolean): Promise<DetEntry[]> {
  return withNat64Instance((maps) => {
    const have = readDet(maps);
    const gone = have.filter(match);
    if (gone.length === 0) throw new NotFoundError(`pool4 has no ${what}`);
    writeDet(
      maps,
      have.filter((h) => !match(h)),
      quick,
    );
    return gone;
  });
}

/** Removes every deterministic entry (pool4 flush). */
export async function flushDet(quick: boolean): Promise<DetEntry[]> {
  return withNat64Instance((maps) => (maps.blk6 ? writeDet(maps, [], quick) : []));
}
