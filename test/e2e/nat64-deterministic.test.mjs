// Deterministic pool4 (RFC 7422) with real sockets in the lab n6 -- j (NAT64, pool6 64:ff9b::/96) -- n4:
// several IPv6 subscribers (addresses of n6 in 2001:db8:1c0:2:21::/120, one subscriber per /124) send UDP flows
// to a server on n4 that answers with the transport address it saw. Each flow must arrive from its subscriber's
// block (address and ports), `xlat nat64 lookup` must name the subscriber of every transport address seen, one
// subscriber filling its block must be refused (drop-block-full) while the others keep getting ports from
// theirs, and the CSV export must list the same blocks.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {skipReason, cleanupAll, xlat, nsRun, nsBackground, ipIn, REPO} from '../helpers/netns.mjs';
import {createSiitLab} from '../helpers/topology.mjs';

const OBJ = path.join(REPO, 'build', 'bpf', 'nat64.bpf.o');
const SKIP = skipReason() ?? (existsSync(OBJ) ? null : 'build/bpf/nat64.bpf.o is missing: run `npm run build`');
if (SKIP) console.log(`# e2e NAT64 deterministic pool4 skipped: ${SKIP}`);
const SUBS = path.join(REPO, 'test', 'helpers', 'subscribers.py');

const POOL6 = '64:ff9b::/96';
const N4_AS6 = '64:ff9b::198.51.100.2';
const RANGE6 = '2001:db8:1c0:2:21::/120';
// 16 subscribers of /124; 8 ports per block, 8 blocks per address (1024-1087) on 192.0.2.128/31 (n4 routes
// 192.0.2.0/24 to j).
const PREFIX4 = '192.0.2.128/31';
const HOSTS = {
  '2001:db8:1c0:2:21::10': {subscriber: '2001:db8:1c0:2:21::10/124', address: '192.0.2.128', first: 1032},
  '2001:db8:1c0:2:21::20': {subscriber: '2001:db8:1c0:2:21::20/124', address: '192.0.2.128', first: 1040},
  '2001:db8:1c0:2:21::2a': {subscriber: '2001:db8:1c0:2:21::20/124', address: '192.0.2.128', first: 1040},
  '2001:db8:1c0:2:21::90': {subscriber: '2001:db8:1c0:2:21::90/124', address: '192.0.2.129', first: 1032},
  '2001:db8:1c0:2:21::f1': {subscriber: '2001:db8:1c0:2:21::f0/124', address: '192.0.2.129', first: 1080},
};

const show = (r) => `$ ${r.cmd}\nexit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);
const json = (r) => JSON.parse(r.stdout).result;

let lab;
const port = 20000 + (process.pid % 10000);
const j = (args) => xlat(lab.j, ['nat64', ...args]);
const flows = async (src, n) => {
  const r = await nsRun(lab.n6, 'python3', [SUBS, 'flows', N4_AS6, String(port), src, String(n), '--timeout', '1.5'], {timeout: 30_000});
  ok(r, `${n} flows from ${src}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)).seen;
};
const stat = async (name) => json(await j(['stats', 'display', '--json'])).stats[name] ?? 0;

describe('NAT64 deterministic pool4 with real subscribers', {skip: SKIP ?? false}, () => {
  let mirror;
  before(async () => {
    lab = await createSiitLab();
    for (const a of Object.keys(HOSTS)) await ipIn(lab.n6, ['addr', 'add', `${a}/64`, 'dev', lab.addr.n6.iface, 'nodad']);
    ok(await j(['instance', 'add', '--pool6', POOL6]), 'instance add');
    ok(await j(['pool4', 'add', PREFIX4, '1024-1087', '--deterministic', RANGE6, '--subscriber-length', '124', '--block-size', '8']), 'pool4 add --deterministic');
    mirror = nsBackground(lab.n4, 'python3', [SUBS, 'mirror', String(port)], {timeout: 280_000});
    await mirror.ready;
  });
  after(async () => {
    await mirror?.stop();
    await cleanupAll();
  });

  it('shows the entry in pool4 display, text and JSON', async () => {
    const r = await j(['pool4', 'display', '--json']);
    ok(r, 'pool4 display --json');
    assert.deepEqual(json(r).deterministic.map(({since, ...v}) => v), [{
      mode: 'deterministic', 'ipv6-range': RANGE6, 'subscriber-length': 124, prefix: PREFIX4, 'port-range': '1024-1087', 'block-size': 8,
      'blocks-per-address': 8, subscribers: 16, 'ports-per-subscriber': 8,
    }]);
    const t = await j(['pool4', 'display']);
    assert.match(t.stdout, /Port blocks \(RFC 7422\)[\s\S]*deterministic \| 2001:db8:1c0:2:21::\/120 \| \/124 +\| 192\.0\.2\.128\/31 \| 1024-1087/);
    assert.deepEqual(json(r)['dynamic-blocks'], [], 'no dynamic blocks');
  });

  it('sends every subscriber\'s flows from its own block, and lookup names the subscriber of each port', async () => {
    const seenBy = {};
    for (const [src, want] of Object.entries(HOSTS)) {
      if (src.endsWith('::f1')) continue; // kept for the full-block test
      const seen = await flows(src, 3);
      for (const s of seen) {
        assert.ok(s, `every flow of ${src} answered: ${JSON.stringify(seen)}`);
        const [addr, p] = s.split('#');
        assert.equal(addr, want.address, `${src}: ${s} from its block's address`);
        assert.ok(Number(p) >= want.first && Number(p) < want.first + 8, `${src}: ${s} in ${want.first}-${want.first + 7}`);
        assert.ok(!seenBy[s], `${s} is used by one flow only`);
        seenBy[s] = src;
        const l = await j(['lookup', s, '--json']);
        ok(l, `lookup ${s}`);
        assert.equal(json(l).lookup.subscriber, want.subscriber, `lookup ${s}`);
      }
      const back = json(await j(['lookup', src, '--json'])).lookup;
      assert.equal(back['port-range'], `${want.first}-${want.first + 7}`, `lookup ${src}`);
    }
    // The BIB holds the same: every mapping in its subscriber's block.
    const bib = json(await j(['bib', 'display', '--udp', '--json'])).bib;
    assert.equal(bib.length, Object.keys(seenBy).length);
  });

  it('refuses new flows of a subscriber whose block is full, and only of that one', async () => {
    const before = await stat('drop-block-full');
    const seen = await flows('2001:db8:1c0:2:21::f1', 11);
    const got = seen.filter(Boolean);
    assert.equal(got.length, 8, `the block's 8 ports serve 8 flows, 3 are refused: ${JSON.stringify(seen)}`);
    for (const s of got) assert.match(s, /^192\.0\.2\.129#10(8[0-7])$/, 'all inside 1080-1087');
    assert.ok((await stat('drop-block-full')) >= before + 3, 'the refused flows are counted as drop-block-full');
    // Another subscriber still gets new ports, from its own block.
    const other = await flows('2001:db8:1c0:2:21::10', 2);
    for (const s of other) assert.match(s ?? 'none', /^192\.0\.2\.128#10(3[2-9])$/, `subscriber ::10/124 unaffected: ${JSON.stringify(other)}`);
  });

  it('exports the mapping as CSV with the blocks the flows used', async () => {
    const r = await j(['pool4', 'display', '--deterministic', '--csv']);
    ok(r, 'pool4 display --deterministic --csv');
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'Subscriber,Address,First port,Last port');
    assert.equal(lines.length, 17, 'a header and 16 subscribers');
    assert.ok(lines.includes('2001:db8:1c0:2:21::f0/124,192.0.2.129,1080,1087'));
    assert.ok(lines.includes('2001:db8:1c0:2:21::20/124,192.0.2.128,1040,1047'));
  });

  it('removes the entry with its state; regular pool4 serves the subscribers again', async () => {
    ok(await j(['pool4', 'remove', '--deterministic', RANGE6]), 'pool4 remove --deterministic');
    assert.equal(json(await j(['bib', 'display', '--udp', '--json'])).bib.length, 0, 'the block mappings went with the entry');
    const l = await j(['lookup', '192.0.2.128#1040']);
    assert.equal(l.code, 3, `nothing to look up any more\n${show(l)}`);
    assert.match(l.stderr, /^Error: no deterministic pool4 entry covers 192\.0\.2\.128#1040\n$/);
    const seen = await flows('2001:db8:1c0:2:21::10', 1);
    assert.match(seen[0] ?? 'none', /^198\.51\.100\.1#/, 'the empty pool4 (j\'s own address) serves');
  });

  it('takes the entry from a configuration file: applied, applied again without change, exported', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'xlat-det-'));
    try {
      const file = path.join(dir, 'nat64.json');
      const entry = {'ipv6 range': RANGE6, 'subscriber length': 124, prefix: PREFIX4, 'port range': '1024-1087', 'block size': 8};
      writeFileSync(file, JSON.stringify({global: {pool6: POOL6}, 'pool4 deterministic': [entry]}));
      const first = await j(['file', 'handle', file, '--json']);
      ok(first, 'file handle');
      assert.equal(JSON.parse(first.stdout).changed, true);
      assert.ok(json(first).changes.some((c) => c.text === `+ pool4 deterministic ${RANGE6} /124 ${PREFIX4} 1024-1087 block 8`), first.stdout);
      const second = await j(['file', 'handle', file, '--json']);
      ok(second, 'file handle again');
      assert.equal(JSON.parse(second.stdout).changed, false, 'the same file again changes nothing');
      const seen = await flows('2001:db8:1c0:2:21::90', 1);
      assert.match(seen[0] ?? 'none', /^192\.0\.2\.129#10(3[2-9])$/, 'translated in its block again');
      const exported = json(await j(['file', 'export', '--json']));
      assert.deepEqual(exported.config['pool4 deterministic'], [entry]);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
