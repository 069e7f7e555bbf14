/**
 * What could go wrong when pool4 takes ports the node uses itself: a service
 * listening on a pool4 port becomes unreachable over IPv4 (its SYNs are taken
 * as NAT64 traffic), and a connection from an ephemeral port collides with a
 * mapping. Pure logic: the sockets and the range come in as data.
 */
import {formatItemPrefix, ipv4Bytes, type Pool4Item} from './pool4-set.js';

export interface LocalPort {
  proto: 'tcp' | 'udp';
  /** null: the socket listens on every address. */
  addr: number | null;
  port: number;
}

function covers(i: Pool4Item, addr: number): boolean {
  const size = 2 ** (32 - i.len);
  return addr - (addr % size) === i.addr - (i.addr % size);
}

export interface Pool4Risks {
  /** Entries that would cut a local service off from IPv4: refused unless forced. */
  lockouts: string[];
  /** Entries that overlap the ephemeral range: allowed, with a warning. */
  warnings: string[];
}

/**
 * Entries that cover a port a local service listens on (on the entry's
 * addresses, or on all addresses when `ownAddresses` holds one of the
 * entry's), and entries that overlap the ephemeral range.
 */
export function pool4Risks(items: Pool4Item[], listening: LocalPort[], ephemeral: [number, number] | null, ownAddresses: number[]): Pool4Risks {
  const lockouts: string[] = [];
  const warnings: string[] = [];
  for (const i of items) {
    if (i.proto === 'icmp') continue;
    const hits = listening.filter(
      (s) =>
        s.proto === i.proto && s.port >= i.ports[0] && s.port <= i.ports[1] && (s.addr === null ? ownAddresses.some((a) => covers(i, a)) : covers(i, s.addr)),
    );
    if (hits.length) {
      const where = hits
        .slice(0, 5)
        .map((h) => `${h.addr === null ? '*' : [...ipv4Bytes(h.addr)].join('.')}:${h.port}`)
        .join(', ');
      lockouts.push(
        `${i.proto.toUpperCase()} pool4 ${formatItemPrefix(i)} ${i.ports.join('-')} covers ${hits.length === 1 ? 'a port' : 'ports'} this node listens on (${where}${hits.length > 5 ? ', ...' : ''}): IPv4 clients could no longer reach ${hits.length === 1 ? 'it' : 'them'} there`,
      );
    }
    if (ephemeral && i.ports[0] <= ephemeral[1] && ephemeral[0] <= i.ports[1] && ownAddresses.some((a) => covers(i, a))) {
      warnings.push(
        `${i.proto.toUpperCase()} pool4 ${formatItemPrefix(i)} ${i.ports.join('-')} overlaps this namespace's ephemeral ports ${ephemeral.join('-')} (net.ipv4.ip_local_port_range): the node's own connections may collide with translated ones`,
      );
    }
  }
  return {lockouts, warnings};
}
