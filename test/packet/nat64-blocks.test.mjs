// Packet tests for deterministic pool4 (RFC 7422): the real NAT64 programs (XDP and tc) run with
// BPF_PROG_TEST_RUN; block entries written as `pool4 add --deterministic` writes them. Each subscriber's mappings
// take ports from its block only (TCP, UDP and ICMP), replies come back through them, a full block refuses that
// subscriber's new flows only (drop-block-full), and sources outside the range keep the ordinary pool4.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {ipv4Packet, ipv6Packet, udp, tcp, icmpEcho, ether, checksumProblems, ip4, ip6} from '../helpers/packets.mjs';
import {XDP, tcVerdict, xdpMark} from '../helpers/verdicts.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const OBJ = `${root}build/bpf/nat64.bpf.o`;
const skip = process.getuid?.() !== 0 ? 'needs root (BPF_PROG_TEST_RUN)'
  : !existsSync(OBJ) ? `${OBJ} is not built (npm run build)`
  : !existsSync(`${root}dist/instance/nat64/blocks-layout.js`) ? 'dist/ is not built (npm run build)' : false;
const HOOKS = [['xlat_nat64_xdp', 'xdp'], ['xlat_nat64_tc', 'tc']];

const S4 = '192.0.2.8', S4_AS6 = '64:ff9b::c000:208';
const P4 = '192.0.2.1'; // the ordinary pool4
// 16 subscribers of /124 in 2001:db8:1::/120; 8 blocks of 4 ports per address (1024-1055) on 203.0.113.0/31.
const DET = {range6: '2001:db8:1::/120', subLen: 124, prefix4: '203.0.113.0/31', ports: '1024-1055', blockSize: 4};
const TCPF = {SYN: 2};

let L, B, M, LAYOUT, lpmKey, obj, maps, entry, ip6pool;
const key0 = Buffer.alloc(4);
const payload = Buffer.from('rfc 7422 packet test');

function reset() {
  const cfg = {
    version: LAYOUT, enabled: true, pool6: {addr: Buffer.from(ip6pool), len: 96}, fArgs: 0b1011, tos: 0, flags: 0, lowestIpv6Mtu: 1280,
    pool4Count: 3, maxSimultaneousOpens: 10, udpTimeout: 300, tcpEstTimeout: 7200, tcpTransTimeout: 240, icmpTimeout: 60, tcpSynTimeout: 6,
    zeroizeTrafficClass: false, overrideTos: false, mtuPlateaus: [1500, 1280], secret: Buffer.from('0123456789abcdef'),
  };
  [6, 17, 1].forEach((proto, i) => {
    const k = Buffer.alloc(4); k.writeUInt32LE(i);
    maps.pool4.update(k, L.encodePool4Range({addr: ip4(P4), prefixLen: 32, mark: 0, portMin: 61001, portMax: 65535, proto, flags: 0, maxIter: 0}));
  });
  maps.config.update(key0, L.encodeNat64Config(cfg));
  for (const m of [maps.bib4, maps.bib6, maps.sessions]) for (const k of [...m.keys()]) m.delete(k);
}

function setBlocks(entries) {
  for (const m of [maps.blk6, maps.blk4]) for (const k of [...m.keys()]) m.delete(k);
  entries.forEach((e, id) => {
    const v = B.encodeBlkEntry(e, id);
    maps.blk4.update(lpmKey(Buffer.from([e.addr4 >>> 24, (e.addr4 >>> 16) & 255, (e.addr4 >>> 8) & 255, e.addr4 & 255]), e.len4), v);
    maps.blk6.update(lpmKey(Buffer.from(e.range6.addr), e.range6.len), v);
  });
  maps.blkCtl.update(key0, B.encodeBlkCtl(entries.length));
}

before(async () => {
  if (skip) return;
  L = await import(`${root}dist/instance/nat64/layout.js`);
  LAYOUT = (await import(`${root}dist/instance/objects.js`)).layoutVersion('nat64');
  lpmKey = (await import(`${root}dist/instance/layout.js`)).encodeLpmKey;
  B = await import(`${root}dist/instance/nat64/blocks-layout.js`);
  M = await import(`${root}dist/model/rfc7422.js`);
  ip6pool = ip6('64:ff9b::');
  const {openAndLoad} = await import(`${root}dist/bpf/object.js`);
  obj = await openAndLoad(OBJ);
  const m = (n) => obj.map(n);
  maps = {config: m('nat64_config'), stats: m('nat64_stats'), pool4: m('nat64_pool4'), bib4: m('nat64_bib4'), bib6: m('nat64_bib6'),
    sessions: m('nat64_sessions'), blk6: m('nat64_blk6'), blk4: m('nat64_blk4'), blkCtl: m('nat64_blk_ctl')};
  entry = M.parseDetEntry({...DET, since: 0});
  reset();
});
after(() => obj?.close());

function counter(name) {
  const k = Buffer.alloc(4); k.writeUInt32LE(L.NAT64_COUNTER_NAMES.indexOf(name));
  return maps.stats.lookupPerCpu(k).reduce((s, b) => s + b.readBigUInt64LE(0), 0n);
}

/** The frame through the hook (XDP, then tc for what XDP hands over): 'xlat' with the IP packet, 'pass' or 'drop'. */
async function run(prog, pkt) {
  const {testRun} = await import(`${root}dist/bpf/test-run.js`);
  const frame = ether(pkt);
  let out = await testRun(obj.programFd(prog), frame);
  if (prog.endsWith('xdp')) {
    if (out.retval === XDP.DROP) return {verdict: 'drop'};
    const mk = xdpMark(out.data);
    if (mk) return {verdict: mk.mark === 'xlat' ? 'xlat' : 'pass', ip: mk.data.subarray(14)};
    out = await testRun(obj.programFd(prog.replace(/xdp$/, 'tc')), frame);
  }
  const verdict = tcVerdict(out.retval);
  return {verdict, ip: out.data.subarray(14)};
}

/** 6->4 from src#sport; returns the IPv4 source transport address it left with, or null when dropped. */
async function out6(prog, src, sport, proto = 'udp') {
  const l4 = proto === 'udp' ? udp(sport, 53, payload) : proto === 'tcp' ? tcp(sport, 80, {flags: TCPF.SYN, seq: 1}) : icmpEcho(128, sport, 1, payload);
  const r = await run(prog, ipv6Packet({src, dst: S4_AS6, l4}));
  if (r.verdict === 'drop') return null;
  assert.equal(r.verdict, 'xlat', `${src}#${sport} ${proto} translated`);
  assert.deepEqual(checksumProblems(r.ip), []);
  const a = `${r.ip[12]}.${r.ip[13]}.${r.ip[14]}.${r.ip[15]}`;
  return {addr: a, port: proto === 'icmp' ? r.ip.readUInt16BE(24) : r.ip.readUInt16BE(20)};
}

const num = (a) => a.split('.').reduce((x, y) => x * 256 + Number(y), 0);
const blockOf = (src) => M.lookup6([entry], {addr: ip6(src), len: 128}).block;

for (const [prog, hook] of HOOKS) {
  test(`nat64 ${hook}: each subscriber's TCP, UDP and ICMP mappings stay in its block; replies come back`, {skip}, async () => {
    reset();
    setBlocks([entry]);
    // Subscribers 0, 1, 9 (another address), and a second host of subscriber 1.
    for (const src of ['2001:db8:1::1', '2001:db8:1::12', '2001:db8:1::1f', '2001:db8:1::93']) {
      const b = blockOf(src);
      for (const proto of ['udp', 'tcp', 'icmp']) {
        const t = await out6(prog, src, 5000 + proto.length, proto);
        assert.ok(t, `${src} ${proto} mapped`);
        assert.equal(num(t.addr), b.addr, `${src} ${proto}: its block's address`);
        assert.ok(t.port >= b.first && t.port <= b.last, `${src} ${proto}: port ${t.port} in ${b.first}-${b.last}`);
        if (proto !== 'udp') continue;
        const back = await run(prog, ipv4Packet({src: S4, dst: t.addr, l4: udp(53, t.port, payload)}));
        assert.equal(back.verdict, 'xlat', `the reply to ${t.addr}#${t.port} is translated back`);
        assert.equal(back.ip.readUInt16BE(42), 5003, 'to the subscriber host\'s own port');
      }
    }
    // A source outside the range keeps the ordinary pool4.
    const other = await out6(prog, '2001:db8:2::1', 5000);
    assert.equal(other.addr, P4);
    assert.ok(other.port >= 61001);
  });

  test(`nat64 ${hook}: a full block refuses its subscriber's new flows only, counted as drop-block-full`, {skip}, async () => {
    reset();
    setBlocks([entry]);
    const b = blockOf('2001:db8:1::21');
    const seen = new Set();
    for (let i = 0; i < 4; i++) {
      const t = await out6(prog, '2001:db8:1::21', 6000 + i);
      assert.ok(t && num(t.addr) === b.addr && t.port >= b.first && t.port <= b.last, `flow ${i} in the block`);
      seen.add(t.port);
    }
    assert.equal(seen.size, 4, 'four flows, the block\'s four ports');
    const full = counter('drop-block-full');
    assert.equal(await out6(prog, '2001:db8:1::22', 6010), null, 'a fifth flow of the subscriber (another host) is dropped');
    assert.equal(counter('drop-block-full'), full + 1n, 'counted');
    // The neighbours' blocks are untouched and still serve.
    for (const src of ['2001:db8:1::11', '2001:db8:1::31']) {
      const t = await out6(prog, src, 6000);
      const nb = blockOf(src);
      assert.ok(t && num(t.addr) === nb.addr && t.port >= nb.first && t.port <= nb.last, `${src} maps in its own block`);
    }
    // An existing flow of the full subscriber still goes through.
    assert.ok(await out6(prog, '2001:db8:1::21', 6001), 'an established flow keeps working');
  });

  test(`nat64 ${hook}: with no block entries, nothing changes`, {skip}, async () => {
    reset();
    setBlocks([]);
    const t = await out6(prog, '2001:db8:1::1', 5000);
    assert.equal(t.addr, P4);
    const back = await run(prog, ipv4Packet({src: S4, dst: '203.0.113.0', l4: udp(53, 1024, payload)}));
    assert.equal(back.verdict, 'pass', 'an address of no entry is not pool4');
  });
}
