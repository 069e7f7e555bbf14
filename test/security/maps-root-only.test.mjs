// Security (issue 11, part 5): an instance's maps and programs belong to root. A user without CAP_SYS_ADMIN can
// neither open them (bpf(BPF_MAP_GET_FD_BY_ID) and BPF_PROG_GET_FD_BY_ID refuse with EPERM: there is no pin in a
// bpffs whose file mode could let anyone in) nor get the CLI to act for them (one line, exit 5, nothing changed).
// One throwaway namespace per translator, always removed. Needs root (to make the instance), setpriv and a build.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {skipReason, cleanupAll, createNamespace, ipIn, run, nsRun, uniqueName, xlat, CLI, REPO} from '../helpers/netns.mjs';

const SKIP = skipReason();
if (SKIP) console.log(`# security tests skipped: ${SKIP}`);
after(cleanupAll);

const TRY = path.join(REPO, 'test', 'helpers', 'try-maps.mjs');
const MAPS = path.join(REPO, 'test', 'helpers', 'instance-maps.mjs');
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all'];
const show = (r) => `$ ${r.cmd}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;

/** Map and program ids of the kind's instance in ns (root's view). */
async function idsOf(ns, kind) {
  const script = `const a = await import('${REPO}dist/instance/attach.js'); const s = (await import('${REPO}dist/instance/${kind}/instance.js')).${kind.toUpperCase()}_SPEC;
    const f = await a.discover(s); console.log(JSON.stringify({maps: f.mapIds, progs: [...new Set(f.attachments.map((x) => x.progId))]}));`;
  const r = await nsRun(ns, process.execPath, ['--input-type=module', '-e', script]);
  assert.equal(r.code, 0, show(r));
  return JSON.parse(r.stdout);
}

for (const kind of ['siit', 'nat64']) {
  test(`${kind}: a user without root can neither open the instance's maps and programs nor change them through the CLI`, {skip: SKIP || false}, async () => {
    const probe = await run('setpriv', [...NOBODY, 'true']);
    if (probe.code !== 0) return assert.fail(`setpriv cannot drop to nobody here: ${probe.stderr}`);
    const ns = await createNamespace(uniqueName(`sec${kind}`));
    await ipIn(ns, ['link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'a1']);
    await ipIn(ns, ['link', 'set', 'a0', 'up']);
    const add = await xlat(ns, [kind, 'instance', 'add', '--pool6', '64:ff9b::/96', '-i', 'a0']);
    assert.equal(add.code, 0, show(add));
    const ids = await idsOf(ns, kind);
    assert.ok(ids.maps.length >= 5 && ids.progs.length >= 1, JSON.stringify(ids));

    // Root opens them (the check can tell success from failure) ...
    const asRoot = await nsRun(ns, process.execPath, [TRY, `maps:${ids.maps.join(',')}`, `progs:${ids.progs.join(',')}`]);
    assert.equal(asRoot.code, 0, show(asRoot));
    for (const v of [...Object.values(JSON.parse(asRoot.stdout).maps), ...Object.values(JSON.parse(asRoot.stdout).progs)]) assert.equal(v, 'opened');
    // ... nobody does not.
    const asNobody = await nsRun(ns, 'setpriv', [...NOBODY, process.execPath, TRY, `maps:${ids.maps.join(',')}`, `progs:${ids.progs.join(',')}`]);
    assert.equal(asNobody.code, 0, show(asNobody));
    const got = JSON.parse(asNobody.stdout);
    for (const [id, v] of Object.entries(got.maps)) assert.equal(v, 'EPERM', `map ${id} as nobody`);
    for (const [id, v] of Object.entries(got.progs)) assert.equal(v, 'EPERM', `program ${id} as nobody`);

    // The CLI, as nobody: one line saying root is needed, exit 5, and the maps hold what they held.
    const before = await nsRun(ns, process.execPath, [MAPS, 'dump', kind]);
    const change = kind === 'siit' ? ['siit', 'eamt', 'add', '2001:db8:6::/120', '192.0.2.0/24'] : ['nat64', 'pool4', 'add', '--udp', '192.0.2.1', '40000-40999'];
    for (const args of [change, [kind, 'global', 'update', 'manually-enabled', 'false'], [kind, 'instance', 'remove']]) {
      // (nobody's own environment: root's HOME is not readable to it)
      const r = await nsRun(ns, 'setpriv', [...NOBODY, process.execPath, CLI, ...args], {env: {PATH: process.env.PATH, HOME: '/tmp'}, cwd: '/tmp'});
      assert.equal(r.code, 5, show(r));
      assert.match(r.stderr, /^Error: [^\n]*root[^\n]*\n$/, show(r));
    }
    const afterDump = await nsRun(ns, process.execPath, [MAPS, 'dump', kind]);
    assert.equal(afterDump.stdout, before.stdout, 'the maps changed');
    assert.equal((await xlat(ns, [kind, 'instance', 'remove'])).code, 0);
  });
}

test('nat64 instance add warns when the default pool4 (61001-65535) overlaps ip_local_port_range, and only then', {skip: SKIP || false}, async () => {
  for (const [range, warned] of [['32768 60999', false], ['32768 65000', true]]) {
    const ns = await createNamespace(uniqueName('eph'));
    await ipIn(ns, ['link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'a1']);
    const set = await nsRun(ns, 'sh', ['-c', `echo '${range}' > /proc/sys/net/ipv4/ip_local_port_range`]);
    assert.equal(set.code, 0, show(set));
    const r = await xlat(ns, ['nat64', 'instance', 'add', '--pool6', '64:ff9b::/96', '-i', 'a0', '--json']);
    assert.equal(r.code, 0, show(r));
    const warnings = JSON.parse(r.stdout).warnings.filter((w) => /ip_local_port_range/.test(w));
    assert.equal(warnings.length, warned ? 1 : 0, `${range}: ${JSON.stringify(JSON.parse(r.stdout).warnings)}`);
    assert.equal((await xlat(ns, ['nat64', 'instance', 'remove'])).code, 0);
  }
});
