// Jool compatibility (issue 9): the seed's two-namespace example typed exactly as the seed shows it, in Jool 3
// syntax, with `jool` being xlat-jool (a `jool` wrapper first on PATH stands for `alias jool=xlat-jool`, which
// `ip netns exec` would not expand), printing the seed's output formats; then Jool 4 command lines and
// xlat-jool-siit. A third namespace ("world") plays the seed's root namespace.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {skipReason, cleanupAll, run, createNamespace, createVeth, addAddress, setSysctls, uniqueName, ipIn, nsRun, REPO} from '../helpers/netns.mjs';

const SKIP = skipReason();
if (SKIP) console.log(`# e2e Jool compatibility skipped: ${SKIP}`);

const show = (r) => `$ ${r.cmd}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);

describe('xlat-jool: the seed transcript', {skip: SKIP ?? false, timeout: 300_000}, () => {
  const ns = {};
  let bin;
  let env;
  /** `ip netns exec NS jool ARGS...`, as the seed types it. */
  const jool = (n, ...args) => run('ip', ['netns', 'exec', n, 'jool', ...args], {env, timeout: 60_000});
  const joolSiit = (n, ...args) => run('ip', ['netns', 'exec', n, 'jool_siit', ...args], {env, timeout: 60_000});

  before(async () => {
    bin = mkdtempSync(path.join(tmpdir(), 'xlat-jool-bin-'));
    for (const [name, target] of [['jool', 'xlat-jool.js'], ['jool_siit', 'xlat-jool-siit.js']]) {
      writeFileSync(path.join(bin, name), `#!/bin/sh\nexec ${process.execPath} ${path.join(REPO, 'bin', target)} "$@"\n`);
      chmodSync(path.join(bin, name), 0o755);
    }
    env = {...process.env, PATH: `${bin}:${process.env.PATH}`};
    ns.world = await createNamespace(uniqueName('jw'));
    ns.blue = await createNamespace(uniqueName('jblue'));
    ns.red = await createNamespace(uniqueName('jred'));
    // "First!" and "Second!" of the seed.
    await createVeth(ns.world, 'to_blue', ns.blue, 'to_world1');
    await addAddress(ns.world, 'to_blue', '2001:db8:1::8/96');
    await addAddress(ns.world, 'to_blue', '192.0.2.8/24');
    await addAddress(ns.blue, 'to_world1', '2001:db8:1::1/96');
    await addAddress(ns.blue, 'to_world1', '192.0.2.1/24');
    await createVeth(ns.world, 'to_red', ns.red, 'to_world2');
    await addAddress(ns.world, 'to_red', '2001:db8:2::8/96');
    await addAddress(ns.world, 'to_red', '203.0.113.8/24');
    await addAddress(ns.red, 'to_world2', '2001:db8:2::1/96');
    await addAddress(ns.red, 'to_world2', '203.0.113.1/24');
    // The seed skips the sysctl commands "to reduce clutter"; a working setup needs them.
    for (const n of [ns.blue, ns.red]) await setSysctls(n, {'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.forwarding': 1});
  });
  after(async () => {
    if (bin) rmSync(bin, {recursive: true, force: true});
    await cleanupAll();
  });

  it('adds a NAT64 to each namespace, Jool 3 style: the instance first, pool6 afterwards', async () => {
    const b = await jool(ns.blue, '--instance', '--add');
    ok(b, 'blue --instance --add');
    assert.match(b.stderr, /no pool6: this NAT64 translates nothing until/);
    // Until pool6 is set the instance says so.
    const d = await run(process.execPath, [path.join(REPO, 'bin', 'run.js'), '-n', ns.blue, 'nat64', 'instance', 'display'], {timeout: 60_000});
    assert.match(d.stdout, /\(unset: nothing is translated\)/, show(d));
    ok(await jool(ns.blue, '--pool6', '--add', '2001:db8:64::/96'), 'blue --pool6 --add');
    ok(await jool(ns.red, '--instance', '--add'), 'red --instance --add');
    ok(await jool(ns.red, '--pool6', '--add', '2001:db8:46::/96'), 'red --pool6 --add');
    await ipIn(ns.world, ['route', 'add', '2001:db8:64::/96', 'via', '2001:db8:1::1']);
    await ipIn(ns.world, ['route', 'add', '2001:db8:46::/96', 'via', '2001:db8:2::1']);
  });

  it('"Ensure the NAT64s are different": --pool6 prints the seed\'s format', async () => {
    const b = await jool(ns.blue, '--pool6');
    ok(b, 'blue --pool6');
    assert.equal(b.stdout, '2001:db8:64::/96\n  (Fetched 1 entries.)\n');
    const r = await jool(ns.red, '--pool6');
    assert.equal(r.stdout, '2001:db8:46::/96\n  (Fetched 1 entries.)\n');
  });

  it('"Ping yourself through each NAT64": 4 replies each, ttl=63', async () => {
    for (const dst of ['2001:db8:64::192.0.2.8', '2001:db8:46::203.0.113.8']) {
      const p = await nsRun(ns.world, 'ping', ['-6', dst, '-c', '4', '-i', '0.2', '-W', '2'], {timeout: 20_000});
      ok(p, `ping6 ${dst} -c 4`);
      assert.deepEqual([...p.stdout.matchAll(/ttl=(\d+)/g)].map((m) => Number(m[1])), [63, 63, 63, 63], show(p));
    }
  });

  it('"Check out each NAT64\'s state": --session --icmp --numeric prints the seed\'s format', async () => {
    const want = (pool4, remote4, remote6, embedded) =>
      new RegExp(
        `^ICMP:\\n-{33}\\nExpires in (\\d+) seconds\\nRemote: ${remote4}#(\\d+)\\t${remote6}#(\\d+)\\n` +
          `Local: ${pool4}#(\\d+)\\t${embedded}#(\\d+)\\n-{33}\\n {2}\\(Fetched 1 entries\\.\\)\\n$`,
      );
    const b = await jool(ns.blue, '--session', '--icmp', '--numeric');
    ok(b, 'blue --session');
    const mb = want('192\\.0\\.2\\.1', '192\\.0\\.2\\.8', '2001:db8:1::8', '2001:db8:64::c000:208').exec(b.stdout);
    assert.ok(mb, b.stdout);
    assert.ok(Number(mb[1]) > 40 && Number(mb[1]) <= 60, `Expires in ${mb[1]} seconds`);
    const r = await jool(ns.red, '--session', '--icmp', '--numeric');
    assert.ok(want('203\\.0\\.113\\.1', '203\\.0\\.113\\.8', '2001:db8:2::8', '2001:db8:46::cb00:7108').exec(r.stdout), r.stdout);
  });

  it('the rest of Jool 3: --bib, --pool4 --add (a protocol each), --global, --KEY VALUE', async () => {
    const bib = await jool(ns.blue, '--bib', '--icmp');
    ok(bib, '--bib --icmp');
    assert.match(bib.stdout, /^ICMP:\n\[Dynamic\] 192\.0\.2\.1#\d+ - 2001:db8:1::8#\d+\n {2}\(Fetched 1 entries\.\)\n$/);
    const add = await jool(ns.blue, '--pool4', '--add', '--tcp', '--udp', '192.0.2.1', '62000-62100');
    ok(add, '--pool4 --add');
    const p4 = await jool(ns.blue, '--pool4', '--csv');
    ok(p4, '--pool4');
    assert.match(p4.stdout, /^0,TCP,auto,192\.0\.2\.1\/32,62000-62100,pool4$/m);
    assert.match(p4.stdout, /^0,UDP,auto,192\.0\.2\.1\/32,62000-62100,pool4$/m);
    ok(await jool(ns.blue, '--address-dependent-filtering', 'on'), '--KEY VALUE');
    ok(await jool(ns.blue, '--disable'), '--disable');
    const g = await jool(ns.blue);
    ok(g, 'jool alone: the globals');
    assert.match(g.stdout, /^ {2}address-dependent-filtering: true$/m);
    assert.match(g.stdout, /^ {2}manually-enabled: false$/m);
    ok(await jool(ns.blue, '--global', '--enable'), '--enable');
  });

  it('Jool 4 lines: -i NAME is recorded and checked, abbreviations, instance flush', async () => {
    ok(await jool(ns.red, '--instance', '--remove'), 'red --instance --remove');
    const add = await jool(ns.red, 'instance', 'add', 'alpha', '--netfilter', '--pool6', '2001:db8:46::/96');
    ok(add, 'instance add alpha');
    assert.match(add.stderr, /--netfilter: ignored/);
    ok(await jool(ns.red, '-i', 'alpha', 'g', 'u', 'icmp-timeout', '0:00:30'), 'g u');
    const g = await jool(ns.red, '-i', 'alpha', 'global', 'display');
    assert.match(g.stdout, /^ {2}icmp-timeout: 0:00:30$/m);
    const wrong = await jool(ns.red, '-i', 'beta', 'global', 'display');
    assert.equal(wrong.code, 3, show(wrong));
    assert.match(wrong.stderr, /^Error: this namespace has no NAT64 instance named 'beta': its instance is 'alpha'/);
    const amb = await jool(ns.red, 's', 'd');
    assert.equal(amb.code, 2);
    assert.match(amb.stderr, /ambiguous mode 's': it may be stats, session/);
    ok(await jool(ns.red, 'pool4', 'add', '203.0.113.1', '62000-62010', '--tcp'), 'pool4 add, Jool order');
    ok(await jool(ns.red, 'bib', 'add', '203.0.113.1#62005', '2001:db8:2::8#22', '--tcp'), 'bib add, IPv4 first');
    const disp = await jool(ns.red, 'instance', 'display');
    ok(disp, 'instance display');
    assert.match(disp.stdout, new RegExp(`\\| ${ns.red} +\\| NAT64 \\| alpha +\\|`));
    ok(await jool(ns.red, 'instance', 'flush'), 'instance flush');
    ok(await jool(ns.red, 'instance', 'flush'), 'a second flush finds nothing and is fine');
  });

  it('xlat-jool-siit: Jool 4 SIIT lines (stats is unique there: `s d`)', async () => {
    ok(await joolSiit(ns.red, 'instance', 'add', '--netfilter', '--pool6', '64:ff9b::/96'), 'siit instance add');
    ok(await joolSiit(ns.red, 'eamt', 'add', '192.0.2.0/24', '2001:db8:5::/120'), 'eamt add, IPv4 first');
    ok(await joolSiit(ns.red, 'blacklist4', 'add', '198.51.100.0/24'), 'blacklist4 (denylist4)');
    const s = await joolSiit(ns.red, 's', 'd', '--all');
    ok(s, 's d');
    assert.match(s.stdout, /^xlat-6to4: 0$/m);
    const e = await joolSiit(ns.red, 'eamt', 'display', '--csv', '--no-headers');
    assert.equal(e.stdout, '2001:db8:5::/120,192.0.2.0/24\n');
    ok(await joolSiit(ns.red, 'instance', 'remove'), 'instance remove');
  });
});
