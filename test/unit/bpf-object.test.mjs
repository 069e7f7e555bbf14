// The typed libbpf wrappers on a tiny object compiled here: load, maps, info, test run, BTF, verifier errors.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {execFileSync, spawnSync} from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

const d = (p) => new URL(`../../dist/${p}`, import.meta.url);
const multiarch = (() => {
  const r = spawnSync('gcc', ['-print-multiarch'], {encoding: 'utf8'});
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : `${os.machine()}-linux-gnu`;
})();
const skip = !existsSync(d('bpf/object.js'))
  ? 'dist/ is missing: run `npx tsc -p tsconfig.json`'
  : process.getuid() !== 0
    ? 'needs root (loading BPF programs)'
    : spawnSync('clang', ['--version']).status !== 0
      ? 'needs clang'
      : false;

const GOOD = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct probe { __u32 a; __u8 b; __u8 c[3]; __u64 d; };
enum probe_enum { PROBE_A = 0, PROBE_B = 5, PROBE_C };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 16); __type(key, __u32); __type(value, struct probe); } probe_hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } probe_pcpu SEC(".maps");
enum probe_enum probe_last;
SEC("xdp") int probe_xdp(struct xdp_md *ctx) {
  unsigned char *p = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  __u32 k = 1; __u64 *v = bpf_map_lookup_elem(&probe_pcpu, &k);
  if (v) *v += 1;
  probe_last = PROBE_C;
  if (p + 1 > end) return XDP_ABORTED;
  p[0] = 0xab;
  return XDP_PASS;
}
SEC("tc") int probe_tc(struct __sk_buff *skb) { return 7; }
char _license[] SEC("license") = "GPL";
`;
const BAD = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp") int probe_bad(struct xdp_md *ctx) { return *(int *)(long)ctx->data; }
char _license[] SEC("license") = "GPL";
`;

let dir;
let goodObj;
let badObj;
before(() => {
  if (skip) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'xlat-bpf-test-'));
  const build = (name, src) => {
    writeFileSync(path.join(dir, `${name}.c`), src);
    const out = path.join(dir, `${name}.o`);
    execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-I', `/usr/include/${multiarch}`, '-c', path.join(dir, `${name}.c`), '-o', out]);
    return out;
  };
  goodObj = build('good', GOOD);
  badObj = build('bad', BAD);
});
after(() => {
  if (dir) rmSync(dir, {recursive: true, force: true});
});

test('load, maps, per-CPU, ids, test run', {skip}, async () => {
  const {openAndLoad} = await import(d('bpf/object.js'));
  const {BpfMap, BPF_NOEXIST} = await import(d('bpf/map.js'));
  const {progInfo, progInfoById} = await import(d('bpf/prog.js'));
  const {testRun} = await import(d('bpf/test-run.js'));
  const obj = await openAndLoad(goodObj, {});
  try {
    const hash = obj.map('probe_hash');
    assert.equal(hash.name, 'probe_hash');
    assert.deepEqual([hash.keySize, hash.valueSize, hash.maxEntries, hash.type], [4, 16, 16, 1]);
    const key = (n) => Buffer.from(Uint32Array.of(n).buffer);
    assert.equal(hash.lookup(key(1)), null);
    const val = Buffer.alloc(16, 0x11);
    hash.update(key(1), val);
    hash.update(key(2), val, BPF_NOEXIST);
    assert.throws(() => hash.update(key(2), val, BPF_NOEXIST), (e) => e.name === 'SystemError' && e.errno === 17);
    assert.deepEqual(hash.lookup(key(1)), val);
    assert.deepEqual([...hash.keys()].map((k) => k.readUInt32LE(0)).sort(), [1, 2]);
    assert.equal(hash.delete(key(1)), true);
    assert.equal(hash.delete(key(1)), false);

    const xdpFd = obj.programFd('probe_xdp');
    const info = await progInfo(xdpFd);
    assert.equal(info.name, 'probe_xdp');
    assert.equal(info.type, 6);
    assert.ok(info.mapIds.includes(obj.map('probe_pcpu').id), 'program lists its maps');
    assert.ok(!info.mapIds.includes(hash.id), 'and only those it uses');
    assert.equal((await progInfoById(info.id)).name, 'probe_xdp');

    const pkt = Buffer.alloc(64, 0x01);
    const r = await testRun(xdpFd, pkt, {repeat: 3});
    assert.equal(r.retval, 2); // XDP_PASS
    assert.equal(r.data.length, 64);
    assert.equal(r.data[0], 0xab);
    assert.equal(r.data[1], 0x01);
    assert.ok(r.durationNs >= 0);

    const pcpu = obj.map('probe_pcpu');
    const values = pcpu.lookupPerCpu(key(1));
    assert.ok(values.length >= 1);
    assert.equal(values.reduce((s, v) => s + v.readBigUInt64LE(0), 0n), 3n);

    const byId = await BpfMap.fromId(pcpu.id);
    try {
      assert.equal(byId.name, 'probe_pcpu');
      assert.equal(byId.lookupPerCpu(key(1)).reduce((s, v) => s + v.readBigUInt64LE(0), 0n), 3n);
    } finally {
      byId.close();
    }

    const tcRun = await testRun(obj.programFd('probe_tc'), Buffer.alloc(64), {});
    assert.equal(tcRun.retval, 7);
  } finally {
    obj.close();
  }
});

test('verifier rejection: one-line message, full log in detail', {skip}, async () => {
  const {openAndLoad} = await import(d('bpf/object.js'));
  await assert.rejects(openAndLoad(badObj, {}), (e) => {
    assert.equal(e.name, 'SystemError');
    assert.ok(!e.message.includes('\n'));
    assert.match(e.message, /^loading .*bad\.o failed: .*\(verifier rejected program probe_bad\)$/);
    assert.match(e.detail, /BEGIN PROG LOAD LOG/);
    assert.match(e.detail, /invalid access to packet/);
    return true;
  });
});

test('BTF struct layout and enum values', {skip}, async () => {
  const {readBtfLayout} = await import(d('bpf/btf.js'));
  const btf = await readBtfLayout(goodObj);
  assert.deepEqual(btf.structLayout('probe'), {
    size: 16,
    members: [
      {name: 'a', offset: 0, size: 4},
      {name: 'b', offset: 4, size: 1},
      {name: 'c', offset: 5, size: 3},
      {name: 'd', offset: 8, size: 8},
    ],
  });
  assert.deepEqual(btf.enumValues('probe_enum'), {PROBE_A: 0, PROBE_B: 5, PROBE_C: 6});
  assert.throws(() => btf.structLayout('nope'), /not in the BTF/);
});
