/**
 * The SIIT instance of the current network namespace.
 *
 * Attached, found and detached with the instance machinery of
 * src/instance/attach.ts (no bpffs pinning: programs attached over netlink,
 * found again by their names xlat_siit_xdp / xlat_siit_tc, maps opened by id).
 * All interfaces share one loaded object, hence the same maps. What is SIIT's
 * own here: its maps, configuration, local4/ifaddr refresh and the XDP
 * redirect targets.
 */
import {refreshIfaddr} from '../ifaddr.js';
import {readCounters} from '../counters.js';
import {readRedirectTargets, redirectTargets, SIIT_MAP_REDIRECT, writeRedirectTargets} from './redirect.js';
import {ExistsError, InputError, LayoutMismatchError, NoInstanceError, XlatError} from '../../errors.js';
import {openAndLoad} from '../../bpf/object.js';
import type {BpfMap} from '../../bpf/map.js';
import {listInterfaces, namespaceIpv4Addresses} from '../../sys/interfaces.js';
import {currentNetnsName} from '../../sys/netns.js';
import * as attach from '../attach.js';
import type {AttachedInterface, Attachment, Discovered, HookRequest, ProgramSpec} from '../attach.js';
import {
  SIIT_MAP_CONFIG,
  SIIT_MAP_DENY4,
  SIIT_MAP_IFADDR,
  SIIT_MAP_EAMT4,
  SIIT_MAP_EAMT6,
  SIIT_MAP_LOCAL4,
  SIIT_T,
  SIIT_MAP_STATS,
  XLAT_LOCAL4_MAX,
  XLAT_SIIT_TC_PROG,
  XLAT_SIIT_XDP_PROG,
  XLAT_TC_HANDLE_SIIT,
  XLAT_TC_PRIO_SIIT,
  decodeSiitConfig,
  defaultSiitConfig,
  encodeSiitConfig,
  type SiitConfig,
} from '../layout.js';
import {formatIpv6Prefix, ipv4Bytes, maskIpv6} from '../prefix.js';
import {checkLayout, layoutVersion, objectPath} from '../objects.js';
import {faultPoint} from '../../sys/fault.js';
import {META_MAP, readMeta} from '../meta.js';

export type {AttachedInterface, Hook, HookRequest} from '../attach.js';
export interface SiitInstance {
  netns: string;
  type: 'SIIT';
  interfaces: AttachedInterface[];
  pool6: string | null;
  enabled: boolean;
  /** Map layout version of the attached programs (bpf/abi/ enum xlat_siit_layout). */
  layout: number;
  /** The Jool-style name recorded with the instance (src/instance/meta.ts), or null. */
  name: string | null;
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

export const SIIT_SPEC: ProgramSpec = {
  label: 'SIIT',
  xdpProg: XLAT_SIIT_XDP_PROG,
  tcProg: XLAT_SIIT_TC_PROG,
  tcHandle: XLAT_TC_HANDLE_SIIT,
  tcPrio: XLAT_TC_PRIO_SIIT,
};

/** build/bpf/siit.bpf.o of this package (XLAT_SIIT_OBJECT overrides it, for tests). */
function siitObjectPath(): string {
  return objectPath('siit');
}

// ---------------------------------------------------------------------------
// maps

interface OpenMaps {
  config: BpfMap;
  stats: BpfMap;
  local4: BpfMap;
  eamt6: BpfMap;
  eamt4: BpfMap;
  deny4: BpfMap;
  ifaddr: BpfMap;
  redirect: BpfMap | null;
  meta: BpfMap | null;
  close(): void;
}

const SIIT_REQUIRED_MAPS = [SIIT_MAP_CONFIG, SIIT_MAP_STATS, SIIT_MAP_LOCAL4, SIIT_MAP_EAMT6, SIIT_MAP_EAMT4, SIIT_MAP_DENY4, SIIT_MAP_IFADDR];

/** Opens the instance's maps by id (closes whatever it opened on failure). */
async function openMaps(mapIds: number[]): Promise<OpenMaps> {
  /* Only the XDP program uses siit_redirect: a tc-only instance has none. */
  const m = await attach.openMapsByName(mapIds, SIIT_REQUIRED_MAPS, SIIT_SPEC.label, [SIIT_MAP_REDIRECT, META_MAP]);
  return {
    config: m.get(SIIT_MAP_CONFIG),
    stats: m.get(SIIT_MAP_STATS),
    local4: m.get(SIIT_MAP_LOCAL4),
    eamt6: m.get(SIIT_MAP_EAMT6),
    eamt4: m.get(SIIT_MAP_EAMT4),
    deny4: m.get(SIIT_MAP_DENY4),
    ifaddr: m.get(SIIT_MAP_IFADDR),
    redirect: m.find(SIIT_MAP_REDIRECT),
    meta: m.find(META_MAP),
    close: () => m.close(),
  };
}

const ZERO_KEY = Buffer.alloc(4);

function readConfig(maps: {config: BpfMap}): SiitConfig {
  const raw = maps.config.lookup(ZERO_KEY);
  if (raw === null) throw new XlatError('the SIIT instance has no configuration entry');
  const cfg = decodeSiitConfig(raw);
  checkLayout('siit', cfg.version);
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
  const found = await attach.discover(SIIT_SPEC);
  if (!found) throw new NoInstanceError('SIIT');
  const maps = await openMaps(found.mapIds);
  try {
    readConfig(maps); // an instance of another map layout is refused before anything is written
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
  const found = await attach.discover(SIIT_SPEC);
  if (!found) return null;
  const maps = await openMaps(found.mapIds);
  try {
    const cfg = readConfig(maps); // first: an instance of another map layout is refused before anything is written
    refreshLocal4(maps.local4);
    refreshIfaddr(maps.ifaddr);
    return {
      netns: currentNetnsName(),
      type: 'SIIT',
      interfaces: attach.publicInterfaces(found.attachments, maps.redirect ? readRedirectTargets(maps.redirect) : new Set()),
      pool6: cfg.pool6 ? formatIpv6Prefix(cfg.pool6) : null,
      enabled: cfg.enabled,
      layout: cfg.version,
      name: readMeta(maps.meta).name,
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

/** The instance's maps, for the configuration tables (src/instance/siit/tables.ts). */
export type SiitMaps = OpenMaps;

/** Finds the instance, opens every map of it (local4 refreshed), runs fn, closes every fd. */
export async function withSiitMaps<T>(fn: (maps: SiitMaps) => T | Promise<T>): Promise<T> {
  return withInstance((maps) => fn(maps));
}

/** As withSiitMaps, with the attachments too (for attaching and detaching). */
export async function withSiitInstance<T>(fn: (maps: SiitMaps, found: Discovered) => T | Promise<T>): Promise<T> {
  return withInstance(fn);
}

/**
 * Attaches the running instance to more interfaces (src/instance/attach.ts
 * attachMore) and lets the XDP fast path forward towards them where that is
 * safe. Returns the new attachments.
 */
export async function attachSiitInterfaces(maps: SiitMaps, found: Discovered, names: string[], hook: HookRequest): Promise<Attachment[]> {
  const added = await attach.attachMore(SIIT_SPEC, found, names, hook);
  if (maps.redirect) {
    const all = [...found.attachments, ...added];
    const kinds = new Map(listInterfaces().map((i) => [i.index, i.kind]));
    const before = readRedirectTargets(maps.redirect);
    const targets = redirectTargets(
      all.filter((a) => a.hook === 'xdp').map((a) => a.mode),
      [...new Set(all.map((a) => a.ifindex))].map((ifindex) => ({ifindex, kind: kinds.get(ifindex) ?? ''})),
    ).filter((t) => !before.has(t));
    writeRedirectTargets(maps.redirect, targets);
  }
  return added;
}

/** The maps a new instance's configuration goes into before it is attached. */
export interface FreshSiitMaps {
  config: BpfMap;
  eamt6: BpfMap;
  eamt4: BpfMap;
  deny4: BpfMap;
}

/** siit_config of the instance (throws when its layout version is not this xlat's). */
export function readSiitConfig(maps: {config: BpfMap}): SiitConfig {
  return readConfig(maps);
}

export function writeSiitConfig(maps: {config: BpfMap}, cfg: SiitConfig): void {
  writeConfig(maps, cfg);
}

export async function readSiitStats(): Promise<{name: string; value: bigint}[]> {
  return withInstance((maps) => readCounters(maps.stats, 'siit'));
}

/** Detaches the instance everywhere; returns it as it was. */
export async function removeSiitInstance(): Promise<SiitInstance> {
  const found = await attach.discover(SIIT_SPEC);
  if (!found) throw new NoInstanceError('SIIT');
  // An instance of another map layout is removed too (that is how it is replaced), described by what is certain.
  const before = await findSiitInstance().catch((err: unknown) => {
    if (!(err instanceof LayoutMismatchError)) throw err;
    const interfaces = attach.publicInterfaces(found.attachments, new Set());
    return {netns: currentNetnsName(), type: 'SIIT', interfaces, pool6: null, enabled: true, layout: err.instanceLayout, name: null} satisfies SiitInstance;
  });
  if (!before) throw new NoInstanceError('SIIT');
  await attach.detachAll(SIIT_SPEC, found.attachments);
  return before;
}

export async function addSiitInstance(opts: {
  pool6: Pool6 | null;
  interfaces: string[] | null;
  hook: HookRequest;
  verbose: boolean;
  /** Fills the new maps (configuration, tables) before anything is attached: a failure leaves nothing behind. */
  configure?: (maps: FreshSiitMaps) => void;
}): Promise<SiitInstance> {
  const pool6 = checkPool6(opts.pool6);
  const all = listInterfaces();
  const chosen = attach.chooseInterfaces(all, opts.interfaces);

  if (await attach.discover(SIIT_SPEC, all)) throw new ExistsError('this namespace already has a SIIT instance');

  // An interface holds one XDP program: where the NAT64 instance has it, SIIT takes tc (auto) or refuses (--hook xdp).
  const plans: attach.HookPlan[] = [];
  for (const i of chosen) plans.push(attach.planHook(i, opts.hook, opts.hook === 'tc' ? null : await attach.xdpHolder(i.index), 'SIIT'));
  const path = siitObjectPath();
  const layout = layoutVersion('siit', path);
  const obj = await openAndLoad(path, {verbose: opts.verbose});
  let attached: Attachment[] = [];
  let redirects: number[] = [];
  let cfg: SiitConfig = defaultSiitConfig(pool6, layout);
  try {
    const config = obj.map(SIIT_MAP_CONFIG);
    const local4 = obj.map(SIIT_MAP_LOCAL4);
    writeConfig({config}, cfg);
    refreshLocal4(local4);
    refreshIfaddr(obj.map(SIIT_MAP_IFADDR));
    if (opts.configure) {
      const fresh = {config, eamt6: obj.map(SIIT_MAP_EAMT6), eamt4: obj.map(SIIT_MAP_EAMT4), deny4: obj.map(SIIT_MAP_DENY4)};
      opts.configure(fresh);
      const has = (m: BpfMap): boolean => !m.keys().next().done;
      cfg = {...readConfig({config}), tables: (has(fresh.eamt6) ? SIIT_T.EAMT : 0) | (has(fresh.deny4) ? SIIT_T.DENY4 : 0)};
      writeConfig({config}, cfg);
    }

    attached = await attach.attachAll(SIIT_SPEC, obj, plans);
    try {
      redirects = redirectTargets(
        attached.filter((a) => a.hook === 'xdp').map((a) => a.mode),
        plans.map((p) => ({ifindex: p.iface.index, kind: p.iface.kind})),
      );
      faultPoint('write the XDP redirect targets');
      writeRedirectTargets(obj.map(SIIT_MAP_REDIRECT), redirects);
      if (redirects.length) writeConfig({config}, {...cfg, tables: cfg.tables | SIIT_T.REDIRECT});
    } catch (err) {
      await attach.detachAll(SIIT_SPEC, attached).catch(() => undefined); // best effort: the original error matters more
      throw err;
    }
  } finally {
    obj.close();
  }
  return {
    netns: currentNetnsName(),
    type: 'SIIT',
    interfaces: attach.publicInterfaces(attached, new Set(redirects)),
    pool6: cfg.pool6 ? formatIpv6Prefix(cfg.pool6) : null,
    enabled: cfg.enabled,
    layout,
    name: null,
  };
}
