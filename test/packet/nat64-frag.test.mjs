// Packet tests for NAT64 fragments (issue 4): the first fragment is translated through the BIB and
// session tables and recorded; later fragments get the same addresses through that record; a later
// fragment before its first is dropped (drop-fragment-before-first); fragmented ICMP is not translated.
// The real programs run with BPF_PROG_TEST_RUN (XDP hands fragments to tc untouched).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {ipv4Packet, ipv6Packet, udp, tcp, icmpEcho, icmpMsg, raw, fragHeader, ether, checksumProblems, ip4, ip6} from '../helpers/packets.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const OBJ = `${root}build/bpf/nat64.bpf.o`;
const skip = process.getuid?.() !== 0 ? 'needs root (BPF_PROG_TEST_RUN)'
  : !existsSync(OBJ) ? `${OBJ} is not built (npm run build)`
  : !existsSync(`${root}dist/instance/nat64/layout.js`) ? 'dist/ is not built (npm run build)' : false;

import {TC, XDP, tcVerdict, xdpMark} from '../helpers/verdicts.mjs';
const HOOKS = [['xlat_nat64_xdp', 'xdp'], ['xlat_nat64_tc', 'tc']];

const POOL6 = ip6('2001:db8:64::');
const C6 = '2001:db8:1::8';
const S4 = '192.0.2.8', S4_AS6 = '2001:db8:64::c000:208';
const P4 = '192.0.2.1';
const big = Buffer.from(Array.from({length: 300}, (_, i) => (i * 7 + 3) & 0xff));

let L, LAYOUT, obj, maps;
const key0 = Buffer.alloc(4);

before(async () => {
  if (skip) return;
  L = await import(`${root}dist/instance/nat64/layout.js`);
  LAYOUT = (await import(`${root}dist/instance/objects.js`)).layoutVersion('nat64'); // from the object's BTF
  const {openAndLoad} = await import(`${root}dist/bpf/object.js`);
  obj = await openAndLoad(OBJ);
  maps = {
    config: obj.map('nat64_config'), stats: obj.map('nat64_stats'), pool4: obj.map('nat64_pool4'),
    bib4: obj.map('nat64_bib4'), bib6: obj.map('nat64_bib6'), sessions: obj.map('nat64_sessions'), frags: obj.map('nat64_frags'),
  };
});
after(() => obj?.close());

function reset() {
  const ranges = [[6, 61001, 65535], [17, 61001, 65535], [1, 61001, 65535]];
  maps.config.update(key0, L.encodeNat64Config({
    version: LAYOUT, enabled: true, pool6: {addr: Buffer.from(POOL6), len: 96}, fArgs: 0b1011,
    tos: 0, flags: 0, lowestIpv6Mtu: 1280, pool4Count: ranges.length, maxSimultaneousOpens: 10,
    udpTimeout: 300, tcpEstTimeout: 7200, tcpTransTimeout: 240, icmpTimeout: 60, tcpSynTimeout: 6, zeroizeTrafficClass: false, overrideTos: false, mtuPlateaus: [1500, 1280], secret: Buffer.from('0123456789abcdef'),
  }));
  ranges.forEach(([proto, portMin, portMax], i) => {
    const k = Buffer.alloc(4); k.writeUInt32LE(i);
    maps.pool4.update(k, L.encodePool4Range({addr: ip4(P4), prefixLen: 32, mark: 0, portMin, portMax, proto, flags: 0}));
  });
  for (const m of [maps.bib4, maps.bib6, maps.sessions, maps.frags, obj.map('nat64_reasm'), obj.map('nat64_reasm_buf')]) {
    for (const k of [...m.keys()]) m.delete(k);
  }
}

function counter(name) {
  const idx = L.NAT64_COUNTER_NAMES.indexOf(name);
  assert.ok(idx >= 0, `unknown counter ${name}`);
  const k = Buffer.alloc(4); k.writeUInt32LE(idx);
  return maps.stats.lookupPerCpu(k).reduce((s, b) => s + b.readBigUInt64LE(0), 0n);
}

async function runProg(prog, frame) {
  const {testRun} = await import(`${root}dist/bpf/test-run.js`);
  // Room for a reassembled ICMP message, which grows the last fragment's skb.
  return testRun(obj.programFd(prog), frame, {dataSizeOut: 65536});
}

/** The kernel's view: XDP then tc for what XDP hands over, or tc alone. */
async function runHook(prog, frame) {
  if (prog.endsWith('xdp')) {
    const out = await runProg(prog, frame);
    if (out.retval === XDP.DROP) return {verdict: 'drop', delegated: false};
    const m = xdpMark(out.data);
    if (m) return {verdict: m.mark === 'xlat' ? 'xlat' : 'pass', data: m.data, delegated: false};
    assert.equal(out.data.toString('hex'), frame.toString('hex'), 'XDP hands packets to tc untouched');
    const slow = await runProg(prog.replace(/xdp$/, 'tc'), frame);
    return {verdict: tcVerdict(slow.retval), data: slow.data, delegated: true};
  }
  const out = await runProg(prog, frame);
  return {verdict: tcVerdict(out.retval), data: out.data, delegated: false};
}

async function send(prog, pkt, verdict, reason) {
  const before = counter(reason);
  const frame = ether(pkt);
  const out = await runHook(prog, frame);
  assert.equal(out.verdict, verdict, `verdict of ${reason}`);
  assert.equal(counter(reason), before + 1n, `counter ${reason}`);
  if (prog.endsWith('xdp')) assert.ok(out.delegated || verdict === 'drop', 'fragments are the tc slow path\'s');
  if (verdict === 'pass') assert.equal(out.data.toString('hex'), frame.toString('hex'), 'passed untouched');
  if (verdict !== 'xlat') return null;
  const ip = Buffer.from(out.data.subarray(14));
  assert.deepEqual(checksumProblems(ip), [], `${reason}: checksums`);
  return ip;
}

/** Compares IP packets ignoring the IPv4 header checksum (and nothing else). */
function assertSame(actual, expected, label) {
  const a = Buffer.from(actual), e = Buffer.from(expected);
  if (e[0] >> 4 === 4) {
    assert.equal(checksumProblems(a).length, 0, `${label}: IPv4 header checksum`);
    a[10] = a[11] = e[10] = e[11] = 0;
  }
  assert.equal(a.toString('hex'), e.toString('hex'), label);
}

for (const [prog, hook] of HOOKS) {
  test(`nat64 ${hook}: a fragmented UDP datagram from IPv6 and its fragmented answer from IPv4`, {skip}, async () => {
    reset();
    // 6->4: the L4 datagram cut at 64 bytes; the checksum covers all of it.
    const whole6 = ipv6Packet({src: C6, dst: S4_AS6, l4: udp(5000, 53, big)}).subarray(40);
    const first6 = ipv6Packet({src: C6, dst: S4_AS6, hopLimit: 40, ext: [fragHeader({more: true, id: 0x0a0b0c0d})], l4: raw(17, whole6.subarray(0, 64))});
    const later6 = ipv6Packet({src: C6, dst: S4_AS6, hopLimit: 40, ext: [fragHeader({offset: 8, id: 0x0a0b0c0d})], l4: raw(17, whole6.subarray(64))});
    const out1 = await send(prog, first6, 'xlat', 'xlat-6to4');
    const port = out1.readUInt16BE(20);
    assert.ok(port >= 61001, `pool4 port ${port}`);
    const whole4 = ipv4Packet({src: P4, dst: S4, l4: udp(port, 53, big)}).subarray(20);
    assertSame(out1, ipv4Packet({src: P4, dst: S4, ttl: 40, df: false, mf: true, id: 0x0c0d, l4: raw(17, whole4.subarray(0, 64))}),
      'first fragment: pool4 address and port, checksum of the whole translated datagram');
    const rec = maps.frags.lookup(Buffer.concat([ip6(C6), ip6(S4_AS6), Buffer.from([0x0a, 0x0b, 0x0c, 0x0d, 6, 17, 0, 0])]));
    assert.ok(rec, 'the first fragment is recorded');
    assert.equal(rec.readUInt16BE(32), port, 'with the port it got');
    const out2 = await send(prog, later6, 'xlat', 'xlat-fragment-6to4');
    assertSame(out2, ipv4Packet({src: P4, dst: S4, ttl: 40, df: false, fragOffset: 8, id: 0x0c0d, l4: raw(17, whole4.subarray(64))}), 'later fragment');

    // 4->6: the answer, fragmented by the IPv4 host.
    const back4 = ipv4Packet({src: S4, dst: P4, l4: udp(53, port, big)}).subarray(20);
    const back6 = ipv6Packet({src: S4_AS6, dst: C6, l4: udp(53, 5000, big)}).subarray(40);
    const f1 = ipv4Packet({src: S4, dst: P4, ttl: 50, df: false, mf: true, id: 777, l4: raw(17, back4.subarray(0, 96))});
    const f2 = ipv4Packet({src: S4, dst: P4, ttl: 50, df: false, fragOffset: 12, id: 777, l4: raw(17, back4.subarray(96))});
    const o1 = await send(prog, f1, 'xlat', 'xlat-4to6');
    assertSame(o1, ipv6Packet({src: S4_AS6, dst: C6, hopLimit: 50, ext: [fragHeader({more: true, id: 777})], l4: raw(17, back6.subarray(0, 96))}),
      '4->6 first fragment: a fragment header, the node\'s port, checksum of the whole datagram');
    const o2 = await send(prog, f2, 'xlat', 'xlat-fragment-4to6');
    assertSame(o2, ipv6Packet({src: S4_AS6, dst: C6, hopLimit: 50, ext: [fragHeader({offset: 12, id: 777})], l4: raw(17, back6.subarray(96))}), '4->6 later fragment');
    // The later fragment again (a duplicate) still finds the record.
    await send(prog, f2, 'xlat', 'xlat-fragment-4to6');
  });

  test(`nat64 ${hook}: a fragmented TCP segment keeps its checksum right`, {skip}, async () => {
    reset();
    const whole6 = ipv6Packet({src: C6, dst: S4_AS6, l4: tcp(40000, 80, {flags: 2, payload: big})}).subarray(40);
    const first = ipv6Packet({src: C6, dst: S4_AS6, ext: [fragHeader({more: true, id: 99})], l4: raw(6, whole6.subarray(0, 120))});
    const out = await send(prog, first, 'xlat', 'xlat-6to4');
    const port = out.readUInt16BE(20);
    const whole4 = ipv4Packet({src: P4, dst: S4, l4: tcp(port, 80, {flags: 2, payload: big})}).subarray(20);
    assertSame(out, ipv4Packet({src: P4, dst: S4, df: false, mf: true, id: 99, l4: raw(6, whole4.subarray(0, 120))}), 'TCP first fragment');
    const later = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, ext: [fragHeader({offset: 15, id: 99})], l4: raw(6, whole6.subarray(120))}), 'xlat', 'xlat-fragment-6to4');
    assertSame(later, ipv4Packet({src: P4, dst: S4, df: false, fragOffset: 15, id: 99, l4: raw(6, whole4.subarray(120))}), 'TCP later fragment');
  });

  test(`nat64 ${hook}: later fragments before their first, fragmented ICMP, the node's own fragments`, {skip}, async () => {
    reset();
    await send(prog, ipv6Packet({src: C6, dst: S4_AS6, ext: [fragHeader({offset: 8, id: 5})], l4: raw(17, big)}), 'drop', 'drop-fragment-before-first');
    await send(prog, ipv4Packet({src: S4, dst: P4, df: false, fragOffset: 8, id: 5, l4: raw(17, big)}), 'drop', 'drop-fragment-before-first');
    // Fragmented ICMP: an error is never translated; an echo is kept for reassembly (see below).
    await send(prog, ipv6Packet({src: C6, dst: S4_AS6, ext: [fragHeader({more: true, id: 6})], l4: {...icmpEcho(1, 4, 0, big), proto: 'icmp'}}), 'drop', 'drop-icmp-fragment');
    const even = big.subarray(0, 296); // every fragment but the last carries a multiple of 8 bytes
    await send(prog, ipv6Packet({src: C6, dst: S4_AS6, ext: [fragHeader({more: true, id: 7})], l4: icmpEcho(128, 1, 1, even)}), 'drop', 'reasm-held');
    await send(prog, ipv4Packet({src: S4, dst: P4, df: false, mf: true, id: 6, l4: icmpEcho(0, 62000, 1, even)}), 'drop', 'reasm-held');
    await send(prog, ipv4Packet({src: S4, dst: P4, df: false, mf: true, id: 12, l4: icmpEcho(0, 62000, 1, big)}), 'drop', 'drop-truncated');
    // The node's own ping (an identifier outside pool4): the kernel's, and so are its later fragments.
    await send(prog, ipv4Packet({src: S4, dst: P4, df: false, mf: true, id: 11, l4: icmpEcho(0, 40000, 1, big)}), 'pass', 'pass-dst4-not-pool4');
    await send(prog, ipv4Packet({src: S4, dst: P4, df: false, fragOffset: 20, id: 11, l4: raw(1, big)}), 'pass', 'pass-dst4-not-pool4');
    // To the node itself (a port outside pool4): both fragments stay the kernel's.
    const own = ipv4Packet({src: S4, dst: P4, l4: udp(53, 40000, big)}).subarray(20);
    await send(prog, ipv4Packet({src: S4, dst: P4, df: false, mf: true, id: 8, l4: raw(17, own.subarray(0, 64))}), 'pass', 'pass-dst4-not-pool4');
    await send(prog, ipv4Packet({src: S4, dst: P4, df: false, fragOffset: 8, id: 8, l4: raw(17, own.subarray(64))}), 'pass', 'pass-dst4-not-pool4');
    await send(prog, ipv4Packet({src: S4, dst: '192.0.2.99', df: false, fragOffset: 8, id: 9, l4: raw(17, big)}), 'pass', 'pass-dst4-not-pool4');
    // UDP fragments to a pool4 port without a BIB entry: the kernel's (it answers port unreachable), later ones too.
    await send(prog, ipv4Packet({src: S4, dst: P4, df: false, mf: true, id: 10, l4: raw(17, own.subarray(0, 8).fill(0xf0, 2, 3))}), 'pass', 'pass-udp-no-bib');
    await send(prog, ipv4Packet({src: S4, dst: P4, df: false, fragOffset: 1, id: 10, l4: raw(17, own.subarray(8, 64))}), 'pass', 'pass-dst4-not-pool4');
  });
}

// ---------------------------------------------------------------------------
// Fragmented ICMP echo (ping -s 4000): reassembled, then translated whole (nat64/reasm.h).

/** The upper-layer bytes of an IP packet cut into fragments of `size` bytes (a multiple of 8). */
function cut(l4bytes, size) {
  const out = [];
  for (let off = 0; off < l4bytes.length; off += size) out.push({off, bytes: l4bytes.subarray(off, off + size), more: off + size < l4bytes.length});
  return out;
}

for (const [prog, hook] of HOOKS) {
  test(`nat64 ${hook}: a fragmented ICMPv6 echo is reassembled and leaves as one IPv4 echo (any order)`, {skip}, async () => {
    reset();
    const data = Buffer.from(Array.from({length: 3000}, (_, i) => (i * 13 + 5) & 0xff));
    for (const order of [[0, 1, 2], [2, 0, 1]]) {
      const id = 0x1200 + order[0];
      const whole = ipv6Packet({src: C6, dst: S4_AS6, l4: icmpEcho(128, 4242, order[0] + 1, data)}).subarray(40);
      const frags = cut(whole, 1232).map((f) => ipv6Packet({src: C6, dst: S4_AS6, hopLimit: 30, ext: [fragHeader({offset: f.off / 8, more: f.more, id})], l4: raw(58, f.bytes)}));
      assert.equal(frags.length, 3);
      await send(prog, frags[order[0]], 'drop', 'reasm-held');
      await send(prog, frags[order[1]], 'drop', 'reasm-held');
      const out = await send(prog, frags[order[2]], 'xlat', 'xlat-6to4');
      const id4 = out.readUInt16BE(24);
      assert.ok(id4 >= 61001, `pool4 identifier ${id4}`);
      assertSame(out, ipv4Packet({src: P4, dst: S4, ttl: 30, df: false, id: id & 0xffff, l4: icmpEcho(8, id4, order[0] + 1, data)}),
        'one IPv4 echo request: the whole message, checksum without the IPv6 pseudo-header');
    }
    assert.equal([...obj.map('nat64_reasm').keys()].length, 0, 'nothing left behind');
  });

  test(`nat64 ${hook}: a fragmented IPv4 echo reply is reassembled and reaches the IPv6 node`, {skip}, async () => {
    reset();
    const req = await send('xlat_nat64_tc', ipv6Packet({src: C6, dst: S4_AS6, l4: icmpEcho(128, 777, 1)}), 'xlat', 'xlat-6to4');
    const id4 = req.readUInt16BE(24);
    const data = Buffer.from(Array.from({length: 1000}, (_, i) => (i * 3) & 0xff));
    const whole = ipv4Packet({src: S4, dst: P4, l4: icmpEcho(0, id4, 1, data)}).subarray(20);
    const [a, b] = cut(whole, 600);
    await send(prog, ipv4Packet({src: S4, dst: P4, ttl: 40, df: false, mf: true, id: 321, l4: raw(1, a.bytes)}), 'drop', 'reasm-held');
    const out = await send(prog, ipv4Packet({src: S4, dst: P4, ttl: 40, df: false, fragOffset: b.off / 8, id: 321, l4: raw(1, b.bytes)}), 'xlat', 'xlat-4to6');
    assertSame(out, ipv6Packet({src: S4_AS6, dst: C6, hopLimit: 40, l4: icmpEcho(129, 777, 1, data)}), 'one ICMPv6 echo reply to the node');
  });

  test(`nat64 ${hook}: reassembly bounds: overlaps, too big, a full table`, {skip}, async () => {
    reset();
    const data = Buffer.alloc(2000, 0x5a);
    const whole = ipv6Packet({src: C6, dst: S4_AS6, l4: icmpEcho(128, 1, 1, data)}).subarray(40);
    const f = (off, len, more, id) => ipv6Packet({src: C6, dst: S4_AS6, ext: [fragHeader({offset: off / 8, more, id})], l4: raw(58, whole.subarray(off, off + len))});
    // RFC 5722: an overlapping fragment kills its datagram; what follows of it is dropped too.
    await send(prog, f(0, 1000, true, 90), 'drop', 'reasm-held');
    await send(prog, f(992, 800, true, 90), 'drop', 'drop-reasm-overlap');
    await send(prog, f(1000, 1008, false, 90), 'drop', 'drop-reasm-overlap');
    // Past XLAT_NAT64_REASM_BYTES (16384): not kept.
    await send(prog, ipv6Packet({src: C6, dst: S4_AS6, ext: [fragHeader({offset: 16000 / 8, more: false, id: 91})], l4: raw(58, Buffer.alloc(800))}), 'drop', 'drop-reasm-too-big');
    // XLAT_NAT64_REASM_MAX (64) messages at once; the 65th waits for one to finish or expire.
    for (let i = 0; i < 63; i++) await send(prog, f(0, 1000, true, 100 + i), 'drop', 'reasm-held');
    await send(prog, f(0, 1000, true, 200), 'drop', 'drop-reasm-table-full');
  });
}

test('nat64: a record expires after 2 s', {skip}, async () => {
  reset();
  const whole6 = ipv6Packet({src: C6, dst: S4_AS6, l4: udp(5001, 53, big)}).subarray(40);
  await send('xlat_nat64_tc', ipv6Packet({src: C6, dst: S4_AS6, ext: [fragHeader({more: true, id: 42})], l4: raw(17, whole6.subarray(0, 64))}), 'xlat', 'xlat-6to4');
  const k = Buffer.concat([ip6(C6), ip6(S4_AS6), Buffer.from([0, 0, 0, 42, 6, 17, 0, 0])]);
  const exp = maps.frags.lookup(k).readBigUInt64LE(40);
  const left = Number(exp - process.hrtime.bigint()) / 1e9;
  assert.ok(left > 1.5 && left <= 2, `record lives 2 s (${left})`);
  // Pretend it is older: the lookup treats it as gone and deletes it.
  const v = maps.frags.lookup(k); v.writeBigUInt64LE(process.hrtime.bigint() - 1n, 40); maps.frags.update(k, v);
  await send('xlat_nat64_tc', ipv6Packet({src: C6, dst: S4_AS6, ext: [fragHeader({offset: 8, id: 42})], l4: raw(17, whole6.subarray(64))}), 'drop', 'drop-fragment-before-first');
  assert.equal(maps.frags.lookup(k), null, 'the expired record was deleted');
});

// ---------------------------------------------------------------------------
// Atomic fragments (a fragment header with offset 0 and M=0, RFC 6946): a whole message, translated as if the header
// were not there (RFC 7915 5.1.1: the identification carried over, DF clear), echo requests and errors alike.

for (const [prog, hook] of HOOKS) {
  test(`nat64 ${hook}: an ICMPv6 echo request in an atomic fragment is translated like an unfragmented one`, {skip}, async () => {
    reset();
    const data = Buffer.from('atomic fragment echo');
    const out = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, hopLimit: 30, ext: [fragHeader({id: 0x10203})], l4: icmpEcho(128, 4243, 9, data)}), 'xlat', 'xlat-6to4');
    const id4 = out.readUInt16BE(24);
    assert.ok(id4 >= 61001, `pool4 identifier ${id4}`);
    assertSame(out, ipv4Packet({src: P4, dst: S4, ttl: 30, df: false, id: 0x0203, l4: icmpEcho(8, id4, 9, data)}), 'one IPv4 echo request');
  });

  test(`nat64 ${hook}: an ICMPv6 error in an atomic fragment reaches the IPv4 node translated`, {skip}, async () => {
    reset();
    // An IPv4 node's UDP to the IPv6 node through a BIB entry the node made; the node answers port unreachable.
    const req = await send('xlat_nat64_tc', ipv6Packet({src: C6, dst: S4_AS6, l4: udp(5002, 53, big)}), 'xlat', 'xlat-6to4');
    const p4port = req.readUInt16BE(20);
    const back6 = ipv6Packet({src: S4_AS6, dst: C6, hopLimit: 60, l4: udp(53, 5002, Buffer.alloc(8, 1))});
    const out = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, ext: [fragHeader({id: 77})], l4: icmpMsg(1, 4, 0, back6)}), 'xlat', 'xlat-icmp-error-6to4');
    const back4 = ipv4Packet({src: S4, dst: P4, ttl: 60, df: false, l4: udp(53, p4port, Buffer.alloc(8, 1))});
    assert.equal(out.readUInt8(20), 3, 'ICMPv4 destination unreachable');
    assert.equal(out.readUInt8(21), 3, 'port unreachable');
    assert.equal(out.subarray(28 + 12, 28 + 20).toString('hex'), back4.subarray(12, 20).toString('hex'), 'inner addresses: the IPv4 view');
    assert.equal(out.readUInt16BE(28 + 22), p4port, 'inner destination port: the pool4 one');
  });
}
