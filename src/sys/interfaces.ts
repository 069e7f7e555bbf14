/** This namespace's interfaces, through `ip -j` (child processes follow setns). */
import {spawnSync} from 'node:child_process';
import {SystemError} from '../errors.js';

export interface NetInterface {
  index: number;
  name: string;
  /** Link kind from `ip -d` ("veth", "bridge", ...), "loopback", or "" for a physical device. */
  kind: string;
  /** link type ("ether", "loopback", "none", ...). */
  linkType: string;
  up: boolean;
  ipv4: string[];
}

function ipJson(args: string[]): unknown {
  const res = spawnSync('ip', ['-j', ...args], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024});
  if (res.error) throw new SystemError(`running 'ip ${args.join(' ')}' failed: ${res.error.message}`, 0);
  if (res.status !== 0) {
    throw new SystemError(`'ip -j ${args.join(' ')}' failed: ${(res.stderr || '').trim() || `exit ${res.status}`}`, 0);
  }
  const text = res.stdout.trim();
  if (!text) return [];
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SystemError(`'ip -j ${args.join(' ')}' printed something that is not JSON`, 0);
  }
}

interface IpLinkAddr {
  ifindex: number;
  ifname: string;
  link_type?: string;
  flags?: string[];
  linkinfo?: {info_kind?: string};
  addr_info?: {family?: string; local?: string; scope?: string}[];
}

/*
 * One `ip -j -d addr show` per process gives links, kinds and addresses at once
 * (each spawn costs milliseconds of a command's start). Taken lazily, after any
 * setns, so it describes the namespace the command acts on.
 */
let snapshot: IpLinkAddr[] | null = null;
function links(): IpLinkAddr[] {
  snapshot ??= ipJson(['-d', 'addr', 'show']) as IpLinkAddr[];
  return snapshot;
}

/** Forgets the snapshot: the next call looks again (after a change of namespace, or of its interfaces). */
export function forgetInterfaces(): void {
  snapshot = null;
}

function addresses(l: IpLinkAddr, family: 'inet' | 'inet6'): {local: string; scope?: string}[] {
  return (l.addr_info ?? []).filter((i) => i.family === family && i.local).map((i) => ({local: i.local as string, scope: i.scope}));
}

/** The NAT64's own delay line for held SYNs (src/instance/nat64/syn-delay.ts): never an interface to translate on. */
export const INTERNAL_IFACE_PREFIX = 'xlat-syn';

/** The namespace's interfaces, but xlat's own (INTERNAL_IFACE_PREFIX) unless `internal`. */
export function listInterfaces(internal = false): NetInterface[] {
  return links()
    .filter((l) => internal || !l.ifname.startsWith(INTERNAL_IFACE_PREFIX))
    .map((l) => ({
      index: l.ifindex,
      name: l.ifname,
      kind: l.link_type === 'loopback' ? 'loopback' : (l.linkinfo?.info_kind ?? ''),
      linkType: l.link_type ?? '',
      up: (l.flags ?? []).includes('UP'),
      ipv4: addresses(l, 'inet').map((a) => a.local),
    }));
}

/** Every IPv4 address of the namespace (all interfaces, loopback included). */
export function namespaceIpv4Addresses(): string[] {
  return [...new Set(links().flatMap((l) => addresses(l, 'inet').map((a) => a.local)))];
}

export interface InterfaceAddresses {
  /** First IPv4 address of the interface, if any. */
  v4?: string;
  /** First global-scope IPv6 address of the interface, if any. */
  v6?: string;
}

/**
 * The addresses this node answers from on each interface (by ifindex): the
 * source of the ICMP errors the translator sends to a neighbour there.
 */
export function interfaceAddresses(): Map<number, InterfaceAddresses> {
  const out = new Map<number, InterfaceAddresses>();
  for (const l of links()) {
    out.set(l.ifindex, {
      v4: addresses(l, 'inet')[0]?.local,
      v6: addresses(l, 'inet6').find((a) => a.scope === 'global')?.local,
    });
  }
  return out;
}
