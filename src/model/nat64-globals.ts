/**
 * The NAT64 global keys `xlat nat64 global update KEY VALUE` accepts: their
 * defaults, minimums and text forms. Pure logic.
 */
import {InputError} from '../errors.js';
import {formatDuration, parseBool, parseDuration} from './values.js';
import {parsePool6OrNull} from './pool6.js';
import type {Prefix6} from './ipv6.js';

const NAT64_BOOLEAN_KEYS = [
  'manually-enabled',
  'address-dependent-filtering',
  'drop-externally-initiated-tcp',
  'drop-icmpv6-info',
  'source-icmpv6-errors-better',
  'handle-rst-during-fin-rcv',
  'cluster-steering',
  'zeroize-traffic-class',
  'override-tos',
] as const;
export const NAT64_TIMEOUT_KEYS = ['udp-timeout', 'tcp-est-timeout', 'tcp-trans-timeout', 'icmp-timeout'] as const;
const NAT64_NUMBER_KEYS = ['tos', 'lowest-ipv6-mtu', 'f-args', 'maximum-simultaneous-opens'] as const;
export const NAT64_GLOBAL_KEYS = ['pool6', ...NAT64_BOOLEAN_KEYS, ...NAT64_TIMEOUT_KEYS, ...NAT64_NUMBER_KEYS] as const;

export type Nat64BooleanKey = (typeof NAT64_BOOLEAN_KEYS)[number];
export type Nat64TimeoutKey = (typeof NAT64_TIMEOUT_KEYS)[number];
export type Nat64NumberKey = (typeof NAT64_NUMBER_KEYS)[number];
export type Nat64GlobalKey = (typeof NAT64_GLOBAL_KEYS)[number];

/** Every global by key; timeouts in seconds, pool6 as text. */
export interface Nat64Globals {
  /** null: no pool6 yet (an instance made Jool 3's way); nothing is translated. */
  pool6: string | null;
  'manually-enabled': boolean;
  'address-dependent-filtering': boolean;
  'drop-externally-initiated-tcp': boolean;
  'drop-icmpv6-info': boolean;
  'source-icmpv6-errors-better': boolean;
  'handle-rst-during-fin-rcv': boolean;
  /** Several nodes behind ECMP: another node's subscribers are sent to it; TCP connections are picked up. */
  'cluster-steering': boolean;
  'zeroize-traffic-class': boolean;
  'override-tos': boolean;
  tos: number;
  'lowest-ipv6-mtu': number;
  'f-args': number;
  'maximum-simultaneous-opens': number;
  'udp-timeout': number;
  'tcp-est-timeout': number;
  'tcp-trans-timeout': number;
  'icmp-timeout': number;
}

export const NAT64_DEFAULTS: Omit<Nat64Globals, 'pool6'> = {
  'manually-enabled': true,
  'address-dependent-filtering': false,
  'drop-externally-initiated-tcp': false,
  'drop-icmpv6-info': false,
  'source-icmpv6-errors-better': true,
  'handle-rst-during-fin-rcv': false,
  'cluster-steering': false,
  'zeroize-traffic-class': false,
  'override-tos': false,
  tos: 0,
  'lowest-ipv6-mtu': 1280,
  'f-args': 0b1011,
  'maximum-simultaneous-opens': 10,
  'udp-timeout': 300,
  'tcp-est-timeout': 7200,
  'tcp-trans-timeout': 240,
  'icmp-timeout': 60,
};

/**
 * Smallest values that can work: RFC 6146 section 4 minimums, and one second
 * for ICMP (a session that expires at once cannot carry a reply).
 */
const NAT64_TIMEOUT_MIN: Record<Nat64TimeoutKey, number> = {
  'udp-timeout': 120,
  'tcp-est-timeout': 7200,
  'tcp-trans-timeout': 240,
  'icmp-timeout': 1,
};
/** Longest timeout accepted: 30 days. */
const NAT64_TIMEOUT_MAX = 30 * 24 * 3600;

const NAT64_NUMBER_RANGE: Record<Nat64NumberKey, [number, number]> = {
  tos: [0, 255],
  'lowest-ipv6-mtu': [1280, 65535],
  'f-args': [0, 15],
  // 0 would refuse every externally initiated SYN, simultaneous opens included.
  'maximum-simultaneous-opens': [1, 1_000_000],
};

export type Nat64GlobalUpdate =
  {key: 'pool6'; value: Prefix6 | null} | {key: Nat64BooleanKey; value: boolean} | {key: Nat64TimeoutKey | Nat64NumberKey; value: number};

const isOneOf = <T extends string>(list: readonly T[], k: string): k is T => (list as readonly string[]).includes(k);

export {formatDuration, parseDuration};

/** A timeout global: a duration within its minimum and the maximum. */
/** force: down to one second whatever the key (labs and tests; see belowRfcMinimum). */
function parseTimeout(key: Nat64TimeoutKey, value: string, force = false): number {
  const n = parseDuration(key, value);
  const min = force ? Math.min(1, NAT64_TIMEOUT_MIN[key]) : NAT64_TIMEOUT_MIN[key];
  if (n < min) {
    if (force) throw new InputError(`${key} ${value} is below one second`);
    const why = key === 'icmp-timeout' ? 'a session must outlive its reply' : 'RFC 6146 section 4; --force allows down to 1 second for tests';
    throw new InputError(`${key} ${value} is below its minimum of ${formatDuration(min)} (${min} second${min === 1 ? '' : 's'}, ${why})`);
  }
  if (n > NAT64_TIMEOUT_MAX) throw new InputError(`${key} ${value} is above its maximum of ${NAT64_TIMEOUT_MAX} seconds`);
  return n;
}

/** An integer global; f-args also as 0bXXXX, or as display prints it ("11 (0b1011)"). */
function parseNat64Number(key: Nat64NumberKey, text: string): number {
  const [min, max] = NAT64_NUMBER_RANGE[key];
  const bad = () => new InputError(`'${text}' is not a valid value for ${key}: expected an integer from ${min} to ${max}`);
  const t = text.trim();
  let n: number;
  const shown = /^(\d{1,2}) \(0b([01]{1,4})\)$/.exec(t);
  if (key === 'f-args' && shown) {
    n = Number(shown[1]);
    if (parseInt(shown[2], 2) !== n) throw bad();
  } else if (/^\d{1,9}$/.test(t)) n = Number(t);
  else if (key === 'f-args' && /^0b[01]{1,4}$/.test(t)) n = parseInt(t.slice(2), 2);
  else if (/^0x[0-9a-fA-F]{1,8}$/.test(t)) n = parseInt(t.slice(2), 16);
  else throw bad();
  if (n < min || n > max) throw bad();
  return n;
}

/**
 * Validates KEY and VALUE of `global update`; throws InputError naming the bad one. force: a timeout may go
 * below RFC 6146's minimum (down to one second), for labs and tests that cannot wait minutes.
 */
export function parseNat64GlobalUpdate(key: string, value: string, {force = false}: {force?: boolean} = {}): Nat64GlobalUpdate {
  if (key === 'pool6') return {key, value: parsePool6OrNull(value)};
  if (isOneOf(NAT64_BOOLEAN_KEYS, key)) return {key, value: parseBool(key, value)};
  if (isOneOf(NAT64_TIMEOUT_KEYS, key)) return {key, value: parseTimeout(key, value, force)};
  if (isOneOf(NAT64_NUMBER_KEYS, key)) return {key, value: parseNat64Number(key, value)};
  throw new InputError(`'${key}' is not a NAT64 global key: expected one of ${NAT64_GLOBAL_KEYS.join(', ')}`);
}

/** Is this timeout update below RFC 6146's minimum (accepted with --force only)? */
export function belowRfcMinimum(u: Nat64GlobalUpdate): boolean {
  return isOneOf(NAT64_TIMEOUT_KEYS, u.key) && (u.value as number) < NAT64_TIMEOUT_MIN[u.key];
}

/** Global keys in display order with their text values (csv: machine values, as --json has them). */
export function nat64GlobalPairs(g: Nat64Globals, csv = false): [string, string][] {
  return NAT64_GLOBAL_KEYS.map((k) => {
    const v = g[k];
    if (v === null) return [k, csv ? '' : '(unset)'];
    if (csv) return [k, String(v)];
    if (isOneOf(NAT64_TIMEOUT_KEYS, k)) return [k, formatDuration(v as number)];
    if (k === 'f-args') return [k, `${v} (0b${(v as number).toString(2).padStart(4, '0')})`];
    return [k, String(v)];
  });
}
