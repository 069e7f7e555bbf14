// Packet tests: the real SIIT programs (XDP and tc) run with BPF_PROG_TEST_RUN on crafted
// packets. Each row: input packet, expected verdict, expected output, counter reason.
// Expected bytes are built from RFC 7915 / RFC 6052 here; checksums are verified from scratch.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {fixtureRows} from '../helpers/packet-spec.mjs';
import {fileURLToPath} from 'node:url';
import {
  ipv4Packet, ipv6Packet, udp, tcp, icmpEcho, ether, checksumProblems, ip4, ip6, MAC_A, MAC_B,
  raw, extHeader, fragHeader,
} from '../helpers/packets.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const OBJ = `${root}build/bpf/siit.bpf.o`;
import {XDP, tcVerdict, xdpMark} from '../helpers/verdicts.mjs';
const skip = process.getuid?.() !== 0 ? 'needs root (BPF_PROG_TEST_RUN)'
  : !existsSync(OBJ) ? `${OBJ} is not built (npm run build)`
  : !existsSync(`${root}dist/bpf/object.js`) ? 'dist/ is not built (npm run build)' : false;

/* Rows the XDP fast path hands to the tc slow path. */
const SLOW = true;

// The conformance corpus's addressing: pool6 2001:db8:100::/40.
// n6 2001:db8:1c0:2:21:: is 192.0.2.33; n4 198.51.100.2 is 2001:db8:1c6:3364:2::.
const POOL6 = {addr: ip6('2001:db8:100::'), len: 40};
const N6 = '2001:db8:1c0:2:21::', N4_AS6 = '2001:db8:1c6:3364:2::';
const N6_AS4 = '192.0.2.33', N4 = '198.51.100.2';
const LOCAL4 = '198.51.100.1';

let obj, counters, names, layout, LAYOUT;

function configBuffer({enabled = true, pool6 = POOL6} = {}) {
  return layout.encodeSiitConfig({version: LAYOUT, enabled, pool6});
}

const key0 = Buffer.alloc(4);

before(async () => {
  if (skip) return;
  const {openAndLoad} = await import(`${root}dist/bpf/object.js`);
  layout = await import(`${root}dist/instance/layout.js`);
  LAYOUT = (await import(`${root}dist/instance/objects.js`)).layoutVersion('siit'); // from the object's BTF
  names = layout.COUNTER_NAMES;
  obj = await openAndLoad(OBJ);
  obj.map('siit_config').update(key0, configBuffer());
  const local = Buffer.alloc(4); ip4(LOCAL4).copy(local);
  obj.map('siit_local4').update(local, Buffer.from([1]));
  counters = obj.map('siit_stats');
});

after(() => obj?.close());

function counterValue(index) {
  const k = Buffer.alloc(4); k.writeUInt32LE(index);
  return counters.lookupPerCpu(k).reduce((s, b) => s + b.readBigUInt64LE(0), 0n);
}

async function runOne(prog, frame) {
  const {testRun} = await import(`${root}dist/bpf/test-run.js`);
  return testRun(obj.programFd(prog), frame);
}

/**
 * Runs a packet through a hook configuration as the kernel would: 'tc' is the
 * tc program alone; 'xdp' is the XDP program, then the tc program for the
 * packets XDP hands over (no metadata mark). Returns the verdict in tc terms.
 */
async function run(config, frame) {
  if (config === 'tc') {
    const out = await runOne('xlat_siit_tc', frame);
    return {...out, verdict: tcVerdict(out.retval), delegated: false};
  }
  const out = await runOne('xlat_siit_xdp', frame);
  if (out.retval === XDP.DROP) return {...out, verdict: 'drop', delegated: false};
  assert.equal(out.retval, XDP.PASS, 'XDP verdict is PASS or DROP');
  const m = xdpMark(out.data);
  if (m) {
    assert.notEqual(m.mark, 'pass-nat64', "SIIT's XDP never marks a pass as NAT64's");
    return {...out, data: m.data, verdict: m.mark === 'xlat' ? 'xlat' : 'pass', delegated: false};
  }
  assert.equal(out.data.toString('hex'), frame.toString('hex'), 'XDP hands packets to tc untouched');
  const slow = await runOne('xlat_siit_tc', frame);
  return {...slow, verdict: tcVerdict(slow.retval), delegated: true};
}

/** Compares IP packets, ignoring the IPv4 identification and header checksum (a translator picks the id). */
function assertSamePacket(actual, expected, label) {
  assert.deepEqual(checksumProblems(actual), [], `${label}: checksums of the output`);
  const a = Buffer.from(actual), e = Buffer.from(expected);
  if (e[0] >> 4 === 4 && a[0] >> 4 === 4) for (const i of [4, 5, 10, 11]) a[i] = e[i] = 0;
  assert.equal(a.toString('hex'), e.toString('hex'), label);
}

const payload = Buffer.from('xlat packet test payload');
const big = Buffer.alloc(1300, 0x61);

// The translation table lives in test/fixtures/packet/siit-translation.json (packets as data, built by
// test/helpers/packet-spec.mjs); the rows below are the two whose bytes are cut from a whole datagram.
const fixture = JSON.parse(readFileSync(new URL('../fixtures/packet/siit-translation.json', import.meta.url), 'utf8'));
const codeRows = () => [
  (() => {
    const whole6 = ipv6Packet({src: N6, dst: N4_AS6, l4: udp(7, 9, big)}).subarray(40);
    const whole4 = ipv4Packet({src: N6_AS4, dst: N4, l4: udp(7, 9, big)}).subarray(20);
    return {name: '6->4 first fragment: id, MF, offset 0, L4 checksum follows the addresses', verdict: 'xlat', counter: 'xlat-6to4', slow: SLOW,
      input: ipv6Packet({src: N6, dst: N4_AS6, ext: [fragHeader({more: true, id: 0x01020304})], l4: raw(17, whole6.subarray(0, 64))}),
      expected: ipv4Packet({src: N6_AS4, dst: N4, df: false, mf: true, id: 0x0304, l4: raw(17, whole4.subarray(0, 64))})};
  })(),
  (() => {
    const whole4 = ipv4Packet({src: N4, dst: N6_AS4, l4: udp(7, 9, big)}).subarray(20);
    const whole6 = ipv6Packet({src: N4_AS6, dst: N6, l4: udp(7, 9, big)}).subarray(40);
    return {name: '4->6 fragment gets a fragment header', verdict: 'xlat', counter: 'xlat-4to6', slow: SLOW,
      input: ipv4Packet({src: N4, dst: N6_AS4, df: false, mf: true, id: 1234, l4: raw(17, whole4.subarray(0, 96))}),
      expected: ipv6Packet({src: N4_AS6, dst: N6, ext: [fragHeader({more: true, id: 1234})], l4: raw(17, whole6.subarray(0, 96))})};
  })(),
];
const rows = () => [...fixtureRows(fixture), ...codeRows()];

for (const label of ['xdp', 'tc']) {
  test(`siit ${label}: translation table`, {skip}, async (t) => {
    for (const {name, input, verdict, expected, counter: reason, etherType: ethType, slow} of rows()) {
      await t.test(name, async () => {
        const idx = names.indexOf(reason);
        assert.ok(idx >= 0, `unknown counter ${reason}`);
        const before = counterValue(idx);
        const frame = ether(input, {type: ethType});
        const out = await run(label, frame);
        assert.equal(out.verdict, verdict, 'verdict');
        if (label === 'xdp') assert.equal(out.delegated, Boolean(slow), slow ? 'handed to tc' : 'decided by XDP');
        assert.equal(counterValue(idx), before + 1n, `counter ${reason} (counted once)`);
        if (verdict === 'pass') assert.equal(out.data.toString('hex'), frame.toString('hex'), 'passed untouched');
        if (verdict !== 'xlat') return;
        assert.equal(out.data.subarray(0, 6).toString('hex'), MAC_A.toString('hex'), 'destination MAC kept');
        assert.equal(out.data.subarray(6, 12).toString('hex'), MAC_B.toString('hex'), 'source MAC kept');
        assert.equal(out.data.readUInt16BE(12), expected[0] >> 4 === 4 ? 0x0800 : 0x86dd, 'ethertype');
        assertSamePacket(out.data.subarray(14), expected, name);
      });
    }
  });
}

test('siit xdp: packets pass untouched when disabled or without pool6', {skip}, async () => {
  const cfg = obj.map('siit_config');
  try {
    for (const [c, reason] of [[configBuffer({enabled: false}), 'pass-disabled'], [configBuffer({pool6: null}), 'pass-dst6-untranslatable']]) {
      cfg.update(key0, c);
      const frame = ether(ipv6Packet({src: N6, dst: N4_AS6, l4: udp(1, 2)}));
      const idx = names.indexOf(reason);
      const before = counterValue(idx);
      const out = await run('xdp', frame);
      assert.equal(out.verdict, 'pass');
      assert.equal(out.data.toString('hex'), frame.toString('hex'));
      assert.equal(counterValue(idx), before + 1n, reason);
    }
  } finally {
    cfg.update(key0, configBuffer());
  }
});

test('siit: every pool6 length maps like RFC 6052 (6->4->6 round trip)', {skip}, async () => {
  const cfg = obj.map('siit_config');
  const prefixes = {32: '2001:db8::', 40: '2001:db8:100::', 48: '2001:db8:122::', 56: '2001:db8:122:300::', 64: '2001:db8:122:344::', 96: '2001:db8:122:344::'};
  const expectDst = {32: '2001:db8:c000:221::', 40: '2001:db8:1c0:2:21::', 48: '2001:db8:122:c000:2:2100::', 56: '2001:db8:122:3c0:0:221::', 64: '2001:db8:122:344:c0:2:2100:0', 96: '2001:db8:122:344::192.0.2.33'};
  try {
    for (const len of [32, 40, 48, 56, 64, 96]) {
      cfg.update(key0, configBuffer({pool6: {addr: ip6(prefixes[len]), len}}));
      const v4 = ipv4Packet({src: '198.51.100.2', dst: '192.0.2.33', df: false, l4: udp(5, 6, payload)});
      const out = await run('xdp', ether(v4));
      assert.equal(out.verdict, 'xlat');
      const v6 = out.data.subarray(14);
      assert.equal(v6.subarray(24, 40).toString('hex'), ip6(expectDst[len]).toString('hex'), `/${len} destination`);
      assert.deepEqual(checksumProblems(v6), []);
      const back = await run('xdp', ether(Buffer.from(v6)));
      assertSamePacket(back.data.subarray(14), v4, `/${len} back to IPv4`);
    }
  } finally {
    cfg.update(key0, configBuffer());
  }
});

// ICMP errors (RFC 7915 4.2, 5.2): the inner packet is translated too, every checksum recomputed.
const {icmpMsg} = await import('../helpers/packets.mjs');

// The rows: test/fixtures/packet/siit-icmp-errors.json.
const errorFixture = JSON.parse(readFileSync(new URL('../fixtures/packet/siit-icmp-errors.json', import.meta.url), 'utf8'));
const errorRows = () => fixtureRows(errorFixture);

/** Like assertSamePacket, also ignoring the inner IPv4 identification and header checksum of an ICMP error. */
function assertSameError(actual, expected, label) {
  const a = Buffer.from(actual), e = Buffer.from(expected);
  if (e[0] >> 4 === 4) for (const i of [4, 5, 10, 11, 32, 33, 38, 39]) a[i] = e[i] = 0;
  // the outer ICMP checksum covers the ignored bytes: verify it on the real packet, then compare the rest
  assert.deepEqual(checksumProblems(actual), [], `${label}: outer checksums`);
  if (e[0] >> 4 === 4) a[22] = a[23] = e[22] = e[23] = 0;
  assert.equal(a.toString('hex'), e.toString('hex'), label);
}

for (const label of ['xdp', 'tc']) {
  test(`siit ${label}: ICMP errors are translated with their inner packet`, {skip}, async (t) => {
    for (const {name, input, expected, inLength} of errorRows()) {
      await t.test(name, async () => {
        if (inLength !== undefined) assert.equal(input.length, inLength, 'the input is as long as the row says');
        const out = await run(label, ether(input));
        assert.equal(out.verdict, 'xlat');
        if (label === 'xdp') assert.ok(out.delegated, 'errors are the slow path');
        assertSameError(out.data.subarray(14), expected, name);
      });
    }
  });
}

test('siit tc: errors the translator originates go back to the sender, from its interface address', {skip}, async (t) => {
  // BPF_PROG_TEST_RUN runs tc programs on the loopback device: its ifindex is 1.
  const ifaddr = obj.map('siit_ifaddr');
  const key = Buffer.alloc(4); key.writeUInt32LE(1);
  const v = Buffer.alloc(24);
  ip6('2001:db8:1c0:2:1::').copy(v, 0); ip4(LOCAL4).copy(v, 16); v[20] = 1; v[21] = 1;
  ifaddr.update(key, v);
  const TC_ACT_REDIRECT = 7;
  const cases = [
    ['IPv4 UDP without checksum -> ICMP 3/13 from the IPv4 side address',
      ipv4Packet({src: N4, dst: N6_AS4, l4: {...udp(1, 2, payload), zeroChecksum: true}}),
      (inp) => ipv4Packet({src: LOCAL4, dst: N4, df: false, l4: icmpMsg(3, 13, 0, inp)})],
    ['IPv6 extension header after the fragment header -> ICMPv6 1/1 from the IPv6 side address',
      ipv6Packet({src: N6, dst: N4_AS6, ext: [fragHeader({more: true}), extHeader(60)], l4: udp(1, 2)}),
      (inp) => ipv6Packet({src: '2001:db8:1c0:2:1::', dst: N6, l4: icmpMsg(1, 1, 0, inp)})],
    ['IPv6 hop limit 1 -> ICMPv6 Time Exceeded 3/0 from the IPv6 side address (traceroute sees the translator)',
      ipv6Packet({src: N6, dst: N4_AS6, hopLimit: 1, l4: udp(33434, 33435, payload)}),
      (inp) => ipv6Packet({src: '2001:db8:1c0:2:1::', dst: N6, l4: icmpMsg(3, 0, 0, inp)})],
    ['IPv4 TTL 1 -> ICMP Time Exceeded 11/0 from the IPv4 side address',
      ipv4Packet({src: N4, dst: N6_AS4, ttl: 1, l4: tcp(40000, 80, {seq: 1})}),
      (inp) => ipv4Packet({src: LOCAL4, dst: N4, df: false, l4: icmpMsg(11, 0, 0, inp)})],
    ['IPv6 routing header with segments left -> parameter problem pointing at it',
      ipv6Packet({src: N6, dst: N4_AS6, ext: [{type: 43, bytes: Buffer.from([0, 0, 0, 1, 0, 0, 0, 0])}], l4: udp(1, 2)}),
      (inp) => ipv6Packet({src: '2001:db8:1c0:2:1::', dst: N6, l4: icmpMsg(4, 0, 43, inp)})],
  ];
  try {
    for (const [name, input, make] of cases) {
      await t.test(name, async () => {
        const idx = names.indexOf('icmp-sent');
        const before = counterValue(idx);
        const out = await runOne('xlat_siit_tc', ether(input));
        assert.equal(out.retval, TC_ACT_REDIRECT, 'sent back out');
        assert.equal(out.data.subarray(0, 6).toString('hex'), MAC_B.toString('hex'), 'to the sender');
        assert.equal(out.data.subarray(6, 12).toString('hex'), MAC_A.toString('hex'), 'from us');
        const expected = make(input);
        const got = Buffer.from(out.data.subarray(14));
        if (expected[0] >> 4 === 4) for (const i of [4, 5, 10, 11]) got[i] = expected[i] = 0;
        assert.deepEqual(checksumProblems(out.data.subarray(14)), []);
        assert.equal(got.toString('hex'), expected.toString('hex'), name);
        assert.equal(counterValue(idx), before + 1n, 'icmp-sent counted');
      });
    }
  } finally {
    ifaddr.delete(key);
  }
});
