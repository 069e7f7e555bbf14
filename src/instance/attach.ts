/**
 * Instance machinery shared by the translators: finding an attached instance
 * by program name, opening its maps by name, choosing hooks, attaching with
 * rollback and detaching.
 *
 * No bpffs pinning: programs are attached over netlink (XDP, or cls_bpf on
 * clsact ingress with a fixed handle/priority per translator) and stay
 * attached, keeping their maps alive, after the CLI exits. A later process
 * queries this namespace's interfaces for programs with the translator's
 * names and opens their maps by id.
 */
import {ExistsError, InputError, NotFoundError, SystemError, XlatError} from '../errors.js';
import {closeFd, progFdById} from '../bpf/prog.js';
import {BpfMap} from '../bpf/map.js';
import {progInfoById} from '../bpf/prog.js';
import * as xdp from '../bpf/xdp.js';
import * as tc from '../bpf/tc.js';
import {listInterfaces, type NetInterface} from '../sys/interfaces.js';
import {faultPoint} from '../sys/fault.js';

export type Hook = 'xdp' | 'tc';
/** 'xdp-generic' forces generic (skb) XDP; 'xdp' tries native first. */
export type HookRequest = 'auto' | 'xdp' | 'xdp-generic' | 'tc';

export interface AttachedInterface {
  name: string;
  ifindex: number;
  hook: Hook;
  mode: 'native' | 'generic' | 'clsact-ingress';
  reason: string;
}

export interface Attachment extends AttachedInterface {
  progId: number;
  /** Why this hook was taken when it was attached (e.g. why native XDP failed); not shown by display. */
  detail?: string;
}

/** Where the programs to attach come from: a freshly loaded object, or the programs of a running instance. */
export interface ProgramSource {
  programFd(name: string): number;
}

/** What identifies one translator's programs in a namespace. */
export interface ProgramSpec {
  /** "SIIT", "NAT64": used in messages. */
  label: string;
  xdpProg: string;
  tcProg: string;
  tcHandle: number;
  tcPrio: number;
}

export interface Discovered {
  attachments: Attachment[];
  /** Map ids of every attached program, united (XDP and tc programs use different subsets). */
  mapIds: number[];
}

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

/** Why tc serves an interface on its own, as `instance display` explains it. */
function tcReason(i: NetInterface): string {
  const auto = planHook(i, 'auto');
  return auto.how === 'tc' ? auto.reason : 'tc clsact ingress';
}

/** Scans the namespace's interfaces for the spec's programs. */
export async function discover(spec: ProgramSpec, ifaces: NetInterface[] = listInterfaces()): Promise<Discovered | null> {
  const attachments: Attachment[] = [];
  const ids = new Set<number>();
  for (const i of ifaces) {
    const q = await xdp.query(i.index);
    if (q.progId && (q.mode === 'native' || q.mode === 'generic')) {
      const info = await progInfoById(q.progId);
      if (info && info.name === spec.xdpProg) {
        attachments.push({name: i.name, ifindex: i.index, hook: 'xdp', mode: q.mode, reason: `${q.mode} XDP`, progId: q.progId});
        for (const id of info.mapIds) ids.add(id);
      }
    }
    const tcId = await tc.query(i.index, spec.tcHandle, spec.tcPrio);
    if (tcId !== null) {
      const info = await progInfoById(tcId);
      if (info && info.name === spec.tcProg) {
        attachments.push({name: i.name, ifindex: i.index, hook: 'tc', mode: 'clsact-ingress', reason: tcReason(i), progId: tcId});
        for (const id of info.mapIds) ids.add(id);
      }
    }
  }
  if (attachments.length === 0) return null;
  return {attachments, mapIds: [...ids]};
}

export interface NamedMaps {
  /** A required map (or an optional one that is known to be there). */
  get(name: string): BpfMap;
  /** An optional map, or null when the programs have none. */
  find(name: string): BpfMap | null;
  close(): void;
}

/**
 * Opens the maps of mapIds, once per name (two programs of one name side by
 * side, e.g. during an upgrade, share their state maps), leaving out the ones
 * gone meanwhile and those `keep` refuses; closes what it opened on failure.
 */
export async function openMapsById(mapIds: readonly number[], keep: (name: string) => boolean = () => true): Promise<Map<string, BpfMap>> {
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
      if (keep(m.name) && !byName.has(m.name)) byName.set(m.name, m);
      else m.close();
    }
  } catch (err) {
    for (const m of byName.values()) m.close();
    throw err;
  }
  return byName;
}

/**
 * Opens the maps with the given names among mapIds (closes whatever it opened
 * on failure). Every one of `names` must exist; the `optional` ones may not
 * (a map only one of the programs uses, absent when that program is not attached).
 */
export async function openMapsByName(mapIds: number[], names: readonly string[], label: string, optional: readonly string[] = []): Promise<NamedMaps> {
  const byName = await openMapsById(mapIds, (name) => names.includes(name) || optional.includes(name));
  const closeAll = () => {
    for (const m of byName.values()) m.close();
  };
  try {
    for (const n of names) {
      if (!byName.has(n)) {
        throw new XlatError(`the ${label} programs attached in this namespace have no map ${n}: remove the instance and add it again`);
      }
    }
  } catch (err) {
    closeAll();
    throw err;
  }
  return {get: (name) => byName.get(name)!, find: (name) => byName.get(name) ?? null, close: closeAll};
}

/**
 * One entry per interface. In XDP mode an interface carries both programs:
 * XDP is the fast path and the tc program its slow path. With `redirects`
 * (for a translator whose XDP program forwards by itself), the reason of an
 * XDP interface also says who forwards the packets translated towards it.
 */
export function publicInterfaces(list: Attachment[], redirects?: ReadonlySet<number>): AttachedInterface[] {
  const out: AttachedInterface[] = [];
  for (const a of list) {
    if (out.some((o) => o.ifindex === a.ifindex)) continue;
    const x = list.find((b) => b.ifindex === a.ifindex && b.hook === 'xdp');
    const t = list.find((b) => b.ifindex === a.ifindex && b.hook === 'tc');
    if (x) {
      const slow = t ? 'tc as its slow path' : 'WARNING: its tc slow path is missing (remove and add the instance again)';
      const fwd = redirects === undefined ? '' : `; packets translated towards it are forwarded by ${redirects.has(x.ifindex) ? 'XDP itself' : 'the kernel'}`;
      out.push({name: x.name, ifindex: x.ifindex, hook: 'xdp', mode: x.mode, reason: `${x.reason}; ${slow}${fwd}`});
    } else if (t) {
      out.push({name: t.name, ifindex: t.ifindex, hook: 'tc', mode: t.mode, reason: t.reason});
    }
  }
  return out;
}

/** Detaches every attachment; throws the first error after trying them all. */
export async function detachAll(spec: ProgramSpec, list: Attachment[]): Promise<void> {
  let first: Error | null = null;
  for (const a of list) {
    faultPoint(`detach ${a.hook} from ${a.name}`);
    try {
      if (a.hook === 'xdp') await xdp.detach(a.ifindex, a.mode === 'native' ? 'native' : 'generic', a.progId);
      else await tc.detach(a.ifindex, spec.tcHandle, spec.tcPrio);
    } catch (err) {
      first ??= err instanceof Error ? err : new Error(String(err));
    }
  }
  if (first !== null) throw first;
}

export interface HookPlan {
  iface: NetInterface;
  /** 'auto-physical': try native XDP, else tc. */
  how: 'xdp' | 'xdp-generic' | 'tc' | 'auto-physical';
  reason: string;
}

/**
 * Which hook an interface gets. `xdpTakenBy` names the program already holding
 * the interface's XDP hook (one XDP program per interface): auto then uses tc,
 * and an explicit --hook xdp is refused.
 */
export function planHook(iface: NetInterface, hook: HookRequest, xdpTakenBy: string | null = null, label = ''): HookPlan {
  if (hook === 'tc') return {iface, how: 'tc', reason: 'tc requested'};
  if (xdpTakenBy !== null) {
    if (hook === 'xdp' || hook === 'xdp-generic') {
      throw new XlatError(
        `interface ${iface.name} already has an XDP program (${xdpTakenBy}) and an interface holds one: attach the ${label} instance there with --hook tc`,
      );
    }
    return {iface, how: 'tc', reason: `XDP is held by ${xdpTakenBy}: tc`};
  }
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

/** Name of the XDP program attached to ifindex, or null. */
export async function xdpHolder(ifindex: number): Promise<string | null> {
  const q = await xdp.query(ifindex);
  if (!q.progId) return null;
  const info = await progInfoById(q.progId);
  return info ? info.name || `program id ${q.progId}` : null;
}

function alreadyHasXdp(err: unknown): boolean {
  return err instanceof SystemError && (err.errno === 16 || err.errno === 17);
}

/*
 * The reason an attachment shows is what `discover` can tell again later (the
 * same text at add and at display); why a hook was taken at attach time goes
 * to `detail`.
 */
async function attachTcTo(spec: ProgramSpec, obj: ProgramSource, iface: NetInterface, detail: string): Promise<Attachment> {
  faultPoint(`attach tc to ${iface.name}`);
  const progId = await tc.attach(iface.index, obj.programFd(spec.tcProg), spec.tcHandle, spec.tcPrio, iface.name);
  return {name: iface.name, ifindex: iface.index, hook: 'tc', mode: 'clsact-ingress', reason: tcReason(iface), progId, detail};
}

/**
 * Attaches XDP (native, else generic or tc as the plan says) to an interface whose tc slow path is attached
 * already; returns null when the plan falls back to tc, which is then that slow path alone.
 */
async function attachXdpOver(spec: ProgramSpec, obj: ProgramSource, p: HookPlan): Promise<{attachment: Attachment | null; why: string}> {
  const {iface} = p;
  const attachXdp = async (mode: xdp.XdpMode, detail: string): Promise<Attachment> => {
    faultPoint(`attach ${mode} XDP to ${iface.name}`);
    await xdp.attach(iface.index, obj.programFd(spec.xdpProg), mode, iface.name);
    const q = await xdp.query(iface.index);
    return {name: iface.name, ifindex: iface.index, hook: 'xdp', mode, reason: `${mode} XDP`, progId: q.progId, detail};
  };
  if (p.how === 'xdp-generic') return {attachment: await attachXdp('generic', 'generic XDP requested'), why: ''};
  try {
    return {attachment: await attachXdp('native', p.how === 'xdp' ? 'XDP requested: native (driver) mode' : 'native XDP supported by the driver'), why: ''};
  } catch (err) {
    if (alreadyHasXdp(err)) throw err;
    const why = err instanceof Error ? err.message.replace(/^.*failed: /, '') : String(err);
    if (p.how === 'xdp') return {attachment: await attachXdp('generic', `XDP requested: generic mode, native attach failed (${why})`), why: ''};
    return {attachment: null, why};
  }
}

/**
 * Attaches to one interface: tc alone, or XDP with the tc program beside it as the slow path for what XDP hands
 * over. The tc program goes first: XDP is never attached without its slow path, even for the moment between the
 * two (a CLI killed there leaves a working tc attachment, not an XDP program handing packets to nothing). On
 * failure, what this call attached is undone.
 */
async function attachOne(spec: ProgramSpec, obj: ProgramSource, p: HookPlan): Promise<Attachment[]> {
  if (p.how === 'tc') return [await attachTcTo(spec, obj, p.iface, p.reason)];
  const slow = await attachTcTo(spec, obj, p.iface, 'tc slow path');
  try {
    const {attachment, why} = await attachXdpOver(spec, obj, p);
    if (attachment === null) return [{...slow, detail: `native XDP unavailable (${why}): tc`}];
    return [attachment, slow];
  } catch (err) {
    await detachAll(spec, [slow]).catch(() => undefined);
    throw err;
  }
}

/** Attaches to every planned interface; on any failure detaches what it attached and rethrows. */
export async function attachAll(spec: ProgramSpec, obj: ProgramSource, plans: HookPlan[]): Promise<Attachment[]> {
  const attached: Attachment[] = [];
  try {
    for (const p of plans) attached.push(...(await attachOne(spec, obj, p)));
  } catch (err) {
    await detachAll(spec, attached).catch(() => undefined);
    throw err;
  }
  return attached;
}

/**
 * Attaches a running instance to more interfaces, with the programs it runs
 * (found by id): tc, and XDP only where the instance's XDP program is still
 * loaded (an instance attached with tc alone has none). On failure what this
 * call attached is undone.
 */
export async function attachMore(spec: ProgramSpec, found: Discovered, names: string[], hook: HookRequest): Promise<Attachment[]> {
  if (names.length === 0) return [];
  const all = listInterfaces();
  const chosen = chooseInterfaces(all, names);
  const taken = found.attachments.filter((a) => chosen.some((c) => c.index === a.ifindex));
  if (taken.length) throw new ExistsError(`the ${spec.label} instance is attached to ${taken[0].name} already`);
  const tcId = found.attachments.find((a) => a.hook === 'tc')?.progId;
  const xdpId = found.attachments.find((a) => a.hook === 'xdp')?.progId;
  if (tcId === undefined) throw new XlatError(`the ${spec.label} instance has no tc program attached anywhere: remove it and add it again`);
  const fds = new Map<string, number>();
  try {
    fds.set(spec.tcProg, await progFdById(tcId));
    if (xdpId !== undefined) fds.set(spec.xdpProg, await progFdById(xdpId));
    const plans: HookPlan[] = [];
    for (const i of chosen) {
      const holder = hook === 'tc' ? null : await xdpHolder(i.index);
      let plan = planHook(i, hook, holder, spec.label);
      if (plan.how !== 'tc' && xdpId === undefined) {
        if (hook === 'xdp' || hook === 'xdp-generic') {
          throw new XlatError(
            `the ${spec.label} instance runs with tc only (its XDP program is not loaded): attach ${i.name} with --hook tc, or remove the instance and add it again with XDP`,
          );
        }
        plan = {iface: i, how: 'tc', reason: 'the instance runs with tc only'};
      }
      plans.push(plan);
    }
    const source: ProgramSource = {
      programFd: (name) => {
        const fd = fds.get(name);
        if (fd === undefined) throw new XlatError(`internal: no program ${name} to attach`);
        return fd;
      },
    };
    return await attachAll(spec, source, plans);
  } finally {
    for (const fd of fds.values()) await closeFd(fd);
  }
}

/** Detaches a running instance from the named interfaces (the instance must keep at least one). */
export async function detachSome(spec: ProgramSpec, found: Discovered, names: string[]): Promise<Attachment[]> {
  if (names.length === 0) return [];
  const doomed = found.attachments.filter((a) => names.includes(a.name));
  for (const n of names) {
    if (!doomed.some((a) => a.name === n)) throw new NotFoundError(`the ${spec.label} instance is not attached to ${n}`);
  }
  if (doomed.length === found.attachments.length) {
    throw new InputError(`the ${spec.label} instance must keep at least one interface (remove the instance instead)`);
  }
  await detachAll(spec, doomed);
  return doomed;
}

/** The interfaces to attach to: the named ones (validated), or every non-loopback one. */
export function chooseInterfaces(all: NetInterface[], names: string[] | null): NetInterface[] {
  if (names === null) {
    const chosen = all.filter((i) => i.kind !== 'loopback');
    if (chosen.length === 0) throw new InputError('this namespace has no interface other than loopback to attach to');
    return chosen;
  }
  if (names.length === 0) throw new InputError('no interface given');
  const chosen: NetInterface[] = [];
  for (const name of names) {
    const i = all.find((x) => x.name === name);
    if (!i) throw new InputError(`interface '${name}' does not exist in this namespace`);
    if (!chosen.includes(i)) chosen.push(i);
  }
  return chosen;
}
