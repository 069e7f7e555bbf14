// Section 1: per-packet cost through BPF_PROG_TEST_RUN.
//
// The kernel runs a program `repeat` times on the same buffer without restoring it, and reports the mean time
// per run measured inside the kernel (no syscall in it). So:
//  - SIIT is timed as 6->4->6 round trips: repeat=R (even) on an IPv6 packet; runs 1,3,5.. translate 6->4,
//    runs 2,4,6.. translate the result back 4->6. After R runs the packet must equal the input (checked).
//    The per-run cost is the slope of the total kernel time over R = 2..20, which leaves out the fixed cost of
//    a call (timer reads, the first run's cold caches). R stays small because the XDP program adds a 4-byte
//    metadata mark per run that test-run never resets: past ~50 runs the headroom is gone. (The tc program
//    is also timed with repeat=10000 as a cross-check.)
//  - NAT64 output cannot be fed back (its 6->4 output is not addressed to pool4), so NAT64 is timed one run at
//    a time (repeat=1), the median of many calls; the baseline is timed the same way for its ratio.
//  - Session creation: repeat=1 with a fresh source transport address each call (a new BIB entry + session).
// Every case's translated output is checked once against a packet built independently (test/helpers).
import {readFileSync, mkdirSync} from 'node:fs';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {REPO, median, mean, round, log, bpfIncludeArgs, stripMeta} from './lib.mjs';
import {runSteer} from './steer.mjs';

const P = await import(path.join(REPO, 'test/helpers/packets.mjs'));

const XDP_PASS = 2, XDP_DROP = 1, XDP_ABORTED = 0, TC_SHOT = 2;

/** Compiles bench/baseline.bpf.c into outDir (not build output: made at bench time). */
export function buildBaseline(outDir) {
  mkdirSync(outDir, {recursive: true});
  const out = path.join(outDir, 'baseline.bpf.o');
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', ...bpfIncludeArgs(), '-Wall', '-Werror',
    '-c', path.join(REPO, 'bench', 'baseline.bpf.c'), '-o', out], {stdio: 'inherit'});
  return out;
}

const fdinfoMemlock = (fd) => {
  const m = /^memlock:\s*(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return m ? Number(m[1]) : null;
};

// SIIT addressing of the conformance corpus (pool6 2001:db8:100::/40), as in test/packet/siit.test.mjs.
const S = {N6: '2001:db8:1c0:2:21::', N4_AS6: '2001:db8:1c6:3364:2::', N6_AS4: '192.0.2.33', N4: '198.51.100.2'};
// NAT64 addressing as in test/packet/nat64.test.mjs.
const N = {C6: '2001:db8:1::8', S4: '192.0.2.8', S4_AS6: '2001:db8:64::c000:208', P4: '192.0.2.1'};

const PAYLOAD = Buffer.alloc(64, 0x61); // 64-byte payloads, as the end-to-end UDP test

function siitCases() {
  const v6 = (l4) => P.ipv6Packet({src: S.N6, dst: S.N4_AS6, l4});
  const v4 = (l4) => P.ipv4Packet({src: S.N6_AS4, dst: S.N4, df: false, l4});
  return [
    ['udp', v6(P.udp(40000, 5201, PAYLOAD)), v4(P.udp(40000, 5201, PAYLOAD))],
    ['tcp', v6(P.tcp(40000, 5201, {flags: 0x10, seq: 7, ack: 9, payload: PAYLOAD})), v4(P.tcp(40000, 5201, {flags: 0x10, seq: 7, ack: 9, payload: PAYLOAD}))],
    ['icmp', v6(P.icmpEcho(128, 77, 1, PAYLOAD)), v4(P.icmpEcho(8, 77, 1, PAYLOAD))],
  ];
}

/** The IP packet of a test-run output: after the XDP metadata marks (if any) and the Ethernet header. */
function ipOf(out, frameLen) {
  return out.subarray(out.length - frameLen + 14);
}

function samePacketIgnoringId(actual, expected) {
  if (P.checksumProblems(actual).length) return `checksums: ${P.checksumProblems(actual).join(', ')}`;
  const a = Buffer.from(actual), e = Buffer.from(expected);
  if (a.length !== e.length) return `length ${a.length}, expected ${e.length}`;
  if (e[0] >> 4 === 4) for (const i of [4, 5, 10, 11]) a[i] = e[i] = 0;
  return a.equals(e) ? null : `bytes differ: ${a.toString('hex')} vs ${e.toString('hex')}`;
}

/**
 * Times the programs. opts: {samples, rounds, creations}. Returns {cases: [...], baseline: {...}, memory: {...}}.
 */
export async function runTestRun({samples, slopeSamples, creations, tmpDir}) {
  const {openAndLoad} = await import(path.join(REPO, 'dist/bpf/object.js'));
  const {testRun} = await import(path.join(REPO, 'dist/bpf/test-run.js'));
  const SL = await import(path.join(REPO, 'dist/instance/layout.js'));
  const NL = await import(path.join(REPO, 'dist/instance/nat64/layout.js'));
  const {layoutVersion} = await import(path.join(REPO, 'dist/instance/objects.js'));
  const R = 20; // the largest repeat of the slope: the packet must be the input again after it
  const key0 = Buffer.alloc(4);

  const baseObj = await openAndLoad(buildBaseline(tmpDir));
  const siit = await openAndLoad(path.join(REPO, 'build/bpf/siit.bpf.o'));
  siit.map('siit_config').update(key0, SL.encodeSiitConfig({version: layoutVersion('siit'), enabled: true, pool6: {addr: P.ip6('2001:db8:100::'), len: 40}}));
  // NAT64 is measured when its object loads; otherwise its figures are null and the reason is reported.
  let nat = null, natError = null;
  try {
    nat = await openAndLoad(path.join(REPO, 'build/bpf/nat64.bpf.o'), {
      maxEntries: {nat64_bib4: creations + 1024, nat64_bib6: creations + 1024, nat64_sessions: creations + 1024},
    });
    const natCfg = {
      version: layoutVersion('nat64'), enabled: true, pool6: {addr: P.ip6('2001:db8:64::'), len: 96}, fArgs: 0b1011,
      tos: 0, flags: NL.NAT64_F['source-icmpv6-errors-better'], lowestIpv6Mtu: 1280, pool4Count: 3, maxSimultaneousOpens: 10,
      udpTimeout: 3600, tcpEstTimeout: 7200, tcpTransTimeout: 240, icmpTimeout: 60, tcpSynTimeout: 6, zeroizeTrafficClass: false, overrideTos: false, mtuPlateaus: [1500, 1280], secret: Buffer.from('0123456789abcdef'),
    };
    nat.map('nat64_config').update(key0, NL.encodeNat64Config(natCfg));
    // pool4: a /24 of UDP ports 1024-65535 (~16 M transport addresses: room for every creation).
    [[17, '203.0.113.0', 24], [6, '203.0.113.0', 24], [1, '203.0.113.0', 24]].forEach(([proto, addr, len], i) => {
      const k = Buffer.alloc(4); k.writeUInt32LE(i);
      nat.map('nat64_pool4').update(k, NL.encodePool4Range({addr: P.ip4(addr), prefixLen: len, mark: 0, portMin: 1024, portMax: 65535, proto, flags: 0}));
    });
  } catch (err) {
    natError = String(err.message ?? err).split('\n')[0];
    log(`NAT64 per-packet figures skipped: ${natError}`);
  }

  const fd = (o, name) => o.programFd(name);
  const run = (progFd, frame, repeat) => testRun(progFd, frame, {repeat});

  /** Median kernel time per run over `samples` calls, interleaved with the other cases by the caller. */
  const timings = new Map();
  const record = (id, ns) => {
    if (!timings.has(id)) timings.set(id, []);
    timings.get(id).push(ns);
  };

  // --- SIIT round trips, verified once ----------------------------------------------------------------------
  const rt = [];
  const baseFd = fd(baseObj, 'bench_parse_only');
  for (const [proto, in6, out4] of siitCases()) {
    const frame = P.ether(in6);
    for (const [hook, prog] of [['xdp', 'xlat_siit_xdp'], ['tc', 'xlat_siit_tc']]) {
      const pfd = fd(siit, prog);
      // Verify once: one run translates 6->4 as RFC 7915 says; R runs give the input back.
      const one = await run(pfd, frame, 1);
      const firstIp = stripMeta(one.data).subarray(14);
      let problem = null;
      if (hook === 'xdp' && (one.retval === XDP_DROP || one.retval === XDP_ABORTED)) problem = `XDP verdict ${one.retval}`;
      if (hook === 'tc' && one.retval === TC_SHOT) problem = 'TC_ACT_SHOT';
      problem ??= samePacketIgnoringId(firstIp, out4);
      const back = await run(pfd, frame, R);
      const backIp = ipOf(back.data, frame.length);
      if (!problem && !backIp.equals(in6)) problem = `after ${R} runs the packet is not the input again: ${backIp.toString('hex')}`;
      if (problem) log(`SIIT ${hook} ${proto}: verification failed: ${problem}`);
      rt.push({id: `siit-${hook}-${proto}`, hook, proto, pfd, frame, verified: problem === null, problem});
    }
  }
  const baseFrame = P.ether(siitCases()[0][1]);
  // Slope of the kernel's total time over repeat=2..20: the per-run cost without the fixed cost of a call
  // (timer reads, the first run's cold caches). Every even repeat gives the input back (checked above at R).
  const reps = [2, 4, 8, 12, 16, 20];
  const slopeCases = [{id: 'base', pfd: baseFd, frame: baseFrame}, ...rt];
  const totals = new Map(slopeCases.map((c) => [c.id, new Map(reps.map((r) => [r, []]))]));
  for (let i = 0; i < slopeSamples; i++) {
    for (const r of reps) for (const c of slopeCases) totals.get(c.id).get(r).push((await run(c.pfd, c.frame, r)).durationNs * r);
  }
  const slope = (id) => {
    const pts = reps.map((r) => [r, median(totals.get(id).get(r))]);
    const mx = mean(pts.map((p) => p[0])), my = mean(pts.map((p) => p[1]));
    const sxy = pts.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0), sxx = pts.reduce((s, [x]) => s + (x - mx) ** 2, 0);
    return sxy / sxx;
  };
  // The tc program keeps a packet valid for any number of runs: a long repeat cross-checks the slope.
  const longRepeat = new Map();
  for (const c of [{id: 'base', pfd: baseFd, frame: baseFrame}, ...rt.filter((c) => c.hook === 'tc')]) {
    const xs = [];
    for (let i = 0; i < 5; i++) xs.push((await run(c.pfd, c.frame, 10000)).durationNs);
    longRepeat.set(c.id, median(xs));
  }
  const rounds = 10;

  // --- NAT64: one run at a time --------------------------------------------------------------------------------
  const nat64 = [];
  for (const [hook, prog] of nat ? [['xdp', 'xlat_nat64_xdp'], ['tc', 'xlat_nat64_tc']] : []) {
    const pfd = fd(nat, prog);
    const sport = hook === 'xdp' ? 5000 : 5001;
    const f6 = P.ether(P.ipv6Packet({src: N.C6, dst: N.S4_AS6, l4: P.udp(sport, 53, PAYLOAD)}));
    const first = await run(pfd, f6, 1); // creates the BIB entry and the session
    const out4 = stripMeta(first.data).subarray(14);
    let problem = first.data.length >= 34 && out4[0] >> 4 === 4 ? null : `no IPv4 output (verdict ${first.retval})`;
    let port = 0, src4 = '';
    if (!problem) {
      port = out4.readUInt16BE(20);
      src4 = [...out4.subarray(12, 16)].join('.');
      problem = samePacketIgnoringId(out4, P.ipv4Packet({src: src4, dst: N.S4, df: false, l4: P.udp(port, 53, PAYLOAD)}));
    }
    const f4 = P.ether(P.ipv4Packet({src: N.S4, dst: src4 || N.P4, l4: P.udp(53, port, PAYLOAD)}));
    if (!problem) {
      const r4 = await run(pfd, f4, 1);
      problem = samePacketIgnoringId(stripMeta(r4.data).subarray(14), P.ipv6Packet({src: N.S4_AS6, dst: N.C6, l4: P.udp(53, sport, PAYLOAD)}));
    }
    if (problem) log(`NAT64 ${hook}: verification failed: ${problem}`);
    nat64.push({id: `nat64-${hook}-6to4`, hook, dir: '6->4', pfd, frame: f6, verified: problem === null, problem});
    nat64.push({id: `nat64-${hook}-4to6`, hook, dir: '4->6', pfd, frame: f4, verified: problem === null, problem});
  }
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < samples / rounds; i++) record('base-r1', (await run(baseFd, baseFrame, 1)).durationNs);
    for (const c of nat64) for (let i = 0; i < samples / rounds; i++) record(c.id, (await run(c.pfd, c.frame, 1)).durationNs);
  }

  // --- NAT64 session creation ----------------------------------------------------------------------------------
  const natMaps = nat ? ['nat64_bib4', 'nat64_bib6', 'nat64_sessions'].map((n) => nat.map(n)) : [];
  const memBefore = natMaps.map((m) => fdinfoMemlock(m.fd));
  const creation = {};
  let createdTotal = 0;
  for (const [hook, prog] of nat ? [['xdp', 'xlat_nat64_xdp'], ['tc', 'xlat_nat64_tc']] : []) {
    const pfd = fd(nat, prog);
    const n = Math.floor(creations / 2);
    const ns = [];
    const stats0 = countCreated(nat, NL);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      // A fresh IPv6 source transport address per packet: 2001:db8:1::/64 host i, port 1024 + i % 60000.
      const src = `2001:db8:1::${hook === 'xdp' ? 1 : 2}:${((i / 60000) | 0).toString(16)}:${(i % 60000).toString(16)}`;
      const f = P.ether(P.ipv6Packet({src, dst: N.S4_AS6, l4: P.udp(1024 + (i % 60000), 53, PAYLOAD)}));
      ns.push((await run(pfd, f, 1)).durationNs);
    }
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const created = countCreated(nat, NL) - stats0;
    createdTotal += created;
    creation[hook] = {attempted: n, created, medianNs: median(ns), meanNs: mean(ns), perSecondPerCore: 1e9 / mean(ns), wallPerSecond: n / wall};
    if (created !== n) log(`NAT64 ${hook} session creation: ${created} sessions for ${n} packets`);
  }
  const memAfter = natMaps.map((m) => fdinfoMemlock(m.fd));
  // The same with a deterministic pool4 entry (RFC 7422) holding the sources: one block lookup and a walk in the
  // subscriber's block instead of the pool4 walk. 2001:db8:2::/88, one subscriber per /120, blocks of 64 ports
  // on 10.0.0.0/8: every packet a new subscriber (a fresh block).
  if (nat) {
    // Room for them: the tables as sized for the creations above, emptied.
    for (const m of natMaps) for (const k of [...m.keys()]) m.delete(k);
    const {encodeBlkEntry, encodeBlkCtl} = await import(path.join(REPO, 'dist/instance/nat64/blocks-layout.js'));
    const {parseDetEntry} = await import(path.join(REPO, 'dist/model/rfc7422.js'));
    const {encodeLpmKey} = await import(path.join(REPO, 'dist/instance/layout.js'));
    const e = parseDetEntry({range6: '2001:db8:2::/88', subLen: 120, prefix4: '10.0.0.0/8', ports: '1024-65535', blockSize: 64, since: 0});
    nat.map('nat64_blk4').update(encodeLpmKey(P.ip4('10.0.0.0'), 8), encodeBlkEntry(e, 0));
    nat.map('nat64_blk6').update(encodeLpmKey(P.ip6('2001:db8:2::'), 88), encodeBlkEntry(e, 0));
    nat.map('nat64_blk_ctl').update(key0, encodeBlkCtl(1));
    // A new subscriber per packet through both hooks (sources 2001:db8:2::K:..., K = xdp/tc's), timed one by one.
    const newSubscribers = async (what, suffix, [kx, kt]) => {
      for (const [hook, prog] of [['xdp', 'xlat_nat64_xdp'], ['tc', 'xlat_nat64_tc']]) {
        const pfd = fd(nat, prog);
        const n = Math.floor(creations / 4);
        const ns = [];
        const stats0 = countCreated(nat, NL);
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < n; i++) {
          const src = `2001:db8:2::${hook === 'xdp' ? kx : kt}:${(i >>> 8).toString(16)}:${(i & 255).toString(16)}00`;
          const f = P.ether(P.ipv6Packet({src, dst: N.S4_AS6, l4: P.udp(1024 + (i % 60000), 53, PAYLOAD)}));
          ns.push((await run(pfd, f, 1)).durationNs);
        }
        const wall = Number(process.hrtime.bigint() - t0) / 1e9;
        const created = countCreated(nat, NL) - stats0;
        creation[`${hook}-${suffix}`] = {attempted: n, created, medianNs: median(ns), meanNs: mean(ns), perSecondPerCore: 1e9 / mean(ns), wallPerSecond: n / wall};
        if (created !== n) log(`NAT64 ${hook} ${what} session creation: ${created} sessions for ${n} packets`);
      }
    };
    await newSubscribers('deterministic', 'det', [1, 2]);
    // The same entry dynamic: every packet a new subscriber that takes a free block (a claim in nat64_blk_use, its
    // subscriber in nat64_blk_sub) and sends an allocation event into the ring buffer (not read here; it holds
    // about 21,800 events, more than this makes).
    for (const m of natMaps) for (const k of [...m.keys()]) m.delete(k);
    const dyn = parseDetEntry({range6: '2001:db8:2::/88', subLen: 120, prefix4: '10.0.0.0/8', ports: '1024-65535', blockSize: 64, since: 0, dynamic: true});
    nat.map('nat64_blk4').update(encodeLpmKey(P.ip4('10.0.0.0'), 8), encodeBlkEntry(dyn, 0));
    nat.map('nat64_blk6').update(encodeLpmKey(P.ip6('2001:db8:2::'), 88), encodeBlkEntry(dyn, 0));
    nat.map('nat64_blk_ctl').update(key0, encodeBlkCtl(1, 1));
    await newSubscribers('dynamic-block', 'dyn', [3, 4]);
  }
  const perFlow = nat ? memAfter.reduce((s, v, i) => s + v - memBefore[i], 0) / Math.max(1, createdTotal) : NaN;
  const perMap = Object.fromEntries(natMaps.map((m, i) => [m.name, {
    keySize: m.keySize, valueSize: m.valueSize, bytesPerEntry: round((memAfter[i] - memBefore[i]) / Math.max(1, createdTotal), 1),
  }]));

  const bSlope = slope('base');
  const b1 = median(timings.get('base-r1'));
  const cases = [
    ...rt.map((c) => {
      const perRun = slope(c.id);
      return {
        id: c.id, what: `SIIT ${c.hook} ${c.proto.toUpperCase()} 6->4->6`, method: `round trips, slope over repeat=${reps.join(',')}`,
        nsPerPacket: round(perRun), nsRoundTrip: round(perRun * 2), ratioToBaseline: round(perRun / bSlope),
        nsPerPacketRepeat10000: longRepeat.has(c.id) ? round(longRepeat.get(c.id)) : undefined,
        verified: c.verified, problem: c.problem,
      };
    }),
    ...nat64.map((c) => {
      const perRun = median(timings.get(c.id));
      return {
        id: c.id, what: `NAT64 ${c.hook} UDP ${c.dir}, existing session`, method: 'single run, repeat=1',
        nsPerPacket: round(perRun), ratioToBaseline: round(perRun / b1), verified: c.verified, problem: c.problem,
      };
    }),
    ...Object.entries(creation).map(([hook, c]) => ({
      id: `nat64-${hook}-create`,
      what: hook.endsWith('-det')
        ? `NAT64 ${hook.replace('-det', '')} UDP 6->4, session creation, deterministic pool4 (a new subscriber each)`
        : hook.endsWith('-dyn')
          ? `NAT64 ${hook.replace('-dyn', '')} UDP 6->4, session creation, dynamic blocks (a new subscriber each: a block and an event)`
          : `NAT64 ${hook} UDP 6->4, session creation`,
      method: 'single run, fresh 5-tuple each',
      nsPerPacket: round(c.medianNs), meanNs: round(c.meanNs), ratioToBaseline: round(c.medianNs / b1),
      creationsPerSecondPerCore: Math.round(c.perSecondPerCore), creationsPerSecondWall: Math.round(c.wallPerSecond),
      created: c.created, verified: c.created === c.attempted,
    })),
  ];
  baseObj.close();
  siit.close();
  nat?.close();
  const missing = nat ? [] : ['6to4', '4to6'].flatMap((d) => ['xdp', 'tc'].map((h) => ({
    id: `nat64-${h}-${d}`, what: `NAT64 ${h} UDP ${d.replace('to', '->')}, existing session`, nsPerPacket: null, ratioToBaseline: null, verified: false, problem: natError,
  }))).concat(['xdp', 'tc'].map((h) => ({id: `nat64-${h}-create`, what: `NAT64 ${h} UDP 6->4, session creation`, nsPerPacket: null, ratioToBaseline: null, creationsPerSecondPerCore: null, verified: false, problem: natError})));
  cases.push(...missing);
  // Cluster steering's cost, in a namespace of its own (bench/steer.mjs).
  if (nat) cases.push(...runSteer({samples}).map((c) => ({...c, ratioToBaseline: c.nsPerPacket === null ? null : round(c.nsPerPacket / b1)})));
  return {
    baseline: {program: 'bench/baseline.bpf.c (XDP, parse only)', nsPerRunSlope: round(bSlope), nsPerRunRepeat10000: round(longRepeat.get('base')), nsPerRunRepeat1: round(b1)},
    samplesPerCase: {singleRuns: samples, slopePerRepeat: slopeSamples},
    cases,
    nat64Error: natError,
    nat64Memory: {bytesPerFlow: round(perFlow, 1), flows: createdTotal, maps: perMap,
      how: 'fdinfo memlock of nat64_bib4 + nat64_bib6 + nat64_sessions (BPF_F_NO_PREALLOC: grows per element) before and after the creations, divided by the sessions created'},
  };
}

function countCreated(nat, NL) {
  // Sessions in the table, counted by the map itself (batched read): exact, independent of counters' names.
  let n = 0;
  for (const b of nat.map('nat64_sessions').batches(8192)) n += b.count;
  return n;
}
