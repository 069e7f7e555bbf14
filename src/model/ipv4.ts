/**
 * IPv4 addresses and prefixes: strict dotted-quad parsing and canonical formatting.
 * Pure logic: no kernel, no I/O.
 */
import {InputError} from '../errors.js';

/** An IPv4 prefix: 4 address bytes and a length 0-32. */
export interface Prefix4 {
  addr: Uint8Array;
  len: number;
}

/** Why `text` is not a dotted-quad IPv4 address, or null when it is one (then `out` holds the 4 bytes). */
export function ipv4Problem(text: string, out?: Uint8Array): string | null {
  if (text.length === 0) return 'it is empty';
  const parts = text.split('.');
  if (parts.length !== 4) return `expected 4 dot-separated octets, found ${parts.length}`;
  for (let i = 0; i < 4; i++) {
    const part = parts[i];
    if (part.length === 0) return `octet ${i + 1} is empty`;
    if (!/^[0-9]+$/.test(part)) return `octet '${part}' is not a decimal number`;
    if (part.length > 1 && part.startsWith('0')) return `octet '${part}' has a leading zero`;
    if (part.length > 3 || Number(part) > 255) return `octet '${part}' is greater than 255`;
    if (out) out[i] = Number(part);
  }
  return null;
}

/** Parses a dotted-quad IPv4 address; throws InputError naming the bad input. */
export function parseIPv4(text: string): Uint8Array {
  const out = new Uint8Array(4);
  const problem = ipv4Problem(text, out);
  if (problem !== null) throw new InputError(`'${text}' is not a valid IPv4 address: ${problem}`);
  return out;
}

/** Dotted-quad text of 4 bytes. */
export function formatIPv4(addr: Uint8Array): string {
  if (addr.length !== 4) throw new RangeError(`an IPv4 address has 4 bytes, not ${addr.length}`);
  return `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}`;
}

/** Parses a prefix length in decimal without sign or leading zeros; null if malformed or above max. */
export function parseLength(text: string, max: number): number | null {
  if (!/^(0|[1-9][0-9]{0,2})$/.test(text)) return null;
  const n = Number(text);
  return n <= max ? n : null;
}

/** True when every bit of `addr` after the first `len` bits is zero. */
export function hostBitsZero(addr: Uint8Array, len: number): boolean {
  for (let bit = len; bit < addr.length * 8; bit++) {
    if ((addr[bit >> 3] >> (7 - (bit & 7))) & 1) return false;
  }
  return true;
}

/** `addr` with every bit after the first `len` cleared (a new array). */
export function maskAddress(addr: Uint8Array, len: number): Uint8Array {
  const out = Uint8Array.from(addr);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    out[i] &= (0xff << (8 - keep)) & 0xff;
  }
  return out;
}

/**
 * Parses `A.B.C.D/LEN` (LEN 0-32). A missing `/LEN` means /32 only when `allowBare` is set.
 * Bits after LEN must be zero.
 */
export function parsePrefix4(text: string, options: {allowBare?: boolean} = {}): Prefix4 {
  const fail = (why: string): never => {
    throw new InputError(`'${text}' is not a valid IPv4 prefix: ${why}`);
  };
  const slash = text.indexOf('/');
  if (slash === -1 && !options.allowBare) fail('expected ADDRESS/LENGTH');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const lenText = slash === -1 ? '32' : text.slice(slash + 1);
  const addr = new Uint8Array(4);
  const problem = ipv4Problem(addrText, addr);
  if (problem !== null) fail(`'${addrText}' is not an IPv4 address (${problem})`);
  const len = parseLength(lenText, 32);
  if (len === null) fail('length must be 0-32');
  if (!hostBitsZero(addr, len!)) {
    fail(`bits after /${len} must be zero (did you mean ${formatIPv4(maskAddress(addr, len!))}/${len}?)`);
  }
  return {addr, len: len!};
}

export function formatPrefix4(prefix: Prefix4): string {
  return `${formatIPv4(prefix.addr)}/${prefix.len}`;
}
