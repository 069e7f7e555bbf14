/**
 * The SIIT global keys `xlat siit global update KEY VALUE` accepts, and their values.
 */
import {InputError} from '../errors.js';
import type {Prefix6} from './ipv6.js';
import {parsePool6OrNull} from './pool6.js';

export const SIIT_GLOBAL_KEYS = ['manually-enabled', 'pool6'] as const;
export type SiitGlobalKey = (typeof SIIT_GLOBAL_KEYS)[number];

export type SiitGlobalUpdate = {key: 'manually-enabled'; value: boolean} | {key: 'pool6'; value: Prefix6 | null};

function isKey(key: string): key is SiitGlobalKey {
  return (SIIT_GLOBAL_KEYS as readonly string[]).includes(key);
}

/** Parses a boolean global value: exactly `true` or `false`. */
export function parseBooleanValue(key: string, text: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new InputError(`'${text}' is not a valid value for ${key}: expected true or false`);
}

/** Validates KEY and VALUE of `global update`; throws InputError naming the bad one. */
export function parseSiitGlobalUpdate(key: string, value: string): SiitGlobalUpdate {
  if (!isKey(key)) {
    throw new InputError(`'${key}' is not a SIIT global key: expected one of ${SIIT_GLOBAL_KEYS.join(', ')}`);
  }
  switch (key) {
    case 'manually-enabled':
      return {key, value: parseBooleanValue(key, value)};
    case 'pool6':
      return {key, value: parsePool6OrNull(value)};
  }
}
