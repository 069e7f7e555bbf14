/** Whether we may and can run: root, libbpf and kernel versions. */
import os from 'node:os';
import {libbpf} from '../ffi/libbpf.js';
import {PrivilegeError, XlatError} from '../errors.js';

const MIN_KERNEL: [number, number] = [5, 15];
const MIN_LIBBPF: [number, number] = [1, 1];

export function requireRoot(what?: string): void {
  const euid = process.geteuid ? process.geteuid() : 0;
  if (euid !== 0) throw new PrivilegeError(what);
}

function atLeast(have: [number, number], want: [number, number]): boolean {
  return have[0] > want[0] || (have[0] === want[0] && have[1] >= want[1]);
}

export function kernelVersion(release = os.release()): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

export async function checkSupport(): Promise<{kernel: string; libbpf: string}> {
  const release = os.release();
  if (!atLeast(kernelVersion(release), MIN_KERNEL)) {
    throw new XlatError(`kernel ${release} is too old: xlat needs Linux >= ${MIN_KERNEL.join('.')}`);
  }
  let lib;
  try {
    lib = await libbpf();
  } catch (err) {
    throw new XlatError((err as Error).message);
  }
  const v: [number, number] = [lib.libbpf_major_version(), lib.libbpf_minor_version()];
  if (!atLeast(v, MIN_LIBBPF)) {
    throw new XlatError(`libbpf ${v.join('.')} is too old: xlat needs libbpf >= ${MIN_LIBBPF.join('.')}`);
  }
  return {kernel: release, libbpf: v.join('.')};
}
