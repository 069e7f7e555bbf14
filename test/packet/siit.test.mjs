// Packet tests: the real SIIT programs (XDP and tc) run with BPF_PROG_TEST_RUN on crafted
// packets. Each row: input packet, expected verdict, expected output, counter reason.
// Expected bytes are built from RFC 7915 / RFC 6052 here; checksums are verified from scratch.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
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

// [name, input IP packet (or raw frame), verdict ('xlat'|'pass'|'drop'), expected IP packet, reason]
const rows = () => [
  ['6->4 UDP', ipv6Packet({src: N6, dst: N4_AS6, l4: udp(1234, 53, payload)}), 'xlat',
    ipv4Packet({src: N6_AS4, dst: N4, df: false, l4: udp(1234, 53, payload)}), 'xlat-6to4'],
  ['6->4 TCP SYN', ipv6Packet({src: N6, dst: N4_AS6, hopLimit: 17, l4: tcp(40000, 80, {seq: 0xdeadbeef})}), 'xlat',
    ipv4Packet({src: N6_AS4, dst: N4, ttl: 17, df: false, l4: tcp(40000, 80, {seq: 0xdeadbeef})}), 'xlat-6to4'],
  ['6->4 ICMPv6 echo request -> ICMP echo', ipv6Packet({src: N6, dst: N4_AS6, l4: icmpEcho(128, 77, 1, payload)}), 'xlat',
    ipv4Packet({src: N6_AS4, dst: N4, df: false, l4: icmpEcho(8, 77, 1, payload)}), 'xlat-6to4'],
  ['6->4 ICMPv6 echo reply -> ICMP echo reply', ipv6Packet({src: N6, dst: N4_AS6, l4: icmpEcho(129, 5, 9)}), 'xlat',
    ipv4Packet({src: N6_AS4, dst: N4, df: false, l4: icmpEcho(0, 5, 9)}), 'xlat-6to4'],
  ['6->4 traffic class -> TOS', ipv6Packet({src: N6, dst: N4_AS6, trafficClass: 0xb8, flowLabel: 0x12345, l4: udp(1, 2, payload)}), 'xlat',
    ipv4Packet({src: N6_AS4, dst: N4, tos: 0xb8, df: false, l4: udp(1, 2, payload)}), 'xlat-6to4'],
  ['6->4 over 1260 bytes sets DF', ipv6Packet({src: N6, dst: N4_AS6, l4: udp(7, 8, big)}), 'xlat',
    ipv4Packet({src: N6_AS4, dst: N4, df: true, l4: udp(7, 8, big)}), 'xlat-6to4'],
  ['4->6 UDP', ipv4Packet({src: N4, dst: N6_AS4, l4: udp(53, 1234, payload)}), 'xlat',
    ipv6Packet({src: N4_AS6, dst: N6, l4: udp(53, 1234, payload)}), 'xlat-4to6'],
  ['4->6 TCP', ipv4Packet({src: N4, dst: N6_AS4, ttl: 9, l4: tcp(80, 40000, {flags: 0x12, ack: 5})}), 'xlat',
    ipv6Packet({src: N4_AS6, dst: N6, hopLimit: 9, l4: tcp(80, 40000, {flags: 0x12, ack: 5})}), 'xlat-4to6'],
  ['4->6 ICMP echo -> ICMPv6 echo request', ipv4Packet({src: N4, dst: N6_AS4, l4: icmpEcho(8, 3, 4, payload)}), 'xlat',
    ipv6Packet({src: N4_AS6, dst: N6, l4: icmpEcho(128, 3, 4, payload)}), 'xlat-4to6'],
  ['4->6 ICMP echo reply -> ICMPv6 echo reply', ipv4Packet({src: N4, dst: N6_AS4, l4: icmpEcho(0, 3, 4)}), 'xlat',
    ipv6Packet({src: N4_AS6, dst: N6, l4: icmpEcho(129, 3, 4)}), 'xlat-4to6'],
  ['4->6 TOS -> traffic class, no DF', ipv4Packet({src: N4, dst: N6_AS4, tos: 0x2e, df: false, l4: udp(1, 2)}), 'xlat',
    ipv6Packet({src: N4_AS6, dst: N6, trafficClass: 0x2e, l4: udp(1, 2)}), 'xlat-4to6'],
  ['neighbour solicitation passes', ipv6Packet({src: 'fe80::1', dst: 'ff02::1:ff00:1', hopLimit: 255, l4: {...icmpEcho(135, 0, 0), proto: 'icmp'}}), 'pass', null, 'pass-ndp'],
  ['IPv6 outside pool6 passes', ipv6Packet({src: N6, dst: '2001:db8:ffff::1', l4: udp(1, 2)}), 'pass', null, 'pass-dst6-untranslatable'],
  ['IPv6 source outside pool6 passes', ipv6Packet({src: '2001:db8:ffff::1', dst: N4_AS6, l4: udp(1, 2)}), 'pass', null, 'pass-src6-untranslatable'],
  // Time Exceeded needs this node's address on the interface (siit_ifaddr, empty here): see the originated errors below.
  ['IPv6 hop limit 1: Time Exceeded, not the kernel', ipv6Packet({src: N6, dst: N4_AS6, hopLimit: 1, l4: udp(1, 2)}), 'drop', null, 'drop-hop-limit', undefined, SLOW],
  ['IPv6 hop limit 1 on an ICMPv6 error: dropped, no error about an error',
    ipv6Packet({src: N6, dst: N4_AS6, hopLimit: 1, l4: {...icmpEcho(1, 4, 0), proto: 'icmp'}}), 'drop', null, 'drop-hop-limit'],
  ['6->4 hop-by-hop, destination and routing headers are skipped',
    ipv6Packet({src: N6, dst: N4_AS6, ext: [extHeader(0), extHeader(60, 16), extHeader(43, 24)], l4: udp(1, 2, payload)}), 'xlat',
    ipv4Packet({src: N6_AS4, dst: N4, df: false, l4: udp(1, 2, payload)}), 'xlat-6to4', undefined, SLOW],
  ['6->4 routing header with segments left is dropped',
    ipv6Packet({src: N6, dst: N4_AS6, ext: [{type: 43, bytes: Buffer.from([0, 0, 0, 1, 0, 0, 0, 0])}], l4: udp(1, 2)}), 'drop', null, 'drop-routing-header', undefined, SLOW],
  ['6->4 first fragment: id, MF, offset 0, L4 checksum follows the addresses', ...(() => {
    const whole6 = ipv6Packet({src: N6, dst: N4_AS6, l4: udp(7, 9, big)}).subarray(40);
    const whole4 = ipv4Packet({src: N6_AS4, dst: N4, l4: udp(7, 9, big)}).subarray(20);
    return [ipv6Packet({src: N6, dst: N4_AS6, ext: [fragHeader({more: true, id: 0x01020304})], l4: raw(17, whole6.subarray(0, 64))}), 'xlat',
      ipv4Packet({src: N6_AS4, dst: N4, df: false, mf: true, id: 0x0304, l4: raw(17, whole4.subarray(0, 64))}), 'xlat-6to4', undefined, SLOW];
  })()],
  ['6->4 later fragment keeps its offset', ipv6Packet({src: N6, dst: N4_AS6, ext: [fragHeader({offset: 10, id: 0x01020408})], l4: raw(6, payload)}), 'xlat',
    ipv4Packet({src: N6_AS4, dst: N4, df: false, fragOffset: 10, id: 0x0408, l4: raw(6, payload)}), 'xlat-6to4', undefined, SLOW],
  ['6->4 extension header after the fragment header is dropped',
    ipv6Packet({src: N6, dst: N4_AS6, ext: [fragHeader({more: true}), extHeader(60)], l4: udp(1, 2)}), 'drop', null, 'drop-header-chain', undefined, SLOW],
  ['6->4 other protocols: only the IP header is translated', ipv6Packet({src: N6, dst: N4_AS6, l4: raw(33, payload)}), 'xlat',
    ipv4Packet({src: N6_AS4, dst: N4, df: false, l4: raw(33, payload)}), 'xlat-6to4'],
  ['6->4 fragmented ICMPv6 is dropped', ipv6Packet({src: N6, dst: N4_AS6, ext: [fragHeader({more: true})], l4: icmpEcho(128, 1, 1, payload)}), 'drop', null, 'drop-icmp-fragment'],
  ['6->4 ICMPv6 informational other than echo is dropped', ipv6Packet({src: N6, dst: N4_AS6, l4: icmpEcho(130, 0, 0)}), 'drop', null, 'drop-icmp-type'],
  ['4->6 options are dropped', ipv4Packet({src: N4, dst: N6_AS4, options: Buffer.from([7, 7, 4, 0, 0, 0, 0, 1]), l4: udp(1, 2, payload)}), 'xlat',
    ipv6Packet({src: N4_AS6, dst: N6, l4: udp(1, 2, payload)}), 'xlat-4to6', undefined, SLOW],
  ['4->6 fragment gets a fragment header', ...(() => {
    const whole4 = ipv4Packet({src: N4, dst: N6_AS4, l4: udp(7, 9, big)}).subarray(20);
    const whole6 = ipv6Packet({src: N4_AS6, dst: N6, l4: udp(7, 9, big)}).subarray(40);
    return [ipv4Packet({src: N4, dst: N6_AS4, df: false, mf: true, id: 1234, l4: raw(17, whole4.subarray(0, 96))}), 'xlat',
      ipv6Packet({src: N4_AS6, dst: N6, ext: [fragHeader({more: true, id: 1234})], l4: raw(17, whole6.subarray(0, 96))}), 'xlat-4to6', undefined, SLOW];
  })()],
  ['4->6 later fragment', ipv4Packet({src: N4, dst: N6_AS4, df: false, fragOffset: 154, id: 77, l4: raw(6, payload)}), 'xlat',
    ipv6Packet({src: N4_AS6, dst: N6, ext: [fragHeader({offset: 154, id: 77})], l4: raw(6, payload)}), 'xlat-4to6', undefined, SLOW],
  ['4->6 other protocols: only the IP header is translated', ipv4Packet({src: N4, dst: N6_AS4, l4: raw(33, payload)}), 'xlat',
    ipv6Packet({src: N4_AS6, dst: N6, l4: raw(33, payload)}), 'xlat-4to6'],
  ['4->6 fragmented ICMP is dropped', ipv4Packet({src: N4, dst: N6_AS4, df: false, mf: true, l4: icmpEcho(8, 1, 1, payload)}), 'drop', null, 'drop-icmp-fragment'],
  ['4->6 ICMP informational other than echo is dropped', ipv4Packet({src: N4, dst: N6_AS4, l4: icmpEcho(13, 0, 0, payload)}), 'drop', null, 'drop-icmp-type'],
  ['IPv4 to the node itself passes', ipv4Packet({src: N4, dst: LOCAL4, l4: icmpEcho(8, 1, 1)}), 'pass', null, 'pass-dst4-local'],
  ['IPv4 broadcast passes', ipv4Packet({src: N4, dst: '255.255.255.255', l4: udp(68, 67)}), 'pass', null, 'pass-dst4-special'],
  ['IPv4 from loopback range passes', ipv4Packet({src: '127.0.0.1', dst: N6_AS4, l4: udp(1, 2)}), 'pass', null, 'pass-src4-special'],
  ['IPv4 TTL 1: Time Exceeded, not the kernel', ipv4Packet({src: N4, dst: N6_AS4, ttl: 1, l4: udp(1, 2)}), 'drop', null, 'drop-hop-limit', undefined, SLOW],
  ['IPv4 TTL 1 on a later fragment: dropped without an error (RFC 1812 4.3.2.7)',
    ipv4Packet({src: N4, dst: N6_AS4, ttl: 1, df: false, fragOffset: 8, l4: udp(1, 2)}), 'drop', null, 'drop-hop-limit'],
  ['IPv4 UDP with zero checksum is dropped', ipv4Packet({src: N4, dst: N6_AS4, l4: {...udp(1, 2, payload), zeroChecksum: true}}), 'drop', null, 'drop-udp-zero-csum', undefined, SLOW],
  ['IPv4 truncated UDP header is dropped', ipv4Packet({src: N4, dst: N6_AS4, l4: udp(1, 2)}).subarray(0, 24), 'drop', null, 'drop-truncated'],
  ['ARP passes', Buffer.alloc(28, 1), 'pass', null, 'pass-not-ip', 0x0806],
];

for (const label of ['xdp', 'tc']) {
  test(`siit ${label}: translation table`, {skip}, async (t) => {
    for (const [name, input, verdict, expected, reason, ethType, slow] of rows()) {
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

function errorRows() {
  const inner4 = ipv4Packet({src: N6_AS4, dst: N4, ttl: 63, l4: udp(2000, 4000, payload)});
  const inner6 = ipv6Packet({src: N6, dst: N4_AS6, hopLimit: 63, l4: udp(2000, 4000, payload)});
  const innerTcp4 = ipv4Packet({src: N6_AS4, dst: N4, ttl: 63, l4: tcp(2000, 4000, {payload: big})});
  const innerTcp6 = ipv6Packet({src: N6, dst: N4_AS6, hopLimit: 63, l4: tcp(2000, 4000, {payload: big})});
  const echo4 = ipv4Packet({src: N6_AS4, dst: N4, ttl: 1, l4: icmpEcho(8, 9, 9, payload)});
  const echo6 = ipv6Packet({src: N6, dst: N4_AS6, hopLimit: 1, l4: icmpEcho(128, 9, 9, payload)});
  const inner4from6 = ipv4Packet({src: N4, dst: N6_AS4, ttl: 63, df: false, l4: udp(4000, 2000, payload)});
  const inner6from4 = ipv6Packet({src: N4_AS6, dst: N6, hopLimit: 63, l4: udp(4000, 2000, payload)});
  return [
    ['4->6 port unreachable -> ICMPv6 1/4, inner UDP translated',
      ipv4Packet({src: N4, dst: N6_AS4, l4: icmpMsg(3, 3, 0, inner4)}),
      ipv6Packet({src: N4_AS6, dst: N6, l4: icmpMsg(1, 4, 0, inner6)})],
    ['4->6 time exceeded about an echo request -> ICMPv6 3/0, inner echo translated',
      ipv4Packet({src: N4, dst: N6_AS4, l4: icmpMsg(11, 0, 0, echo4)}),
      ipv6Packet({src: N4_AS6, dst: N6, l4: icmpMsg(3, 0, 0, echo6)})],
    ['4->6 fragmentation needed -> packet too big, MTU + 20',
      ipv4Packet({src: N4, dst: N6_AS4, l4: icmpMsg(3, 4, 1400, inner4)}),
      ipv6Packet({src: N4_AS6, dst: N6, l4: icmpMsg(2, 0, 1420, inner6)})],
    ['4->6 fragmentation needed without MTU -> plateau below the inner length, + 20, at least 1280',
      ipv4Packet({src: N4, dst: N6_AS4, l4: icmpMsg(3, 4, 0, innerTcp4.subarray(0, 548))}),
      ipv6Packet({src: N4_AS6, dst: N6, l4: icmpMsg(2, 0, 1280, innerTcp6.subarray(0, 568))})],
    ['4->6 protocol unreachable -> parameter problem, pointer to next header',
      ipv4Packet({src: N4, dst: N6_AS4, l4: icmpMsg(3, 2, 0, inner4)}),
      ipv6Packet({src: N4_AS6, dst: N6, l4: icmpMsg(4, 1, 6, inner6)})],
    ['4->6 parameter problem pointer 9 (protocol) -> 6 (next header)',
      ipv4Packet({src: N4, dst: N6_AS4, l4: icmpMsg(12, 0, 9 << 24, inner4)}),
      ipv6Packet({src: N4_AS6, dst: N6, l4: icmpMsg(4, 0, 6, inner6)})],
    ['4->6 error cut to 1280 bytes', ...(() => {
      const in4 = ipv4Packet({src: N6_AS4, dst: N4, ttl: 63, l4: udp(2000, 4000, Buffer.alloc(1400, 7))});
      const in6 = ipv6Packet({src: N6, dst: N4_AS6, hopLimit: 63, l4: udp(2000, 4000, Buffer.alloc(1400, 7))});
      return [ipv4Packet({src: N4, dst: N6_AS4, l4: icmpMsg(3, 3, 0, in4)}),
        ipv6Packet({src: N4_AS6, dst: N6, l4: icmpMsg(1, 4, 0, in6.subarray(0, 1280 - 48))})];
    })()],
    ['6->4 port unreachable -> ICMP 3/3, inner UDP translated',
      ipv6Packet({src: N6, dst: N4_AS6, l4: icmpMsg(1, 4, 0, inner6from4)}),
      ipv4Packet({src: N6_AS4, dst: N4, df: false, l4: icmpMsg(3, 3, 0, inner4from6)})],
    ['6->4 packet too big -> fragmentation needed, MTU - 20',
      ipv6Packet({src: N6, dst: N4_AS6, l4: icmpMsg(2, 0, 1280, inner6from4)}),
      ipv4Packet({src: N6_AS4, dst: N4, df: false, l4: icmpMsg(3, 4, 1260, inner4from6)})],
    ['6->4 parameter problem pointer 24 (destination) -> 16',
      ipv6Packet({src: N6, dst: N4_AS6, l4: icmpMsg(4, 0, 24, inner6from4)}),
      ipv4Packet({src: N6_AS4, dst: N4, df: false, l4: icmpMsg(12, 0, 16 << 24, inner4from6)})],
    ['6->4 error cut to 576 bytes', ...(() => {
      const in6 = ipv6Packet({src: N4_AS6, dst: N6, hopLimit: 63, l4: udp(4000, 2000, Buffer.alloc(1000, 3))});
      const in4 = ipv4Packet({src: N4, dst: N6_AS4, ttl: 63, df: false, l4: udp(4000, 2000, Buffer.alloc(1000, 3))});
      return [ipv6Packet({src: N6, dst: N4_AS6, l4: icmpMsg(1, 4, 0, in6)}),
        ipv4Packet({src: N6_AS4, dst: N4, df: false, l4: icmpMsg(3, 3, 0, in4.subarray(0, 576 - 28))})];
    })()],
    // Jool decides DF from the translated size before the cut: a 1312-byte ICMPv6 error would be 1292 bytes as
    // IPv4, more than 1260, so its 576-byte ICMPv4 error carries DF.
    ['6->4 error of 1312 bytes -> 576 bytes with DF (decided before the cut)', ...(() => {
      const body = Buffer.alloc(1312 - 48 - 48, 5);
      const in6 = ipv6Packet({src: N4_AS6, dst: N6, hopLimit: 63, l4: udp(4000, 2000, body)});
      const in4 = ipv4Packet({src: N4, dst: N6_AS4, ttl: 63, df: false, l4: udp(4000, 2000, body)});
      const err6 = ipv6Packet({src: N6, dst: N4_AS6, l4: icmpMsg(1, 4, 0, in6)});
      assert.equal(err6.length, 1312);
      return [err6, ipv4Packet({src: N6_AS4, dst: N4, df: true, l4: icmpMsg(3, 3, 0, in4.subarray(0, 576 - 28))})];
    })()],
  ];
}

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
    for (const [name, input, expected] of errorRows()) {
      await t.test(name, async () => {
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
