/**
 * What a configuration file says an instance is, as typed values: parsed
 * from a document the schema accepted (src/config/validate.ts), with the same
 * parsers the commands use, so a value means the same on the command line and
 * in a file. Every error is collected with its JSON pointer; keys that have
 * no meaning here are collected as notes. Pure logic.
 */
import type {HookRequest} from '../instance/attach.js';
import {InputError} from '../errors.js';
import {NAT64_DEFAULTS, NAT64_GLOBAL_KEYS, parseNat64GlobalUpdate, type Nat64Globals} from '../model/nat64-globals.js';
import {
  DEFAULT_POOL4_PORTS,
  parseMark,
  parseMaxIterations,
  parsePool4Prefix,
  parsePortRange,
  parseTransportAddress,
  pool4SetKey,
  PROTO_NUMBER,
  type MaxIterations,
  type Nat64Proto,
  type TransportAddress,
} from '../model/nat64-pool4.js';
import {validateIfnames} from '../model/names.js';
import {formatPrefix4, parsePrefix4, type Prefix4} from '../model/ipv4.js';
import {formatPrefix6} from '../model/ipv6.js';
import {canonicalPool4, ipv4Number, type Pool4Item} from '../model/pool4-set.js';
import {detClash, parseDetEntry, sortDet, type DetEntry} from '../model/rfc7422.js';
import {parseSiitGlobalChange, SIIT_ALL_GLOBAL_KEYS, type SiitGlobalsView} from '../model/siit-config.js';
import {checkEamAdd, compareEam, parseEamEntry, type EamEntry} from '../model/siit-eamt.js';
import {scalarText} from './scalar.js';

/** A static BIB entry. */
export interface StaticBib {
  proto: Nat64Proto;
  t6: TransportAddress;
  t4: TransportAddress;
}

export interface SiitState {
  /** The Jool-style name; undefined: the file does not say (the recorded one stays). */
  name: string | null | undefined;
  global: SiitGlobalsView;
  eamt: EamEntry[];
  denylist4: Prefix4[];
  /** null: the file does not manage interfaces (all non-loopback ones when creating). */
  interfaces: string[] | null;
  hook: HookRequest;
}

export interface Nat64State {
  name: string | null | undefined;
  global: Nat64Globals;
  pool4: Pool4Item[];
  /** max-iterations of each (protocol, mark) set of pool4, keyed by pool4SetKey: what the file says, or auto. */
  iterations: Record<string, MaxIterations>;
  bib: StaticBib[];
  /** Deterministic (RFC 7422) entries, ordered by IPv6 range. */
  deterministic: DetEntry[];
  interfaces: string[] | null;
  hook: 'auto' | 'xdp' | 'tc';
  /** null: the file does not say (65536 when creating, unchanged later). */
  capacity: number | null;
}

export interface Parsed<T> {
  state: T;
  /** Keys accepted and ignored, and why. */
  notes: string[];
  /** "/path: message" lines; the state is meaningless when there is one. */
  errors: string[];
}

/** SIIT globals when the file leaves them out: Jool resets omitted globals to their defaults. */
export const SIIT_GLOBAL_DEFAULTS: SiitGlobalsView = {
  'manually-enabled': true,
  pool6: null,
  'lowest-ipv6-mtu': 1280,
  'zeroize-traffic-class': false,
  'override-tos': false,
  tos: 0,
  'mtu-plateaus': [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68],
  'amend-udp-checksum-zero': false,
  'eam-hairpin-mode': 'intrinsic',
  'randomize-rfc6791-addresses': true,
  'rfc6791v6-prefix': null,
  'rfc6791v4-prefix': null,
};

export const NAT64_GLOBAL_DEFAULTS: Nat64Globals = {pool6: null, ...NAT64_DEFAULTS};

type Doc = Record<string, unknown>;

/** Jool keys with no meaning for xlat: accepted, reported as notes. */
const IGNORED_GLOBALS: Record<string, string> = {
  'logging-debug': 'xlat keeps counters (stats display), not kernel logs',
  'logging-bib': 'see the bib-created counter',
  'logging-session': 'see the session-created counter',
  'ss-enabled': 'session synchronization is not implemented',
  'ss-flush-asap': 'session synchronization is not implemented',
  'ss-flush-deadline': 'session synchronization is not implemented',
  'ss-capacity': 'session synchronization is not implemented',
  'ss-max-payload': 'session synchronization is not implemented',
  'ss-max-sessions-per-packet': 'session synchronization is not implemented',
  'mtu-plateaus': "this NAT64 reports the next hop's MTU in Fragmentation Needed",
};

/** The text the CLI would take for a JSON value ("true", "300", "65535,1500", "null"). */
function asText(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.map(String).join(',');
  return scalarText(v);
}

class Collector {
  readonly errors: string[] = [];
  readonly notes: string[] = [];
  /** Runs fn; an InputError becomes "path: message". */
  at<T>(path: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InputError) {
        this.errors.push(`${path}: ${err.message}`);
        return undefined;
      }
      throw err;
    }
  }
}

function common(doc: Doc, c: Collector): {name: string | null | undefined; interfaces: string[] | null} {
  if (doc.framework !== undefined) c.notes.push(`/framework: ignored (xlat attaches with XDP or tc: see "hook")`);
  const name = typeof doc.instance === 'string' ? doc.instance : undefined;
  let interfaces: string[] | null = null;
  if (Array.isArray(doc.interfaces)) interfaces = c.at('/interfaces', () => validateIfnames(doc.interfaces as string[])) ?? null;
  return {name, interfaces};
}

/** The entries that do not collide with earlier ones (each entry's origin names it in the message). */
function fixedEntries(c: Collector, entries: {path: string; e: EamEntry}[], force: boolean): EamEntry[] {
  const kept: EamEntry[] = [];
  for (const {e} of entries) {
    try {
      // All of them are new: a collision is bad input (exit 2), not an existing entry.
      checkEamAdd([], [...kept, e], force);
      kept.push(e);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      c.errors.push(err.message);
    }
  }
  return kept;
}

/** The SIIT instance a (schema-valid, key-lowered) document describes. `force`: accept overlapping EAMT entries. */
export function parseSiitDocument(doc: Doc, force = false): Parsed<SiitState> {
  const c = new Collector();
  const {name, interfaces} = common(doc, c);
  const global: SiitGlobalsView = {...SIIT_GLOBAL_DEFAULTS, 'mtu-plateaus': [...SIIT_GLOBAL_DEFAULTS['mtu-plateaus']]};
  const g = (doc.global ?? {}) as Doc;
  for (const [key, value] of Object.entries(g)) {
    if (key === 'comment') continue;
    if (key in IGNORED_GLOBALS && !(SIIT_ALL_GLOBAL_KEYS as readonly string[]).includes(key)) {
      c.notes.push(`/global/${key}: ignored (${IGNORED_GLOBALS[key]})`);
      continue;
    }
    const change = c.at(`/global/${key}`, () => parseSiitGlobalChange(key, asText(value)));
    if (!change) continue;
    // The view form of the value, as display shows it.
    const v = change.value;
    (global as unknown as Record<string, unknown>)[key] =
      v !== null && typeof v === 'object' && 'addr' in v ? (v.addr.length === 4 ? formatPrefix4(v) : formatPrefix6(v)) : v;
  }
  const eams: {path: string; e: EamEntry}[] = [];
  ((doc.eamt ?? []) as Doc[]).forEach((x, i) => {
    const e = c.at(`/eamt/${i}`, () => parseEamEntry(String(x['ipv6 prefix']), String(x['ipv4 prefix'])));
    if (e) eams.push({path: `/eamt/${i}`, e: {...e, origin: `/eamt/${i}`}});
  });
  const eamt = fixedEntries(c, eams, force).sort(compareEam);
  const deny: Prefix4[] = [];
  const seen = new Map<string, string>();
  for (const key of ['denylist4', 'blacklist4']) {
    ((doc[key] ?? []) as string[]).forEach((text, i) => {
      const path = `/${key}/${i}`;
      const p = c.at(path, () => parsePrefix4(text, {allowBare: true}));
      if (!p) return;
      const k = formatPrefix4(p);
      const dup = seen.get(k);
      if (dup) c.errors.push(`${path}: ${k} is already listed (${dup})`);
      else {
        seen.set(k, path);
        deny.push(p);
      }
    });
  }
  deny.sort((a, b) => Buffer.compare(Buffer.from(a.addr), Buffer.from(b.addr)) || a.len - b.len);
  const hook = (doc.hook as HookRequest | undefined) ?? 'auto';
  return {state: {name, global, eamt, denylist4: deny, interfaces, hook}, notes: c.notes, errors: c.errors};
}

/** The NAT64 instance a (schema-valid, key-lowered) document describes. `force`: accept pool4 prefixes shorter than /24. */
export function parseNat64Document(doc: Doc, force = false): Parsed<Nat64State> {
  const c = new Collector();
  const {name, interfaces} = common(doc, c);
  const global: Nat64Globals = {...NAT64_GLOBAL_DEFAULTS};
  const g = (doc.global ?? {}) as Doc;
  for (const [key, value] of Object.entries(g)) {
    if (key === 'comment') continue;
    if (key in IGNORED_GLOBALS && !(NAT64_GLOBAL_KEYS as readonly string[]).includes(key)) {
      c.notes.push(`/global/${key}: ignored (${IGNORED_GLOBALS[key]})`);
      continue;
    }
    const u = c.at(`/global/${key}`, () => parseNat64GlobalUpdate(key, asText(value)));
    if (!u) continue;
    if (u.key === 'pool6') global.pool6 = u.value === null ? null : formatPrefix6(u.value);
    else (global as unknown as Record<string, unknown>)[u.key] = u.value;
  }
  const items: Pool4Item[] = [];
  const iterations: Record<string, MaxIterations> = {};
  const iterationsSaidAt: Record<string, string> = {};
  ((doc.pool4 ?? []) as Doc[]).forEach((x, i) => {
    const path = `/pool4/${i}`;
    const proto = String(x.protocol).toLowerCase() as Nat64Proto;
    const p = c.at(`${path}/prefix`, () => parsePool4Prefix(String(x.prefix), force));
    const ports = x['port range'] === undefined ? DEFAULT_POOL4_PORTS : c.at(`${path}/port range`, () => parsePortRange(String(x['port range'])));
    const mark = c.at(`${path}/mark`, () => parseMark(x.mark === undefined ? undefined : scalarText(x.mark)));
    const iter = x['max-iterations'] === undefined ? undefined : c.at(`${path}/max-iterations`, () => parseMaxIterations(String(x['max-iterations'])));
    if (p && ports && mark !== undefined) {
      items.push({proto, mark, addr: ipv4Number(p.addr), len: p.len, ports: [ports[0], ports[1]]});
      // max-iterations belongs to the (protocol, mark) set, as in Jool: the entries of a set must not disagree.
      const k = pool4SetKey(proto, mark);
      if (iter !== undefined) {
        if (iterationsSaidAt[k] !== undefined && iterations[k] !== iter) {
          c.errors.push(`${path}/max-iterations: ${iter} contradicts ${iterations[k]} at ${iterationsSaidAt[k]} (one value per protocol and mark)`);
        } else {
          iterations[k] = iter;
          iterationsSaidAt[k] = `${path}/max-iterations`;
        }
      }
      iterations[k] ??= 'auto';
    }
  });
  const deterministic: DetEntry[] = [];
  const since = Math.floor(Date.now() / 1000);
  ((doc['pool4 deterministic'] ?? []) as Doc[]).forEach((x, i) => {
    const path = `/pool4 deterministic/${i}`;
    const e = c.at(path, () =>
      parseDetEntry({
        range6: String(x['ipv6 range']),
        subLen: Number(x['subscriber length']),
        prefix4: String(x.prefix),
        ports: x['port range'] === undefined ? undefined : scalarText(x['port range']),
        blockSize: Number(x['block size']),
        since,
        dynamic: x.dynamic === true,
      }),
    );
    if (!e) return;
    const clash = detClash(e, deterministic, canonicalPool4(items));
    if (clash) c.errors.push(`${path}: ${clash}`);
    else deterministic.push(e);
  });
  const bib: StaticBib[] = [];
  const seen4 = new Map<string, string>();
  const seen6 = new Map<string, string>();
  ((doc.bib ?? []) as Doc[]).forEach((x, i) => {
    const path = `/bib/${i}`;
    const proto = String(x.protocol).toLowerCase() as Nat64Proto;
    const t6 = c.at(`${path}/ipv6 address`, () => parseTransportAddress(String(x['ipv6 address']), 6));
    const t4 = c.at(`${path}/ipv4 address`, () => parseTransportAddress(String(x['ipv4 address']), 4));
    if (!t6 || !t4) return;
    const k4 = `${proto} ${String(x['ipv4 address'])}`;
    const k6 = `${proto} ${Buffer.from(t6.addr).toString('hex')}#${t6.port}`;
    const d4 = seen4.get(k4);
    const d6 = seen6.get(k6);
    if (d4) c.errors.push(`${path}: the ${proto.toUpperCase()} IPv4 side ${String(x['ipv4 address'])} is already mapped by ${d4}`);
    else if (d6) c.errors.push(`${path}: the ${proto.toUpperCase()} IPv6 side ${String(x['ipv6 address'])} is already mapped by ${d6}`);
    else {
      seen4.set(k4, path);
      seen6.set(k6, path);
      bib.push({proto, t6, t4});
    }
  });
  bib.sort((a, b) => PROTO_NUMBER[a.proto] - PROTO_NUMBER[b.proto] || Buffer.compare(Buffer.from(a.t4.addr), Buffer.from(b.t4.addr)) || a.t4.port - b.t4.port);
  const hook = (doc.hook as 'auto' | 'xdp' | 'tc' | undefined) ?? 'auto';
  const capacity = typeof doc.capacity === 'number' ? doc.capacity : null;
  return {
    state: {name, global, pool4: canonicalPool4(items), iterations, bib, deterministic: sortDet(deterministic), interfaces, hook, capacity},
    notes: c.notes,
    errors: c.errors,
  };
}
