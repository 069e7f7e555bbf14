/**
 * The writer lock of a network namespace: commands that change the kernel's
 * state there run one at a time (read-check-write sequences such as a pool4
 * rewrite or a configuration file would otherwise lose updates).
 *
 * flock(2) on a file named after the namespace's identity (device and inode
 * of /proc/self/ns/net, taken after entering --netns), so `ip netns exec NS
 * xlat ...` and `xlat -n NS ...` share it. The kernel drops the lock when the
 * process ends, whatever way it ends.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {libbpf} from '../ffi/libbpf.js';
import {SystemError, XlatError, describeSystemError} from '../errors.js';

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const EWOULDBLOCK = 11;

/** Where lock files live: /run/xlat, else the temporary directory. */
function lockDir(): string {
  for (const dir of ['/run/xlat', path.join(os.tmpdir(), 'xlat')]) {
    try {
      fs.mkdirSync(dir, {recursive: true, mode: 0o700});
      fs.accessSync(dir, fs.constants.W_OK);
      return dir;
    } catch {
      // try the next one
    }
  }
  throw new XlatError('no directory for the namespace lock: neither /run/xlat nor the temporary directory is writable');
}

/** The lock file of the current network namespace. */
function lockPath(): string {
  const st = fs.statSync('/proc/self/ns/net');
  return path.join(lockDir(), `netns-${st.dev}-${st.ino}.lock`);
}

/**
 * Takes the current namespace's writer lock, waiting up to `timeoutMs`
 * (XLAT_LOCK_TIMEOUT seconds overrides it); `onWait` is told once who holds
 * it. Returns the function that releases it.
 */
export async function lockNamespace(
  onWait: (holder: string) => void = () => undefined,
  timeoutMs = Number(process.env.XLAT_LOCK_TIMEOUT ?? 120) * 1000,
): Promise<() => void> {
  const file = lockPath();
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  } catch (err) {
    throw new XlatError(`cannot open the namespace lock ${file}: ${describeSystemError(err)}`);
  }
  const lib = await libbpf();
  const start = Date.now();
  let told = false;
  for (;;) {
    if (lib.flock(fd, LOCK_EX | LOCK_NB) === 0) break;
    const e = lib.errno();
    if (e !== EWOULDBLOCK) {
      fs.closeSync(fd);
      throw new SystemError(`locking ${file} failed: ${lib.libbpf_strerror(e)}`, e);
    }
    const holder = readHolder(fd);
    if (!told) {
      onWait(holder);
      told = true;
    }
    if (Date.now() - start > timeoutMs) {
      fs.closeSync(fd);
      throw new XlatError(`another xlat command (${holder}) has been changing this namespace for ${Math.round(timeoutMs / 1000)} s: try again later`);
    }
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
  }
  // Who holds it, for the messages of those who wait.
  const note = Buffer.from(`pid ${process.pid}\n`);
  fs.ftruncateSync(fd, 0);
  fs.writeSync(fd, note, 0, note.length, 0);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    lib.flock(fd, LOCK_UN);
    fs.closeSync(fd);
  };
}

function readHolder(fd: number): string {
  try {
    const buf = Buffer.alloc(64);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('utf8', 0, n).trim() || 'unknown process';
  } catch {
    return 'unknown process';
  }
}
