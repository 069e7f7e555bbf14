// Throwaway network namespaces for tests and the lab: unique names, bounded commands, guaranteed cleanup.
//
// Everything here spawns real processes (`ip`, `ping`, `python3`, the CLI) with a timeout, and every namespace
// created with `register: true` (the default) is removed by cleanupAll(), by a process 'exit' handler and on
// SIGINT/SIGTERM, so that a failing or interrupted test never leaves namespaces behind.
import {spawn, execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = path.join(REPO, 'bin', 'run.js');
export const BPF_OBJECT = path.join(REPO, 'build', 'bpf', 'siit.bpf.o');
export const DIST_COMMANDS = path.join(REPO, 'dist', 'commands');

/** Namespaces (names) this process created and must remove. */
const namespaces = new Set();
/** Background processes (ChildProcess) this process started and must stop. */
const background = new Set();

export const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Why the kernel-level tests cannot run here, or null when they can.
 * @param {{needBuild?: boolean, tools?: string[]}} [opts]  tools: commands the test needs besides ip, ping, python3
 */
export function skipReason({needBuild = true, tools = []} = {}) {
  if (process.platform !== 'linux') return 'needs Linux';
  if (!isRoot()) return 'needs root (network namespaces, BPF): run `sudo npm test`';
  for (const tool of ['ip', 'ping', 'python3', ...tools]) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'});
    } catch {
      return `needs ${tool} in PATH (scripts/setup.sh installs it)`;
    }
  }
  if (needBuild) {
    if (!existsSync(BPF_OBJECT)) return `${path.relative(REPO, BPF_OBJECT)} is missing: run \`npm run build\``;
    if (!existsSync(DIST_COMMANDS)) return `${path.relative(REPO, DIST_COMMANDS)} is missing: run \`npm run build\``;
  }
  return null;
}

/** A namespace name nobody else uses: `<prefix>-<pid>-<random>-<role>`. */
export function uniqueName(role, prefix = 'xlt') {
  return `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}-${role}`;
}

function killGroup(child, signal = 'SIGKILL') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Runs a command to completion, never longer than `timeout` ms (then its whole process group is killed).
 * Never rejects for a non-zero exit: inspect `code`.
 * @returns {Promise<{code: number|null, signal: string|null, stdout: string, stderr: string, timedOut: boolean, cmd: string}>}
 */
export function run(cmd, args = [], {timeout = 30_000, input, env, cwd} = {}) {
  const cmdline = [cmd, ...args].join(' ');
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(cmd, args, {detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env, cwd});
    } catch (err) {
      resolve({code: null, signal: null, stdout: '', stderr: String(err), timedOut: false, cmd: cmdline});
      return;
    }
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeout);
    child.on('error', (err) => {
      stderr += String(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({code, signal, stdout, stderr, timedOut, cmd: cmdline});
    });
    child.stdin.on('error', () => {});
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** Like run() but throws (with the command's output) unless it exits 0. */
export async function check(cmd, args = [], opts = {}) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`command failed (${r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`}): ${r.cmd}\n${r.stdout}${r.stderr}`);
  }
  return r;
}

/** Runs a command inside a namespace, as `ip netns exec NS cmd args...`. */
export const nsRun = (ns, cmd, args = [], opts = {}) => run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
export const nsCheck = (ns, cmd, args = [], opts = {}) => check('ip', ['netns', 'exec', ns, cmd, ...args], opts);

/** Runs `ip -n NS ...` (no mount-namespace games: fastest way to configure a namespace). */
export const ipIn = (ns, args, opts = {}) => check('ip', ['-n', ns, ...args], opts);

/**
 * Runs the CLI as an operator does inside a namespace: `ip netns exec NS node bin/run.js ARGS`.
 * With ns === null it runs in the current (root) namespace: `node bin/run.js ARGS`.
 */
export function xlat(ns, args, {timeout = 30_000} = {}) {
  if (ns === null) return run(process.execPath, [CLI, ...args], {timeout, cwd: REPO});
  return nsRun(ns, process.execPath, [CLI, ...args], {timeout, cwd: REPO});
}

/**
 * Starts a long-running command (a listener) and resolves once a line of its stdout matches `ready`.
 * Its process group is killed by stop(), by cleanupAll() and at exit.
 */
export function startBackground(cmd, args, {ready = /READY/, readyStream = 'stdout', readyTimeout = 10_000, timeout = 60_000} = {}) {
  const child = spawn(cmd, args, {detached: true, stdio: ['ignore', 'pipe', 'pipe']});
  background.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => (stdout += d));
  const lifetime = setTimeout(() => killGroup(child), timeout);
  const exited = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(lifetime);
      background.delete(child);
      resolve({code, signal, stdout, stderr});
    });
    child.on('error', (err) => {
      stderr += String(err);
    });
  });
  const readyP = new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`not ready after ${readyTimeout} ms: ${cmd} ${args.join(' ')}\n${stdout}${stderr}`)), readyTimeout);
    const check = () => {
      if (ready.test(readyStream === 'stderr' ? stderr : stdout)) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout.on('data', () => setImmediate(check));
    child.stderr.on('data', () => setImmediate(check));
    exited.then(() => {
      clearTimeout(t);
      reject(new Error(`exited before ready: ${cmd} ${args.join(' ')}\n${stdout}${stderr}`));
    });
  });
  readyP.catch(() => {});
  return {
    child,
    ready: readyP,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    async stop() {
      killGroup(child, 'SIGTERM');
      const t = setTimeout(() => killGroup(child), 2000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}

/** Background command inside a namespace. */
export const nsBackground = (ns, cmd, args, opts) => startBackground('ip', ['netns', 'exec', ns, cmd, ...args], opts);

/**
 * Creates a namespace with lo up. Registered for removal unless `register: false` (the lab keeps its own).
 */
export async function createNamespace(name, {register = true} = {}) {
  if (register) namespaces.add(name);
  await check('ip', ['netns', 'add', name]);
  await ipIn(name, ['link', 'set', 'lo', 'up']);
  return name;
}

/**
 * Sets sysctls inside a namespace: {'net.ipv4.ip_forward': 1, ...}. Writes /proc/sys directly (no dependency on
 * procps' sysctl, which minimal CI images may lack); /proc/sys/net belongs to the writer's network namespace.
 */
export async function setSysctls(ns, values) {
  const script = Object.entries(values)
    .map(([k, v]) => `echo ${Number(v)} > /proc/sys/${k.replace(/\./g, '/')}`)
    .join(' && ');
  await nsCheck(ns, 'sh', ['-c', script]);
}

/** Reads one sysctl inside a namespace (a string, trimmed). */
export async function getSysctl(ns, key) {
  const r = await nsCheck(ns, 'cat', [`/proc/sys/${key.replace(/\./g, '/')}`]);
  return r.stdout.trim();
}

/**
 * A veth pair between two namespaces, created directly inside them (nothing touches the root namespace),
 * both ends up. MTU 1500 unless given.
 */
export async function createVeth(nsA, ifA, nsB, ifB, {mtu = 1500} = {}) {
  await ipIn(nsA, ['link', 'add', ifA, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', ifB, 'mtu', String(mtu), 'netns', nsB]);
  await ipIn(nsA, ['link', 'set', ifA, 'up']);
  await ipIn(nsB, ['link', 'set', ifB, 'up']);
}

/** Adds an address; IPv6 ones with nodad so they are usable at once. */
export async function addAddress(ns, iface, cidr) {
  const args = ['addr', 'add', cidr, 'dev', iface];
  if (cidr.includes(':')) args.push('nodad');
  await ipIn(ns, args);
}

export async function addRoute(ns, dst, via, {dev} = {}) {
  const args = [dst.includes(':') || (via ?? '').includes(':') ? '-6' : '-4', 'route', 'add', dst];
  if (via) args.push('via', via);
  if (dev) args.push('dev', dev);
  await ipIn(ns, args);
}

/** MAC address of an interface in a namespace. */
export async function macOf(ns, iface) {
  const r = await ipIn(ns, ['-j', 'link', 'show', 'dev', iface]);
  return JSON.parse(r.stdout)[0].address;
}

/** Static (permanent) neighbour entry: `addr` is reachable at `lladdr` on `iface`. */
export async function addNeighbour(ns, iface, addr, lladdr) {
  await ipIn(ns, ['neigh', 'replace', addr, 'lladdr', lladdr, 'dev', iface, 'nud', 'permanent']);
}

/** Kills whatever still runs in a namespace and deletes it. Never throws. */
export async function deleteNamespace(name) {
  const pids = await run('ip', ['netns', 'pids', name], {timeout: 5000});
  for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await run('ip', ['netns', 'del', name], {timeout: 10_000});
  namespaces.delete(name);
}

/** Stops every background process and removes every registered namespace (use with after()). */
export async function cleanupAll() {
  for (const child of [...background]) killGroup(child);
  background.clear();
  for (const name of [...namespaces]) await deleteNamespace(name);
}

/** Synchronous last resort for 'exit' and signals. */
function cleanupSync() {
  for (const child of background) killGroup(child);
  background.clear();
  for (const name of namespaces) {
    try {
      const pids = execFileSync('ip', ['netns', 'pids', name], {encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore']});
      for (const pid of pids.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    } catch {
      /* namespace already gone */
    }
    try {
      execFileSync('ip', ['netns', 'del', name], {stdio: 'ignore', timeout: 10_000});
    } catch {
      /* already gone */
    }
  }
  namespaces.clear();
}

process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    cleanupSync();
    process.exit(128 + ({SIGINT: 2, SIGTERM: 15, SIGHUP: 1}[sig]));
  });
}

/** Names of namespaces this process still has registered (for tests of the helpers). */
export const registeredNamespaces = () => [...namespaces];

/**
 * Runs `fn` while tcpdump captures on the given interfaces of a namespace; returns {result, error, capture}
 * where capture is the decoded text (empty when tcpdump is not installed). Evidence for failure reports.
 */
export async function withCapture(ns, ifaces, fn, {filter = [], count = 40} = {}) {
  const have = await run('sh', ['-c', 'command -v tcpdump'], {timeout: 5000});
  const dumps = [];
  if (have.code === 0) {
    for (const iface of ifaces) {
      const d = nsBackground(ns, 'tcpdump', ['-l', '-n', '-vv', '-e', '-i', iface, '-c', String(count), ...filter], {
        ready: /listening on/,
        readyStream: 'stderr',
        timeout: 30_000,
      });
      try {
        await d.ready;
      } catch {
        /* report without it */
      }
      dumps.push([iface, d]);
    }
  }
  let result;
  let error;
  try {
    result = await fn();
  } catch (err) {
    error = err;
  }
  await new Promise((r) => setTimeout(r, 300));
  let capture = '';
  for (const [iface, d] of dumps) {
    const r = await d.stop();
    capture += `--- tcpdump -i ${iface} in ${ns} ---\n${r.stdout}`;
  }
  return {result, error, capture};
}
