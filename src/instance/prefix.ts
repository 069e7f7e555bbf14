/**
 * The address helpers the instance managers need, on Buffers: thin adapters
 * over src/model/ (where parsing and RFC 5952 formatting live).
 */
import {formatIPv6} from '../model/ipv6.js';
import {ipv4Problem, maskAddress} from '../model/ipv4.js';

/** RFC 5952 text of a 16-byte IPv6 address. */
export function formatIpv6(addr: Buffer): string {
  if (addr.length !== 16) throw new Error('internal: IPv6 address must be 16 bytes');
  return formatIPv6(addr);
}

export function formatIpv6Prefix(p: {addr: Buffer; len: number}): string {
  return `${formatIpv6(p.addr)}/${p.len}`;
}

/** Copy of addr with every bit after len cleared. */
export function maskIpv6(addr: Buffer, len: number): Buffer {
  return Buffer.from(maskAddress(addr, len));
}

/** Dotted IPv4 text to 4 bytes in network order, or null. */
export function ipv4Bytes(text: string): Buffer | null {
  const out = new Uint8Array(4);
  return ipv4Problem(text, out) === null ? Buffer.from(out) : null;
}
