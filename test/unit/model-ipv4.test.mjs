// IPv4 parsing/formatting and interface, namespace and global-key validation.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {formatIPv4, formatPrefix4, hostBitsZero, maskAddress, parseIPv4, parsePrefix4} from '../../dist/model/ipv4.js';
import {validateIfname, validateIfnames, validateNetnsName} from '../../dist/model/names.js';
import {parseSiitGlobalChange} from '../../dist/model/siit-config.js';
import {formatPrefix6} from '../../dist/model/ipv6.js';
import {InputError} from '../../dist/errors.js';

test('IPv4 addresses', () => {
  assert.deepEqual([...parseIPv4('192.0.2.33')], [192, 0, 2, 33]);
  assert.equal(formatIPv4(parseIPv4('0.0.0.0')), '0.0.0.0');
  assert.equal(formatIPv4(parseIPv4('255.255.255.255')), '255.255.255.255');
  const bad = {
    '': 'it is empty',
    '1.2.3': 'expected 4 dot-separated octets, found 3',
    '1.2.3.4.5': 'expected 4 dot-separated octets, found 5',
    '1..3.4': 'octet 2 is empty',
    '1.2.3.256': "octet '256' is greater than 255",
    '1.2.3.1000': "octet '1000' is greater than 255",
    '01.2.3.4': "octet '01' has a leading zero",
    '0x1.2.3.4': "octet '0x1' is not a decimal number",
    '1.2.3.-4': "octet '-4' is not a decimal number",
    '1.2.3.4 ': "octet '4 ' is not a decimal number",
  };
  for (const [text, reason] of Object.entries(bad)) {
    assert.throws(() => parseIPv4(text), (e) => e instanceof InputError && e.message === `'${text}' is not a valid IPv4 address: ${reason}` || assert.fail(`${text}: ${e.message}`));
  }
});

test('IPv4 prefixes', () => {
  assert.equal(formatPrefix4(parsePrefix4('192.0.2.0/24')), '192.0.2.0/24');
  assert.equal(formatPrefix4(parsePrefix4('0.0.0.0/0')), '0.0.0.0/0');
  assert.equal(formatPrefix4(parsePrefix4('192.0.2.1', {allowBare: true})), '192.0.2.1/32');
  assert.throws(() => parsePrefix4('192.0.2.1'), /expected ADDRESS\/LENGTH/);
  assert.throws(() => parsePrefix4('192.0.2.0/33'), {message: "'192.0.2.0/33' is not a valid IPv4 prefix: length must be 0-32"});
  assert.throws(() => parsePrefix4('192.0.2.1/24'), {message: "'192.0.2.1/24' is not a valid IPv4 prefix: bits after /24 must be zero (did you mean 192.0.2.0/24?)"});
  assert.ok(hostBitsZero(Uint8Array.of(192, 0, 2, 128), 25));
  assert.ok(!hostBitsZero(Uint8Array.of(192, 0, 2, 64), 25));
  assert.deepEqual([...maskAddress(Uint8Array.of(255, 255, 255, 255), 20)], [255, 255, 240, 0]);
});

test('interface names', () => {
  assert.equal(validateIfname('eth0'), 'eth0');
  assert.equal(validateIfname('a'.repeat(15)), 'a'.repeat(15));
  assert.throws(() => validateIfname('a'.repeat(16)), {message: `'${'a'.repeat(16)}' is not a valid interface name: it is longer than 15 bytes`});
  assert.throws(() => validateIfname(''), /it is empty/);
  assert.throws(() => validateIfname('a/b'), /contains '\/'/);
  assert.throws(() => validateIfname('a b'), /whitespace/);
  assert.throws(() => validateIfname('..'), InputError);
  assert.throws(() => validateIfnames(['eth0', 'eth1', 'eth0']), {message: "interface 'eth0' is listed twice"});
});

test('namespace names', () => {
  assert.equal(validateNetnsName('red'), 'red');
  assert.throws(() => validateNetnsName('../etc'), {message: "'../etc' is not a valid network namespace name: it contains '/'"});
  assert.throws(() => validateNetnsName('.'), InputError);
  assert.throws(() => validateNetnsName(''), InputError);
});

test('global update keys and values', () => {
  assert.deepEqual(parseSiitGlobalChange('manually-enabled', 'true'), {key: 'manually-enabled', value: true});
  assert.deepEqual(parseSiitGlobalChange('manually-enabled', 'false'), {key: 'manually-enabled', value: false});
  assert.deepEqual(parseSiitGlobalChange('manually-enabled', 'yes'), {key: 'manually-enabled', value: true});
  assert.deepEqual(parseSiitGlobalChange('pool6', 'null'), {key: 'pool6', value: null});
  const u = parseSiitGlobalChange('pool6', '2001:db8:100::/40');
  assert.equal(formatPrefix6(u.value), '2001:db8:100::/40');
  assert.throws(() => parseSiitGlobalChange('pool4', '1'), /'pool4' is not a SIIT global key: expected one of manually-enabled, pool6, /);
  assert.throws(() => parseSiitGlobalChange('manually-enabled', 'perhaps'), {message: "'perhaps' is not a valid value for manually-enabled: expected true or false (also yes/no, on/off, 1/0)"});
  assert.throws(() => parseSiitGlobalChange('pool6', '2001:db8::/33'), /not a valid pool6 prefix/);
});
