/**
 * siit_redirect: the interfaces the XDP fast path may send translated packets
 * to by itself (bpf_fib_lookup + bpf_redirect) instead of handing them to the
 * kernel's forwarding. Redirecting from native XDP into a veth loses the frame
 * unless the veth's peer runs XDP or GRO, which this node cannot see or set;
 * generic XDP redirects through the normal transmit path and works anywhere.
 */
import type {BpfMap} from '../../bpf/map.js';

export const SIIT_MAP_REDIRECT = 'siit_redirect';

export interface RedirectCandidate {
  ifindex: number;
  kind: string;
}

/** Egress interfaces the fast path may redirect to, given how XDP is attached on the instance's interfaces. */
export function redirectTargets(xdpModes: readonly string[], ifaces: readonly RedirectCandidate[]): number[] {
  if (xdpModes.length === 0) return [];
  const allGeneric = xdpModes.every((m) => m === 'generic');
  return ifaces.filter((i) => allGeneric || i.kind !== 'veth').map((i) => i.ifindex);
}

export function writeRedirectTargets(map: BpfMap, ifindexes: readonly number[]): void {
  const one = Buffer.from([1]);
  for (const ifindex of ifindexes) {
    const key = Buffer.alloc(4);
    key.writeUInt32LE(ifindex);
    map.update(key, one);
  }
}

export function readRedirectTargets(map: BpfMap): Set<number> {
  return new Set([...map.keys()].map((k) => k.readUInt32LE(0)));
}
