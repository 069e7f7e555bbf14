/**
 * Arguments of `nat64 pool4` and `nat64 bib`: protocols, port ranges, IPv4
 * prefixes and transport addresses (ADDR#PORT). Pure logic.
 */
import {InputError} from '../errors.js';
import {parseIPv4, parsePrefix4, type Prefix4} from './ipv4.js';
import {parseIPv6} from './ipv6.js';

export type Nat64Proto = 'tcp' | 'udp' | 'icmp';
export const PROTO_NUMBER: Record<Nat64Proto, number> = {tcp: 6, udp: 17, icmp: 1};
export const PROTO_NAME: Record<number, Nat64Proto> = {6: 'tcp', 17: 'udp', 1: 'icmp'};

/** pool4 prefixes shorter than this need --force (each address is a whole port range). */
const POOL4_MIN_PREFIX = 24;
/**
 * Ports the empty pool4 uses on the namespace's own addresses, and what
 * `pool4 add` takes when no range is given (Jool's default too): above
 * Linux's ephemeral range (32768-60999), below nothing a server usually binds.
 */
export const DEFAULT_POOL4_PORTS: [number, number] = [61001, 65535];
/** What `pool4 remove` covers when no range is given. */
export const ALL_PORTS: [number, number] = [0, 65535];

/** The protocol flags of a command (--tcp, --udp, --icmp): at most one; `fallback` when none. */
export function protoFromFlags(flags: {tcp?: boolean; udp?: boolean; icmp?: boolean}, fallback: Nat64Proto | null): Nat64Proto[] {
  const set = (['tcp', 'udp', 'icmp'] as const).filter((p) => flags[p]);
  if (set.length > 1) throw new InputError(`give at most one of --tcp, --udp and --icmp (got ${set.map((p) => `--${p}`).join(', ')})`);
  if (set.length === 1) return set;
  if (fallback === null) return ['tcp', 'udp', 'icmp'];
  return [fallback];
}

/** "N" or "N-M" (0-65535, N <= M). */
export function parsePortRange(text: string): [number, number] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  const fail = (why: string): never => {
    throw new InputError(`'${text}' is not a valid port range: ${why}`);
  };
  if (!m) return fail('expected PORT or FIRST-LAST, e.g. 61001-65535');
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a > 65535 || b > 65535) fail('ports go from 0 to 65535');
  if (a > b) fail(`${a} is greater than ${b}`);
  return [a, b];
}

export function parsePool4Prefix(text: string, force: boolean): Prefix4 {
  const p = parsePrefix4(text, {allowBare: true});
  if (p.len < POOL4_MIN_PREFIX && !force) {
    throw new InputError(`pool4 prefix '${text}' is shorter than /${POOL4_MIN_PREFIX} (${2 ** (32 - p.len)} addresses): add --force if you mean it`);
  }
  return p;
}

/**
 * Jool's max-iterations of a pool4 (protocol, mark) set: how many transport addresses one allocation may try.
 * 'auto' tries every one up to 8192; 'infinity' every one up to 65536 (the data plane's bound); or a count (Jool's
 * range, 1 to 4294967295: a count above 65536 acts as 65536).
 */
export type MaxIterations = 'auto' | 'infinity' | number;
const ITER_INFINITY = 0xffffffff;
const MAX_ITERATIONS_LIMIT = 0xffffffff;

/** The key of a pool4 (protocol, mark) set, which max-iterations belongs to. */
export const pool4SetKey = (proto: Nat64Proto, mark: number): string => `${proto}/${mark}`;

export function parseMaxIterations(text: string): MaxIterations {
  const t = text.trim().toLowerCase();
  if (t === 'auto' || t === 'infinity') return t;
  if (!/^\d{1,10}$/.test(t) || Number(t) < 1 || Number(t) > MAX_ITERATIONS_LIMIT) {
    throw new InputError(`'${text}' is not a valid max-iterations: expected auto, infinity or 1 to ${MAX_ITERATIONS_LIMIT}`);
  }
  return Number(t);
}

/** The value struct nat64_pool4_range.max_iter keeps (0 auto). */
export function maxIterCode(m: MaxIterations): number {
  return m === 'auto' ? 0 : m === 'infinity' ? ITER_INFINITY : m;
}

export function maxIterationsOf(code: number): MaxIterations {
  return code === 0 ? 'auto' : code >= ITER_INFINITY ? 'infinity' : code;
}

export function parseMark(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) throw new InputError(`'${text}' is not a valid mark: expected 0 to 4294967295`);
  return Number(text);
}

export interface TransportAddress {
  addr: Uint8Array;
  port: number;
}

/** A BIB entry's two sides, given in either order (Jool documents the IPv4 side first for some commands). */
export function parseTransportPair(a: string, b: string): {t6: TransportAddress; t4: TransportAddress} {
  const v6 = (t: string) => t.slice(0, t.lastIndexOf('#') < 0 ? t.length : t.lastIndexOf('#')).includes(':');
  if (v6(a) === v6(b)) {
    throw new InputError(`a BIB entry needs one IPv6 and one IPv4 transport address (in either order), not two IPv${v6(a) ? 6 : 4} ones ('${a}', '${b}')`);
  }
  const [s6, s4] = v6(a) ? [a, b] : [b, a];
  return {t6: parseTransportAddress(s6, 6), t4: parseTransportAddress(s4, 4)};
}

/** "192.0.2.1#80" or "2001:db8::1#80". */
export function parseTransportAddress(text: string, family: 4 | 6): TransportAddress {
  const hash = text.lastIndexOf('#');
  if (hash < 0) throw new InputError(`'${text}' is not a transport address: expected ADDRESS#PORT, e.g. ${family === 4 ? '192.0.2.1#80' : '2001:db8::1#80'}`);
  const addrText = text.slice(0, hash);
  const portText = text.slice(hash + 1);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new InputError(`'${text}' is not a transport address: '${portText}' is not a port (0-65535)`);
  }
  const addr = family === 4 ? parseIPv4(addrText) : parseIPv6(addrText);
  return {addr, port: Number(portText)};
}
