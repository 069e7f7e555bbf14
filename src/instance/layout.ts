/**
 * TypeScript mirror of bpf/shared.h: struct siit_config,
 * enum xlat_counter and the fixed names. test/unit/layout-btf.test.mjs checks
 * every size, offset and value here against the BTF of build/bpf/siit.bpf.o.
 */

export const XLAT_SIIT_XDP_PROG = 'xlat_siit_xdp';
export const XLAT_SIIT_TC_PROG = 'xlat_siit_tc';
export const XLAT_TC_HANDLE_SIIT = 0x5117;
export const XLAT_TC_PRIO_SIIT = 0x5117;
export const XLAT_SIIT_CONFIG_VERSION = 1;
export const XLAT_LOCAL4_MAX = 256;

export const SIIT_MAP_CONFIG = 'siit_config';
export const SIIT_MAP_STATS = 'siit_stats';
export const SIIT_MAP_LOCAL4 = 'siit_local4';

/** struct siit_config: byte offsets and sizes. */
export const SIIT_CONFIG = {
  size: 24,
  version: {offset: 0, size: 4},
  enabled: {offset: 4, size: 1},
  pool6_len: {offset: 5, size: 1},
  _pad0: {offset: 6, size: 2},
  pool6: {offset: 8, size: 16},
} as const;

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
  /** null when pool6_len is 0. */
  pool6: {addr: Buffer; len: number} | null;
}

export function encodeSiitConfig(c: SiitConfig): Buffer {
  const b = Buffer.alloc(SIIT_CONFIG.size);
  b.writeUInt32LE(c.version >>> 0, SIIT_CONFIG.version.offset);
  b.writeUInt8(c.enabled ? 1 : 0, SIIT_CONFIG.enabled.offset);
  b.writeUInt8(c.pool6 ? c.pool6.len : 0, SIIT_CONFIG.pool6_len.offset);
  if (c.pool6) {
    if (c.pool6.addr.length !== 16) throw new Error('internal: pool6 address must be 16 bytes');
    c.pool6.addr.copy(b, SIIT_CONFIG.pool6.offset);
  }
  return b;
}

export function decodeSiitConfig(b: Buffer): SiitConfig {
  if (b.length < SIIT_CONFIG.size) throw new Error(`internal: siit_config value of ${b.length} bytes`);
  const len = b.readUInt8(SIIT_CONFIG.pool6_len.offset);
  const o = SIIT_CONFIG.pool6.offset;
  return {
    version: b.readUInt32LE(SIIT_CONFIG.version.offset),
    enabled: b.readUInt8(SIIT_CONFIG.enabled.offset) !== 0,
    pool6: len === 0 ? null : {addr: Buffer.from(b.subarray(o, o + 16)), len},
  };
}
