/**
 * Enum constants from the BTF of a BPF object file, read in plain TypeScript (no libbpf): `xlat --version` reports
 * the map layout versions of this package's objects with it, and must work where libbpf.so.1 is missing.
 * (src/bpf/btf.ts reads struct layouts through libbpf, for the layout tests.)
 *
 * Formats: ELF64 section headers (elf(5)); BTF as the kernel documents it (Documentation/bpf/btf.rst): a header,
 * then type records of 12 bytes, each followed by kind-specific data, then the string section.
 */
import {readFileSync} from 'node:fs';
import {XlatError} from '../errors.js';

const BTF_MAGIC = 0xeb9f;
const KIND_ENUM = 6;
const KIND_ENUM64 = 19;

/** Bytes that follow the 12-byte record of each BTF kind (vlen = number of members/values/params). */
function trailing(kind: number, vlen: number): number {
  switch (kind) {
    case 1: // INT
    case 14: // VAR
    case 17: // DECL_TAG
      return 4;
    case 3: // ARRAY
      return 12;
    case 4: // STRUCT
    case 5: // UNION
    case 15: // DATASEC
    case 19: // ENUM64
      return 12 * vlen;
    case 6: // ENUM
    case 13: // FUNC_PROTO
      return 8 * vlen;
    default: // PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG
      return 0;
  }
}

/** The .BTF section of a little-endian ELF64 object. */
export function btfSection(elf: Buffer, what: string): Buffer {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) {
    throw new XlatError(`${what} is not a little-endian 64-bit ELF object`);
  }
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const shstrndx = elf.readUInt16LE(0x3e);
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    return {name: elf.readUInt32LE(at), offset: Number(elf.readBigUInt64LE(at + 0x18)), size: Number(elf.readBigUInt64LE(at + 0x20))};
  };
  const names = section(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const start = names.offset + s.name;
    const name = elf.toString('latin1', start, elf.indexOf(0, start));
    if (name === '.BTF') return elf.subarray(s.offset, s.offset + s.size);
  }
  throw new XlatError(`${what} has no BTF (.BTF section): build it with clang -g`);
}

/** Every named enum of a raw BTF blob: enum name -> {constant: value}. */
export function btfEnums(btf: Buffer, what: string): Map<string, Record<string, number>> {
  if (btf.length < 24 || btf.readUInt16LE(0) !== BTF_MAGIC) throw new XlatError(`${what}: BTF header not recognised`);
  const hdrLen = btf.readUInt32LE(4);
  const typeStart = hdrLen + btf.readUInt32LE(8);
  const typeEnd = typeStart + btf.readUInt32LE(12);
  const strStart = hdrLen + btf.readUInt32LE(16);
  const str = (off: number) => btf.toString('latin1', strStart + off, btf.indexOf(0, strStart + off));
  const enums = new Map<string, Record<string, number>>();
  for (let at = typeStart; at + 12 <= typeEnd;) {
    const nameOff = btf.readUInt32LE(at);
    const info = btf.readUInt32LE(at + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const signed = info >>> 31 === 1;
    const body = at + 12;
    if ((kind === KIND_ENUM || kind === KIND_ENUM64) && nameOff !== 0) {
      const values: Record<string, number> = {};
      const size = kind === KIND_ENUM ? 8 : 12;
      for (let i = 0; i < vlen; i++) {
        const v = body + i * size;
        values[str(btf.readUInt32LE(v))] =
          kind === KIND_ENUM
            ? signed
              ? btf.readInt32LE(v + 4)
              : btf.readUInt32LE(v + 4)
            : Number((BigInt(btf.readUInt32LE(v + 8)) << 32n) | BigInt(btf.readUInt32LE(v + 4)));
      }
      enums.set(str(nameOff), values);
    }
    at = body + trailing(kind, vlen);
  }
  return enums;
}

/** One named enum of an object file's BTF (throws naming the file and the enum when absent). */
export function readObjectEnum(objectPath: string, enumName: string): Record<string, number> {
  let elf: Buffer;
  try {
    elf = readFileSync(objectPath);
  } catch (err) {
    throw new XlatError(`cannot read ${objectPath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): run 'npm run build'`);
  }
  const values = btfEnums(btfSection(elf, objectPath), objectPath).get(enumName);
  if (values === undefined) throw new XlatError(`${objectPath} has no enum ${enumName} in its BTF: rebuild it ('npm run build')`);
  return values;
}
