// The packet test of cluster steering (test/packet/nat64-steer.test.mjs), run by it in a network namespace of
// its own (unshare -n): steering asks the kernel's FIB, so the routes must be the ones test/helpers/steer-netns.mjs
// sets, not the machine's. Runs the real NAT64 programs with BPF_PROG_TEST_RUN through each hook and prints one
// JSON object: per hook, what each step gave (verdict, the fields the test checks, counters that moved).
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {ipv4Packet, ipv6Packet, udp, tcp, ether, checksumProblems} from './packets.mjs';
import {XDP, tcVerdict, xdpMark} from './verdicts.mjs';
import {STEER, openSteerNat64, setupSteerNamespace} from './steer-netns.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const S4 = '192.0.2.8';
const S4_AS6 = '64:ff9b::c000:208';
const TCPF = {SYN: 2, RST: 4, ACK: 16};

const egressMac = setupSteerNamespace();
const {testRun} = await import(path.join(root, 'dist/bpf/test-run.js'));
const {obj, L, configure, reset: emptyTables} = await openSteerNat64(root);
const m = (n) => obj.map(n);

function reset(steering) {
  emptyTables();
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
