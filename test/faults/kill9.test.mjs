// kill -9 of the CLI at every step of `instance add`, `instance remove`, `file handle` and `instance upgrade` (issue 11,
// parts 3 and 4).
// The CLI's test-only hook (src/sys/fault.ts) names its steps (XLAT_TEST_STEPS=1) and kills itself with SIGKILL at
// step N (XLAT_TEST_KILL_AT_STEP=N), as `kill -9` would. After each kill:
//  - the next command works (display answers, exit 0) and sees whatever is attached: an instance nothing can see is
//    impossible here, because instances are found by their attachments;
//  - no interface runs the translator's XDP program without its tc slow path beside it (XDP would hand packets to
//    nothing);
//  - `instance remove` (when something is left) removes all of it: no program of ours on any interface;
//  - after `file handle`, applying the same file again gives exactly the file's state (`--check` finds nothing to
//    change) and both directions of every table agree.
// Both translators, on two veth interfaces of one throwaway namespace (always removed). Needs root and a build.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {skipReason, cleanupAll, createNamespace, ipIn, run, nsRun, uniqueName, CLI, REPO} from '../helpers/netns.mjs';

const SKIP = skipReason();
if (SKIP) console.log(`# fault tests skipped: ${SKIP}`);
after(cleanupAll);

const IFACES = ['a0', 'b0'];
const MAPS = path.join(REPO, 'test', 'helpers', 'instance-maps.mjs');
const show = (r) => `$ ${r.cmd}\nexit ${r.code} signal ${r.signal}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;

function cli(ns, args, env = {}) {
  return nsRun(ns, 'env', [...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, CLI, ...args], {cwd: REPO});
}

async function ok(ns, args, what = args.join(' ')) {
  const r = await cli(ns, args);
  assert.equal(r.code, 0, `${what}\n${show(r)}`);
  return r;
}

/** The steps a command goes through, by name (it runs to the end). */
async function stepsOf(ns, args) {
  const r = await cli(ns, args, {XLAT_TEST_STEPS: '1'});
  assert.equal(r.code, 0, show(r));
  return r.stderr.split('\n').filter((l) => l.startsWith('xlat-step ')).map((l) => l.replace(/^xlat-step \d+: /, ''));
}

/** Runs the command, killed at step n. */
async function killedAt(ns, args, n, name) {
  const r = await cli(ns, args, {XLAT_TEST_KILL_AT_STEP: String(n)});
  // `ip netns exec` replaces itself with the command: the kill is seen as the command's.
  assert.ok(r.signal === 'SIGKILL' || r.code === 137, `${args.join(' ')} was to be killed at step ${n} (${name})\n${show(r)}`);
}

/** Program ids on each interface: XDP (any mode) and the tc ingress filters. */
async function attachmentsOf(ns) {
  const out = {};
  for (const i of IFACES) {
    const link = JSON.parse((await run('ip', ['-n', ns, '-j', '-d', 'link', 'show', 'dev', i])).stdout)[0];
    const xdp = link.xdp?.prog?.id ?? link.xdp?.attached?.[0]?.prog?.id ?? null;
    const f = await run('tc', ['-n', ns, '-j', 'filter', 'show', 'dev', i, 'ingress']);
    const tc = f.code === 0 && f.stdout.trim() ? JSON.parse(f.stdout).filter((x) => x.options?.prog?.id || x.options?.bpf_name).length : 0;
    out[i] = {xdp, tc};
  }
  return out;
}

/** After a kill: XDP never without tc; then `instance remove` removes what is there, or finds nothing there. */
async function removeAfterKill(ns, kind, where) {
  const att = await attachmentsOf(ns);
  for (const [i, a] of Object.entries(att)) {
    assert.ok(a.xdp === null || a.tc > 0, `${where}: ${i} runs XDP without its tc slow path (${JSON.stringify(att)})`);
  }
  const r = await cli(ns, [kind, 'instance', 'remove']);
  assert.ok(r.code === 0 || r.code === 3, `${where}: instance remove after the kill\n${show(r)}`);
  if (r.code === 3) {
    assert.match(r.stderr, /^Error: [^\n]+\n$/, `${where}: one line`);
    for (const [i, a] of Object.entries(att)) assert.ok(a.xdp === null && a.tc === 0, `${where}: no instance is found but ${i} has programs (${JSON.stringify(att)})`);
  }
  await checkClean(ns, where);
}

async function checkClean(ns, where) {
  const att = await attachmentsOf(ns);
  for (const [i, a] of Object.entries(att)) assert.ok(a.xdp === null && a.tc === 0, `${where}: ${i} keeps programs after remove (${JSON.stringify(att)})`);
}

async function removeAndCheckClean(ns, kind, where) {
  await ok(ns, [kind, 'instance', 'remove'], `${where}: instance remove`);
  await checkClean(ns, where);
}

/** Every entry of every map of the instance but counters and queues (test/helpers/instance-maps.mjs). */
async function dump(ns, kind) {
  const r = await nsRun(ns, process.execPath, [MAPS, 'dump', kind]);
  assert.equal(r.code, 0, show(r));
  return JSON.parse(r.stdout);
}

const ADD = {
  siit: ['siit', 'instance', 'add', '--pool6', '64:ff9b::/96', '-i', 'a0', '-i', 'b0', '--hook', 'xdp-generic'],
  nat64: ['nat64', 'instance', 'add', '--pool6', '64:ff9b::/96', '-i', 'a0', '-i', 'b0', '--hook', 'xdp', '--capacity', '1024'],
};
const FILES = {
  siit: {
    global: {pool6: '64:ff9b::/96'},
    eamt: [{'ipv6 prefix': '2001:db8:6::/120', 'ipv4 prefix': '192.0.2.0/24'}, {'ipv6 prefix': '2001:db8:7::/128', 'ipv4 prefix': '198.51.100.7/32'}],
    denylist4: ['203.0.113.0/24'],
    interfaces: IFACES,
  },
  nat64: {
    global: {pool6: '64:ff9b::/96', 'udp-timeout': '0:10:00'},
    pool4: [{protocol: 'UDP', prefix: '192.0.2.1/32', 'port range': '40000-40999'}, {protocol: 'TCP', prefix: '192.0.2.1/32', 'port range': '40000-40999'}],
    bib: [{protocol: 'UDP', 'ipv6 address': '2001:db8::8#53', 'ipv4 address': '192.0.2.1#40053'}],
    interfaces: IFACES,
    capacity: 1024,
  },
};

/** What a file is applied over in the file handle phase: the same instance, with empty tables. */
const BASE = {
  siit: {global: {pool6: '64:ff9b::/96'}, eamt: [], denylist4: [], interfaces: IFACES},
  nat64: {global: {pool6: '64:ff9b::/96'}, pool4: [], bib: [], interfaces: IFACES, capacity: 1024},
};

for (const kind of ['siit', 'nat64']) {
  test(`${kind}: kill -9 at every step of instance add, instance remove and file handle`, {skip: SKIP || false, timeout: 240_000}, async () => {
    const ns = await createNamespace(uniqueName(`k9${kind}`));
    await ipIn(ns, ['link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'a1']);
    await ipIn(ns, ['link', 'add', 'b0', 'type', 'veth', 'peer', 'name', 'b1']);
    for (const i of ['a0', 'a1', 'b0', 'b1']) await ipIn(ns, ['link', 'set', i, 'up']);
    const dir = mkdtempSync(path.join(tmpdir(), 'xlat-k9-'));
    try {
      // instance add
      const addSteps = await stepsOf(ns, ADD[kind]);
      const removeSteps = await stepsOf(ns, [kind, 'instance', 'remove']);
      assert.ok(addSteps.length >= 4 && removeSteps.length >= 4, `steps: add ${addSteps}, remove ${removeSteps}`);
      for (let n = 1; n <= addSteps.length; n++) {
        const where = `instance add killed at step ${n} (${addSteps[n - 1]})`;
        await killedAt(ns, ADD[kind], n, addSteps[n - 1]);
        await removeAfterKill(ns, kind, where);
      }
      // and after all that, the namespace takes a new instance
      await ok(ns, ADD[kind], 'instance add after the killed ones');
      // instance remove
      for (let n = 1; n <= removeSteps.length; n++) {
        const where = `instance remove killed at step ${n} (${removeSteps[n - 1]})`;
        if (n > 1) await ok(ns, ADD[kind]);
        await killedAt(ns, [kind, 'instance', 'remove'], n, removeSteps[n - 1]);
        await removeAfterKill(ns, kind, where);
      }
      // file handle, on a running instance: the state a clean run leaves is the reference
      const file = path.join(dir, `${kind}.json`);
      const base = path.join(dir, `${kind}-base.json`);
      writeFileSync(file, JSON.stringify(FILES[kind]));
      writeFileSync(base, JSON.stringify(BASE[kind]));
      await ok(ns, ADD[kind]);
      const fileSteps = await stepsOf(ns, [kind, 'file', 'handle', file]);
      assert.ok(fileSteps.length >= 2, `file handle steps: ${fileSteps}`);
      const reference = await dump(ns, kind);
      for (let n = 1; n <= fileSteps.length; n++) {
        const where = `file handle killed at step ${n} (${fileSteps[n - 1]})`;
        await ok(ns, [kind, 'file', 'handle', base], `${where}: the base file first`);
        await killedAt(ns, [kind, 'file', 'handle', file], n, fileSteps[n - 1]);
        await ok(ns, [kind, 'file', 'handle', file], `${where}: applied again`);
        assert.deepEqual(await dump(ns, kind), reference, `${where}: the maps differ from a clean run's`);
      }
      // instance upgrade, on that configured instance: killed anywhere, the instance keeps every entry and translates
      // on every interface (old and new programs share the maps); upgrade again finishes the job
      const upgradeSteps = await stepsOf(ns, [kind, 'instance', 'upgrade']);
      assert.ok(upgradeSteps.length >= 4, `upgrade steps: ${upgradeSteps}`);
      for (let n = 1; n <= upgradeSteps.length; n++) {
        const where = `instance upgrade killed at step ${n} (${upgradeSteps[n - 1]})`;
        const before = await attachmentsOf(ns);
        await killedAt(ns, [kind, 'instance', 'upgrade'], n, upgradeSteps[n - 1]);
        const mid = await attachmentsOf(ns);
        for (const i of IFACES) {
          assert.ok((mid[i].xdp === null) === (before[i].xdp === null) && mid[i].tc === before[i].tc, `${where}: ${i} lost a program (${JSON.stringify(mid)})`);
        }
        assert.deepEqual(await dump(ns, kind), reference, `${where}: the maps changed`);
        await ok(ns, [kind, 'instance', 'upgrade'], `${where}: upgrade again`);
        const after = await attachmentsOf(ns);
        for (const i of IFACES) assert.notEqual(after[i].xdp, mid[i].xdp, `${where}: ${i} runs a new XDP program`);
        assert.deepEqual(await dump(ns, kind), reference, `${where}: the maps after the upgrade`);
      }
      await removeAndCheckClean(ns, kind, 'the end');
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
}
