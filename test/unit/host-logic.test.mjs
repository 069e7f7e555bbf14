// The data plane's pure logic, compiled for the host and checked without root or a kernel: the ICMP type/code/
// pointer tables (RFC 7915), the NAT64 TCP state machine (RFC 6146), RFC 6052 addressing against an independent
// JavaScript reading of the RFC and against the prefix encoding userspace writes, the checksums, and the pool4
// hash and range arithmetic (RFC 6056), the deterministic mapping (RFC 7422) against src/model/rfc7422.ts. The same headers the BPF programs include (bpf/lib, bpf/nat64); the
// drivers are test/host/*.c, the rows test/fixtures/*.tsv.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {embed, extract, parse6, parse4} from '../helpers/rfc6052.mjs';
import {checksum, onesSum} from '../helpers/packets.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CC = ['clang', 'cc', 'gcc'].find((c) => {
  try {
    execFileSync('sh', ['-c', `command -v ${c}`], {stdio: 'ignore'});
    return true;
  } catch {
    return false;
  }
});
const MULTIARCH = {x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu'}[process.arch] ?? `${process.arch}-linux-gnu`;
const skip = !CC
  ? 'needs a C compiler (cc, gcc or clang)'
  : !existsSync('/usr/include/bpf/bpf_helpers.h')
    ? 'needs libbpf-dev (/usr/include/bpf; scripts/setup.sh installs it)'
    : !existsSync(path.join(ROOT, 'dist', 'abi', 'common.js'))
      ? 'dist/ is missing: run `npm run build`'
      : false;

let dir;
const bins = {};
before(() => {
  if (skip) return;
  dir = mkdtempSync(path.join(tmpdir(), 'xlat-host-'));
  for (const name of ['icmp_map', 'tcp', 'rfc6052', 'rfc6056', 'rfc7422']) {
    bins[name] = path.join(dir, name);
    execFileSync(CC, ['-std=gnu11', '-O1', '-Wall', '-Werror', '-Wno-unused-function', '-Wno-unknown-pragmas', '-I', path.join(ROOT, 'bpf'),
      '-idirafter', `/usr/include/${MULTIARCH}`, path.join(ROOT, 'test', 'host', `${name}.c`), '-o', bins[name]], {stdio: 'pipe'});
  }
});
after(() => dir && rmSync(dir, {recursive: true, force: true}));

/** Runs a driver with one question per line; returns its answers, one per line. */
function ask(name, lines) {
  const out = execFileSync(bins[name], {input: lines.join('\n') + '\n', encoding: 'utf8'});
  return out.trim().split('\n');
}

/** Rows of a fixture: [question, expected answer] split on the tab, comments and blank lines left out. */
function rows(file) {
  return readFileSync(path.join(ROOT, 'test', 'fixtures', file), 'utf8').split('\n')
    .filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.split('\t').map((x) => x.trim()));
}

test('ICMP error type/code/pointer mapping follows RFC 7915 4.2 and 5.2 (host build of bpf/lib/icmp_map.h)', {skip}, () => {
  const r = rows('icmp-map.tsv');
  const got = ask('icmp_map', r.map(([q]) => q));
  r.forEach(([q, want], i) => assert.equal(got[i], want, q));
});

test('the NAT64 TCP state machine follows RFC 6146 3.5.2.2 (host build of bpf/nat64/tcp.h)', {skip}, () => {
  const r = rows('tcp-states.tsv');
  const got = ask('tcp', r.map(([q]) => q));
  r.forEach(([q, want], i) => assert.equal(got[i], want, q));
});

test('RFC 6052 addressing: the data plane agrees with the RFC read independently, for every prefix length', {skip}, async () => {
  const {encodeRfc6052Prefix} = await import(path.join(ROOT, 'dist', 'abi', 'common.js'));
  const hex = (b) => Buffer.from(b).toString('hex');
  const prefixes = ['2001:db8::/32', '2001:db8:100::/40', '2001:db8:122::/48', '2001:db8:122:300::/56', '2001:db8:122:344::/64', '64:ff9b::/96'];
  const v4s = ['192.0.2.33', '198.51.100.2', '0.0.0.0', '255.255.255.255', '10.1.2.3'];
  const qs = [], want = [];
  for (const prefix of prefixes) {
    const [a, len] = prefix.split('/');
    const p = Buffer.alloc(40);
    encodeRfc6052Prefix({addr: Buffer.from(parse6(a)), len: Number(len)}, p, 0);
    for (const v4 of v4s) {
      const v6 = embed(prefix, v4);
      qs.push(`embed ${hex(p)} ${hex(parse4(v4))}`);
      want.push(hex(parse6(v6)));
      qs.push(`extract ${hex(p)} ${hex(parse6(v6))}`);
      want.push(hex(parse4(extract(prefix, v6))));
    }
    qs.push(`extract ${hex(p)} ${hex(parse6('2001:db9::1'))}`); // outside the prefix
    want.push('no');
  }
  assert.deepEqual(ask('rfc6052', qs), want);
});

test('checksums: the IPv4 header and the IPv6 pseudo-header sums match RFC 1071 sums', {skip}, () => {
  const qs = [], want = [];
  for (let i = 0; i < 50; i++) {
    const h = Buffer.from(Array.from({length: 20}, (_, j) => (i * 37 + j * 11) & 0xff));
    h[0] = 0x45;
    h[10] = h[11] = 0;
    qs.push(`hdr4 ${h.toString('hex')}`);
    want.push(checksum(h).toString(16).padStart(4, '0'));
    const s = Buffer.from(Array.from({length: 16}, (_, j) => (i * 13 + j * 7) & 0xff));
    const d = Buffer.from(Array.from({length: 16}, (_, j) => (i * 5 + j * 3) & 0xff));
    const len = 8 + i * 97;
    const pseudo = Buffer.concat([s, d, Buffer.from([0, 0, len >> 8, len & 0xff, 0, 0, 0, 58])]);
    qs.push(`pseudo6 ${s.toString('hex')} ${d.toString('hex')} ${len} 58`);
    want.push(onesSum(pseudo).toString(16).padStart(4, '0'));
  }
  assert.deepEqual(ask('rfc6052', qs), want);
});

test('RFC 6056 algorithm 3 as pool4 uses it: range sizes, and the hash takes exactly the fields f-args selects', {skip}, () => {
  const slots = ask('rfc6056', ['slots 32 61001 65535', 'slots 30 1000 1009', 'slots 24 0 65535', 'slots 32 5 4']);
  assert.deepEqual(slots, ['4535', '40', String(256 * 65536), '0']);
  const src = '20010db8000000000000000000000008';
  const q = (fargs, {s = src, sport = 40000, d = 'c0000208', dport = 80} = {}) => `hash ${fargs} ${s} ${sport} 6 ${d} ${dport}`;
  const other = '20010db8000000000000000000000009';
  const [base, sportChanged, dportChanged, srcChanged, dstChanged] = ask('rfc6056', [
    q(0b1011), q(0b1011, {sport: 40001}), q(0b1011, {dport: 81}), q(0b1011, {s: other}), q(0b1011, {d: 'c0000209'}),
  ]);
  assert.equal(sportChanged, base, 'f-args 0b1011 leaves out the source port');
  for (const [v, what] of [[dportChanged, 'destination port'], [srcChanged, 'source address'], [dstChanged, 'destination address']]) {
    assert.notEqual(v, base, `f-args 0b1011 takes the ${what}`);
  }
  const [all, allSport] = ask('rfc6056', [q(0b1111), q(0b1111, {sport: 40001})]);
  assert.notEqual(allSport, all, 'f-args 0b1111 takes the source port too');
  // Spread: 4,096 sources over 64 buckets, none more than twice its share.
  const qs = Array.from({length: 4096}, (_, i) => q(0b1011, {s: `20010db8${i.toString(16).padStart(24, '0')}`}));
  const buckets = new Array(64).fill(0);
  for (const h of ask('rfc6056', qs)) buckets[parseInt(h, 16) % 64]++;
  assert.ok(Math.max(...buckets) < 128 && Math.min(...buckets) > 16, `spread ${Math.min(...buckets)}..${Math.max(...buckets)}`);
});

test('RFC 7422: the data plane maps every subscriber as src/model/rfc7422.ts does (host build of bpf/nat64/rfc7422.h)', {skip}, async () => {
  const M = await import(path.join(ROOT, 'dist', 'model', 'rfc7422.js'));
  const hex = (b) => Buffer.from(b).toString('hex');
  const entries = [
    // /56 subscribers of a /48 on a /28 with 2048-port blocks (31 per address); /128 hosts of a /120; a /64 of /96s
    // (32-bit index); a range whose index crosses the 64-bit halves (/60 in a /40); odd block sizes and ranges.
    {range6: '2001:db8:5::/48', subLen: 56, prefix4: '198.51.100.0/28', ports: '1024-65535', blockSize: 2048},
    {range6: '2001:db8:1c0:2:21::/120', subLen: 128, prefix4: '192.0.2.128/26', ports: '1024-1087', blockSize: 16},
    {range6: '2001:db8:aaaa:bbbb::/64', subLen: 96, prefix4: '10.0.0.0/8', ports: '1-65535', blockSize: 64},
    {range6: '2001:db8:100::/40', subLen: 60, prefix4: '100.64.0.0/12', ports: '4000-64999', blockSize: 61},
    {range6: '2001:db8:7777:8800::/56', subLen: 64, prefix4: '203.0.113.7/32', ports: '30000-30999', blockSize: 3},
  ].map((t) => M.parseDetEntry({...t, since: 0}));
  const qs = [];
  const want = [];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0);
  for (const e of entries) {
    const n = M.subscribers(e);
    const ks = [0, 1, n - 1, Math.floor(n / 2), ...Array.from({length: 40}, () => rnd() % n)];
    for (const k of ks) {
      const p = M.subscriberPrefix(e, k).addr;
      const src = Buffer.from(p);
      // Host bits of the subscriber's prefix set at random: they change the walk's start, never the block.
      for (let i = Math.floor(e.subLen / 8); i < 16; i++) src[i] |= rnd() & (i === Math.floor(e.subLen / 8) ? 0xff >> (e.subLen % 8) : 0xff);
      const port = rnd() % 65536;
      const b = M.blockOf(e, k);
      qs.push(`map ${hex(e.range6.addr)} ${e.range6.len} ${e.subLen} ${e.addr4.toString(16).padStart(8, '0')} ${e.len4} ${e.ports[0]} ${e.ports[1]} ${e.blockSize} ${hex(src)} ${port}`);
      want.push(`${k} ${b.addr.toString(16).padStart(8, '0')} ${b.first} ${M.homeOffset(e, src, port)}`);
      assert.equal(M.subscriberIndex(e, src), k, 'the model finds the subscriber of its host');
    }
  }
  const got = ask('rfc7422', qs);
  qs.forEach((q, i) => assert.equal(got[i], want[i], q));
});
