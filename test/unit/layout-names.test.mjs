// The siit_config encoding and counter names (pure logic).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';

const C = (await import(new URL('../../dist/abi/common.js', import.meta.url))).XLAT_COMMON_CONFIG;
const dist = new URL('../../dist/instance/layout.js', import.meta.url);
const skip = existsSync(dist) ? false : 'dist/ is missing: run `npx tsc -p tsconfig.json`';
// any layout version: the encoding only carries it (the real one comes from the object's BTF, src/instance/objects.ts)
const V = 7;

test('counter display names', {skip}, async () => {
  const l = await import(dist);
  assert.equal(l.counterDisplayName('XLAT_C_XLAT_6TO4'), 'xlat-6to4');
  assert.equal(l.counterDisplayName('XLAT_C_PASS_DST6_NOT_POOL6'), 'pass-dst6-not-pool6');
  assert.equal(l.COUNTER_NAMES.length, l.XLAT_C__MAX);
  assert.equal(new Set(l.COUNTER_NAMES).size, l.COUNTER_NAMES.length);
});

test('packet or event: the kind each counter added after the events says in bpf/abi/common.h is the one isPacketCounter gives', async () => {
  const {readFileSync} = await import('node:fs');
  const a = await import(new URL('../../dist/abi/common.js', import.meta.url));
  const h = readFileSync(new URL('../../bpf/abi/common.h', import.meta.url), 'utf8');
  const later = h.slice(h.indexOf('added later, after the events'), h.indexOf('XLAT_C__MAX'));
  const rows = [...later.matchAll(/^\s*(XLAT_C_\w+),\s*\/\*[^,]*,\s*(packet|event)s?\b/gm)];
  assert.ok(rows.length >= 1, 'every counter added later says "packet" or "event" in its comment');
  for (const [, name, kind] of rows) assert.equal(a.isPacketCounter(a.XLAT_COUNTERS.indexOf(name)), kind === 'packet', name);
  assert.equal(rows.length, a.XLAT_C__MAX - a.XLAT_COUNTERS.indexOf('XLAT_C_REASM_EXPIRED') - 1, 'a kind for each');
  assert.equal(a.isPacketCounter(0), true);
  assert.equal(a.isPacketCounter(a.XLAT_C__FIRST_EVENT), false);
});

test('siit_config encode/decode round trip, with the RFC 6052 mask and octet positions', {skip}, async () => {
  const l = await import(dist);
  const addr = Buffer.alloc(16);
  addr.writeUInt32BE(0x20010db8, 0);
  addr[4] = 0x01;
  const cfg = l.defaultSiitConfig({addr, len: 40}, V);
  const b = l.encodeSiitConfig(cfg);
  assert.equal(b.length, l.SIIT_CONFIG.size);
  assert.equal(b.readUInt32LE(0), V);
  assert.equal(b[l.SIIT_CONFIG.c.offset + C.enabled.offset], 1);
  const p = l.SIIT_CONFIG.c.offset + C.pool6.offset;
  assert.deepEqual(b.subarray(p, p + 16), addr);
  assert.equal(b.subarray(p + 16, p + 32).toString('hex'), 'ff'.repeat(5) + '00'.repeat(11), 'mask of a /40');
  assert.deepEqual([...b.subarray(p + 32, p + 36)], [5, 6, 7, 9], 'octets of a /40 skip the u-octet');
  assert.equal(b[p + 36], 40);
  assert.deepEqual(l.decodeSiitConfig(b), cfg);
  assert.equal(l.decodeSiitConfig(l.encodeSiitConfig({...cfg, pool6: null, enabled: false})).pool6, null);
});

test('siit_config: every member at its offset (defaults, then every field set)', {skip}, async () => {
  const l = await import(dist);
  const o = l.SIIT_CONFIG;
  const d = l.encodeSiitConfig(l.defaultSiitConfig(null, V));
  assert.equal(d[(o.c.offset + C.enabled.offset)], 1);
  assert.equal(d[(o.c.offset + C.zeroize_tc.offset)], 0);
  assert.equal(d[(o.c.offset + C.override_tos.offset)], 0);
  assert.equal(d[(o.c.offset + C.tos.offset)], 0);
  assert.equal(d[o.amend_udp_zero.offset], 0);
  assert.equal(d[o.eam_hairpin.offset], 2, 'intrinsic');
  assert.equal(d[o.randomize_6791.offset], 1);
  assert.equal(d[o.rfc6791v4_len.offset], 0);
  assert.equal(d[o.rfc6791v6_len.offset], 0);
  assert.equal(d.readUInt16LE((o.c.offset + C.lowest_ipv6_mtu.offset)), 1280);
  assert.equal(d[o.tables.offset], 0, 'no optional table in use');
  const plateaus = [];
  for (let i = 0; i < 16; i++) plateaus.push(d.readUInt16LE((o.c.offset + C.mtu_plateaus.offset) + 2 * i));
  assert.deepEqual(plateaus, [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68, 0, 0, 0, 0, 0]);

  const v6 = Buffer.from('20010db8000000000000000000000000', 'hex');
  const cfg = {
    version: V,
    enabled: false,
    pool6: null,
    zeroizeTrafficClass: true,
    overrideTos: true,
    tos: 0xb8,
    amendUdpChecksumZero: true,
    eamHairpinMode: 'simple',
    randomizeRfc6791: false,
    rfc6791v4: {addr: Buffer.from([203, 0, 113, 8]), len: 32},
    rfc6791v6: {addr: v6, len: 32},
    lowestIpv6Mtu: 1402,
    mtuPlateaus: [9000, 1500],
    tables: l.SIIT_T.EAMT | l.SIIT_T.REDIRECT,
  };
  const b = l.encodeSiitConfig(cfg);
  assert.equal(b[o.tables.offset], 5);
  assert.equal(b[(o.c.offset + C.enabled.offset)], 0);
  assert.equal(b[(o.c.offset + C.zeroize_tc.offset)], 1);
  assert.equal(b[(o.c.offset + C.override_tos.offset)], 1);
  assert.equal(b[(o.c.offset + C.tos.offset)], 0xb8);
  assert.equal(b[o.amend_udp_zero.offset], 1);
  assert.equal(b[o.eam_hairpin.offset], 1);
  assert.equal(b[o.randomize_6791.offset], 0);
  assert.equal(b[o.rfc6791v4_len.offset], 32);
  assert.deepEqual([...b.subarray(o.rfc6791v4.offset, o.rfc6791v4.offset + 4)], [203, 0, 113, 8], 'network order');
  assert.equal(b[o.rfc6791v6_len.offset], 32);
  assert.deepEqual(b.subarray(o.rfc6791v6.offset, o.rfc6791v6.offset + 16), v6);
  assert.equal(b.readUInt16LE((o.c.offset + C.lowest_ipv6_mtu.offset)), 1402, 'host order');
  assert.equal(b.readUInt16LE((o.c.offset + C.mtu_plateaus.offset)), 9000);
  assert.equal(b.readUInt16LE((o.c.offset + C.mtu_plateaus.offset) + 2), 1500);
  assert.equal(b.readUInt16LE((o.c.offset + C.mtu_plateaus.offset) + 4), 0, '0 after the last');
  assert.deepEqual(l.decodeSiitConfig(b), cfg);
  for (const mode of ['off', 'simple', 'intrinsic']) {
    assert.equal(l.decodeSiitConfig(l.encodeSiitConfig({...cfg, eamHairpinMode: mode})).eamHairpinMode, mode);
  }
});

test('partial siit_config input takes the defaults', {skip}, async () => {
  const l = await import(dist);
  const b = l.encodeSiitConfig({version: V, enabled: true, pool6: null});
  assert.deepEqual(l.decodeSiitConfig(b), l.defaultSiitConfig(null, V));
});

test('LPM keys and EAMT entries', {skip}, async () => {
  const l = await import(dist);
  const k = l.encodeLpmKey(Uint8Array.from([192, 0, 2, 0]), 24);
  assert.equal(k.length, l.LPM4_KEY.size);
  assert.equal(k.toString('hex'), '18000000c0000200', 'prefixlen in host order, then the address');
  assert.deepEqual(l.decodeLpmKey(k), {addr: Buffer.from([192, 0, 2, 0]), len: 24});
  assert.equal(l.encodeLpmKey(new Uint8Array(16), 120).length, l.LPM6_KEY.size);
  const e = {v6: Buffer.from('20010db8000000000000000000000000', 'hex'), v6Len: 120, v4: Buffer.from([192, 0, 2, 0]), v4Len: 24};
  const b = l.encodeEamtEntry(e);
  assert.equal(b.length, l.EAMT_ENTRY.size);
  assert.equal(b[l.EAMT_ENTRY.v6_len.offset], 120);
  assert.equal(b[l.EAMT_ENTRY.v4_len.offset], 24);
  assert.deepEqual(l.decodeEamtEntry(b), e);
});
