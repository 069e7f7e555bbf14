// RFC 6052 address mapping and pool6 validation (src/model/rfc6052.ts, pool6.ts).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {embedIPv4, extractIPv4, ipv4Offsets, pool6Problem, prefixContains, RFC6052_LENGTHS} from '../../dist/model/rfc6052.js';
import {formatPool6, parsePool6, parsePool6OrNull, pool6ToBuffer} from '../../dist/model/pool6.js';
import {formatIPv6, parseIPv6, parsePrefix6} from '../../dist/model/ipv6.js';
import {formatIPv4, parseIPv4} from '../../dist/model/ipv4.js';
import {XlatError, InputError} from '../../dist/errors.js';

// RFC 6052 section 2.4, Table 1 (192.0.2.33 under each prefix), with the RFC's own text
// for the result and the RFC 5952 canonical text our formatter must produce.
const TABLE = [
  ['2001:db8::/32', '2001:db8:c000:221::', '2001:db8:c000:221::'],
  ['2001:db8:100::/40', '2001:db8:1c0:2:21::', '2001:db8:1c0:2:21::'],
  ['2001:db8:122::/48', '2001:db8:122:c000:2:2100::', '2001:db8:122:c000:2:2100::'],
  ['2001:db8:122:300::/56', '2001:db8:122:3c0:0:221::', '2001:db8:122:3c0:0:221::'],
  ['2001:db8:122:344::/64', '2001:db8:122:344:c0:2:2100::', '2001:db8:122:344:c0:2:2100:0'],
  ['2001:db8:122:344::/96', '2001:db8:122:344::192.0.2.33', '2001:db8:122:344::c000:221'],
  ['64:ff9b::/96', '64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
];

test('RFC 6052 section 2.4 table: embedding 192.0.2.33', () => {
  const v4 = parseIPv4('192.0.2.33');
  for (const [prefix, rfcText, canonical] of TABLE) {
    const got = embedIPv4(parsePool6(prefix), v4);
    assert.deepEqual(got, parseIPv6(rfcText), prefix);
    assert.equal(formatIPv6(got), canonical, prefix);
  }
});

test('RFC 6052 section 2.4 table: extracting 192.0.2.33', () => {
  for (const [prefix, rfcText] of TABLE) {
    const p = parsePool6(prefix);
    const addr = parseIPv6(rfcText);
    assert.ok(prefixContains(p, addr), prefix);
    assert.equal(formatIPv4(extractIPv4(addr, p.len)), '192.0.2.33', prefix);
  }
});

test('all six lengths cover every length RFC 6052 defines', () => {
  assert.deepEqual([...RFC6052_LENGTHS], [32, 40, 48, 56, 64, 96]);
});

test('the u-octet (byte 8, bits 64-71) is never used for the IPv4 address', () => {
  const expected = {32: [4, 5, 6, 7], 40: [5, 6, 7, 9], 48: [6, 7, 9, 10], 56: [7, 9, 10, 11], 64: [9, 10, 11, 12], 96: [12, 13, 14, 15]};
  for (const len of RFC6052_LENGTHS) {
    assert.deepEqual(ipv4Offsets(len), expected[len], `/${len}`);
    const out = embedIPv4(parsePool6(len === 96 ? '2001:db8::/96' : `2001:db8::/${len}`), parseIPv4('255.255.255.255'));
    assert.equal(out[8], 0, `/${len} u-octet`);
  }
  assert.throws(() => ipv4Offsets(33), RangeError);
});

test('round trip over varied IPv4 addresses and all lengths', () => {
  const v4s = ['0.0.0.0', '255.255.255.255', '10.1.2.3', '198.51.100.7', '1.0.0.1'];
  const prefixes = ['2001:db8::/32', '2001:db8:aa00::/40', '2001:db8:aabb::/48', '2001:db8:aabb:cc00::/56', '2001:db8:aabb:ccdd::/64', '2001:db8:aabb:ccdd:0:eeff::/96'];
  for (const ptext of prefixes) {
    const p = parsePool6(ptext);
    for (const v of v4s) {
      const a = embedIPv4(p, parseIPv4(v));
      assert.ok(prefixContains(p, a));
      assert.equal(formatIPv4(extractIPv4(a, p.len)), v, `${v} in ${ptext}`);
      // Suffix after the IPv4 address is zero.
      const last = ipv4Offsets(p.len).at(-1);
      assert.ok(a.subarray(last + 1).every((b) => b === 0), `suffix of ${v} in ${ptext}`);
    }
  }
});

test('pool6 validation: lengths', () => {
  for (const len of [0, 8, 16, 24, 31, 33, 36, 63, 65, 72, 95, 97, 120, 128]) {
    const text = len === 0 ? '::/0' : `2001:db8::/${len}`;
    assert.throws(() => parsePool6(text), (e) => e instanceof InputError && e.message ===
      `'${text}' is not a valid pool6 prefix: length must be 32, 40, 48, 56, 64 or 96 (RFC 6052)`, text);
  }
});

test('pool6 validation: u-octet must be zero in a /96', () => {
  for (const text of ['2001:db8:0:0:100::/96', '64:ff9b:0:0:ff00::/96', '2001:db8:0:0:8000::/96', '2001:db8:0:0:1ff:ffff::/96']) {
    assert.throws(() => parsePool6(text), {message: `'${text}' is not a valid pool6 prefix: bits 64-71 (the u-octet) of the prefix must be zero`});
  }
  // Bits 72-95 may be set in a /96 (2001:db8:0:0:1::/96 has byte 8 zero).
  assert.equal(formatPool6(parsePool6('2001:db8:0:0:1::/96')), '2001:db8:0:0:1::/96');
  assert.equal(formatPool6(parsePool6('2001:db8:0:0:ff:ffff::/96')), '2001:db8::ff:ffff:0:0/96');
  // The problem function also guards prefixes built without parsePrefix6.
  const raw = {addr: parseIPv6('2001:db8:0:0:100::'), len: 96};
  assert.match(pool6Problem(raw), /u-octet/);
});

test('pool6 validation: host bits must be zero', () => {
  assert.throws(() => parsePool6('2001:db8::1/96'), {message: "'2001:db8::1/96' is not a valid pool6 prefix: bits after /96 must be zero (did you mean 2001:db8::/96?)"});
  // The length is reported before host bits, the u-octet before host bits.
  assert.throws(() => parsePool6('2001:db8::/8'), /length must be 32, 40, 48, 56, 64 or 96/);
  assert.throws(() => parsePool6('2001:db8:0:0:100::1/96'), /u-octet/);
  assert.throws(() => parsePool6('2001:db8:1::/32'), /bits after \/32 must be zero \(did you mean 2001:db8::\/32\?\)/);
  assert.throws(() => parsePool6('2001:db8:0:1::/56'), /bits after \/56/);
  assert.throws(() => parsePool6('2001:db8:0:0:100::/64'), /bits after \/64/);
  assert.match(pool6Problem({addr: parseIPv6('2001:db8::1'), len: 96}), /bits after \/96 must be zero/);
});

test('pool6 errors are InputErrors with exit code 2', () => {
  try {
    parsePool6('nonsense');
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof XlatError);
    assert.equal(e.exitCode, 2);
    assert.ok(!e.message.includes('\n'));
  }
});

test('pool6: null only where allowed, canonical formatting, Buffer shape', () => {
  assert.equal(parsePool6OrNull('null'), null);
  assert.throws(() => parsePool6('null'), InputError);
  // The words display prints for "unset" come back as null, in any case.
  assert.equal(parsePool6OrNull('NULL'), null);
  assert.equal(parsePool6OrNull('(unset)'), null);
  assert.throws(() => parsePool6OrNull('nul'), InputError);
  const p = parsePool6OrNull('0064:FF9B:0000::/96');
  assert.equal(formatPool6(p), '64:ff9b::/96');
  assert.equal(formatPool6(null), null);
  const b = pool6ToBuffer(p);
  assert.ok(Buffer.isBuffer(b.addr));
  assert.equal(b.addr.length, 16);
  assert.equal(b.len, 96);
  assert.equal(b.addr.toString('hex'), '0064ff9b000000000000000000000000');
  assert.equal(pool6ToBuffer(null), null);
});

test('parsePrefix6 accepts every RFC 6052 table prefix unchanged', () => {
  for (const [prefix] of TABLE) assert.equal(formatPool6(parsePrefix6(prefix)), prefix);
});
