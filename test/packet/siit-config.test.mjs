// Packet tests for what the SIIT configuration changes: the EAMT (RFC 7757) both ways with prefixes of
// unequal lengths, intrinsic hairpinning, denylist4, the TOS/traffic-class globals, UDP checksum amending,
// RFC 6791 sources, and lowest-ipv6-mtu handing big packets to the tc path. The real programs, through
// BPF_PROG_TEST_RUN; expected packets built from the RFCs in test/helpers/packets.mjs.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {ipv4Packet, ipv6Packet, udp, icmpMsg, ether, checksumProblems, ip4, ip6} from '../helpers/packets.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const OBJ = `${root}build/bpf/siit.bpf.o`;
const skip = process.getuid?.() !== 0 ? 'needs root (BPF_PROG_TEST_RUN)'
  : !existsSync(OBJ) ? `${OBJ} is not built (npm run build)`
  : !existsSync(`${root}dist/bpf/object.js`) ? 'dist/ is not built (npm run build)' : false;

import {META, TC, XDP} from '../helpers/verdicts.mjs';
const XDP_PASS = XDP.PASS, TC_OK = TC.OK, META_DONE = META.XLATED;
const POOL6 = {addr: ip6('2001:db8:100::'), len: 40};
const N6 = '2001:db8:1c0:2:21::', N6_AS4 = '192.0.2.33';
const N4 = '198.51.100.2', N4_AS6 = '2001:db8:1c6:3364:2::';
const payload = Buffer.from('configuration changes translation');
const key0 = Buffer.alloc(4);

let obj, layout, testRun, names, LAYOUT;

before(async () => {
  if (skip) return;
  const {openAndLoad} = await import(`${root}dist/bpf/object.js`);
  ({testRun} = await import(`${root}dist/bpf/test-run.js`));
  layout = await import(`${root}dist/instance/layout.js`);
  LAYOUT = (await import(`${root}dist/instance/objects.js`)).layoutVersion('siit'); // from the object's BTF
  names = layout.COUNTER_NAMES;
  obj = await openAndLoad(OBJ);
  configure({});
  // EAMT: 2001:db8:aaaa::/48 <-> 10.0.0.0/8 (24 suffix bits), 2001:db8:3::/120 <-> 1.0.0.0/24.
  for (const [v6, v6Len, v4, v4Len] of [['2001:db8:aaaa::', 48, '10.0.0.0', 8], ['2001:db8:3::', 120, '1.0.0.0', 24]]) {
    const value = layout.encodeEamtEntry({v6: ip6(v6), v6Len, v4: ip4(v4), v4Len});
    obj.map('siit_eamt6').update(layout.encodeLpmKey(ip6(v6), v6Len), value);
    obj.map('siit_eamt4').update(layout.encodeLpmKey(ip4(v4), v4Len), value);
  }
  obj.map('siit_deny4').update(layout.encodeLpmKey(ip4('203.0.113.0'), 24), Buffer.from([1]));
});

after(() => obj?.close());

function configure(changes) {
  // The tables this file fills are flagged as the CLI would flag them.
  const tables = layout.SIIT_T.EAMT | layout.SIIT_T.DENY4;
  obj.map('siit_config').update(key0, layout.encodeSiitConfig({...layout.defaultSiitConfig(POOL6, LAYOUT), tables, ...changes}));
}

function counter(name) {
  const k = Buffer.alloc(4); k.writeUInt32LE(names.indexOf(name));
  return obj.map('siit_stats').lookupPerCpu(k).reduce((s, b) => s + b.readBigUInt64LE(0), 0n);
}

async function tc(frame) {
  const out = await testRun(obj.programFd('xlat_siit_tc'), frame);
  return {retval: out.retval, ip: out.data.subarray(14)};
}

async function xdp(frame) {
  const out = await testRun(obj.programFd('xlat_siit_xdp'), frame);
  const marked = out.data.length >= 4 && out.data.readUInt32LE(0) === META_DONE;
  return {retval: out.retval, marked, ip: out.data.subarray(marked ? 18 : 14)};
}

function same(actual, expected, label) {
  assert.deepEqual(checksumProblems(actual), [], `${label}: checksums`);
  const a = Buffer.from(actual), e = Buffer.from(expected);
  if (e[0] >> 4 === 4) for (const i of [4, 5, 10, 11]) a[i] = e[i] = 0;
  assert.equal(a.toString('hex'), e.toString('hex'), label);
}

/** Runs both configurations (tc; XDP, whose decided packets must equal tc's) and checks the result. */
async function both(input, expected, label) {
  const t = await tc(ether(input));
  assert.equal(t.retval, TC_OK, `${label}: tc verdict`);
  same(t.ip, expected, `${label} (tc)`);
  const x = await xdp(ether(input));
  assert.equal(x.retval, XDP_PASS, `${label}: xdp verdict`);
  if (x.marked) same(x.ip, expected, `${label} (xdp)`);
}

test('EAMT 6->4: a /48 <-> /8 entry takes 24 bits right after the IPv6 prefix', {skip}, async () => {
  await both(ipv6Packet({src: '2001:db8:aaaa:102:300::', dst: N4_AS6, l4: udp(1, 2, payload)}),
    ipv4Packet({src: '10.1.2.3', dst: N4, df: false, l4: udp(1, 2, payload)}), 'EAMT source');
});

test('EAMT 4->6: the IPv4 suffix lands right after the IPv6 prefix, zeros after it', {skip}, async () => {
  await both(ipv4Packet({src: N4, dst: '10.1.2.3', l4: udp(1, 2, payload)}),
    ipv6Packet({src: N4_AS6, dst: '2001:db8:aaaa:102:300::', l4: udp(1, 2, payload)}), 'EAMT destination');
});

test('EAMT beats pool6, longest prefix first: a /120 entry inside pool6 space', {skip}, async () => {
  await both(ipv4Packet({src: '1.0.0.7', dst: N6_AS4, l4: udp(1, 2, payload)}),
    ipv6Packet({src: '2001:db8:3::7', dst: N6, l4: udp(1, 2, payload)}), 'EAMT source 4->6');
});

test('intrinsic hairpinning: IPv6 to an EAMT IPv4 address goes back to IPv6 (RFC 7757 4.2.3)', {skip}, async () => {
  const before = counter('xlat-hairpin');
  // 2001:db8:3::8 (EAMT 1.0.0.8) sends to 1.0.0.9 through pool6: back to 2001:db8:3::9, from 1.0.0.8 through pool6.
  await both(ipv6Packet({src: '2001:db8:3::8', dst: '2001:db8:101:0:9::', l4: udp(2000, 4000, payload)}),
    ipv6Packet({src: '2001:db8:101:0:8::', dst: '2001:db8:3::9', l4: udp(2000, 4000, payload)}), 'hairpin');
  assert.equal(counter('xlat-hairpin'), before + 2n, 'counted once per configuration');
});

test('intrinsic hairpinning of an ICMPv6 error from an untranslatable source: translated twice, from the RFC 6791 pool', {skip}, async () => {
  // A router (2001:db8:ffff::1: neither pool6 nor the EAMT) answers the hairpinned packet above with Time Exceeded,
  // sent to its source, pool6 + 1.0.0.8. To IPv4 (from the RFC 6791 pool, to 1.0.0.8, inner 1.0.0.8 -> 1.0.0.9),
  // and, 1.0.0.8 being an EAMT address, back to IPv6: to 2001:db8:3::8, from pool6 + 192.0.2.200 (the RFC 6791 pool), the inner
  // packet through the EAMT both ways.
  configure({rfc6791v4: {addr: ip4('192.0.2.200'), len: 32}, randomizeRfc6791: false});
  try {
    const before = counter('xlat-hairpin');
    const seen = ipv6Packet({src: '2001:db8:101:0:8::', dst: '2001:db8:3::9', hopLimit: 1, l4: udp(2000, 4000, payload)});
    const out = await tc(ether(ipv6Packet({src: '2001:db8:ffff::1', dst: '2001:db8:101:0:8::', l4: icmpMsg(3, 0, 0, seen)})));
    assert.equal(out.retval, TC_OK);
    const inner = ipv6Packet({src: '2001:db8:3::8', dst: '2001:db8:3::9', hopLimit: 1, l4: udp(2000, 4000, payload)});
    same(out.ip, ipv6Packet({src: '2001:db8:1c0:2:c8::', dst: '2001:db8:3::8', l4: icmpMsg(3, 0, 0, inner)}), 'translated twice');
    assert.equal(counter('xlat-hairpin'), before + 1n, 'counted once, as a hairpin');
  } finally {
    configure({});
  }
});

test('eam-hairpin-mode off: the same packet leaves as IPv4', {skip}, async () => {
  configure({eamHairpinMode: 'off'});
  try {
    await both(ipv6Packet({src: '2001:db8:3::8', dst: '2001:db8:101:0:9::', l4: udp(2000, 4000, payload)}),
      ipv4Packet({src: '1.0.0.8', dst: '1.0.0.9', df: false, l4: udp(2000, 4000, payload)}), 'no hairpin');
  } finally {
    configure({});
  }
});

test('denylist4: pool6 does not translate a denylisted IPv4 address', {skip}, async () => {
  const frame = ether(ipv4Packet({src: N4, dst: '203.0.113.5', l4: udp(1, 2, payload)}));
  const before = counter('pass-dst4-untranslatable');
  const out = await tc(frame);
  assert.equal(out.retval >>> 0, TC.UNSPEC, 'passed on to the next filter');
  assert.equal(out.ip.toString('hex'), frame.subarray(14).toString('hex'), 'untouched');
  assert.equal(counter('pass-dst4-untranslatable'), before + 1n);
});

test('zeroize-traffic-class and override-tos', {skip}, async () => {
  configure({zeroizeTrafficClass: true, overrideTos: true, tos: 0x20});
  try {
    await both(ipv4Packet({src: N4, dst: N6_AS4, tos: 0xb8, l4: udp(1, 2, payload)}),
      ipv6Packet({src: N4_AS6, dst: N6, trafficClass: 0, l4: udp(1, 2, payload)}), 'zeroized traffic class');
    await both(ipv6Packet({src: N6, dst: N4_AS6, trafficClass: 0xb8, l4: udp(1, 2, payload)}),
      ipv4Packet({src: N6_AS4, dst: N4, tos: 0x20, df: false, l4: udp(1, 2, payload)}), 'overridden TOS');
  } finally {
    configure({});
  }
});

test('amend-udp-checksum-zero: a zero IPv4 UDP checksum is computed for IPv6 (tc path)', {skip}, async () => {
  configure({amendUdpChecksumZero: true});
  try {
    const input = ipv4Packet({src: N4, dst: N6_AS4, l4: {...udp(7, 9, payload), zeroChecksum: true}});
    await both(input, ipv6Packet({src: N4_AS6, dst: N6, l4: udp(7, 9, payload)}), 'amended');
    const x = await xdp(ether(input));
    assert.equal(x.marked, false, 'XDP hands it to tc');
  } finally {
    configure({});
  }
});

test('rfc6791v4-prefix: an ICMPv6 error from outside pool6 and the EAMT takes its IPv4 source from it', {skip}, async () => {
  configure({rfc6791v4: {addr: ip4('203.0.113.8'), len: 32}, randomizeRfc6791: false});
  try {
    const inner6 = ipv6Packet({src: N4_AS6, dst: N6, hopLimit: 63, l4: udp(4000, 2000, payload)});
    const inner4 = ipv4Packet({src: N4, dst: N6_AS4, ttl: 63, df: false, l4: udp(4000, 2000, payload)});
    const out = await tc(ether(ipv6Packet({src: '2001:db8:ffff::1', dst: N4_AS6, l4: icmpMsg(3, 0, 0, inner6)})));
    assert.equal(out.retval, TC_OK);
    const want = ipv4Packet({src: '203.0.113.8', dst: N4, df: false, l4: icmpMsg(11, 0, 0, inner4)});
    const a = Buffer.from(out.ip), e = Buffer.from(want);
    for (const i of [4, 5, 10, 11, 22, 23, 32, 33, 38, 39]) a[i] = e[i] = 0;
    assert.deepEqual(checksumProblems(out.ip), []);
    assert.equal(a.toString('hex'), e.toString('hex'));
  } finally {
    configure({});
  }
});

test('RFC 4884: an ICMPv4 error with an extension keeps it, length field in 64-bit words, datagram padded to 128', {skip}, async () => {
  const inner4 = ipv4Packet({src: N6_AS4, dst: N4, ttl: 63, l4: udp(2000, 4000, Buffer.alloc(40, 1))}); // 68 bytes
  const ext = Buffer.from('2000fb7f0008010100000000', 'hex'); // version 2 header + one object, opaque to us
  const field4 = Buffer.concat([inner4, Buffer.alloc(128 - inner4.length)]); // padded to 128 (32 words)
  const input = ipv4Packet({src: N4, dst: N6_AS4, l4: icmpMsg(3, 3, 32 << 16, Buffer.concat([field4, ext]))});
  const inner6 = ipv6Packet({src: N6, dst: N4_AS6, hopLimit: 63, l4: udp(2000, 4000, Buffer.alloc(40, 1))}); // 88 bytes
  // 128 + 20 = 148 bytes of datagram, cut to a multiple of 8: 144 (18 words), then the extension.
  const field6 = Buffer.concat([inner6, Buffer.alloc(144 - inner6.length)]);
  const want = ipv6Packet({src: N4_AS6, dst: N6, l4: icmpMsg(1, 4, 18 << 24, Buffer.concat([field6, ext]))});
  const out = await tc(ether(input));
  assert.equal(out.retval, TC_OK);
  same(out.ip, want, 'extension kept');
});

test('lowest-ipv6-mtu: an IPv4 packet without DF above it is not XDP\'s to translate', {skip}, async () => {
  const big = ipv4Packet({src: N4, dst: N6_AS4, df: false, l4: udp(1, 2, Buffer.alloc(1300, 5))});
  const x = await xdp(ether(big));
  assert.equal(x.retval, XDP_PASS);
  assert.equal(x.marked, false, 'handed to tc, which fragments it');
  configure({lowestIpv6Mtu: 1500});
  try {
    const y = await xdp(ether(big));
    assert.equal(y.marked, true, 'fits a raised lowest-ipv6-mtu: translated by XDP');
  } finally {
    configure({});
  }
});

test('rfc6791v6-prefix: an ICMPv4 error from an untranslatable source takes its IPv6 source from it', {skip}, async () => {
  configure({rfc6791v6: {addr: ip6('2001:db8:ffff::1'), len: 128}, randomizeRfc6791: false});
  try {
    const inner4 = ipv4Packet({src: N6_AS4, dst: N4, ttl: 63, l4: udp(2000, 4000, payload)});
    const inner6 = ipv6Packet({src: N6, dst: N4_AS6, hopLimit: 63, l4: udp(2000, 4000, payload)});
    // 203.0.113.5 is denylisted: pool6 does not translate it.
    const out = await tc(ether(ipv4Packet({src: '203.0.113.5', dst: N6_AS4, l4: icmpMsg(3, 1, 0, inner4)})));
    assert.equal(out.retval, TC_OK);
    same(out.ip, ipv6Packet({src: '2001:db8:ffff::1', dst: N6, l4: icmpMsg(1, 0, 0, inner6)}), 'RFC 6791 source');
  } finally {
    configure({});
  }
});
