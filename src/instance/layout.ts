/**
 * TypeScript mirror of bpf/shared.h: struct siit_config,
 * enum xlat_counter and the fixed names. test/unit/layout-btf.test.mjs checks
 * every size, offset and value here against the BTF of build/bpf/siit.bpf.o.
 */

export const XLAT_SIIT_XDP_PROG = 'xlat_siit_xdp';
export const XLAT_SIIT_TC_PROG = 'xlat_siit_tc';
export const XLAT_TC_HANDLE_SIIT = 0x5117;
export const XLAT_TC_PRIO_SIIT = 0x5117;
export const XLAT_LOCAL4_MAX = 256;

export const SIIT_MAP_CONFIG = 'siit_config';
export const SIIT_MAP_STATS = 'siit_stats';
export const SIIT_MAP_LOCAL4 = 'siit_local4';
export const SIIT_MAP_EAMT6 = 'siit_eamt6';
export const SIIT_MAP_EAMT4 = 'siit_eamt4';
export const SIIT_MAP_DENY4 = 'siit_deny4';

export const XLAT_EAMT_MAX = 65536;
export const XLAT_DENYLIST4_MAX = 4096;
export const XLAT_MTU_PLATEAUS_MAX = 16;

/** enum eam_hairpin_mode. */
export const EAM_HAIRPIN = {off: 0, simple: 1, intrinsic: 2} as const;
export type EamHairpinMode = keyof typeof EAM_HAIRPIN;
/** enum eam_hairpin_mode as the BTF names it. */
export const EAM_HAIRPIN_ENUM = {EAM_HAIRPIN_OFF: 0, EAM_HAIRPIN_SIMPLE: 1, EAM_HAIRPIN_INTRINSIC: 2} as const;

/** struct siit_config: byte offsets and sizes. */
export const SIIT_CONFIG = {
  size: 108,
  version: {offset: 0, size: 4},
  enabled: {offset: 4, size: 1},
  zeroize_tc: {offset: 5, size: 1},
  override_tos: {offset: 6, size: 1},
  tos: {offset: 7, size: 1},
  pool6: {offset: 8, size: 40},
  amend_udp_zero: {offset: 48, size: 1},
  eam_hairpin: {offset: 49, size: 1},
  randomize_6791: {offset: 50, size: 1},
  rfc6791v4_len: {offset: 51, size: 1},
  rfc6791v4: {offset: 52, size: 4},
  rfc6791v6_len: {offset: 56, size: 1},
  tables: {offset: 57, size: 1},
  lowest_ipv6_mtu: {offset: 58, size: 2},
  rfc6791v6: {offset: 60, size: 16},
  mtu_plateaus: {offset: 76, size: 32},
} as const;

/** struct lpm6_key / lpm4_key: keys of the EAMT and denylist LPM tries. */
export const LPM6_KEY = {size: 20, prefixlen: {offset: 0, size: 4}, addr: {offset: 4, size: 16}} as const;
export const LPM4_KEY = {size: 8, prefixlen: {offset: 0, size: 4}, addr: {offset: 4, size: 4}} as const;

/** struct eamt_entry: the value of both EAMT tries. */
export const EAMT_ENTRY = {
  size: 24,
  v6: {offset: 0, size: 16},
  v4: {offset: 16, size: 4},
  v6_len: {offset: 20, size: 1},
  v4_len: {offset: 21, size: 1},
  _pad: {offset: 22, size: 2},
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
  'XLAT_C_XLAT_HAIRPIN',
  'XLAT_C_PASS_DST6_UNTRANSLATABLE',
  'XLAT_C_PASS_SRC6_UNTRANSLATABLE',
  'XLAT_C_PASS_DST4_UNTRANSLATABLE',
  'XLAT_C_PASS_SRC4_UNTRANSLATABLE',
  'XLAT_C_PASS_DST4_LOCAL',
  'XLAT_C_PASS_DST4_SPECIAL',
  'XLAT_C_PASS_SRC4_SPECIAL',
  'XLAT_C_PASS_NDP',
  'XLAT_C_DROP_HOP_LIMIT',
  'XLAT_C_DROP_ICMP_TYPE',
  'XLAT_C_DROP_ICMP_FRAGMENT',
  'XLAT_C_DROP_ICMP_ERROR_INNER',
  'XLAT_C_DROP_ROUTING_HEADER',
  'XLAT_C_DROP_HEADER_CHAIN',
  'XLAT_C_DROP_TRUNCATED',
  'XLAT_C_DROP_UDP_ZERO_CSUM',
  'XLAT_C_DROP_RESIZE_FAILED',
  'XLAT_C_DROP_WRITE_FAILED',
  'XLAT_C_DROP_TOO_BIG',
  'XLAT_C_XDP_REDIRECT',
  'XLAT_C_ICMP_SENT',
  'XLAT_C_ICMP_RATE_LIMITED',
  'XLAT_C_ICMP_NO_SOURCE',
] as const;
export const XLAT_C__MAX = XLAT_COUNTERS.length;

/** "XLAT_C_PASS_DST6_NOT_POOL6" -> "pass-dst6-not-pool6". */
export function counterDisplayName(enumName: string): string {
  return enumName.replace(/^XLAT_C_/, '').toLowerCase().replace(/_/g, '-');
}

/** Display names of the counters, in enum order. */
export const COUNTER_NAMES: readonly string[] = XLAT_COUNTERS.map(counterDisplayName);

/** A prefix as the instance layer stores it (addr holds 4 or 16 bytes). */
export interface BufPrefix {
  addr: Buffer;
  len: number;
}

export interface SiitConfig {
  version: number;
  /** manually-enabled */
  enabled: boolean;
  /** null when unset (len 0). */
  pool6: BufPrefix | null;
  zeroizeTrafficClass: boolean;
  overrideTos: boolean;
  tos: number;
  amendUdpChecksumZero: boolean;
  eamHairpinMode: EamHairpinMode;
  randomizeRfc6791: boolean;
  /** rfc6791v4-prefix (4-byte addr), null when unset. */
  rfc6791v4: BufPrefix | null;
  /** rfc6791v6-prefix (16-byte addr), null when unset. */
  rfc6791v6: BufPrefix | null;
  lowestIpv6Mtu: number;
  /** Descending, unique, 1..16 values. */
  mtuPlateaus: number[];
  /** SIIT_T_* bits: which optional tables hold entries (the data plane skips empty ones). */
  tables: number;
}

/** siit_config.tables bits (bpf/shared.h). */
export const SIIT_T = {EAMT: 0x01, DENY4: 0x02, REDIRECT: 0x04} as const;

/** Jool's defaults for everything but version and pool6. */
export const SIIT_CONFIG_DEFAULTS: Omit<SiitConfig, 'version' | 'pool6'> = Object.freeze({
  enabled: true,
  zeroizeTrafficClass: false,
  overrideTos: false,
  tos: 0,
  amendUdpChecksumZero: false,
  eamHairpinMode: 'intrinsic',
  randomizeRfc6791: true,
  rfc6791v4: null,
  rfc6791v6: null,
  lowestIpv6Mtu: 1280,
  mtuPlateaus: Object.freeze([65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68]) as unknown as number[],
  tables: 0,
});

/** A new instance's configuration: the defaults with this pool6. */
export function defaultSiitConfig(pool6: BufPrefix | null, version: number): SiitConfig {
  return {...SIIT_CONFIG_DEFAULTS, mtuPlateaus: [...SIIT_CONFIG_DEFAULTS.mtuPlateaus], version, pool6};
}

/** What encodeSiitConfig needs: fields left out take their defaults. */
export type SiitConfigInput = Pick<SiitConfig, 'version' | 'enabled' | 'pool6'> & Partial<SiitConfig>;

function hairpinMode(v: number): EamHairpinMode {
  const found = (Object.keys(EAM_HAIRPIN) as EamHairpinMode[]).find((k) => EAM_HAIRPIN[k] === v);
  return found ?? 'intrinsic';
}

export function encodeSiitConfig(input: SiitConfigInput): Buffer {
  const c: SiitConfig = {...SIIT_CONFIG_DEFAULTS, ...input};
  const o = SIIT_CONFIG;
  const b = Buffer.alloc(o.size);
  b.writeUInt32LE(c.version >>> 0, o.version.offset);
  b[o.enabled.offset] = c.enabled ? 1 : 0;
  b[o.zeroize_tc.offset] = c.zeroizeTrafficClass ? 1 : 0;
  b[o.override_tos.offset] = c.overrideTos ? 1 : 0;
  b[o.tos.offset] = c.tos & 0xff;
  encodeRfc6052Prefix(c.pool6, b, o.pool6.offset);
  b[o.amend_udp_zero.offset] = c.amendUdpChecksumZero ? 1 : 0;
  b[o.eam_hairpin.offset] = EAM_HAIRPIN[c.eamHairpinMode];
  b[o.randomize_6791.offset] = c.randomizeRfc6791 ? 1 : 0;
  if (c.rfc6791v4 !== null) {
    if (c.rfc6791v4.addr.length !== 4 || c.rfc6791v4.len < 1 || c.rfc6791v4.len > 32) throw new Error('internal: bad rfc6791v4 prefix');
    b[o.rfc6791v4_len.offset] = c.rfc6791v4.len;
    c.rfc6791v4.addr.copy(b, o.rfc6791v4.offset);
  }
  if (c.rfc6791v6 !== null) {
    if (c.rfc6791v6.addr.length !== 16 || c.rfc6791v6.len < 1 || c.rfc6791v6.len > 128) throw new Error('internal: bad rfc6791v6 prefix');
    b[o.rfc6791v6_len.offset] = c.rfc6791v6.len;
    c.rfc6791v6.addr.copy(b, o.rfc6791v6.offset);
  }
  b[o.tables.offset] = c.tables & 0xff;
  b.writeUInt16LE(c.lowestIpv6Mtu & 0xffff, o.lowest_ipv6_mtu.offset);
  if (c.mtuPlateaus.length > XLAT_MTU_PLATEAUS_MAX) throw new Error('internal: too many MTU plateaus');
  c.mtuPlateaus.forEach((v, i) => b.writeUInt16LE(v & 0xffff, o.mtu_plateaus.offset + 2 * i));
  return b;
}

export function decodeSiitConfig(b: Buffer): SiitConfig {
  const o = SIIT_CONFIG;
  if (b.length < o.size) throw new Error(`internal: siit_config value of ${b.length} bytes`);
  const v4len = b[o.rfc6791v4_len.offset]!;
  const v6len = b[o.rfc6791v6_len.offset]!;
  const plateaus: number[] = [];
  for (let i = 0; i < XLAT_MTU_PLATEAUS_MAX; i++) {
    const v = b.readUInt16LE(o.mtu_plateaus.offset + 2 * i);
    if (v === 0) break;
    plateaus.push(v);
  }
  return {
    version: b.readUInt32LE(o.version.offset),
    enabled: b[o.enabled.offset] !== 0,
    tables: b[o.tables.offset]!,
    pool6: decodeRfc6052Prefix(b, o.pool6.offset),
    zeroizeTrafficClass: b[o.zeroize_tc.offset] !== 0,
    overrideTos: b[o.override_tos.offset] !== 0,
    tos: b[o.tos.offset]!,
    amendUdpChecksumZero: b[o.amend_udp_zero.offset] !== 0,
    eamHairpinMode: hairpinMode(b[o.eam_hairpin.offset]!),
    randomizeRfc6791: b[o.randomize_6791.offset] !== 0,
    rfc6791v4: v4len === 0 ? null : {addr: Buffer.from(b.subarray(o.rfc6791v4.offset, o.rfc6791v4.offset + 4)), len: v4len},
    rfc6791v6: v6len === 0 ? null : {addr: Buffer.from(b.subarray(o.rfc6791v6.offset, o.rfc6791v6.offset + 16)), len: v6len},
    lowestIpv6Mtu: b.readUInt16LE(o.lowest_ipv6_mtu.offset),
    mtuPlateaus: plateaus,
  };
}

/** struct lpm6_key / lpm4_key bytes: prefixlen in host order (little endian), then the address. */
export function encodeLpmKey(addr: Uint8Array, len: number): Buffer {
  const k = Buffer.alloc(4 + addr.length);
  k.writeUInt32LE(len, 0);
  k.set(addr, 4);
  return k;
}

export function decodeLpmKey(k: Buffer): {addr: Buffer; len: number} {
  return {len: k.readUInt32LE(0), addr: Buffer.from(k.subarray(4))};
}

/** One EAMT entry as the tries store it. */
export interface EamtEntryRaw {
  v6: Buffer;
  v6Len: number;
  v4: Buffer;
  v4Len: number;
}

export function encodeEamtEntry(e: EamtEntryRaw): Buffer {
  const b = Buffer.alloc(EAMT_ENTRY.size);
  b.set(e.v6, EAMT_ENTRY.v6.offset);
  b.set(e.v4, EAMT_ENTRY.v4.offset);
  b[EAMT_ENTRY.v6_len.offset] = e.v6Len;
  b[EAMT_ENTRY.v4_len.offset] = e.v4Len;
  return b;
}

export function decodeEamtEntry(b: Buffer): EamtEntryRaw {
  return {
    v6: Buffer.from(b.subarray(EAMT_ENTRY.v6.offset, EAMT_ENTRY.v6.offset + 16)),
    v4: Buffer.from(b.subarray(EAMT_ENTRY.v4.offset, EAMT_ENTRY.v4.offset + 4)),
    v6Len: b[EAMT_ENTRY.v6_len.offset]!,
    v4Len: b[EAMT_ENTRY.v4_len.offset]!,
  };
}
