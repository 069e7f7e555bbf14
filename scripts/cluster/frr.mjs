// FRR daemons (zebra, bfdd, bgpd) run inside one network namespace each, never as the system service: every
// namespace gets its own directory holding frr.conf, the pid files, the zebra API socket, bfdd's control socket,
// the vty sockets and the logs, so several routers run side by side and `vtysh --vty_socket DIR` talks to one.
import {existsSync, mkdirSync, readFileSync, writeFileSync, chownSync} from 'node:fs';
import {execFileSync} from 'node:child_process';
import path from 'node:path';
import {check, run} from '../../test/helpers/netns.mjs';

const FRR_LIB = '/usr/lib/frr';
export const DAEMONS = ['zebra', 'bfdd', 'bgpd'];

/** Why FRR cannot run here (one line), or null. */
export function frrMissing() {
  for (const d of DAEMONS) {
    if (!existsSync(path.join(FRR_LIB, d))) return `FRR's ${d} is missing: ${FRR_LIB}/${d} (Debian package frr; scripts/setup-cluster.sh installs it)`;
  }
  try {
    execFileSync('sh', ['-c', 'command -v vtysh'], {stdio: 'ignore'});
  } catch {
    return "FRR's vtysh is missing (Debian package frr; scripts/setup-cluster.sh installs it)";
  }
  try {
    execFileSync('id', ['frr'], {stdio: 'ignore'});
  } catch {
    return "the user frr is missing (the Debian package frr creates it; FRR's daemons drop root to it)";
  }
  return null;
}

const frrIds = () => {
  const id = (flag) => Number(execFileSync('id', [flag, 'frr'], {encoding: 'utf8'}).trim());
  return {uid: id('-u'), gid: id('-g')};
};

/**
 * Writes `config` to DIR/frr.conf and starts zebra, bfdd and bgpd in namespace `ns` (daemonized: they stay up
 * after the lab script ends with --keep). The daemons drop root to the user frr, which owns DIR.
 */
export async function startFrr(ns, dir, config) {
  mkdirSync(dir, {recursive: true});
  writeFileSync(path.join(dir, 'frr.conf'), config);
  const {uid, gid} = frrIds();
  chownSync(dir, uid, gid);
  chownSync(path.join(dir, 'frr.conf'), uid, gid);
  for (const d of DAEMONS) {
    const args = [
      'netns',
      'exec',
      ns,
      path.join(FRR_LIB, d),
      '-d',
      '-f',
      path.join(dir, 'frr.conf'),
      '-i',
      path.join(dir, `${d}.pid`),
      '-z',
      path.join(dir, 'zserv.api'),
      '--vty_socket',
      dir,
      '-P',
      '0',
      '-u',
      'frr',
      '-g',
      'frr',
      '--log',
      `file:${path.join(dir, `${d}.log`)}`,
    ];
    if (d === 'bfdd') args.push('--bfdctl', path.join(dir, 'bfdd.sock'));
    const r = await run('ip', args, {timeout: 20_000});
    if (r.code !== 0) throw new Error(`FRR's ${d} did not start in ${ns}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  }
}

/** Pids of the FRR daemons started in DIR (those whose pid file exists). */
export function frrPids(dir) {
  const pids = [];
  for (const d of DAEMONS) {
    const f = path.join(dir, `${d}.pid`);
    if (!existsSync(f)) continue;
    const pid = Number(readFileSync(f, 'utf8').trim());
    if (pid > 0) pids.push(pid);
  }
  return pids;
}

/**
 * Sends `signal` to the FRR daemons of DIR running in namespace NS (SIGSTOP: a hung node that answers nothing;
 * SIGKILL: gone). Only pids the namespace still holds: a pid file outlives its daemon, and its number may be
 * someone else's by then.
 */
export async function signalFrr(ns, dir, signal) {
  const inside = new Set((await run('ip', ['netns', 'pids', ns], {timeout: 5000})).stdout.split(/\s+/).filter(Boolean).map(Number));
  for (const pid of frrPids(dir).filter((p) => inside.has(p))) {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Runs vtysh commands against the daemons of DIR; resolves to their output. */
export async function vtysh(dir, commands, {timeout = 15_000} = {}) {
  const r = await check('vtysh', ['--vty_socket', dir, ...commands.flatMap((c) => ['-c', c])], {timeout});
  return r.stdout;
}
