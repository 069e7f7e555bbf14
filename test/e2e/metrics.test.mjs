// Operator tooling (issue 9): `xlat metrics serve` scraped by a real HTTP client (curl) and read back with a
// Prometheus text-format parser; every namespace's instances appear, labelled; the values are the kernel's.
// Also `instance display --all-namespaces` and `stats display --explain/--csv/--format prometheus`.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import {skipReason, cleanupAll, xlat, nsRun, nsBackground, createNamespace, createVeth, addAddress, uniqueName, run, CLI} from '../helpers/netns.mjs';

const SKIP = skipReason() ?? ((await run('sh', ['-c', 'command -v curl'])).code === 0 ? null : 'needs curl (scripts/setup.sh installs it)');
if (SKIP) console.log(`# e2e metrics skipped: ${SKIP}`);

const show = (r) => `$ ${r.cmd}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);

describe('metrics and operator tooling', {skip: SKIP ?? false, timeout: 300_000}, () => {
  const ns = {};
  let server;
  const port = 20000 + (process.pid % 20000);

  before(async () => {
    ns.a = await createNamespace(uniqueName('ma'));
    ns.b = await createNamespace(uniqueName('mb'));
    ns.peer = await createNamespace(uniqueName('mp'));
    await createVeth(ns.a, 'd0', ns.peer, 'p0');
    await addAddress(ns.a, 'd0', '192.0.2.1/24');
    await addAddress(ns.peer, 'p0', '192.0.2.2/24');
    await createVeth(ns.b, 'd0', ns.peer, 'p1');
    ok(await xlat(ns.a, ['siit', 'instance', 'add', '--pool6', '64:ff9b::/96']), 'siit a');
    ok(await xlat(ns.a, ['nat64', 'instance', 'add', '--pool6', '2001:db8:64::/96']), 'nat64 a');
    ok(await xlat(ns.b, ['siit', 'instance', 'add', '--pool6', '64:ff9b::/96']), 'siit b');
    ok(await xlat(ns.b, ['siit', 'global', 'update', 'manually-enabled', 'false']), 'b paused');
    // Some traffic for a's counters: pings to its own address pass to the kernel (pass-dst4-local).
    ok(await nsRun(ns.peer, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', '192.0.2.1'], {timeout: 20_000}), 'ping a');
    server = nsBackground(ns.a, process.execPath, [CLI, 'metrics', 'serve', '--listen', `127.0.0.1:${port}`], {ready: /Serving Prometheus metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/, readyStream: 'stderr', timeout: 240_000});
    await server.ready;
  });
  after(async () => {
    await server?.stop();
    await cleanupAll();
  });

  const scrape = async (extra = []) => nsRun(ns.a, 'curl', ['-sS', '-D', '-', ...extra, `http://127.0.0.1:${port}/metrics`], {timeout: 30_000});

  it('a curl scrape parses as Prometheus text: every instance of every namespace, labelled, with HELP and TYPE', async () => {
    const r = await scrape();
    ok(r, 'curl');
    const [head, body] = r.stdout.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 200 OK/);
    assert.match(head, /content-type: text\/plain; version=0\.0\.4/i);
    assert.match(body, /^# HELP xlat_siit_pass_dst4_local_total IPv4 packets addressed to this node itself, left to the kernel\.$/m);
    const families = parsePrometheusTextFormat(body);
    const fam = (name) => families.find((f) => f.name === name);
    const local = fam('xlat_siit_pass_dst4_local_total');
    assert.equal(local.type, 'COUNTER');
    const a = local.metrics.find((m) => m.labels.namespace === ns.a && m.labels.translator === 'siit');
    assert.ok(a && Number(a.value) >= 3, JSON.stringify(local.metrics));
    assert.ok(local.metrics.some((m) => m.labels.namespace === ns.b), 'namespace b is scraped too');
    assert.ok(fam('xlat_nat64_drop_table_full_total').metrics.some((m) => m.labels.namespace === ns.a && m.labels.translator === 'nat64'));
    const enabled = fam('xlat_instance_enabled');
    assert.equal(enabled.type, 'GAUGE');
    assert.equal(enabled.metrics.find((m) => m.labels.namespace === ns.b).value, '0', 'b is paused');
    assert.equal(enabled.metrics.find((m) => m.labels.namespace === ns.a && m.labels.translator === 'siit').value, '1');
    // The kernel's values: what stats display reads right after is at least as much.
    const st = JSON.parse((await xlat(ns.a, ['siit', 'stats', 'display', '--json'])).stdout).result.stats;
    assert.ok(st['pass-dst4-local'] >= Number(a.value));
    // No state of its own: a counter that grows shows grown in the next scrape.
    ok(await nsRun(ns.peer, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', '192.0.2.1'], {timeout: 20_000}), 'ping again');
    const again = parsePrometheusTextFormat((await scrape()).stdout.split('\r\n\r\n')[1]);
    const a2 = again.find((f) => f.name === 'xlat_siit_pass_dst4_local_total').metrics.find((m) => m.labels.namespace === ns.a);
    assert.ok(Number(a2.value) >= Number(a.value) + 2);
  });

  it('answers only GET /metrics (and /): 404 elsewhere, 405 for other methods; parallel scrapes agree', async () => {
    const nf = await nsRun(ns.a, 'curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/nope`]);
    assert.equal(nf.stdout, '404');
    const post = await nsRun(ns.a, 'curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', `http://127.0.0.1:${port}/metrics`]);
    assert.equal(post.stdout, '405');
    const many = await Promise.all(Array.from({length: 6}, () => scrape()));
    for (const m of many) assert.equal(parsePrometheusTextFormat(m.stdout.split('\r\n\r\n')[1]).length, parsePrometheusTextFormat((await scrape()).stdout.split('\r\n\r\n')[1]).length);
  });

  it('instance display --all-namespaces lists every namespace\'s instances (text, CSV, JSON)', async () => {
    const j = JSON.parse((await xlat(ns.peer, ['siit', 'instance', 'display', '--all-namespaces', '--json'])).stdout);
    const mine = j.result.instances.filter((i) => i.namespace === ns.a || i.namespace === ns.b);
    assert.deepEqual(mine.map((i) => [i.namespace, i.status]).sort(), [[ns.a, 'Running'], [ns.b, 'Paused']].sort());
    const csv = await xlat(ns.peer, ['siit', 'instance', 'display', '-A', '--csv', '--no-headers']);
    assert.match(csv.stdout, new RegExp(`^${ns.b},SIIT,-,Paused,\\d+,64:ff9b::/96,-,d0,tc,clsact-ingress,`, 'm'));
    const only = JSON.parse((await xlat(ns.peer, ['nat64', 'instance', 'display', '--json'])).stdout);
    assert.deepEqual(only.result.instances, [], 'without -A: this namespace only');
  });

  it('stats display --explain, --csv and --format prometheus', async () => {
    const e = await xlat(ns.a, ['siit', 'stats', 'display', '--explain']);
    ok(e, '--explain');
    assert.match(e.stdout, /^pass-dst4-local: \d+\n {2}IPv4 packets addressed to this node itself, left to the kernel\.$/m);
    const c = await xlat(ns.a, ['nat64', 'stats', 'display', '--csv', '--all']);
    assert.match(c.stdout, /^Stat,Value\nxlat-6to4,0\n/);
    const p = await xlat(ns.a, ['nat64', 'stats', 'display', '--format', 'prometheus']);
    const fams = parsePrometheusTextFormat(p.stdout);
    assert.ok(fams.length > 40);
    assert.ok(fams.every((f) => f.type === 'COUNTER' || f.name === 'xlat_instance_enabled'));
    const bad = await xlat(ns.a, ['nat64', 'stats', 'display', '--format', 'prometheus', '--json']);
    assert.equal(bad.code, 2);
  });

  it('stops on SIGTERM, exit 0', async () => {
    const r = await server.stop();
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^Stopped after \d+ scrapes?\.$/m);
    server = null;
  });
});
