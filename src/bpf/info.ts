/**
 * bpf_obj_get_info_by_fd for programs and maps, decoded from raw buffers laid
 * out exactly as struct bpf_prog_info / struct bpf_map_info in linux/bpf.h.
 */
import {libbpf, type Libbpf} from '../ffi/libbpf.js';
import {check} from './fail.js';

/** struct bpf_prog_info (232 bytes in Linux 6.x headers). */
const PROG_INFO = {
  size: 232,
  type: 0,
  id: 4,
  nr_map_ids: 52,
  map_ids: 56,
  name: 64,
  nameLen: 16,
} as const;

/** struct bpf_map_info (88 bytes). */
const MAP_INFO = {
  size: 88,
  type: 0,
  id: 4,
  key_size: 8,
  value_size: 12,
  max_entries: 16,
  map_flags: 20,
  name: 24,
  nameLen: 16,
} as const;

export interface ProgInfo {
  id: number;
  type: number;
  name: string;
  mapIds: number[];
}

export interface MapInfo {
  id: number;
  type: number;
  name: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
}

function cString(buf: Buffer, offset: number, len: number): string {
  const slice = buf.subarray(offset, offset + len);
  const end = slice.indexOf(0);
  return slice.toString('utf8', 0, end < 0 ? len : end);
}

export function mapInfoSync(lib: Libbpf, fd: number): MapInfo {
  const buf = Buffer.alloc(MAP_INFO.size);
  check(lib, lib.bpf_obj_get_info_by_fd(fd, buf, [buf.length]), `reading BPF map info (fd ${fd})`);
  return {
    type: buf.readUInt32LE(MAP_INFO.type),
    id: buf.readUInt32LE(MAP_INFO.id),
    keySize: buf.readUInt32LE(MAP_INFO.key_size),
    valueSize: buf.readUInt32LE(MAP_INFO.value_size),
    maxEntries: buf.readUInt32LE(MAP_INFO.max_entries),
    flags: buf.readUInt32LE(MAP_INFO.map_flags),
    name: cString(buf, MAP_INFO.name, MAP_INFO.nameLen),
  };
}

export async function progInfoByFd(fd: number): Promise<ProgInfo> {
  return progInfoSync(await libbpf(), fd);
}

function progInfoSync(lib: Libbpf, fd: number): ProgInfo {
  const read = (nrMapIds: number, mapIdsAddr: bigint): Buffer => {
    const buf = Buffer.alloc(PROG_INFO.size);
    buf.writeUInt32LE(nrMapIds, PROG_INFO.nr_map_ids);
    buf.writeBigUInt64LE(mapIdsAddr, PROG_INFO.map_ids);
    check(lib, lib.bpf_obj_get_info_by_fd(fd, buf, [buf.length]), `reading BPF program info (fd ${fd})`);
    return buf;
  };
  // First call learns how many maps; second fills the ids.
  const first = read(0, 0n);
  const nr = first.readUInt32LE(PROG_INFO.nr_map_ids);
  let mapIds: number[] = [];
  let info = first;
  if (nr > 0) {
    const mem = lib.alloc(nr * 4);
    try {
      info = read(nr, lib.address(mem));
      const got = Math.min(nr, info.readUInt32LE(PROG_INFO.nr_map_ids));
      const raw = lib.readMemory(mem, 0, got * 4);
      mapIds = Array.from({length: got}, (_, i) => raw.readUInt32LE(i * 4));
    } finally {
      lib.free(mem);
    }
  }
  return {
    type: info.readUInt32LE(PROG_INFO.type),
    id: info.readUInt32LE(PROG_INFO.id),
    name: cString(info, PROG_INFO.name, PROG_INFO.nameLen),
    mapIds,
  };
}
