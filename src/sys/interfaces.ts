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

interface IpLink {
  ifindex: number;
  ifname: string;
  link_type?: string;
  flags?: string[];
  linkinfo?: {info_kind?: string};
}
interface IpAddr {
  ifindex: number;
  addr_info?: {family?: string; local?: string}[];
}

export function listInterfaces(): NetInterface[] {
  const links = ipJson(['-d', 'link', 'show']) as IpLink[];
  const addrs = ipJson(['-4', 'addr', 'show']) as IpAddr[];
  const v4 = new Map<number, string[]>();
  for (const a of addrs) {
    const list = (a.addr_info ?? []).filter((i) => i.family === 'inet' && i.local).map((i) => i.local as string);
    v4.set(a.ifindex, list);
  }
  return links.map((l) => ({
    index: l.ifindex,
    name: l.ifname,
    kind: l.link_type === 'loopback' ? 'loopback' : (l.linkinfo?.info_kind ?? ''),
    linkType: l.link_type ?? '',
    up: (l.flags ?? []).includes('UP'),
    ipv4: v4.get(l.ifindex) ?? [],
  }));
}

/** Every IPv4 address of the namespace (all interfaces, loopback included). */
export function namespaceIpv4Addresses(): string[] {
  const addrs = ipJson(['-4', 'addr', 'show']) as IpAddr[];
  const out = new Set<string>();
  for (const a of addrs) {
    for (const i of a.addr_info ?? []) if (i.family === 'inet' && i.local) out.add(i.local);
  }
  return [...out];
}

export interface InterfaceAddresses {
  /** First IPv4 address of the interface, if any. */
  v4?: string;
  /** First global-scope IPv6 address of the interface, if any. */
  v6?: string;
}

interface IpAddrFull {
  ifindex: number;
  addr_info?: {family?: string; local?: string; scope?: string}[];
}

/**
 * The addresses this node answers from on each interface (by ifindex): the
 * source of the ICMP errors the translator sends to a neighbour there.
 */
export function interfaceAddresses(): Map<number, InterfaceAddresses> {
  const out = new Map<number, InterfaceAddresses>();
  for (const a of ipJson(['addr', 'show']) as IpAddrFull[]) {
    const entry: InterfaceAddresses = {};
    for (const i of a.addr_info ?? []) {
      if (!i.local) continue;
      if (i.family === 'inet' && entry.v4 === undefined) entry.v4 = i.local;
      if (i.family === 'inet6' && i.scope === 'global' && entry.v6 === undefined) entry.v6 = i.local;
    }
    out.set(a.ifindex, entry);
  }
  return out;
}
