// struct xlat_ifaddr (bpf/abi/common.h) against its TypeScript mirror in src/abi/common.ts (used by src/instance/ifaddr.ts), through BTF.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const OBJECT = fileURLToPath(new URL('../../build/bpf/siit.bpf.o', import.meta.url));
const dist = new URL('../../dist/abi/common.js', import.meta.url);
const skip = !existsSync(fileURLToPath(dist)) ? 'dist/ is missing: run `npm run build`'
  : !existsSync(OBJECT) ? 'build/bpf/siit.bpf.o is not built: run `npm run build:bpf`' : false;

test('struct xlat_ifaddr: size and every member', {skip}, async () => {
  const l = await import(dist);
  const {readBtfLayout} = await import(new URL('../../dist/bpf/btf.js', import.meta.url));
  const s = (await readBtfLayout(OBJECT)).structLayout('xlat_ifaddr');
  assert.equal(s.size, l.XLAT_IFADDR.size);
  assert.deepEqual(s.members.map((m) => m.name).sort(), Object.keys(l.XLAT_IFADDR).filter((k) => k !== 'size').sort());
  for (const m of s.members) assert.deepEqual({offset: m.offset, size: m.size}, l.XLAT_IFADDR[m.name], m.name);
});

test('encodeIfaddr puts each family where the data plane reads it', {skip}, async () => {
  const {encodeIfaddr} = await import(new URL('../../dist/instance/ifaddr.js', import.meta.url));
  const b = encodeIfaddr({v4: '198.51.100.1', v6: '2001:db8:1c0:2:1::'});
  assert.equal(b.subarray(0, 16).toString('hex'), '20010db801c000020001000000000000');
  assert.deepEqual([...b.subarray(16, 22)], [198, 51, 100, 1, 1, 1]);
  assert.deepEqual([...encodeIfaddr({v6: 'fe80::1'}).subarray(16, 22)], [0, 0, 0, 0, 0, 1]);
});
