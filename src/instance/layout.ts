/**
 * TypeScript mirror of bpf/abi/siit.h: struct siit_config, EAMT entries and
 * the fixed names (what both translators share is src/abi/common.ts).
 * test/unit/layout-btf.test.mjs checks every size, offset and value here
 * against the BTF of build/bpf/siit.bpf.o.
 */
import {DEFAULT_MTU_PLATEAUS, XLAT_COMMON_CONFIG, decodeCommonConfig, encodeCommonConfig, type BufPrefix} from '../abi/common.js';

export {COUNTER_NAMES, XLAT_COUNTERS, XLAT_C__MAX, XLAT_MTU_PLATEAUS_MAX, counterDisplayName, type BufPrefix} from '../abi/common.js';
export {LPM4_KEY, LPM6_KEY, RFC6052_PREFIX, decodeRfc6052Prefix, encodeRfc6052Prefix} from '../abi/common.js';

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
export const SIIT_MAP_IFADDR = 'siit_ifaddr';

export const XLAT_DENYLIST4_MAX = 4096;

/** enum eam_hairpin_mode. */
const EAM_HAIRPIN = {off: 0, simple: 1, intrinsic: 2} as const;
export type EamHairpinMode = keyof typeof EAM_HAIRPIN;
/** enum eam_hairpin_mode as the BTF names it. */
export const EAM_HAIRPIN_ENUM = {EAM_HAIRPIN_OFF: 0, EAM_HAIRPIN_SIMPLE: 1, EAM_HAIRPIN_INTRINSIC: 2} as const;

/** struct siit_config: byte offsets and sizes (c: struct xlat_common_config, src/abi/common.ts). */
export const SIIT_CONFIG = {
  size: 112,
  version: {offset: 0, size: 4},
  c: {offset: 4, size: XLAT_COMMON_CONFIG.size},
  amend_udp_zero: {offset: 84, size: 1},
  eam_hairpin: {offset: 85, size: 1},
  randomize_6791: {offset: 86, size: 1},
  rfc6791v4_len: {offset: 87, size: 1},
  rfc6791v4: {offset: 88, size: 4},
  rfc6791v6_len: {offset: 92, size: 1},
  tables: {offset: 93, size: 1},
  _pad: {offset: 94, size: 2},
  rfc6791v6: {offset: 96, size: 16},
} as const;

/** struct eamt_entry: the value of both EAMT tries. */
export const EAMT_ENTRY = {
  size: 24,
  v6: {offset: 0, size: 16},
  v4: {offset: 16, size: 4},
  v6_len: {offset: 20, size: 1},
  v4_len: {offset: 21, size: 1},
  _pad: {offset: 22, size: 2},
} as const;

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

/** siit_config.tables bits (bpf/abi/siit.h). */
export const SIIT_T = {EAMT: 0x01, DENY4: 0x02, REDIRECT: 0x04} as const;

/** Jool's defaults for everything but version and pool6. */
const SIIT_CONFIG_DEFAULTS: Omit<SiitConfig, 'version' | 'pool6'> = Object.freeze({
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
  mtuPlateaus: DEFAULT_MTU_PLATEAUS as number[],
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
  encodeCommonConfig(c, b, o.c.offset);
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
  return b;
}

export function decodeSiitConfig(b: Buffer): SiitConfig {
  const o = SIIT_CONFIG;
  if (b.length < o.size) throw new Error(`internal: siit_config value of ${b.length} bytes`);
  const v4len = b[o.rfc6791v4_len.offset];
  const v6len = b[o.rfc6791v6_len.offset];
  return {
    version: b.readUInt32LE(o.version.offset),
    ...decodeCommonConfig(b, o.c.offset),
    tables: b[o.tables.offset],
    amendUdpChecksumZero: b[o.amend_udp_zero.offset] !== 0,
    eamHairpinMode: hairpinMode(b[o.eam_hairpin.offset]),
    randomizeRfc6791: b[o.randomize_6791.offset] !== 0,
    rfc6791v4: v4len === 0 ? null : {addr: Buffer.from(b.subarray(o.rfc6791v4.offset, o.rfc6791v4.offset + 4)), len: v4len},
    rfc6791v6: v6len === 0 ? null : {addr: Buffer.from(b.subarray(o.rfc6791v6.offset, o.rfc6791v6.offset + 16)), len: v6len},
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
    v6Len: b[EAMT_ENTRY.v6_len.offset],
    v4Len: b[EAMT_ENTRY.v4_len.offset],
  };
}
