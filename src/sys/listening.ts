/**
 * The sockets this namespace's own services listen on, and its ephemeral
 * port range: what a pool4 range must leave alone. Sync reads of /proc after
 * any setns (thread-pool reads would see the old namespace).
 */
import fs from 'node:fs';

export interface ListeningSocket {
  proto: 'tcp' | 'udp';
  /** IPv4 address as a number, or null for a wildcard (0.0.0.0 or ::). */
  addr: number | null;
  port: number;
}

const TCP_LISTEN = '0A';

/** The local address field of /proc/net/{tcp,udp}[6] ("0100007F:0016"): an IPv4 address (or null for any), and the port. */
function parseLocal(field: string, v6: boolean): {addr: number | null; port: number} | 'other' {
  const [hex, portHex] = field.split(':');
  const port = parseInt(portHex ?? '0', 16);
  if (!v6) {
    const le = parseInt(hex ?? '0', 16) >>> 0;
    const addr = (((le & 0xff) << 24) | (((le >>> 8) & 0xff) << 16) | (((le >>> 16) & 0xff) << 8) | (le >>> 24)) >>> 0;
    return {addr: addr === 0 ? null : addr, port};
  }
  if (/^0+$/.test(hex ?? '')) return {addr: null, port};
  // ::ffff:a.b.c.d as the kernel prints it: three 32-bit words, the last holding the IPv4 address.
  if (hex && /^0{16}FFFF0000/i.test(hex)) {
    const le = parseInt(hex.slice(24), 16) >>> 0;
    return {addr: (((le & 0xff) << 24) | (((le >>> 8) & 0xff) << 16) | (((le >>> 16) & 0xff) << 8) | (le >>> 24)) >>> 0, port};
  }
  return 'other';
}

export function listeningSockets(): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const [file, proto, v6] of [
    ['tcp', 'tcp', false],
    ['tcp6', 'tcp', true],
    ['udp', 'udp', false],
    ['udp6', 'udp', true],
  ] as const) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/net/${file}`, 'utf8');
    } catch {
      continue; // no IPv6, or /proc not mounted: nothing to report
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4) continue;
      if (proto === 'tcp' && f[3] !== TCP_LISTEN) continue;
      const local = parseLocal(f[1], v6);
      if (local === 'other' || local.port === 0) continue;
      if (!out.some((o) => o.proto === proto && o.addr === local.addr && o.port === local.port)) out.push({proto, ...local});
    }
  }
  return out;
}

/** net.ipv4.ip_local_port_range of this namespace, or null when unreadable. */
export function ephemeralPorts(): [number, number] | null {
  try {
    const [a, b] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) ? [a, b] : null;
  } catch {
    return null;
  }
}
