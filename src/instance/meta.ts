/**
 * What the control plane records with an instance and the data plane never
 * reads: the Jool-style instance name. Kept in the kernel like everything
 * else (state lives there, not in files): a one-entry array map "xlat_meta"
 * created from userspace and bound to the instance's programs with
 * BPF_PROG_BIND_MAP, so it lives exactly as long as they do and is found among
 * their map ids like the maps of the object.
 */
import {libbpf} from '../ffi/libbpf.js';
import {check} from '../bpf/fail.js';
import {BPF_MAP_TYPE_ARRAY, BpfMap} from '../bpf/map.js';
import {progFdById, closeFd} from '../bpf/prog.js';
import {XlatError} from '../errors.js';

export const META_MAP = 'xlat_meta';
/** Layout: u32 version, u8 name length, name (at most 15 bytes, Jool's limit), zero padding. */
const VALUE_SIZE = 64;
const VERSION = 1;
const ZERO_KEY = Buffer.alloc(4);

export interface InstanceMeta {
  name: string | null;
}

function decodeMeta(v: Buffer | null): InstanceMeta {
  if (v === null || v.readUInt32LE(0) !== VERSION) return {name: null};
  const n = v.readUInt8(4);
  return {name: n === 0 ? null : v.toString('utf8', 5, 5 + Math.min(n, 15))};
}

function encodeMeta(m: InstanceMeta): Buffer {
  const v = Buffer.alloc(VALUE_SIZE);
  v.writeUInt32LE(VERSION, 0);
  const name = Buffer.from(m.name ?? '', 'utf8').subarray(0, 15);
  v.writeUInt8(name.length, 4);
  name.copy(v, 5);
  return v;
}

/** The metadata of an instance whose programs' maps include `map` (null: none recorded). */
export function readMeta(map: BpfMap | null): InstanceMeta {
  return decodeMeta(map ? map.lookup(ZERO_KEY) : null);
}

/**
 * Writes the metadata into `map`, or, when the instance has none yet, creates
 * the map and binds it to every program id given (it then lives as long as the
 * programs).
 */
export async function writeMeta(map: BpfMap | null, progIds: readonly number[], meta: InstanceMeta): Promise<void> {
  if (map) {
    map.update(ZERO_KEY, encodeMeta(meta));
    return;
  }
  if (progIds.length === 0) throw new XlatError('the instance has no program to record its name with');
  const lib = await libbpf();
  const fd = check(lib, lib.bpf_map_create(BPF_MAP_TYPE_ARRAY, META_MAP, 4, VALUE_SIZE, 1), `creating the ${META_MAP} map`);
  try {
    const created = BpfMap.fromFdSync(lib, fd, false);
    created.update(ZERO_KEY, encodeMeta(meta));
    for (const id of new Set(progIds)) {
      const prog = await progFdById(id);
      try {
        check(lib, lib.bpf_prog_bind_map(prog, fd), `binding ${META_MAP} to program id ${id}`);
      } finally {
        await closeFd(prog);
      }
    }
  } finally {
    lib.close(fd);
  }
}
