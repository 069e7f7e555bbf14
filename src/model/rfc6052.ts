/**
 * RFC 6052 IPv4-embedded IPv6 addresses (section 2.2): the IPv4 address follows
 * the prefix, skipping bits 64-71 (the "u" octet, which must be zero), and the
 * remaining suffix bits are zero. Valid prefix lengths: 32, 40, 48, 56, 64, 96.
 */
import {InputError} from '../errors.js';
import {hostBitsZero, maskAddress} from './ipv4.js';
import {formatIPv6, formatPrefix6, type Prefix6} from './ipv6.js';

export const RFC6052_LENGTHS: readonly number[] = Object.freeze([32, 40, 48, 56, 64, 96]);

/** The byte holding bits 64-71 of an IPv6 address. */
const U_OCTET = 8;

function isRfc6052Length(len: number): boolean {
  return RFC6052_LENGTHS.includes(len);
}

/** Byte offsets (in the IPv6 address) that carry the 4 IPv4 bytes for a prefix length. */
export function ipv4Offsets(len: number): number[] {
  if (!isRfc6052Length(len)) throw new RangeError(`RFC 6052 has no address format for /${len}`);
  const offsets: number[] = [];
  let pos = len / 8;
  while (offsets.length < 4) {
    if (pos === U_OCTET) pos++;
    offsets.push(pos++);
  }
  return offsets;
}

/** The IPv4-embedded IPv6 address of `ipv4` (4 bytes) under `prefix`. */
export function embedIPv4(prefix: Prefix6, ipv4: Uint8Array): Uint8Array {
  if (ipv4.length !== 4) throw new RangeError(`an IPv4 address has 4 bytes, not ${ipv4.length}`);
  const out = new Uint8Array(16);
  out.set(prefix.addr.subarray(0, prefix.len / 8));
  ipv4Offsets(prefix.len).forEach((off, i) => {
    out[off] = ipv4[i]!;
  });
  return out;
}

/** The IPv4 address (4 bytes) embedded in `addr` by a prefix of length `len`. */
export function extractIPv4(addr: Uint8Array, len: number): Uint8Array {
  if (addr.length !== 16) throw new RangeError(`an IPv6 address has 16 bytes, not ${addr.length}`);
  return Uint8Array.from(ipv4Offsets(len), (off) => addr[off]);
}

/** True when `addr` starts with `prefix` (the first prefix.len bits match). */
export function prefixContains(prefix: Prefix6, addr: Uint8Array): boolean {
  const full = prefix.len >> 3;
  for (let i = 0; i < full; i++) if (prefix.addr[i] !== addr[i]) return false;
  const rest = prefix.len & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (prefix.addr[full] & mask) === (addr[full] & mask);
}

/** Why `prefix` cannot be an RFC 6052 translation prefix (pool6), or null when it can. */
export function pool6Problem(prefix: Prefix6): string | null {
  if (!isRfc6052Length(prefix.len)) return 'length must be 32, 40, 48, 56, 64 or 96 (RFC 6052)';
  if (prefix.len > 64 && prefix.addr[U_OCTET] !== 0) return 'bits 64-71 (the u-octet) of the prefix must be zero';
  if (!hostBitsZero(prefix.addr, prefix.len)) {
    return `bits after /${prefix.len} must be zero (did you mean ${formatIPv6(maskAddress(prefix.addr, prefix.len))}/${prefix.len}?)`;
  }
  return null;
}

/** Throws InputError unless `prefix` is a valid pool6; `text` is what the user typed. */
export function validatePool6(prefix: Prefix6, text: string = formatPrefix6(prefix)): void {
  const problem = pool6Problem(prefix);
  if (problem !== null) throw new InputError(`'${text}' is not a valid pool6 prefix: ${problem}`);
}
