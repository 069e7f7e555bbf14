// SIIT global keys: value parsing and validation, display form (pure logic).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {parseSiitGlobalChange, changeView, globalsPairs, parseMtuPlateaus, SIIT_ALL_GLOBAL_KEYS} from '../../dist/model/siit-config.js';

const P = (k, v) => changeView(parseSiitGlobalChange(k, v));

test('booleans: true/false, yes/no, on/off, 1/0, in any case (as Jool)', () => {
  for (const k of ['manually-enabled', 'zeroize-traffic-class', 'override-tos', 'amend-udp-checksum-zero', 'randomize-rfc6791-addresses']) {
    for (const t of ['true', '1', 'yes', 'on', 'TRUE', 'Yes', 'ON']) assert.equal(P(k, t), true, t);
    for (const f of ['false', '0', 'no', 'off', 'False', 'NO', 'Off']) assert.equal(P(k, f), false, f);
    assert.throws(() => parseSiitGlobalChange(k, 'maybe'), {message: `'maybe' is not a valid value for ${k}: expected true or false (also yes/no, on/off, 1/0)`});
    assert.throws(() => parseSiitGlobalChange(k, '2'), /expected true or false/);
    assert.throws(() => parseSiitGlobalChange(k, ''), /expected true or false/);
  }
});

test('what global display prints parses back: (unset) prefixes, plateaus as a list', () => {
  for (const k of ['pool6', 'rfc6791v4-prefix', 'rfc6791v6-prefix']) assert.equal(parseSiitGlobalChange(k, '(unset)').value, null, k);
  assert.deepEqual(parseSiitGlobalChange('mtu-plateaus', '65535,32000,1500').value, [65535, 32000, 1500]);
});

test('numbers: tos 0-255, lowest-ipv6-mtu 1280-65535', () => {
  assert.equal(P('tos', '0'), 0);
  assert.equal(P('tos', '255'), 255);
  assert.throws(() => parseSiitGlobalChange('tos', '256'), {message: "'256' is not a valid value for tos: expected an integer from 0 to 255"});
  assert.throws(() => parseSiitGlobalChange('tos', '-1'), /expected an integer from 0 to 255/);
  assert.throws(() => parseSiitGlobalChange('tos', '0x10'), /expected an integer/);
  assert.equal(P('lowest-ipv6-mtu', '1280'), 1280);
  assert.equal(P('lowest-ipv6-mtu', '65535'), 65535);
  assert.throws(() => parseSiitGlobalChange('lowest-ipv6-mtu', '1279'), {message: "'1279' is not a valid value for lowest-ipv6-mtu: expected an integer from 1280 to 65535"});
  assert.throws(() => parseSiitGlobalChange('lowest-ipv6-mtu', '65536'), /from 1280 to 65535/);
});

test('mtu-plateaus: sorted descending, unique, 68-65535, at most 16', () => {
  assert.deepEqual(parseMtuPlateaus('1280,9000,1500,1500'), [9000, 1500, 1280]);
  assert.deepEqual(parseMtuPlateaus('68'), [68]);
  assert.deepEqual(parseMtuPlateaus(' 1500 , 576 '), [1500, 576]);
  assert.throws(() => parseMtuPlateaus('67,1500'), {message: "'67' is not a valid value in mtu-plateaus: every MTU must be an integer from 68 to 65535"});
  assert.throws(() => parseMtuPlateaus('65536'), /from 68 to 65535/);
  assert.throws(() => parseMtuPlateaus('1500,,1280'), /separated by commas/);
  assert.throws(() => parseMtuPlateaus(''), /separated by commas/);
  assert.throws(() => parseMtuPlateaus('abc'), /'abc' is not a valid value in mtu-plateaus/);
  const seventeen = Array.from({length: 17}, (_, i) => 100 + i).join(',');
  assert.throws(() => parseMtuPlateaus(seventeen), {message: 'mtu-plateaus holds at most 16 different values, not 17'});
  assert.equal(parseMtuPlateaus(`${seventeen},100`.replace('116,', '')).length, 16);
});

test('eam-hairpin-mode: names and numbers', () => {
  assert.equal(P('eam-hairpin-mode', 'off'), 'off');
  assert.equal(P('eam-hairpin-mode', 'simple'), 'simple');
  assert.equal(P('eam-hairpin-mode', 'intrinsic'), 'intrinsic');
  assert.equal(P('eam-hairpin-mode', '0'), 'off');
  assert.equal(P('eam-hairpin-mode', '2'), 'intrinsic');
  assert.throws(() => parseSiitGlobalChange('eam-hairpin-mode', 'on'), {message: "'on' is not a valid value for eam-hairpin-mode: expected off, simple or intrinsic"});
});

test('prefixes: pool6 (RFC 6052), rfc6791v4/v6 (bare address = full length, null unsets)', () => {
  assert.equal(P('pool6', '64:ff9b::/96'), '64:ff9b::/96');
  assert.equal(P('pool6', 'null'), null);
  assert.throws(() => parseSiitGlobalChange('pool6', '64:ff9b::/95'), /not a valid pool6 prefix: length must be/);
  assert.equal(P('rfc6791v4-prefix', '203.0.113.8'), '203.0.113.8/32');
  assert.equal(P('rfc6791v4-prefix', '203.0.113.0/24'), '203.0.113.0/24');
  assert.equal(P('rfc6791v4-prefix', 'null'), null);
  assert.throws(() => parseSiitGlobalChange('rfc6791v4-prefix', '203.0.113.1/24'), /bits after \/24 must be zero/);
  assert.throws(() => parseSiitGlobalChange('rfc6791v4-prefix', '0.0.0.0/0'), /a \/0 prefix cannot be stored/);
  assert.throws(() => parseSiitGlobalChange('rfc6791v4-prefix', '2001:db8::/64'), /not a valid IPv4 prefix/);
  assert.equal(P('rfc6791v6-prefix', '2001:db8:ffff::/64'), '2001:db8:ffff::/64');
  assert.equal(P('rfc6791v6-prefix', '2001:db8::1'), '2001:db8::1/128');
  assert.equal(P('rfc6791v6-prefix', 'null'), null);
  assert.throws(() => parseSiitGlobalChange('rfc6791v6-prefix', '192.0.2.0/24'), /not a valid IPv6/);
});

test('unknown keys list every key', () => {
  assert.throws(() => parseSiitGlobalChange('pool4', '1'), {message: `'pool4' is not a SIIT global key: expected one of ${SIIT_ALL_GLOBAL_KEYS.join(', ')}`});
  assert.equal(SIIT_ALL_GLOBAL_KEYS.length, 12);
});

test('display pairs: Jool order and text', () => {
  const pairs = globalsPairs({
    'manually-enabled': true,
    pool6: null,
    'lowest-ipv6-mtu': 1280,
    'zeroize-traffic-class': false,
    'override-tos': false,
    tos: 0,
    'mtu-plateaus': [1500, 1280],
    'amend-udp-checksum-zero': false,
    'eam-hairpin-mode': 'intrinsic',
    'randomize-rfc6791-addresses': true,
    'rfc6791v6-prefix': null,
    'rfc6791v4-prefix': '203.0.113.8/32',
  });
  assert.deepEqual(pairs.map(([k]) => k), [...SIIT_ALL_GLOBAL_KEYS]);
  assert.deepEqual(Object.fromEntries(pairs), {
    'manually-enabled': 'true',
    pool6: '(unset)',
    'lowest-ipv6-mtu': '1280',
    'zeroize-traffic-class': 'false',
    'override-tos': 'false',
    tos: '0',
    'mtu-plateaus': '1500,1280',
    'amend-udp-checksum-zero': 'false',
    'eam-hairpin-mode': 'intrinsic',
    'randomize-rfc6791-addresses': 'true',
    'rfc6791v6-prefix': '(unset)',
    'rfc6791v4-prefix': '203.0.113.8/32',
  });
});
