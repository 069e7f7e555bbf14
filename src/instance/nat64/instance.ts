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
import {SYN_DELAY_MAP, noSynDelay, removeSynDelay, setupSynDelay} from './syn-delay.js';
import {NAT64_SPEC, openMaps, refreshDefaultsAndIfaddr, withNat64Instance, writePool4, writeConfig, indexKey, type Nat64Maps} from './maps.js';
import {flagsOf, pool6Text, NO_POOL6} from './globals-table.js';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import {layoutVersion, objectPath} from '../objects.js';
import {ExistsError, InputError, LayoutMismatchError, NoInstanceError, XlatError, describeSystemError} from '../../errors.js';
import {openAndLoad} from '../../bpf/object.js';
import type {BpfMap} from '../../bpf/map.js';
import {listInterfaces} from '../../sys/interfaces.js';
import {currentNetnsName} from '../../sys/netns.js';
import {
  attachAll,
  attachMore,
  chooseInterfaces,
  detachAll,
  detachSome,
  discover,
  openMapsByName,
  planHook,
  publicInterfaces,
  xdpHolder,
  type AttachedInterface,
  type Attachment,
  type Discovered,
  type HookRequest,
} from '../attach.js';
import * as L from './layout.js';
import {refreshIfaddr} from '../ifaddr.js';

import {readMeta} from '../meta.js';
import {DEFAULT_MTU_PLATEAUS} from '../../abi/common.js';
import {readCounters} from '../counters.js';
import {maskIpv6} from '../prefix.js';
import * as B from './blocks-layout.js';
import {NAT64_DEFAULTS} from '../../model/nat64-globals.js';

export type {AttachedInterface, HookRequest} from '../attach.js';
export {NAT64_SPEC, withNat64Instance, readConfig, writeConfig, type Nat64Maps} from './maps.js';
export * from './globals-table.js';
export * from './pool4-table.js';
export * from './bib-table.js';
export * from './session-table.js';

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
// instance

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
  /** Told what works differently than asked, in one line (e.g. no 6 s timer for held SYNs). */
  onWarning?: (message: string) => void;
  /** Told, for --verbose, what the kernel lacks (e.g. sch_netem for the 6 s timer of held SYNs). */
  onNote?: (message: string) => void;
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
    const maps: Nat64Maps = {
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
      blkSub: obj.map(B.NAT64_MAP_BLK_SUB),
      blkUse: obj.map(B.NAT64_MAP_BLK_USE),
      blkUsed: obj.map(B.NAT64_MAP_BLK_USED),
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
    const noDelay = await setupSynDelay(NAT64_SPEC, obj.programFd(NAT64_SPEC.tcProg), obj.map(SYN_DELAY_MAP)).catch((err: unknown) => {
      removeSynDelay();
      return noSynDelay(err instanceof Error ? err.message : String(err));
    });
    // A kernel without sch_netem (usual: a module some kernels lack) is said with --verbose only; anything else is a warning.
    if (noDelay !== null) (noDelay.lacksNetem ? opts.onNote : opts.onWarning)?.(noDelay.why);
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

/**
 * Puts back the accept_local values `add` (or `attach`) changed, of every interface or of the `only` ifindexes
 * (interfaces gone meanwhile are skipped).
 */
function restoreSysctls(saved: BpfMap, only?: ReadonlySet<number>): void {
  const byIndex = new Map(listInterfaces().map((i) => [i.index, i.name]));
  for (const key of [...saved.keys()]) {
    if (only && !only.has(key.readUInt32LE(0))) continue;
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

async function withSysctlMap<T>(found: Discovered, fn: (saved: BpfMap) => T): Promise<T> {
  const maps = await openMapsByName(found.mapIds, [L.NAT64_MAP_SYSCTL], 'NAT64');
  try {
    return fn(maps.get(L.NAT64_MAP_SYSCTL));
  } finally {
    maps.close();
  }
}

/**
 * Attaches the running instance to more interfaces (`instance attach`, `file handle`), with accept_local set on
 * them as `add` sets it: without it the kernel drops the translated packets that arrive there (an interface
 * re-created under a live instance is attached this way). On failure nothing stays attached.
 */
export async function attachNat64Interfaces(found: Discovered, names: string[], hook: HookRequest): Promise<Attachment[]> {
  const added = await attachMore(NAT64_SPEC, found, names, hook);
  try {
    await withSysctlMap(found, (saved) => {
      for (const a of added) if (a.hook === 'tc') acceptLocal(a.name, a.ifindex, saved);
    });
  } catch (err) {
    await detachAll(NAT64_SPEC, added).catch(() => undefined);
    throw err;
  }
  return added;
}

const restoreFor = (found: Discovered, gone: Attachment[]): Promise<void> =>
  withSysctlMap(found, (saved) => restoreSysctls(saved, new Set(gone.map((a) => a.ifindex))));

/** Detaches the running instance from some interfaces and puts back their accept_local. */
export async function detachNat64Interfaces(found: Discovered, names: string[]): Promise<Attachment[]> {
  const gone = await detachSome(NAT64_SPEC, found, names);
  await restoreFor(found, gone);
  return gone;
}

/** Undoes attachNat64Interfaces (a later step of a file apply failed): detached, accept_local put back. */
export async function detachNat64Attachments(found: Discovered, added: Attachment[]): Promise<void> {
  await detachAll(NAT64_SPEC, added);
  await restoreFor(found, added);
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
    // The delay line first: its tc filter holds the program too, and a remove stopped between the two steps must
    // leave a whole instance (found, removable again), never a program kept alive by a line nothing lists.
    removeSynDelay();
    await detachAll(NAT64_SPEC, found.attachments);
    if (saved) restoreSysctls(saved.get(L.NAT64_MAP_SYSCTL));
  } finally {
    saved?.close();
  }
  return before;
}

export async function readNat64Stats(): Promise<{name: string; value: bigint}[]> {
  return withNat64Instance((maps) => readCounters(maps.stats, 'nat64'));
}
