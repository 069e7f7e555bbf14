// The siit_config encoding and counter names (pure logic).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';

const dist = new URL('../../dist/instance/layout.js', import.meta.url);
const skip = existsSync(dist) ? false : 'dist/ is missing: run `npx tsc -p tsconfig.json`';

test('counter display names', {skip}, async () => {
  const l = await import(dist);
  assert.equal(l.counterDisplayName('XLAT_C_XLAT_6TO4'), 'xlat-6to4');
  assert.equal(l.counterDisplayName('XLAT_C_PASS_DST6_NOT_POOL6'), 'pass-dst6-not-pool6');
  assert.equal(l.COUNTER_NAMES.length, l.XLAT_C__MAX);
  assert.equal(new Set(l.COUNTER_NAMES).size, l.COUNTER_NAMES.length);
});

test('siit_config encode/decode round trip, with the RFC 6052 mask and octet positions', {skip}, async () => {
  const l = await import(dist);
  const addr = Buffer.alloc(16);
  addr.writeUInt32BE(0x20010db8, 0);
  addr[4] = 0x01;
  const cfg = {version: 2, enabled: true, pool6: {addr, len: 40}};
  const b = l.encodeSiitConfig(cfg);
  assert.equal(b.length, l.SIIT_CONFIG.size);
  assert.equal(b.readUInt32LE(0), 2);
  assert.equal(b[4], 1);
  const p = l.SIIT_CONFIG.pool6.offset;
  assert.deepEqual(b.subarray(p, p + 16), addr);
  assert.equal(b.subarray(p + 16, p + 32).toString('hex'), 'ff'.repeat(5) + '00'.repeat(11), 'mask of a /40');
  assert.deepEqual([...b.subarray(p + 32, p + 36)], [5, 6, 7, 9], 'octets of a /40 skip the u-octet');
  assert.equal(b[p + 36], 40);
  assert.deepEqual(l.decodeSiitConfig(b), cfg);
  assert.equal(l.decodeSiitConfig(l.encodeSiitConfig({...cfg, pool6: null, enabled: false})).pool6, null);
});
