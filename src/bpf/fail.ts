import os from 'node:os';
import {SystemError} from '../errors.js';
import type {Libbpf} from '../ffi/libbpf.js';

/** Name of a positive errno ("EEXIST"), or "errno N". */
export function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(os.constants.errno)) {
    if (value === errno) return name;
  }
  return `errno ${errno}`;
}

/** Human text for a libbpf negative return code or a positive errno. */
export function describe(lib: Libbpf, err: number): string {
  const code = Math.abs(err);
  return lib.libbpf_strerror(code);
}

/** Throws a SystemError "<what>: <strerror>" for a libbpf negative return code. */
export function check(lib: Libbpf, rc: number, what: string): number {
  if (rc < 0) throw new SystemError(`${what}: ${describe(lib, rc)}`, -rc);
  return rc;
}
