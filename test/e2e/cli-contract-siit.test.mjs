// The CLI contract (issue 15) for the SIIT commands and those of no translator (test/helpers/contract.mjs has the
// table and the checks); plus the contract's coverage of every command, status codes and stdin.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {skipReason, cleanupAll, run, createNamespace, uniqueName, CLI} from '../helpers/netns.mjs';
import {contractNamespace, contractSuite, ELSEWHERE, manifest, show, table} from '../helpers/contract.mjs';

const SKIP = skipReason();
if (SKIP) console.log(`# e2e CLI contract skipped: ${SKIP}`);

describe('the CLI contract (SIIT)', {skip: SKIP ?? false}, () => {
  it('the table covers every command of the manifest', () => {
    const rows = new Set(table(null, '').flatMap((r) => [r.cmd, ...r.steps.map((st) => st[2]).filter(Boolean)]));
    for (const id of Object.keys(manifest.commands)) {
      const cmd = id.split(':').join(' ');
      assert.ok(rows.has(cmd) || cmd in ELSEWHERE, `no contract row for '${cmd}'`);
    }
  });

  contractSuite('SIIT and general commands', ['siit', 'config', 'completion']);

  describe('status and stdin', () => {
    let ns;
    before(async () => {
      ns = await contractNamespace('ctrs');
    });
    after(cleanupAll);

  it('instance status: Running 0, Paused 0 (and says so), Dead 3, not root 5', async () => {
    const st = (extra = []) => run(process.execPath, [CLI, 'siit', 'instance', 'status', '-n', ns, '--json', ...extra], {timeout: 60_000});
    assert.deepEqual(JSON.parse((await st()).stdout).result, {status: 'Running'});
    await run(process.execPath, [CLI, '-n', ns, 'siit', 'global', 'update', 'manually-enabled', 'false']);
    const p = await st();
    assert.equal(p.code, 0);
    assert.deepEqual(JSON.parse(p.stdout).result, {status: 'Paused'});
    const d = await run(process.execPath, [CLI, '-n', ns, 'siit', 'instance', 'display', '--json']);
    assert.equal(JSON.parse(d.stdout).result.instances[0].status, 'Paused');
    await run(process.execPath, [CLI, '-n', ns, 'siit', 'global', 'update', 'manually-enabled', 'true']);
    const empty = await createNamespace(uniqueName('ctr0'));
    const dead = await run(process.execPath, [CLI, 'siit', 'instance', 'status', '-n', empty, '--json']);
    assert.equal(dead.code, 3);
    assert.deepEqual(JSON.parse(dead.stdout).result, {status: 'Dead'});
    const noRoot = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'siit', 'instance', 'status', '--json'], {
      timeout: 60_000,
      env: {PATH: process.env.PATH, HOME: '/tmp'},
      cwd: '/tmp',
    });
    if (noRoot.code !== null && !/setpriv: /.test(noRoot.stderr)) {
      assert.equal(noRoot.code, 5, show(noRoot));
      assert.equal(JSON.parse(noRoot.stderr).error.kind, 'permission');
    }
  });

  it('stdin is never read into arguments; `--file -` reads it on purpose', async () => {
    const r = await run(process.execPath, [CLI, '-n', ns, 'siit', 'denylist4', 'add'], {input: '10.0.0.0/8\n'});
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /^Error: missing required argument PREFIX/);
    const e = await run(process.execPath, [CLI, '-n', ns, 'siit', 'eamt', 'add', '--file', '-', '--json'], {input: '2001:db8:42::/120 10.42.0.0/24\n'});
    assert.equal(e.code, 0, show(e));
    assert.equal(JSON.parse(e.stdout).result.total, 1);
    const f = await run(process.execPath, [CLI, '-n', ns, 'siit', 'file', 'handle', '-', '--json'], {input: JSON.stringify({global: {pool6: '64:ff9b::/96'}, interfaces: ['d0']})});
    assert.equal(f.code, 0, show(f));
    assert.deepEqual(JSON.parse(f.stdout).result.changes.map((c) => c.text), ['- eamt 2001:db8:42::/120 10.42.0.0/24']);
  });
  });
});
