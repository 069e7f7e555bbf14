// Packet tests for NAT64 fragments (issue 4): the first fragment is translated through the BIB and
// session tables and recorded; later fragments get the same addresses through that record; a later
// fragment before its first is dropped (drop-fragment-before-first); fragmented ICMP is not translated.
// The real programs run with BPF_PROG_TEST_RUN (XDP hands fragments to tc untouched).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {ipv4Packet, ipv6Packet, udp, tcp, icmpEcho, raw, fragHeader, ether, checksumProblems, ip4, ip6} from '../helpers/packets.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const OBJ = `${root}build/bpf/nat64.bpf.o`;
const skip = process.getuid?.() !== 0 ? 'needs root (BPF_PROG_TEST_RUN)'
  : !existsSync(OBJ) ? `${OBJ} is not built (npm run build)`
  : !existsSync(`${root}dist/instance/nat64-layout.js`) ? 'dist/ is not built (npm run build)' : false;

const XDP = {DROP: 1, PASS: 2};
const TC = {OK: 0, SHOT: 2};
const META_DONE = 0x786c6174;
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
  L = await import(`${root}dist/instance/nat64-layout.js`);
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
    udpTimeout: 300, tcpEstTimeout: 7200, tcpTransTimeout: 240, icmpTimeout: 60, tcpSynTimeout: 6, secret: Buffer.from('0123456789abcdef'),
  }));
  ranges.forEach(([proto, portMin, portMax], i) => {
    const k = Buffer.alloc(4); k.writeUInt32LE(i);
    maps.pool4.update(k, L.encodePool4Range({addr: ip4(P4), prefixLen: 32, mark: 0, portMin, portMax, proto, flags: 0}));
  });
  for (const m of [maps.bib4, maps.bib6, maps.sessions, maps.frags]) for (const k of [...m.keys()]) m.delete(k);
}

function counter(name) {
  const idx = L.NAT64_COUNTER_NAMES.indexOf(name);
  assert.ok(idx >= 0, `unknown counter ${name}`);
  const k = Buffer.alloc(4); k.writeUInt32LE(idx);
  return maps.stats.lookupPerCpu(k).reduce((s, b) => s + b.readBigUInt64LE(0), 0n);
}

async function runProg(prog, frame) {
  const {testRun} = await import(`${root}dist/bpf/test-run.js`);
  return testRun(obj.programFd(prog), frame);
}

/** The kernel's view: XDP then tc for what XDP hands over, or tc alone. */
async function runHook(prog, frame) {
  if (prog.endsWith('xdp')) {
    const out = await runProg(prog, frame);
    if (out.retval === XDP.DROP) return {verdict: 'drop', delegated: false};
    if (out.data.length >= 4 && out.data.readUInt32LE(0) === META_DONE) return {verdict: 'ok', data: out.data.subarray(4), delegated: false};
    assert.equal(out.data.toString('hex'), frame.toString('hex'), 'XDP hands packets to tc untouched');
    const slow = await runProg(prog.replace(/xdp$/, 'tc'), frame);
    return {verdict: slow.retval === TC.SHOT ? 'drop' : 'ok', data: slow.data, delegated: true};
  }
  const out = await runProg(prog, frame);
  return {verdict: out.retval === TC.SHOT ? 'drop' : 'ok', data: out.data, delegated: false};
}

async function send(prog, pkt, verdict, reason) {
  const before = counter(reason);
  const frame = ether(pkt);
  const out = await runHook(prog, frame);
  assert.equal(out.verdict, verdict === 'drop' ? 'drop' : 'ok', `verdict of ${reason}`);
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
    await send(prog, ipv6Packet({src: C6, dst: S4_AS6, ext: [fragHeader({more: true, id: 6})], l4: icmpEcho(128, 1, 1, big)}), 'drop', 'drop-icmp-fragment');
    await send(prog, ipv4Packet({src: S4, dst: P4, df: false, mf: true, id: 6, l4: icmpEcho(0, 62000, 1, big)}), 'drop', 'drop-icmp-fragment');
    await send(prog, ipv4Packet({src: S4, dst: P4, df: false, fragOffset: 20, id: 6, l4: raw(1, big)}), 'drop', 'drop-icmp-fragment');
    // To the node itself (a port outside pool4): both fragments stay the kernel's.
    const own = ipv4Packet({src: S4, dst: P4, l4: udp(53, 40000, big)}).subarray(20);
    await send(prog, ipv4Packet({src: S4, dst: P4, df: false, mf: true, id: 8, l4: raw(17, own.subarray(0, 64))}), 'pass', 'pass-dst4-not-pool4');
    await send(prog, ipv4Packet({src: S4, dst: P4, df: false, fragOffset: 8, id: 8, l4: raw(17, own.subarray(64))}), 'pass', 'pass-dst4-not-pool4');
    await send(prog, ipv4Packet({src: S4, dst: '192.0.2.99', df: false, fragOffset: 8, id: 9, l4: raw(17, big)}), 'pass', 'pass-dst4-not-pool4');
    // IPv4 fragments without a BIB entry on a pool4 port: dropped, and so are the later ones.
    await send(prog, ipv4Packet({src: S4, dst: P4, df: false, mf: true, id: 10, l4: raw(17, own.subarray(0, 8).fill(0xf0, 2, 3))}), 'drop', 'drop-no-bib');
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
