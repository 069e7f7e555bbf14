/**
 * Network namespaces by name (/run/netns/NAME, as `ip netns` manages them).
 * After setns only sync fs calls and child processes see the new namespace
 * (thread-pool work stays in the old one), so this module is sync-only.
 */
import fs from 'node:fs';
import path from 'node:path';
import {libbpf} from '../ffi/libbpf.js';
import {InputError, SystemError, describeSystemError} from '../errors.js';

const NETNS_RUN_DIR = '/run/netns';
const CLONE_NEWNET = 0x40000000;

/** Moves this process (its main thread) into the named network namespace. */
export async function enterNetns(name: string): Promise<void> {
  if (!name || name.includes('/') || name === '.' || name === '..') {
    throw new InputError(`invalid network namespace name '${name}'`);
  }
  const file = path.join(NETNS_RUN_DIR, name);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`network namespace '${name}' does not exist (see 'ip netns list')`);
    throw new SystemError(`opening ${file} failed: ${describeSystemError(err)}`, (err as NodeJS.ErrnoException).errno ?? 0);
  }
  try {
    const lib = await libbpf();
    if (lib.setns(fd, CLONE_NEWNET) !== 0) {
      const e = lib.errno();
      throw new SystemError(`entering network namespace '${name}' failed: ${lib.libbpf_strerror(e)}`, e);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Every name in /run/netns (sorted), as `ip netns list` shows them. */
export function namedNetns(): string[] {
  try {
    return fs.readdirSync(NETNS_RUN_DIR).sort();
  } catch {
    return [];
  }
}

/** Identity of the current network namespace (device and inode of /proc/self/ns/net). */
export function currentNetnsId(): string {
  const st = fs.statSync('/proc/self/ns/net');
  return `${st.dev}:${st.ino}`;
}

/**
 * Runs fn inside the named namespace, then comes back to this one, even when
 * fn fails. fn must not leave work running (timers, thread-pool I/O) that
 * would outlive the switch back.
 */
export async function inNetns<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const home = fs.openSync('/proc/self/ns/net', 'r');
  const {forgetInterfaces} = await import('./interfaces.js');
  try {
    await enterNetns(name);
    forgetInterfaces();
    return await fn();
  } finally {
    const lib = await libbpf();
    const rc = lib.setns(home, CLONE_NEWNET);
    fs.closeSync(home);
    forgetInterfaces();
    if (rc !== 0) {
      const e = lib.errno();
      // Staying in the wrong namespace would make every later answer wrong: stop here, whatever fn() did.
      // eslint-disable-next-line no-unsafe-finally
      throw new SystemError(`returning to the original network namespace failed: ${lib.libbpf_strerror(e)}`, e);
    }
  }
}

/** The name of the current network namespace, as `ip netns` knows it. */
export function currentNetnsName(): string {
  const self = fs.statSync('/proc/self/ns/net');
  let names: string[] = [];
  try {
    names = fs.readdirSync(NETNS_RUN_DIR);
  } catch {
    names = [];
  }
  for (const n of names.sort()) {
    try {
      const st = fs.statSync(path.join(NETNS_RUN_DIR, n));
      if (st.ino === self.ino && st.dev === self.dev) return n;
    } catch {
      // a stale entry: skip
    }
  }
  return `(unnamed, inode ${self.ino})`;
}
