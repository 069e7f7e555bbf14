// `instance upgrade` without losing flows (issue 11, part 4). In the lab n6 -- j -- n4, with a TCP stream (paced,
// every byte checked) and a UDP flow (a datagram every 10 ms, each echo counted) running from n6 to n4 through the
// translator on j, the CLI upgrades the instance again and again (XLAT_UPGRADES times for NAT64: 20 in `npm test`, 100 for the figures of the README; a fifth as many for SIIT):
//  - every attachment runs a new program after each upgrade, and the maps are the same (the session of the stream,
//    its pool4 port, the counters only grow, the instance's name stays);
//  - the stream ends cleanly with every byte delivered in order and no reset; the UDP flow's losses are reported
//    (the swap is one kernel operation: none are expected, a few are tolerated and printed, never a gap > 1 s);
//  - a new build of another map layout is refused in one line and changes nothing (the layout of the instance is
//    changed below the CLI, as test/e2e/layout-version does), and the next upgrade of the right layout works.
// SIIT gets the same stream through fewer upgrades. Throwaway namespaces, always removed. Needs root and a build.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {skipReason, cleanupAll, xlat, nsRun, nsBackground, REPO} from '../helpers/netns.mjs';
import {createSiitLab, POOL6 as SIIT_POOL6} from '../helpers/topology.mjs';

const SKIP = skipReason();
if (SKIP) console.log(`# upgrade tests skipped: ${SKIP}`);
after(cleanupAll);

const STREAMS = path.join(REPO, 'test', 'helpers', 'streams.py');
const MAPS = path.join(REPO, 'test', 'helpers', 'instance-maps.mjs');
const UPGRADES = Number(process.env.XLAT_UPGRADES ?? 20);
const NAT64_POOL6 = '64:ff9b::/96';

const show = (r) => `$ ${r.cmd}\nexit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);
const json = (r, what) => (ok(r, what), JSON.parse(r.stdout).result);
const lastJson = (s) => JSON.parse(s.trim().split('\n').filter(Boolean).at(-1));

/** Program ids attached on j, as the kernel reports them: {"iface:hook": id}. */
async function programs(lab, kind) {
  const r = await nsRun(lab.j, 'bpftool', ['-j', 'net', 'show']);
  ok(r, 'bpftool net show');
  const net = JSON.parse(r.stdout)[0];
  const ids = {};
  for (const x of net.xdp ?? []) ids[`${x.devname}:xdp`] = x.id;
  for (const t of net.tc ?? []) if (t.name?.startsWith(`xlat_${kind}`)) ids[`${t.devname}:tc`] = t.id;
  return ids;
}

/** Starts the stream and the flow n6 -> n4; returns stop() giving their results. */
async function startFlows(lab, dst) {
  const dir = mkdtempSync(path.join(tmpdir(), 'xlat-upgrade-'));
  const stop = path.join(dir, 'stop');
  const tcpPort = 30000 + (process.pid % 5000);
  const udpPort = tcpPort + 1;
  const sink = nsBackground(lab.n4, 'python3', [STREAMS, 'tcp-sink', String(tcpPort)], {timeout: 900_000});
  const echo = nsBackground(lab.n4, 'python3', [STREAMS, 'udp-echo', String(udpPort)], {timeout: 900_000});
  await Promise.all([sink.ready, echo.ready]);
  const source = nsBackground(lab.n6, 'python3', [STREAMS, 'tcp-source', dst, String(tcpPort), stop, '--rate', '1000000'], {ready: /^/, timeout: 900_000});
  const flow = nsBackground(lab.n6, 'python3', [STREAMS, 'udp-flow', dst, String(udpPort), stop, '--interval', '0.01'], {ready: /^/, timeout: 900_000});
  await new Promise((r) => setTimeout(r, 1500)); // both flows established before the first upgrade
  return {
    tcpPort,
    async stop() {
      writeFileSync(stop, '');
      const [src, snk, fl] = await Promise.all([source.exited, sink.exited, flow.exited]);
      echo.child.kill('SIGKILL');
      rmSync(dir, {recursive: true, force: true});
      const out = {source: lastJson(src.stdout), sink: lastJson(snk.stdout), flow: lastJson(fl.stdout)};
      return {...out, raw: `source ${src.stdout}${src.stderr}\nsink ${snk.stdout}${snk.stderr}\nflow ${fl.stdout}${fl.stderr}`};
    },
  };
}

/** Upgrades n times; each time every attachment must have a new program. Returns the time each took. */
async function upgradeTimes(lab, kind, n) {
  const times = [];
  let before = await programs(lab, kind);
  for (let i = 0; i < n; i++) {
    const t0 = Date.now();
    const r = await xlat(lab.j, [kind, 'instance', 'upgrade', '--json'], {timeout: 120_000});
    times.push(Date.now() - t0);
    const up = json(r, `upgrade ${i + 1}`).upgraded;
    const after = await programs(lab, kind);
    assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort(), `upgrade ${i + 1}: the same attachments`);
    for (const [k, id] of Object.entries(after)) assert.notEqual(id, before[k], `upgrade ${i + 1}: ${k} runs a new program`);
    assert.equal(up.created.length, 0, `upgrade ${i + 1}: every map kept (${up.created})`);
    before = after;
  }
  return times;
}

const summary = (t) => `${t.length} upgrades, median ${[...t].sort((a, b) => a - b)[t.length >> 1]} ms, longest ${Math.max(...t)} ms`;

function checkFlows(res, what) {
  assert.equal(res.source.reset, false, `${what}: the stream was reset\n${res.raw}`);
  assert.equal(res.source.error, null, `${what}: the stream failed\n${res.raw}`);
  assert.equal(res.sink.reset, false, `${what}: the sink saw a reset\n${res.raw}`);
  assert.equal(res.sink.pattern_ok, true, `${what}: bytes lost, repeated or reordered\n${res.raw}`);
  assert.equal(res.sink.received, res.source.sent, `${what}: every byte sent was received\n${res.raw}`);
  assert.ok(res.flow.sent > 100, `${what}: the UDP flow ran\n${res.raw}`);
  assert.ok(res.flow.longest_gap_ms < 1000, `${what}: the UDP flow stopped for ${res.flow.longest_gap_ms} ms\n${res.raw}`);
  assert.ok(res.flow.lost <= res.flow.sent / 100, `${what}: the UDP flow lost ${res.flow.lost} of ${res.flow.sent}\n${res.raw}`);
}

describe('NAT64 instance upgrade under traffic', {skip: SKIP || false, timeout: 900_000}, () => {
  let lab;
  before(async () => {
    lab = await createSiitLab();
    ok(await xlat(lab.j, ['nat64', '--instance-name', 'upg', 'instance', 'add', '--pool6', NAT64_POOL6]), 'instance add (named upg)');
  });

  it(`keeps a TCP stream and a UDP flow through ${UPGRADES} upgrades, with the same session, port and counters`, async () => {
    const dst = '64:ff9b::198.51.100.2';
    const flows = await startFlows(lab, dst);
    let res = null;
    try {
      const sessionOf = async () =>
        json(await xlat(lab.j, ['nat64', 'session', 'display', '--tcp', '--numeric', '--json']), 'session display').sessions.find((s) => s['ipv4-remote'].endsWith(`#${flows.tcpPort}`));
      const s0 = await sessionOf();
      assert.ok(s0, 'the stream has a session');
      const st0 = json(await xlat(lab.j, ['nat64', 'stats', 'display', '--json']), 'stats').stats;
      const times = await upgradeTimes(lab, 'nat64', UPGRADES);
      console.log(`# NAT64: ${summary(times)}`);
      const s1 = await sessionOf();
      assert.equal(s1?.['ipv4-local'], s0['ipv4-local'], 'the same session and pool4 transport address after the upgrades');
      const st1 = json(await xlat(lab.j, ['nat64', 'stats', 'display', '--json']), 'stats').stats;
      assert.ok(st1['xlat-6to4'] > st0['xlat-6to4'], 'counters kept and still counting');
      assert.equal(st1['session-created'], st0['session-created'], 'no session made again');
      const {instances} = json(await xlat(lab.j, ['nat64', 'instance', 'display', '--json']), 'instance display');
      assert.equal(instances[0].name, 'upg', 'the instance keeps its name');
    } finally {
      res = await flows.stop();
    }
    console.log(`# NAT64: stream ${res.sink.received} bytes all delivered; UDP ${res.flow.sent} sent, ${res.flow.lost} lost, longest gap ${res.flow.longest_gap_ms} ms`);
    checkFlows(res, 'NAT64');
  });

  it('refuses a build of another map layout in one line, changing nothing; the right one then works', async () => {
    const before = await programs(lab, 'nat64');
    const {layoutVersion} = await import(path.join(REPO, 'dist', 'instance', 'objects.js'));
    const own = layoutVersion('nat64');
    ok(await nsRun(lab.j, process.execPath, [MAPS, 'set-layout', 'nat64', String(own + 1)]), 'set-layout');
    const dump = await nsRun(lab.j, process.execPath, [MAPS, 'dump', 'nat64']);
    const r = await xlat(lab.j, ['nat64', 'instance', 'upgrade']);
    assert.equal(r.code === 0, false, show(r));
    assert.match(r.stderr, new RegExp(`^Error: the NAT64 instance has map layout ${own + 1} and the new build ${own}: [^\\n]*nothing was changed[^\\n]*\\n$`), show(r));
    assert.equal(r.stdout, '');
    assert.deepEqual(await programs(lab, 'nat64'), before, 'the same programs');
    assert.equal((await nsRun(lab.j, process.execPath, [MAPS, 'dump', 'nat64'])).stdout, dump.stdout, 'no map changed');
    ok(await nsRun(lab.j, process.execPath, [MAPS, 'set-layout', 'nat64', String(own)]), 'set-layout back');
    ok(await xlat(lab.j, ['nat64', 'instance', 'upgrade']), 'upgrade with the right layout');
  });

  it('says in one line that there is nothing to upgrade', async () => {
    ok(await xlat(lab.j, ['nat64', 'instance', 'remove']), 'remove');
    const r = await xlat(lab.j, ['nat64', 'instance', 'upgrade']);
    assert.equal(r.code, 3, show(r));
    assert.match(r.stderr, /^Error: this namespace has no NAT64 instance[^\n]*\n$/);
  });
});

describe('SIIT instance upgrade under traffic', {skip: SKIP || false, timeout: 600_000}, () => {
  let lab;
  before(async () => {
    lab = await createSiitLab();
    ok(await xlat(lab.j, ['siit', 'instance', 'add', '--pool6', SIIT_POOL6, '--hook', 'xdp-generic']), 'instance add');
  });

  it('keeps a TCP stream and a UDP flow through upgrades (XDP and tc swapped)', async () => {
    const flows = await startFlows(lab, lab.addr.n4As6);
    let res = null;
    try {
      const times = await upgradeTimes(lab, 'siit', Math.max(1, Math.round(UPGRADES / 5)));
      console.log(`# SIIT: ${summary(times)}`);
    } finally {
      res = await flows.stop();
    }
    console.log(`# SIIT: stream ${res.sink.received} bytes all delivered; UDP ${res.flow.sent} sent, ${res.flow.lost} lost, longest gap ${res.flow.longest_gap_ms} ms`);
    checkFlows(res, 'SIIT');
  });
});
