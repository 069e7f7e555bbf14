// The koffi binding: loads, versions, strerror, CPUs (no root needed).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';

const dist = new URL('../../dist/ffi/libbpf.js', import.meta.url);
const skip = existsSync(dist) ? false : 'dist/ is missing: run `npx tsc -p tsconfig.json`';

test('libbpf binds and reports version >= 1.1', {skip}, async () => {
  const {libbpf} = await import(dist);
  const lib = await libbpf();
  assert.equal(await libbpf(), lib, 'bound once');
  const v = [lib.libbpf_major_version(), lib.libbpf_minor_version()];
  assert.ok(v[0] > 1 || (v[0] === 1 && v[1] >= 1), `libbpf ${v.join('.')}`);
  assert.ok(lib.libbpf_num_possible_cpus() >= 1);
  assert.match(lib.libbpf_strerror(2), /No such file/);
  assert.match(lib.libbpf_strerror(4007), /verifier|Kernel verifier/i); // LIBBPF_ERRNO__VERIFY
  assert.equal(typeof lib.geteuid(), 'number');
  assert.equal(lib.takeLog(), '');
});

test('errors: open of a missing object is a SystemError naming the file', {skip}, async () => {
  const {openAndLoad} = await import(new URL('../../dist/bpf/object.js', import.meta.url));
  await assert.rejects(openAndLoad('/nonexistent/x.bpf.o', {}), (e) => {
    assert.equal(e.name, 'SystemError');
    assert.equal(e.errno, 2);
    assert.match(e.message, /^opening \/nonexistent\/x\.bpf\.o failed: /);
    return true;
  });
});

test('privileges: kernel version parsing and checkSupport on this machine', {skip}, async () => {
  const p = await import(new URL('../../dist/sys/privileges.js', import.meta.url));
  assert.deepEqual(p.kernelVersion('6.18.44-fc'), [6, 18]);
  assert.deepEqual(p.kernelVersion('5.4.0'), [5, 4]);
  const s = await p.checkSupport();
  assert.match(s.libbpf, /^\d+\.\d+$/);
});
