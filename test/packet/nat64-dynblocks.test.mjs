// Packet tests for dynamic port blocks (RFC 7422 blocks given out on demand): the real NAT64 programs (XDP and
// tc) run with BPF_PROG_TEST_RUN, block entries written as `pool4 add --dynamic` writes them. A subscriber's first
// flow takes a block (an event in the nat64_events ring buffer, read here through libbpf's ring_buffer as
// `log follow` reads it), its other flows and hosts reuse it, a new subscriber finds none while every block is
// taken (drop-no-free-block), and the block goes back when the subscriber's last BIB entry goes (an event). With
// nobody reading, a full ring buffer loses events, and each loss is counted (event-lost).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {setTimeout as sleep} from 'node:timers/promises';
import {fileURLToPath} from 'node:url';
import {ipv4Packet, ipv6Packet, udp, ether, ip6} from '../helpers/packets.mjs';
import {XDP, tcVerdict, xdpMark} from '../helpers/verdicts.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const OBJ = `${root}build/bpf/nat64.bpf.o`;
const skip = process.getuid?.() !== 0 ? 'needs root (BPF_PROG_TEST_RUN)'
  : !existsSync(OBJ) ? `${OBJ} is not built (npm run build)`
  : !existsSync(`${root}dist/model/nat64-events.js`) ? 'dist/ is not built (npm run build)' : false;
const HOOKS = [['xlat_nat64_xdp', 'xdp'], ['xlat_nat64_tc', 'tc']];

const S4_AS6 = '64:ff9b::c000:208';
// 16 subscribers of /124 in 2001:db8:1::/120 share two blocks of 4 ports (1024-1031) on 203.0.113.7.
const DYN = {range6: '2001:db8:1::/120', subLen: 124, prefix4: '203.0.113.7', ports: '1024-1031', blockSize: 4, dynamic: true};
const payload = Buffer.from('dynamic blocks');
const key0 = Buffer.alloc(4);

let L, B, M, EV, LAYOUT, lpmKey, lib, testRun, entry;

/** One loaded object with its maps and a reader of its ring buffer (events collected in .events). */
async function load(maxEntries = {}) {
  const {openAndLoad} = await import(`${root}dist/bpf/object.js`);
  const obj = await openAndLoad(OBJ, {maxEntries});
  const m = (n) => obj.map(n);
  const maps = {config: m('nat64_config'), stats: m('nat64_stats'), pool4: m('nat64_pool4'), bib4: m('nat64_bib4'), bib6: m('nat64_bib6'),
    sessions: m('nat64_sessions'), blk6: m('nat64_blk6'), blk4: m('nat64_blk4'), blkCtl: m('nat64_blk_ctl'), blkUse: m('nat64_blk_use'),
    blkSub: m('nat64_blk_sub'), blkUsed: m('nat64_blk_used'), events: m('nat64_events')};
  const t = {obj, maps, events: [], rb: null};
  t.read = () => {
    t.rb ??= lib.ring_buffer__new(maps.events.fd, (data) => t.events.push(EV.decodeEvent(data)));
    assert.ok(t.rb, 'ring_buffer__new');
    assert.ok(lib.ring_buffer__poll(t.rb, 0) >= 0);
    return t.events.splice(0);
  };
  t.close = () => {
    if (t.rb) lib.ring_buffer__free(t.rb);
    obj.close();
  };
  return t;
}

function reset(t, udpTimeout = 300) {
  const {maps} = t;
  const cfg = {
    version: LAYOUT, enabled: true, pool6: {addr: Buffer.from(ip6('64:ff9b::')), len: 96}, fArgs: 0b1011, tos: 0, flags: 0, lowestIpv6Mtu: 1280,
    pool4Count: 0, maxSimultaneousOpens: 10, udpTimeout, tcpEstTimeout: 7200, tcpTransTimeout: 240, icmpTimeout: 60, tcpSynTimeout: 6,
    zeroizeTrafficClass: false, overrideTos: false, mtuPlateaus: [1500, 1280], secret: Buffer.from('0123456789abcdef'),
  };
  maps.config.update(key0, L.encodeNat64Config(cfg));
  for (const m of [maps.bib4, maps.bib6, maps.sessions, maps.blk6, maps.blk4, maps.blkUse, maps.blkSub]) for (const k of [...m.keys()]) m.delete(k);
  const v = B.encodeBlkEntry(entry, 0);
  maps.blk4.update(lpmKey(Buffer.from([203, 0, 113, 7]), 32), v);
  maps.blk6.update(lpmKey(Buffer.from(entry.range6.addr), entry.range6.len), v);
  maps.blkUsed.update(key0, Buffer.alloc(8));
  maps.blkCtl.update(key0, B.encodeBlkCtl(1, 1));
}

function setUdpTimeout(t, seconds) {
  const cfg = L.decodeNat64Config(t.maps.config.lookup(key0));
  t.maps.config.update(key0, L.encodeNat64Config({...cfg, udpTimeout: seconds}));
}

before(async () => {
  if (skip) return;
  L = await import(`${root}dist/instance/nat64/layout.js`);
  LAYOUT = (await import(`${root}dist/instance/objects.js`)).layoutVersion('nat64');
  lpmKey = (await import(`${root}dist/instance/layout.js`)).encodeLpmKey;
  B = await import(`${root}dist/instance/nat64/blocks-layout.js`);
  M = await import(`${root}dist/model/rfc7422.js`);
  EV = await import(`${root}dist/model/nat64-events.js`);
  lib = await (await import(`${root}dist/ffi/libbpf.js`)).libbpf();
  testRun = (await import(`${root}dist/bpf/test-run.js`)).testRun;
  entry = M.parseDetEntry({...DYN, since: 0});
});

function counter(t, name) {
  const k = Buffer.alloc(4); k.writeUInt32LE(L.NAT64_COUNTER_NAMES.indexOf(name));
  return t.maps.stats.lookupPerCpu(k).reduce((s, b) => s + b.readBigUInt64LE(0), 0n);
}

async function run(t, prog, pkt) {
  const frame = ether(pkt);
  let out = await testRun(t.obj.programFd(prog), frame);
  if (prog.endsWith('xdp')) {
    if (out.retval === XDP.DROP) return {verdict: 'drop'};
    const mk = xdpMark(out.data);
    if (mk) return {verdict: mk.mark === 'xlat' ? 'xlat' : 'pass', ip: mk.data.subarray(14)};
    out = await testRun(t.obj.programFd(prog.replace(/xdp$/, 'tc')), frame);
  }
  return {verdict: tcVerdict(out.retval), ip: out.data.subarray(14)};
}

/** UDP 6->4 from src#sport: the IPv4 source port it left with, or null when dropped. */
async function out6(t, prog, src, sport) {
  const r = await run(t, prog, ipv6Packet({src, dst: S4_AS6, l4: udp(sport, 53, payload)}));
  if (r.verdict === 'drop') return null;
  assert.equal(r.verdict, 'xlat', `${src}#${sport} translated`);
  assert.deepEqual([...r.ip.subarray(12, 16)], [203, 0, 113, 7], 'from the entry\'s address');
  return r.ip.readUInt16BE(20);
}

const blockOfPort = (port) => Math.floor((port - 1024) / 4);
const ev = (type, sub, block) => ({type, subscriber: sub, address: '203.0.113.7', ports: [1024 + 4 * block, 1027 + 4 * block]});
const pick = (e) => ({type: e.type, subscriber: e.subscriber, address: e.address, ports: e.ports});

for (const [prog, hook] of HOOKS) {
  test(`nat64 ${hook}: a subscriber's first flow takes a free block (an event), its other flows and hosts reuse it; with none free a new subscriber is refused`, {skip}, async () => {
    const t = await load();
    try {
      reset(t);
      t.read();
      const a = await out6(t, prog, '2001:db8:1::1', 5000);
      assert.ok(a >= 1024 && a <= 1031);
      const ba = blockOfPort(a);
      assert.deepEqual(t.read().map(pick), [ev('allocated', '2001:db8:1::/124', ba)]);
      assert.equal(counter(t, 'block-allocated'), 1n);
      // Another flow and another host of the same subscriber: the same block, no event.
      assert.equal(blockOfPort(await out6(t, prog, '2001:db8:1::1', 5001)), ba);
      assert.equal(blockOfPort(await out6(t, prog, '2001:db8:1::9', 5000)), ba);
      assert.deepEqual(t.read(), []);
      // A second subscriber: the other block.
      const b = await out6(t, prog, '2001:db8:1::11', 5000);
      assert.notEqual(blockOfPort(b), ba);
      assert.deepEqual(t.read().map(pick), [ev('allocated', '2001:db8:1::10/124', blockOfPort(b))]);
      // A third: every block taken and nothing expired.
      const refused = counter(t, 'drop-no-free-block');
      assert.equal(await out6(t, prog, '2001:db8:1::21', 5000), null, 'no block for a third subscriber');
      assert.equal(counter(t, 'drop-no-free-block'), refused + 1n, 'counted as drop-no-free-block');
      assert.deepEqual(t.read(), []);
      // The replies of the first come back through its block.
      const back = await run(t, prog, ipv4Packet({src: '192.0.2.8', dst: '203.0.113.7', l4: udp(53, a, payload)}));
      assert.equal(back.verdict, 'xlat');
      // A full block refuses its own subscriber only (drop-block-full), never the other block's ports.
      await out6(t, prog, '2001:db8:1::1', 5002);
      await out6(t, prog, '2001:db8:1::1', 5003);
      const full = counter(t, 'drop-block-full');
      assert.equal(await out6(t, prog, '2001:db8:1::1', 5004), null, 'a fifth flow of a 4-port block');
      assert.equal(counter(t, 'drop-block-full'), full + 1n);
      assert.equal(blockOfPort(await out6(t, prog, '2001:db8:1::11', 5001)), blockOfPort(b), 'the other subscriber still maps');
    } finally {
      t.close();
    }
  });

  test(`nat64 ${hook}: a block goes back with its subscriber's last BIB entry (an event), and serves the next subscriber`, {skip}, async () => {
    const t = await load();
    try {
      reset(t);
      const a = blockOfPort(await out6(t, prog, '2001:db8:1::1', 5000));
      await out6(t, prog, '2001:db8:1::1', 5001);
      const b = blockOfPort(await out6(t, prog, '2001:db8:1::11', 5000));
      t.read();
      setUdpTimeout(t, 0.001);
      // The sessions above still have their 300 s; new ones from now on live 1 ms. Refresh the first subscriber's
      // two flows so that they expire soon (each refresh sets now + the timeout).
      await out6(t, prog, '2001:db8:1::1', 5000);
      await out6(t, prog, '2001:db8:1::1', 5001);
      await sleep(20);
      // A third subscriber: no free block, so the sweeper runs; it frees the first subscriber's BIB entries, and with
      // the last of them its block, which the third then gets.
      const rel = counter(t, 'block-released');
      const c = await out6(t, prog, '2001:db8:1::21', 5000);
      assert.ok(c !== null, 'the third subscriber maps once the first one\'s block is back');
      assert.equal(blockOfPort(c), a, 'in the block the first subscriber gave back');
      assert.equal(counter(t, 'block-released'), rel + 1n);
      assert.deepEqual(t.read().map(pick), [ev('released', '2001:db8:1::/124', a), ev('allocated', '2001:db8:1::20/124', a)]);
      assert.equal([...t.maps.blkUse.keys()].length, 2, 'two blocks in use');
      // The second subscriber still holds its own (its session has 300 s).
      assert.equal(blockOfPort(await out6(t, prog, '2001:db8:1::11', 5009)), b);
      // The third's flow expires; its next packet finds the BIB entry gone, the block released and taken again.
      await sleep(20);
      assert.equal(blockOfPort(await out6(t, prog, '2001:db8:1::21', 5000)), a);
      assert.deepEqual(t.read().map(pick), [ev('released', '2001:db8:1::20/124', a), ev('allocated', '2001:db8:1::20/124', a)]);
    } finally {
      t.close();
    }
  });
}

for (const [prog, hook] of HOOKS) {
  test(`nat64 ${hook}: expired entries a new mapping's walk meets in its own block give their references back (the block still goes with the last)`, {skip}, async () => {
    const t = await load();
    try {
      reset(t);
      const b = blockOfPort(await out6(t, prog, '2001:db8:1::11', 5000)); // holds the other block for 300 s
      setUdpTimeout(t, 0.001);
      // a fills its 4-port block with flows that live 1 ms.
      const ports = [];
      for (let i = 0; i < 4; i++) ports.push(await out6(t, prog, '2001:db8:1::1', 7000 + i));
      const a = blockOfPort(ports[0]);
      assert.notEqual(a, b);
      assert.equal(new Set(ports.map(blockOfPort)).size, 1, 'all in one block');
      t.read();
      await sleep(20);
      // A fifth flow: every port of the block has an expired entry; the walk deletes the one it meets and takes it.
      const expired = counter(t, 'bib-expired');
      assert.equal(blockOfPort(await out6(t, prog, '2001:db8:1::1', 7100)), a, 'the same block (no event)');
      assert.ok(counter(t, 'bib-expired') > expired, 'the walk deleted an expired entry');
      assert.deepEqual(t.read(), []);
      await sleep(20);
      // Everything of a has expired: a third subscriber finds no free block, the sweeper deletes a's entries, and with
      // the last of them the block goes (it would not if the walk's deletion had kept its reference).
      const c = await out6(t, prog, '2001:db8:1::21', 5000);
      assert.equal(blockOfPort(c), a, "c gets a's block");
      assert.deepEqual(t.read().map(pick), [ev('released', '2001:db8:1::/124', a), ev('allocated', '2001:db8:1::20/124', a)]);
    } finally {
      t.close();
    }
  });
}

test('nat64: events lost while nobody reads a full ring buffer are counted (event-lost); the others are all there, in order', {skip}, async () => {
  const t = await load({nat64_events: 4096}); // 4 KiB: 85 events of 48 bytes
  try {
    reset(t, 0.001);
    let i = 0;
    while (counter(t, 'event-lost') === 0n && i < 2000) {
      await out6(t, 'xlat_nat64_tc', `2001:db8:1::${(i % 16).toString(16)}1`, 5000);
      i++;
      await sleep(2);
    }
    const lost = counter(t, 'event-lost');
    assert.ok(lost > 0n, `event-lost counted after ${i} flows`);
    const made = counter(t, 'block-allocated') + counter(t, 'block-released');
    const got = t.read();
    assert.equal(BigInt(got.length) + lost, made, 'every event is either in the ring buffer or counted as lost');
    // What is there is a consistent history: a block is released only after its allocation.
    const holder = new Map();
    for (const e of got) {
      const k = `${e.address}#${e.ports[0]}`;
      if (e.type === 'allocated') holder.set(k, e.subscriber);
      else if (holder.has(k)) assert.equal(holder.get(k), e.subscriber);
    }
    // Once read, there is room again: the next events arrive and nothing more is lost.
    await sleep(5);
    await out6(t, 'xlat_nat64_tc', '2001:db8:1::f1', 5000);
    assert.ok(t.read().length >= 1);
    assert.equal(counter(t, 'event-lost'), lost);
  } finally {
    t.close();
  }
});
