// The test harness itself: RFC 6052 arithmetic, the lab topology with plain routing (no translator), the socket
// echo helper, and namespace cleanup. Needs root, not the build.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {skipReason, cleanupAll, nsRun, nsBackground, run, registeredNamespaces, getSysctl, REPO} from '../helpers/netns.mjs';
import {createSiitLab, ADDR, labAddresses} from '../helpers/topology.mjs';
import {embed, extract} from '../helpers/rfc6052.mjs';

const SKIP = skipReason({needBuild: false});
const SOCKETS = path.join(REPO, 'test', 'helpers', 'sockets.py');

after(cleanupAll);

describe('RFC 6052 helper', () => {
  // RFC 6052 section 2.4, 192.0.2.33 under each prefix length
  const table = [
    ['2001:db8::/32', '2001:db8:c000:221::'],
    ['2001:db8:100::/40', '2001:db8:1c0:2:21::'],
    ['2001:db8:122::/48', '2001:db8:122:c000:2:2100::'],
    ['2001:db8:122:300::/56', '2001:db8:122:3c0:0:221::'],
    ['2001:db8:122:344::/64', '2001:db8:122:344:c0:2:2100:0'],
    ['2001:db8:122:344::/96', '2001:db8:122:344::c000:221'],
  ];
  for (const [prefix, want] of table) {
    it(`192.0.2.33 in ${prefix} is ${want}`, () => {
      assert.equal(embed(prefix, '192.0.2.33'), want);
      assert.equal(extract(prefix, want), '192.0.2.33');
    });
  }
  it('the lab: n4 198.51.100.2 is 2001:db8:1c6:3364:2:: in pool6', () => {
    assert.equal(ADDR.n4As6, '2001:db8:1c6:3364:2::');
    assert.equal(ADDR.n6.addr6, '2001:db8:1c0:2:21::');
    assert.equal(ADDR.j.addr6, '2001:db8:1c0:2:1::');
    assert.equal(extract(ADDR.pool6, ADDR.n6.addr6), ADDR.n6As4);
  });
  it('a lab built around another pool6 moves n6 and j into it', () => {
    const b = labAddresses('2001:db8:200::/40');
    assert.equal(b.n6.addr6, '2001:db8:2c0:2:21::');
    assert.equal(b.n4As6, '2001:db8:2c6:3364:2::');
    assert.throws(() => labAddresses('64:ff9b::/96'));
  });
});

describe('lab topology without a translator', {skip: SKIP ?? false, timeout: 60_000}, () => {
  let lab;
  before(async () => {
    lab = await createSiitLab();
  });
  after(async () => {
    await lab?.destroy();
  });

  it('namespaces have unique names and are registered for cleanup', () => {
    assert.match(lab.j, new RegExp(`^xlt-${process.pid}-[0-9a-f]{6}-j$`));
    for (const ns of [lab.n6, lab.j, lab.n4]) assert.ok(registeredNamespaces().includes(ns));
  });

  it('n6 reaches j over IPv6 and n4 reaches j over IPv4', async () => {
    const a = await nsRun(lab.n6, 'ping', ['-6', '-n', '-c', '2', '-i', '0.2', '-W', '1', ADDR.j.addr6], {timeout: 10_000});
    assert.equal(a.code, 0, a.stdout + a.stderr);
    const b = await nsRun(lab.n4, 'ping', ['-4', '-n', '-c', '2', '-i', '0.2', '-W', '1', ADDR.j.addr4], {timeout: 10_000});
    assert.equal(b.code, 0, b.stdout + b.stderr);
  });

  it('j forwards both families and n6 cannot reach n4 without translation', async () => {
    assert.equal(await getSysctl(lab.j, 'net.ipv4.conf.all.forwarding'), '1');
    assert.equal(await getSysctl(lab.j, 'net.ipv6.conf.all.forwarding'), '1');
    assert.equal(await getSysctl(lab.j, 'net.ipv6.auto_flowlabels'), '0');
    const p = await nsRun(lab.n6, 'ping', ['-6', '-n', '-c', '1', '-W', '1', ADDR.n4As6], {timeout: 10_000});
    assert.notEqual(p.code, 0, p.stdout);
  });

  it('the socket helper echoes TCP and UDP between namespaces', async () => {
    for (const proto of ['tcp', 'udp']) {
      const port = 7000 + (process.pid % 1000);
      const srv = nsBackground(lab.j, 'python3', [SOCKETS, 'serve', proto, String(port)], {timeout: 30_000});
      try {
        await srv.ready;
        const c = await nsRun(lab.n4, 'python3', [SOCKETS, 'client', proto, ADDR.j.addr4, String(port), '--size', proto === 'tcp' ? '1048576' : '1400'], {timeout: 20_000});
        assert.equal(c.code, 0, c.stdout + c.stderr);
        assert.equal(JSON.parse(c.stdout).ok, true);
        await new Promise((r) => setTimeout(r, 100));
        assert.match(srv.stdout, /"peer": "198\.51\.100\.2"/);
      } finally {
        await srv.stop();
      }
    }
  });

  it('destroy() removes the namespaces', async () => {
    const names = [lab.n6, lab.j, lab.n4];
    await lab.destroy();
    lab = undefined;
    const list = await run('ip', ['netns', 'list'], {timeout: 5000});
    for (const ns of names) assert.ok(!list.stdout.includes(ns), list.stdout);
  });
});

describe('cleanup when a test process dies', {skip: SKIP ?? false, timeout: 60_000}, () => {
  it('a child that creates a lab and exits with an error leaves no namespace', async () => {
    const script = `
      import {createSiitLab} from ${JSON.stringify(path.join(REPO, 'test/helpers/topology.mjs'))};
      const lab = await createSiitLab();
      console.log(lab.j);
      throw new Error('boom');`;
    const r = await run(process.execPath, ['--input-type=module', '-e', script], {timeout: 20_000});
    assert.notEqual(r.code, 0);
    const j = r.stdout.trim();
    assert.match(j, /^xlt-\d+-[0-9a-f]+-j$/);
    const list = await run('ip', ['netns', 'list'], {timeout: 5000});
    assert.ok(!list.stdout.includes(j.replace(/-j$/, '')), list.stdout);
  });
});
