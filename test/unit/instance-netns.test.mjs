// The SIIT instance manager in a throwaway namespace: add with each hook, find it from a fresh process,
// update globals, read stats, refuse a second instance, roll back a half attach, remove.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {execFileSync, spawnSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {fileURLToPath} from 'node:url';
import os from 'node:os';
import path from 'node:path';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const OBJECT = path.join(REPO, 'build/bpf/siit.bpf.o');
const SIIT = path.join(REPO, 'dist/instance/siit/instance.js');
const skip = !existsSync(SIIT)
  ? 'dist/ is missing: run `npx tsc -p tsconfig.json`'
  : process.getuid() !== 0
    ? 'needs root (network namespaces, BPF)'
    : !existsSync(OBJECT)
      ? 'build/bpf/siit.bpf.o is not built: run `npm run build:bpf`'
      : spawnSync('ip', ['-V']).status !== 0
        ? 'needs iproute2'
        : false;

const NS = `xlt-${process.pid}-${randomBytes(3).toString('hex')}`;
let created = false;
let tmp = null;

function ip(...args) {
  return execFileSync('ip', args, {encoding: 'utf8', timeout: 10000});
}

function setup() {
  if (created) return;
  ip('netns', 'add', NS);
  created = true;
  ip('-n', NS, 'link', 'add', 'xv6', 'type', 'veth', 'peer', 'name', 'xv4');
  ip('-n', NS, 'link', 'set', 'xv6', 'up');
  ip('-n', NS, 'link', 'set', 'xv4', 'up');
  ip('-n', NS, 'addr', 'add', '192.0.2.1/24', 'dev', 'xv4');
}

after(() => {
  if (created) spawnSync('ip', ['netns', 'del', NS], {timeout: 10000});
  if (tmp) rmSync(tmp, {recursive: true, force: true});
});

/** Runs `body` (an async function body with `s` = the siit module) in a fresh node inside NS; returns its JSON. */
function inNs(body, env = {}) {
  const script = `
    const s = await import(${JSON.stringify(SIIT)});
    const out = await (async () => { ${body} })().catch((e) => ({error: e.name, message: e.message}));
    process.stdout.write(JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  `;
  const r = spawnSync('ip', ['netns', 'exec', NS, process.execPath, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30000,
    env: {...process.env, ...env},
  });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return JSON.parse(r.stdout || 'null');
}

const POOL6 = `{addr: Buffer.from('0064ff9b000000000000000000000000', 'hex'), len: 96}`;

for (const hook of ['auto', 'xdp', 'tc']) {
  test(`instance lifecycle with hook ${hook}`, {skip}, (t) => {
    setup();
    t.after(() => {
      inNs(`try { await s.removeSiitInstance(); } catch {} return null;`);
    });
    const added = inNs(`return s.addSiitInstance({pool6: ${POOL6}, interfaces: null, hook: '${hook}', verbose: false});`);
    assert.equal(added.error, undefined, added.message);
    assert.equal(added.type, 'SIIT');
    assert.equal(added.netns, NS);
    assert.equal(added.pool6, '64:ff9b::/96');
    assert.equal(added.enabled, true);
    assert.deepEqual(added.interfaces.map((i) => i.name).sort(), ['xv4', 'xv6']);
    const wantHook = hook === 'xdp' ? 'xdp' : 'tc';
    for (const i of added.interfaces) {
      assert.equal(i.hook, wantHook);
      assert.ok(i.reason.length > 0);
      if (hook === 'auto') assert.match(i.reason, /^veth: tc handles/);
      if (wantHook === 'tc') assert.equal(i.mode, 'clsact-ingress');
    }

    // A fresh process finds it, and sees the same maps through every interface.
    const found = inNs(`return s.findSiitInstance();`);
    assert.deepEqual(
      found.interfaces.map((i) => [i.name, i.hook, i.mode]).sort(),
      added.interfaces.map((i) => [i.name, i.hook, i.mode]).sort(),
    );
    assert.equal(found.pool6, '64:ff9b::/96');

    const second = inNs(`return s.addSiitInstance({pool6: null, interfaces: null, hook: 'auto', verbose: false});`);
    assert.equal(second.message, 'this namespace already has a SIIT instance');

    const globals = inNs(`
      await s.updateSiitEnabled(false);
      await s.updateSiitPool6({addr: Buffer.from('20010db8000000000000000000000000', 'hex'), len: 64});
      const a = await s.readSiitGlobals();
      await s.updateSiitPool6(null);
      await s.updateSiitEnabled(true);
      return [a, await s.readSiitGlobals()];`);
    assert.deepEqual(globals, [
      {'manually-enabled': false, pool6: '2001:db8::/64'},
      {'manually-enabled': true, pool6: null},
    ]);

    const stats = inNs(`return s.readSiitStats();`);
    assert.ok(stats.length >= 2);
    assert.equal(stats[0].name, 'xlat-6to4');
    assert.ok(stats.every((c) => /^\d+$/.test(c.value)));

    // siit_local4 holds the namespace's IPv4 addresses, refreshed on every open.
    ip('-n', NS, 'addr', 'add', '198.51.100.7/32', 'dev', 'xv6');
    const local4 = inNs(`
      await s.readSiitGlobals();
      const {BpfMap} = await import(${JSON.stringify(path.join(REPO, 'dist/bpf/map.js'))});
      const {progInfoById} = await import(${JSON.stringify(path.join(REPO, 'dist/bpf/prog.js'))});
      const xdp = await import(${JSON.stringify(path.join(REPO, 'dist/bpf/xdp.js'))});
      const tc = await import(${JSON.stringify(path.join(REPO, 'dist/bpf/tc.js'))});
      const {listInterfaces} = await import(${JSON.stringify(path.join(REPO, 'dist/sys/interfaces.js'))});
      const i = listInterfaces().find((x) => x.name === 'xv4');
      const id = (await xdp.query(i.index)).progId || (await tc.query(i.index, 0x5117, 0x5117));
      const info = await progInfoById(id);
      for (const mid of info.mapIds) {
        const m = await BpfMap.fromId(mid);
        try { if (m.name === 'siit_local4') return [...m.keys()].map((k) => [...k].join('.')).sort(); } finally { m.close(); }
      }
      return null;`);
    ip('-n', NS, 'addr', 'del', '198.51.100.7/32', 'dev', 'xv6');
    assert.deepEqual(local4.filter((a) => !a.startsWith('127.')), ['192.0.2.1', '198.51.100.7']);

    const removed = inNs(`await s.removeSiitInstance(); return s.findSiitInstance();`);
    assert.equal(removed, null);
    const again = inNs(`return s.removeSiitInstance();`);
    assert.equal(again.error, 'NoInstanceError');
  });
}

test('unknown interface is an InputError, nothing attached', {skip}, () => {
  setup();
  const r = inNs(`return s.addSiitInstance({pool6: null, interfaces: ['xv6', 'nope0'], hook: 'tc', verbose: false});`);
  assert.equal(r.error, 'InputError');
  assert.match(r.message, /nope0/);
  assert.equal(inNs(`return s.findSiitInstance();`), null);
});

test('a failure half-way rolls back what was attached', {skip: skip || (spawnSync('clang', ['--version']).status !== 0 && 'needs clang')}, () => {
  setup();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'xlat-inst-test-'));
  const src = path.join(tmp, 'other.c');
  writeFileSync(src, '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\nSEC("xdp") int other_xdp(struct xdp_md *c) { return XDP_PASS; }\nchar _l[] SEC("license") = "GPL";\n');
  const multiarch = spawnSync('gcc', ['-print-multiarch'], {encoding: 'utf8'}).stdout?.trim() || `${os.machine()}-linux-gnu`;
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-I', `/usr/include/${multiarch}`, '-c', src, '-o', path.join(tmp, 'other.o')]);
  // xv4 has someone else's XDP program: attaching xv6 first, then xv4, must fail and leave xv6 clean.
  ip('-n', NS, 'link', 'set', 'dev', 'xv4', 'xdp', 'obj', path.join(tmp, 'other.o'), 'sec', 'xdp');
  try {
    const r = inNs(`return s.addSiitInstance({pool6: null, interfaces: ['xv6', 'xv4'], hook: 'xdp', verbose: false});`);
    assert.match(r.message, /^interface xv4 already has an XDP program \(other_xdp\).*--hook tc$/);
    assert.equal(inNs(`return s.findSiitInstance();`), null);
    assert.doesNotMatch(ip('-n', NS, 'link', 'show', 'dev', 'xv6'), /xdp/);
    assert.match(ip('-n', NS, 'link', 'show', 'dev', 'xv4'), /xdp/, 'the other program is untouched');
  } finally {
    ip('-n', NS, 'link', 'set', 'dev', 'xv4', 'xdp', 'off');
  }
});
