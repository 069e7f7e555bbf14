// Configuration files without the kernel: the standalone validator built from schema/config.schema.json, error
// messages with JSON paths, the state a file describes, plans (changes and idempotency), export round trips,
// and the README's full example files.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {formatAjvErrors, lowerKeys, schemaErrors} from '../../dist/config/validate.js';
import {parseNat64Document, parseSiitDocument, SIIT_GLOBAL_DEFAULTS, NAT64_GLOBAL_DEFAULTS} from '../../dist/config/state.js';
import {planNat64, planSiit} from '../../dist/config/plan.js';
import {nat64Document, siitDocument} from '../../dist/config/document.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The JSON blocks of the README's configuration section (indented code blocks that start with "{"). */
function readmeFiles() {
  const section = readme.slice(readme.indexOf('## Configuration files'), readme.indexOf('## Jool compatibility'));
  return [...section.matchAll(/\n {4}\{\n[\s\S]*?\n {4}\}\n/g)].map((m) => JSON.parse(m[0].replace(/^ {4}/gm, '')));
}

test("the README's full SIIT and NAT64 files are valid and describe what they say", async () => {
  const [siit, nat64] = readmeFiles();
  assert.deepEqual(await schemaErrors('SIIT', lowerKeys(siit)), []);
  assert.deepEqual(await schemaErrors('NAT64', lowerKeys(nat64)), []);
  const s = parseSiitDocument(lowerKeys(siit));
  assert.deepEqual(s.errors, []);
  assert.equal(s.state.global['rfc6791v4-prefix'], '203.0.113.8/30');
  assert.equal(s.state.eamt.length, 2);
  const n = parseNat64Document(lowerKeys(nat64));
  assert.deepEqual(n.errors, []);
  assert.equal(n.state.global['udp-timeout'], 300);
  assert.equal(n.state.pool4.length, 4);
  assert.equal(n.state.capacity, 65536);
  // Every key of the schema's top level is shown in them.
  const schema = JSON.parse(readFileSync(new URL('../../schema/config.schema.json', import.meta.url), 'utf8'));
  for (const k of Object.keys(schema.$defs['nat64-global'].properties)) {
    if (['comment', 'mtu-plateaus'].includes(k) || k.startsWith('logging-') || k.startsWith('ss-')) continue;
    assert.ok(k in nat64.global, `the README's NAT64 file shows ${k}`);
  }
  for (const k of Object.keys(schema.$defs['siit-global'].properties)) if (!['comment', 'logging-debug'].includes(k)) assert.ok(k in siit.global, `SIIT ${k}`);
});

test('schema errors: every one, with its JSON path, in words', async () => {
  const errs = await schemaErrors('NAT64', lowerKeys({
    Global: {'UDP-timeout': '5 minutes', bogus: 1, 'manually-enabled': 'maybe'},
    pool4: [{protocol: 'SCTP', prefix: '192.0.2.1'}, {prefix: '192.0.2/24'}],
    bib: [{protocol: 'tcp', 'ipv6 address': '2001:db8::1', 'ipv4 address': '192.0.2.1#80'}],
    capacity: 0,
    extra: true,
  }));
  assert.deepEqual(errs.sort(), [
    '/: missing key "protocol"'.replace('/:', '/pool4/1:'),
    '/bib/0/ipv6 address: must be an IPv6 transport address such as "2001:db8::1#80"',
    '/capacity: must be >= 1',
    '/extra: unknown key',
    '/global/bogus: unknown key',
    '/global/manually-enabled: must be true or false (also yes/no, on/off, 1/0)',
    '/global/udp-timeout: must be seconds, or a string [[HH:]MM:]SS[.mmm] such as "0:05:00"',
    '/pool4/0/protocol: must be "TCP", "UDP" or "ICMP"',
    '/pool4/1/prefix: must be an IPv4 prefix such as "192.0.2.0/24" (a bare address is a /32)',
  ].sort());
  assert.deepEqual(formatAjvErrors([]), []);
});

test("values: Jool's forms, defaults for what is left out, notes for what is ignored", () => {
  const s = parseSiitDocument(lowerKeys({global: {'manually-enabled': 'OFF', tos: 7, 'logging-debug': true}, framework: 'iptables', blacklist4: ['198.51.100.0']}));
  assert.deepEqual(s.errors, []);
  assert.equal(s.state.global['manually-enabled'], false);
  assert.equal(s.state.global['lowest-ipv6-mtu'], 1280, 'left out: the default');
  assert.deepEqual(s.state.denylist4.length, 1);
  assert.equal(s.notes.length, 2);
  const n = parseNat64Document(lowerKeys({global: {'icmp-timeout': 90, 'tcp-est-timeout': '3:00:00', 'ss-enabled': false}, pool4: [{protocol: 'udp', prefix: '192.0.2.1'}, {protocol: 'UDP', prefix: '192.0.2.1', 'port range': '62000-65535'}]}));
  assert.deepEqual(n.errors, []);
  assert.equal(n.state.global['icmp-timeout'], 90);
  assert.equal(n.state.global['tcp-est-timeout'], 10800);
  assert.deepEqual(n.state.pool4.map((i) => i.ports), [[61001, 65535]], 'merged, the default range taking the other in');
  const bad = parseNat64Document(lowerKeys({global: {'udp-timeout': 10, pool6: '64:ff9b::/95'}, bib: [{protocol: 'TCP', 'ipv6 address': '2001:db8::1#1', 'ipv4 address': '192.0.2.1#1'}, {protocol: 'TCP', 'ipv6 address': '2001:db8::2#1', 'ipv4 address': '192.0.2.1#1'}]}));
  assert.equal(bad.errors.length, 3, bad.errors.join('\n'));
  assert.match(bad.errors.join('\n'), /^\/bib\/1: the TCP IPv4 side 192\.0\.2\.1#1 is already mapped by \/bib\/0$/m);
});

test('plans: a file against itself changes nothing; changes are listed as --diff prints them', () => {
  const doc = {global: {pool6: '64:ff9b::/96', tos: 3}, eamt: [{'ipv6 prefix': '2001:db8::/120', 'ipv4 prefix': '192.0.2.0/24'}], denylist4: ['198.51.100.0/24']};
  const wanted = parseSiitDocument(lowerKeys(doc)).state;
  const create = planSiit(null, wanted, SIIT_GLOBAL_DEFAULTS);
  assert.equal(create.create, true);
  assert.deepEqual(create.changes.map((c) => c.text), [
    '+ instance SIIT on every non-loopback interface (hook auto)',
    '~ global pool6: (unset) -> 64:ff9b::/96',
    '~ global tos: 0 -> 3',
    '+ eamt 2001:db8::/120 192.0.2.0/24',
    '+ denylist4 198.51.100.0/24',
  ]);
  const current = {name: null, global: wanted.global, eamt: wanted.eamt, denylist4: wanted.denylist4, interfaces: ['eth0']};
  assert.deepEqual(planSiit(current, wanted, SIIT_GLOBAL_DEFAULTS).changes, []);
  // Export is a file that plans nothing against the same state.
  const again = parseSiitDocument(lowerKeys(JSON.parse(JSON.stringify(siitDocument(current))))).state;
  assert.deepEqual(planSiit(current, again, SIIT_GLOBAL_DEFAULTS).changes, []);
  const other = planSiit(current, {...wanted, name: 'x', interfaces: ['eth1']}, SIIT_GLOBAL_DEFAULTS);
  assert.deepEqual(other.changes.map((c) => c.text), ['~ instance name: (none) -> x', '+ interface eth1', '- interface eth0']);
  assert.throws(() => planSiit({...current, name: 'a'}, {...wanted, name: 'b'}, SIIT_GLOBAL_DEFAULTS), /named 'a' and the file names 'b'/);
});

test('NAT64 plans: pool4 and static BIB as sets; capacity cannot change; export round-trips', () => {
  const doc = {global: {pool6: '64:ff9b::/96'}, pool4: [{protocol: 'TCP', prefix: '192.0.2.1', 'port range': '100-200'}], bib: [{protocol: 'TCP', 'ipv6 address': '2001:db8::1#80', 'ipv4 address': '192.0.2.1#150'}]};
  const wanted = parseNat64Document(lowerKeys(doc)).state;
  const current = {name: 'n', global: wanted.global, pool4: wanted.pool4, iterations: wanted.iterations, bib: wanted.bib, deterministic: wanted.deterministic, interfaces: ['eth0'], capacity: 65536};
  assert.deepEqual(planNat64(current, wanted, NAT64_GLOBAL_DEFAULTS).changes, []);
  const round = parseNat64Document(lowerKeys(JSON.parse(JSON.stringify(nat64Document(current))))).state;
  assert.deepEqual(planNat64(current, round, NAT64_GLOBAL_DEFAULTS).changes, []);
  const more = parseNat64Document(lowerKeys({...doc, pool4: [{protocol: 'TCP', prefix: '192.0.2.1', 'port range': '100-300'}], bib: []})).state;
  const p = planNat64(current, more, NAT64_GLOBAL_DEFAULTS);
  assert.deepEqual(p.changes.map((c) => c.text).sort(), ['+ pool4 TCP 192.0.2.1/32 201-300', '- bib TCP 2001:db8::1#80 192.0.2.1#150'].sort());
  assert.deepEqual(p.pool4Removed, []);
  const iter = parseNat64Document(lowerKeys({...doc, pool4: [{...doc.pool4[0], 'max-iterations': 1500}]})).state;
  assert.deepEqual(planNat64(current, iter, NAT64_GLOBAL_DEFAULTS).changes.map((c) => c.text), ['~ pool4 TCP mark 0 max-iterations: auto -> 1500']);
  assert.throws(() => planNat64(current, {...wanted, capacity: 10}, NAT64_GLOBAL_DEFAULTS), /cannot be resized/);
});

test('pool4 deterministic (RFC 7422): parsed with the CLI\'s checks, planned, exported, applied twice changes nothing', async () => {
  const file = {
    global: {pool6: '64:ff9b::/96'},
    pool4: [{protocol: 'TCP', prefix: '192.0.2.1', 'port range': '61001-65535'}],
    'pool4 deterministic': [
      {'ipv6 range': '2001:db8:5::/48', 'subscriber length': 56, prefix: '198.51.100.0/28', 'block size': 2048},
      {'ipv6 range': '2001:db8:1::/120', 'subscriber length': 128, prefix: '203.0.113.0/30', 'port range': '1024-2047', 'block size': 16},
    ],
  };
  assert.deepEqual(await schemaErrors('NAT64', lowerKeys(file)), []);
  const n = parseNat64Document(lowerKeys(file));
  assert.deepEqual(n.errors, []);
  assert.deepEqual(n.state.deterministic.map((e) => [e.subLen, e.ports, e.blockSize]), [[128, [1024, 2047], 16], [56, [1024, 65535], 2048]], 'ordered by IPv6 range, default ports 1024-65535');
  const p = planNat64(null, n.state, NAT64_GLOBAL_DEFAULTS);
  assert.deepEqual(p.changes.filter((c) => c.text.includes('deterministic')).map((c) => c.text), [
    '+ pool4 deterministic 2001:db8:1::/120 /128 203.0.113.0/30 1024-2047 block 16',
    '+ pool4 deterministic 2001:db8:5::/48 /56 198.51.100.0/28 1024-65535 block 2048',
  ]);
  const current = {...n.state, name: null, interfaces: ['d0'], capacity: 65536};
  const again = planNat64(current, {...n.state, interfaces: null, capacity: null}, NAT64_GLOBAL_DEFAULTS);
  assert.deepEqual(again.changes, [], 'the same file again: nothing to change');
  assert.equal(again.deterministic, null);
  // Export and re-read: the same entries.
  const doc = nat64Document(current);
  assert.deepEqual(await schemaErrors('NAT64', lowerKeys(JSON.parse(JSON.stringify(doc)))), []);
  const back = parseNat64Document(lowerKeys(JSON.parse(JSON.stringify(doc))));
  assert.deepEqual(planNat64(current, {...back.state, interfaces: null, capacity: null}, NAT64_GLOBAL_DEFAULTS).changes, []);
  // Dropping one from the file removes it (its state goes after the rest applied).
  const fewer = parseNat64Document(lowerKeys({...file, 'pool4 deterministic': file['pool4 deterministic'].slice(0, 1)}));
  const drop = planNat64(current, {...fewer.state, interfaces: null, capacity: null}, NAT64_GLOBAL_DEFAULTS);
  assert.deepEqual(drop.changes.map((c) => c.text), ['- pool4 deterministic 2001:db8:1::/120 /128 203.0.113.0/30 1024-2047 block 16']);
  assert.equal(drop.detRemoved.length, 1);
  assert.equal(drop.deterministic.length, 1);
});

test('pool4 deterministic: what cannot be configured is reported at its JSON path', async () => {
  const bad = {'pool4 deterministic': [{'ipv6 range': '2001:db8:7::/48', 'subscriber length': 56, 'block size': 0}]};
  assert.deepEqual((await schemaErrors('NAT64', lowerKeys(bad))).sort(), ['/pool4 deterministic/0/block size: must be >= 1', '/pool4 deterministic/0: missing key "prefix"']);
  const n = parseNat64Document(lowerKeys({
    pool4: [{protocol: 'UDP', prefix: '198.51.100.3', 'port range': '61001-65535'}],
    'pool4 deterministic': [
      {'ipv6 range': '2001:db8:5::/48', 'subscriber length': 56, prefix: '198.51.100.0/30', 'block size': 2048},
      {'ipv6 range': '2001:db8:6::/48', 'subscriber length': 56, prefix: '198.51.100.16/28', 'block size': 2048},
      {'ipv6 range': '2001:db8:6:100::/56', 'subscriber length': 64, prefix: '203.0.113.0/24', 'block size': 2048},
      {'ipv6 range': '2001:db8:8::/48', 'subscriber length': 56, prefix: '198.51.100.0/28', 'block size': 2048},
    ],
  }));
  assert.deepEqual(n.errors, [
    '/pool4 deterministic/0: deterministic pool4 2001:db8:5::/48: 256 subscribers of /56 need 9 IPv4 addresses with 31 blocks of 2048 ports each, the IPv4 prefix /30 has 4: give a shorter IPv4 prefix, a smaller block size or a longer subscriber length',
    '/pool4 deterministic/2: its IPv6 range overlaps 2001:db8:6::/48 (a subscriber has one mapping)',
    '/pool4 deterministic/3: its transport addresses overlap the pool4 entry UDP 198.51.100.3/32 61001-65535',
  ]);
});
