// The TypeScript mirror (src/instance/layout.ts) against the BTF of build/bpf/siit.bpf.o.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const OBJECT = fileURLToPath(new URL('../../build/bpf/siit.bpf.o', import.meta.url));
const dist = new URL('../../dist/instance/layout.js', import.meta.url);
const skip = !existsSync(dist)
  ? 'dist/ is missing: run `npx tsc -p tsconfig.json`'
  : !existsSync(OBJECT)
    ? 'build/bpf/siit.bpf.o is not built: run `npm run build:bpf`'
    : false;

// Every struct the CLI reads or writes: [BTF name, export of layout.ts].
for (const [structName, exportName] of [
  ['siit_config', 'SIIT_CONFIG'],
  ['rfc6052_prefix', 'RFC6052_PREFIX'],
  ['eamt_entry', 'EAMT_ENTRY'],
  ['lpm6_key', 'LPM6_KEY'],
  ['lpm4_key', 'LPM4_KEY'],
  ['xlat_common_config', 'XLAT_COMMON_CONFIG'],
]) {
  test(`struct ${structName}: size and every member offset/size`, {skip}, async () => {
    const l = await import(dist);
    const {readBtfLayout} = await import(new URL('../../dist/bpf/btf.js', import.meta.url));
    const btf = await readBtfLayout(OBJECT);
    const s = btf.structLayout(structName);
    const mirror = l[exportName] ?? (await import(new URL('../../dist/abi/common.js', import.meta.url)))[exportName];
    assert.equal(s.size, mirror.size, `sizeof(struct ${structName})`);
    const mirrored = Object.keys(mirror).filter((k) => k !== 'size');
    assert.deepEqual(s.members.map((m) => m.name).sort(), mirrored.sort(), 'same members');
    for (const m of s.members) {
      assert.deepEqual({offset: m.offset, size: m.size}, mirror[m.name], `member ${m.name}`);
    }
  });
}

test('maps of the SIIT object: names, key and value sizes', {skip}, async () => {
  const l = await import(dist);
  const {readFileSync} = await import('node:fs');
  // Map names are ELF symbols of the .maps section: check that each name the CLI looks up exists.
  const elf = readFileSync(OBJECT);
  for (const name of [l.SIIT_MAP_CONFIG, l.SIIT_MAP_STATS, l.SIIT_MAP_LOCAL4, l.SIIT_MAP_EAMT6, l.SIIT_MAP_EAMT4, l.SIIT_MAP_DENY4]) {
    assert.ok(elf.includes(Buffer.from(`\0${name}\0`)), `map ${name} is in ${OBJECT}`);
  }
});

test('enum eam_hairpin_mode: every value (when the BPF code makes it reach BTF)', {skip}, async (t) => {
  const l = await import(dist);
  const {readBtfLayout} = await import(new URL('../../dist/bpf/btf.js', import.meta.url));
  const btf = await readBtfLayout(OBJECT);
  if (!btf.enumNames().includes('eam_hairpin_mode')) {
    t.diagnostic('enum eam_hairpin_mode is not in the BTF (unused by the BPF code): values not checked');
    return;
  }
  assert.deepEqual(btf.enumValues('eam_hairpin_mode'), {...l.EAM_HAIRPIN_ENUM});
});

for (const [enumName, check] of [
  ['xlat_counter', (l) => ({...Object.fromEntries(l.XLAT_COUNTERS.map((n, i) => [n, i])), XLAT_C__MAX: l.XLAT_C__MAX, XLAT_C__FIRST_EVENT: l.XLAT_C__FIRST_EVENT})],
]) {
  test(`enum ${enumName}: every value`, {skip}, async () => {
    const l = {...(await import(new URL('../../dist/abi/common.js', import.meta.url))), ...(await import(dist))};
    const {readBtfLayout} = await import(new URL('../../dist/bpf/btf.js', import.meta.url));
    const btf = await readBtfLayout(OBJECT);
    assert.ok(
      btf.enumNames().includes(enumName),
      `enum ${enumName} is not in the BTF of ${OBJECT}: the BPF code must use the type somewhere that reaches BTF ` +
        `(clang drops unused enums), e.g. a map value/struct member of that type or a global variable`,
    );
    assert.deepEqual(btf.enumValues(enumName), check(l));
  });
}
