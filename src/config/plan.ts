/**
 * What applying a file changes: the running state against the file's, as a
 * plan the instance layer executes and as the list of changes `--diff` and
 * `--json` show. Nothing to change is an empty list (`changed: false`): this
 * is what makes a second apply of the same file write nothing. Pure logic.
 */
import {ExistsError, InputError} from '../errors.js';
import {formatPrefix4, type Prefix4} from '../model/ipv4.js';
import {formatIPv6} from '../model/ipv6.js';
import {formatIPv4} from '../model/ipv4.js';
import {NAT64_GLOBAL_KEYS, type Nat64Globals} from '../model/nat64-globals.js';
import {formatItemPrefix, key as poolKey, pool4Combine, pool4View, type Pool4Item} from '../model/pool4-set.js';
import type {MaxIterations} from '../model/nat64-pool4.js';
import {SIIT_ALL_GLOBAL_KEYS, type SiitGlobalsView} from '../model/siit-config.js';
import {eamView, formatEamEntry, sameEam, type EamEntry} from '../model/siit-eamt.js';
import type {Nat64State, SiitState, StaticBib} from './state.js';
import {scalarText} from './scalar.js';
import {detFileEntry, detText, sameDet, type DetEntry} from '../model/rfc7422.js';

export type ChangeTable = 'instance' | 'global' | 'eamt' | 'denylist4' | 'pool4' | 'bib' | 'interfaces';

/** One change, as --json lists it (schema/output.schema.json $defs/change). */
export interface Change {
  op: 'add' | 'remove' | 'update' | 'create' | 'attach' | 'detach';
  table: ChangeTable;
  entry: unknown;
  /** The line --diff prints: "+ ...", "- ...", "~ ...". */
  text: string;
}

/** The running instance as the plan needs it (its attached interfaces included). */
export type SiitCurrent = Omit<SiitState, 'interfaces' | 'name' | 'hook'> & {name: string | null; interfaces: string[]};
export type Nat64Current = Omit<Nat64State, 'interfaces' | 'name' | 'hook' | 'capacity'> & {name: string | null; interfaces: string[]; capacity: number};

interface CommonPlan {
  create: boolean;
  /** The name to record (undefined: leave it). */
  name: string | undefined;
  attach: string[];
  detach: string[];
  changes: Change[];
}

export interface SiitPlan extends CommonPlan {
  /** Every global after the change, or null when none changes. */
  global: SiitGlobalsView | null;
  eamtAdd: EamEntry[];
  eamtRemove: EamEntry[];
  denyAdd: Prefix4[];
  denyRemove: Prefix4[];
}

export interface Nat64Plan extends CommonPlan {
  global: Nat64Globals | null;
  /** pool4 after the change (canonical), or null when it does not change. */
  pool4: Pool4Item[] | null;
  /** Transport addresses leaving pool4 (their dynamic state goes too). */
  pool4Removed: Pool4Item[];
  /** max-iterations of every (protocol, mark) set after the change, or null when none changes. */
  iterations: Record<string, MaxIterations> | null;
  bibAdd: StaticBib[];
  bibRemove: StaticBib[];
  /** Deterministic entries after the change, or null when they do not change; and those leaving (their state goes). */
  deterministic: DetEntry[] | null;
  detRemoved: DetEntry[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const show = (v: unknown): string => (v === null ? '(unset)' : Array.isArray(v) ? v.join(',') : scalarText(v));

function globalChanges<G extends object>(keys: readonly (keyof G & string)[], from: G, to: G): Change[] {
  const out: Change[] = [];
  for (const k of keys) {
    if (same(from[k], to[k])) continue;
    out.push({op: 'update', table: 'global', entry: {key: k, from: from[k], to: to[k]}, text: `~ global ${k}: ${show(from[k])} -> ${show(to[k])}`});
  }
  return out;
}

function namePlan(kind: string, current: string | null, wanted: string | null | undefined, changes: Change[]): string | undefined {
  if (wanted === undefined || wanted === null || wanted === current) return undefined;
  if (current !== null) {
    throw new ExistsError(
      `this namespace's ${kind} instance is named '${current}' and the file names '${wanted}': there is one ${kind} instance per namespace (remove it first, or use its name)`,
    );
  }
  changes.push({op: 'update', table: 'instance', entry: {name: wanted}, text: `~ instance name: (none) -> ${wanted}`});
  return wanted;
}

function interfacePlan(current: string[] | null, wanted: string[] | null, changes: Change[]): {attach: string[]; detach: string[]} {
  if (current === null || wanted === null) return {attach: [], detach: []};
  const attach = wanted.filter((i) => !current.includes(i));
  const detach = current.filter((i) => !wanted.includes(i));
  if (wanted.length === 0) throw new InputError('/interfaces: an instance needs at least one interface (remove the instance instead)');
  for (const i of attach) changes.push({op: 'attach', table: 'interfaces', entry: {name: i}, text: `+ interface ${i}`});
  for (const i of detach) changes.push({op: 'detach', table: 'interfaces', entry: {name: i}, text: `- interface ${i}`});
  return {attach, detach};
}

const eamText = (e: EamEntry) => formatEamEntry(e).replace(' <-> ', ' ');

/** What it takes to bring a SIIT instance (null: none yet) to the file's state. */
export function planSiit(current: SiitCurrent | null, wanted: SiitState, defaults: SiitGlobalsView): SiitPlan {
  const changes: Change[] = [];
  const create = current === null;
  if (create) {
    const where = wanted.interfaces === null ? 'every non-loopback interface' : wanted.interfaces.join(', ');
    changes.push({
      op: 'create',
      table: 'instance',
      entry: {type: 'SIIT', interfaces: wanted.interfaces, hook: wanted.hook},
      text: `+ instance SIIT on ${where} (hook ${wanted.hook})`,
    });
  }
  const name = create ? (wanted.name ?? undefined) : namePlan('SIIT', current.name, wanted.name, changes);
  if (create && name) changes.push({op: 'update', table: 'instance', entry: {name}, text: `~ instance name: (none) -> ${name}`});
  const base = current?.global ?? defaults;
  const g = globalChanges(SIIT_ALL_GLOBAL_KEYS, base, wanted.global);
  changes.push(...g);
  const have = current?.eamt ?? [];
  const eamtRemove = have.filter((e) => !wanted.eamt.some((w) => sameEam(w, e)));
  const eamtAdd = wanted.eamt.filter((w) => !have.some((e) => sameEam(w, e)));
  for (const e of eamtRemove) changes.push({op: 'remove', table: 'eamt', entry: eamView(e), text: `- eamt ${eamText(e)}`});
  for (const e of eamtAdd) changes.push({op: 'add', table: 'eamt', entry: eamView(e), text: `+ eamt ${eamText(e)}`});
  const haveDeny = current?.denylist4 ?? [];
  const k4 = (p: Prefix4) => formatPrefix4(p);
  const denyRemove = haveDeny.filter((p) => !wanted.denylist4.some((w) => k4(w) === k4(p)));
  const denyAdd = wanted.denylist4.filter((w) => !haveDeny.some((p) => k4(w) === k4(p)));
  for (const p of denyRemove) changes.push({op: 'remove', table: 'denylist4', entry: {prefix: k4(p)}, text: `- denylist4 ${k4(p)}`});
  for (const p of denyAdd) changes.push({op: 'add', table: 'denylist4', entry: {prefix: k4(p)}, text: `+ denylist4 ${k4(p)}`});
  const {attach, detach} = interfacePlan(current?.interfaces ?? null, wanted.interfaces, changes);
  return {create, name, global: g.length ? wanted.global : null, eamtAdd, eamtRemove, denyAdd, denyRemove, attach, detach, changes};
}

function bibText(b: StaticBib): string {
  return `${b.proto.toUpperCase()} ${formatIPv6(b.t6.addr)}#${b.t6.port} ${formatIPv4(b.t4.addr)}#${b.t4.port}`;
}

export function bibEntryView(b: StaticBib): {protocol: string; 'ipv6 address': string; 'ipv4 address': string} {
  return {protocol: b.proto.toUpperCase(), 'ipv6 address': `${formatIPv6(b.t6.addr)}#${b.t6.port}`, 'ipv4 address': `${formatIPv4(b.t4.addr)}#${b.t4.port}`};
}

const sameBib = (a: StaticBib, b: StaticBib): boolean => bibText(a) === bibText(b);

const poolText = (i: Pool4Item) => `${i.proto.toUpperCase()} ${formatItemPrefix(i)} ${i.ports.join('-')}${i.mark ? ` mark ${i.mark}` : ''}`;

/** What it takes to bring a NAT64 instance (null: none yet) to the file's state. */
export function planNat64(current: Nat64Current | null, wanted: Nat64State, defaults: Nat64Globals): Nat64Plan {
  const changes: Change[] = [];
  const create = current === null;
  if (create) {
    const where = wanted.interfaces === null ? 'every non-loopback interface' : wanted.interfaces.join(', ');
    changes.push({
      op: 'create',
      table: 'instance',
      entry: {type: 'NAT64', interfaces: wanted.interfaces, hook: wanted.hook, capacity: wanted.capacity ?? 65536},
      text: `+ instance NAT64 on ${where} (hook ${wanted.hook}, capacity ${wanted.capacity ?? 65536})`,
    });
  } else if (wanted.capacity !== null && wanted.capacity !== current.capacity) {
    throw new InputError(`/capacity: the running instance's tables hold ${current.capacity} entries and cannot be resized: remove the instance to change it`);
  }
  const name = create ? (wanted.name ?? undefined) : namePlan('NAT64', current.name, wanted.name, changes);
  if (create && name) changes.push({op: 'update', table: 'instance', entry: {name}, text: `~ instance name: (none) -> ${name}`});
  const g = globalChanges(NAT64_GLOBAL_KEYS, current?.global ?? defaults, wanted.global);
  changes.push(...g);
  const havePool = current?.pool4 ?? [];
  const gone = pool4Combine(havePool, wanted.pool4);
  const fresh = pool4Combine(wanted.pool4, havePool);
  const poolChanged = gone.length > 0 || fresh.length > 0 || havePool.map(poolKey).join() !== wanted.pool4.map(poolKey).join();
  for (const i of gone) changes.push({op: 'remove', table: 'pool4', entry: pool4View(i), text: `- pool4 ${poolText(i)}`});
  for (const i of fresh) changes.push({op: 'add', table: 'pool4', entry: pool4View(i), text: `+ pool4 ${poolText(i)}`});
  // max-iterations per (protocol, mark) set: a set new to pool4 starts at auto.
  let itersChanged = false;
  for (const [k, to] of Object.entries(wanted.iterations)) {
    const from = current?.iterations[k] ?? 'auto';
    if (from === to) continue;
    itersChanged = true;
    const [proto, mark] = k.split('/');
    const protocol = proto.toUpperCase();
    changes.push({
      op: 'update',
      table: 'pool4',
      entry: {protocol, mark: Number(mark), 'max-iterations': {from, to}},
      text: `~ pool4 ${protocol} mark ${mark} max-iterations: ${from} -> ${to}`,
    });
  }
  const haveDet = current?.deterministic ?? [];
  const detRemoved = haveDet.filter((h) => !wanted.deterministic.some((w) => sameDet(w, h)));
  const detAdd = wanted.deterministic.filter((w) => !haveDet.some((h) => sameDet(w, h)));
  for (const e of detRemoved) changes.push({op: 'remove', table: 'pool4', entry: detFileEntry(e), text: `- pool4 ${detText(e)}`});
  for (const e of detAdd) changes.push({op: 'add', table: 'pool4', entry: detFileEntry(e), text: `+ pool4 ${detText(e)}`});
  // Entries that stay keep their number and time: the running ones, then the new ones.
  const detAfter = [...haveDet.filter((h) => !detRemoved.includes(h)), ...detAdd];
  const haveBib = current?.bib ?? [];
  const bibRemove = haveBib.filter((b) => !wanted.bib.some((w) => sameBib(w, b)));
  const bibAdd = wanted.bib.filter((w) => !haveBib.some((b) => sameBib(w, b)));
  for (const b of bibRemove) changes.push({op: 'remove', table: 'bib', entry: bibEntryView(b), text: `- bib ${bibText(b)}`});
  for (const b of bibAdd) changes.push({op: 'add', table: 'bib', entry: bibEntryView(b), text: `+ bib ${bibText(b)}`});
  const {attach, detach} = interfacePlan(current?.interfaces ?? null, wanted.interfaces, changes);
  return {
    create,
    name,
    global: g.length ? wanted.global : null,
    pool4: poolChanged || itersChanged ? wanted.pool4 : null,
    pool4Removed: gone,
    iterations: itersChanged ? wanted.iterations : null,
    bibAdd,
    bibRemove,
    deterministic: detAdd.length || detRemoved.length ? detAfter : null,
    detRemoved,
    attach,
    detach,
    changes,
  };
}
