/**
 * NAT64 globals: nat64_config as Jool's global keys, read and updated one key at a time.
 */
import {withNat64Instance, writeConfig} from './maps.js';

import * as L from './layout.js';

import {formatIpv6Prefix, maskIpv6} from '../prefix.js';
import {type Nat64GlobalUpdate, type Nat64Globals} from '../../model/nat64-globals.js';

/** pool6 as text, or null when unset (length 0: the data plane's RFC 6052 helpers then match nothing). */
export function pool6Text(cfg: L.Nat64Config): string | null {
  return cfg.pool6.len === 0 ? null : formatIpv6Prefix(cfg.pool6);
}

export const NO_POOL6 = (): {addr: Buffer; len: number} => ({addr: Buffer.alloc(16), len: 0});

// ---------------------------------------------------------------------------
// globals

export function flagsOf(g: Omit<Nat64Globals, 'pool6'>): number {
  let f = 0;
  for (const [name, bit] of Object.entries(L.NAT64_F) as [L.Nat64FlagName, number][]) if (g[name]) f |= bit;
  return f;
}

const flagNames = Object.keys(L.NAT64_F) as L.Nat64FlagName[];
const isFlag = (k: string): k is L.Nat64FlagName => (flagNames as string[]).includes(k);

export function globalsOf(cfg: L.Nat64Config): Nat64Globals {
  const flag = (n: L.Nat64FlagName) => (cfg.flags & L.NAT64_F[n]) !== 0;
  return {
    pool6: pool6Text(cfg),
    'manually-enabled': cfg.enabled,
    'address-dependent-filtering': flag('address-dependent-filtering'),
    'drop-externally-initiated-tcp': flag('drop-externally-initiated-tcp'),
    'drop-icmpv6-info': flag('drop-icmpv6-info'),
    'source-icmpv6-errors-better': flag('source-icmpv6-errors-better'),
    'handle-rst-during-fin-rcv': flag('handle-rst-during-fin-rcv'),
    'cluster-steering': flag('cluster-steering'),
    'zeroize-traffic-class': cfg.zeroizeTrafficClass,
    'override-tos': cfg.overrideTos,
    tos: cfg.tos,
    'lowest-ipv6-mtu': cfg.lowestIpv6Mtu,
    'f-args': cfg.fArgs,
    'maximum-simultaneous-opens': cfg.maxSimultaneousOpens,
    'udp-timeout': cfg.udpTimeout,
    'tcp-est-timeout': cfg.tcpEstTimeout,
    'tcp-trans-timeout': cfg.tcpTransTimeout,
    'icmp-timeout': cfg.icmpTimeout,
  };
}

export async function readNat64Globals(): Promise<Nat64Globals> {
  return withNat64Instance((_maps, cfg) => globalsOf(cfg));
}

/** nat64_config with one global changed. */
export function applyNat64Update(cfg: L.Nat64Config, u: Nat64GlobalUpdate): L.Nat64Config {
  const next = {...cfg};
  switch (u.key) {
    case 'pool6':
      next.pool6 = u.value === null ? NO_POOL6() : {addr: maskIpv6(Buffer.from(u.value.addr), u.value.len), len: u.value.len};
      break;
    case 'manually-enabled':
      next.enabled = u.value;
      break;
    case 'udp-timeout':
      next.udpTimeout = u.value;
      break;
    case 'tcp-est-timeout':
      next.tcpEstTimeout = u.value;
      break;
    case 'tcp-trans-timeout':
      next.tcpTransTimeout = u.value;
      break;
    case 'icmp-timeout':
      next.icmpTimeout = u.value;
      break;
    case 'tos':
      next.tos = u.value;
      break;
    case 'lowest-ipv6-mtu':
      next.lowestIpv6Mtu = u.value;
      break;
    case 'f-args':
      next.fArgs = u.value;
      break;
    case 'maximum-simultaneous-opens':
      next.maxSimultaneousOpens = u.value;
      break;
    case 'zeroize-traffic-class':
      next.zeroizeTrafficClass = u.value;
      break;
    case 'override-tos':
      next.overrideTos = u.value;
      break;
    default: {
      if (!isFlag(u.key)) throw new Error(`internal: global ${String(u.key)} has no place in nat64_config`);
      const bit = L.NAT64_F[u.key];
      next.flags = u.value ? next.flags | bit : next.flags & ~bit;
    }
  }
  return next;
}

export async function updateNat64Global(u: Nat64GlobalUpdate): Promise<{before: Nat64Globals; after: Nat64Globals}> {
  return withNat64Instance((maps, cfg) => {
    const next = applyNat64Update(cfg, u);
    writeConfig(maps, next);
    return {before: globalsOf(cfg), after: globalsOf(next)};
  });
}
