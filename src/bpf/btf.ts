/** Struct layouts and enum values read from a BPF object's BTF. */
import {libbpf} from '../ffi/libbpf.js';
import {SystemError} from '../errors.js';
import {describe} from './fail.js';

const BTF_KIND_STRUCT = 4;
const BTF_KIND_ENUM = 6;
const BTF_TYPE_HEADER = 12;
const BTF_MEMBER_SIZE = 12;
const BTF_ENUM_SIZE = 8;

export interface StructLayout {
  size: number;
  members: {name: string; offset: number; size: number}[];
}

export interface BtfLayout {
  structLayout(name: string): StructLayout;
  enumValues(name: string): Record<string, number>;
  structNames(): string[];
  enumNames(): string[];
}

/** Parses the BTF of objectPath once; the returned lookups need no cleanup. */
export async function readBtfLayout(objectPath: string): Promise<BtfLayout> {
  const lib = await libbpf();
  const btf = lib.btf__parse(objectPath, null);
  if (btf === null) {
    const e = lib.errno() || 22;
    throw new SystemError(`reading BTF of ${objectPath} failed: ${describe(lib, e)}`, e);
  }
  const structs = new Map<string, StructLayout>();
  const enums = new Map<string, Record<string, number>>();
  try {
    const count = lib.btf__type_cnt(btf);
    for (let id = 1; id < count; id++) {
      const t = lib.btf__type_by_id(btf, id);
      if (t === null) continue;
      const head = lib.readMemory(t, 0, BTF_TYPE_HEADER);
      const nameOff = head.readUInt32LE(0);
      const info = head.readUInt32LE(4);
      const vlen = info & 0xffff;
      const kind = (info >>> 24) & 0x1f;
      const kindFlag = info >>> 31 === 1;
      const name = lib.btf__name_by_offset(btf, nameOff) ?? '';
      if (!name) continue;
      if (kind === BTF_KIND_STRUCT) {
        const size = head.readUInt32LE(8);
        const raw = vlen ? lib.readMemory(t, BTF_TYPE_HEADER, vlen * BTF_MEMBER_SIZE) : Buffer.alloc(0);
        const members: StructLayout['members'] = [];
        for (let i = 0; i < vlen; i++) {
          const at = i * BTF_MEMBER_SIZE;
          const mName = lib.btf__name_by_offset(btf, raw.readUInt32LE(at)) ?? '';
          const mType = raw.readUInt32LE(at + 4);
          const off = raw.readUInt32LE(at + 8);
          const bitOffset = kindFlag ? off & 0xffffff : off;
          const mSize = lib.btf__resolve_size(btf, mType);
          members.push({name: mName, offset: Math.floor(bitOffset / 8), size: mSize});
        }
        structs.set(name, {size, members});
      } else if (kind === BTF_KIND_ENUM) {
        const raw = vlen ? lib.readMemory(t, BTF_TYPE_HEADER, vlen * BTF_ENUM_SIZE) : Buffer.alloc(0);
        const values: Record<string, number> = {};
        for (let i = 0; i < vlen; i++) {
          const at = i * BTF_ENUM_SIZE;
          const eName = lib.btf__name_by_offset(btf, raw.readUInt32LE(at)) ?? '';
          values[eName] = raw.readInt32LE(at + 4);
        }
        enums.set(name, values);
      }
    }
  } finally {
    lib.btf__free(btf);
  }
  return {
    structLayout(name) {
      const s = structs.get(name);
      if (!s) throw new Error(`struct ${name} is not in the BTF of ${objectPath}`);
      return s;
    },
    enumValues(name) {
      const e = enums.get(name);
      if (!e) throw new Error(`enum ${name} is not in the BTF of ${objectPath}`);
      return e;
    },
    structNames: () => [...structs.keys()],
    enumNames: () => [...enums.keys()],
  };
}
