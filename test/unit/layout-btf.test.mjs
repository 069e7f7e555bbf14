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

test('struct siit_config: size and every member offset/size', {skip}, async () => {
  const l = await import(dist);
  const {readBtfLayout} = await import(new URL('../../dist/bpf/btf.js', import.meta.url));
  const btf = await readBtfLayout(OBJECT);
  const s = btf.structLayout('siit_config');
  assert.equal(s.size, l.SIIT_CONFIG.size, 'sizeof(struct siit_config)');
  const mirrored = Object.keys(l.SIIT_CONFIG).filter((k) => k !== 'size');
  assert.deepEqual(s.members.map((m) => m.name).sort(), mirrored.sort(), 'same members');
  for (const m of s.members) {
    assert.deepEqual({offset: m.offset, size: m.size}, l.SIIT_CONFIG[m.name], `member ${m.name}`);
  }
});

test('struct rfc6052_prefix: size and every member offset/size', {skip}, async () => {
  const l = await import(dist);
  const {readBtfLayout} = await import(new URL('../../dist/bpf/btf.js', import.meta.url));
  const btf = await readBtfLayout(OBJECT);
  const s = btf.structLayout('rfc6052_prefix');
  assert.equal(s.size, l.RFC6052_PREFIX.size, 'sizeof(struct rfc6052_prefix)');
  const mirrored = Object.keys(l.RFC6052_PREFIX).filter((k) => k !== 'size');
  assert.deepEqual(s.members.map((m) => m.name).sort(), mirrored.sort(), 'same members');
  for (const m of s.members) {
    assert.deepEqual({offset: m.offset, size: m.size}, l.RFC6052_PREFIX[m.name], `member ${m.name}`);
  }
});

for (const [enumName, check] of [
  ['xlat_counter', (l) => ({...Object.fromEntries(l.XLAT_COUNTERS.map((n, i) => [n, i])), XLAT_C__MAX: l.XLAT_C__MAX})],
]) {
  test(`enum ${enumName}: every value`, {skip}, async () => {
    const l = await import(dist);
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
