// Section 1, NAT64 cluster steering: what `cluster-steering` costs a packet (BPF_PROG_TEST_RUN).
//
// Steering looks the subscriber's pool4 address up in the kernel's IPv4 FIB, so the figures need a routing table
// of known content: this file runs itself again in a network namespace of its own (unshare -n) with the routes of
// test/helpers/steer-netns.mjs (one deterministic address blackholed: this node's; one routed to a neighbour:
// another node's), as the packet test of steering has them. Cases,
// each one run at a time (repeat=1), the median of many calls, interleaved:
//  - an existing session of this node's subscriber, 6->4, without the global and with it (one FIB lookup more);
//  - a packet of the other node's subscriber with the global: tc sends it there (a redirect), XDP hands it to tc.
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {REPO, median, round, stripMeta} from './lib.mjs';
import {OWN_NETNS_ENV, STEER, openSteerNat64, runInOwnNamespace, setupSteerNamespace} from '../test/helpers/steer-netns.mjs';

const HERE = STEER.here; // 198.18.0.0, blackholed
const AWAY = STEER.away; // 198.18.0.1, through a known neighbour
const S4_AS6 = '64:ff9b::c000:208';

/** Runs the steering cases in a namespace of their own; resolves to bench cases (or one with the problem). */
export function runSteer({samples}) {
  const r = runInOwnNamespace(fileURLToPath(import.meta.url), [String(samples)]);
  const line = (r.stdout ?? '').trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !line.startsWith('{')) {
    const problem = `steering cases did not run: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').at(-1)}`;
    return [{id: 'nat64-steer', what: 'NAT64 cluster steering', nsPerPacket: null, ratioToBaseline: null, verified: false, problem}];
  }
  return JSON.parse(line).cases;
}

async function child(samples) {
  setupSteerNamespace();
  const P = await import(path.join(REPO, 'test/helpers/packets.mjs'));
  const {testRun} = await import(path.join(REPO, 'dist/bpf/test-run.js'));
  const {obj: nat, configure: setSteering} = await openSteerNat64(REPO);
  const payload = Buffer.alloc(64, 0x61);
  const frame = (src) => P.ether(P.ipv6Packet({src, dst: S4_AS6, l4: P.udp(5000, 53, payload)}));
  const prog = {xdp: nat.programFd('xlat_nat64_xdp'), tc: nat.programFd('xlat_nat64_tc')};

  // Verified once: the local subscriber translated from its address, the other one sent on (tc) or handed to tc (XDP).
  setSteering(false);
  const problems = {};
  for (const hook of ['xdp', 'tc']) {
    const out = stripMeta((await testRun(prog[hook], frame(HERE), {repeat: 1})).data).subarray(14);
    if (out[0] >> 4 !== 4 || [...out.subarray(12, 16)].join('.') !== '198.18.0.0')
      problems[hook] = `not translated from 198.18.0.0: ${out.subarray(0, 20).toString('hex')}`;
  }
  setSteering(true);
  const away = {xdp: await testRun(prog.xdp, frame(AWAY), {repeat: 1}), tc: await testRun(prog.tc, frame(AWAY), {repeat: 1})};
  if (away.xdp.retval !== 2 || !away.xdp.data.equals(frame(AWAY)))
    problems['xdp-away'] = `XDP did not hand the packet over untouched (verdict ${away.xdp.retval})`;
  const hop = away.tc.data[14 + 7];
  if (away.tc.retval !== 7 || hop !== 63) problems['tc-away'] = `tc did not send it on (verdict ${away.tc.retval}, hop limit ${hop})`;

  const cases = [
    {id: 'nat64-xdp-6to4-steer-off', hook: 'xdp', src: HERE, on: false, what: 'NAT64 xdp UDP 6->4, existing session of a deterministic subscriber'},
    {id: 'nat64-xdp-6to4-steer-here', hook: 'xdp', src: HERE, on: true, what: 'NAT64 xdp UDP 6->4, the same with cluster-steering (this node owns it)'},
    {id: 'nat64-tc-6to4-steer-off', hook: 'tc', src: HERE, on: false, what: 'NAT64 tc UDP 6->4, existing session of a deterministic subscriber'},
    {id: 'nat64-tc-6to4-steer-here', hook: 'tc', src: HERE, on: true, what: 'NAT64 tc UDP 6->4, the same with cluster-steering (this node owns it)'},
    {id: 'nat64-xdp-6to4-steer-away', hook: 'xdp', src: AWAY, on: true, what: "NAT64 xdp, another node's subscriber with cluster-steering: handed to tc"},
    {id: 'nat64-tc-6to4-steer-away', hook: 'tc', src: AWAY, on: true, what: "NAT64 tc, another node's subscriber with cluster-steering: sent on (redirect)"},
  ];
  const times = new Map(cases.map((c) => [c.id, []]));
  const rounds = 10;
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      setSteering(c.on);
      const f = frame(c.src);
      for (let i = 0; i < samples / rounds; i++) times.get(c.id).push((await testRun(prog[c.hook], f, {repeat: 1})).durationNs);
    }
  }
  nat.close();
  const problemOf = (c) => problems[c.src === AWAY ? `${c.hook}-away` : c.hook] ?? null;
  const out = cases.map((c) => ({
    id: c.id,
    what: c.what,
    method: 'single run, repeat=1 (a namespace of its own: its FIB holds the steering routes)',
    nsPerPacket: round(median(times.get(c.id))),
    ratioToBaseline: null,
    verified: problemOf(c) === null,
    problem: problemOf(c),
  }));
  process.stdout.write(`${JSON.stringify({cases: out})}\n`);
}

// Run as a script: only as runSteer() starts it, in a namespace of its own (setupSteerNamespace refuses otherwise).
if (process.argv[1] === fileURLToPath(import.meta.url) && process.env[OWN_NETNS_ENV] === '1') await child(Number(process.argv[2] ?? 2000));
else if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify({cases: runSteer({samples: Number(process.argv[2] ?? 2000)})}));
