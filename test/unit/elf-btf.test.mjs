// The libbpf-free BTF reader (src/bpf/elf-btf.ts) behind `xlat --version`: every enum of both objects as libbpf
// reads it, the layout versions of bpf/abi/siit.h and bpf/abi/nat64.h, and one-line errors for what is not a BPF object.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, writeFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OBJECTS = ['siit', 'nat64'].map((t) => path.join(ROOT, 'build', 'bpf', `${t}.bpf.o`));
const skip = !existsSync(path.join(ROOT, 'dist', 'bpf', 'elf-btf.js'))
  ? 'dist/ is missing: run `npx tsc -p tsconfig.json`'
  : OBJECTS.some((o) => !existsSync(o)) ? 'build/bpf/*.bpf.o are not built: run `npm run build:bpf`' : false;

test('every enum of both objects reads as libbpf reads it', {skip}, async () => {
  const {btfEnums, btfSection} = await import(path.join(ROOT, 'dist', 'bpf', 'elf-btf.js'));
  const {readBtfLayout} = await import(path.join(ROOT, 'dist', 'bpf', 'btf.js'));
  const {readFileSync} = await import('node:fs');
  for (const o of OBJECTS) {
    const ours = btfEnums(btfSection(readFileSync(o), o), o);
    const libbpf = await readBtfLayout(o);
    assert.deepEqual([...ours.keys()].sort(), libbpf.enumNames().sort(), `${o}: the same enums`);
    assert.ok(ours.size >= 2, `${o}: enums found`);
    for (const name of ours.keys()) assert.deepEqual(ours.get(name), libbpf.enumValues(name), `${o}: enum ${name}`);
  }
});

test('each object carries its map layout version (enum xlat_<translator>_layout)', {skip}, async () => {
  const {layoutVersion} = await import(path.join(ROOT, 'dist', 'instance', 'objects.js'));
  const {readFileSync} = await import('node:fs');
  for (const [t, constant] of [['siit', 'XLAT_SIIT_CONFIG_VERSION'], ['nat64', 'XLAT_NAT64_CONFIG_VERSION']]) {
    const header = readFileSync(path.join(ROOT, 'bpf', 'abi', `${t}.h`), 'utf8');
    const m = new RegExp(`enum xlat_${t}_layout \\{ ${constant} = (\\d+) \\};`).exec(header);
    assert.ok(m, `bpf/abi/${t}.h defines ${constant} in enum xlat_${t}_layout`);
    assert.equal(layoutVersion(t), Number(m[1]), `${t}: the built object carries what bpf/abi/${t}.h says`);
  }
});

test('not an object, no BTF, missing: one line naming the file', {skip}, async () => {
  const {readObjectEnum} = await import(path.join(ROOT, 'dist', 'bpf', 'elf-btf.js'));
  const dir = mkdtempSync(path.join(tmpdir(), 'xlat-btf-'));
  try {
    const text = path.join(dir, 'x.o');
    writeFileSync(text, 'not an ELF file at all, but long enough to have a header...........................');
    assert.throws(() => readObjectEnum(text, 'e'), {message: `${text} is not a little-endian 64-bit ELF object`});
    assert.throws(() => readObjectEnum(path.join(dir, 'none.o'), 'e'), {message: `cannot read ${path.join(dir, 'none.o')} (ENOENT): run 'npm run build'`});
    assert.throws(() => readObjectEnum(process.execPath, 'e'), /has no BTF \(\.BTF section\)/);
    assert.throws(() => readObjectEnum(OBJECTS[0], 'no_such_enum'), /has no enum no_such_enum in its BTF/);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
