/**
 * TypeScript mirror of bpf/abi/common.h: what both translators' maps share (the common configuration, RFC 6052
 * prefixes, interface addresses, LPM keys) and the one counter code space. test/unit/layout-btf.test.mjs checks
 * every size, offset and enum value here against the BTF of the built objects.
 */

/** A prefix as the instance layer stores it (addr holds 4 or 16 bytes). */
export interface BufPrefix {
  addr: Buffer;
  len: number;
}

export const XLAT_MTU_PLATEAUS_MAX = 16;
/** Jool's default MTU plateaus (RFC 1191), descending. */
export const DEFAULT_MTU_PLATEAUS: readonly number[] = Object.freeze([65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68]);

/** struct rfc6052_prefix: a prefix with its mask and IPv4 octet positions precomputed. */
export const RFC6052_PREFIX = {
  size: 40,
  addr: {offset: 0, size: 16},
  mask: {offset: 16, size: 16},
  pos: {offset: 32, size: 4},
  len: {offset: 36, size: 1},
  _pad: {offset: 37, size: 3},
} as const;

/** RFC 6052 section 2.2: where the four IPv4 octets sit, by prefix length (byte 8, the u-octet, is skipped). */
const OCTET_POSITIONS: Readonly<Record<number, readonly number[]>> = {
  32: [4, 5, 6, 7],
  40: [5, 6, 7, 9],
  48: [6, 7, 9, 10],
  56: [7, 9, 10, 11],
  64: [9, 10, 11, 12],
  96: [12, 13, 14, 15],
};

/** Encodes a prefix (or null: unset) as struct rfc6052_prefix into b at offset. */
export function encodeRfc6052Prefix(p: BufPrefix | null, b: Buffer, offset: number): void {
  if (p === null) return;
  const pos = OCTET_POSITIONS[p.len];
  if (!pos) throw new Error(`internal: ${p.len} is not an RFC 6052 prefix length`);
  if (p.addr.length !== 16) throw new Error('internal: a prefix address must be 16 bytes');
  for (let i = 0; i < 16; i++) {
    const m = i * 8 < p.len ? 0xff : 0;
    b[offset + RFC6052_PREFIX.addr.offset + i] = p.addr[i] & m;
    b[offset + RFC6052_PREFIX.mask.offset + i] = m;
  }
  pos.forEach((v, i) => (b[offset + RFC6052_PREFIX.pos.offset + i] = v));
  b[offset + RFC6052_PREFIX.len.offset] = p.len;
}

export function decodeRfc6052Prefix(b: Buffer, offset: number): BufPrefix | null {
  const len = b[offset + RFC6052_PREFIX.len.offset];
  if (!len) return null;
  const o = offset + RFC6052_PREFIX.addr.offset;
  return {addr: Buffer.from(b.subarray(o, o + 16)), len};
}

/** struct xlat_common_config: the RFC 7915 settings of both translators. */
export const XLAT_COMMON_CONFIG = {
  size: 80,
  enabled: {offset: 0, size: 1},
  zeroize_tc: {offset: 1, size: 1},
  override_tos: {offset: 2, size: 1},
  tos: {offset: 3, size: 1},
  lowest_ipv6_mtu: {offset: 4, size: 2},
  _pad: {offset: 6, size: 2},
  pool6: {offset: 8, size: 40},
  mtu_plateaus: {offset: 48, size: 32},
} as const;

export interface CommonConfig {
  /** manually-enabled */
  enabled: boolean;
  /** null when unset (len 0). */
  pool6: BufPrefix | null;
  zeroizeTrafficClass: boolean;
  overrideTos: boolean;
  tos: number;
  lowestIpv6Mtu: number;
  /** Descending, unique, 1..16 values. */
  mtuPlateaus: number[];
}

export function encodeCommonConfig(c: CommonConfig, b: Buffer, at: number): void {
  const o = XLAT_COMMON_CONFIG;
  b[at + o.enabled.offset] = c.enabled ? 1 : 0;
  b[at + o.zeroize_tc.offset] = c.zeroizeTrafficClass ? 1 : 0;
  b[at + o.override_tos.offset] = c.overrideTos ? 1 : 0;
  b[at + o.tos.offset] = c.tos & 0xff;
  b.writeUInt16LE(c.lowestIpv6Mtu & 0xffff, at + o.lowest_ipv6_mtu.offset);
  encodeRfc6052Prefix(c.pool6, b, at + o.pool6.offset);
  if (c.mtuPlateaus.length > XLAT_MTU_PLATEAUS_MAX) throw new Error('internal: too many MTU plateaus');
  c.mtuPlateaus.forEach((v, i) => b.writeUInt16LE(v & 0xffff, at + o.mtu_plateaus.offset + 2 * i));
}

export function decodeCommonConfig(b: Buffer, at: number): CommonConfig {
  const o = XLAT_COMMON_CONFIG;
  const plateaus: number[] = [];
  for (let i = 0; i < XLAT_MTU_PLATEAUS_MAX; i++) {
    const v = b.readUInt16LE(at + o.mtu_plateaus.offset + 2 * i);
    if (v === 0) break;
    plateaus.push(v);
  }
  return {
    enabled: b[at + o.enabled.offset] !== 0,
    pool6: decodeRfc6052Prefix(b, at + o.pool6.offset),
    zeroizeTrafficClass: b[at + o.zeroize_tc.offset] !== 0,
    overrideTos: b[at + o.override_tos.offset] !== 0,
    tos: b[at + o.tos.offset],
    lowestIpv6Mtu: b.readUInt16LE(at + o.lowest_ipv6_mtu.offset),
    mtuPlateaus: plateaus,
  };
}

/** struct lpm6_key / lpm4_key: keys of the LPM tries. */
export const LPM6_KEY = {size: 20, prefixlen: {offset: 0, size: 4}, addr: {offset: 4, size: 16}} as const;
export const LPM4_KEY = {size: 8, prefixlen: {offset: 0, size: 4}, addr: {offset: 4, size: 4}} as const;

/** struct xlat_ifaddr: one interface's addresses (each translator's *_ifaddr map, by ifindex). */
export const XLAT_IFADDR = {
  size: 24,
  v6: {offset: 0, size: 16},
  v4: {offset: 16, size: 4},
  has_v4: {offset: 20, size: 1},
  has_v6: {offset: 21, size: 1},
  _pad: {offset: 22, size: 2},
} as const;

export type Translator = 'siit' | 'nat64';
const BOTH: readonly Translator[] = ['siit', 'nat64'];
const SIIT: readonly Translator[] = ['siit'];
const NAT64: readonly Translator[] = ['nat64'];

/**
 * enum xlat_counter, in order (value = index), with the translators that count each. Packets up to
 * XLAT_C__FIRST_EVENT, events after, then counters added later (each says which it is).
 */
const XLAT_COUNTER_LIST: readonly (readonly [string, readonly Translator[]])[] = [
  ['XLAT_C_XLAT_6TO4', BOTH],
  ['XLAT_C_XLAT_4TO6', BOTH],
  ['XLAT_C_XLAT_ICMP_ERROR_6TO4', BOTH],
  ['XLAT_C_XLAT_ICMP_ERROR_4TO6', BOTH],
  ['XLAT_C_XLAT_HAIRPIN', BOTH],
  ['XLAT_C_XLAT_FRAGMENT_6TO4', NAT64],
  ['XLAT_C_XLAT_FRAGMENT_4TO6', NAT64],
  ['XLAT_C_PASS_NOT_IP', BOTH],
  ['XLAT_C_PASS_DISABLED', BOTH],
  ['XLAT_C_PASS_NDP', BOTH],
  ['XLAT_C_PASS_DST6_UNTRANSLATABLE', SIIT],
  ['XLAT_C_PASS_SRC6_UNTRANSLATABLE', SIIT],
  ['XLAT_C_PASS_DST4_UNTRANSLATABLE', SIIT],
  ['XLAT_C_PASS_SRC4_UNTRANSLATABLE', SIIT],
  ['XLAT_C_PASS_DST4_LOCAL', SIIT],
  ['XLAT_C_PASS_DST4_SPECIAL', SIIT],
  ['XLAT_C_PASS_SRC4_SPECIAL', SIIT],
  ['XLAT_C_PASS_DST6_NOT_POOL6', NAT64],
  ['XLAT_C_PASS_DST4_NOT_POOL4', NAT64],
  ['XLAT_C_PASS_ICMP_TYPE', NAT64],
  ['XLAT_C_PASS_PROTO', NAT64],
  ['XLAT_C_PASS_FRAGMENT', NAT64],
  ['XLAT_C_PASS_EXT_HEADER', NAT64],
  ['XLAT_C_PASS_IPV4_OPTIONS', NAT64],
  ['XLAT_C_PASS_ICMP_NO_BIB', NAT64],
  ['XLAT_C_PASS_UDP_NO_BIB', NAT64],
  ['XLAT_C_DROP_TRUNCATED', BOTH],
  ['XLAT_C_DROP_HOP_LIMIT', BOTH],
  ['XLAT_C_DROP_TOO_BIG', BOTH],
  ['XLAT_C_DROP_ICMP_TYPE', BOTH],
  ['XLAT_C_DROP_ICMP_FRAGMENT', BOTH],
  ['XLAT_C_DROP_ICMP_ERROR_INNER', BOTH],
  ['XLAT_C_DROP_UDP_ZERO_CSUM', BOTH],
  ['XLAT_C_DROP_ROUTING_HEADER', SIIT],
  ['XLAT_C_DROP_HEADER_CHAIN', SIIT],
  ['XLAT_C_DROP_SRC4_SPECIAL', NAT64],
  ['XLAT_C_DROP_SRC6_POOL6', NAT64],
  ['XLAT_C_DROP_NO_BIB', NAT64],
  ['XLAT_C_DROP_TCP_NO_SESSION', NAT64],
  ['XLAT_C_DROP_EXTERNALLY_INITIATED_TCP', NAT64],
  ['XLAT_C_DROP_ADDRESS_DEPENDENT_FILTERING', NAT64],
  ['XLAT_C_DROP_ICMPV6_INFO', NAT64],
  ['XLAT_C_DROP_NO_POOL4', NAT64],
  ['XLAT_C_DROP_POOL4_EXHAUSTED', NAT64],
  ['XLAT_C_DROP_TABLE_FULL', NAT64],
  ['XLAT_C_DROP_MAX_SIMULTANEOUS_OPENS', NAT64],
  ['XLAT_C_TCP_SYN_HELD', NAT64],
  ['XLAT_C_TCP_SYN_UNREACHABLE', NAT64],
  ['XLAT_C_DROP_ICMP_ERROR_NO_SESSION', NAT64],
  ['XLAT_C_DROP_FRAGMENT_BEFORE_FIRST', NAT64],
  ['XLAT_C_DROP_FRAGMENT_TABLE_FULL', NAT64],
  ['XLAT_C_REASM_HELD', NAT64],
  ['XLAT_C_DROP_REASM_TOO_BIG', NAT64],
  ['XLAT_C_DROP_REASM_TABLE_FULL', NAT64],
  ['XLAT_C_DROP_REASM_OVERLAP', NAT64],
  ['XLAT_C_DROP_RESIZE_FAILED', BOTH],
  ['XLAT_C_DROP_WRITE_FAILED', BOTH],
  ['XLAT_C_XDP_REDIRECT', BOTH],
  ['XLAT_C_ICMP_SENT', BOTH],
  ['XLAT_C_ICMP_RATE_LIMITED', BOTH],
  ['XLAT_C_ICMP_NO_SOURCE', BOTH],
  ['XLAT_C_BIB_CREATED', NAT64],
  ['XLAT_C_SESSION_CREATED', NAT64],
  ['XLAT_C_BIB_EXPIRED', NAT64],
  ['XLAT_C_SESSION_EXPIRED', NAT64],
  ['XLAT_C_RECLAIMED', NAT64],
  ['XLAT_C_REASM_EXPIRED', NAT64],
  // Added after the events so that no number moves (bpf/abi/common.h): packet counters are in PACKETS_ADDED_LATER.
  ['XLAT_C_DROP_BLOCK_FULL', NAT64],
  ['XLAT_C_DROP_NO_FREE_BLOCK', NAT64],
  ['XLAT_C_BLOCK_ALLOCATED', NAT64],
  ['XLAT_C_BLOCK_RELEASED', NAT64],
  ['XLAT_C_EVENT_LOST', NAT64],
  ['XLAT_C_STEERED', NAT64],
  ['XLAT_C_DROP_STEER_NO_NEIGH', NAT64],
];
export const XLAT_COUNTERS: readonly string[] = XLAT_COUNTER_LIST.map(([n]) => n);
export const XLAT_C__MAX = XLAT_COUNTERS.length;
export const XLAT_C__FIRST_EVENT = XLAT_COUNTERS.indexOf('XLAT_C_XDP_REDIRECT');
/** Counters after the events that count packets, not events (each packet is counted under exactly one packet counter). */
const PACKETS_ADDED_LATER = new Set(['XLAT_C_DROP_BLOCK_FULL', 'XLAT_C_DROP_NO_FREE_BLOCK', 'XLAT_C_STEERED', 'XLAT_C_DROP_STEER_NO_NEIGH']);

/** Whether counter number i counts packets (one per packet, its outcome) rather than events. */
export function isPacketCounter(i: number): boolean {
  return i < XLAT_C__FIRST_EVENT || PACKETS_ADDED_LATER.has(XLAT_COUNTERS[i] ?? '');
}

/** "XLAT_C_PASS_DST6_NOT_POOL6" -> "pass-dst6-not-pool6". */
export function counterDisplayName(enumName: string): string {
  return enumName
    .replace(/^XLAT_C_/, '')
    .toLowerCase()
    .replace(/_/g, '-');
}

/** Display names of every counter, in enum order (the index of a name is its counter number). */
export const COUNTER_NAMES: readonly string[] = XLAT_COUNTERS.map(counterDisplayName);

/** The counters a translator counts: [index, display name], in enum order. */
export function countersOf(t: Translator): readonly (readonly [number, string])[] {
  return XLAT_COUNTER_LIST.flatMap(([n, who], i) => (who.includes(t) ? [[i, counterDisplayName(n)] as const] : []));
}
