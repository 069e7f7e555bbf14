// A namespace deleted with instances in it (issue 11, part 3): nothing leaks. A SIIT and a NAT64 instance (XDP with
// its tc slow path, tc alone, a recorded instance name, a static BIB entry) live in a namespace whose
// veth peers are in another one; `ip netns del` removes the namespace, its devices go, and with them the
// attachments, which were the only references: every program and map of both instances (the xlat_meta map the
// CLI creates included) is freed. Checked with bpftool by id (other jobs may load programs meanwhile, so counts by
// name would not prove anything), polling for the kernel's deferred freeing (RCU, workqueues) with a bound.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {skipReason, cleanupAll, createNamespace, deleteNamespace, ipIn, run, nsRun, uniqueName, xlat, REPO} from '../helpers/netns.mjs';

const SKIP = skipReason({tools: ['bpftool']});
if (SKIP) console.log(`# namespace deletion fault test skipped: ${SKIP}`);
after(cleanupAll);

const show = (r) => `$ ${r.cmd}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);

/** Program and map ids of the kind's instance in ns, by the CLI's own discovery (root's view). */
async function idsOf(ns, kind) {
  const script = `const a = await import('${REPO}dist/instance/attach.js'); const s = (await import('${REPO}dist/instance/${kind}/instance.js')).${kind.toUpperCase()}_SPEC;
    const f = await a.discover(s); console.log(JSON.stringify({maps: f.mapIds, progs: [...new Set(f.attachments.map((x) => x.progId))]}));`;
  const r = await nsRun(ns, process.execPath, ['--input-type=module', '-e', script]);
  ok(r, `ids of the ${kind} instance`);
  return JSON.parse(r.stdout);
}

/** Which of the ids bpftool still shows. */
async function alive(kind, ids) {
  const left = [];
  for (const id of ids) {
    const r = await run('bpftool', ['-j', kind, 'show', 'id', String(id)], {timeout: 10_000});
    if (r.code === 0) left.push({id, name: JSON.parse(r.stdout).name});
  }
  return left;
}

test('a namespace deleted with a SIIT and a NAT64 instance in it leaves no program and no map behind', {skip: SKIP || false, timeout: 120_000}, async () => {
  const ns = await createNamespace(uniqueName('nsdel'));
  const peer = await createNamespace(uniqueName('nsdelp'));
  const dir = mkdtempSync(path.join(tmpdir(), 'xlat-nsdel-'));
  try {
    for (const [i, p] of [
      ['a0', 'a1'],
      ['b0', 'b1'],
    ]) {
      await ipIn(ns, ['link', 'add', i, 'type', 'veth', 'peer', 'name', p, 'netns', peer]);
      await ipIn(ns, ['link', 'set', i, 'up']);
      await ipIn(peer, ['link', 'set', p, 'up']);
    }
    await ipIn(ns, ['addr', 'add', '192.0.2.1/24', 'dev', 'b0']);
    await ipIn(peer, ['addr', 'add', '192.0.2.2/24', 'dev', 'b1']);
    ok(await xlat(ns, ['siit', 'instance', 'add', '--pool6', '2001:db8:100::/40', '-i', 'a0', '-i', 'b0', '--hook', 'xdp-generic']), 'siit add');
    // NAT64 from a file with a Jool-style name: its xlat_meta map is created by the CLI and bound to the programs.
    const file = path.join(dir, 'nat64.json');
    writeFileSync(file, JSON.stringify({instance: 'gone', global: {pool6: '64:ff9b::/96'}, interfaces: ['a0', 'b0'], capacity: 1024}));
    ok(await xlat(ns, ['nat64', 'file', 'handle', file]), 'nat64 file handle');
    ok(await xlat(ns, ['nat64', 'bib', 'add', '2001:db8::8#53', '192.0.2.1#61053', '--udp']), 'a static BIB entry');
    const display = await xlat(ns, ['nat64', 'instance', 'display', '--json']);
    assert.equal(JSON.parse(display.stdout).result.instances[0].name, 'gone', show(display));

    const siit = await idsOf(ns, 'siit');
    const nat64 = await idsOf(ns, 'nat64');
    const progs = [...siit.progs, ...nat64.progs];
    const maps = [...new Set([...siit.maps, ...nat64.maps])];
    assert.ok(siit.progs.length >= 2 && nat64.progs.length >= 1, `programs of both instances: ${JSON.stringify({siit, nat64})}`);
    assert.ok(maps.length >= 15, `maps of both instances: ${JSON.stringify({siit, nat64})}`);
    assert.equal((await alive('prog', progs)).length, progs.length, 'bpftool sees every program while the namespace lives');
    assert.equal((await alive('map', maps)).length, maps.length, 'and every map');
    const names = (await alive('map', maps)).map((m) => m.name);
    assert.ok(names.includes('xlat_meta'), `the CLI's own map is among them: ${names}`);

    await deleteNamespace(ns);
    // The devices, the attachments and then the programs and maps go asynchronously: poll, bounded.
    const deadline = Date.now() + 60_000;
    let left;
    do {
      await new Promise((r) => setTimeout(r, 500));
      left = {progs: await alive('prog', progs), maps: await alive('map', maps)};
    } while ((left.progs.length || left.maps.length) && Date.now() < deadline);
    assert.deepEqual(left, {progs: [], maps: []}, 'every program and map of both instances is freed');
    const links = await ipIn(peer, ['-j', 'link', 'show']);
    assert.ok(!JSON.parse(links.stdout).some((l) => l.ifname === 'a1' || l.ifname === 'b1'), 'the veth peers went with their namespace');
  } finally {
    rmSync(dir, {recursive: true, force: true});
    await deleteNamespace(ns);
    await deleteNamespace(peer);
  }
});
