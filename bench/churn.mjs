// Section: NAT64 at capacity (issue 14). A session table kept full while its entries expire steadily: every new
// flow finds the table full and needs room made. What matters is the work one packet can cost (it runs in
// softirq), so the figures are the distribution of per-packet kernel time (BPF_PROG_TEST_RUN, repeat=1), not a
// mean: median, 99th percentile, maximum, and how many flows found room.
//
// The table holds `capacity` sessions; UDP sessions live `lifetimeMs`; new flows arrive as fast as test-run
// calls go, for `seconds`. After the first lifetime, flows that arrive find expired entries to replace, a few at a
// time. Run it against two builds to compare (the figures go to bench-results like the others).
import path from 'node:path';
import {REPO, median, round, log} from './lib.mjs';

const P = await import(path.join(REPO, 'test/helpers/packets.mjs'));

const C6 = '2001:db8:1::8';
const S4_AS6 = '2001:db8:64::c000:208';
const PAYLOAD = Buffer.alloc(16, 0x61);

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

export async function runChurn({capacity, lifetimeMs, seconds}) {
  const {openAndLoad} = await import(path.join(REPO, 'dist/bpf/object.js'));
  const {testRun} = await import(path.join(REPO, 'dist/bpf/test-run.js'));
  const NL = await import(path.join(REPO, 'dist/instance/nat64/layout.js'));
  const {layoutVersion} = await import(path.join(REPO, 'dist/instance/objects.js'));
  const key0 = Buffer.alloc(4);
  const maxEntries = NL.nat64MaxEntries ? NL.nat64MaxEntries(capacity) : {nat64_bib4: capacity, nat64_bib6: capacity, nat64_sessions: capacity};
  const nat = await openAndLoad(path.join(REPO, 'build/bpf/nat64.bpf.o'), {maxEntries});
  try {
    nat.map('nat64_config').update(key0, NL.encodeNat64Config({
      version: layoutVersion('nat64'), enabled: true, pool6: {addr: P.ip6('2001:db8:64::'), len: 96}, fArgs: 0b1011,
      tos: 0, flags: 0, lowestIpv6Mtu: 1280, pool4Count: 1, maxSimultaneousOpens: 10, pool4Default: 0,
      udpTimeout: lifetimeMs / 1000, tcpEstTimeout: 7200, tcpTransTimeout: 240, icmpTimeout: 60, tcpSynTimeout: 6, zeroizeTrafficClass: false, overrideTos: false, mtuPlateaus: [1500, 1280],
      secret: Buffer.from('0123456789abcdef'),
    }));
    // pool4: far more transport addresses than the table holds, so that the table (not pool4) is what fills.
    nat.map('nat64_pool4').update(key0, NL.encodePool4Range({addr: P.ip4('203.0.113.0'), prefixLen: 24, mark: 0, portMin: 1024, portMax: 65535, proto: 17, flags: 0, maxIter: 0}));
    const pfd = nat.programFd('xlat_nat64_tc');
    const stats = nat.map('nat64_stats');
    const counter = (name) => {
      const k = Buffer.alloc(4);
      k.writeUInt32LE(NL.NAT64_COUNTER_NAMES.indexOf(name));
      return stats.lookupPerCpu(k).reduce((s, b) => s + b.readBigUInt64LE(0), 0n);
    };
    const flow = (i) => P.ether(P.ipv6Packet({src: `2001:db8:1::${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}`, dst: S4_AS6, l4: P.udp(1024 + (i % 60000), 53, PAYLOAD)}));
    const ns = [];
    let i = 0;
    const t0 = Date.now();
    // First fill the table, then keep flows coming while the oldest expire.
    while (Date.now() - t0 < seconds * 1000) {
      const out = await testRun(pfd, flow(i++), {repeat: 1});
      if (Date.now() - t0 > lifetimeMs) ns.push(out.durationNs);
    }
    ns.sort((a, b) => a - b);
    const created = Number(counter('session-created'));
    const refused = Number(counter('drop-table-full'));
    const r = {
      capacity, lifetimeMs, seconds, flows: i, measured: ns.length,
      medianNs: round(median(ns)), p99Ns: round(quantile(ns, 0.99)), p999Ns: round(quantile(ns, 0.999)), maxNs: ns.at(-1) ?? null,
      created, refused, fullScans: Number(counter('reclaimed')),
      sessionsExpired: NL.NAT64_COUNTER_NAMES.includes('session-expired') ? Number(counter('session-expired')) : null,
    };
    log(`churn: ${JSON.stringify(r)}`);
    return r;
  } finally {
    nat.close();
  }
}
