// Configuration files (issue 9): Jool's documented sample files apply unchanged and a second apply changes
// nothing; export round-trips; a bad file gets every error and changes nothing; a failure halfway (a full
// table, a BIB entry outside pool4) leaves the instance exactly as it was, and a new instance is not left
// half-made; parallel writers lose nothing. Driven as an operator does: `ip netns exec NS xlat ...`.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {skipReason, cleanupAll, xlat, createNamespace, uniqueName, ipIn} from '../helpers/netns.mjs';

const SKIP = skipReason();
if (SKIP) console.log(`# e2e configuration files skipped: ${SKIP}`);

const show = (r) => `$ ${r.cmd}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);

/** The result of a --json envelope (checked). */
function result(r, what) {
  ok(r, what);
  const out = JSON.parse(r.stdout);
  assert.equal(out.ok, true, what);
  return out;
}

// Jool's documented atomic-configuration samples (docs, "Atomic Configuration"): the same keys, values and
// layout, comments included (their wording is ours).
const JOOL_SIIT = {
  comment: {description: 'Every SIIT key Jool documents.', notes: ['Documentation prefixes: change them.'], 'last update': '2022-02-09'},
  instance: 'sample-siit',
  framework: 'netfilter',
  global: {
    'manually-enabled': true,
    pool6: '2001:db8:0::/96',
    'lowest-ipv6-mtu': 1280,
    'logging-debug': false,
    'zeroize-traffic-class': false,
    'override-tos': false,
    tos: 0,
    'mtu-plateaus': [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68],
    'amend-udp-checksum-zero': false,
    'eam-hairpin-mode': 'intrinsic',
    'randomize-rfc6791-addresses': true,
    'rfc6791v6-prefix': null,
    'rfc6791v4-prefix': null,
  },
  eamt: [
    {comment: 'A comment inside an entry.', 'ipv6 prefix': '2001:db8:1::/128', 'ipv4 prefix': '192.0.2.0'},
    {'ipv6 prefix': '2001:db8:2::', 'ipv4 prefix': '192.0.2.1/32'},
    {'ipv6 prefix': '2001:db8:3::/124', 'ipv4 prefix': '192.0.2.16/28'},
  ],
  denylist4: ['198.51.100.0', '198.51.100.2/32', '198.51.100.32/27'],
};

const JOOL_NAT64 = {
  comment: {description: 'Every NAT64 key Jool documents.', 'last update': '2022-02-09'},
  instance: 'sample-nat64',
  framework: 'netfilter',
  global: {
    'manually-enabled': true,
    pool6: '64:ff9b::/96',
    'lowest-ipv6-mtu': 1280,
    'logging-debug': false,
    'zeroize-traffic-class': false,
    'override-tos': false,
    tos: 0,
    'mtu-plateaus': [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68],
    'address-dependent-filtering': false,
    'drop-externally-initiated-tcp': false,
    'drop-icmpv6-info': false,
    'source-icmpv6-errors-better': true,
    'f-args': 11,
    'handle-rst-during-fin-rcv': false,
    'cluster-steering': false,
    'tcp-est-timeout': '2:00:00',
    'tcp-trans-timeout': '0:04:00',
    'udp-timeout': '0:05:00',
    'icmp-timeout': '0:01:00',
    'logging-bib': false,
    'logging-session': false,
    'maximum-simultaneous-opens': 10,
    'ss-enabled': false,
    'ss-flush-deadline': 2000,
    'ss-capacity': 512,
    'ss-max-payload': 1452,
    'ss-max-sessions-per-packet': 10,
  },
  pool4: [
    {comment: 'mark, port range and max-iterations may be left out.', protocol: 'TCP', prefix: '192.0.2.1/32'},
    {protocol: 'TCP', prefix: '192.0.2.1/32', 'port range': '80'},
    {mark: 0, protocol: 'UDP', prefix: '192.0.2.1/32', 'port range': '61001-62000', 'max-iterations': 1500},
    {mark: 0, protocol: 'ICMP', prefix: '192.0.2.1/32', 'port range': '1000-2000'},
  ],
  bib: [
    {protocol: 'TCP', 'ipv6 address': '2001:db8::1#80', 'ipv4 address': '192.0.2.1#80'},
    {protocol: 'UDP', 'ipv6 address': '2001:db8::2#10000', 'ipv4 address': '192.0.2.1#61500'},
    {protocol: 'ICMP', 'ipv6 address': '2001:db8:AAAA::1#44', 'ipv4 address': '192.0.2.1#1044'},
  ],
};

describe('configuration files', {skip: SKIP ?? false, timeout: 600_000}, () => {
  let ns;
  let tmp;
  const file = (name, doc) => {
    const p = path.join(tmp, name);
    writeFileSync(p, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
    return p;
  };
  const cli = (...args) => xlat(ns, args, {timeout: 120_000});
  const exported = async (mode) => JSON.stringify(result(await cli(mode, 'file', 'export', '--json'), `${mode} file export`).result.config);

  before(async () => {
    ns = await createNamespace(uniqueName('cfgf'));
    for (const [a, b] of [['d0', 'p0'], ['d1', 'p1']]) {
      await ipIn(ns, ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
      for (const i of [a, b]) await ipIn(ns, ['link', 'set', i, 'up']);
    }
    await ipIn(ns, ['addr', 'add', '192.0.2.1/24', 'dev', 'd0']);
    tmp = mkdtempSync(path.join(tmpdir(), 'xlat-cfg-'));
  });
  after(async () => {
    if (tmp) rmSync(tmp, {recursive: true, force: true});
    await cleanupAll();
  });

  it("Jool's SIIT sample applies unchanged; a second apply changes nothing; the name is recorded", async () => {
    const f = file('siit.json', JOOL_SIIT);
    const first = result(await cli('siit', 'file', 'handle', f, '--json'), 'first apply');
    assert.equal(first.changed, true);
    assert.equal(first.result.changed, true);
    assert.ok(first.result.changes.some((c) => c.op === 'create' && c.table === 'instance'));
    assert.equal(first.result.changes.filter((c) => c.table === 'eamt' && c.op === 'add').length, 3);
    assert.ok(first.result.notes.some((n) => n.startsWith('/framework: ignored')), JSON.stringify(first.result.notes));
    const second = result(await cli('siit', 'file', 'handle', f, '--json'), 'second apply');
    assert.equal(second.changed, false);
    assert.deepEqual(second.result.changes, []);
    const text = await cli('siit', 'file', 'handle', f);
    ok(text, 'third apply, text');
    assert.match(text.stdout, /^No change: the instance already is what .* says\.$/m);
    const d = result(await cli('siit', 'instance', 'display', '--json'), 'display');
    assert.equal(d.result.instances[0].name, 'sample-siit');
    assert.equal(d.result.instances[0].pool6, '2001:db8::/96');
    const e = result(await cli('siit', 'eamt', 'display', '--json'), 'eamt');
    assert.deepEqual(e.result.eamt.map((x) => x['ipv4-prefix']), ['192.0.2.0/32', '192.0.2.1/32', '192.0.2.16/28']);
    // Export applies back with nothing to change.
    const x = file('siit-export.json', JSON.parse(await exported('siit')));
    assert.equal(result(await cli('siit', 'file', 'handle', x, '--json'), 'apply export').result.changed, false);
  });

  it('--check and --diff show the changes and write nothing; applying them changes exactly that', async () => {
    const before = await exported('siit');
    // The namespace has d0, p0, d1 and p1; the sample names none, so the instance took them all.
    const doc = {...JOOL_SIIT, global: {...JOOL_SIIT.global, tos: 7, 'override-tos': 'on'}, denylist4: ['198.51.100.0/32'], interfaces: ['d0']};
    const f = file('siit-changed.json', doc);
    const check = await cli('siit', 'file', 'handle', f, '--check', '--diff');
    ok(check, '--check --diff');
    assert.deepEqual(check.stdout.trim().split('\n').slice(0, -1).sort(), [
      '- denylist4 198.51.100.2/32',
      '- denylist4 198.51.100.32/27',
      '- interface d1',
      '- interface p0',
      '- interface p1',
      '~ global override-tos: false -> true',
      '~ global tos: 0 -> 7',
    ].sort());
    assert.match(check.stdout, /7 changes to apply from .* \(--check: nothing was written\)/);
    assert.equal(await exported('siit'), before, '--check wrote nothing');
    const applied = result(await cli('siit', 'file', 'handle', f, '--json'), 'apply');
    assert.equal(applied.result.changes.length, 7);
    const d = result(await cli('siit', 'instance', 'display', '--json'), 'display');
    assert.deepEqual(d.result.instances[0].interfaces.map((i) => i.name), ['d0']);
    // And back: d1 is attached again.
    const back = result(await cli('siit', 'file', 'handle', file('siit.json', {...JOOL_SIIT, interfaces: ['d0', 'd1', 'p0', 'p1']}), '--json'), 'back');
    assert.deepEqual(back.result.changes.filter((c) => c.op === 'attach').map((c) => c.entry.name).sort(), ['d1', 'p0', 'p1']);
    assert.equal(result(await cli('siit', 'instance', 'display', '--json'), 'display').result.instances[0].interfaces.length, 4);
  });

  it('a bad file gets every error with its JSON path, exit 2, and changes nothing', async () => {
    const before = await exported('siit');
    const bad = file('bad.json', {
      instance: 'sample-siit',
      global: {tos: 300, 'manually-enabled': 'maybe', bogus: 1},
      eamt: [{'ipv6 prefix': '2001:db8:1::/128'}, {'ipv6 prefix': 'x', 'ipv4 prefix': '192.0.2.0/24'}],
      hook: 'fast',
    });
    const r = await cli('siit', 'file', 'handle', bad);
    assert.equal(r.code, 2, show(r));
    assert.deepEqual(r.stderr.trim().split('\n').sort(), [
      'Error: /eamt/0: missing key "ipv4 prefix"',
      'Error: /eamt/1/ipv6 prefix: must be an IPv6 prefix such as "2001:db8::/96" (a bare address is a /128)',
      'Error: /global/bogus: unknown key',
      'Error: /global/manually-enabled: must be true or false (also yes/no, on/off, 1/0)',
      'Error: /global/tos: must be <= 255',
      'Error: /hook: must be one of "auto", "xdp", "xdp-generic", "tc"',
    ]);
    // Values the schema cannot judge (a prefix's length, host bits, an overlap) are reported the same way.
    const r2 = await cli('siit', 'file', 'handle', file('bad2.json', {global: {pool6: '2001:db8::/33'}, denylist4: ['198.51.100.1/24'], eamt: [{'ipv6 prefix': '2001:db8::/120', 'ipv4 prefix': '192.0.2.0/24'}, {'ipv6 prefix': '2001:db8::/120', 'ipv4 prefix': '198.51.100.0/24'}]}), '--json');
    assert.equal(r2.code, 2);
    const err = JSON.parse(r2.stderr);
    assert.equal(err.error.kind, 'input');
    assert.equal(err.error.problems.length, 3, JSON.stringify(err.error.problems));
    assert.match(err.error.problems.join('\n'), /^\/global\/pool6: '2001:db8::\/33' is not a valid pool6 prefix/m);
    assert.match(err.error.problems.join('\n'), /^\/eamt\/1: 2001:db8::\/120 is already the IPv6 prefix of another entry being added \(\/eamt\/0\)/m);
    assert.match(err.error.problems.join('\n'), /^\/denylist4\/0: .*bits after \/24 must be zero/m);
    const r3 = await cli('siit', 'file', 'handle', file('bad3.json', '{"global": {"tos": 1,}}'));
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /^Error: .*bad3\.json is not valid JSON at line 1 column \d+/);
    assert.equal(await exported('siit'), before, 'nothing changed');
  });

  it('SIIT: a failure halfway (denylist4 full) undoes the globals and entries already written', async () => {
    const before = await exported('siit');
    const many = Array.from({length: 4200}, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    const f = file('full.json', {...JOOL_SIIT, global: {...JOOL_SIIT.global, tos: 9}, eamt: [...JOOL_SIIT.eamt, {'ipv6 prefix': '2001:db8:9::/120', 'ipv4 prefix': '203.0.113.0/24'}], denylist4: many});
    const r = await cli('siit', 'file', 'handle', f);
    assert.notEqual(r.code, 0, show(r));
    assert.match(r.stderr, /^Error: applying the configuration failed: .*; nothing was changed$/m);
    assert.equal(await exported('siit'), before, 'the instance is exactly as it was');
  });

  it("Jool's NAT64 sample applies unchanged (static BIB included); a second apply changes nothing", async () => {
    const f = file('nat64.json', JOOL_NAT64);
    const first = result(await cli('nat64', 'file', 'handle', f, '--json'), 'first apply');
    assert.equal(first.changed, true);
    assert.ok(!first.result.notes.some((n) => n.includes('max-iterations')), 'max-iterations is applied, not ignored');
    assert.equal(result(await cli('nat64', 'file', 'handle', f, '--json'), 'second').changed, false);
    // max-iterations belongs to the UDP set (mark 0), as in Jool: pool4 display shows it, export keeps it.
    const udp = result(await cli('nat64', 'pool4', 'display', '--udp', '--json'), 'pool4 udp');
    assert.deepEqual(udp.result.pool4.map((e) => e['max-iterations']), [1500]);
    assert.equal(JSON.parse(await exported('nat64')).pool4.find((e) => e.protocol === 'UDP')['max-iterations'], 1500);
    // Changing it alone is one change; two entries of one set that disagree are refused, nothing changed.
    const other = {...JOOL_NAT64, pool4: JOOL_NAT64.pool4.map((e) => (e['max-iterations'] ? {...e, 'max-iterations': 'infinity'} : e))};
    const d = result(await cli('nat64', 'file', 'handle', file('nat64-iter.json', other), '--check', '--json'), 'check');
    assert.deepEqual(d.result.changes.map((c) => c.text), ['~ pool4 UDP mark 0 max-iterations: 1500 -> infinity']);
    const clash = {...JOOL_NAT64, pool4: [...JOOL_NAT64.pool4, {protocol: 'UDP', prefix: '192.0.2.2/32', 'max-iterations': 7}]};
    const rc = await cli('nat64', 'file', 'handle', file('nat64-clash.json', clash));
    assert.equal(rc.code, 2, show(rc));
    assert.match(rc.stderr, /max-iterations: 7 contradicts 1500 at \/pool4\/2\/max-iterations/);
    const bib = result(await cli('nat64', 'bib', 'display', '--udp', '--json'), 'bib');
    assert.deepEqual(bib.result.bib, [{protocol: 'UDP', 'ipv6-address': '2001:db8::2#10000', 'ipv4-address': '192.0.2.1#61500', static: true}]);
    const pool4 = result(await cli('nat64', 'pool4', 'display', '--tcp', '--json'), 'pool4');
    assert.deepEqual(pool4.result.pool4.map((e) => e['port-range']), ['80-80', '61001-65535']);
    const g = result(await cli('nat64', 'global', 'display', '--json'), 'global');
    assert.equal(g.result.global['udp-timeout'], 300);
    const x = file('nat64-export.json', JSON.parse(await exported('nat64')));
    assert.equal(result(await cli('nat64', 'file', 'handle', x, '--json'), 'export').changed, false);
  });

  it('NAT64: a failure halfway (a BIB entry outside pool4) leaves the instance as it was; static BIB follows updates', async () => {
    const before = await exported('nat64');
    const doc = {...JOOL_NAT64, global: {...JOOL_NAT64.global, tos: 4}, bib: [...JOOL_NAT64.bib, {protocol: 'TCP', 'ipv6 address': '2001:db8::7#22', 'ipv4 address': '192.0.2.1#2222'}]};
    const r = await cli('nat64', 'file', 'handle', file('nat64-bad-bib.json', doc));
    assert.notEqual(r.code, 0, show(r));
    assert.match(r.stderr, /192\.0\.2\.1#2222 is not in the TCP pool4.*nothing was changed/);
    assert.equal(await exported('nat64'), before);
    // Unlike Jool, static entries are applied on updates: one removed, one added.
    const upd = {...JOOL_NAT64, bib: [JOOL_NAT64.bib[0], JOOL_NAT64.bib[1], {protocol: 'ICMP', 'ipv6 address': '2001:db8:aaaa::1#45', 'ipv4 address': '192.0.2.1#1045'}]};
    const u = result(await cli('nat64', 'file', 'handle', file('nat64-upd.json', upd), '--json'), 'bib update');
    assert.deepEqual(u.result.changes.map((c) => c.text).sort(), ['+ bib ICMP 2001:db8:aaaa::1#45 192.0.2.1#1045', '- bib ICMP 2001:db8:aaaa::1#44 192.0.2.1#1044']);
  });

  it('a new NAT64 instance whose file fails halfway is not left half-made', async () => {
    ok(await cli('nat64', 'instance', 'remove'), 'remove');
    const doc = {...JOOL_NAT64, bib: [{protocol: 'UDP', 'ipv6 address': '2001:db8::2#1', 'ipv4 address': '198.51.100.9#1'}]};
    const r = await cli('nat64', 'file', 'handle', file('nat64-new-bad.json', doc));
    assert.notEqual(r.code, 0, show(r));
    const st = await cli('nat64', 'instance', 'status');
    assert.equal(st.code, 3, `no instance left behind\n${show(st)}`);
  });

  it('parallel writers serialize: no update is lost', async () => {
    // 24 EAMT entries and 12 pool4 ranges added at once, by separate processes.
    const eams = Array.from({length: 24}, (_, i) => cli('siit', 'eamt', 'add', `2001:db8:77:${i.toString(16)}::/120`, `203.0.113.${i}/32`, '--force'));
    ok(await cli('nat64', 'instance', 'add', '--pool6', '64:ff9b::/96', '--iface', 'd0'), 'nat64 instance');
    const pools = Array.from({length: 12}, (_, i) => cli('nat64', 'pool4', 'add', '--udp', '192.0.2.1', `${62000 + i * 10}-${62000 + i * 10 + 4}`));
    for (const r of await Promise.all([...eams, ...pools])) ok(r, 'a parallel add');
    const e = result(await cli('siit', 'eamt', 'display', '--json'), 'eamt');
    assert.equal(e.result.eamt.filter((x) => x['ipv6-prefix'].startsWith('2001:db8:77:')).length, 24);
    const p = result(await cli('nat64', 'pool4', 'display', '--udp', '--json'), 'pool4');
    assert.equal(p.result.pool4.length, 12, JSON.stringify(p.result.pool4));
    // The same file from 6 processes at once: one of them makes the changes, the others find nothing to do.
    const f = file('siit-parallel.json', {...JOOL_SIIT, global: {...JOOL_SIIT.global, tos: 33}});
    const runs = await Promise.all(Array.from({length: 6}, () => cli('siit', 'file', 'handle', f, '--json')));
    const changed = runs.map((r) => result(r, 'parallel file handle').changed);
    assert.equal(changed.filter(Boolean).length, 1, JSON.stringify(changed));
  });
});
