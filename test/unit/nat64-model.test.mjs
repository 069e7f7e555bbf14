// NAT64 argument parsing and rendering (pure logic).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';

const d = (p) => new URL(`../../dist/model/${p}`, import.meta.url);
const skip = existsSync(d('nat64-globals.js')) ? false : 'dist/ is missing: run `npm run build`';

test('global updates: defaults, minimums, forms', {skip}, async () => {
  const g = await import(d('nat64-globals.js'));
  assert.deepEqual(g.parseNat64GlobalUpdate('udp-timeout', '0:05:00'), {key: 'udp-timeout', value: 300});
  assert.deepEqual(g.parseNat64GlobalUpdate('udp-timeout', '120'), {key: 'udp-timeout', value: 120});
  assert.throws(() => g.parseNat64GlobalUpdate('udp-timeout', '119'), /below its minimum of 0:02:00/);
  assert.throws(() => g.parseNat64GlobalUpdate('tcp-est-timeout', '1:59:59'), /minimum/);
  assert.throws(() => g.parseNat64GlobalUpdate('tcp-trans-timeout', '239'), /minimum/);
  // 0 could not work (a session that expires at once carries no reply): refused. Jool's [[HH:]MM:]SS[.mmm] works.
  assert.throws(() => g.parseNat64GlobalUpdate('icmp-timeout', '0'), /below its minimum of 0:00:01/);
  assert.deepEqual(g.parseNat64GlobalUpdate('icmp-timeout', '1'), {key: 'icmp-timeout', value: 1});
  assert.deepEqual(g.parseNat64GlobalUpdate('icmp-timeout', '01:30'), {key: 'icmp-timeout', value: 90});
  assert.deepEqual(g.parseNat64GlobalUpdate('icmp-timeout', '0:01:00.000'), {key: 'icmp-timeout', value: 60});
  assert.deepEqual(g.parseNat64GlobalUpdate('icmp-timeout', '59.5'), {key: 'icmp-timeout', value: 60});
  assert.deepEqual(g.parseNat64GlobalUpdate('udp-timeout', '1:00:00'), {key: 'udp-timeout', value: 3600});
  assert.throws(() => g.parseNat64GlobalUpdate('icmp-timeout', '1:60'), /\[\[HH:\]MM:\]SS/);
  assert.throws(() => g.parseNat64GlobalUpdate('maximum-simultaneous-opens', '0'), /1 to 1000000/);
  // What display prints comes back: f-args as "11 (0b1011)", pool6 (unset).
  assert.deepEqual(g.parseNat64GlobalUpdate('f-args', '11 (0b1011)'), {key: 'f-args', value: 11});
  assert.throws(() => g.parseNat64GlobalUpdate('f-args', '11 (0b1010)'), /0 to 15/);
  assert.deepEqual(g.parseNat64GlobalUpdate('pool6', '(unset)'), {key: 'pool6', value: null});
  assert.deepEqual(g.parseNat64GlobalUpdate('drop-icmpv6-info', 'On'), {key: 'drop-icmpv6-info', value: true});
  assert.deepEqual(g.parseNat64GlobalUpdate('f-args', '0b1011'), {key: 'f-args', value: 11});
  assert.throws(() => g.parseNat64GlobalUpdate('f-args', '16'), /0 to 15/);
  assert.throws(() => g.parseNat64GlobalUpdate('tos', '256'), /0 to 255/);
  assert.throws(() => g.parseNat64GlobalUpdate('lowest-ipv6-mtu', '1279'), /1280/);
  assert.throws(() => g.parseNat64GlobalUpdate('drop-icmpv6-info', 'si'), /true or false/);
  assert.throws(() => g.parseNat64GlobalUpdate('pool4', 'x'), /not a NAT64 global key/);
  assert.throws(() => g.parseNat64GlobalUpdate('pool6', '2001:db8::/33'), /RFC 6052/);
  // --force: below RFC 6146's minimums for labs and tests, never below one second.
  assert.deepEqual(g.parseNat64GlobalUpdate('tcp-trans-timeout', '5', {force: true}), {key: 'tcp-trans-timeout', value: 5});
  assert.equal(g.belowRfcMinimum({key: 'tcp-trans-timeout', value: 5}), true);
  assert.equal(g.belowRfcMinimum({key: 'tcp-trans-timeout', value: 240}), false);
  assert.throws(() => g.parseNat64GlobalUpdate('udp-timeout', '0', {force: true}), /below one second/);
  assert.throws(() => g.parseNat64GlobalUpdate('udp-timeout', '119'), /--force/);
  assert.equal(g.formatDuration(7200), '2:00:00');
  assert.equal(g.NAT64_DEFAULTS['source-icmpv6-errors-better'], true);
});

test('pool4 and BIB arguments', {skip}, async () => {
  const p = await import(d('nat64-pool4.js'));
  // max-iterations, as Jool takes it: auto, infinity or a count; kept as a code in the pool4 entry.
  assert.equal(p.parseMaxIterations('auto'), 'auto');
  assert.equal(p.parseMaxIterations('Infinity'), 'infinity');
  assert.equal(p.parseMaxIterations('1024'), 1024);
  assert.equal(p.parseMaxIterations('4294967295'), 4294967295, "Jool's range (above 65536 it acts as 65536)");
  for (const bad of ['0', '4294967296', '-1', 'lots']) assert.throws(() => p.parseMaxIterations(bad), /max-iterations/, bad);
  for (const m of ['auto', 'infinity', 1, 8192]) assert.equal(p.maxIterationsOf(p.maxIterCode(m)), m);
  assert.deepEqual(p.parsePortRange('61001-65535'), [61001, 65535]);
  assert.deepEqual(p.parsePortRange('80'), [80, 80]);
  assert.throws(() => p.parsePortRange('9-8'), /greater/);
  assert.throws(() => p.parsePool4Prefix('10.0.0.0/16', false), /--force/);
  assert.equal(p.parsePool4Prefix('10.0.0.0/16', true).len, 16);
  assert.equal(p.parsePool4Prefix('192.0.2.1', false).len, 32);
  assert.deepEqual(p.parseTransportAddress('192.0.2.1#80', 4), {addr: Uint8Array.of(192, 0, 2, 1), port: 80});
  assert.equal(p.parseTransportAddress('2001:db8::1#443', 6).port, 443);
  assert.throws(() => p.parseTransportAddress('192.0.2.1', 4), /ADDRESS#PORT/);
  assert.throws(() => p.protoFromFlags({tcp: true, udp: true}, 'tcp'), /at most one/);
  assert.deepEqual(p.protoFromFlags({}, 'tcp'), ['tcp']);
});

test('session text is the scenario format', {skip}, async () => {
  const r = await import(d('nat64-render.js'));
  const pool6 = {addr: Buffer.from('20010db8006400000000000000000000', 'hex'), len: 96};
  const f = new r.SessionFormatter(1, pool6);
  const addr6 = Buffer.from('20010db8000100000000000000000008', 'hex');
  const s = {proto: 1, local4: 0xc0000201, remote4: 0xc0000208, lport: 62253, rport: 62253, addr6, port6: 3206, state: 3, remainingMs: 42900};
  const text = f.header('text') + f.text(s) + f.footer('text');
  assert.equal(text, [
    'ICMP:', '---------------------------------', 'Expires in 42 seconds',
    'Remote: 192.0.2.8#62253\t2001:db8:1::8#3206', 'Local: 192.0.2.1#62253\t2001:db8:64::c000:208#3206',
    '---------------------------------', '  (Fetched 1 entries.)', ''].join('\n'));
  const t = new r.SessionFormatter(6, pool6);
  assert.match(t.text({...s, proto: 6, rport: 80, state: 3}), /^\(ESTABLISHED\) Expires in 42 seconds\nRemote: 192\.0\.2\.8#80\t2001:db8:1::8#3206\nLocal: 192\.0\.2\.1#62253\t2001:db8:64::c000:208#80\n/);
});
