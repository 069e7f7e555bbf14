// EAMT (RFC 7757) validation, overlap detection, file parsing and address arithmetic (pure logic).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
  parseEamEntry,
  parseEamSelector,
  parseEamFile,
  parseAnyPrefix,
  checkEamAdd,
  findEamConflicts,
  eamTo4,
  eamTo6,
  eamLookup4,
  eamLookup6,
  eamView,
  formatEamEntry,
} from '../../dist/model/siit-eamt.js';
import {parseIPv6, formatIPv6} from '../../dist/model/ipv6.js';
import {parseIPv4, formatIPv4} from '../../dist/model/ipv4.js';

const E = (a, b) => parseEamEntry(a, b);

test('entries: either order, bare addresses, canonical text', () => {
  assert.deepEqual(eamView(E('2001:db8::/120', '192.0.2.0/24')), {'ipv6-prefix': '2001:db8::/120', 'ipv4-prefix': '192.0.2.0/24'});
  assert.deepEqual(eamView(E('192.0.2.0/24', '2001:DB8:0::/120')), {'ipv6-prefix': '2001:db8::/120', 'ipv4-prefix': '192.0.2.0/24'});
  assert.deepEqual(eamView(E('2001:db8::5', '192.0.2.5')), {'ipv6-prefix': '2001:db8::5/128', 'ipv4-prefix': '192.0.2.5/32'});
  assert.equal(formatEamEntry(E('2001:db8::/96', '0.0.0.0/0')), '2001:db8::/96 <-> 0.0.0.0/0');
});

test('entries: suffix lengths, host bits, families', () => {
  // 32 - v4len <= 128 - v6len
  assert.doesNotThrow(() => E('2001:db8::/64', '10.0.0.0/8'));
  assert.doesNotThrow(() => E('2001:db8::/104', '10.0.0.0/8'));
  assert.throws(() => E('2001:db8::/105', '10.0.0.0/8'), /IPv4 suffix of 10\.0\.0\.0\/8 \(24 bits\) is longer than the IPv6 suffix of 2001:db8::\/105 \(23 bits\)/);
  assert.throws(() => E('2001:db8::/128', '192.0.2.0/31'), /longer than the IPv6 suffix/);
  assert.throws(() => E('2001:db8::1/120', '192.0.2.0/24'), /bits after \/120 must be zero \(did you mean 2001:db8::\/120\?\)/);
  assert.throws(() => E('2001:db8::/120', '192.0.2.1/24'), /bits after \/24 must be zero \(did you mean 192\.0\.2\.0\/24\?\)/);
  assert.throws(() => E('2001:db8::/120', '2001:db9::/120'), /one IPv6 and one IPv4 prefix .*not two IPv6 prefixes/);
  assert.throws(() => E('10.0.0.0/24', '10.0.1.0/24'), /not two IPv4 prefixes/);
  assert.throws(() => E('2001:db8::/129', '10.0.0.0/24'), /length must be 0-128/);
  assert.throws(() => E('2001:db8::/120', '10.0.0.0/33'), /length must be 0-32/);
  assert.throws(() => E('bogus', '10.0.0.0/24'), /'bogus' is not an IPv6 or IPv4 prefix/);
  assert.throws(() => parseAnyPrefix('10.0.0.256'), /octet '256' is greater than 255/);
});

test('remove selectors: one or two prefixes, at most one per family', () => {
  const a = parseEamSelector('192.0.2.0/24');
  assert.equal(a.p6, null);
  assert.equal(a.p4.len, 24);
  const b = parseEamSelector('192.0.2.0/24', '2001:db8::/120');
  assert.equal(b.p6.len, 120);
  assert.throws(() => parseEamSelector('10.0.0.0/8', '11.0.0.0/8'), /not two IPv4 prefixes/);
});

test('overlaps: refused unless force, on either side; same prefix refused always', () => {
  const table = [E('2001:db8::/120', '192.0.2.0/24')];
  // Disjoint on both sides.
  assert.doesNotThrow(() => checkEamAdd(table, [E('2001:db8:1::/120', '198.51.100.0/24')], false));
  // IPv6 side inside, IPv4 side disjoint.
  assert.throws(() => checkEamAdd(table, [E('2001:db8::10/124', '198.51.100.0/28')], false), /overlaps the EAMT entry 2001:db8::\/120 <-> 192\.0\.2\.0\/24 on the IPv6 side \(use --force/);
  assert.doesNotThrow(() => checkEamAdd(table, [E('2001:db8::10/124', '198.51.100.0/28')], true));
  // IPv4 side holding the existing one.
  assert.throws(() => checkEamAdd(table, [E('2001:db8:2::/112', '192.0.0.0/16')], false), /on the IPv4 side/);
  assert.doesNotThrow(() => checkEamAdd(table, [E('2001:db8:2::/112', '192.0.0.0/16')], true));
  // Exactly the same IPv6 prefix: one trie key, never.
  assert.throws(() => checkEamAdd(table, [E('2001:db8::/120', '198.51.100.0/24')], true), /2001:db8::\/120 is already the IPv6 prefix of the EAMT entry/);
  assert.throws(() => checkEamAdd(table, [E('2001:db8:5::/120', '192.0.2.0/24')], true), /192\.0\.2\.0\/24 is already the IPv4 prefix/);
  // The same entry again.
  assert.throws(() => checkEamAdd(table, [E('192.0.2.0/24', '2001:db8::/120')], true), /2001:db8::\/120 <-> 192\.0\.2\.0\/24 is already in the EAMT/);
});

test('overlaps inside one batch, reported against the later entry', () => {
  const batch = [E('2001:db8::/120', '192.0.2.0/24'), E('2001:db8:1::/120', '198.51.100.0/24'), E('2001:db8:1::80/121', '203.0.113.0/25')];
  const c = findEamConflicts([], batch);
  assert.equal(c.length, 1);
  assert.equal(formatEamEntry(c[0].entry), '2001:db8:1::80/121 <-> 203.0.113.0/25');
  assert.equal(formatEamEntry(c[0].other), '2001:db8:1::/120 <-> 198.51.100.0/24');
  assert.equal(c[0].otherIsNew, true);
  assert.throws(() => checkEamAdd([], batch, false), /overlaps another entry being added/);
  assert.doesNotThrow(() => checkEamAdd([], batch, true));
  assert.throws(() => checkEamAdd([], [batch[0], batch[0]], true), /is already listed twice/);
});

test('overlap sweep finds a new entry holding an existing one behind a nested pair', () => {
  // Existing (forced) nesting A > B; the new C is inside B; the new D holds A.
  const A = E('2001:db8::/96', '10.0.0.0/8');
  const B = E('2001:db8::100/120', '11.0.0.0/24');
  assert.match(formatEamEntry(findEamConflicts([A, B], [E('2001:db8::180/121', '12.0.0.0/25')])[0].other), /2001:db8::100\/120/);
  assert.equal(findEamConflicts([A, B], [E('2001:db8::/64', '13.0.0.0/8')]).length, 1);
  assert.equal(findEamConflicts([A, B], [E('2001:db9::/96', '14.0.0.0/8')]).length, 0);
});

test('overlap check of 10,000 entries against 10,000 is fast', () => {
  const mk = (i, base) => E(`2001:db8:${(base + i).toString(16)}::/120`, `${10 + (((base + i) >> 16) & 0xff)}.${((base + i) >> 8) & 0xff}.${(base + i) & 0xff}.0/24`);
  const existing = Array.from({length: 10000}, (_, i) => mk(i, 0));
  const added = Array.from({length: 10000}, (_, i) => mk(i, 20000));
  const t0 = performance.now();
  assert.equal(findEamConflicts(existing, added).length, 0);
  assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`);
});

test('RFC 7757 arithmetic: IPv4 suffix right after the IPv6 prefix', () => {
  const e = E('2001:db8::/120', '192.0.2.0/24');
  assert.equal(formatIPv6(eamTo6(e, parseIPv4('192.0.2.7'))), '2001:db8::7');
  assert.equal(formatIPv4(eamTo4(e, parseIPv6('2001:db8::7'))), '192.0.2.7');
  // Longer IPv6 suffix: the IPv4 suffix sits right after the prefix, zeros follow; bits after it are ignored going back.
  const f = E('2001:db8:aaaa::/48', '10.0.0.0/8');
  assert.equal(formatIPv6(eamTo6(f, parseIPv4('10.1.2.3'))), '2001:db8:aaaa:102:300::');
  assert.equal(formatIPv4(eamTo4(f, parseIPv6('2001:db8:aaaa:102:3ff:ffff::1'))), '10.1.2.3');
  // Unaligned prefixes.
  const g = E('2001:db8::80/121', '198.51.100.128/25');
  assert.equal(formatIPv6(eamTo6(g, parseIPv4('198.51.100.200'))), '2001:db8::c8');
  assert.equal(formatIPv4(eamTo4(g, parseIPv6('2001:db8::c8'))), '198.51.100.200');
  // Single addresses and the whole IPv4 space.
  assert.equal(formatIPv6(eamTo6(E('2001:db8::9', '192.0.2.9'), parseIPv4('192.0.2.9'))), '2001:db8::9');
  const all = E('64:ff9b::/96', '0.0.0.0/0');
  assert.equal(formatIPv6(eamTo6(all, parseIPv4('203.0.113.5'))), '64:ff9b::cb00:7105');
});

test('longest prefix wins in both directions', () => {
  const t = [E('2001:db8::/120', '192.0.2.0/24'), E('2001:db8:1::7', '192.0.2.7')];
  assert.equal(eamView(eamLookup4(t, parseIPv4('192.0.2.7')))['ipv6-prefix'], '2001:db8:1::7/128');
  assert.equal(eamView(eamLookup4(t, parseIPv4('192.0.2.8')))['ipv6-prefix'], '2001:db8::/120');
  assert.equal(eamLookup4(t, parseIPv4('192.0.3.8')), null);
  assert.equal(eamView(eamLookup6(t, parseIPv6('2001:db8:1::7')))['ipv4-prefix'], '192.0.2.7/32');
  assert.equal(eamLookup6(t, parseIPv6('2001:db8:1::8')), null);
});

test('--file text: comments, blanks, commas, the CSV header; errors name the line', () => {
  const list = parseEamFile('# EAMT\n\nIPv6 Prefix,IPv4 Prefix\n2001:db8::/120 192.0.2.0/24\n198.51.100.0/24,2001:db8:1::/120  # web\n\t2001:db8:2::1\t203.0.113.1\n', 'f.txt');
  assert.deepEqual(list.map(eamView).map((v) => v['ipv4-prefix']), ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.1/32']);
  assert.throws(() => parseEamFile('2001:db8::/120 192.0.2.0/24\n2001:db8::/120\n', 'f.txt'), {message: 'f.txt line 2: expected two prefixes (IPv6 and IPv4), found 1 fields'});
  assert.throws(() => parseEamFile('2001:db8::/120 192.0.2.1/24\n', 'f.txt'), /^Error|f\.txt line 1: '192\.0\.2\.1\/24' is not a valid IPv4 prefix/);
  assert.throws(() => parseEamFile('2001:db8::/120 192.0.2.0/24\n192.0.2.0/24 2001:db8::/120\n', 'f.txt'), /f\.txt line 2: .* is already on line 1/);
  assert.throws(() => parseEamFile('# nothing\n', 'f.txt'), /f\.txt holds no EAMT entry/);
});
