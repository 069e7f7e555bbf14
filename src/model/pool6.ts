/**
 * pool6: the RFC 6052 prefix SIIT uses to map IPv4 addresses into IPv6.
 */
import {InputError} from '../errors.js';
import {formatPrefix6, parsePrefix6, type Prefix6} from './ipv6.js';
import {validatePool6} from './rfc6052.js';
import {isUnsetWord} from './values.js';

/** Parses and validates a pool6 prefix (syntax, RFC 6052 length, zero host bits, zero u-octet). */
export function parsePool6(text: string): Prefix6 {
  if (isUnsetWord(text)) throw new InputError(`'${text}' is not a valid pool6 prefix here: expected a prefix such as 64:ff9b::/96`);
  // Syntax first, then the RFC 6052 rules in order: length, u-octet, host bits.
  const prefix = parsePrefix6(text, {allowHostBits: true});
  validatePool6(prefix, text);
  return prefix;
}

/** Like parsePool6, but `null` (or `(unset)`, as display prints it) means "no pool6". */
export function parsePool6OrNull(text: string): Prefix6 | null {
  return isUnsetWord(text) ? null : parsePool6(text);
}

/** Canonical text of a pool6, or null. */
export function formatPool6(prefix: Prefix6 | null): string | null {
  return prefix === null ? null : formatPrefix6(prefix);
}

/** A copy in the {addr: Buffer, len} shape the instance layer takes. */
export function pool6ToBuffer(prefix: Prefix6 | null): {addr: Buffer; len: number} | null {
  return prefix === null ? null : {addr: Buffer.from(prefix.addr), len: prefix.len};
}
