// End-to-end SIIT: the CLI attaches the translator in namespace j of the lab n6 -- j -- n4, and real traffic
// (ping, UDP, TCP) crosses it in both directions, for each hook. Needs root and a build (`npm run build`).
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {skipReason, cleanupAll, xlat, nsRun, nsBackground, withCapture, run, REPO} from '../helpers/netns.mjs';
import {createSiitLab, ADDR, POOL6} from '../helpers/topology.mjs';
import {embed} from '../helpers/rfc6052.mjs';
import path from 'node:path';

const SKIP = skipReason();
if (SKIP) console.log(`# e2e SIIT skipped: ${SKIP}`);
const SOCKETS = path.join(REPO, 'test', 'helpers', 'sockets.py');
const HOOKS = ['xdp', 'tc'];

after(cleanupAll);

// ---------------------------------------------------------------- helpers

const show = (r) => `$ ${r.cmd}\nexit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;

function assertOk(r, what = 'command') {
  assert.equal(r.code, 0, `${what} should succeed\n${show(r)}`);
}

/** One line `Error: ...` on stderr and a non-zero exit. */
function assertOneLineError(r, what) {
  assert.notEqual(r.code, 0, `${what} should fail\n${show(r)}`);
  const lines = r.stderr.trim().split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `${what}: expected exactly one line on stderr\n${show(r)}`);
  assert.match(lines[0], /^Error: \S/, `${what}: the line should start with 'Error: '\n${show(r)}`);
}

let portSeq = 20000 + (process.pid % 20000);
const nextPort = () => portSeq++;

/** Recursively finds a numeric counter `name` (e.g. 'xlat-6to4') in whatever JSON shape stats display uses. */
export function findCounter(obj, name) {
  const norm = (s) => String(s).toLowerCase().replace(/[_\s]/g, '-');
  const want = norm(name);
  let found;
  const visit = (o) => {
    if (found !== undefined || o === null || typeof o !== 'object') return;
    if (Array.isArray(o)) return o.forEach(visit);
    for (const key of ['name', 'counter', 'reason', 'id']) {
      if (typeof o[key] === 'string' && norm(o[key]) === want) {
        for (const vk of ['value', 'count', 'packets', 'total']) {
          if (typeof o[vk] === 'number' || (typeof o[vk] === 'string' && /^\d+$/.test(o[vk]))) {
            found = Number(o[vk]);
            return;
          }
        }
      }
    }
    for (const [k, v] of Object.entries(o)) {
      if (norm(k) === want && (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v)))) {
        found = Number(v);
        return;
      }
    }
    Object.values(o).forEach(visit);
  };
  visit(obj);
  return found;
}

/** Counter value from text output: a line with the name followed by a number. */
function textCounter(text, name) {
  const m = text.match(new RegExp(`^\\s*${name}\\b\\D*?(\\d+)\\s*$`, 'mi'));
  return m ? Number(m[1]) : undefined;
}

function parseJson(r, what) {
  try {
    return JSON.parse(r.stdout);
  } catch (err) {
    assert.fail(`${what}: --json output is not JSON (${err.message})\n${show(r)}`);
  }
}

async function diagnostics(lab) {
  const parts = [];
  for (const args of [
    ['siit', 'instance', 'display'],
    ['siit', 'stats', 'display', '--all'],
  ]) {
    parts.push(show(await xlat(lab.j, args)));
  }
  parts.push(show(await run('ip', ['-n', lab.j, '-d', 'link', 'show'], {timeout: 5000})));
  for (const dev of [ADDR.j.iface6, ADDR.j.iface4]) {
    parts.push(show(await run('tc', ['-n', lab.j, 'filter', 'show', 'dev', dev, 'ingress'], {timeout: 5000})));
  }
  return parts.join('\n');
}

/**
 * ping from `ns` to `dst`; returns {r, loss, ttls}. `family` '-4' or '-6'.
 */
async function ping(ns, family, dst, {count = 3, wait = 2} = {}) {
  const r = await nsRun(ns, 'ping', [family, '-n', '-c', String(count), '-i', '0.2', '-W', String(wait), dst], {
    timeout: (count * 0.2 + wait + 5) * 1000,
  });
  const lossM = r.stdout.match(/(\d+(?:\.\d+)?)% packet loss/);
  const ttls = [...r.stdout.matchAll(/(?:ttl|hlim)=(\d+)/g)].map((m) => Number(m[1]));
  return {r, loss: lossM ? Number(lossM[1]) : 100, ttls};
}

/** Pings across the translator and checks 0% loss and that replies lost exactly one hop (64 -> 63). */
async function assertPingAcross(lab, ns, family, dst) {
  const {result, capture} = await withCapture(lab.j, [ADDR.j.iface6, ADDR.j.iface4], () => ping(ns, family, dst), {
    filter: ['icmp or icmp6'],
  });
  const {r, loss, ttls} = result;
  if (loss !== 0 || r.code !== 0) {
    assert.fail(`ping ${family} ${dst} from ${ns}: ${loss}% loss\n${show(r)}\n${capture}\n${await diagnostics(lab)}`);
  }
  assert.equal(ttls.length, 3, `expected 3 replies\n${show(r)}`);
  assert.deepEqual(ttls, [63, 63, 63], `replies should cross the translator as exactly one hop (64 -> 63)\n${show(r)}\n${capture}`);
}

/**
 * Echo exchange over real sockets: listener in `serverNs`, client in `clientNs` connecting to `target`.
 * Checks the echoed payload and which source address the listener saw (`expectPeer`).
 */
async function assertEcho(lab, {proto, serverNs, clientNs, target, size, expectPeer, timeout = 10}) {
  const port = nextPort();
  const server = nsBackground(serverNs, 'python3', [SOCKETS, 'serve', proto, String(port)], {timeout: 120_000});
  try {
    await server.ready;
    const c = await nsRun(clientNs, 'python3', [SOCKETS, 'client', proto, target, String(port), '--size', String(size), '--timeout', String(timeout)], {
      timeout: (timeout * 3 + 10) * 1000,
    });
    let res = {};
    try {
      res = JSON.parse(c.stdout.trim().split('\n').pop());
    } catch {
      /* reported below */
    }
    if (c.code !== 0 || !res.ok) {
      assert.fail(`${proto} ${size} bytes ${clientNs} -> ${target}:${port} failed\n${show(c)}\nlistener: ${server.stdout}${server.stderr}\n${await diagnostics(lab)}`);
    }
    assert.equal(res.received, size);
    // the listener saw the client under its translated address
    await new Promise((r) => setTimeout(r, 100));
    const seen = server.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.event === 'connection' || e.event === 'datagram');
    assert.ok(seen.length >= 1, `listener logged nothing\n${server.stdout}`);
    assert.equal(seen[0].peer, expectPeer, `listener should see the client as ${expectPeer}\n${server.stdout}`);
  } finally {
    await server.stop();
  }
}

async function addInstance(ns, {pool6 = POOL6, hook} = {}) {
  const args = ['siit', 'instance', 'add', '--pool6', pool6];
  if (hook) args.push('--hook', hook);
  const r = await xlat(ns, args);
  assertOk(r, `instance add ${args.slice(3).join(' ')}`);
  return r;
}

async function status(ns, extra = []) {
  return xlat(ns, ['siit', 'instance', 'status', ...extra]);
}

function assertDead(r, what) {
  assert.equal(r.code, 3, `${what}: status should exit 3 (Dead: no instance)\n${show(r)}`);
  assert.match(r.stdout + r.stderr, /dead/i, `${what}: status should say Dead\n${show(r)}`);
}

function assertRunning(r, what) {
  assert.equal(r.code, 0, `${what}: status should exit 0 (Running)\n${show(r)}`);
  assert.match(r.stdout, /running/i, `${what}: status should say Running\n${show(r)}`);
}

// ---------------------------------------------------------------- per hook

for (const hook of HOOKS) {
  describe(`SIIT with --hook ${hook}`, {skip: SKIP ?? false, timeout: 300_000}, () => {
    let lab;
    before(async () => {
      lab = await createSiitLab();
      await addInstance(lab.j, {hook});
    });
    after(async () => {
      await lab?.destroy();
    });

    it('n4 is 2001:db8:1c6:3364:2:: from the IPv6 side (RFC 6052 /40)', () => {
      assert.equal(ADDR.n4As6, '2001:db8:1c6:3364:2::');
      assert.equal(embed(POOL6, ADDR.n6As4), ADDR.n6.addr6);
    });

    it('instance status says Running (exit 0) from a fresh process', async () => {
      assertRunning(await status(lab.j), 'after add');
    });

    it('ping -6 from n6 to n4 (2001:db8:1c6:3364:2::): 0% loss, hop limit 63', async () => {
      await assertPingAcross(lab, lab.n6, '-6', ADDR.n4As6);
    });

    it('ping -4 from n4 to n6 (192.0.2.33): 0% loss, TTL 63', async () => {
      await assertPingAcross(lab, lab.n4, '-4', ADDR.n6As4);
    });

    it('UDP from n6 to n4 (listener sees 192.0.2.33)', async () => {
      for (const size of [32, 1400]) {
        await assertEcho(lab, {proto: 'udp', serverNs: lab.n4, clientNs: lab.n6, target: ADDR.n4As6, size, expectPeer: ADDR.n6As4});
      }
    });

    it('UDP from n4 to n6 (listener sees 2001:db8:1c6:3364:2::)', async () => {
      for (const size of [32, 1400]) {
        await assertEcho(lab, {proto: 'udp', serverNs: lab.n6, clientNs: lab.n4, target: ADDR.n6As4, size, expectPeer: ADDR.n4As6});
      }
    });

    it('TCP from n6 to n4, small payload', async () => {
      await assertEcho(lab, {proto: 'tcp', serverNs: lab.n4, clientNs: lab.n6, target: ADDR.n4As6, size: 1000, expectPeer: ADDR.n6As4});
    });

    it('TCP from n4 to n6, small payload', async () => {
      await assertEcho(lab, {proto: 'tcp', serverNs: lab.n6, clientNs: lab.n4, target: ADDR.n6As4, size: 1000, expectPeer: ADDR.n4As6});
    });

    it('TCP 1 MB echoed, client n6 (GSO and checksum offload both ways)', async () => {
      await assertEcho(lab, {proto: 'tcp', serverNs: lab.n4, clientNs: lab.n6, target: ADDR.n4As6, size: 1 << 20, expectPeer: ADDR.n6As4, timeout: 15});
    });

    it('TCP 1 MB echoed, client n4 (GSO and checksum offload both ways)', async () => {
      await assertEcho(lab, {proto: 'tcp', serverNs: lab.n6, clientNs: lab.n4, target: ADDR.n6As4, size: 1 << 20, expectPeer: ADDR.n4As6, timeout: 15});
    });

    it('instance display (fresh process) shows the instance, text and --json', async () => {
      const t = await xlat(lab.j, ['siit', 'instance', 'display']);
      assertOk(t, 'instance display');
      assert.ok(t.stdout.includes(POOL6), `text display should show pool6 ${POOL6}\n${show(t)}`);
      const j = await xlat(lab.j, ['siit', 'instance', 'display', '--json']);
      assertOk(j, 'instance display --json');
      const text = JSON.stringify(parseJson(j, 'instance display'));
      assert.ok(text.includes(POOL6), `--json should hold pool6 ${POOL6}\n${show(j)}`);
      assert.match(text, new RegExp(`"${hook}"`, 'i'), `--json should say the hook is ${hook}\n${show(j)}`);
    });

    it('stats display (fresh process) shows non-zero translated counters, text and --json', async () => {
      const j = await xlat(lab.j, ['siit', 'stats', 'display', '--json']);
      assertOk(j, 'stats display --json');
      const obj = parseJson(j, 'stats display');
      const c64 = findCounter(obj, 'xlat-6to4');
      const c46 = findCounter(obj, 'xlat-4to6');
      assert.ok(c64 > 0, `xlat-6to4 should be > 0 (got ${c64})\n${show(j)}`);
      assert.ok(c46 > 0, `xlat-4to6 should be > 0 (got ${c46})\n${show(j)}`);
      const t = await xlat(lab.j, ['siit', 'stats', 'display']);
      assertOk(t, 'stats display');
      assert.ok(textCounter(t.stdout, 'xlat-6to4') > 0, `text stats should list xlat-6to4 > 0\n${show(t)}`);
      assert.ok(textCounter(t.stdout, 'xlat-4to6') > 0, `text stats should list xlat-4to6 > 0\n${show(t)}`);
      const all = await xlat(lab.j, ['siit', 'stats', 'display', '--all']);
      assertOk(all, 'stats display --all');
      assert.ok(all.stdout.split('\n').length >= t.stdout.split('\n').length, `--all should list at least as much\n${show(all)}`);
    });

    it('global display shows pool6; global update pool6 null stops and re-setting it restores translation', async () => {
      const g = await xlat(lab.j, ['siit', 'global', 'display', '--json']);
      assertOk(g, 'global display --json');
      assert.ok(JSON.stringify(parseJson(g, 'global display')).includes(POOL6), show(g));
      assertOk(await xlat(lab.j, ['siit', 'global', 'update', 'pool6', 'null']), 'global update pool6 null');
      const off = await ping(lab.n6, '-6', ADDR.n4As6, {count: 2, wait: 1});
      assert.notEqual(off.loss, 0, `without pool6 nothing should be translated\n${show(off.r)}`);
      assertOk(await xlat(lab.j, ['siit', 'global', 'update', 'pool6', POOL6]), 'global update pool6 back');
      const g2 = await xlat(lab.j, ['siit', 'global', 'display']);
      assert.ok(g2.stdout.includes(POOL6), show(g2));
      await assertPingAcross(lab, lab.n6, '-6', ADDR.n4As6);
    });

    it('instance remove restores plain routing and status says Dead (exit 1)', async () => {
      assertOk(await xlat(lab.j, ['siit', 'instance', 'remove']), 'instance remove');
      assertDead(await status(lab.j), 'after remove');
      const p6 = await ping(lab.n6, '-6', ADDR.n4As6, {count: 2, wait: 1});
      assert.notEqual(p6.r.code, 0, `n6 -> n4 must fail without the translator\n${show(p6.r)}`);
      const p4 = await ping(lab.n4, '-4', ADDR.n6As4, {count: 2, wait: 1});
      assert.notEqual(p4.r.code, 0, `n4 -> n6 must fail without the translator\n${show(p4.r)}`);
      // plain forwarding to j itself still works, and no program is left on j's interfaces
      const pj = await ping(lab.n6, '-6', ADDR.j.addr6, {count: 2, wait: 1});
      assert.equal(pj.loss, 0, show(pj.r));
      assert.equal(pj.ttls[0], 64, show(pj.r));
      const links = await run('ip', ['-n', lab.j, '-d', 'link', 'show'], {timeout: 5000});
      assert.doesNotMatch(links.stdout, /prog\/xdp|xdpgeneric|xdpdrv/, `no XDP program may remain\n${links.stdout}`);
      for (const dev of [ADDR.j.iface6, ADDR.j.iface4]) {
        for (const dir of ['ingress', 'egress']) {
          const f = await run('tc', ['-n', lab.j, 'filter', 'show', 'dev', dev, dir], {timeout: 5000});
          assert.doesNotMatch(f.stdout, /xlat/, `no tc filter may remain on ${dev} ${dir}\n${f.stdout}`);
        }
      }
    });
  });
}

// ---------------------------------------------------------------- isolation, errors, -n

describe('SIIT instances are per namespace', {skip: SKIP ?? false, timeout: 180_000}, () => {
  let a;
  let b;
  // b's lab is addressed around its own pool6 (n6 2001:db8:2c0:2:21::, n4 seen as 2001:db8:2c6:3364:2::)
  const POOL6_B = '2001:db8:200::/40';
  before(async () => {
    [a, b] = await Promise.all([createSiitLab(), createSiitLab({pool6: POOL6_B})]);
  });
  after(async () => {
    await a?.destroy();
    await b?.destroy();
  });

  it('two j namespaces each hold their own instance and see only their own pool6', async () => {
    await addInstance(a.j, {pool6: POOL6});
    assertDead(await status(b.j), 'b before its add');
    await addInstance(b.j, {pool6: POOL6_B});
    const da = await xlat(a.j, ['siit', 'instance', 'display', '--json']);
    const db = await xlat(b.j, ['siit', 'instance', 'display', '--json']);
    assertOk(da, 'display a');
    assertOk(db, 'display b');
    assert.ok(da.stdout.includes(POOL6) && !da.stdout.includes(POOL6_B), `a shows only its pool6\n${show(da)}`);
    assert.ok(db.stdout.includes(POOL6_B) && !db.stdout.includes(POOL6), `b shows only its pool6\n${show(db)}`);
    // each translates with its own prefix: n4 under a's prefix is not reachable from b's n6
    await assertPingAcross(a, a.n6, '-6', a.addr.n4As6);
    await assertPingAcross(b, b.n6, '-6', b.addr.n4As6);
    await assertPingAcross(b, b.n4, '-4', b.addr.n6As4);
    const cross = await ping(b.n6, '-6', a.addr.n4As6, {count: 2, wait: 1});
    assert.notEqual(cross.r.code, 0, `b must not translate a's pool6\n${show(cross.r)}`);
    // removing one leaves the other running
    assertOk(await xlat(b.j, ['siit', 'instance', 'remove']), 'remove b');
    assertDead(await status(b.j), 'b after remove');
    assertRunning(await status(a.j), 'a after removing b');
    await assertPingAcross(a, a.n6, '-6', a.addr.n4As6);
  });

  it('a namespace without an instance reports Dead', async () => {
    assertDead(await status(a.n4), 'n4 never had one');
  });
});

describe('SIIT bad input', {skip: SKIP ?? false, timeout: 180_000}, () => {
  let lab;
  before(async () => {
    lab = await createSiitLab();
  });
  after(async () => {
    await lab?.destroy();
  });

  it('--pool6 2001:db8::/33 is a one-line Error and leaves no instance', async () => {
    assertOneLineError(await xlat(lab.j, ['siit', 'instance', 'add', '--pool6', '2001:db8::/33']), 'add --pool6 /33');
    assertDead(await status(lab.j), 'after bad pool6');
  });

  it('--iface nosuch0 is a one-line Error and leaves no instance', async () => {
    assertOneLineError(await xlat(lab.j, ['siit', 'instance', 'add', '--pool6', POOL6, '--iface', 'nosuch0']), 'add --iface nosuch0');
    assertDead(await status(lab.j), 'after bad iface');
    const links = await run('ip', ['-n', lab.j, '-d', 'link', 'show'], {timeout: 5000});
    assert.doesNotMatch(links.stdout, /prog\/xdp|xdpgeneric|xdpdrv/, `no XDP program may remain\n${links.stdout}`);
  });

  it('a second instance add is a one-line Error and leaves the first intact', async () => {
    await addInstance(lab.j, {pool6: POOL6});
    assertOneLineError(await xlat(lab.j, ['siit', 'instance', 'add', '--pool6', '64:ff9b::/96']), 'second add');
    assertRunning(await status(lab.j), 'after second add');
    const d = await xlat(lab.j, ['siit', 'instance', 'display', '--json']);
    assertOk(d, 'display');
    assert.ok(d.stdout.includes(POOL6) && !d.stdout.includes('64:ff9b'), `the first instance's pool6 stays\n${show(d)}`);
    await assertPingAcross(lab, lab.n6, '-6', ADDR.n4As6);
  });

  it('instance remove without an instance is a one-line Error', async () => {
    if ((await status(lab.j)).code !== 0) await addInstance(lab.j, {pool6: POOL6});
    assertOk(await xlat(lab.j, ['siit', 'instance', 'remove']), 'remove');
    assertOneLineError(await xlat(lab.j, ['siit', 'instance', 'remove']), 'second remove');
  });
});

describe('SIIT with -n/--netns from the root namespace', {skip: SKIP ?? false, timeout: 180_000}, () => {
  let lab;
  before(async () => {
    lab = await createSiitLab();
  });
  after(async () => {
    await lab?.destroy();
  });

  it('-n NAME acts like ip netns exec NAME', async () => {
    assertOk(await xlat(null, ['siit', 'instance', 'add', '-n', lab.j, '--pool6', POOL6]), 'add -n');
    // seen from inside, like an operator would
    assertRunning(await status(lab.j), 'inside j after add -n');
    assertRunning(await xlat(null, ['siit', 'instance', 'status', '--netns', lab.j]), '--netns status');
    const d = await xlat(null, ['siit', 'instance', 'display', '-n', lab.j, '--json']);
    assertOk(d, 'display -n');
    assert.ok(d.stdout.includes(POOL6), show(d));
    await assertPingAcross(lab, lab.n6, '-6', ADDR.n4As6);
    const s = await xlat(null, ['siit', 'stats', 'display', '-n', lab.j, '--json']);
    assertOk(s, 'stats -n');
    assert.ok(findCounter(parseJson(s, 'stats -n'), 'xlat-6to4') > 0, show(s));
    assertOk(await xlat(null, ['siit', 'instance', 'remove', '-n', lab.j]), 'remove -n');
    assertDead(await status(lab.j), 'inside j after remove -n');
  });

  it('-n with a namespace that does not exist is a one-line Error', async () => {
    assertOneLineError(await xlat(null, ['siit', 'instance', 'status', '-n', `${lab.j}-nosuch`]), 'status -n nosuch');
  });
});
