/**
 * TypeScript mirror of bpf/abi/nat64.h: struct nat64_config,
 * the pool4 range, BIB and session layouts, enum nat64_counter and the fixed
 * names. test/unit/nat64-layout.test.mjs checks every size, offset and value
 * here against the BTF of build/bpf/nat64.bpf.o.
 */

import {XLAT_COMMON_CONFIG, decodeCommonConfig, encodeCommonConfig, type BufPrefix, type CommonConfig} from '../../abi/common.js';

export const XLAT_NAT64_XDP_PROG = 'xlat_nat64_xdp';
export const XLAT_NAT64_TC_PROG = 'xlat_nat64_tc';
export const XLAT_TC_HANDLE_NAT64 = 0x6464;
export const XLAT_TC_PRIO_NAT64 = 0x6464;
export const XLAT_NAT64_POOL4_MAX = 64;

export const NAT64_MAP_CONFIG = 'nat64_config';
export const NAT64_MAP_STATS = 'nat64_stats';
export const NAT64_MAP_POOL4 = 'nat64_pool4';
export const NAT64_MAP_BIB4 = 'nat64_bib4';
export const NAT64_MAP_BIB6 = 'nat64_bib6';
export const NAT64_MAP_SESSIONS = 'nat64_sessions';
/** What `instance add` changed in sysctls (struct nat64_saved_sysctl by ifindex), restored by `remove`. */
export const NAT64_MAP_SYSCTL = 'nat64_sysctl';
export const NAT64_MAP_NAMES = [NAT64_MAP_CONFIG, NAT64_MAP_STATS, NAT64_MAP_POOL4, NAT64_MAP_BIB4, NAT64_MAP_BIB6, NAT64_MAP_SESSIONS] as const;
/** Each interface's own addresses (struct xlat_ifaddr by ifindex): the source of the ICMP errors the NAT64 originates. */
export const NAT64_MAP_IFADDR = 'nat64_ifaddr';

/** The maps whose size `instance add --capacity` sets. */
/** The session sweeper's queue and the address-dependent-filtering index: as big as the session table. */
const NAT64_MAP_SESSQ = 'nat64_sessq';
const NAT64_MAP_ADF = 'nat64_adf';
type Nat64TableMap = typeof NAT64_MAP_BIB4 | typeof NAT64_MAP_BIB6 | typeof NAT64_MAP_SESSIONS | typeof NAT64_MAP_SESSQ | typeof NAT64_MAP_ADF;

/** max_entries of each table map for `instance add --capacity N` (the sweeper's queue holds twice the sessions). */
export function nat64MaxEntries(capacity: number): Record<Nat64TableMap, number> {
  return {
    [NAT64_MAP_BIB4]: capacity,
    [NAT64_MAP_BIB6]: capacity,
    [NAT64_MAP_SESSIONS]: capacity,
    [NAT64_MAP_SESSQ]: 2 * capacity,
    [NAT64_MAP_ADF]: capacity,
  };
}

export const NAT64_F = {
  'address-dependent-filtering': 1 << 0,
  'drop-externally-initiated-tcp': 1 << 1,
  'drop-icmpv6-info': 1 << 2,
  'source-icmpv6-errors-better': 1 << 3,
  'handle-rst-during-fin-rcv': 1 << 4,
  'cluster-steering': 1 << 5,
} as const;
export type Nat64FlagName = keyof typeof NAT64_F;

export const NAT64_POOL4_DEFAULT = 1;
export const NAT64_BIB_STATIC = 1;
export const NAT64_NEVER = 0xffffffffffffffffn;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** struct nat64_config (c: struct xlat_common_config, src/abi/common.ts). */
export const NAT64_CONFIG = {
  size: 160,
  version: {offset: 0, size: 4},
  c: {offset: 4, size: XLAT_COMMON_CONFIG.size},
  f_args: {offset: 84, size: 1},
  pool4_default: {offset: 85, size: 1},
  pool4_count: {offset: 86, size: 2},
  flags: {offset: 88, size: 4},
  max_simultaneous_opens: {offset: 92, size: 4},
  _pad0: {offset: 96, size: 8},
  udp_timeout: {offset: 104, size: 8},
  tcp_est_timeout: {offset: 112, size: 8},
  tcp_trans_timeout: {offset: 120, size: 8},
  icmp_timeout: {offset: 128, size: 8},
  tcp_syn_timeout: {offset: 136, size: 8},
  secret: {offset: 144, size: 16},
} as const;

export const NAT64_POOL4_RANGE = {
  size: 20,
  addr: {offset: 0, size: 4},
  mark: {offset: 4, size: 4},
  port_min: {offset: 8, size: 2},
  port_max: {offset: 10, size: 2},
  proto: {offset: 12, size: 1},
  prefix_len: {offset: 13, size: 1},
  flags: {offset: 14, size: 1},
  _pad: {offset: 15, size: 1},
  max_iter: {offset: 16, size: 4},
} as const;

/** max-iterations: 0 = auto (every slot of the set, up to 8,192); a fixed count is capped at 65,536 (bpf/abi/nat64.h). */
export const NAT64_ITER_AUTO = 0;

/** nat64_config.pool4_default bits: protocols without pool4 entries (the node's own addresses serve). */
export const NAT64_POOL4_DEFAULT_BIT: Record<number, number> = {6: 1 << 0, 17: 1 << 1, 1: 1 << 2};

export const NAT64_TADDR4 = {size: 8, addr: {offset: 0, size: 4}, port: {offset: 4, size: 2}, proto: {offset: 6, size: 1}, _pad: {offset: 7, size: 1}} as const;
export const NAT64_TADDR6 = {
  size: 20,
  addr: {offset: 0, size: 16},
  port: {offset: 16, size: 2},
  proto: {offset: 18, size: 1},
  _pad: {offset: 19, size: 1},
} as const;
export const NAT64_BIB4_VALUE = {
  size: 40,
  t6: {offset: 0, size: 20},
  flags: {offset: 20, size: 4},
  expires: {offset: 24, size: 8},
  sessions: {offset: 32, size: 4},
  gen: {offset: 36, size: 4},
} as const;
export const NAT64_BIB6_VALUE = {
  size: 24,
  t4: {offset: 0, size: 8},
  flags: {offset: 8, size: 4},
  _pad: {offset: 12, size: 4},
  expires: {offset: 16, size: 8},
} as const;
export const NAT64_SESSION_KEY = {
  size: 16,
  local4: {offset: 0, size: 4},
  remote4: {offset: 4, size: 4},
  lport: {offset: 8, size: 2},
  rport: {offset: 10, size: 2},
  proto: {offset: 12, size: 1},
  _pad: {offset: 13, size: 3},
} as const;
export const NAT64_SESSION = {
  size: 32,
  addr6: {offset: 0, size: 16},
  port6: {offset: 16, size: 2},
  state: {offset: 18, size: 1},
  flags: {offset: 19, size: 1},
  bib_gen: {offset: 20, size: 4},
  expires: {offset: 24, size: 8},
} as const;

/** struct nat64_frag_key (nat64_frags). */
export const NAT64_FRAG_KEY = {
  size: 40,
  src: {offset: 0, size: 16},
  dst: {offset: 16, size: 16},
  id: {offset: 32, size: 4},
  family: {offset: 36, size: 1},
  proto: {offset: 37, size: 1},
  _pad: {offset: 38, size: 2},
} as const;
/** struct nat64_frag_value. */
export const NAT64_FRAG_VALUE = {
  size: 48,
  src: {offset: 0, size: 16},
  dst: {offset: 16, size: 16},
  port: {offset: 32, size: 2},
  flags: {offset: 34, size: 1},
  _pad: {offset: 35, size: 1},
  _pad2: {offset: 36, size: 4},
  expires: {offset: 40, size: 8},
} as const;
/** struct nat64_syn4_key (nat64_syn4): addresses and ports in network order. */
export const NAT64_SYN4_KEY = {
  size: 12,
  remote4: {offset: 0, size: 4},
  local4: {offset: 4, size: 4},
  rport: {offset: 8, size: 2},
  lport: {offset: 10, size: 2},
} as const;
/** struct nat64_syn4_value. */
export const NAT64_SYN4_VALUE = {size: 8, expires: {offset: 0, size: 8}} as const;

export function encodeSyn4Key(k: {remote4: Buffer; local4: Buffer; rport: number; lport: number}): Buffer {
  const b = Buffer.alloc(NAT64_SYN4_KEY.size);
  k.remote4.copy(b, NAT64_SYN4_KEY.remote4.offset, 0, 4);
  k.local4.copy(b, NAT64_SYN4_KEY.local4.offset, 0, 4);
  b.writeUInt16BE(k.rport, NAT64_SYN4_KEY.rport.offset);
  b.writeUInt16BE(k.lport, NAT64_SYN4_KEY.lport.offset);
  return b;
}
export function encodeSyn4Value(expires: bigint): Buffer {
  const b = Buffer.alloc(NAT64_SYN4_VALUE.size);
  b.writeBigUInt64LE(expires, NAT64_SYN4_VALUE.expires.offset);
  return b;
}

/** nat64_ifaddr's values: struct xlat_ifaddr, as SIIT's (one layout, src/abi/common.ts). */
export {XLAT_IFADDR as NAT64_IFADDR} from '../../abi/common.js';

/** enum nat64_tcp_state, in order. */
const NAT64_TCP_STATES = [
  'NAT64_TCP_CLOSED',
  'NAT64_TCP_V4_INIT',
  'NAT64_TCP_V6_INIT',
  'NAT64_TCP_ESTABLISHED',
  'NAT64_TCP_V4_FIN_RCV',
  'NAT64_TCP_V6_FIN_RCV',
  'NAT64_TCP_V4_FIN_V6_FIN_RCV',
  'NAT64_TCP_TRANS',
] as const;

/** "NAT64_TCP_V4_FIN_RCV" -> "V4_FIN_RCV" (Jool's spelling). */
export function tcpStateName(state: number): string {
  return (NAT64_TCP_STATES[state] ?? `STATE_${state}`).replace(/^NAT64_TCP_/, '');
}

/** The one counter code space (src/abi/common.ts): a NAT64 counter's index is its number in nat64_stats. */
export {COUNTER_NAMES as NAT64_COUNTER_NAMES, XLAT_COUNTERS as NAT64_COUNTERS, XLAT_C__MAX as NAT64_C__MAX} from '../../abi/common.js';

// ---------------------------------------------------------------------------
// config

/** Timeouts in seconds (the kernel side keeps nanoseconds). pool6 of length 0: unset (the instance translates nothing). */
export interface Nat64Config extends Omit<CommonConfig, 'pool6'> {
  version: number;
  pool6: BufPrefix;
  fArgs: number;
  flags: number;
  pool4Count: number;
  maxSimultaneousOpens: number;
  /** NAT64_POOL4_DEFAULT_BIT of the protocols without pool4 entries. */
  pool4Default: number;
  udpTimeout: number;
  tcpEstTimeout: number;
  tcpTransTimeout: number;
  icmpTimeout: number;
  tcpSynTimeout: number;
  secret: Buffer;
}

const NS = 1_000_000_000n;
const toNs = (s: number): bigint => BigInt(Math.round(s * 1000)) * 1_000_000n;
const fromNs = (ns: bigint): number => Number(ns / 1_000_000n) / 1000;

export function encodeNat64Config(c: Nat64Config): Buffer {
  const L = NAT64_CONFIG;
  const b = Buffer.alloc(L.size);
  b.writeUInt32LE(c.version >>> 0, L.version.offset);
  if (c.pool6.addr.length !== 16) throw new Error('internal: pool6 address must be 16 bytes');
  encodeCommonConfig({...c, pool6: c.pool6.len === 0 ? null : c.pool6}, b, L.c.offset);
  b.writeUInt8(c.fArgs & 0xf, L.f_args.offset);
  b.writeUInt8(c.pool4Default & 0xff, L.pool4_default.offset);
  b.writeUInt16LE(c.pool4Count, L.pool4_count.offset);
  b.writeUInt32LE(c.flags >>> 0, L.flags.offset);
  b.writeUInt32LE(c.maxSimultaneousOpens >>> 0, L.max_simultaneous_opens.offset);
  b.writeBigUInt64LE(toNs(c.udpTimeout), L.udp_timeout.offset);
  b.writeBigUInt64LE(toNs(c.tcpEstTimeout), L.tcp_est_timeout.offset);
  b.writeBigUInt64LE(toNs(c.tcpTransTimeout), L.tcp_trans_timeout.offset);
  b.writeBigUInt64LE(toNs(c.icmpTimeout), L.icmp_timeout.offset);
  b.writeBigUInt64LE(toNs(c.tcpSynTimeout), L.tcp_syn_timeout.offset);
  c.secret.copy(b, L.secret.offset, 0, 16);
  return b;
}

export function decodeNat64Config(b: Buffer): Nat64Config {
  const L = NAT64_CONFIG;
  if (b.length < L.size) throw new Error(`internal: nat64_config value of ${b.length} bytes`);
  const common = decodeCommonConfig(b, L.c.offset);
  return {
    version: b.readUInt32LE(L.version.offset),
    ...common,
    pool6: common.pool6 ?? {addr: Buffer.alloc(16), len: 0},
    fArgs: b.readUInt8(L.f_args.offset),
    flags: b.readUInt32LE(L.flags.offset),
    pool4Count: b.readUInt16LE(L.pool4_count.offset),
    maxSimultaneousOpens: b.readUInt32LE(L.max_simultaneous_opens.offset),
    pool4Default: b.readUInt8(L.pool4_default.offset),
    udpTimeout: fromNs(b.readBigUInt64LE(L.udp_timeout.offset)),
    tcpEstTimeout: fromNs(b.readBigUInt64LE(L.tcp_est_timeout.offset)),
    tcpTransTimeout: fromNs(b.readBigUInt64LE(L.tcp_trans_timeout.offset)),
    icmpTimeout: fromNs(b.readBigUInt64LE(L.icmp_timeout.offset)),
    tcpSynTimeout: fromNs(b.readBigUInt64LE(L.tcp_syn_timeout.offset)),
    secret: Buffer.from(b.subarray(L.secret.offset, L.secret.offset + 16)),
  };
}

export {NS as NS_PER_SECOND};

// ---------------------------------------------------------------------------
// pool4

export interface Pool4Range {
  /** Network-order address bytes (4). */
  addr: Buffer;
  prefixLen: number;
  mark: number;
  portMin: number;
  portMax: number;
  proto: number;
  /** NAT64_POOL4_DEFAULT for the namespace's own addresses (pool4 empty). */
  flags: number;
  /** max-iterations of the (proto, mark) set: NAT64_ITER_AUTO or a fixed count. */
  maxIter: number;
}

export function encodePool4Range(r: Pool4Range): Buffer {
  const L = NAT64_POOL4_RANGE;
  const b = Buffer.alloc(L.size);
  r.addr.copy(b, L.addr.offset, 0, 4);
  b.writeUInt32LE(r.mark >>> 0, L.mark.offset);
  b.writeUInt16LE(r.portMin, L.port_min.offset);
  b.writeUInt16LE(r.portMax, L.port_max.offset);
  b.writeUInt8(r.proto, L.proto.offset);
  b.writeUInt8(r.prefixLen, L.prefix_len.offset);
  b.writeUInt8(r.flags, L.flags.offset);
  b.writeUInt32LE(r.maxIter >>> 0, L.max_iter.offset);
  return b;
}

export function decodePool4Range(b: Buffer): Pool4Range {
  const L = NAT64_POOL4_RANGE;
  return {
    addr: Buffer.from(b.subarray(L.addr.offset, L.addr.offset + 4)),
    mark: b.readUInt32LE(L.mark.offset),
    portMin: b.readUInt16LE(L.port_min.offset),
    portMax: b.readUInt16LE(L.port_max.offset),
    proto: b.readUInt8(L.proto.offset),
    prefixLen: b.readUInt8(L.prefix_len.offset),
    flags: b.readUInt8(L.flags.offset),
    maxIter: b.readUInt32LE(L.max_iter.offset),
  };
}

// ---------------------------------------------------------------------------
// BIB and sessions: addresses as raw bytes, ports in host order

export interface TAddr4 {
  addr: Buffer;
  port: number;
  proto: number;
}
export interface TAddr6 {
  addr: Buffer;
  port: number;
  proto: number;
}

export function encodeTAddr4(t: TAddr4, b = Buffer.alloc(NAT64_TADDR4.size), at = 0): Buffer {
  t.addr.copy(b, at, 0, 4);
  b.writeUInt16BE(t.port, at + 4);
  b.writeUInt8(t.proto, at + 6);
  b.writeUInt8(0, at + 7);
  return b;
}
export function decodeTAddr4(b: Buffer, at = 0): TAddr4 {
  return {addr: Buffer.from(b.subarray(at, at + 4)), port: b.readUInt16BE(at + 4), proto: b.readUInt8(at + 6)};
}
export function encodeTAddr6(t: TAddr6, b = Buffer.alloc(NAT64_TADDR6.size), at = 0): Buffer {
  t.addr.copy(b, at, 0, 16);
  b.writeUInt16BE(t.port, at + 16);
  b.writeUInt8(t.proto, at + 18);
  b.writeUInt8(0, at + 19);
  return b;
}
export function decodeTAddr6(b: Buffer, at = 0): TAddr6 {
  return {addr: Buffer.from(b.subarray(at, at + 16)), port: b.readUInt16BE(at + 16), proto: b.readUInt8(at + 18)};
}

export function encodeBib4Value(t6: TAddr6, flags: number, expires: bigint): Buffer {
  const b = Buffer.alloc(NAT64_BIB4_VALUE.size);
  encodeTAddr6(t6, b, 0);
  b.writeUInt32LE(flags >>> 0, NAT64_BIB4_VALUE.flags.offset);
  b.writeBigUInt64LE(expires, NAT64_BIB4_VALUE.expires.offset);
  return b;
}
export function encodeBib6Value(t4: TAddr4, flags: number, expires: bigint): Buffer {
  const b = Buffer.alloc(NAT64_BIB6_VALUE.size);
  encodeTAddr4(t4, b, 0);
  b.writeUInt32LE(flags >>> 0, NAT64_BIB6_VALUE.flags.offset);
  b.writeBigUInt64LE(expires, NAT64_BIB6_VALUE.expires.offset);
  return b;
}

export interface SessionKey {
  local4: Buffer;
  remote4: Buffer;
  lport: number;
  rport: number;
  proto: number;
}
export interface SessionValue {
  addr6: Buffer;
  port6: number;
  state: number;
  expires: bigint;
}

export function encodeSessionKey(k: SessionKey, b = Buffer.alloc(NAT64_SESSION_KEY.size), at = 0): Buffer {
  const K = NAT64_SESSION_KEY;
  k.local4.copy(b, at + K.local4.offset, 0, K.local4.size);
  k.remote4.copy(b, at + K.remote4.offset, 0, K.remote4.size);
  b.writeUInt16BE(k.lport, at + K.lport.offset);
  b.writeUInt16BE(k.rport, at + K.rport.offset);
  b.writeUInt8(k.proto, at + K.proto.offset);
  b.fill(0, at + K._pad.offset, at + K._pad.offset + K._pad.size);
  return b;
}
export function encodeSession(v: SessionValue, b = Buffer.alloc(NAT64_SESSION.size), at = 0): Buffer {
  const S = NAT64_SESSION;
  v.addr6.copy(b, at + S.addr6.offset, 0, S.addr6.size);
  b.writeUInt16BE(v.port6, at + S.port6.offset);
  b.writeUInt8(v.state, at + S.state.offset);
  b.writeUInt8(0, at + S.flags.offset);
  b.writeUInt32LE(0, at + S.bib_gen.offset);
  b.writeBigUInt64LE(v.expires, at + S.expires.offset);
  return b;
}
