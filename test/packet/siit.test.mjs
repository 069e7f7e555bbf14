// Packet tests: the real SIIT programs (XDP and tc) run with BPF_PROG_TEST_RUN on crafted
// packets. Each row: input packet, expected verdict, expected output, counter reason.
// Expected bytes are built from RFC 7915 / RFC 6052 here; checksums are verified from scratch.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {
  ipv4Packet, ipv6Packet, udp, tcp, icmpEcho, ether, checksumProblems, ip4, ip6, MAC_A, MAC_B,
} from '../helpers/packets.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const OBJ = `${root}build/bpf/siit.bpf.o`;
const skip = process.getuid?.() !== 0 ? 'needs root (BPF_PROG_TEST_RUN)'
  : !existsSync(OBJ) ? `${OBJ} is not built (npm run build)`
  : !existsSync(`${root}dist/bpf/object.js`) ? 'dist/ is not built (npm run build)' : false;

const XDP = {PASS: 2, DROP: 1};
const TC = {OK: 0, SHOT: 2};

// The conformance corpus's addressing: pool6 2001:db8:100::/40.
// n6 2001:db8:1c0:2:21:: is 192.0.2.33; n4 198.51.100.2 is 2001:db8:1c6:3364:2::.
const POOL6 = {addr: ip6('2001:db8:100::'), len: 40};
const N6 = '2001:db8:1c0:2:21::', N4_AS6 = '2001:db8:1c6:3364:2::';
const N6_AS4 = '192.0.2.33', N4 = '198.51.100.2';
const LOCAL4 = '198.51.100.1';

let obj, counters, names, layout;

function configBuffer({enabled = true, pool6 = POOL6} = {}) {
  return layout.encodeSiitConfig({version: layout.XLAT_SIIT_CONFIG_VERSION, enabled, pool6});
}

const key0 = Buffer.alloc(4);

before(async () => {
  if (skip) return;
  const {openAndLoad} = await import(`${root}dist/bpf/object.js`);
  layout = await import(`${root}dist/instance/layout.js`);
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

async function run(prog, frame) {
  const {testRun} = await import(`${root}dist/bpf/test-run.js`);
  return testRun(obj.programFd(prog), frame);
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
  ['IPv6 outside pool6 passes', ipv6Packet({src: N6, dst: '2001:db8:ffff::1', l4: udp(1, 2)}), 'pass', null, 'pass-dst6-not-pool6'],
  ['IPv6 source outside pool6 passes', ipv6Packet({src: '2001:db8:ffff::1', dst: N4_AS6, l4: udp(1, 2)}), 'pass', null, 'pass-src6-untranslatable'],
  ['IPv6 hop limit 1 is left to the kernel', ipv6Packet({src: N6, dst: N4_AS6, hopLimit: 1, l4: udp(1, 2)}), 'pass', null, 'pass-hop-limit'],
  ['IPv6 fragment header passes', ipv6Packet({src: N6, dst: N4_AS6, nextHeader: 44, l4: udp(1, 2)}), 'pass', null, 'pass-fragment'],
  ['IPv6 hop-by-hop header passes', ipv6Packet({src: N6, dst: N4_AS6, nextHeader: 0, l4: udp(1, 2)}), 'pass', null, 'pass-ext-header'],
  ['ICMPv6 error passes (not yet translated)', ipv6Packet({src: N6, dst: N4_AS6, l4: icmpEcho(1, 0, 0, payload)}), 'pass', null, 'pass-icmp-type'],
  ['IPv4 to the node itself passes', ipv4Packet({src: N4, dst: LOCAL4, l4: icmpEcho(8, 1, 1)}), 'pass', null, 'pass-dst4-local'],
  ['IPv4 broadcast passes', ipv4Packet({src: N4, dst: '255.255.255.255', l4: udp(68, 67)}), 'pass', null, 'pass-dst4-special'],
  ['IPv4 from loopback range passes', ipv4Packet({src: '127.0.0.1', dst: N6_AS4, l4: udp(1, 2)}), 'pass', null, 'pass-src4-special'],
  ['IPv4 TTL 1 is left to the kernel', ipv4Packet({src: N4, dst: N6_AS4, ttl: 1, l4: udp(1, 2)}), 'pass', null, 'pass-hop-limit'],
  ['IPv4 fragment passes', ipv4Packet({src: N4, dst: N6_AS4, df: false, mf: true, l4: udp(1, 2)}), 'pass', null, 'pass-fragment'],
  ['IPv4 unsupported protocol passes', ipv4Packet({src: N4, dst: N6_AS4, protoOverride: 47, l4: udp(1, 2)}), 'pass', null, 'pass-proto'],
  ['IPv4 UDP with zero checksum is dropped', ipv4Packet({src: N4, dst: N6_AS4, l4: {...udp(1, 2, payload), zeroChecksum: true}}), 'drop', null, 'drop-udp-zero-csum'],
  ['IPv4 truncated UDP header is dropped', ipv4Packet({src: N4, dst: N6_AS4, l4: udp(1, 2)}).subarray(0, 24), 'drop', null, 'drop-truncated'],
  ['ARP passes', Buffer.alloc(28, 1), 'pass', null, 'pass-not-ip', 0x0806],
];

for (const [prog, label] of [['xlat_siit_xdp', 'xdp'], ['xlat_siit_tc', 'tc']]) {
  test(`siit ${label}: translation table`, {skip}, async (t) => {
    for (const [name, input, verdict, expected, reason, ethType] of rows()) {
      await t.test(name, async () => {
        const idx = names.indexOf(reason);
        assert.ok(idx >= 0, `unknown counter ${reason}`);
        const before = counterValue(idx);
        const frame = ether(input, {type: ethType});
        const out = await run(prog, frame);
        const want = label === 'xdp'
          ? {xlat: XDP.PASS, pass: XDP.PASS, drop: XDP.DROP}[verdict]
          : {xlat: TC.OK, pass: TC.OK, drop: TC.SHOT}[verdict];
        assert.equal(out.retval, want, 'verdict');
        assert.equal(counterValue(idx), before + 1n, `counter ${reason}`);
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
    for (const [c, reason] of [[configBuffer({enabled: false}), 'pass-disabled'], [configBuffer({pool6: null}), 'pass-no-pool6']]) {
      cfg.update(key0, c);
      const frame = ether(ipv6Packet({src: N6, dst: N4_AS6, l4: udp(1, 2)}));
      const idx = names.indexOf(reason);
      const before = counterValue(idx);
      const out = await run('xlat_siit_xdp', frame);
      assert.equal(out.retval, XDP.PASS);
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
      const out = await run('xlat_siit_xdp', ether(v4));
      assert.equal(out.retval, XDP.PASS);
      const v6 = out.data.subarray(14);
      assert.equal(v6.subarray(24, 40).toString('hex'), ip6(expectDst[len]).toString('hex'), `/${len} destination`);
      assert.deepEqual(checksumProblems(v6), []);
      const back = await run('xlat_siit_xdp', ether(Buffer.from(v6)));
      assertSamePacket(back.data.subarray(14), v4, `/${len} back to IPv4`);
    }
  } finally {
    cfg.update(key0, configBuffer());
  }
});
