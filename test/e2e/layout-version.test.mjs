// Map layout versions: `xlat --version` reports the BPF objects' own, `instance display` the attached programs', and
// a CLI whose layout is not the instance's refuses in one line and changes nothing. Another xlat's instance is
// simulated by writing another version into the config map of a live instance (below the CLI); an IPv4 address is
// added afterwards so that a CLI that went ahead would have something to write (siit_local4, the default pool4).
// One throwaway namespace per translator; always removed. Needs root and a build.
import {test, describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {readFileSync} from 'node:fs';
import {skipReason, cleanupAll, createNamespace, ipIn, nsRun, uniqueName, xlat, REPO} from '../helpers/netns.mjs';

const SKIP = skipReason();
if (SKIP) console.log(`# e2e layout versions skipped: ${SKIP}`);
const MAPS = path.join(REPO, 'test', 'helpers', 'instance-maps.mjs');

after(cleanupAll);

const show = (r) => `$ ${r.cmd}\nexit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what} should succeed\n${show(r)}`);
function json(r, what) {
  ok(r, what);
  return JSON.parse(r.stdout);
}

async function instanceMaps(ns, op, kind, ...rest) {
  const r = await nsRun(ns, process.execPath, [MAPS, op, kind, ...rest]);
  ok(r, `instance-maps ${op} ${kind}`);
  return op === 'dump' ? JSON.parse(r.stdout) : null;
}

test('xlat --version: package, platform, Node.js and each object\'s map layout, text and --json', {skip: SKIP || false}, async () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  const {layoutVersion} = await import(path.join(REPO, 'dist', 'instance', 'objects.js'));
  const t = await xlat(null, ['--version']);
  ok(t, 'xlat --version');
  assert.equal(
    t.stdout,
    `xlat/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n` +
      `map layouts: siit ${layoutVersion('siit')}, nat64 ${layoutVersion('nat64')}\n`,
  );
  assert.equal(t.stderr, '');
  assert.deepEqual(json(await xlat(null, ['--version', '--json']), 'xlat --version --json'), {
    xlat: pkg.version,
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
    layouts: {siit: layoutVersion('siit'), nat64: layoutVersion('nat64')},
  });
});

for (const kind of ['siit', 'nat64']) {
  const label = kind.toUpperCase();
  describe(`${label}: the instance's map layout`, {skip: SKIP || false}, () => {
    let ns;
    let own;
    const cli = (...args) => xlat(ns, [kind, ...args], {timeout: 120_000});

    before(async () => {
      own = (await import(path.join(REPO, 'dist', 'instance', 'objects.js'))).layoutVersion(kind);
      ns = await createNamespace(uniqueName(`lay${kind[0]}`));
      await ipIn(ns, ['link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1']);
      await ipIn(ns, ['link', 'set', 'd0', 'up']);
      await ipIn(ns, ['link', 'set', 'd1', 'up']);
      await ipIn(ns, ['addr', 'add', '192.0.2.1/24', 'dev', 'd0']);
      const pool6 = kind === 'siit' ? '2001:db8:100::/40' : '64:ff9b::/96';
      ok(await cli('instance', 'add', '--pool6', pool6, '--iface', 'd0', '--hook', 'tc'), 'instance add');
    });

    it('instance display shows the attached programs\' layout (text and --json)', async () => {
      const d = json(await cli('instance', 'display', '--json'), 'instance display --json');
      assert.equal(d.result.instances[0].layout, own);
      const t = await cli('instance', 'display');
      ok(t, 'instance display');
      assert.match(t.stdout, /^\| Namespace +\| Type +\| Name +\| Status +\| Layout +\| Pool6 +\|/m);
      assert.match(t.stdout, new RegExp(`^\\| ${ns} +\\| ${label} +\\| - +\\| Running +\\| ${own} +\\| `, 'm'));
      const c = await cli('instance', 'display', '--csv', '--no-headers');
      assert.match(c.stdout, new RegExp(`^${ns},${label},-,Running,${own},`));
    });

    it('an instance of another layout: every command says so in one line and changes nothing', async () => {
      const other = own + 1;
      await instanceMaps(ns, 'set-layout', kind, String(other));
      await ipIn(ns, ['addr', 'add', '198.51.100.1/24', 'dev', 'd0']); // a CLI that went ahead would record it
      const before = await instanceMaps(ns, 'dump', kind);
      const commands =
        kind === 'siit'
          ? [['instance', 'display'], ['instance', 'display', '--json'], ['instance', 'status'], ['global', 'display'],
            ['global', 'update', 'manually-enabled', 'false'], ['eamt', 'add', '2001:db8:3::/120', '1.0.0.0/24'],
            ['denylist4', 'add', '10.0.0.0/8'], ['stats', 'display']]
          : [['instance', 'display'], ['instance', 'display', '--json'], ['instance', 'status'], ['global', 'display'],
            ['global', 'update', 'manually-enabled', 'false'], ['pool4', 'add', '203.0.113.1', '--tcp'], ['pool4', 'display'],
            ['bib', 'display', '--udp'], ['stats', 'display']];
      const message = new RegExp(
        `^Error: the ${label} instance of this namespace has map layout ${other} and this xlat has ${own}: manage it with the xlat that created it, or replace it \\('xlat ${kind} instance remove', then 'add'\\)$`,
      );
      for (const args of commands) {
        const r = await cli(...args);
        assert.equal(r.code, 1, `${args.join(' ')}: exit 1\n${show(r)}`);
        if (args.includes('--json')) {
          assert.equal(r.stdout, '', `${args.join(' ')}: nothing on stdout\n${show(r)}`);
          assert.match(JSON.parse(r.stderr).error.message, new RegExp(message.source.replace('^Error: ', '^')), show(r));
        } else {
          assert.equal(r.stdout, '', `${args.join(' ')}: nothing on stdout\n${show(r)}`);
          const lines = r.stderr.split('\n').filter((l) => l !== '');
          assert.equal(lines.length, 1, `${args.join(' ')}: one line\n${show(r)}`);
          assert.match(lines[0], message, `${args.join(' ')}\n${show(r)}`);
        }
      }
      assert.deepEqual(await instanceMaps(ns, 'dump', kind), before, 'no map changed');
    });

    it('instance remove still detaches it (the way to replace it)', async () => {
      ok(await cli('instance', 'remove'), 'instance remove');
      const s = await cli('instance', 'status');
      assert.equal(s.stdout, 'Dead\n', show(s));
    });
  });
}
