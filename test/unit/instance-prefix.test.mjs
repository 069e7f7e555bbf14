// IPv6 text helpers of the instance manager.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import net from 'node:net';

const dist = new URL('../../dist/instance/prefix.js', import.meta.url);
const skip = existsSync(dist) ? false : 'dist/ is missing: run `npx tsc -p tsconfig.json`';

function bytes(text) {
  // expand with node's URL parser-free approach: SocketAddress is not needed, parse by hand
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const words = tail === null ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(parseInt(w, 16), i * 2));
  return b;
}

test('formatIpv6 follows RFC 5952', {skip}, async () => {
  const {formatIpv6} = await import(dist);
  for (const [inp, out] of [
    ['64:ff9b::', '64:ff9b::'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:aaaa:bbbb:cccc:dddd:eeee:1', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:1'],
  ]) {
    assert.equal(formatIpv6(bytes(inp)), out);
    assert.ok(net.isIPv6(out));
  }
});

test('maskIpv6, formatIpv6Prefix, ipv4Bytes', {skip}, async () => {
  const {maskIpv6, formatIpv6Prefix, ipv4Bytes} = await import(dist);
  assert.equal(formatIpv6Prefix({addr: maskIpv6(bytes('2001:db8:ffff:ffff::1'), 40), len: 40}), '2001:db8:ff00::/40');
  assert.deepEqual(ipv4Bytes('192.0.2.1'), Buffer.from([192, 0, 2, 1]));
  assert.equal(ipv4Bytes('192.0.2'), null);
  assert.equal(ipv4Bytes('192.0.2.256'), null);
});
