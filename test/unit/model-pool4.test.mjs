// pool4 as a set (src/model/pool4-set.ts) and the lock-out check (src/model/pool4-safety.ts).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {canonicalPool4, pool4Combine, pool4Holds, samePool4, ipv4Number, formatItemPrefix, pool4View} from '../../dist/model/pool4-set.js';
import {pool4Risks} from '../../dist/model/pool4-safety.js';

const ip = (s) => ipv4Number(Uint8Array.from(s.split('.').map(Number)));
const E = (proto, prefix, ports, mark = 0) => {
  const [a, l] = prefix.split('/');
  return {proto, mark, addr: ip(a), len: Number(l ?? 32), ports};
};
const show = (list) => list.map((i) => `${i.proto} ${i.mark} ${formatItemPrefix(i)} ${i.ports.join('-')}`);

test("overlapping and touching ranges merge, as Jool's do", () => {
  assert.deepEqual(show(canonicalPool4([E('tcp', '192.0.2.1', [1000, 2500]), E('tcp', '192.0.2.1', [1500, 3000])])), ['tcp 0 192.0.2.1/32 1000-3000']);
  assert.deepEqual(show(canonicalPool4([E('tcp', '192.0.2.1', [1, 100]), E('tcp', '192.0.2.1', [101, 200])])), ['tcp 0 192.0.2.1/32 1-200']);
  // Jool's sample file: an address with every port, then port 80 of it again.
  assert.deepEqual(show(canonicalPool4([E('tcp', '192.0.2.1/32', [61001, 65535]), E('tcp', '192.0.2.1', [80, 80])])), [
    'tcp 0 192.0.2.1/32 80-80',
    'tcp 0 192.0.2.1/32 61001-65535',
  ]);
  // Two halves make the whole; a wider range on one address stays a second entry (not nine).
  assert.deepEqual(show(canonicalPool4([E('udp', '192.0.2.0/25', [1, 10]), E('udp', '192.0.2.128/25', [1, 10])])), ['udp 0 192.0.2.0/24 1-10']);
  assert.deepEqual(show(canonicalPool4([E('tcp', '192.0.2.0/24', [1, 100]), E('tcp', '192.0.2.1', [50, 200])])), [
    'tcp 0 192.0.2.0/24 1-100',
    'tcp 0 192.0.2.1/32 101-200',
  ]);
  // Protocols and marks never merge; the order is canonical.
  assert.deepEqual(show(canonicalPool4([E('icmp', '192.0.2.1', [0, 9]), E('tcp', '192.0.2.1', [1, 9], 7), E('tcp', '192.0.2.1', [1, 9])])), [
    'tcp 0 192.0.2.1/32 1-9',
    'tcp 7 192.0.2.1/32 1-9',
    'icmp 0 192.0.2.1/32 0-9',
  ]);
});

test('removing a prefix takes out what it covers, splitting entries', () => {
  assert.deepEqual(show(pool4Combine([E('tcp', '192.0.2.1', [1, 200])], [E('tcp', '192.0.2.1', [90, 95])])), ['tcp 0 192.0.2.1/32 1-89', 'tcp 0 192.0.2.1/32 96-200']);
  assert.deepEqual(show(pool4Combine([E('tcp', '192.0.2.0/30', [1, 9])], [E('tcp', '192.0.2.2', [0, 65535])])), ['tcp 0 192.0.2.0/31 1-9', 'tcp 0 192.0.2.3/32 1-9']);
  assert.deepEqual(pool4Combine([E('tcp', '192.0.2.1', [1, 9])], [E('tcp', '192.0.2.0/24', [0, 65535])]), []);
  // Another protocol or mark is not touched.
  assert.deepEqual(show(pool4Combine([E('udp', '192.0.2.1', [1, 9])], [E('tcp', '192.0.2.1', [0, 65535])])), ['udp 0 192.0.2.1/32 1-9']);
});

test('equality is of sets, whatever the order and split of the entries', () => {
  assert.ok(samePool4([E('tcp', '192.0.2.0/25', [1, 5]), E('tcp', '192.0.2.128/25', [1, 5])], [E('tcp', '192.0.2.0/24', [1, 5])]));
  assert.ok(!samePool4([E('tcp', '192.0.2.0/24', [1, 5])], [E('tcp', '192.0.2.0/24', [1, 6])]));
  const set = canonicalPool4([E('tcp', '192.0.2.0/24', [1, 100])]);
  assert.ok(pool4Holds(set, 'tcp', ip('192.0.2.77'), 100));
  assert.ok(!pool4Holds(set, 'tcp', ip('192.0.2.77'), 101));
  assert.ok(!pool4Holds(set, 'udp', ip('192.0.2.77'), 1));
  assert.deepEqual(pool4View(set[0]), {protocol: 'TCP', prefix: '192.0.2.0/24', 'port-range': '1-100', mark: 0});
});

test('pool4 entries that would lock a local service out are named; the ephemeral range gets a warning', () => {
  const own = [ip('192.0.2.1')];
  const listening = [{proto: 'tcp', addr: null, port: 22}, {proto: 'tcp', addr: ip('192.0.2.9'), port: 2222}, {proto: 'udp', addr: null, port: 53}];
  const all = pool4Risks([E('tcp', '192.0.2.1', [1, 65535])], listening, [32768, 60999], own);
  assert.equal(all.lockouts.length, 1);
  assert.match(all.lockouts[0], /^TCP pool4 192.0.2.1\/32 1-65535 covers a port this node listens on \(\*:22\)/);
  assert.match(all.warnings[0], /overlaps this namespace's ephemeral ports 32768-60999/);
  // The default range touches neither.
  assert.deepEqual(pool4Risks([E('tcp', '192.0.2.1', [61001, 65535])], listening, [32768, 60999], own), {lockouts: [], warnings: []});
  // A socket bound to another address only matters when the entry covers that address.
  assert.equal(pool4Risks([E('tcp', '192.0.2.9', [2000, 3000])], listening, null, own).lockouts.length, 1);
  assert.equal(pool4Risks([E('tcp', '198.51.100.1', [1, 65535])], listening, null, own).lockouts.length, 0);
  assert.equal(pool4Risks([E('udp', '192.0.2.1', [1, 100])], listening, null, own).lockouts.length, 1);
  assert.equal(pool4Risks([E('icmp', '192.0.2.1', [0, 65535])], listening, [0, 65535], own).lockouts.length, 0);
});
