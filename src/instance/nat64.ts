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
import {ExistsError, InputError, LayoutMismatchError, NoInstanceError, NotFoundError, XlatError, describeSystemError} from '../errors.js';
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
import * as B from './nat64-blocks-layout.js';
import {refreshIfaddr} from './ifaddr.js';
import {META_MAP, readMeta} from './meta.js';
import {DEFAULT_MTU_PLATEAUS} from '../abi/common.js';
import {readCounters} from './counters.js';
import {formatIpv6 as formatIpv6Addr, formatIpv6Prefix, ipv4Bytes, maskIpv6} from './prefix.js';
import {NAT64_DEFAULTS, type Nat64GlobalUpdate, type Nat64Globals} from '../model/nat64-globals.js';
import {
  DEFAULT_POOL4_PORTS,
  PROTO_NAME,
  PROTO_NUMBER,
  maxIterCode,
  maxIterationsOf,
  pool4SetKey,
  type MaxIterations,
  type Nat64Proto,
} from '../model/nat64-pool4.js';
import {pool4Risks as assessPool4, type Pool4Risks} from '../model/pool4-safety.js';
import {ephemeralPorts, listeningSockets} from '../sys/listening.js';
import {formatItemPrefix, ipv4Number, pool4Combine, pool4Holds, pool4Overlap, samePool4, type Pool4Item} from '../model/pool4-set.js';
import {formatDetPrefix4} from '../model/rfc7422.js';
import {readDet} from './nat64-blocks.js';

export type {AttachedInterface, HookRequest} from './attach.js';

export const NAT64_SPEC: ProgramSpec = {
  label: 'NAT64',
  xdpProg: L.XLAT_NAT64_XDP_PROG,
  tcProg: L.XLAT_NAT64_TC_PROG,
  tcHandle: L.XLAT_TC_HANDLE_NAT64,
  tcPrio: L.XLAT_TC_PRIO_NAT64,
};

const MAX_CAPACITY = 16 * 1024 * 1024;

export interface Nat64Instance {
  netns: string;
  type: 'NAT64';
  interfaces: AttachedInterface[];
  /** null: none yet (created Jool 3's way): nothing is translated until it is set. */
  pool6: string | null;
  enabled: boolean;
  /** max_entries of the BIB and session tables. */
  capacity: number;
  /** Map layout version of the attached programs (bpf/abi/ enum xlat_nat64_layout). */
  layout: number;
  /** The Jool-style name recorded with the instance (src/instance/meta.ts), or null. */
  name: string | null;
}

/** build/bpf/nat64.bpf.o of this package (XLAT_NAT64_OBJECT overrides it, for tests). */
function nat64ObjectPath(): string {
  return objectPath('nat64');
}

// ---------------------------------------------------------------------------
// maps

/** The instance's maps (for src/instance/nat64-apply.ts). */
export type Nat64Maps = Maps;

interface Maps {
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
  /** Deterministic (RFC 7422) block entries by IPv6 range and by IPv4 prefix, and their count (src/instance/nat64-blocks.ts). */
  /** null only in an instance of another layout (whose version check then speaks). */
  blk6: BpfMap | null;
  blk4: BpfMap | null;
  blkCtl: BpfMap | null;
}

const ZERO_KEY = Buffer.alloc(4);

export function readConfig(maps: Maps): L.Nat64Config {
  const raw = maps.config.lookup(ZERO_KEY);
  if (raw === null) throw new XlatError('the NAT64 instance has no configuration entry');
  const cfg = L.decodeNat64Config(raw);
  checkLayout('nat64', cfg.version);
  return cfg;
}

export function writeConfig(maps: Maps, cfg: L.Nat64Config): void {
  maps.config.update(ZERO_KEY, L.encodeNat64Config(cfg));
}

const now = (): bigint => process.hrtime.bigint(); // CLOCK_MONOTONIC, as bpf_ktime_get_ns

function indexKey(i: number): Buffer {
  const k = Buffer.alloc(4);
  k.writeUInt32LE(i);
  return k;
}

export function readPool4(maps: Maps, cfg: L.Nat64Config): L.Pool4Range[] {
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
    if (!b || b[0] === 127 || b[0] === 0 || (b[0] === 169 && b[1] === 254) || b[0] >= 224) continue;
    out.push(b);
  }
  return out.sort((a, b) => Buffer.compare(a, b));
}

/** Writes user entries, then the defaults for protocols without any, and the count. */
function writePool4(maps: Maps, cfg: L.Nat64Config, user: L.Pool4Range[]): L.Nat64Config {
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
function refreshDefaults(maps: Maps): L.Nat64Config {
  const cfg = readConfig(maps);
  const user = readPool4(maps, cfg).filter((r) => (r.flags & L.NAT64_POOL4_DEFAULT) === 0);
  return writePool4(maps, cfg, user);
}

async function openMaps(found: Discovered): Promise<Maps & {close(): void}> {
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
    close: () => m.close(),
  };
}

/** Also keeps nat64_ifaddr equal to the interfaces' current addresses (the source of the errors the NAT64 sends). */
function refreshDefaultsAndIfaddr(maps: Maps): L.Nat64Config {
  const cfg = refreshDefaults(maps);
  if (maps.ifaddr) refreshIfaddr(maps.ifaddr);
  return cfg;
}

/** Finds the instance, opens its maps, refreshes the default pool4, runs fn, closes every fd. */
export async function withNat64Instance<T>(fn: (maps: Maps, cfg: L.Nat64Config, found: Discovered) => T | Promise<T>): Promise<T> {
  return withInstance(fn);
}

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

/** pool6 as text, or null when unset (length 0: the data plane's RFC 6052 helpers then match nothing). */
function pool6Text(cfg: L.Nat64Config): string | null {
  return cfg.pool6.len === 0 ? null : formatIpv6Prefix(cfg.pool6);
}

const NO_POOL6 = (): {addr: Buffer; len: number} => ({addr: Buffer.alloc(16), len: 0});

function describe(found: Discovered, cfg: L.Nat64Config, capacity: number, name: string | null): Nat64Instance {
  return {
    netns: currentNetnsName(),
    type: 'NAT64',
    interfaces: publicInterfaces(found.attachments),
    pool6: pool6Text(cfg),
    enabled: cfg.enabled,
    capacity,
    layout: cfg.version,
    name,
  };
}

export async function findNat64Instance(): Promise<Nat64Instance | null> {
  const found = await discover(NAT64_SPEC);
  if (!found) return null;
  const maps = await openMaps(found);
  try {
    const cfg = refreshDefaultsAndIfaddr(maps);
    return describe(found, cfg, maps.sessions.maxEntries, readMeta(maps.meta).name);
  } finally {
    maps.close();
  }
}

export async function addNat64Instance(opts: {
  /** null: no pool6 yet (nothing is translated until `global update pool6`). */
  pool6: {addr: Buffer; len: number} | null;
  interfaces: string[] | null;
  hook: HookRequest;
  capacity: number;
  verbose: boolean;
  /** Fills the new maps (globals, pool4, static BIB) before anything is attached: a failure leaves nothing behind. */
  configure?: (maps: Nat64Maps, cfg: L.Nat64Config) => L.Nat64Config;
}): Promise<Nat64Instance> {
  if (!Number.isInteger(opts.capacity) || opts.capacity < 1 || opts.capacity > MAX_CAPACITY) {
    throw new InputError(`capacity must be an integer from 1 to ${MAX_CAPACITY}`);
  }
  const all = listInterfaces();
  const chosen = chooseInterfaces(all, opts.interfaces);
  if (await discover(NAT64_SPEC, all)) throw new ExistsError('this namespace already has a NAT64 instance');
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
      meta: null,
      blk6: obj.map(B.NAT64_MAP_BLK6),
      blk4: obj.map(B.NAT64_MAP_BLK4),
      blkCtl: obj.map(B.NAT64_MAP_BLK_CTL),
    };
    const d = NAT64_DEFAULTS;
    const cfg: L.Nat64Config = {
      version: layout,
      enabled: d['manually-enabled'],
      pool6: opts.pool6 ? {addr: maskIpv6(opts.pool6.addr, opts.pool6.len), len: opts.pool6.len} : NO_POOL6(),
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
    let written = writePool4(maps, cfg, []);
    refreshIfaddr(obj.map(L.NAT64_MAP_IFADDR));
    if (opts.configure) written = opts.configure(maps, written);
    const attached = await attachAll(NAT64_SPEC, obj, plans);
    const saved = obj.map(L.NAT64_MAP_SYSCTL);
    try {
      for (const i of chosen) acceptLocal(i.name, i.index, saved);
    } catch (err) {
      await detachAll(NAT64_SPEC, attached).catch(() => undefined);
      restoreSysctls(saved);
      throw err;
    }
    return describe({attachments: attached, mapIds: []}, written, opts.capacity, null);
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
    throw new XlatError(`setting ${path} to 1 failed (${describeSystemError(err)}): translated packets from own pool4 addresses would be dropped`);
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

/** Detaches the instance everywhere (accept_local restored); returns it as it was. */
export async function removeNat64Instance(): Promise<Nat64Instance> {
  const found = await discover(NAT64_SPEC);
  if (!found) throw new NoInstanceError('NAT64');
  // An instance of another map layout is removed too (that is how it is replaced), described by what is certain.
  const before = await findNat64Instance().catch((err: unknown) => {
    if (!(err instanceof LayoutMismatchError)) throw err;
    const interfaces = publicInterfaces(found.attachments);
    return {
      netns: currentNetnsName(),
      type: 'NAT64',
      interfaces,
      pool6: null,
      enabled: true,
      capacity: 0,
      layout: err.instanceLayout,
      name: null,
    } satisfies Nat64Instance;
  });
  if (!before) throw new NoInstanceError('NAT64');
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
  return before;
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

export function globalsOf(cfg: L.Nat64Config): Nat64Globals {
  const flag = (n: L.Nat64FlagName) => (cfg.flags & L.NAT64_F[n]) !== 0;
  return {
    pool6: pool6Text(cfg),
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

/** nat64_config with one global changed. */
export function applyNat64Update(cfg: L.Nat64Config, u: Nat64GlobalUpdate): L.Nat64Config {
  const next = {...cfg};
  switch (u.key) {
    case 'pool6':
      next.pool6 = u.value === null ? NO_POOL6() : {addr: maskIpv6(Buffer.from(u.value.addr), u.value.len), len: u.value.len};
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
      if (!isFlag(u.key)) throw new Error(`internal: global ${String(u.key)} has no place in nat64_config`);
      const bit = L.NAT64_F[u.key];
      next.flags = u.value ? next.flags | bit : next.flags & ~bit;
    }
  }
  return next;
}

export async function updateNat64Global(u: Nat64GlobalUpdate): Promise<{before: Nat64Globals; after: Nat64Globals}> {
  return withInstance((maps, cfg) => {
    const next = applyNat64Update(cfg, u);
    writeConfig(maps, next);
    return {before: globalsOf(cfg), after: globalsOf(next)};
  });
}

export async function readNat64Stats(): Promise<{name: string; value: bigint}[]> {
  return withInstance((maps) => readCounters(maps.stats, 'nat64'));
}

// ---------------------------------------------------------------------------
// pool4

const addrNum = (b: Buffer | Uint8Array): number => ipv4Number(b);

export type {Pool4Item} from '../model/pool4-set.js';

/** A pool4 entry as listed: the item and the max-iterations of its (protocol, mark) set. */
export type Pool4Entry = Pool4Item & {maxIterations: MaxIterations};

function toItem(r: L.Pool4Range): Pool4Item {
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
  return withInstance((maps, cfg) => {
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
  return withInstance((maps, cfg) => {
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
  return withInstance((maps, cfg) => {
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
  return withInstance((maps, cfg) => {
    const user = userPool4(maps, cfg);
    writePool4(maps, cfg, []);
    if (!quick && user.length) dropStateIn(maps, (a, p, pr) => pool4Holds(user, PROTO_NAME[pr], a, p));
    return user;
  });
}

/** Deletes the dynamic BIB entries (and their sessions) whose pool4 side satisfies `gone`. */
export function dropStateIn(maps: Maps, gone: (addr: number, port: number, proto: number) => boolean): number {
  let n = 0;
  const doomed: Buffer[] = [];
  for (const {count, keys, values} of maps.bib4.batches()) {
    for (let i = 0; i < count; i++) {
      const k = keys.subarray(i * 8, i * 8 + 8);
      const flags = values.readUInt32LE(i * L.NAT64_BIB4_VALUE.size + L.NAT64_BIB4_VALUE.flags.offset);
      if (flags & L.NAT64_BIB_STATIC) continue;
      if (gone(k.readUInt32BE(0), k.readUInt16BE(4), k[6])) {
        doomed.push(Buffer.from(k));
        doomed.push(Buffer.from(values.subarray(i * L.NAT64_BIB4_VALUE.size, i * L.NAT64_BIB4_VALUE.size + 20)));
      }
    }
  }
  for (let i = 0; i < doomed.length; i += 2) {
    maps.bib4.delete(doomed[i]);
    maps.bib6.delete(doomed[i + 1]);
    n++;
  }
  dropSessions(maps, (k) => gone(k.readUInt32BE(0), k.readUInt16BE(8), k[12]));
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
        proto: PROTO_NAME[proto],
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
  await withInstance((maps, cfg) => addStaticBibIn(maps, cfg, proto, t6, t4));
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
    maps.bib4.update(k4, L.encodeBib4Value({addr: Buffer.from(t6.addr), port: t6.port, proto: p}, L.NAT64_BIB_STATIC, L.NAT64_NEVER), BPF_NOEXIST);
    try {
      maps.bib6.update(k6, L.encodeBib6Value({addr: Buffer.from(t4.addr), port: t4.port, proto: p}, L.NAT64_BIB_STATIC, L.NAT64_NEVER), BPF_NOEXIST);
    } catch (err) {
      maps.bib4.delete(k4);
      throw err;
    }
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

/** Drops the sessions of a BIB entry's IPv4 side. */
export function dropSessionsOf(maps: Nat64Maps, proto: Nat64Proto, t4: {addr: Uint8Array; port: number}): void {
  const p = PROTO_NUMBER[proto];
  const a4 = addrNum(t4.addr);
  dropSessions(maps, (k) => k[12] === p && k.readUInt32BE(0) === a4 && k.readUInt16BE(8) === t4.port);
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
  return withInstance((maps) => {
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
  return withInstance((maps, cfg) => fn({pool6: cfg.pool6, nowNs: now(), transSeconds: cfg.tcpTransTimeout, batches: (chunk) => maps.sessions.batches(chunk)}));
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
