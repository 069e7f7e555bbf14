/**
 * The SIIT instance of the current network namespace.
 *
 * No bpffs pinning: the programs are attached over netlink (XDP, or cls_bpf on
 * clsact ingress) and stay attached, keeping their maps alive, after the CLI
 * exits. A later process finds the instance by querying this namespace's
 * interfaces for programs named xlat_siit_xdp / xlat_siit_tc, then opens their
 * maps by id. All interfaces share one loaded object, hence the same maps.
 */
import {refreshIfaddr, SIIT_MAP_IFADDR} from './siit-ifaddr.js';
import {readRedirectTargets, redirectTargets, SIIT_MAP_REDIRECT, writeRedirectTargets} from './siit-redirect.js';
import {fileURLToPath} from 'node:url';
import {InputError, NoInstanceError, SystemError, XlatError} from '../errors.js';
import {openAndLoad, type BpfObject} from '../bpf/object.js';
import {BpfMap} from '../bpf/map.js';
import {progInfoById} from '../bpf/prog.js';
import * as xdp from '../bpf/xdp.js';
import * as tc from '../bpf/tc.js';
import {listInterfaces, namespaceIpv4Addresses, type NetInterface} from '../sys/interfaces.js';
import {currentNetnsName} from '../sys/netns.js';
import {
  COUNTER_NAMES,
  SIIT_MAP_CONFIG,
  SIIT_MAP_DENY4,
  SIIT_MAP_EAMT4,
  SIIT_MAP_EAMT6,
  SIIT_MAP_LOCAL4,
  SIIT_T,
  SIIT_MAP_STATS,
  XLAT_LOCAL4_MAX,
  XLAT_SIIT_CONFIG_VERSION,
  XLAT_SIIT_TC_PROG,
  XLAT_SIIT_XDP_PROG,
  XLAT_TC_HANDLE_SIIT,
  XLAT_TC_PRIO_SIIT,
  decodeSiitConfig,
  defaultSiitConfig,
  encodeSiitConfig,
  type SiitConfig,
} from './layout.js';
import {formatIpv6Prefix, ipv4Bytes, maskIpv6} from './prefix.js';

export type Hook = 'xdp' | 'tc';
export type HookRequest = 'auto' | 'xdp' | 'xdp-generic' | 'tc';
export interface AttachedInterface {
  name: string;
  ifindex: number;
  hook: Hook;
  mode: 'native' | 'generic' | 'clsact-ingress';
  reason: string;
}
export interface SiitInstance {
  netns: string;
  type: 'SIIT';
  interfaces: AttachedInterface[];
  pool6: string | null;
  enabled: boolean;
}
export interface SiitGlobals {
  'manually-enabled': boolean;
  pool6: string | null;
}
export interface Pool6 {
  addr: Buffer;
  len: number;
}

const POOL6_LENGTHS = [32, 40, 48, 56, 64, 96];

/** Link kinds of virtual devices whose XDP would not see real driver state: tc suits them better. */
const VIRTUAL_KINDS = new Set([
  'veth',
  'bridge',
  'vlan',
  'macvlan',
  'macvtap',
  'ipvlan',
  'vxlan',
  'geneve',
  'gre',
  'gretap',
  'ip6gre',
  'ip6gretap',
  'ipip',
  'ip6tnl',
  'sit',
  'tun',
  'dummy',
  'wireguard',
  'vrf',
  'ifb',
  'netkit',
  'team',
  'bond',
]);

/** build/bpf/siit.bpf.o of this package (XLAT_SIIT_OBJECT overrides it, for tests). */
export function siitObjectPath(): string {
  const override = process.env.XLAT_SIIT_OBJECT;
  if (override) return override;
  return fileURLToPath(new URL('../../build/bpf/siit.bpf.o', import.meta.url));
}

// ---------------------------------------------------------------------------
// discovery

interface Attachment extends AttachedInterface {
  progId: number;
}

interface Discovered {
  attachments: Attachment[];
  /** Map ids used by the attached programs (XDP and tc use different subsets). */
  mapIds: number[];
}

async function discover(ifaces: NetInterface[] = listInterfaces()): Promise<Discovered | null> {
  const attachments: Attachment[] = [];
  const ids = new Set<number>();
  for (const i of ifaces) {
    const q = await xdp.query(i.index);
    if (q.progId && (q.mode === 'native' || q.mode === 'generic')) {
      const info = await progInfoById(q.progId);
      if (info && info.name === XLAT_SIIT_XDP_PROG) {
        attachments.push({
          name: i.name,
          ifindex: i.index,
          hook: 'xdp',
          mode: q.mode,
          reason: `${q.mode} XDP`,
          progId: q.progId,
        });
        for (const id of info.mapIds) ids.add(id);
      }
    }
    const tcId = await tc.query(i.index, XLAT_TC_HANDLE_SIIT, XLAT_TC_PRIO_SIIT);
    if (tcId !== null) {
      const info = await progInfoById(tcId);
      if (info && info.name === XLAT_SIIT_TC_PROG) {
        attachments.push({
          name: i.name,
          ifindex: i.index,
          hook: 'tc',
          mode: 'clsact-ingress',
          reason: tcReason(i),
          progId: tcId,
        });
        for (const id of info.mapIds) ids.add(id);
      }
    }
  }
  if (attachments.length === 0) return null;
  const mapIds = [...ids];
  return {attachments, mapIds};
}

interface OpenMaps {
  config: BpfMap;
  stats: BpfMap;
  local4: BpfMap;
  eamt6: BpfMap;
  eamt4: BpfMap;
  deny4: BpfMap;
  ifaddr: BpfMap;
  redirect: BpfMap | null;
  close(): void;
}

/** Opens the instance's maps by id (closes whatever it opened on failure). */
async function openMaps(mapIds: number[]): Promise<OpenMaps> {
  const opened: BpfMap[] = [];
  const byName = new Map<string, BpfMap>();
  try {
    for (const id of mapIds) {
      let m: BpfMap;
      try {
        m = await BpfMap.fromId(id);
      } catch (err) {
        if (err instanceof SystemError && err.errno === 2) continue; // gone meanwhile
        throw err;
      }
      if ([SIIT_MAP_CONFIG, SIIT_MAP_STATS, SIIT_MAP_LOCAL4, SIIT_MAP_EAMT6, SIIT_MAP_EAMT4, SIIT_MAP_DENY4, SIIT_MAP_IFADDR, SIIT_MAP_REDIRECT].includes(m.name) && !byName.has(m.name)) {
        byName.set(m.name, m);
        opened.push(m);
      } else {
        m.close();
      }
    }
    const get = (name: string): BpfMap => {
      const m = byName.get(name);
      if (!m) throw new XlatError(`the SIIT programs attached in this namespace have no map ${name}: remove the instance and add it again`);
      return m;
    };
    const maps = {
      config: get(SIIT_MAP_CONFIG),
      stats: get(SIIT_MAP_STATS),
      local4: get(SIIT_MAP_LOCAL4),
      eamt6: get(SIIT_MAP_EAMT6),
      eamt4: get(SIIT_MAP_EAMT4),
      deny4: get(SIIT_MAP_DENY4),
      ifaddr: get(SIIT_MAP_IFADDR),
      /* Only the XDP program uses it: a tc-only instance has none. */
      redirect: byName.get(SIIT_MAP_REDIRECT) ?? null,
    };
    return {
      ...maps,
      close: () => {
        for (const m of opened) m.close();
      },
    };
  } catch (err) {
    for (const m of opened) m.close();
    throw err;
  }
}

const ZERO_KEY = Buffer.alloc(4);

function readConfig(maps: {config: BpfMap}): SiitConfig {
  const raw = maps.config.lookup(ZERO_KEY);
  if (raw === null) throw new XlatError('the SIIT instance has no configuration entry');
  const cfg = decodeSiitConfig(raw);
  if (cfg.version !== XLAT_SIIT_CONFIG_VERSION) {
    throw new XlatError(
      `the SIIT instance of this namespace has configuration layout ${cfg.version}, this xlat knows ${XLAT_SIIT_CONFIG_VERSION}: manage it with the xlat that created it`,
    );
  }
  return cfg;
}

function writeConfig(maps: {config: BpfMap}, cfg: SiitConfig): void {
  maps.config.update(ZERO_KEY, encodeSiitConfig(cfg));
}

/** Makes siit_local4 hold exactly the namespace's current IPv4 addresses. */
function refreshLocal4(local4: BpfMap): void {
  const want = new Map<string, Buffer>();
  for (const text of namespaceIpv4Addresses()) {
    const b = ipv4Bytes(text);
    if (b) want.set(b.toString('hex'), b);
  }
  for (const key of [...local4.keys()]) {
    if (!want.delete(key.toString('hex'))) local4.delete(key);
  }
  let count = [...local4.keys()].length;
  const one = Buffer.from([1]);
  for (const key of want.values()) {
    if (count >= XLAT_LOCAL4_MAX || count >= local4.maxEntries) break;
    local4.update(key, one);
    count++;
  }
}

/** Finds the instance, opens its maps, refreshes local4, runs fn, closes every fd. */
async function withInstance<T>(fn: (maps: OpenMaps, found: Discovered) => T | Promise<T>): Promise<T> {
  const found = await discover();
  if (!found) throw new NoInstanceError('SIIT');
  const maps = await openMaps(found.mapIds);
  try {
    refreshLocal4(maps.local4);
    refreshIfaddr(maps.ifaddr);
    const result = await fn(maps, found);
    refreshTables(maps);
    return result;
  } finally {
    maps.close();
  }
}

/**
 * Keeps siit_config.tables saying which optional tables hold entries: the data
 * plane skips lookups in empty ones (an LPM lookup is the costliest step of a
 * translation). Runs after every command that may have changed them.
 */
function refreshTables(maps: OpenMaps): void {
  const has = (m: BpfMap | null): boolean => m !== null && !m.keys().next().done;
  const tables = (has(maps.eamt6) ? SIIT_T.EAMT : 0) | (has(maps.deny4) ? SIIT_T.DENY4 : 0) | (has(maps.redirect) ? SIIT_T.REDIRECT : 0);
  const cfg = readConfig(maps);
  if (cfg.tables !== tables) writeConfig(maps, {...cfg, tables});
}

/**
 * One entry per interface. In XDP mode an interface carries both programs:
 * XDP is the fast path and the tc program its slow path (see bpf/siit.bpf.c).
 */
function publicInterfaces(list: Attachment[], redirects: ReadonlySet<number> = new Set()): AttachedInterface[] {
  const out: AttachedInterface[] = [];
  for (const a of list) {
    if (out.some((o) => o.ifindex === a.ifindex)) continue;
    const x = list.find((b) => b.ifindex === a.ifindex && b.hook === 'xdp');
    const t = list.find((b) => b.ifindex === a.ifindex && b.hook === 'tc');
    if (x) {
      const slow = t ? 'tc as its slow path' : 'WARNING: its tc slow path is missing (remove and add the instance again)';
      const fwd = redirects.has(x.ifindex)
        ? 'packets translated towards it are forwarded by XDP itself'
        : 'packets translated towards it are forwarded by the kernel';
      out.push({name: x.name, ifindex: x.ifindex, hook: 'xdp', mode: x.mode, reason: `${x.reason}; ${slow}; ${fwd}`});
    } else if (t) {
      out.push({name: t.name, ifindex: t.ifindex, hook: 'tc', mode: t.mode, reason: t.reason});
    }
  }
  return out;
}

function checkPool6(p: Pool6 | null): Pool6 | null {
  if (p === null) return null;
  if (p.addr.length !== 16) throw new InputError('pool6 must be an IPv6 prefix');
  if (!POOL6_LENGTHS.includes(p.len)) {
    throw new InputError(`pool6 prefix length must be one of ${POOL6_LENGTHS.join(', ')} (RFC 6052), not ${p.len}`);
  }
  return {addr: maskIpv6(p.addr, p.len), len: p.len};
}

// ---------------------------------------------------------------------------
// public API

export async function findSiitInstance(): Promise<SiitInstance | null> {
  const found = await discover();
  if (!found) return null;
  const maps = await openMaps(found.mapIds);
  try {
    refreshLocal4(maps.local4);
    refreshIfaddr(maps.ifaddr);
    const cfg = readConfig(maps);
    return {
      netns: currentNetnsName(),
      type: 'SIIT',
      interfaces: publicInterfaces(found.attachments, maps.redirect ? readRedirectTargets(maps.redirect) : new Set()),
      pool6: cfg.pool6 ? formatIpv6Prefix(cfg.pool6) : null,
      enabled: cfg.enabled,
    };
  } finally {
    maps.close();
  }
}

export async function readSiitGlobals(): Promise<SiitGlobals> {
  return withInstance((maps) => {
    const cfg = readConfig(maps);
    return {'manually-enabled': cfg.enabled, pool6: cfg.pool6 ? formatIpv6Prefix(cfg.pool6) : null};
  });
}

export async function updateSiitPool6(p: Pool6 | null): Promise<void> {
  const pool6 = checkPool6(p);
  await withInstance((maps) => {
    const cfg = readConfig(maps);
    writeConfig(maps, {...cfg, pool6});
  });
}

export async function updateSiitEnabled(on: boolean): Promise<void> {
  await withInstance((maps) => {
    const cfg = readConfig(maps);
    writeConfig(maps, {...cfg, enabled: on});
  });
}

/** The instance's maps, for the configuration tables (src/instance/siit-tables.ts). */
export type SiitMaps = OpenMaps;

/** Finds the instance, opens every map of it (local4 refreshed), runs fn, closes every fd. */
export async function withSiitMaps<T>(fn: (maps: SiitMaps) => T | Promise<T>): Promise<T> {
  return withInstance((maps) => fn(maps));
}

/** siit_config of the instance (throws when its layout version is not this xlat's). */
export function readSiitConfig(maps: {config: BpfMap}): SiitConfig {
  return readConfig(maps);
}

export function writeSiitConfig(maps: {config: BpfMap}, cfg: SiitConfig): void {
  writeConfig(maps, cfg);
}

export async function readSiitStats(): Promise<{name: string; value: bigint}[]> {
  return withInstance((maps) => {
    const n = maps.stats.maxEntries;
    const out: {name: string; value: bigint}[] = [];
    const key = Buffer.alloc(4);
    for (let i = 0; i < n; i++) {
      key.writeUInt32LE(i);
      const perCpu = maps.stats.lookupPerCpu(key) ?? [];
      let sum = 0n;
      for (const v of perCpu) sum += v.readBigUInt64LE(0);
      out.push({name: COUNTER_NAMES[i] ?? `counter-${i}`, value: sum});
    }
    return out;
  });
}

export async function removeSiitInstance(): Promise<void> {
  const found = await discover();
  if (!found) throw new NoInstanceError('SIIT');
  await detachAll(found.attachments);
}

/** Detaches every attachment; throws the first error after trying them all. */
async function detachAll(list: Attachment[]): Promise<void> {
  let first: unknown = null;
  for (const a of list) {
    try {
      if (a.hook === 'xdp') await xdp.detach(a.ifindex, a.mode === 'native' ? 'native' : 'generic', a.progId);
      else await tc.detach(a.ifindex, XLAT_TC_HANDLE_SIIT, XLAT_TC_PRIO_SIIT);
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== null) throw first;
}

/** Why tc serves an interface, as `instance display` explains it. */
function tcReason(i: NetInterface): string {
  const auto = planFor(i, 'auto');
  return auto.how === 'tc' ? auto.reason : 'tc clsact ingress';
}

interface Plan {
  iface: NetInterface;
  /** 'auto-physical': try native XDP, else tc. */
  how: 'xdp' | 'xdp-generic' | 'tc' | 'auto-physical';
  reason: string;
}

function planFor(iface: NetInterface, hook: HookRequest): Plan {
  if (hook === 'tc') return {iface, how: 'tc', reason: 'tc requested'};
  if (hook === 'xdp') return {iface, how: 'xdp', reason: 'XDP requested'};
  if (hook === 'xdp-generic') return {iface, how: 'xdp-generic', reason: 'generic XDP requested'};
  if (iface.kind === 'veth') {
    return {iface, how: 'tc', reason: 'veth: tc handles the skb checksum and GSO state that XDP cannot see'};
  }
  if (VIRTUAL_KINDS.has(iface.kind)) {
    return {iface, how: 'tc', reason: `${iface.kind}: virtual device without a real driver: tc handles the skb checksum and GSO state`};
  }
  return {iface, how: 'auto-physical', reason: ''};
}

function alreadyHasXdp(err: unknown): boolean {
  return err instanceof SystemError && (err.errno === 16 || err.errno === 17);
}

/**
 * Attaches to one interface: tc alone, or XDP with tc beside it as the slow
 * path for what XDP hands over. On failure, what this call attached is undone.
 */
async function attachOne(obj: BpfObject, p: Plan): Promise<Attachment[]> {
  const done: Attachment[] = [];
  try {
    done.push(await attachFirst(obj, p));
    if (done[0].hook === 'xdp') {
      const t = await attachTcTo(obj, p.iface, 'tc slow path');
      done.push(t);
    }
    return done;
  } catch (err) {
    await detachAll(done).catch(() => undefined);
    throw err;
  }
}

async function attachTcTo(obj: BpfObject, iface: NetInterface, reason: string): Promise<Attachment> {
  const progId = await tc.attach(iface.index, obj.programFd(XLAT_SIIT_TC_PROG), XLAT_TC_HANDLE_SIIT, XLAT_TC_PRIO_SIIT, iface.name);
  return {name: iface.name, ifindex: iface.index, hook: 'tc', mode: 'clsact-ingress', reason, progId};
}

async function attachFirst(obj: BpfObject, p: Plan): Promise<Attachment> {
  const {iface} = p;
  const attachTc = (reason: string): Promise<Attachment> => attachTcTo(obj, iface, reason);
  const attachXdp = async (mode: xdp.XdpMode, reason: string): Promise<Attachment> => {
    const fd = obj.programFd(XLAT_SIIT_XDP_PROG);
    await xdp.attach(iface.index, fd, mode, iface.name);
    const q = await xdp.query(iface.index);
    return {name: iface.name, ifindex: iface.index, hook: 'xdp', mode, reason, progId: q.progId};
  };
  if (p.how === 'tc') return attachTc(p.reason);
  if (p.how === 'xdp-generic') return attachXdp('generic', 'generic XDP requested');
  try {
    return await attachXdp('native', p.how === 'xdp' ? 'XDP requested: native (driver) mode' : 'native XDP supported by the driver');
  } catch (err) {
    if (alreadyHasXdp(err)) throw err;
    const why = err instanceof Error ? err.message.replace(/^.*failed: /, '') : String(err);
    if (p.how === 'xdp') return attachXdp('generic', `XDP requested: generic mode, native attach failed (${why})`);
    return attachTc(`native XDP unavailable (${why}): tc`);
  }
}

export async function addSiitInstance(opts: {
  pool6: Pool6 | null;
  interfaces: string[] | null;
  hook: HookRequest;
  verbose: boolean;
}): Promise<SiitInstance> {
  const pool6 = checkPool6(opts.pool6);
  const all = listInterfaces();
  let chosen: NetInterface[];
  if (opts.interfaces === null) {
    chosen = all.filter((i) => i.kind !== 'loopback');
    if (chosen.length === 0) throw new InputError('this namespace has no interface other than loopback to attach to');
  } else {
    if (opts.interfaces.length === 0) throw new InputError('no interface given');
    chosen = [];
    for (const name of opts.interfaces) {
      const i = all.find((x) => x.name === name);
      if (!i) throw new InputError(`interface '${name}' does not exist in this namespace`);
      if (!chosen.includes(i)) chosen.push(i);
    }
  }

  if (await discover(all)) throw new XlatError('this namespace already has a SIIT instance');

  const plans = chosen.map((i) => planFor(i, opts.hook));
  const obj = await openAndLoad(siitObjectPath(), {verbose: opts.verbose});
  const attached: Attachment[] = [];
  let redirects: number[] = [];
  try {
    const config = obj.map(SIIT_MAP_CONFIG);
    const local4 = obj.map(SIIT_MAP_LOCAL4);
    const cfg: SiitConfig = defaultSiitConfig(pool6);
    writeConfig({config}, cfg);
    refreshLocal4(local4);
    refreshIfaddr(obj.map(SIIT_MAP_IFADDR));

    try {
      for (const p of plans) attached.push(...(await attachOne(obj, p)));
      redirects = redirectTargets(
        attached.filter((a) => a.hook === 'xdp').map((a) => a.mode),
        plans.map((p) => ({ifindex: p.iface.index, kind: p.iface.kind})),
      );
      writeRedirectTargets(obj.map(SIIT_MAP_REDIRECT), redirects);
      if (redirects.length) writeConfig({config}, {...cfg, tables: cfg.tables | SIIT_T.REDIRECT});
    } catch (err) {
      try {
        await detachAll(attached);
      } catch {
        // best effort: the original error matters more
      }
      throw err;
    }
  } finally {
    obj.close();
  }
  return {
    netns: currentNetnsName(),
    type: 'SIIT',
    interfaces: publicInterfaces(attached, new Set(redirects)),
    pool6: pool6 ? formatIpv6Prefix(pool6) : null,
    enabled: true,
  };
}
