// Dynamic port blocks, the pure logic: a dynamic entry's checks (it may hold more subscribers than blocks; no
// formula answers for it), and the block events `xlat nat64 log follow` prints: one ring buffer record decoded,
// its wall-clock time, and its CSV, JSON and syslog lines.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';

const dist = new URL('../../dist/model/nat64-events.js', import.meta.url);
const skip = existsSync(dist) ? false : 'dist/ is missing: run `npm run build`';
const EV = skip ? null : await import(dist);
const M = skip ? null : await import(new URL('../../dist/model/rfc7422.js', import.meta.url));
const B = skip ? null : await import(new URL('../../dist/instance/nat64/blocks-layout.js', import.meta.url));
const {parseIPv6} = skip ? {} : await import(new URL('../../dist/model/ipv6.js', import.meta.url));

/** A record as the data plane writes it (struct nat64_event, little-endian host). */
function record({time = 5_000_000_000n, sub, subLen, addr, first, last, id = 3, type}) {
  const O = B.NAT64_EVENT;
  const b = Buffer.alloc(O.size);
  b.writeBigUInt64LE(time, O.time.offset);
  b.set(parseIPv6(sub), O.sub.offset);
  b.set(addr.split('.').map(Number), O.addr.offset);
  b.writeUInt16LE(first, O.port_min.offset);
  b.writeUInt16LE(last, O.port_max.offset);
  b.writeUInt32LE(id, O.id.offset);
  b[O.sub_len.offset] = subLen;
  b[O.type.offset] = type;
  return b;
}

test('a dynamic entry may have more subscribers than blocks; a deterministic one may not', {skip}, () => {
  const t = {range6: '2001:db8:6::/48', subLen: '64', prefix4: '198.51.100.0/28', blockSize: '2048', since: 0};
  assert.throws(() => M.parseDetEntry(t), /^InputError: deterministic pool4 2001:db8:6::\/48: 65536 subscribers of \/64 need/);
  const e = M.parseDetEntry({...t, dynamic: true});
  assert.equal(e.dynamic, true);
  assert.equal(M.capacity(e), 16 * 31);
  assert.equal(M.detView(e).mode, 'dynamic');
  assert.deepEqual(M.detFileEntry(e), {'ipv6 range': '2001:db8:6::/48', 'subscriber length': 64, prefix: '198.51.100.0/28', 'port range': '1024-65535', 'block size': 2048, dynamic: true});
  assert.match(M.detText(e), /^dynamic 2001:db8:6::\/48 \/64 198\.51\.100\.0\/28 1024-65535 block 2048$/);
  // The other limits hold for both.
  assert.throws(() => M.parseDetEntry({...t, dynamic: true, blockSize: '70000'}), /^InputError: dynamic pool4 2001:db8:6::\/48: /);
});

test('a dynamic entry differs from a deterministic one with the same numbers; no formula answers for it', {skip}, () => {
  const t = {range6: '2001:db8:6::/120', subLen: '124', prefix4: '198.51.100.0/30', blockSize: '2048', since: 0};
  const det = M.parseDetEntry(t);
  const dyn = M.parseDetEntry({...t, dynamic: true});
  assert.equal(M.sameDet(det, dyn), false);
  assert.equal(M.sameDet(dyn, M.parseDetEntry({...t, dynamic: true})), true);
  assert.equal(M.lookup6([dyn], {addr: parseIPv6('2001:db8:6::1'), len: 128}), null);
  assert.equal(M.lookup4([dyn], 0xc6336400, 1024), null);
  assert.deepEqual([...M.mappings(dyn)], [], 'no CSV rows: the log of events says who held what');
  assert.ok(M.lookup6([det], {addr: parseIPv6('2001:db8:6::1'), len: 128}));
});

test('a ring buffer record decodes to its event; an unknown type or a short record is refused', {skip}, () => {
  const r = record({sub: '2001:db8:5:100::', subLen: 56, addr: '198.51.100.7', first: 3072, last: 5119, type: 1});
  assert.deepEqual(EV.decodeEvent(r), {monotonicNs: 5_000_000_000n, type: 'allocated', subscriber: '2001:db8:5:100::/56', address: '198.51.100.7', ports: [3072, 5119], entry: 3});
  assert.equal(EV.decodeEvent(record({sub: '2001:db8::', subLen: 128, addr: '192.0.2.1', first: 1, last: 1, type: 2})).type, 'released');
  assert.throws(() => EV.decodeEvent(record({sub: '::', subLen: 1, addr: '0.0.0.0', first: 0, last: 0, type: 9})), /unknown type 9/);
  assert.throws(() => EV.decodeEvent(Buffer.alloc(12)), /12 bytes, 40 expected/);
});

test('the monotonic time becomes wall-clock time through one reading of both clocks', {skip}, () => {
  const clocks = {monotonicNs: 10_000_000_000n, realMs: Date.parse('2026-12-02T01:00:10.000Z')};
  assert.equal(EV.wallTime(7_500_000_000n, clocks).toISOString(), '2026-12-02T01:00:07.500Z');
  assert.equal(EV.wallTime(10_000_000_000n, clocks).toISOString(), '2026-12-02T01:00:10.000Z');
});

test('CSV, JSON and syslog lines of an event', {skip}, () => {
  const e = EV.decodeEvent(record({sub: '2001:db8:5:100::', subLen: 56, addr: '198.51.100.7', first: 3072, last: 5119, type: 2}));
  const at = new Date('2026-12-02T01:02:03.456Z');
  const origin = {host: 'nat1', pid: 42};
  assert.equal(EV.CSV_HEADER, 'time,event,subscriber,address,first port,last port');
  assert.equal(EV.formatEvent(e, at, 'csv', origin), '2026-12-02T01:02:03.456Z,released,2001:db8:5:100::/56,198.51.100.7,3072,5119');
  assert.deepEqual(JSON.parse(EV.formatEvent(e, at, 'json', origin)), {time: '2026-12-02T01:02:03.456Z', event: 'released', subscriber: '2001:db8:5:100::/56', address: '198.51.100.7', 'port-range': '3072-5119'});
  assert.equal(EV.formatEvent(e, at, 'json', origin).includes('\n'), false, 'one line');
  assert.equal(EV.formatEvent(e, at, 'syslog', origin),
    '<134>1 2026-12-02T01:02:03.456Z nat1 xlat 42 NAT64BLOCK [nat64-block@32473 event="released" subscriber="2001:db8:5:100::/56" address="198.51.100.7" ports="3072-5119"] 2001:db8:5:100::/56 released 198.51.100.7 ports 3072-5119');
  assert.match(EV.formatEvent(e, at, 'syslog', {host: '', pid: 1}), /^<134>1 \S+ - xlat 1 /, 'no host name: the nil value');
});
