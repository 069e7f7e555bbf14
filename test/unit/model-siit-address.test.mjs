// `siit address query`: the data plane's address rules in TypeScript (pure logic).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {queryAddress, parseQueryAddress, renderAddressQuery, reservedIPv4} from '../../dist/model/siit-address.js';
import {parseEamEntry} from '../../dist/model/siit-eamt.js';
import {parsePrefix6} from '../../dist/model/ipv6.js';
import {parsePrefix4, parseIPv4} from '../../dist/model/ipv4.js';

const tables = {
  pool6: parsePrefix6('2001:db8:100::/40'),
  eamt: [parseEamEntry('2001:db8:3::/120', '1.0.0.0/24'), parseEamEntry('2001:db8:2::/120', '10.0.0.0/24'), parseEamEntry('2001:db8:3::7', '1.0.0.77')],
  denylist4: [parsePrefix4('198.51.100.0/24')],
  local4: [parseIPv4('192.0.2.1')],
};
const Q = (text, t = tables) => {
  const {family, addr} = parseQueryAddress(text);
  return queryAddress(t, family, addr);
};

test('IPv4 -> IPv6: EAMT (longest prefix) before pool6', () => {
  const a = Q('10.0.0.5');
  assert.equal(a.result, '2001:db8:2::5');
  assert.equal(a.method, 'eamt');
  assert.deepEqual(a.eam, {'ipv6-prefix': '2001:db8:2::/120', 'ipv4-prefix': '10.0.0.0/24'});
  assert.equal(Q('1.0.0.77').result, '2001:db8:3::7');
  assert.equal(Q('1.0.0.76').result, '2001:db8:3::4c');
  const p = Q('203.0.113.9');
  assert.equal(p.method, 'rfc6052');
  assert.equal(p.pool6, '2001:db8:100::/40');
  assert.equal(p.result, '2001:db8:1cb:71:9::');
});

test('IPv6 -> IPv4: EAMT, then pool6', () => {
  assert.equal(Q('2001:db8:2::5').result, '10.0.0.5');
  assert.equal(Q('2001:db8:3::7').result, '1.0.0.77');
  const p = Q('2001:db8:1cb:71:9::');
  assert.equal(p.method, 'rfc6052');
  assert.equal(p.result, '203.0.113.9');
});

test('untranslatable: outside pool6, no pool6, denylisted, reserved', () => {
  assert.match(Q('2001:db9::1').reason, /outside pool6 2001:db8:100::\/40/);
  assert.equal(Q('2001:db9::1').result, null);
  assert.match(Q('2001:db9::1', {...tables, pool6: null}).reason, /pool6 is unset/);
  assert.match(Q('203.0.113.9', {...tables, pool6: null}).reason, /pool6 is unset/);
  assert.match(Q('198.51.100.3').reason, /in denylist4 198\.51\.100\.0\/24/);
  assert.match(Q('2001:db8:1c6:3364:3::').reason, /its IPv4 form 198\.51\.100\.3 .* is in denylist4/);
  assert.match(Q('127.0.0.1').reason, /reserved: 127\.0\.0\.0\/8/);
  assert.match(Q('224.0.0.5').reason, /multicast/);
  assert.match(Q('2001:db8:17f:0:1::').reason, /its IPv4 form 127\.0\.0\.1 is reserved/);
  // denylist4 does not affect the EAMT.
  assert.equal(Q('198.51.100.3', {...tables, eamt: [parseEamEntry('2001:db8:9::/120', '198.51.100.0/24')]}).result, '2001:db8:9::3');
});

test('notes: the namespace\'s own IPv4 address', () => {
  assert.match(Q('192.0.2.1').notes[0], /address of this namespace/);
  assert.equal(Q('192.0.2.2').notes.length, 0);
});

test('Jool-style text', () => {
  assert.equal(
    renderAddressQuery(Q('10.0.0.5')),
    '  Query: 10.0.0.5\n  Scheme: EAMT\n    EAM: 2001:db8:2::/120 | 10.0.0.0/24\n  Operation: 10.0.0.5 - 10.0.0.0/24 + 2001:db8:2::/120 = 2001:db8:2::5\n  Result: 2001:db8:2::5',
  );
  assert.equal(
    renderAddressQuery(Q('2001:db8:1cb:71:9::')),
    '  Query: 2001:db8:1cb:71:9::\n  Scheme: RFC 6052 prefix\n    Prefix: 2001:db8:100::/40\n  Operation: 2001:db8:1cb:71:9:: - 2001:db8:100::/40 = 203.0.113.9\n  Result: 203.0.113.9',
  );
  assert.match(renderAddressQuery(Q('127.0.0.1')), /Result: untranslatable: it is reserved/);
});

test('query input and reserved blocks', () => {
  assert.throws(() => parseQueryAddress('10.0.0.0/8'), /not an IPv6 or IPv4 address/);
  assert.throws(() => parseQueryAddress('2001:db8::/64'), /not a valid IPv6 address/);
  assert.equal(reservedIPv4(parseIPv4('8.8.8.8')), null);
  assert.match(reservedIPv4(parseIPv4('0.1.2.3')), /this network/);
  assert.match(reservedIPv4(parseIPv4('169.254.1.1')), /link-local/);
  assert.match(reservedIPv4(parseIPv4('255.255.255.255')), /broadcast/);
  assert.match(reservedIPv4(parseIPv4('240.0.0.1')), /reserved/);
});
