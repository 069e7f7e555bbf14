/**
 * Every SIIT global of `xlat siit global display|update`: keys in display
 * order, value parsing and validation, text and JSON forms. Pure logic.
 *
 * The values travel as a SiitGlobalsView (JSON shape: prefixes as text or
 * null); the instance layer converts it to and from struct siit_config.
 */
import {InputError} from '../errors.js';
import {formatPrefix4, parsePrefix4, type Prefix4} from './ipv4.js';
import {formatPrefix6, parseIPv6, parsePrefix6, type Prefix6} from './ipv6.js';
import {parsePool6OrNull} from './pool6.js';
import {isUnsetWord, parseBool} from './values.js';

export {parseBool};

const HAIRPIN_MODES = ['off', 'simple', 'intrinsic'] as const;
export type HairpinMode = (typeof HAIRPIN_MODES)[number];

/** Keys in Jool's display order. */
export const SIIT_ALL_GLOBAL_KEYS = [
  'manually-enabled',
  'pool6',
  'lowest-ipv6-mtu',
  'zeroize-traffic-class',
  'override-tos',
  'tos',
  'mtu-plateaus',
  'amend-udp-checksum-zero',
  'eam-hairpin-mode',
  'randomize-rfc6791-addresses',
  'rfc6791v6-prefix',
  'rfc6791v4-prefix',
] as const;
export type SiitAllGlobalKey = (typeof SIIT_ALL_GLOBAL_KEYS)[number];

/** `global display --json`: every key; unset prefixes are null. */
export interface SiitGlobalsView {
  'manually-enabled': boolean;
  pool6: string | null;
  'lowest-ipv6-mtu': number;
  'zeroize-traffic-class': boolean;
  'override-tos': boolean;
  tos: number;
  'mtu-plateaus': number[];
  'amend-udp-checksum-zero': boolean;
  'eam-hairpin-mode': HairpinMode;
  'randomize-rfc6791-addresses': boolean;
  'rfc6791v6-prefix': string | null;
  'rfc6791v4-prefix': string | null;
}

const MTU_PLATEAUS_MAX = 16;
const MTU_MIN = 68;
const IPV6_MIN_MTU = 1280;

export type SiitGlobalChange =
  | {key: 'manually-enabled' | 'zeroize-traffic-class' | 'override-tos' | 'amend-udp-checksum-zero' | 'randomize-rfc6791-addresses'; value: boolean}
  | {key: 'tos' | 'lowest-ipv6-mtu'; value: number}
  | {key: 'mtu-plateaus'; value: number[]}
  | {key: 'eam-hairpin-mode'; value: HairpinMode}
  | {key: 'pool6'; value: Prefix6 | null}
  | {key: 'rfc6791v6-prefix'; value: Prefix6 | null}
  | {key: 'rfc6791v4-prefix'; value: Prefix4 | null};

const BOOLEAN_KEYS = ['manually-enabled', 'zeroize-traffic-class', 'override-tos', 'amend-udp-checksum-zero', 'randomize-rfc6791-addresses'] as const;

const isOneOf = <T extends string>(list: readonly T[], k: string): k is T => (list as readonly string[]).includes(k);

function parseUint(key: string, text: string, min: number, max: number): number {
  const bad = () => new InputError(`'${text}' is not a valid value for ${key}: expected an integer from ${min} to ${max}`);
  if (!/^(0|[1-9][0-9]{0,5})$/.test(text)) throw bad();
  const n = Number(text);
  if (n < min || n > max) throw bad();
  return n;
}

/** Comma-separated MTUs (68-65535), returned sorted descending without duplicates (at most 16). */
export function parseMtuPlateaus(text: string): number[] {
  const key = 'mtu-plateaus';
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) {
    throw new InputError(`'${text}' is not a valid value for ${key}: expected MTUs separated by commas, e.g. 1500,1280`);
  }
  const values = parts.map((p) => {
    if (!/^[0-9]{1,6}$/.test(p) || Number(p) < MTU_MIN || Number(p) > 65535) {
      throw new InputError(`'${p}' is not a valid value in ${key}: every MTU must be an integer from ${MTU_MIN} to 65535`);
    }
    return Number(p);
  });
  const unique = [...new Set(values)].sort((a, b) => b - a);
  if (unique.length > MTU_PLATEAUS_MAX) {
    throw new InputError(`${key} holds at most ${MTU_PLATEAUS_MAX} different values, not ${unique.length}`);
  }
  return unique;
}

function parseHairpin(text: string): HairpinMode {
  const byNumber: Record<string, HairpinMode> = {'0': 'off', '1': 'simple', '2': 'intrinsic'};
  if (isOneOf(HAIRPIN_MODES, text)) return text;
  if (text in byNumber) return byNumber[text];
  throw new InputError(`'${text}' is not a valid value for eam-hairpin-mode: expected off, simple or intrinsic`);
}

/** An IPv4 prefix (a bare address is a /32) or null; length 1-32. */
function parseRfc6791v4(text: string): Prefix4 | null {
  if (isUnsetWord(text)) return null;
  const p = parsePrefix4(text, {allowBare: true});
  if (p.len === 0) throw new InputError(`'${text}' is not a valid value for rfc6791v4-prefix: a /0 prefix cannot be stored (length 1-32)`);
  return p;
}

/** An IPv6 prefix (a bare address is a /128) or null; length 1-128. */
function parseRfc6791v6(text: string): Prefix6 | null {
  if (isUnsetWord(text)) return null;
  const p = text.includes('/') ? parsePrefix6(text) : {addr: parseIPv6(text), len: 128};
  if (p.len === 0) throw new InputError(`'${text}' is not a valid value for rfc6791v6-prefix: a /0 prefix cannot be stored (length 1-128)`);
  return p;
}

/** Validates KEY and VALUE of `global update`; throws InputError naming the bad one. */
export function parseSiitGlobalChange(key: string, value: string): SiitGlobalChange {
  if (isOneOf(BOOLEAN_KEYS, key)) return {key, value: parseBool(key, value)};
  switch (key) {
    case 'pool6':
      return {key, value: parsePool6OrNull(value)};
    case 'tos':
      return {key, value: parseUint(key, value, 0, 255)};
    case 'lowest-ipv6-mtu':
      return {key, value: parseUint(key, value, IPV6_MIN_MTU, 65535)};
    case 'mtu-plateaus':
      return {key, value: parseMtuPlateaus(value)};
    case 'eam-hairpin-mode':
      return {key, value: parseHairpin(value)};
    case 'rfc6791v4-prefix':
      return {key, value: parseRfc6791v4(value)};
    case 'rfc6791v6-prefix':
      return {key, value: parseRfc6791v6(value)};
  }
  throw new InputError(`'${key}' is not a SIIT global key: expected one of ${SIIT_ALL_GLOBAL_KEYS.join(', ')}`);
}

/** The JSON value of a change, as `global display --json` would show it. */
export function changeView(c: SiitGlobalChange): boolean | number | number[] | string | null {
  switch (c.key) {
    case 'pool6':
    case 'rfc6791v6-prefix':
      return c.value === null ? null : formatPrefix6(c.value);
    case 'rfc6791v4-prefix':
      return c.value === null ? null : formatPrefix4(c.value);
    default:
      return c.value;
  }
}

/**
 * `  key: value` pairs in display order (Jool's text: unset prefixes as
 * (unset), plateaus comma-separated); with csv, machine values (unset is empty).
 */
export function globalsPairs(g: SiitGlobalsView, csv = false): [string, string][] {
  return SIIT_ALL_GLOBAL_KEYS.map((k) => {
    const v = g[k];
    if (v === null) return [k, csv ? '' : '(unset)'];
    if (Array.isArray(v)) return [k, v.join(',')];
    return [k, String(v)];
  });
}
