// IPv6 parsing (RFC 4291 2.2) and RFC 5952 formatting (src/model/ipv6.ts).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {formatIPv6, formatPrefix6, ipv6Problem, parseIPv6, parsePrefix6, prefix6Equal} from '../../dist/model/ipv6.js';
import {InputError} from '../../dist/errors.js';

const hex = (a) => Buffer.from(a).toString('hex');

test('parses the RFC 4291 text forms', () => {
  assert.equal(hex(parseIPv6('::')), '0'.repeat(32));
  assert.equal(hex(parseIPv6('::1')), '0'.repeat(31) + '1');
  assert.equal(hex(parseIPv6('1::')), '0001' + '0'.repeat(28));
  assert.equal(hex(parseIPv6('2001:DB8:0:0:8:800:200C:417A')), '20010db8000000000008080020 0c417a'.replace(' ', ''));
  assert.equal(hex(parseIPv6('2001:db8::8:800:200c:417a')), '20010db80000000000080800200c417a');
  assert.equal(hex(parseIPv6('0:0:0:0:0:0:13.1.68.3')), '0'.repeat(24) + '0d014403');
  assert.equal(hex(parseIPv6('::ffff:129.144.52.38')), '0'.repeat(20) + 'ffff81903426');
  assert.equal(hex(parseIPv6('1:2:3:4:5:6:7:8')), '00010002000300040005000600070008');
  assert.equal(hex(parseIPv6('1:2:3:4:5:6:7::')), '00010002000300040005000600070000');
  assert.equal(hex(parseIPv6('::2:3:4:5:6:7:8')), '00000002000300040005000600070008');
});

test('rejects malformed addresses with a one-line reason', () => {
  const bad = {
    '': 'it is empty',
    ':': "empty group",
    ':::': "'::' may appear only once",
    '1::2::3': "'::' may appear only once",
    '1:2:3:4:5:6:7': 'expected 8 groups, found 7',
    '1:2:3:4:5:6:7:8:9': 'too many groups',
    '1:2:3:4:5:6:7:8::': "too many groups for '::'",
    '1::2:3:4:5:6:7:8': "too many groups for '::'",
    '12345::': "group '12345' has more than 4 hex digits",
    'g::': "invalid character 'g'",
    'fe80::1%eth0': 'zone indexes',
    ':1:2:3:4:5:6:7': 'empty group',
    '1:2:3:4:5:6:7:': 'empty group',
    '::1.2.3.4:5': "embedded IPv4 address '1.2.3.4' must be at the end",
    '1.2.3.4::': "must be at the end",
    '::1.2.3': 'embedded IPv4 address',
    '::1.2.3.256': 'greater than 255',
    '::01.2.3.4': 'leading zero',
    '1:2:3:4:5:6:7:1.2.3.4': 'too many groups',
    ' ::1': 'invalid character',
    '2001:db8::/64': "invalid character '/'",
  };
  for (const [text, reason] of Object.entries(bad)) {
    const problem = ipv6Problem(text);
    assert.ok(problem !== null && problem.includes(reason), `${JSON.stringify(text)}: got ${problem}`);
    assert.throws(() => parseIPv6(text), (e) => e instanceof InputError && e.message.startsWith(`'${text}' is not a valid IPv6 address: `) && !e.message.includes('\n'));
  }
});

test('formats per RFC 5952', () => {
  const cases = {
    '2001:0db8:0000:0000:0001:0000:0000:0001': '2001:db8::1:0:0:1', // first of two equal runs
    '2001:db8:0:0:1:0:0:0': '2001:db8:0:0:1::', // longest run wins
    '2001:db8:0:1:1:1:1:1': '2001:db8:0:1:1:1:1:1', // a single zero group is not compressed
    '2001:DB8::AbCd': '2001:db8::abcd',
    '0:0:0:0:0:0:0:0': '::',
    '0:0:0:0:0:0:0:1': '::1',
    '1:0:0:0:0:0:0:0': '1::',
    '2001:db8:0:0:0:0:2:1': '2001:db8::2:1',
    '::ffff:c000:221': '::ffff:192.0.2.33', // IPv4-mapped: mixed notation (RFC 5952 section 5)
    '64:ff9b::192.0.2.33': '64:ff9b::c000:221',
    '0:1:0:0:0:1:0:0': '0:1::1:0:0',
  };
  for (const [input, want] of Object.entries(cases)) assert.equal(formatIPv6(parseIPv6(input)), want, input);
  assert.throws(() => formatIPv6(new Uint8Array(4)), RangeError);
});

test('format/parse round trip on random addresses', () => {
  for (let i = 0; i < 2000; i++) {
    const a = new Uint8Array(16);
    for (let j = 0; j < 16; j++) a[j] = Math.random() < 0.5 ? 0 : Math.floor(Math.random() * 256);
    const text = formatIPv6(a);
    assert.deepEqual(parseIPv6(text), a, text);
    assert.equal(formatIPv6(parseIPv6(text)), text);
  }
});

test('prefixes: parse, validate and format', () => {
  assert.equal(formatPrefix6(parsePrefix6('2001:0DB8:0::/32')), '2001:db8::/32');
  assert.equal(formatPrefix6(parsePrefix6('::/0')), '::/0');
  assert.equal(formatPrefix6(parsePrefix6('2001:db8::1/128')), '2001:db8::1/128');
  assert.ok(prefix6Equal(parsePrefix6('64:ff9b::/96'), parsePrefix6('64:ff9b:0::0/96')));
  assert.ok(!prefix6Equal(parsePrefix6('64:ff9b::/96'), parsePrefix6('64:ff9b::/64')));
  const bad = {
    '2001:db8::/129': 'length must be 0-128',
    '2001:db8::/': 'length must be 0-128',
    '2001:db8::/-1': 'length must be 0-128',
    '2001:db8::/096': 'length must be 0-128',
    '2001:db8::/9x': 'length must be 0-128',
    '2001:db8::/32/32': 'length must be 0-128',
    '2001:db8::': 'expected ADDRESS/LENGTH, e.g. 64:ff9b::/96',
    'zz::/96': "'zz::' is not an IPv6 address (invalid character 'z')",
    '/96': "'' is not an IPv6 address (it is empty)",
    '2001:db8::1/64': 'bits after /64 must be zero (did you mean 2001:db8::/64?)',
    '2001:db8:4000::/33': 'bits after /33 must be zero (did you mean 2001:db8::/33?)',
    '2001:db8:8000::/32': 'bits after /32 must be zero (did you mean 2001:db8::/32?)',
    '192.0.2.0/24': "'192.0.2.0' is not an IPv6 address (it is an IPv4 address)",
    'abcd/16': "'abcd' is not an IPv6 address (it has no ':')",
  };
  for (const [text, reason] of Object.entries(bad)) {
    assert.throws(() => parsePrefix6(text), (e) => e instanceof InputError && e.message === `'${text}' is not a valid IPv6 prefix: ${reason}` || assert.fail(`${text}: ${e.message}`), text);
  }
});

test('the exact message the brief asks for', () => {
  assert.throws(() => parsePrefix6('2001:db8::/129'), {message: "'2001:db8::/129' is not a valid IPv6 prefix: length must be 0-128"});
});
