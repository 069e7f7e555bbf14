// The packet test of cluster steering (test/packet/nat64-steer.test.mjs), run by it in a network namespace of
// its own (unshare -n): steering asks the kernel's FIB, so the routes must be the ones test/helpers/steer-netns.mjs
// sets, not the machine's. Runs the real NAT64 programs with BPF_PROG_TEST_RUN through each hook and prints one
// JSON object: per hook, what each step gave (verdict, the fields the test checks, counters that moved).
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {ipv4Packet, ipv6Packet, udp, tcp, ether, checksumProblems, ip4, ip6} from './packets.mjs';
import {XDP, tcVerdict, xdpMark} from './verdicts.mjs';
import {STEER, setupSteerNamespace, steerEntry} from './steer-netns.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const S4 = '192.0.2.8';
const S4_AS6 = '64:ff9b::c000:208';
const TCPF = {SYN: 2, RST: 4, ACK: 16};
const key0 = Buffer.alloc(4);

const egressMac = setupSteerNamespace();
const L = await import(path.join(root, 'dist/instance/nat64/layout.js'));
const B = await import(path.join(root, 'dist/instance/nat64/blocks-layout.js'));
const {parseDetEntry} = await import(path.join(root, 'dist/model/rfc7422.js'));
const {encodeLpmKey} = await import(path.join(root, 'dist/instance/layout.js'));
const {layoutVersion} = await import(path.join(root, 'dist/instance/objects.js'));
const {openAndLoad} = await import(path.join(root, 'dist/bpf/object.js'));
const {testRun} = await import(path.join(root, 'dist/bpf/test-run.js'));
const obj = await openAndLoad(path.join(root, 'build/bpf/nat64.bpf.o'));
const m = (n) => obj.map(n);

function configure(steering) {
  const F = L.NAT64_F;
  m('nat64_config').update(
    key0,
    L.encodeNat64Config({
      version: layoutVersion('nat64'),
      enabled: true,
      pool6: {addr: ip6('64:ff9b::'), len: 96},
      fArgs: 0b1011,
      tos: 0,
      flags: F['source-icmpv6-errors-better'] | (steering ? F['cluster-steering'] : 0),
      lowestIpv6Mtu: 1280,
      pool4Count: 0,
      maxSimultaneousOpens: 10,
      udpTimeout: 300,
      tcpEstTimeout: 7200,
      tcpTransTimeout: 240,
      icmpTimeout: 60,
      tcpSynTimeout: 6,
      zeroizeTrafficClass: false,
      overrideTos: false,
      mtuPlateaus: [1500, 1280],
      secret: Buffer.from('0123456789abcdef'),
    }),
  );
}

function reset(steering) {
  for (const n of ['nat64_bib4', 'nat64_bib6', 'nat64_sessions']) for (const k of [...m(n).keys()]) m(n).delete(k);
  const e = parseDetEntry(steerEntry());
  m('nat64_blk4').update(encodeLpmKey(ip4('198.18.0.0'), 30), B.encodeBlkEntry(e, 0));
  m('nat64_blk6').update(encodeLpmKey(ip6('2001:db8:3::'), 126), B.encodeBlkEntry(e, 0));
  m('nat64_blk_ctl').update(key0, B.encodeBlkCtl(1));
  configure(steering);
}

function counters() {
  const out = {};
  for (const name of ['steered', 'drop-steer-no-neigh', 'drop-tcp-no-session']) {
    const k = Buffer.alloc(4);
    k.writeUInt32LE(L.NAT64_COUNTER_NAMES.indexOf(name));
    out[name] = Number(
      m('nat64_stats')
        .lookupPerCpu(k)
        .reduce((s, b) => s + b.readBigUInt64LE(0), 0n),
    );
  }
  return out;
}

/** A frame through the hook (XDP, then tc for what XDP hands over untouched): verdict, output frame, XDP's part. */
async function run(hook, frame) {
  const prog = (h) => obj.programFd(`xlat_nat64_${h}`);
  let xdp = null;
  if (hook === 'xdp') {
    const out = await testRun(prog('xdp'), frame);
    if (out.retval === XDP.DROP) return {verdict: 'drop', frame: null, xdp: 'drop'};
    const mk = xdpMark(out.data);
    if (mk) return {verdict: mk.mark === 'xlat' ? 'xlat' : 'pass', frame: mk.data, xdp: mk.mark};
    xdp = out.data.equals(frame) ? 'handed to tc untouched' : 'handed to tc changed';
  }
  const out = await testRun(prog('tc'), frame);
  return {verdict: tcVerdict(out.retval), frame: out.data, xdp};
}

/** What the test checks of one step's output. */
function describe(r, before) {
  const after = counters();
  const moved = Object.fromEntries(
    Object.entries(after)
      .filter(([k, v]) => v !== before[k])
      .map(([k, v]) => [k, v - before[k]]),
  );
  const ip = r.frame ? r.frame.subarray(14) : null;
  const d = {verdict: r.verdict, xdp: r.xdp, moved};
  if (ip && ip[0] >> 4 === 4) Object.assign(d, {src4: [...ip.subarray(12, 16)].join('.'), sport4: ip.readUInt16BE(20), checksums: checksumProblems(ip)});
  if (ip && ip[0] >> 4 === 6) {
    Object.assign(d, {
      hopLimit: ip[7],
      dport6: ip.readUInt16BE(42),
      dstMac: r.frame.subarray(0, 6).toString('hex'),
      srcMac: r.frame.subarray(6, 12).toString('hex'),
    });
  }
  return d;
}

const seg6 = (src, flags, hop = 64) => ether(ipv6Packet({src, dst: S4_AS6, hopLimit: hop, l4: tcp(7000, 80, {flags, seq: 5000})}));
const results = {egressMac: egressMac.replace(/:/g, ''), neighbourMac: STEER.neighbourMac.replace(/:/g, ''), hooks: {}};
for (const hook of ['xdp', 'tc']) {
  const steps = {};
  const step = async (name, frame) => {
    const before = counters();
    steps[name] = describe(await run(hook, frame), before);
  };
  // The SYN's mapping, on a node without the global; then a segment without state, without it and with it.
  reset(false);
  await step('syn', seg6(STEER.here, TCPF.SYN));
  reset(false);
  await step('ackWithout', seg6(STEER.here, TCPF.ACK));
  reset(true);
  await step('rstWith', seg6(STEER.here, TCPF.RST));
  await step('ackWith', seg6(STEER.here, TCPF.ACK));
  const a = steps.ackWith;
  await step('reply', ether(ipv4Packet({src: S4, dst: a.src4 ?? '198.18.0.0', l4: tcp(80, a.sport4 ?? 0, {flags: TCPF.ACK, seq: 9000})})));
  // Other nodes' subscribers.
  await step('away', ether(ipv6Packet({src: STEER.away, dst: S4_AS6, l4: udp(5000, 53, Buffer.from('steer me'))})));
  await step('awayLastHop', ether(ipv6Packet({src: STEER.away, dst: S4_AS6, hopLimit: 1, l4: udp(5000, 53, Buffer.from('steer me'))})));
  await step('noNeigh', ether(ipv6Packet({src: STEER.noNeigh, dst: S4_AS6, l4: udp(5000, 53, Buffer.from('steer me'))})));
  await step('backOut', ether(ipv6Packet({src: STEER.backOut, dst: S4_AS6, l4: udp(5000, 53, Buffer.from('steer me'))})));
  // Without the global, another node's subscriber is translated here.
  configure(false);
  await step('awayWithout', ether(ipv6Packet({src: STEER.away, dst: S4_AS6, l4: udp(5001, 53, Buffer.from('steer me'))})));
  results.hooks[hook] = steps;
}
obj.close();
process.stdout.write(`${JSON.stringify(results)}\n`);
