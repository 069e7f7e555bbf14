/**
 * Names the kernel accepts for network interfaces and named network namespaces.
 */
import {InputError} from '../errors.js';

/** IFNAMSIZ - 1: Linux interface names are at most 15 bytes. */
const IFNAME_MAX = 15;

/** Why `name` cannot be a Linux interface name (mirrors the kernel's dev_valid_name), or null. */
function ifnameProblem(name: string): string | null {
  if (name.length === 0) return 'it is empty';
  if (Buffer.byteLength(name) > IFNAME_MAX) return `it is longer than ${IFNAME_MAX} bytes`;
  if (name === '.' || name === '..') return "'.' and '..' are not allowed";
  const bad = /[/:\s]/.exec(name);
  if (bad) return `it contains ${bad[0] === '/' || bad[0] === ':' ? `'${bad[0]}'` : 'whitespace'}`;
  return null;
}

export function validateIfname(name: string): string {
  const problem = ifnameProblem(name);
  if (problem !== null) throw new InputError(`'${name}' is not a valid interface name: ${problem}`);
  return name;
}

/** Validates a list of interface names and rejects duplicates. */
export function validateIfnames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const name of names) {
    validateIfname(name);
    if (seen.has(name)) throw new InputError(`interface '${name}' is listed twice`);
    seen.add(name);
  }
  return [...names];
}

/** Why `name` cannot be an `ip netns` name (a file in /run/netns), or null. */
function netnsProblem(name: string): string | null {
  if (name.length === 0) return 'it is empty';
  if (name === '.' || name === '..') return "'.' and '..' are not allowed";
  if (name.includes('/')) return "it contains '/'";
  if (name.includes('\0')) return 'it contains a NUL byte';
  if (Buffer.byteLength(name) > 255) return 'it is longer than 255 bytes';
  return null;
}

export function validateNetnsName(name: string): string {
  const problem = netnsProblem(name);
  if (problem !== null) throw new InputError(`'${name}' is not a valid network namespace name: ${problem}`);
  return name;
}
