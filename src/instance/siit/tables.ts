/**
 * The SIIT instance's configuration tables: the EAMT (siit_eamt6 and
 * siit_eamt4, every entry in both), denylist4 (siit_deny4), every global of
 * siit_config, and address queries over them. Validation lives in src/model/;
 * this module reads and writes the maps, all-or-nothing.
 */
import {ExistsError, NotFoundError, SystemError, XlatError} from '../../errors.js';
import type {BpfMap} from '../../bpf/map.js';
import {formatPrefix4, type Prefix4} from '../../model/ipv4.js';
import {formatPrefix6, type Prefix6} from '../../model/ipv6.js';
import {queryAddress, type AddressQuery} from '../../model/siit-address.js';
import type {SiitGlobalChange, SiitGlobalsView} from '../../model/siit-config.js';
import {checkEamAdd, compareEam, formatEamEntry, sameEam, type EamEntry} from '../../model/siit-eamt.js';
import {XLAT_DENYLIST4_MAX, decodeEamtEntry, decodeLpmKey, encodeEamtEntry, encodeLpmKey, type BufPrefix, type SiitConfig} from '../layout.js';
import {readSiitConfig, withSiitMaps, writeSiitConfig, type SiitMaps} from './instance.js';
import {runTxn, type TxnStep} from '../txn.js';

const EEXIST = 17;
const ENOSPC = 28;
const E2BIG = 7;

// ---------------------------------------------------------------------------
// EAMT

export function entryValue(e: EamEntry): Buffer {
  return encodeEamtEntry({v6: Buffer.from(e.p6.addr), v6Len: e.p6.len, v4: Buffer.from(e.p4.addr), v4Len: e.p4.len});
}

export function key6(p: Prefix6): Buffer {
  return encodeLpmKey(p.addr, p.len);
}

export function key4(p: Prefix4): Buffer {
  return encodeLpmKey(p.addr, p.len);
}

function decoded(v: Buffer): EamEntry {
  const e = decodeEamtEntry(v);
  return {p6: {addr: e.v6, len: e.v6Len}, p4: {addr: e.v4, len: e.v4Len}};
}

/**
 * Whether an entry read from one trie is in the other too. Every entry goes into both, one write each: a CLI
 * killed between the two (kill -9, a crash) leaves a half, which translates one direction only.
 */
function whole(maps: SiitMaps, e: EamEntry): boolean {
  const a = exact6(maps, e.p6);
  const b = exact4(maps, e.p4);
  return a !== null && b !== null && sameEam(a, e) && sameEam(b, e);
}

/** Every entry, from siit_eamt6 (its values hold both sides); halves (see whole) are not entries. */
export function readEamt(maps: SiitMaps): EamEntry[] {
  const out: EamEntry[] = [];
  for (const k of [...maps.eamt6.keys()]) {
    const v = maps.eamt6.lookup(k);
    if (v === null) continue; // removed meanwhile
    const e = decoded(v);
    if (whole(maps, e)) out.push(e);
  }
  return out;
}

/** The halves of entries cut short (see whole), by trie: what a writer removes before it adds entries. */
export function eamtHalves(maps: SiitMaps): {map: BpfMap; key: Buffer; value: Buffer}[] {
  const out: {map: BpfMap; key: Buffer; value: Buffer}[] = [];
  for (const map of [maps.eamt6, maps.eamt4]) {
    for (const key of [...map.keys()]) {
      const value = map.lookup(key);
      if (value !== null && !whole(maps, decoded(value))) out.push({map, key, value});
    }
  }
  return out;
}

/** The entry whose IPv6 (or IPv4) prefix is exactly p, or null. (A trie lookup returns the longest match: compare.) */
function exact6(maps: SiitMaps, p: Prefix6): EamEntry | null {
  const v = maps.eamt6.lookup(key6(p));
  if (v === null) return null;
  const e = decodeEamtEntry(v);
  const found: EamEntry = {p6: {addr: e.v6, len: e.v6Len}, p4: {addr: e.v4, len: e.v4Len}};
  return e.v6Len === p.len && Buffer.from(p.addr).equals(e.v6) ? found : null;
}

function exact4(maps: SiitMaps, p: Prefix4): EamEntry | null {
  const v = maps.eamt4.lookup(key4(p));
  if (v === null) return null;
  const e = decodeEamtEntry(v);
  const found: EamEntry = {p6: {addr: e.v6, len: e.v6Len}, p4: {addr: e.v4, len: e.v4Len}};
  return e.v4Len === p.len && Buffer.from(p.addr).equals(e.v4) ? found : null;
}

export async function displayEamt(): Promise<EamEntry[]> {
  return withSiitMaps((maps) => readEamt(maps).sort(compareEam));
}

/**
 * Adds entries (one, or a whole file) after checking them against the table
 * and each other; every entry goes into both tries, and a failure undoes
 * everything this call wrote.
 */
export async function addEamt(entries: readonly EamEntry[], force: boolean): Promise<{added: number; total: number}> {
  return withSiitMaps((maps) => {
    const existing = readEamt(maps);
    checkEamAdd(existing, entries, force);
    const cap = Math.min(maps.eamt6.maxEntries, maps.eamt4.maxEntries);
    if (existing.length + entries.length > cap) {
      throw new XlatError(`the EAMT holds at most ${cap} entries: it has ${existing.length}, adding ${entries.length} would exceed that`);
    }
    const steps: TxnStep[] = [];
    for (const e of entries) {
      const value = entryValue(e);
      steps.push({op: 'create', map: maps.eamt6, key: key6(e.p6), value}, {op: 'create', map: maps.eamt4, key: key4(e.p4), value});
    }
    const what = entries.length === 1 ? `adding EAMT entry ${formatEamEntry(entries[0])}` : `adding ${entries.length} EAMT entries`;
    runTxn(steps, what);
    return {added: entries.length, total: existing.length + entries.length};
  });
}

/** Removes the entry with this IPv6 and/or IPv4 prefix (both given: they must be the same entry's). */
export async function removeEamt(p6: Prefix6 | null, p4: Prefix4 | null): Promise<EamEntry> {
  return withSiitMaps((maps) => {
    const by6 = p6 ? exact6(maps, p6) : null;
    const by4 = p4 ? exact4(maps, p4) : null;
    if (p6 && !by6) throw new NotFoundError(`no EAMT entry has the IPv6 prefix ${formatPrefix6(p6)}`);
    if (p4 && !by4) throw new NotFoundError(`no EAMT entry has the IPv4 prefix ${formatPrefix4(p4)}`);
    if (by6 && by4 && !sameEam(by6, by4)) {
      throw new NotFoundError(
        `${formatPrefix6(p6!)} and ${formatPrefix4(p4!)} belong to different EAMT entries (${formatEamEntry(by6)}; ${formatEamEntry(by4)})`,
      );
    }
    const e = (by6 ?? by4)!;
    const value = entryValue(e);
    runTxn(
      [
        {op: 'delete', map: maps.eamt6, key: key6(e.p6), value},
        {op: 'delete', map: maps.eamt4, key: key4(e.p4), value},
      ],
      `removing EAMT entry ${formatEamEntry(e)}`,
    );
    return e;
  });
}

/** Empties the EAMT (all or nothing); returns the entries it held. */
export async function flushEamt(): Promise<EamEntry[]> {
  return withSiitMaps((maps) => {
    const all = readEamt(maps);
    const steps: TxnStep[] = [];
    for (const e of all) {
      const value = entryValue(e);
      steps.push({op: 'delete', map: maps.eamt6, key: key6(e.p6), value}, {op: 'delete', map: maps.eamt4, key: key4(e.p4), value});
    }
    runTxn(steps, 'flushing the EAMT');
    return all.sort(compareEam);
  });
}

// ---------------------------------------------------------------------------
// denylist4

export const ONE = Buffer.from([1]);

export function readDeny4(map: BpfMap): Prefix4[] {
  return [...map.keys()].map((k) => decodeLpmKey(k)).map((p) => ({addr: p.addr, len: p.len}));
}

export function sortPrefix4(list: Prefix4[]): Prefix4[] {
  return list.sort((a, b) => Buffer.compare(Buffer.from(a.addr), Buffer.from(b.addr)) || a.len - b.len);
}

export async function displayDenylist4(): Promise<Prefix4[]> {
  return withSiitMaps((maps) => sortPrefix4(readDeny4(maps.deny4)));
}

export async function addDenylist4(p: Prefix4): Promise<void> {
  await withSiitMaps((maps) => {
    const count = readDeny4(maps.deny4).length;
    const cap = Math.min(maps.deny4.maxEntries, XLAT_DENYLIST4_MAX);
    try {
      maps.deny4.update(key4(p), ONE, 1n /* BPF_NOEXIST */);
    } catch (err) {
      if (err instanceof SystemError && err.errno === EEXIST) throw new ExistsError(`${formatPrefix4(p)} is already in denylist4`);
      if (err instanceof SystemError && (err.errno === ENOSPC || err.errno === E2BIG || count >= cap)) {
        throw new XlatError(`denylist4 is full (at most ${cap} prefixes)`);
      }
      throw err;
    }
  });
}

export async function removeDenylist4(p: Prefix4): Promise<void> {
  await withSiitMaps((maps) => {
    if (!maps.deny4.delete(key4(p))) throw new NotFoundError(`${formatPrefix4(p)} is not in denylist4`);
  });
}

export async function flushDenylist4(): Promise<Prefix4[]> {
  return withSiitMaps((maps) => {
    const all = readDeny4(maps.deny4);
    runTxn(
      all.map((p) => ({op: 'delete', map: maps.deny4, key: key4(p), value: ONE})),
      'flushing denylist4',
    );
    return sortPrefix4(all);
  });
}

// ---------------------------------------------------------------------------
// globals

function prefixText(p: BufPrefix | null, family: 4 | 6): string | null {
  if (p === null) return null;
  return family === 6 ? formatPrefix6(p) : formatPrefix4(p);
}

export function globalsView(cfg: SiitConfig): SiitGlobalsView {
  return {
    'manually-enabled': cfg.enabled,
    pool6: prefixText(cfg.pool6, 6),
    'lowest-ipv6-mtu': cfg.lowestIpv6Mtu,
    'zeroize-traffic-class': cfg.zeroizeTrafficClass,
    'override-tos': cfg.overrideTos,
    tos: cfg.tos,
    'mtu-plateaus': [...cfg.mtuPlateaus],
    'amend-udp-checksum-zero': cfg.amendUdpChecksumZero,
    'eam-hairpin-mode': cfg.eamHairpinMode,
    'randomize-rfc6791-addresses': cfg.randomizeRfc6791,
    'rfc6791v6-prefix': prefixText(cfg.rfc6791v6, 6),
    'rfc6791v4-prefix': prefixText(cfg.rfc6791v4, 4),
  };
}

function buf(p: {addr: Uint8Array; len: number} | null): BufPrefix | null {
  return p === null ? null : {addr: Buffer.from(p.addr), len: p.len};
}

/** siit_config with one global changed. */
export function applyGlobalChange(cfg: SiitConfig, c: SiitGlobalChange): SiitConfig {
  switch (c.key) {
    case 'manually-enabled':
      return {...cfg, enabled: c.value};
    case 'zeroize-traffic-class':
      return {...cfg, zeroizeTrafficClass: c.value};
    case 'override-tos':
      return {...cfg, overrideTos: c.value};
    case 'amend-udp-checksum-zero':
      return {...cfg, amendUdpChecksumZero: c.value};
    case 'randomize-rfc6791-addresses':
      return {...cfg, randomizeRfc6791: c.value};
    case 'tos':
      return {...cfg, tos: c.value};
    case 'lowest-ipv6-mtu':
      return {...cfg, lowestIpv6Mtu: c.value};
    case 'mtu-plateaus':
      return {...cfg, mtuPlateaus: [...c.value]};
    case 'eam-hairpin-mode':
      return {...cfg, eamHairpinMode: c.value};
    case 'pool6':
      return {...cfg, pool6: buf(c.value)};
    case 'rfc6791v6-prefix':
      return {...cfg, rfc6791v6: buf(c.value)};
    case 'rfc6791v4-prefix':
      return {...cfg, rfc6791v4: buf(c.value)};
  }
}

export async function readAllSiitGlobals(): Promise<SiitGlobalsView> {
  return withSiitMaps((maps) => globalsView(readSiitConfig(maps)));
}

/** Changes one global (one map update: atomic for the data plane); returns every global before and after it. */
export async function updateSiitGlobal(c: SiitGlobalChange): Promise<{before: SiitGlobalsView; after: SiitGlobalsView}> {
  return withSiitMaps((maps) => {
    const cfg = readSiitConfig(maps);
    const next = applyGlobalChange(cfg, c);
    writeSiitConfig(maps, next);
    return {before: globalsView(cfg), after: globalsView(next)};
  });
}

// ---------------------------------------------------------------------------
// address query

export async function querySiitAddress(family: 4 | 6, addr: Uint8Array): Promise<AddressQuery> {
  return withSiitMaps((maps) => {
    const cfg = readSiitConfig(maps);
    const local4 = [...maps.local4.keys()].map((k) => Uint8Array.from(k));
    return queryAddress({pool6: cfg.pool6, eamt: readEamt(maps), denylist4: readDeny4(maps.deny4), local4}, family, addr);
  });
}
