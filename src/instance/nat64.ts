/**
 * The stateful NAT64 instance of the current network namespace (RFC 6146).
 *
 * Same life cycle as SIIT (src/instance/attach.ts): programs attached over
 * netlink, found again by name, maps opened by id. The BIB and session tables
 * live in BPF hash maps and expire lazily inside the data plane (each entry
 * carries its deadline on CLOCK_MONOTONIC), so nothing needs to run between
 * CLI calls. Every call refreshes the default pool4 (the namespace's own IPv4
 * addresses, used for the protocols that have no pool4 entry).
 */
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import {checkLayout, layoutVersion, objectPath} from './objects.js';
import {InputError, NoInstanceError, XlatError} from '../errors.js';
import {openAndLoad} from '../bpf/object.js';
import {BPF_NOEXIST, type BpfMap} from '../bpf/map.js';
import {listInterfaces, namespaceIpv4Addresses} from '../sys/interfaces.js';
import {currentNetnsName} from '../sys/netns.js';
import {
  attachAll,
  chooseInterfaces,
  detachAll,
  discover,
  openMapsByName,
  planHook,
  publicInterfaces,
  xdpHolder,
  type AttachedInterface,
  type Discovered,
  type HookRequest,
  type ProgramSpec,
} from './attach.js';
import * as L from './nat64-layout.js';
import {refreshIfaddr} from './siit-ifaddr.js';
import {DEFAULT_MTU_PLATEAUS} from '../abi/common.js';
import {readCounters} from './counters.js';
import {formatIpv6 as formatIpv6Addr, formatIpv6Prefix, ipv4Bytes, maskIpv6} from './prefix.js';
import {NAT64_DEFAULTS, type Nat64GlobalUpdate, type Nat64Globals} from '../model/nat64-globals.js';
import {DEFAULT_POOL4_PORTS, PROTO_NAME, PROTO_NUMBER, maxIterCode, maxIterationsOf, type MaxIterations, type Nat64Proto} from '../model/nat64-pool4.js';

export type {AttachedInterface, HookRequest} from './attach.js';

export const NAT64_SPEC: ProgramSpec = {
  label: 'NAT64',
  xdpProg: L.XLAT_NAT64_XDP_PROG,
  tcProg: L.XLAT_NAT64_TC_PROG,
  tcHandle: L.XLAT_TC_HANDLE_NAT64,
  tcPrio: L.XLAT_TC_PRIO_NAT64,
};

export const MAX_CAPACITY = 16 * 1024 * 1024;

export interface Nat64Instance {
  netns: string;
  type: 'NAT64';
  interfaces: AttachedInterface[];
  pool6: string;
  enabled: boolean;
  /** max_entries of the BIB and session tables. */
  capacity: number;
  /** Map layout version of the attached programs (bpf/abi/ enum xlat_nat64_layout). */
  layout: number;
}

/** build/bpf/nat64.bpf.o of this package (XLAT_NAT64_OBJECT overrides it, for tests). */
export function nat64ObjectPath(): string {
  return objectPath('nat64');
}

// ---------------------------------------------------------------------------
// maps

interface Maps {
  config: BpfMap;
  stats: BpfMap;
  pool4: BpfMap;
  bib4: BpfMap;
  bib6: BpfMap;
  sessions: BpfMap;
  /** null for an instance made before the NAT64 originated ICMP errors. */
  ifaddr: BpfMap | null;
}

const ZERO_KEY = Buffer.alloc(4);

function readConfig(maps: Maps): L.Nat64Config {
  const raw = maps.config.lookup(ZERO_KEY);
  if (raw === null) throw new XlatError('the NAT64 instance has no configuration entry');
  const cfg = L.decodeNat64Config(raw);
  checkLayout('nat64', cfg.version);
  return cfg;
}

function writeConfig(maps: Maps, cfg: L.Nat64Config): void {
  maps.config.update(ZERO_KEY, L.encodeNat64Config(cfg));
}

const now = (): bigint => process.hrtime.bigint(); // CLOCK_MONOTONIC, as bpf_ktime_get_ns

function indexKey(i: number): Buffer {
  const k = Buffer.alloc(4);
  k.writeUInt32LE(i);
  return k;
}

function readPool4(maps: Maps, cfg: L.Nat64Config): L.Pool4Range[] {
  const out: L.Pool4Range[] = [];
  for (let i = 0; i < Math.min(cfg.pool4Count, L.XLAT_NAT64_POOL4_MAX); i++) {
    const raw = maps.pool4.lookup(indexKey(i));
    if (raw) out.push(L.decodePool4Range(raw));
  }
  return out;
}

/** IPv4 addresses of the namespace that can serve as the empty pool4 (not loopback, link-local or multicast). */
function ownAddresses(): Buffer[] {
  const out: Buffer[] = [];
  for (const text of namespaceIpv4Addresses()) {
    const b = ipv4Bytes(text);
    if (!b || b[0] === 127 || b[0] === 0 || (b[0] === 169 && b[1] === 254) || b[0]! >= 224) continue;
    out.push(b);
  }
  return out.sort(Buffer.compare);
}

/** Writes user entries, then the defaults for protocols without any, and the count. */
function writePool4(maps: Maps, cfg: L.Nat64Config, user: L.Pool4Range[]): L.Nat64Config {
  const all = [...user];
  const own = ownAddresses();
  let pool4Default = 0;
  for (const proto of [L.IPPROTO_TCP, L.IPPROTO_UDP, L.IPPROTO_ICMP]) {
    if (user.some((r) => r.proto === proto)) continue;
    pool4Default |= L.NAT64_POOL4_DEFAULT_BIT[proto]!;
    for (const addr of own) {
      all.push({addr, prefixLen: 32, mark: 0, portMin: DEFAULT_POOL4_PORTS[0], portMax: DEFAULT_POOL4_PORTS[1], proto, flags: L.NAT64_POOL4_DEFAULT, maxIter: L.NAT64_ITER_AUTO});
    }
  }
  if (all.length > L.XLAT_NAT64_POOL4_MAX) {
    throw new InputError(`pool4 would need ${all.length} entries, at most ${L.XLAT_NAT64_POOL4_MAX} fit (entries plus one per own address and protocol without entries)`);
  }
  const old = readPool4(maps, cfg);
  const same = old.length === all.length && old.every((r, i) => L.encodePool4Range(r).equals(L.encodePool4Range(all[i]!)));
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
function refreshDefaults(maps: Maps): L.Nat64Config {
  const cfg = readConfig(maps);
  const user = readPool4(maps, cfg).filter((r) => (r.flags & L.NAT64_POOL4_DEFAULT) === 0);
  return writePool4(maps, cfg, user);
}

async function openMaps(found: Discovered): Promise<Maps & {close(): void}> {
  const m = await openMapsByName(found.mapIds, L.NAT64_MAP_NAMES, 'NAT64');
  let extra: Awaited<ReturnType<typeof openMapsByName>> | null = null;
  try {
    extra = await openMapsByName(found.mapIds, [L.NAT64_MAP_IFADDR], 'NAT64');
  } catch {
    extra = null; // an instance made before the NAT64 originated ICMP errors
  }
  return {
    config: m.get(L.NAT64_MAP_CONFIG),
    stats: m.get(L.NAT64_MAP_STATS),
    pool4: m.get(L.NAT64_MAP_POOL4),
    bib4: m.get(L.NAT64_MAP_BIB4),
    bib6: m.get(L.NAT64_MAP_BIB6),
    sessions: m.get(L.NAT64_MAP_SESSIONS),
    ifaddr: extra ? extra.get(L.NAT64_MAP_IFADDR) : null,
    close: () => {
      m.close();
      extra?.close();
    },
  };
}

/** Also keeps nat64_ifaddr equal to the interfaces' current addresses (the source of the errors the NAT64 sends). */
function refreshDefaultsAndIfaddr(maps: Maps): L.Nat64Config {
  const cfg = refreshDefaults(maps);
  if (maps.ifaddr) refreshIfaddr(maps.ifaddr);
  return cfg;
}

/** Finds the instance, opens its maps, refreshes the default pool4, runs fn, closes every fd. */
async function withInstance<T>(fn: (maps: Maps, cfg: L.Nat64Config, found: Discovered) => T | Promise<T>): Promise<T> {
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

// ---------------------------------------------------------------------------
// instance

function describe(found: Discovered, cfg: L.Nat64Config, capacity: number): Nat64Instance {
  return {
    netns: currentNetnsName(),
    type: 'NAT64',
    interfaces: publicInterfaces(found.attachments),
    pool6: formatIpv6Prefix(cfg.pool6),
    enabled: cfg.enabled,
    capacity,
    layout: cfg.version,
  };
}

export async function findNat64Instance(): Promise<Nat64Instance | null> {
  const found = await discover(NAT64_SPEC);
  if (!found) return null;
  const maps = await openMaps(found);
  try {
    const cfg = refreshDefaultsAndIfaddr(maps);
    return describe(found, cfg, maps.sessions.maxEntries);
  } finally {
    maps.close();
  }
}

export async function addNat64Instance(opts: {
  pool6: {addr: Buffer; len: number};
  interfaces: string[] | null;
  hook: HookRequest;
  capacity: number;
  verbose: boolean;
}): Promise<Nat64Instance> {
  if (!Number.isInteger(opts.capacity) || opts.capacity < 1 || opts.capacity > MAX_CAPACITY) {
    throw new InputError(`capacity must be an integer from 1 to ${MAX_CAPACITY}`);
  }
  const all = listInterfaces();
  const chosen = chooseInterfaces(all, opts.interfaces);
  if (await discover(NAT64_SPEC, all)) throw new XlatError('this namespace already has a NAT64 instance');
  const plans = [];
  for (const i of chosen) {
    const holder = opts.hook === 'tc' ? null : await xdpHolder(i.index);
    plans.push(planHook(i, opts.hook, holder, 'NAT64'));
  }

  const maxEntries = L.nat64MaxEntries(opts.capacity);
  const path = nat64ObjectPath();
  const layout = layoutVersion('nat64', path);
  const obj = await openAndLoad(path, {verbose: opts.verbose, maxEntries});
  try {
    const maps: Maps = {
      config: obj.map(L.NAT64_MAP_CONFIG),
      stats: obj.map(L.NAT64_MAP_STATS),
      pool4: obj.map(L.NAT64_MAP_POOL4),
      bib4: obj.map(L.NAT64_MAP_BIB4),
      bib6: obj.map(L.NAT64_MAP_BIB6),
      sessions: obj.map(L.NAT64_MAP_SESSIONS),
      ifaddr: obj.map(L.NAT64_MAP_IFADDR),
    };
    const d = NAT64_DEFAULTS;
    const cfg: L.Nat64Config = {
      version: layout,
      enabled: d['manually-enabled'],
      pool6: {addr: maskIpv6(opts.pool6.addr, opts.pool6.len), len: opts.pool6.len},
      fArgs: d['f-args'],
      tos: d.tos,
      zeroizeTrafficClass: d['zeroize-traffic-class'],
      overrideTos: d['override-tos'],
      mtuPlateaus: [...DEFAULT_MTU_PLATEAUS],
      flags: flagsOf(d),
      lowestIpv6Mtu: d['lowest-ipv6-mtu'],
      pool4Count: 0,
      maxSimultaneousOpens: d['maximum-simultaneous-opens'],
      pool4Default: 0,
      udpTimeout: d['udp-timeout'],
      tcpEstTimeout: d['tcp-est-timeout'],
      tcpTransTimeout: d['tcp-trans-timeout'],
      icmpTimeout: d['icmp-timeout'],
      tcpSynTimeout: 6,
      secret: randomBytes(16),
    };
    writeConfig(maps, cfg);
    const written = writePool4(maps, cfg, []);
    refreshIfaddr(obj.map(L.NAT64_MAP_IFADDR));
    const attached = await attachAll(NAT64_SPEC, obj, plans);
    const saved = obj.map(L.NAT64_MAP_SYSCTL);
    try {
      for (const i of chosen) acceptLocal(i.name, i.index, saved);
    } catch (err) {
      await detachAll(NAT64_SPEC, attached).catch(() => undefined);
      restoreSysctls(saved);
      throw err;
    }
    return describe({attachments: attached, mapIds: []}, written, opts.capacity);
  } finally {
    obj.close();
  }
}

/**
 * The translated IPv4 packets carry pool4 sources, which by default are the
 * node's own addresses: Linux drops received packets with a local source
 * ("martian") unless accept_local is set on the interface they arrive on.
 * The previous value is kept in nat64_sysctl (by ifindex) for `remove`.
 * Sync I/O: /proc/sys/net follows this thread's namespace (after setns).
 */
const acceptLocalPath = (ifname: string): string => `/proc/sys/net/ipv4/conf/${ifname}/accept_local`;

function acceptLocal(ifname: string, ifindex: number, saved: BpfMap): void {
  const path = acceptLocalPath(ifname);
  try {
    const before = fs.readFileSync(path, 'utf8').trim();
    const changed = before !== '1';
    saved.update(indexKey(ifindex), Buffer.from([Number(before) & 0xff, changed ? 1 : 0, 0, 0]));
    if (changed) fs.writeFileSync(path, '1\n');
  } catch (err) {
    throw new XlatError(`setting ${path} to 1 failed (${(err as Error).message}): translated packets from own pool4 addresses would be dropped`);
  }
}

/** Puts back the accept_local values `add` changed (interfaces gone meanwhile are skipped). */
function restoreSysctls(saved: BpfMap): void {
  const byIndex = new Map(listInterfaces().map((i) => [i.index, i.name]));
  for (const key of [...saved.keys()]) {
    const v = saved.lookup(key);
    const name = byIndex.get(key.readUInt32LE(0));
    if (v && v[1] === 1 && name !== undefined) {
      try {
        fs.writeFileSync(acceptLocalPath(name), `${v[0]}\n`);
      } catch {
        // the interface went away meanwhile: nothing to restore
      }
    }
    saved.delete(key);
  }
}

export async function removeNat64Instance(): Promise<void> {
  const found = await discover(NAT64_SPEC);
  if (!found) throw new NoInstanceError('NAT64');
  let saved: Awaited<ReturnType<typeof openMapsByName>> | null = null;
  try {
    saved = await openMapsByName(found.mapIds, [L.NAT64_MAP_SYSCTL], 'NAT64');
  } catch {
    saved = null; // an instance without the map: nothing recorded to restore
  }
  try {
    await detachAll(NAT64_SPEC, found.attachments);
    if (saved) restoreSysctls(saved.get(L.NAT64_MAP_SYSCTL));
  } finally {
    saved?.close();
  }
}

// ---------------------------------------------------------------------------
// globals

function flagsOf(g: Omit<Nat64Globals, 'pool6'>): number {
  let f = 0;
  for (const [name, bit] of Object.entries(L.NAT64_F) as [L.Nat64FlagName, number][]) if (g[name]) f |= bit;
  return f;
}

const flagNames = Object.keys(L.NAT64_F) as L.Nat64FlagName[];
const isFlag = (k: string): k is L.Nat64FlagName => (flagNames as string[]).includes(k);

function globalsOf(cfg: L.Nat64Config): Nat64Globals {
  const flag = (n: L.Nat64FlagName) => (cfg.flags & L.NAT64_F[n]) !== 0;
  return {
    pool6: formatIpv6Prefix(cfg.pool6),
    'manually-enabled': cfg.enabled,
    'address-dependent-filtering': flag('address-dependent-filtering'),
    'drop-externally-initiated-tcp': flag('drop-externally-initiated-tcp'),
    'drop-icmpv6-info': flag('drop-icmpv6-info'),
    'source-icmpv6-errors-better': flag('source-icmpv6-errors-better'),
    'handle-rst-during-fin-rcv': flag('handle-rst-during-fin-rcv'),
    'zeroize-traffic-class': cfg.zeroizeTrafficClass,
    'override-tos': cfg.overrideTos,
    tos: cfg.tos,
    'lowest-ipv6-mtu': cfg.lowestIpv6Mtu,
    'f-args': cfg.fArgs,
    'maximum-simultaneous-opens': cfg.maxSimultaneousOpens,
    'udp-timeout': cfg.udpTimeout,
    'tcp-est-timeout': cfg.tcpEstTimeout,
    'tcp-trans-timeout': cfg.tcpTransTimeout,
    'icmp-timeout': cfg.icmpTimeout,
  };
}

export async function readNat64Globals(): Promise<Nat64Globals> {
  return withInstance((_maps, cfg) => globalsOf(cfg));
}

export async function updateNat64Global(u: Nat64GlobalUpdate): Promise<Nat64Globals> {
  return withInstance((maps, cfg) => {
    const next = {...cfg};
    switch (u.key) {
      case 'pool6':
        next.pool6 = {addr: maskIpv6(Buffer.from(u.value.addr), u.value.len), len: u.value.len};
        break;
      case 'manually-enabled':
        next.enabled = u.value;
        break;
      case 'udp-timeout':
        next.udpTimeout = u.value;
        break;
      case 'tcp-est-timeout':
        next.tcpEstTimeout = u.value;
        break;
      case 'tcp-trans-timeout':
        next.tcpTransTimeout = u.value;
        break;
      case 'icmp-timeout':
        next.icmpTimeout = u.value;
        break;
      case 'tos':
        next.tos = u.value;
        break;
      case 'lowest-ipv6-mtu':
        next.lowestIpv6Mtu = u.value;
        break;
      case 'f-args':
        next.fArgs = u.value;
        break;
      case 'maximum-simultaneous-opens':
        next.maxSimultaneousOpens = u.value;
        break;
      case 'zeroize-traffic-class':
        next.zeroizeTrafficClass = u.value;
        break;
      case 'override-tos':
        next.overrideTos = u.value;
        break;
      default: {
        if (!isFlag(u.key)) throw new Error(`internal: global ${u.key} has no place in nat64_config`);
        const bit = L.NAT64_F[u.key];
        next.flags = u.value ? next.flags | bit : next.flags & ~bit;
      }
    }
    writeConfig(maps, next);
    return globalsOf(next);
  });
}

export async function readNat64Stats(): Promise<{name: string; value: bigint}[]> {
  return withInstance((maps) => readCounters(maps.stats, 'nat64'));
}

// ---------------------------------------------------------------------------
// pool4

export interface Pool4Entry {
  proto: Nat64Proto;
  mark: number;
  prefix: string;
  ports: [number, number];
  /** max-iterations of the entry's (proto, mark) set: 'auto', 'infinity' or a count. */
  maxIterations: MaxIterations;
}

function toEntry(r: L.Pool4Range): Pool4Entry {
  return {
    proto: PROTO_NAME[r.proto]!,
    mark: r.mark,
    prefix: `${[...r.addr].join('.')}/${r.prefixLen}`,
    ports: [r.portMin, r.portMax],
    maxIterations: maxIterationsOf(r.maxIter),
  };
}

const addrNum = (b: Buffer | Uint8Array): number => ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
const maskOf = (len: number): number => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

function rangeContains(r: L.Pool4Range, addr: number, port: number): boolean {
  const m = maskOf(r.prefixLen);
  return ((addrNum(r.addr) & m) >>> 0) === ((addr & m) >>> 0) && port >= r.portMin && port <= r.portMax;
}

function rangesOverlap(a: L.Pool4Range, b: L.Pool4Range): boolean {
  if (a.proto !== b.proto || a.mark !== b.mark) return false;
  const m = maskOf(Math.min(a.prefixLen, b.prefixLen));
  if (((addrNum(a.addr) & m) >>> 0) !== ((addrNum(b.addr) & m) >>> 0)) return false;
  return a.portMin <= b.portMax && b.portMin <= a.portMax;
}

/** pool4 as configured (the defaults are not entries: `display` shows them apart). */
export async function listPool4(): Promise<{entries: Pool4Entry[]; defaults: Pool4Entry[]}> {
  return withInstance((maps, cfg) => {
    const all = readPool4(maps, cfg);
    return {
      entries: all.filter((r) => !(r.flags & L.NAT64_POOL4_DEFAULT)).map(toEntry),
      defaults: all.filter((r) => r.flags & L.NAT64_POOL4_DEFAULT).map(toEntry),
    };
  });
}

export async function addPool4(e: {
  proto: Nat64Proto;
  addr: Uint8Array;
  prefixLen: number;
  ports: [number, number];
  mark: number;
  /** The set's max-iterations; undefined keeps what the set has (auto for a new set). */
  maxIterations?: MaxIterations;
}): Promise<void> {
  await withInstance((maps, cfg) => {
    const user = readPool4(maps, cfg).filter((r) => !(r.flags & L.NAT64_POOL4_DEFAULT));
    const proto = PROTO_NUMBER[e.proto];
    const sameSet = (u: L.Pool4Range): boolean => u.proto === proto && u.mark === e.mark;
    const maxIter = e.maxIterations === undefined ? (user.find(sameSet)?.maxIter ?? L.NAT64_ITER_AUTO) : maxIterCode(e.maxIterations);
    const r: L.Pool4Range = {
      addr: Buffer.from(e.addr),
      prefixLen: e.prefixLen,
      mark: e.mark,
      portMin: e.ports[0],
      portMax: e.ports[1],
      proto,
      flags: 0,
      maxIter,
    };
    const clash = user.find((u) => rangesOverlap(u, r));
    if (clash) {
      const c = toEntry(clash);
      throw new InputError(`${e.proto.toUpperCase()} ${toEntry(r).prefix} ${e.ports.join('-')} overlaps the pool4 entry ${c.prefix} ${c.ports.join('-')} (mark ${c.mark})`);
    }
    // max-iterations belongs to the (protocol, mark) set, as in Jool: every entry of the set carries it.
    const next = user.map((u) => (sameSet(u) ? {...u, maxIter} : u));
    writePool4(maps, cfg, [...next, r]);
  });
}

/** Deletes the dynamic BIB entries (and their sessions) whose pool4 side satisfies `gone`. */
function dropStateIn(maps: Maps, gone: (addr: number, port: number, proto: number) => boolean): number {
  let n = 0;
  const doomed: Buffer[] = [];
  for (const {count, keys, values} of maps.bib4.batches()) {
    for (let i = 0; i < count; i++) {
      const k = keys.subarray(i * 8, i * 8 + 8);
      const flags = values.readUInt32LE(i * L.NAT64_BIB4_VALUE.size + L.NAT64_BIB4_VALUE.flags.offset);
      if (flags & L.NAT64_BIB_STATIC) continue;
      if (gone(k.readUInt32BE(0), k.readUInt16BE(4), k[6]!)) {
        doomed.push(Buffer.from(k));
        doomed.push(Buffer.from(values.subarray(i * L.NAT64_BIB4_VALUE.size, i * L.NAT64_BIB4_VALUE.size + 20)));
      }
    }
  }
  for (let i = 0; i < doomed.length; i += 2) {
    maps.bib4.delete(doomed[i]!);
    maps.bib6.delete(doomed[i + 1]!);
    n++;
  }
  dropSessions(maps, (k) => gone(k.readUInt32BE(0), k.readUInt16BE(8), k[12]!));
  return n;
}

function dropSessions(maps: Maps, match: (key: Buffer) => boolean): void {
  const doomed: Buffer[] = [];
  for (const {count, keys} of maps.sessions.batches()) {
    for (let i = 0; i < count; i++) {
      const k = keys.subarray(i * 16, i * 16 + 16);
      if (match(k)) doomed.push(Buffer.from(k));
    }
  }
  for (const k of doomed) maps.sessions.delete(k);
}

export async function removePool4(e: {proto: Nat64Proto; addr: Uint8Array; prefixLen: number; ports: [number, number] | null; quick: boolean}): Promise<number> {
  return withInstance((maps, cfg) => {
    const all = readPool4(maps, cfg);
    const user = all.filter((r) => !(r.flags & L.NAT64_POOL4_DEFAULT));
    const proto = PROTO_NUMBER[e.proto];
    const want = addrNum(e.addr);
    const removed = user.filter(
      (r) =>
        r.proto === proto &&
        r.prefixLen === e.prefixLen &&
        addrNum(r.addr) === want &&
        (e.ports === null || (r.portMin === e.ports[0] && r.portMax === e.ports[1])),
    );
    if (removed.length === 0) {
      throw new InputError(`pool4 has no ${e.proto.toUpperCase()} entry ${[...e.addr].join('.')}/${e.prefixLen}${e.ports ? ` ${e.ports.join('-')}` : ''}`);
    }
    writePool4(maps, cfg, user.filter((r) => !removed.includes(r)));
    if (!e.quick) dropStateIn(maps, (a, p, pr) => removed.some((r) => r.proto === pr && rangeContains(r, a, p)));
    return removed.length;
  });
}

export async function flushPool4(quick: boolean): Promise<number> {
  return withInstance((maps, cfg) => {
    const user = readPool4(maps, cfg).filter((r) => !(r.flags & L.NAT64_POOL4_DEFAULT));
    writePool4(maps, cfg, []);
    if (!quick && user.length) dropStateIn(maps, (a, p, pr) => user.some((r) => r.proto === pr && rangeContains(r, a, p)));
    return user.length;
  });
}

// ---------------------------------------------------------------------------
// BIB

export interface BibEntry {
  proto: Nat64Proto;
  ipv6: {addr: Buffer; port: number};
  ipv4: {addr: Buffer; port: number};
  static: boolean;
}

/** Live BIB entries of a protocol: a pair is alive while either half is. */
function readBib(maps: Maps, proto: number): BibEntry[] {
  const t = now();
  const alive6 = new Map<string, bigint>();
  for (const {count, keys, values} of maps.bib6.batches()) {
    for (let i = 0; i < count; i++) {
      if (keys[i * 20 + 18] !== proto) continue;
      alive6.set(keys.toString('latin1', i * 20, i * 20 + 20), values.readBigUInt64LE(i * 24 + 16));
    }
  }
  const out: BibEntry[] = [];
  const S = L.NAT64_BIB4_VALUE.size;
  for (const {count, keys, values} of maps.bib4.batches()) {
    for (let i = 0; i < count; i++) {
      if (keys[i * 8 + 6] !== proto) continue;
      const exp4 = values.readBigUInt64LE(i * S + 24);
      const exp6 = alive6.get(values.toString('latin1', i * S, i * S + 20)) ?? 0n;
      if (exp4 < t && exp6 < t) continue;
      const t4 = L.decodeTAddr4(keys, i * 8);
      const t6 = L.decodeTAddr6(values, i * S);
      out.push({
        proto: PROTO_NAME[proto]!,
        ipv4: {addr: t4.addr, port: t4.port},
        ipv6: {addr: t6.addr, port: t6.port},
        static: (values.readUInt32LE(i * S + 20) & L.NAT64_BIB_STATIC) !== 0,
      });
    }
  }
  out.sort((a, b) => Buffer.compare(a.ipv4.addr, b.ipv4.addr) || a.ipv4.port - b.ipv4.port);
  return out;
}

export async function listBib(proto: Nat64Proto): Promise<BibEntry[]> {
  return withInstance((maps) => readBib(maps, PROTO_NUMBER[proto]));
}

export async function addStaticBib(proto: Nat64Proto, t6: {addr: Uint8Array; port: number}, t4: {addr: Uint8Array; port: number}): Promise<void> {
  await withInstance((maps, cfg) => {
    const p = PROTO_NUMBER[proto];
    const ranges = readPool4(maps, cfg).filter((r) => r.proto === p);
    const a4 = addrNum(t4.addr);
    if (!ranges.some((r) => rangeContains(r, a4, t4.port))) {
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
        throw new InputError(
          `the ${proto.toUpperCase()} BIB already maps ${formatIpv6Addr(c.ipv6.addr)}#${c.ipv6.port} to ${[...c.ipv4.addr].join('.')}#${c.ipv4.port}${c.static ? ' (static)' : ''}: remove it first`,
        );
      }
    }
    // Expired leftovers of either half go first.
    maps.bib4.delete(k4);
    maps.bib6.delete(k6);
    maps.bib4.update(k4, L.encodeBib4Value({addr: Buffer.from(t6.addr), port: t6.port, proto: p}, L.NAT64_BIB_STATIC, L.NAT64_NEVER), BPF_NOEXIST);
    try {
      maps.bib6.update(k6, L.encodeBib6Value({addr: Buffer.from(t4.addr), port: t4.port, proto: p}, L.NAT64_BIB_STATIC, L.NAT64_NEVER), BPF_NOEXIST);
    } catch (err) {
      maps.bib4.delete(k4);
      throw err;
    }
  });
}

export async function removeBib(proto: Nat64Proto, t6: {addr: Uint8Array; port: number} | null, t4: {addr: Uint8Array; port: number} | null): Promise<BibEntry> {
  return withInstance((maps) => {
    const p = PROTO_NUMBER[proto];
    const e = readBib(maps, p).find(
      (x) =>
        (t4 === null || (x.ipv4.addr.equals(Buffer.from(t4.addr)) && x.ipv4.port === t4.port)) &&
        (t6 === null || (x.ipv6.addr.equals(Buffer.from(t6.addr)) && x.ipv6.port === t6.port)),
    );
    if (!e) throw new InputError(`the ${proto.toUpperCase()} BIB has no such entry`);
    maps.bib4.delete(L.encodeTAddr4({addr: e.ipv4.addr, port: e.ipv4.port, proto: p}));
    maps.bib6.delete(L.encodeTAddr6({addr: e.ipv6.addr, port: e.ipv6.port, proto: p}));
    const a4 = addrNum(e.ipv4.addr);
    dropSessions(maps, (k) => k[12] === p && k.readUInt32BE(0) === a4 && k.readUInt16BE(8) === e.ipv4.port);
    return e;
  });
}

// ---------------------------------------------------------------------------
// sessions

/**
 * Runs fn with the raw session table: pool6, the time expiries compare with
 * (CLOCK_MONOTONIC ns, taken once) and its chunks (BpfMap.batches(): buffers
 * reused by the next chunk). fn may read the table more than once.
 */
export async function withSessionTable<T>(
  fn: (t: {
    pool6: {addr: Buffer; len: number};
    nowNs: bigint;
    /** tcp-trans-timeout in seconds: the end of an idle ESTABLISHED session's lifetime is its TRANS period. */
    transSeconds: number;
    batches: (chunk?: number) => Iterable<{count: number; keys: Buffer; values: Buffer}>;
  }) => T | Promise<T>,
): Promise<T> {
  return withInstance((maps, cfg) =>
    fn({pool6: cfg.pool6, nowNs: now(), transSeconds: cfg.tcpTransTimeout, batches: (chunk) => maps.sessions.batches(chunk)}),
  );
}
