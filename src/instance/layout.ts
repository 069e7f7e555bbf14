/**
 * TypeScript mirror of bpf/shared.h: struct siit_config,
 * enum xlat_counter and the fixed names. test/unit/layout-btf.test.mjs checks
 * every size, offset and value here against the BTF of build/bpf/siit.bpf.o.
 */

export const XLAT_SIIT_XDP_PROG = 'xlat_siit_xdp';
export const XLAT_SIIT_TC_PROG = 'xlat_siit_tc';
export const XLAT_TC_HANDLE_SIIT = 0x5117;
export const XLAT_TC_PRIO_SIIT = 0x5117;
export const XLAT_SIIT_CONFIG_VERSION = 2;
export const XLAT_LOCAL4_MAX = 256;

export const SIIT_MAP_CONFIG = 'siit_config';
export const SIIT_MAP_STATS = 'siit_stats';
export const SIIT_MAP_LOCAL4 = 'siit_local4';

/** struct siit_config: byte offsets and sizes. */
export const SIIT_CONFIG = {
  size: 48,
  version: {offset: 0, size: 4},
  enabled: {offset: 4, size: 1},
  _pad0: {offset: 5, size: 3},
  pool6: {offset: 8, size: 40},
} as const;

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
export function encodeRfc6052Prefix(p: {addr: Buffer; len: number} | null, b: Buffer, offset: number): void {
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

export function decodeRfc6052Prefix(b: Buffer, offset: number): {addr: Buffer; len: number} | null {
  const len = b[offset + RFC6052_PREFIX.len.offset];
  if (len === 0) return null;
  const o = offset + RFC6052_PREFIX.addr.offset;
  return {addr: Buffer.from(b.subarray(o, o + 16)), len};
}

/** enum xlat_counter, in order (value = index); XLAT_C__MAX is the length. */
export const XLAT_COUNTERS = [
  'XLAT_C_XLAT_6TO4',
  'XLAT_C_XLAT_4TO6',
  'XLAT_C_XLAT_ICMP_ERROR_6TO4',
  'XLAT_C_XLAT_ICMP_ERROR_4TO6',
  'XLAT_C_PASS_NOT_IP',
  'XLAT_C_PASS_DISABLED',
  'XLAT_C_PASS_NO_POOL6',
  'XLAT_C_PASS_DST6_NOT_POOL6',
  'XLAT_C_PASS_SRC6_UNTRANSLATABLE',
  'XLAT_C_PASS_DST4_LOCAL',
  'XLAT_C_PASS_DST4_SPECIAL',
  'XLAT_C_PASS_SRC4_SPECIAL',
  'XLAT_C_PASS_NDP',
  'XLAT_C_PASS_HOP_LIMIT',
  'XLAT_C_DROP_ICMP_TYPE',
  'XLAT_C_DROP_ICMP_FRAGMENT',
  'XLAT_C_DROP_ICMP_ERROR_INNER',
  'XLAT_C_DROP_ROUTING_HEADER',
  'XLAT_C_DROP_HEADER_CHAIN',
  'XLAT_C_DROP_TRUNCATED',
  'XLAT_C_DROP_UDP_ZERO_CSUM',
  'XLAT_C_DROP_RESIZE_FAILED',
  'XLAT_C_DROP_WRITE_FAILED',
] as const;
export const XLAT_C__MAX = XLAT_COUNTERS.length;

/** "XLAT_C_PASS_DST6_NOT_POOL6" -> "pass-dst6-not-pool6". */
export function counterDisplayName(enumName: string): string {
  return enumName.replace(/^XLAT_C_/, '').toLowerCase().replace(/_/g, '-');
}

/** Display names of the counters, in enum order. */
export const COUNTER_NAMES: readonly string[] = XLAT_COUNTERS.map(counterDisplayName);

export interface SiitConfig {
  version: number;
  enabled: boolean;
  /** null when unset (len 0). */
  pool6: {addr: Buffer; len: number} | null;
}

export function encodeSiitConfig(c: SiitConfig): Buffer {
  const b = Buffer.alloc(SIIT_CONFIG.size);
  b.writeUInt32LE(c.version >>> 0, SIIT_CONFIG.version.offset);
  b.writeUInt8(c.enabled ? 1 : 0, SIIT_CONFIG.enabled.offset);
  encodeRfc6052Prefix(c.pool6, b, SIIT_CONFIG.pool6.offset);
  return b;
}

export function decodeSiitConfig(b: Buffer): SiitConfig {
  if (b.length < SIIT_CONFIG.size) throw new Error(`internal: siit_config value of ${b.length} bytes`);
  return {
    version: b.readUInt32LE(SIIT_CONFIG.version.offset),
    enabled: b.readUInt8(SIIT_CONFIG.enabled.offset) !== 0,
    pool6: decodeRfc6052Prefix(b, SIIT_CONFIG.pool6.offset),
  };
}
