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

test('siit_config encode/decode round trip', {skip}, async () => {
  const l = await import(dist);
  const addr = Buffer.alloc(16);
  addr.writeUInt32BE(0x0064ff9b, 0);
  const cfg = {version: 1, enabled: true, pool6: {addr, len: 96}, hook: 2};
  const b = l.encodeSiitConfig(cfg);
  assert.equal(b.length, l.SIIT_CONFIG.size);
  assert.equal(b.readUInt32LE(0), 1);
  assert.equal(b[4], 1);
  assert.equal(b[5], 96);
  assert.equal(b[6], 2);
  assert.deepEqual(b.subarray(8, 24), addr);
  assert.deepEqual(l.decodeSiitConfig(b), cfg);
  assert.equal(l.decodeSiitConfig(l.encodeSiitConfig({...cfg, pool6: null, enabled: false})).pool6, null);
});
