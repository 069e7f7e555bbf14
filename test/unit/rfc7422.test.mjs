// The deterministic NAT64 formula (RFC 7422, src/model/rfc7422.ts): subscriber -> address and block, back again,
// the limits a configuration must respect, and the CSV export's rows. The data plane's C is compared with it in
// test/unit/host-logic.test.mjs.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';

const dist = new URL('../../dist/model/rfc7422.js', import.meta.url);
const skip = existsSync(dist) ? false : 'dist/ is missing: run `npm run build`';
const M = skip ? null : await import(dist);
const {parseIPv6} = skip ? {} : await import(new URL('../../dist/model/ipv6.js', import.meta.url));
const ip4 = (s) => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);
const entry = (t) => M.parseDetEntry({since: 1_700_000_000, ...t});

test('the README example: 256 /56 subscribers of a /48, 2048 ports each from 1024, on a /28 (9 of its addresses used)', {skip}, () => {
  const e = entry({range6: '2001:db8:5::/48', subLen: '56', prefix4: '198.51.100.0/28', blockSize: '2048'});
  assert.equal(M.blocksPerAddr(e), 31, '(65535 - 1024 + 1) / 2048, rounded down');
  assert.equal(M.subscribers(e), 256);
  assert.equal(M.capacity(e), 16 * 31);
  // Subscriber 0x01 (2001:db8:5:100::/56): address .0, second block.
  const m = M.lookup6([e], {addr: parseIPv6('2001:db8:5:100::'), len: 56});
  assert.deepEqual(M.mappingView(m), {subscriber: '2001:db8:5:100::/56', address: '198.51.100.0', 'port-range': '3072-5119', 'ipv6-range': '2001:db8:5::/48'});
  // Subscriber 31 is the first of the second address; 247 the last block of the eighth.
  assert.deepEqual(M.blockOf(e, 31), {addr: ip4('198.51.100.1'), first: 1024, last: 3071});
  assert.deepEqual(M.blockOf(e, 247), {addr: ip4('198.51.100.7'), first: 1024 + 30 * 2048, last: 1024 + 31 * 2048 - 1});
});

test('a configuration whose subscribers do not fit is refused, naming what would fit', {skip}, () => {
  assert.throws(() => entry({range6: '2001:db8:5::/48', subLen: '56', prefix4: '198.51.100.0/30', blockSize: '2048'}),
    /256 subscribers of \/56 need 9 IPv4 addresses with 31 blocks of 2048 ports each, the IPv4 prefix \/30 has 4/);
  assert.throws(() => entry({range6: '2001:db8:5::/48', subLen: '48', prefix4: '198.51.100.0/30', blockSize: '2048'}), /must be longer than/);
  assert.throws(() => entry({range6: '2001:db8::/32', subLen: '72', prefix4: '10.0.0.0/8', blockSize: '1'}), /at most 2\^32/);
  assert.throws(() => entry({range6: '2001:db8::/32', subLen: '56', prefix4: '10.0.0.0/8', blockSize: '70000'}), /not a valid block size|larger than the port range/);
  assert.throws(() => entry({range6: '2001:db8::/32', subLen: '56', prefix4: '10.0.0.0/8', ports: '0-1023', blockSize: '4'}), /port 0/);
  assert.throws(() => entry({range6: '2001:db8::1/32', subLen: '56', prefix4: '10.0.0.0/8', blockSize: '4'}), /bits after \/32 must be zero/);
  assert.throws(() => entry({range6: '2001:db8::/32', subLen: 'x', prefix4: '10.0.0.0/8', blockSize: '4'}), /subscriber length/);
});

test('every transport address of every block leads back to its subscriber, and nothing else does', {skip}, () => {
  const e = entry({range6: '2001:db8:1c0:2:21::/120', subLen: '124', prefix4: '192.0.2.128/31', ports: '1024-1090', blockSize: '8'});
  assert.equal(M.blocksPerAddr(e), 8, '67 ports: 8 blocks, 3 ports unused');
  const owners = new Map();
  for (const m of M.mappings(e)) {
    for (let p = m.block.first; p <= m.block.last; p++) {
      const back = M.lookup4([e], m.block.addr, p);
      assert.equal(back.index, m.index);
      const key = `${m.block.addr}#${p}`;
      assert.ok(!owners.has(key), `${key} belongs to one subscriber`);
      owners.set(key, m.index);
    }
  }
  assert.equal(owners.size, 16 * 8);
  assert.equal(M.lookup4([e], ip4('192.0.2.128'), 1088), null, 'a port past the last whole block');
  assert.equal(M.lookup4([e], ip4('192.0.2.128'), 1023), null, 'a port before the range');
  assert.equal(M.lookup4([e], ip4('192.0.2.130'), 1030), null, 'another address');
  // Every host of a subscriber maps to its block.
  const a = M.lookup6([e], {addr: parseIPv6('2001:db8:1c0:2:21::9f'), len: 128});
  assert.equal(M.mappingView(a).subscriber, '2001:db8:1c0:2:21::90/124');
  assert.deepEqual(a.block, {addr: ip4('192.0.2.129'), first: 1032, last: 1039});
  assert.throws(() => M.lookup6([e], {addr: parseIPv6('2001:db8:1c0:2:21::'), len: 120}), /shorter than a subscriber/);
  assert.equal(M.lookup6([e], {addr: parseIPv6('2001:db8::1'), len: 128}), null);
});

test('a /128 per subscriber and a 32-bit subscriber number stay exact (no float rounding)', {skip}, () => {
  const e = entry({range6: '2001:db8:aaaa:bbbb::/64', subLen: '96', prefix4: '10.0.0.0/8', ports: '1-65535', blockSize: '64'});
  const k = 2 ** 32 - 1;
  const p = M.subscriberPrefix(e, k);
  assert.equal(M.mappingView({entry: e, index: k, subscriber: p, block: M.blockOf(e, k)}).subscriber, '2001:db8:aaaa:bbbb:ffff:ffff::/96');
  const b = M.blockOf(e, k);
  assert.equal(M.lookup4([e], b.addr, b.last).index, k);
  assert.equal(M.subscriberIndex(e, p.addr), k);
});

test('the walk inside a block starts apart for two hosts of one subscriber on the same port', {skip}, () => {
  const e = entry({range6: '2001:db8:5::/48', subLen: '56', prefix4: '198.51.100.0/28', blockSize: '2048'});
  const h1 = M.homeOffset(e, parseIPv6('2001:db8:5:100::1'), 5000);
  const h2 = M.homeOffset(e, parseIPv6('2001:db8:5:100::2'), 5000);
  assert.notEqual(h1, h2);
  assert.ok(h1 < 2048 && h2 < 2048);
  // The subscriber's own prefix bits do not move it: the same host part in another subscriber starts alike.
  assert.equal(M.homeOffset(e, parseIPv6('2001:db8:5:200::1'), 5000), h1);
});

test('entries never share subscribers or transport addresses, with each other or with pool4', {skip}, () => {
  const a = entry({range6: '2001:db8:5::/48', subLen: '56', prefix4: '198.51.100.0/28', blockSize: '2048'});
  const b = entry({range6: '2001:db8:5:100::/56', subLen: '64', prefix4: '203.0.113.0/31', blockSize: '256'});
  const c = entry({range6: '2001:db8:6::/48', subLen: '56', prefix4: '198.51.100.4/30', blockSize: '256'});
  const d = entry({range6: '2001:db8:6::/48', subLen: '56', prefix4: '203.0.113.9/32', blockSize: '252'});
  assert.match(M.detClash(b, [a], []), /IPv6 range overlaps 2001:db8:5::\/48/);
  assert.match(M.detClash(c, [a], []), /IPv4 prefix overlaps 198.51.100.0\/28/);
  assert.equal(M.detClash(d, [a], []), null);
  const pool4 = [{proto: 'udp', mark: 0, addr: ip4('203.0.113.9'), len: 32, ports: [61001, 65535]}];
  assert.match(M.detClash(d, [a], pool4), /overlap the pool4 entry UDP 203.0.113.9\/32 61001-65535/);
  assert.equal(M.detClash(d, [a], [{...pool4[0], ports: [80, 80]}]), null, 'ports below the range do not clash');
});

test('the export lists every subscriber once, in order', {skip}, () => {
  const e = entry({range6: '2001:db8:5::/48', subLen: '56', prefix4: '198.51.100.0/28', blockSize: '2048'});
  const rows = [...M.mappings(e)].map(M.mappingView);
  assert.equal(rows.length, 256);
  assert.deepEqual(rows[0], {subscriber: '2001:db8:5::/56', address: '198.51.100.0', 'port-range': '1024-3071', 'ipv6-range': '2001:db8:5::/48'});
  assert.deepEqual(rows[255], {subscriber: '2001:db8:5:ff00::/56', address: '198.51.100.8', 'port-range': '15360-17407', 'ipv6-range': '2001:db8:5::/48'});
});

test('a dynamic entry has no formula: lookup answers with the block its subscriber holds now, both ways', {skip}, () => {
  const det = entry({range6: '2001:db8:5::/48', subLen: '56', prefix4: '198.51.100.0/28', blockSize: '2048'});
  const dyn = entry({range6: '2001:db8:6::/48', subLen: '64', prefix4: '203.0.113.0/30', blockSize: '2048', dynamic: true});
  const entries = [det, dyn];
  const sub = {addr: parseIPv6('2001:db8:6:12::'), len: 64};
  const held = [
    {addr4: ip4('203.0.113.1'), ports: [3072, 5119], subscriber: sub},
    {addr4: ip4('203.0.113.1'), ports: [5120, 7167], subscriber: {addr: parseIPv6('2001:db8:6:13::'), len: 64}},
  ];
  assert.equal(M.dynamicEntryOf(entries, {addr4: ip4('198.51.100.3')}), null, 'a deterministic entry: the formula answers');
  assert.equal(M.dynamicEntryOf(entries, {addr4: ip4('192.0.2.1')}), null, 'no entry');
  assert.equal(M.dynamicEntryOf(entries, {addr4: ip4('203.0.113.1')}), dyn);
  assert.equal(M.dynamicEntryOf(entries, {prefix6: {addr: parseIPv6('2001:db8:6:12::5'), len: 128}}), dyn);
  assert.equal(M.lookup4(entries, ip4('203.0.113.1'), 4000), null, 'no formula for a dynamic block');
  const byPort = M.lookupHeld(dyn, held, {addr4: ip4('203.0.113.1'), port: 5119});
  assert.deepEqual(M.mappingView(byPort), {subscriber: '2001:db8:6:12::/64', address: '203.0.113.1', 'port-range': '3072-5119', 'ipv6-range': '2001:db8:6::/48'});
  assert.equal(M.lookupHeld(dyn, held, {addr4: ip4('203.0.113.1'), port: 5120}).subscriber.addr[7], 0x13, 'the next block, the next holder');
  assert.equal(M.lookupHeld(dyn, held, {addr4: ip4('203.0.113.2'), port: 3072}), null, 'a block nobody holds');
  // Any host of the subscriber finds its block; a subscriber without one finds nothing; a shorter prefix is refused.
  assert.deepEqual(M.lookupHeld(dyn, held, {prefix6: {addr: parseIPv6('2001:db8:6:12:abcd::1'), len: 128}}).block, {addr: ip4('203.0.113.1'), first: 3072, last: 5119});
  assert.equal(M.lookupHeld(dyn, held, {prefix6: {addr: parseIPv6('2001:db8:6:14::'), len: 64}}), null);
  assert.throws(() => M.lookupHeld(dyn, held, {prefix6: {addr: parseIPv6('2001:db8:6::'), len: 56}}), /shorter than a subscriber/);
});
