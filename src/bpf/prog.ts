/** Programs by id: open, describe, close. */
import {libbpf} from '../ffi/libbpf.js';
import {check} from './fail.js';
import {progInfoByFd, type ProgInfo} from './info.js';

export type {ProgInfo} from './info.js';

export async function progInfo(fd: number): Promise<ProgInfo> {
  return progInfoByFd(fd);
}

/** Opens a program by id: the caller closes the fd (closeFd). */
export async function progFdById(id: number): Promise<number> {
  const lib = await libbpf();
  return check(lib, lib.bpf_prog_get_fd_by_id(id), `opening BPF program id ${id}`);
}

/** Info of a program by id, or null when it no longer exists. */
export async function progInfoById(id: number): Promise<ProgInfo | null> {
  const lib = await libbpf();
  const fd = lib.bpf_prog_get_fd_by_id(id);
  if (fd < 0) {
    if (fd === -2) return null; // ENOENT: gone meanwhile
    check(lib, fd, `opening BPF program id ${id}`);
  }
  try {
    return await progInfoByFd(fd);
  } finally {
    lib.close(fd);
  }
}

export async function closeFd(fd: number): Promise<void> {
  if (fd < 0) return;
  const lib = await libbpf();
  lib.close(fd);
}
