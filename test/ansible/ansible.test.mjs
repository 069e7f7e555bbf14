// The Ansible collection (ansible/ansible_collections/xlat/translator) against real translators: ansible-playbook
// with `-c local` configures SIIT and NAT64 in throwaway namespace labs (n6 -- j -- n4, one lab each), through the
// role and the modules, the way the README shows. Asserted: check mode changes nothing, the first run changes
// what it should, the second run changes nothing, drift is repaired, translated traffic flows, a failure carries
// xlat's one-line message and leaves the tables as they were, and a non-root run fails saying so.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, chmodSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {skipReason, cleanupAll, run, nsRun, nsBackground, xlat, CLI, REPO} from '../helpers/netns.mjs';
import {createSiitLab, ADDR} from '../helpers/topology.mjs';

const HERE = path.join(REPO, 'test', 'ansible');
const SOCKETS = path.join(REPO, 'test', 'helpers', 'sockets.py');

function ansibleMissing() {
  try {
    execFileSync('sh', ['-c', 'command -v ansible-playbook'], {stdio: 'ignore'});
    return null;
  } catch {
    return 'ansible-playbook is missing: run scripts/setup-ansible.sh (Debian ansible-core)';
  }
}
const SKIP = skipReason() ?? ansibleMissing();
if (SKIP) console.log(`# ansible tests skipped: ${SKIP}`);

const tmp = mkdtempSync(path.join(tmpdir(), 'xlat-ansible-'));
chmodSync(tmp, 0o777);
const baseEnv = {
  ...process.env,
  ANSIBLE_COLLECTIONS_PATH: path.join(REPO, 'ansible'),
  // test/ansible/callback_plugins/xlat_test_report.py: one JSON report (stats, failures) at the end.
  ANSIBLE_STDOUT_CALLBACK: 'xlat_test_report',
  ANSIBLE_CALLBACK_PLUGINS: path.join(HERE, 'callback_plugins'),
  ANSIBLE_LOCALHOST_WARNING: 'false',
  ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false',
  ANSIBLE_NOCOLOR: '1',
  ANSIBLE_RETRY_FILES_ENABLED: 'false',
  ANSIBLE_LOCAL_TEMP: path.join(tmp, 'local'),
  ANSIBLE_REMOTE_TEMP: path.join(tmp, 'remote'),
};

const labs = {};
after(() => rmSync(tmp, {recursive: true, force: true}));

/**
 * Runs a playbook of test/ansible against the labs; returns the host's stats and the failed results.
 * @param {string} playbook file name in test/ansible
 * @param {{extra?: string[], user?: string}} [opts] extra ansible-playbook arguments; user: run as that user
 */
async function play(playbook, {extra = [], user} = {}) {
  const args = [
    '-i', 'localhost,', '-c', 'local',
    path.join(HERE, playbook),
    '-e', `siit_netns=${labs.siit.j}`, '-e', `nat64_netns=${labs.nat64.j}`, '-e', `xlat_cli=${CLI}`,
    ...extra,
  ];
  const env = {...baseEnv};
  let cmd = 'ansible-playbook';
  let argv = args;
  if (user) {
    // Its own temporary directories: root's (made by earlier runs) are not writable for it.
    env.HOME = tmp;
    env.ANSIBLE_LOCAL_TEMP = path.join(tmp, `local-${user}`);
    env.ANSIBLE_REMOTE_TEMP = path.join(tmp, `remote-${user}`);
    cmd = 'setpriv';
    argv = ['--reuid', user, '--regid', user, '--clear-groups', 'ansible-playbook', ...args];
  }
  const r = await run(cmd, argv, {timeout: 240_000, env, cwd: tmp});
  let report;
  try {
    report = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
  } catch {
    assert.fail(`ansible-playbook printed no JSON report (exit ${r.code})\n${r.stdout}\n${r.stderr}`);
  }
  const stats = report.stats.localhost ?? {changed: 0, failures: 0};
  const failed = report.failed;
  const why = () =>
    `exit ${r.code}; stats ${JSON.stringify(stats)}; changed: ${JSON.stringify(report.changed.map((c) => c.task))}; ` +
    `failed: ${JSON.stringify(failed.map((f) => [f.task, f.msg]))}\n${r.stderr}`;
  return {code: r.code, stats, failed, changed: report.changed, why};
}

/** The `result` of `xlat ARGS --json -n NS` (the CLI contract's success envelope). */
async function xlatResult(ns, args) {
  const r = await xlat(null, [...args, '--json', '-n', ns]);
  assert.equal(r.code, 0, `xlat ${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
  return JSON.parse(r.stdout).result;
}

async function instanceOf(ns, mode) {
  return (await xlatResult(ns, [mode, 'instance', 'display'])).instances[0] ?? null;
}

async function eamt(ns) {
  return (await xlatResult(ns, ['siit', 'eamt', 'display'])).eamt;
}

/** The running configuration, as `file export` prints it: compared before and after a task that must not change it. */
async function exported(ns, mode) {
  return (await xlatResult(ns, [mode, 'file', 'export'])).config;
}

async function ping(ns, target) {
  const r = await nsRun(ns, 'ping', ['-n', '-c', '2', '-i', '0.2', '-W', '2', target], {timeout: 15_000});
  assert.equal(r.code, 0, `ping ${target} from ${ns}\n${r.stdout}${r.stderr}`);
}

let port = 41000 + (process.pid % 10000);
async function tcp(serverNs, clientNs, target, {connectPort, listenPort} = {}) {
  const lport = listenPort ?? port++;
  const server = nsBackground(serverNs, 'python3', [SOCKETS, 'serve', 'tcp', String(lport)], {timeout: 60_000});
  try {
    await server.ready;
    const r = await nsRun(clientNs, 'python3', [SOCKETS, 'client', 'tcp', target, String(connectPort ?? lport), '--size', '262144', '--timeout', '5'], {timeout: 20_000});
    assert.equal(r.code, 0, `TCP ${clientNs} -> ${target}\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /"ok": true/);
  } finally {
    await server.stop();
  }
}

describe('Ansible collection xlat.translator against namespace labs (-c local)', {skip: SKIP ?? false}, () => {
  before(async () => {
    labs.siit = await createSiitLab();
    labs.nat64 = await createSiitLab();
  });
  after(async () => {
    await cleanupAll();
  });

  it('check mode reports the changes and makes none', async () => {
    const r = await play('site.yml', {extra: ['--check', '--diff']});
    assert.equal(r.stats.failures, 0, r.why());
    // SIIT instance, EAMT, NAT64 instance, pool4, BIB (loops count once), the respelled EAMT entry
    assert.equal(r.stats.changed, 6, r.why());
    assert.equal(await instanceOf(labs.siit.j, 'siit'), null);
    assert.equal(await instanceOf(labs.nat64.j, 'nat64'), null);
  });

  it('the first run configures SIIT and NAT64', async () => {
    const r = await play('site.yml');
    assert.equal(r.stats.failures, 0, r.why());
    assert.equal(r.stats.changed, 5, r.why());
    const siit = await instanceOf(labs.siit.j, 'siit');
    assert.equal(siit.pool6, '2001:db8:100::/40');
    assert.deepEqual(siit.interfaces.map((i) => i.name).sort(), ['to_client_v4', 'to_client_v6']);
    assert.deepEqual(await eamt(labs.siit.j), [{'ipv6-prefix': '2001:db8:6::/120', 'ipv4-prefix': '203.0.113.0/24'}]);
    assert.equal((await instanceOf(labs.nat64.j, 'nat64')).pool6, '64:ff9b::/96');
  });

  it('a second run changes nothing, in check mode neither', async () => {
    const r = await play('site.yml');
    assert.equal(r.stats.failures, 0, r.why());
    assert.equal(r.stats.changed, 0, r.why());
    const c = await play('site.yml', {extra: ['--check', '--diff']});
    assert.equal(c.stats.failures, 0, c.why());
    assert.equal(c.stats.changed, 0, c.why());
  });

  it('SIIT translates ping and TCP both ways', async () => {
    const {n6, n4} = labs.siit;
    await ping(n6, ADDR.n4As6);
    await ping(n4, ADDR.n6As4);
    await tcp(n4, n6, ADDR.n4As6);
    await tcp(n6, n4, ADDR.n6As4);
  });

  it('NAT64 translates ping and TCP from IPv6, and TCP from IPv4 through the static BIB entry', async () => {
    const {n6, n4} = labs.nat64;
    await ping(n6, '64:ff9b::198.51.100.2');
    await tcp(n4, n6, '64:ff9b::198.51.100.2');
    // site.yml maps 198.51.100.1#61080 to n6's port 8080.
    await tcp(n6, n4, '198.51.100.1', {connectPort: 61080, listenPort: 8080});
  });

  it('drift is repaired: an EAMT entry removed by hand comes back, and only that changes', async () => {
    const rm = await xlat(null, ['siit', 'eamt', 'remove', '2001:db8:6::/120', '-n', labs.siit.j]);
    assert.equal(rm.code, 0, rm.stderr);
    const r = await play('site.yml');
    assert.equal(r.stats.failures, 0, r.why());
    assert.equal(r.stats.changed, 1, r.why());
    assert.equal((await eamt(labs.siit.j)).length, 1);
  });

  it("a failure carries xlat's one-line message and leaves the EAMT as it was", async () => {
    const before = await eamt(labs.siit.j);
    const r = await play('failure.yml');
    assert.notEqual(r.code, 0);
    assert.equal(r.failed.length, 1, r.why());
    assert.equal(
      r.failed[0].msg,
      '2001:db8:6::/120 is already the IPv6 prefix of the EAMT entry 2001:db8:6::/120 <-> 203.0.113.0/24: remove that entry first',
    );
    assert.deepEqual(await eamt(labs.siit.j), before);
  });

  it('without root the task fails saying so', async () => {
    const r = await play('failure.yml', {user: '65534'});
    assert.notEqual(r.code, 0);
    assert.equal(r.failed.length, 1, r.why());
    assert.match(r.failed[0].msg, /needs root privileges/);
  });

  it('state absent removes both instances; again changes nothing', async () => {
    const r = await play('absent.yml');
    assert.equal(r.stats.failures, 0, r.why());
    assert.equal(r.stats.changed, 2, r.why());
    assert.equal(await instanceOf(labs.siit.j, 'siit'), null);
    assert.equal(await instanceOf(labs.nat64.j, 'nat64'), null);
    const again = await play('absent.yml');
    assert.equal(again.stats.changed, 0, again.why());
  });
});


// xlat_config: whole configuration files through `xlat <mode> file handle`, SIIT inline through the role, NAT64 from
// a file on the host through the module (test/ansible/config.yml).
const NAT64_FILE = {
  global: {pool6: '64:ff9b::/96'},
  pool4: ['TCP', 'UDP', 'ICMP'].map((protocol) => ({protocol, prefix: '198.51.100.1', 'port range': '61001-65535'})),
  bib: [{protocol: 'TCP', 'ipv6 address': '2001:db8:1c0:2:21::#8080', 'ipv4 address': '198.51.100.1#61080'}],
  interfaces: ['to_client_v6', 'to_client_v4'],
};

describe('xlat_config (xlat <mode> file handle) against namespace labs', {skip: SKIP ?? false}, () => {
  const goodFile = path.join(tmp, 'nat64.json');
  const badFile = path.join(tmp, 'nat64-bad.json');
  const playConfig = (file, extra = []) => play('config.yml', {extra: ['-e', `nat64_config_file=${file}`, ...extra]});
  before(async () => {
    labs.siit = await createSiitLab();
    labs.nat64 = await createSiitLab();
    writeFileSync(goodFile, JSON.stringify(NAT64_FILE, null, 2));
    // One valid change (pool6) and two errors: nothing at all may be applied.
    writeFileSync(badFile, JSON.stringify({
      ...NAT64_FILE,
      global: {pool6: '64:ff9b:1::/96'},
      pool4: [{protocol: 'TCP', prefix: '198.51.100.300', 'port range': '61001-65535'}, {protocol: 'SCTP', prefix: '198.51.100.1'}],
    }));
  });
  after(async () => {
    await cleanupAll();
  });

  it('check mode reports the changes with xlat\'s diff lines and makes none', async () => {
    const r = await playConfig(goodFile, ['--check', '--diff']);
    assert.equal(r.stats.failures, 0, r.why());
    assert.equal(r.stats.changed, 2, r.why());
    const diffs = r.changed.map((c) => c.diff?.prepared ?? '').join('');
    assert.match(diffs, /^\+ eamt 2001:db8:6::\/120 203\.0\.113\.0\/24$/m, r.why());
    assert.match(diffs, /^\+ bib TCP 2001:db8:1c0:2:21::#8080 198\.51\.100\.1#61080$/m, diffs);
    assert.equal(await instanceOf(labs.siit.j, 'siit'), null);
    assert.equal(await instanceOf(labs.nat64.j, 'nat64'), null);
  });

  it('the first run applies both files: the instances are what they say', async () => {
    const r = await playConfig(goodFile);
    assert.equal(r.stats.failures, 0, r.why());
    assert.equal(r.stats.changed, 2, r.why());
    const siit = await instanceOf(labs.siit.j, 'siit');
    assert.equal(siit.pool6, '2001:db8:100::/40');
    assert.deepEqual(siit.interfaces.map((i) => i.name).sort(), ['to_client_v4', 'to_client_v6']);
    assert.deepEqual(await eamt(labs.siit.j), [{'ipv6-prefix': '2001:db8:6::/120', 'ipv4-prefix': '203.0.113.0/24'}]);
    const nat64 = await exported(labs.nat64.j, 'nat64');
    assert.equal(nat64.global.pool6, '64:ff9b::/96');
    assert.deepEqual(nat64.pool4.map((e) => `${e.protocol} ${e.prefix} ${e['port range']}`).sort(),
      ['ICMP 198.51.100.1/32 61001-65535', 'TCP 198.51.100.1/32 61001-65535', 'UDP 198.51.100.1/32 61001-65535']);
    assert.deepEqual(nat64.bib.map((e) => `${e.protocol} ${e['ipv6 address']} ${e['ipv4 address']}`),
      ['TCP 2001:db8:1c0:2:21::#8080 198.51.100.1#61080']);
  });

  it('the configured translators translate', async () => {
    await ping(labs.siit.n6, ADDR.n4As6);
    await ping(labs.siit.n4, ADDR.n6As4);
    await ping(labs.nat64.n6, '64:ff9b::198.51.100.2');
    await tcp(labs.nat64.n6, labs.nat64.n4, '198.51.100.1', {connectPort: 61080, listenPort: 8080});
  });

  it('a second run changes nothing, in check mode neither', async () => {
    const r = await playConfig(goodFile);
    assert.equal(r.stats.failures, 0, r.why());
    assert.equal(r.stats.changed, 0, r.why());
    const c = await playConfig(goodFile, ['--check', '--diff']);
    assert.equal(c.stats.failures, 0, c.why());
    assert.equal(c.stats.changed, 0, c.why());
  });

  it('drift: check mode reports the hand-removed EAMT entry and leaves it out; a run puts it back', async () => {
    const rm = await xlat(null, ['siit', 'eamt', 'remove', '2001:db8:6::/120', '-n', labs.siit.j]);
    assert.equal(rm.code, 0, rm.stderr);
    const c = await playConfig(goodFile, ['--check', '--diff']);
    assert.equal(c.stats.failures, 0, c.why());
    assert.equal(c.stats.changed, 1, c.why());
    assert.equal(c.changed[0].diff?.prepared, '+ eamt 2001:db8:6::/120 203.0.113.0/24\n', c.why());
    assert.deepEqual(await eamt(labs.siit.j), []);
    const r = await playConfig(goodFile);
    assert.equal(r.stats.changed, 1, r.why());
    assert.equal((await eamt(labs.siit.j)).length, 1);
  });

  it("a file with errors fails with xlat's message, lists every problem and changes nothing", async () => {
    const before = await exported(labs.nat64.j, 'nat64');
    // What xlat itself says of that file.
    const direct = await xlat(null, ['nat64', 'file', 'handle', badFile, '--check', '--json', '-n', labs.nat64.j]);
    assert.equal(direct.code, 2, direct.stderr);
    const error = JSON.parse(direct.stderr.trim().split('\n').pop()).error;
    assert.equal(error.problems.length, 2, direct.stderr);
    const r = await playConfig(badFile);
    assert.notEqual(r.code, 0);
    assert.equal(r.failed.length, 1, r.why());
    assert.equal(r.failed[0].task, 'NAT64 from a file on the host');
    assert.equal(r.failed[0].msg, error.message);
    assert.match(r.failed[0].msg, /\/pool4\/0\/prefix: /);
    assert.deepEqual(r.failed[0].problems, error.problems);
    assert.deepEqual(await exported(labs.nat64.j, 'nat64'), before);
  });
});
