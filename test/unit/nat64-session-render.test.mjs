// The streamed session listing (SessionFormatter.renderRaw): raw nat64_sessions chunks rendered straight to
// bytes must equal, byte for byte, the per-session views (text/csv) and toJson({sessions}) of the JSON objects;
// ipv6Text must equal formatIPv6 (RFC 5952) on every pattern of zero groups.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';

const d = (p) => new URL(`../../dist/${p}`, import.meta.url);
const skip = existsSync(d('model/nat64-render.js')) ? false : 'dist/ is missing: run `npx tsc -p tsconfig.json`';

function rng(seed) {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

test('ipv6Text equals formatIPv6 for every set of zero groups', {skip}, async () => {
  const {ipv6Text} = await import(d('model/nat64-render.js'));
  const {formatIPv6} = await import(d('model/ipv6.js'));
  const rand = rng(7);
  const buf = new Uint8Array(40);
  for (let mask = 0; mask < 256; mask++) {
    for (let rep = 0; rep < 20; rep++) {
      const o = rep % 3; // at an offset too
      for (let i = 0; i < 8; i++) {
        const w = mask & (1 << i) ? 0 : rep === 1 ? 1 : 1 + Math.floor(rand() * 65535);
        buf[o + 2 * i] = w >> 8;
        buf[o + 2 * i + 1] = w & 255;
      }
      const a = buf.subarray(o, o + 16);
      assert.equal(ipv6Text(buf, o), formatIPv6(a), `mask ${mask}`);
    }
  }
  const mapped = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 192, 0, 2, 1]);
  assert.equal(ipv6Text(mapped), '::ffff:192.0.2.1');
  assert.equal(ipv6Text(new Uint8Array(16)), '::');
});

/**
 * Raw chunk: keys and values end to end, as bpf_map_lookup_batch returns them, written with the layout mirror
 * of src/instance/nat64/layout.ts (checked against BTF) so that renderRaw's offsets are checked too.
 */
async function chunk(sessions) {
  const L = await import(d('instance/nat64/layout.js'));
  const K = L.NAT64_SESSION_KEY.size;
  const V = L.NAT64_SESSION.size;
  const keys = Buffer.alloc(sessions.length * K);
  const values = Buffer.alloc(sessions.length * V);
  const be = (n) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  sessions.forEach((s, i) => {
    L.encodeSessionKey({local4: be(s.local4), remote4: be(s.remote4), lport: s.lport, rport: s.rport, proto: s.proto}, keys, i * K);
    L.encodeSession({addr6: Buffer.from(s.addr6), port6: s.port6, state: s.state, expires: s.expires}, values, i * V);
  });
  return {keys, values};
}

/** What scanSessions (src/instance/nat64/instance.ts) hands over for the same chunk: the reference decoding. */
function reference(sessions, proto, now) {
  const out = [];
  for (const s of sessions) {
    if (s.proto !== proto) continue;
    const left = s.expires - now;
    if (left <= 0n) continue;
    out.push({...s, remainingMs: Number(left / 1_000_000n)});
  }
  return out;
}

function makeSessions(n, seed, now) {
  const rand = rng(seed);
  const protos = [6, 17, 1];
  const lefts = [0n, -5n, 1n, 999_999_999n, 1_000_000_000n, 4_999_999_999n, 7_200_000_000_001n, 2n ** 60n, 2n ** 64n - 1n - now];
  return Array.from({length: n}, (_, i) => {
    const addr6 = new Uint8Array(16);
    for (let j = 0; j < 16; j++) addr6[j] = rand() < 0.4 ? 0 : Math.floor(rand() * 256);
    const left = i < lefts.length ? lefts[i] : BigInt(Math.floor(rand() * 8e12)) - 1_000_000_000n;
    return {
      proto: protos[i % 3],
      local4: Math.floor(rand() * 2 ** 32) >>> 0,
      remote4: (0xc6330000 + Math.floor(rand() * 4)) >>> 0,
      lport: Math.floor(rand() * 65536),
      rport: Math.floor(rand() * 65536),
      addr6,
      port6: Math.floor(rand() * 65536),
      state: Math.floor(rand() * 9),
      expires: now + left,
    };
  });
}

for (const pool6 of [
  {addr: Buffer.from('0064ff9b000000000000000000000000', 'hex'), len: 96},
  {addr: Buffer.from('20010db8000000000000000000000000', 'hex'), len: 32},
  {addr: Buffer.from('20010db8010000000000000000000000', 'hex'), len: 40},
  {addr: Buffer.from('20010db8000100000000000000000000', 'hex'), len: 64},
]) {
  test(`raw chunks render as the per-session views (pool6 /${pool6.len})`, {skip}, async () => {
    const {SessionFormatter} = await import(d('model/nat64-render.js'));
    const {toJson} = await import(d('cli/output.js'));
    const {successEnvelope} = await import(d('cli/envelope.js'));
    const {formatIPv6} = await import(d('model/ipv6.js'));
    const {embedIPv4} = await import(d('model/rfc6052.js'));
    const now = 123_456_789_012_345n;
    const sessions = makeSessions(3000, pool6.len, now);
    const {keys, values} = await chunk(sessions);
    for (const proto of [6, 17, 1]) {
      const ref = reference(sessions, proto, now);
      assert.ok(ref.length > 100);
      for (const mode of ['text', 'csv', 'json']) {
        const fast = new SessionFormatter(proto, pool6);
        const slow = new SessionFormatter(proto, pool6);
        const parts = [];
        const head = mode === 'json' ? fast.jsonHead('nat64 session display') : fast.header(mode);
        // Two chunks, and a tiny one, as batches() would hand them over.
        const half = 1234;
        fast.renderRaw(mode, half, keys, values, now, (b) => parts.push(Buffer.from(b)));
        fast.renderRaw(mode, sessions.length - half, keys.subarray(half * 16), values.subarray(half * 32), now, (b) => parts.push(Buffer.from(b)));
        const got = head + Buffer.concat(parts).toString('latin1') + (mode === 'json' ? fast.jsonTail() : fast.footer(mode));
        let want;
        // The streamed JSON is exactly the envelope toJson() would print around {sessions}.
        if (mode === 'json') want = `${toJson(successEnvelope('nat64 session display', {sessions: ref.map((s) => slow.json(s))}, false, []))}\n`;
        else want = slow.header(mode) + ref.map((s) => slow[mode](s)).join('') + slow.footer(mode);
        assert.equal(fast.count, ref.length);
        assert.equal(got, want, `${mode} proto ${proto}`);
      }
      // The embedded address is RFC 6052's, formatted by formatIPv6.
      const f = new SessionFormatter(proto, pool6);
      for (const s of ref.slice(0, 20)) {
        const v4 = Uint8Array.of(s.remote4 >>> 24, (s.remote4 >>> 16) & 255, (s.remote4 >>> 8) & 255, s.remote4 & 255);
        assert.equal(f.embed(s.remote4), formatIPv6(embedIPv4(pool6, v4)));
      }
    }
  });
}

test('session views: literal CSV, TCP states, JSON with no sessions, names in text only', {skip}, async () => {
  const {SessionFormatter, SESSION_CSV_HEADERS} = await import(d('model/nat64-render.js'));
  const {toJson} = await import(d('cli/output.js'));
  const {successEnvelope} = await import(d('cli/envelope.js'));
  const pool6 = {addr: Buffer.from('0064ff9b000000000000000000000000', 'hex'), len: 96};
  const s = {proto: 17, local4: 0xc0000201, remote4: 0xc6330005, lport: 61001, rport: 53, addr6: Buffer.from('20010db8000000000000000000000007', 'hex'), port6: 40000, state: 0, remainingMs: 299_999};
  const f = new SessionFormatter(17, pool6);
  assert.equal(f.csv(s), 'UDP,2001:db8::7,40000,64:ff9b::c633:5,53,192.0.2.1,61001,198.51.0.5,53,,299\n');
  assert.equal(f.header('csv'), `${SESSION_CSV_HEADERS.join(',')}\n`);
  const t = new SessionFormatter(6, pool6);
  assert.equal(t.csv({...s, proto: 6, state: 7}), 'TCP,2001:db8::7,40000,64:ff9b::c633:5,53,192.0.2.1,61001,198.51.0.5,53,TRANS,299\n');
  assert.match(t.csv({...s, proto: 6, state: 9}), /,STATE_9,299\n$/);
  const e = new SessionFormatter(1, pool6);
  assert.equal(e.jsonHead('nat64 session display') + e.jsonTail(), `${toJson(successEnvelope('nat64 session display', {sessions: []}, false, []))}\n`);
  assert.equal(e.jsonHead('x') + e.jsonTail(['w1', 'w"2']), `${toJson(successEnvelope('x', {sessions: []}, false, ['w1', 'w"2']))}\n`);
  const named = new SessionFormatter(17, pool6, new Map([['198.51.0.5', 'dns.example'], ['2001:db8::7', 'node.example']]));
  assert.match(named.text(s), /^Remote: dns\.example#53\tnode\.example#40000$/m);
  assert.doesNotMatch(named.csv(s), /example/);
});
