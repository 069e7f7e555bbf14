// The two translators as fuzz targets: each loads its real object (build/bpf/*.bpf.o) once, knows its
// configuration phases (each a set of globals and table contents, so that every branch that depends on the
// configuration is reached) and where its seeds come from. NAT64's tables are kept small so that full tables,
// exhausted pool4 and expiry are reached; its state persists from one packet to the next.
import path from 'node:path';
import {siitSeeds, corpusSeeds, nat64Seeds, nat64Churn, Nat64Live, SIIT_ADDR, NAT64_ADDR, ip4, ip6} from './seeds.mjs';

const key0 = Buffer.alloc(4);
const u32 = (n) => {
  const k = Buffer.alloc(4);
  k.writeUInt32LE(n);
  return k;
};

function clear(map) {
  for (const k of [...map.keys()]) map.delete(k);
}

/** ifindex the test runs see (the loopback device of the fuzzer's namespace) and the dummy device redirects go to. */
export const LO = 1;

export async function siitTarget(repo, env) {
  const {openAndLoad} = await import(path.join(repo, 'dist/bpf/object.js'));
  const L = await import(path.join(repo, 'dist/instance/layout.js'));
  const {encodeIfaddr} = await import(path.join(repo, 'dist/instance/ifaddr.js'));
  const {layoutVersion} = await import(path.join(repo, 'dist/instance/objects.js'));
  const obj = await openAndLoad(path.join(repo, 'build/bpf/siit.bpf.o'));
  const m = (n) => obj.map(n);
  const version = layoutVersion('siit');
  const A = SIIT_ADDR;
  const pool6 = {addr: ip6('2001:db8:100::'), len: 40};
  const eam = [['2001:db8:3::', 120, '1.0.0.0', 24], ['2001:db8:2::', 120, '10.0.0.0', 24]];
  const phases = [
    {name: 'corpus configuration', cfg: {rfc6791v4: {addr: ip4('203.0.113.8'), len: 32}}, eamt: true, deny: true, ifaddr: true},
    {name: 'mtu 1500, amend UDP, simple hairpin, RFC 6791 v6', cfg: {lowestIpv6Mtu: 1500, amendUdpChecksumZero: true, eamHairpinMode: 'simple', randomizeRfc6791: false, rfc6791v6: {addr: ip6('2001:db8:6791::'), len: 64}, rfc6791v4: {addr: ip4('203.0.113.0'), len: 24}}, eamt: true, deny: false, ifaddr: true},
    {name: 'EAMT only, hairpin off, TOS overridden, no interface address', cfg: {pool6: null, eamHairpinMode: 'off', overrideTos: true, tos: 0x28, zeroizeTrafficClass: true}, eamt: true, deny: true, ifaddr: false},
    {name: 'XDP forwards by itself', cfg: {}, eamt: false, deny: false, ifaddr: true, redirect: true},
    {name: 'disabled', cfg: {enabled: false}, eamt: true, deny: false, ifaddr: true},
    {name: 'mtu 1402, plateaus cut, no RFC 6791 prefix', cfg: {lowestIpv6Mtu: 1402, mtuPlateaus: [1400, 576]}, eamt: true, deny: true, ifaddr: true},
  ];
  const seeds = [...siitSeeds(), ...corpusSeeds(repo)];
  return {
    kind: 'siit',
    obj,
    stats: m('siit_stats'),
    progs: {xdp: obj.programFd('xlat_siit_xdp'), tc: obj.programFd('xlat_siit_tc')},
    ownPass: 'pass-siit',
    phases,
    seedCount: seeds.length,
    setPhase(i) {
      const ph = phases[i % phases.length];
      let tables = 0;
      clear(m('siit_eamt6'));
      clear(m('siit_eamt4'));
      clear(m('siit_deny4'));
      clear(m('siit_redirect'));
      clear(m('siit_ifaddr'));
      clear(m('siit_local4'));
      m('siit_local4').update(ip4(A.LOCAL4), Buffer.from([1]));
      if (ph.eamt) {
        for (const [a6, l6, a4, l4] of eam) {
          const v = L.encodeEamtEntry({v6: ip6(a6), v6Len: l6, v4: ip4(a4), v4Len: l4});
          m('siit_eamt6').update(L.encodeLpmKey(ip6(a6), l6), v);
          m('siit_eamt4').update(L.encodeLpmKey(ip4(a4), l4), v);
        }
        tables |= L.SIIT_T.EAMT;
      }
      if (ph.deny) {
        m('siit_deny4').update(L.encodeLpmKey(ip4('192.0.2.128'), 25), Buffer.from([1]));
        tables |= L.SIIT_T.DENY4;
      }
      if (ph.ifaddr) m('siit_ifaddr').update(u32(LO), encodeIfaddr({v4: A.LOCAL4, v6: A.LOCAL6}));
      if (ph.redirect && env.dummyIfindex) {
        m('siit_redirect').update(u32(env.dummyIfindex), Buffer.from([1]));
        tables |= L.SIIT_T.REDIRECT;
      }
      m('siit_config').update(key0, L.encodeSiitConfig({version, enabled: true, pool6, ...ph.cfg, tables}));
      return ph.name;
    },
    seed(rng) {
      return rng.pick(seeds);
    },
    observe() {},
    close: () => obj.close(),
  };
}

/** Small tables: full tables, exhausted pool4 and reclaiming are reached within a run. */
/** The block events' ring buffer at its smallest (a page: 85 events), never read here: it fills (event-lost). */
const NAT64_SIZES = {nat64_bib4: 256, nat64_bib6: 256, nat64_sessions: 256, nat64_sessq: 512, nat64_adf: 256, nat64_frags: 64, nat64_syn4: 32, nat64_events: 4096};

export async function nat64Target(repo) {
  const {openAndLoad} = await import(path.join(repo, 'dist/bpf/object.js'));
  const L = await import(path.join(repo, 'dist/instance/nat64/layout.js'));
  const {encodeIfaddr} = await import(path.join(repo, 'dist/instance/ifaddr.js'));
  const {layoutVersion} = await import(path.join(repo, 'dist/instance/objects.js'));
  const obj = await openAndLoad(path.join(repo, 'build/bpf/nat64.bpf.o'), {maxEntries: NAT64_SIZES});
  const {writeDet} = await import(path.join(repo, 'dist/instance/nat64/blocks.js'));
  const {parseDetEntry} = await import(path.join(repo, 'dist/model/rfc7422.js'));
  // Deterministic pool4 (RFC 7422) for one phase: the churn's clients (2001:db8:1::/116) in four subscribers of /118,
  // blocks of 4 ports, so every subscriber's block fills early in the phase (drop-block-full).
  const det = parseDetEntry({range6: '2001:db8:1::/116', subLen: 118, prefix4: '203.0.113.0/31', ports: '1024-1055', blockSize: 4, since: 0});
  // Dynamic blocks for another: 16 subscribers of /120 share 4 blocks of 4 ports (some find none), with timeouts of
  // milliseconds so that blocks go back and are given out again (allocations, releases, events lost).
  const dyn = parseDetEntry({range6: '2001:db8:1::/116', subLen: 120, prefix4: '203.0.113.0/31', ports: '1024-1031', blockSize: 4, since: 0, dynamic: true});
  // Cluster steering for a third: the four subscribers of /118 on 198.18.0.0/31, two blocks of 16 ports per
  // address; the namespace routes both addresses to other nodes (fuzz/run.mjs), one of them without a neighbour.
  const steer = parseDetEntry({range6: '2001:db8:1::/116', subLen: 118, prefix4: '198.18.0.0/31', ports: '1024-1055', blockSize: 16, since: 0});
  const m = (n) => obj.map(n);
  const version = layoutVersion('nat64');
  const A = NAT64_ADDR;
  const F = L.NAT64_F;
  const full = [[6, A.P4, 32, 61001, 65535], [17, A.P4, 32, 61001, 65535], [1, A.P4, 32, 61001, 65535]];
  const tiny = [[6, A.P4, 32, 61001, 61003, 2], [17, A.P4, 31, 61001, 61002], [1, A.P4, 32, 61001, 61001]];
  const phases = [
    {name: 'defaults', cfg: {}, pool4: full, ifaddr: true},
    {name: 'address-dependent filtering, externally initiated TCP and ICMPv6 info dropped', cfg: {flags: F['address-dependent-filtering'] | F['drop-externally-initiated-tcp'] | F['drop-icmpv6-info'] | F['handle-rst-during-fin-rcv']}, pool4: full, ifaddr: true},
    {name: 'tiny pool4 on flushed tables, one simultaneous open', cfg: {maxSimultaneousOpens: 1, fArgs: 0b1111}, pool4: tiny, ifaddr: true, flush: true}, // exhausted before the tables fill
    // Held SYNs forgotten at the start, so that the SYNs held here expire within the phase (tcp-syn-unreachable).
    {name: 'timeouts of milliseconds', flushSyn4: true, cfg: {udpTimeout: 0.002, tcpEstTimeout: 0.003, tcpTransTimeout: 0.002, icmpTimeout: 0.002, tcpSynTimeout: 0.001, flags: F['address-dependent-filtering']}, pool4: full, ifaddr: true},
    {name: 'no UDP pool4, no interface address, mtu 1500', cfg: {lowestIpv6Mtu: 1500, overrideTos: true, tos: 4, zeroizeTrafficClass: true}, pool4: full.filter((r) => r[0] !== 17), ifaddr: false},
    {name: 'disabled', cfg: {enabled: false}, pool4: full, ifaddr: true},
    {name: 'flushed tables, defaults', cfg: {}, pool4: full, ifaddr: true, flush: true},
    {name: 'errors in bursts (the rate limit)', cfg: {}, pool4: full, ifaddr: true, burst: true},
    {name: 'new flows only (the tables fill up)', cfg: {}, pool4: full, ifaddr: true, churn: true},
    {name: 'deterministic pool4, blocks of 4 ports (a block fills)', cfg: {}, pool4: full, ifaddr: true, churn: true, flush: true, det: true},
    {name: 'dynamic blocks, 4 for 16 subscribers, timeouts of milliseconds', cfg: {udpTimeout: 0.002, tcpEstTimeout: 0.003, tcpTransTimeout: 0.002, icmpTimeout: 0.002}, pool4: full, ifaddr: true, churn: true, flush: true, dyn: true},
    {name: 'cluster steering: the subscribers belong to other nodes', cfg: {flags: F['source-icmpv6-errors-better'] | F['cluster-steering']}, pool4: full, ifaddr: true, churn: true, flush: true, steer: true},
  ];
  let current = phases[0];
  const base = {
    version, enabled: true, pool6: {addr: ip6(A.POOL6), len: 96}, fArgs: 0b1011, tos: 0, flags: F['source-icmpv6-errors-better'],
    lowestIpv6Mtu: 1280, pool4Count: 0, maxSimultaneousOpens: 10, pool4Default: 0, udpTimeout: 300, tcpEstTimeout: 7200, tcpTransTimeout: 240,
    icmpTimeout: 60, tcpSynTimeout: 6, zeroizeTrafficClass: false, overrideTos: false, mtuPlateaus: [1500, 1280], secret: Buffer.from('0123456789abcdef'),
  };
  const seeds = nat64Seeds();
  const live = new Nat64Live();
  return {
    kind: 'nat64',
    obj,
    stats: m('nat64_stats'),
    progs: {xdp: obj.programFd('xlat_nat64_xdp'), tc: obj.programFd('xlat_nat64_tc')},
    ownPass: 'pass-nat64',
    phases,
    seedCount: seeds.length,
    live,
    setPhase(i) {
      const ph = phases[i % phases.length];
      current = ph;
      if (ph.flush) for (const n of ['nat64_bib4', 'nat64_bib6', 'nat64_sessions', 'nat64_syn4']) clear(m(n)); // fragment records age on (reclaiming)
      else if (ph.flushSyn4) clear(m('nat64_syn4'));
      // The data plane's count of held SYNs is recounted only by a sweep, at most once per pause: zeroed with the records
      // it counts, or it would refuse new SYNs as over max-simultaneous-opens until then.
      if (ph.flush || ph.flushSyn4) m('nat64_runtime').update(key0, Buffer.alloc(m('nat64_runtime').valueSize));
      ph.pool4.forEach(([proto, addr, prefixLen, portMin, portMax, maxIter = 0], j) => {
        m('nat64_pool4').update(u32(j), L.encodePool4Range({addr: ip4(addr), prefixLen, mark: 0, portMin, portMax, proto, flags: 0, maxIter}));
      });
      // The CLI's own writer of block entries (quick: the phase's flush, if any, handles the tables).
      const blk = {blk6: m('nat64_blk6'), blk4: m('nat64_blk4'), blkCtl: m('nat64_blk_ctl'), blkSub: m('nat64_blk_sub'), blkUse: m('nat64_blk_use'), blkUsed: m('nat64_blk_used')};
      writeDet(blk, ph.det ? [det] : ph.dyn ? [dyn] : ph.steer ? [steer] : [], true);
      clear(m('nat64_ifaddr'));
      if (ph.ifaddr) m('nat64_ifaddr').update(u32(LO), encodeIfaddr({v4: A.IF4, v6: A.IF6}));
      m('nat64_config').update(key0, L.encodeNat64Config({...base, ...ph.cfg, pool4Count: ph.pool4.length}));
      return ph.name;
    },
    seed(rng) {
      if (current.burst && rng.chance(0.7)) return nat64Churn(rng, 'expiring');
      if (current.churn && rng.chance(0.8)) return nat64Churn(rng, 'flow');
      const r = rng.int(100);
      if (r < 45) {
        const s = live.seed(rng);
        if (s) return s;
      }
      if (r < 55) return nat64Churn(rng, 'flow');
      if (r < 58) return nat64Churn(rng, 'fragment');
      if (r < 61) return nat64Churn(rng, 'kernel-fragments');
      if (r < 62) return nat64Churn(rng, 'syn-again');
      return rng.pick(seeds);
    },
    observe(input, output, reason) {
      live.observe(input, output, reason);
    },
    close: () => obj.close(),
  };
}
