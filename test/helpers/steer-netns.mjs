// A network namespace whose IPv4 FIB cluster steering (bpf/nat64/steer.h) can be run against: the caller runs
// in it already (unshare -n), and this gives it the routes of a node. Shared by the packet test of steering
// (test/helpers/steer-child.mjs) and its benchmark (bench/steer.mjs).
//
// Deterministic entry: 2001:db8:3::/126, subscribers of /128, one address each (a block of every port), on
// 198.18.0.0/30: subscriber k -> 198.18.0.k.
//   198.18.0.0  this node's (the blackhole of pool4)
//   198.18.0.1  another node's, through a neighbour whose MAC address is known (02:00:00:00:00:09 on sz0)
//   198.18.0.2  another node's, through a neighbour whose MAC address is not known
//   198.18.0.3  a route back out of the interface the packets come in on (lo, in a test run): never followed
import {execFileSync, spawnSync} from 'node:child_process';
import path from 'node:path';

export const STEER = {
  range6: '2001:db8:3::/126',
  prefix4: '198.18.0.0/30',
  here: '2001:db8:3::',
  away: '2001:db8:3::1',
  noNeigh: '2001:db8:3::2',
  backOut: '2001:db8:3::3',
  neighbourMac: '02:00:00:00:00:09',
};

/** The environment marking a process started in a namespace of its own by runInOwnNamespace(). */
export const OWN_NETNS_ENV = 'XLAT_OWN_NETNS';

/** Runs `node SCRIPT ARGS` in a new network namespace (unshare -n); returns spawnSync's result. */
export function runInOwnNamespace(script, args = []) {
  return spawnSync('unshare', ['-n', process.execPath, script, ...args], {encoding: 'utf8', maxBuffer: 1 << 24, env: {...process.env, [OWN_NETNS_ENV]: '1'}});
}

/**
 * Sets the routes up; returns the MAC address of the interface steered packets leave by (sz0). Refuses to run
 * outside a namespace made by runInOwnNamespace(): it would change the machine's own routes.
 */
export function setupSteerNamespace() {
  if (process.env[OWN_NETNS_ENV] !== '1')
    throw new Error('this sets up routes: run it through runInOwnNamespace() (unshare -n), never in a namespace of the machine');
  const sh = (cmd) => execFileSync('sh', ['-c', cmd], {stdio: ['ignore', 'pipe', 'pipe']}).toString();
  sh('ip link set lo up && ip link add sz0 type veth peer name sz1 && ip link set sz0 up');
  sh(`ip addr add 198.51.100.1/24 dev sz0 && ip neigh replace 198.51.100.2 lladdr ${STEER.neighbourMac} dev sz0 nud permanent`);
  sh('ip route add blackhole 198.18.0.0/30');
  sh('ip route add 198.18.0.1/32 via 198.51.100.2 dev sz0 && ip route add 198.18.0.2/32 via 198.51.100.3 dev sz0');
  sh('ip route add 198.18.0.3/32 dev lo');
  sh('echo 1 > /proc/sys/net/ipv4/ip_forward');
  return JSON.parse(sh('ip -j link show sz0'))[0].address;
}

/** The deterministic entry's fields, for parseDetEntry (src/model/rfc7422.ts). */
export const steerEntry = () => ({range6: STEER.range6, subLen: 128, prefix4: STEER.prefix4, ports: '1024-65535', blockSize: 64512, since: 0});

/**
 * The NAT64 object of the checkout REPO loaded, with the steering entry in its block tables and pool6
 * 64:ff9b::/96; configure(steering) writes the globals, with or without cluster-steering; reset() empties its
 * BIB and sessions.
 */
export async function openSteerNat64(repo) {
  const imp = (f) => import(path.join(repo, f));
  const L = await imp('dist/instance/nat64/layout.js');
  const B = await imp('dist/instance/nat64/blocks-layout.js');
  const {parseDetEntry} = await imp('dist/model/rfc7422.js');
  const {encodeLpmKey} = await imp('dist/instance/layout.js');
  const {layoutVersion} = await imp('dist/instance/objects.js');
  const {openAndLoad} = await imp('dist/bpf/object.js');
  const {ip4, ip6} = await imp('test/helpers/packets.mjs');
  const obj = await openAndLoad(path.join(repo, 'build/bpf/nat64.bpf.o'));
  const m = (n) => obj.map(n);
  const key0 = Buffer.alloc(4);
  const e = parseDetEntry(steerEntry());
  m('nat64_blk4').update(encodeLpmKey(ip4('198.18.0.0'), 30), B.encodeBlkEntry(e, 0));
  m('nat64_blk6').update(encodeLpmKey(ip6('2001:db8:3::'), 126), B.encodeBlkEntry(e, 0));
  m('nat64_blk_ctl').update(key0, B.encodeBlkCtl(1));
  const configure = (steering) =>
    m('nat64_config').update(
      key0,
      L.encodeNat64Config({
        version: layoutVersion('nat64'),
        enabled: true,
        pool6: {addr: ip6('64:ff9b::'), len: 96},
        fArgs: 0b1011,
        tos: 0,
        flags: L.NAT64_F['source-icmpv6-errors-better'] | (steering ? L.NAT64_F['cluster-steering'] : 0),
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
  const reset = () => {
    for (const n of ['nat64_bib4', 'nat64_bib6', 'nat64_sessions']) for (const k of [...m(n).keys()]) m(n).delete(k);
  };
  return {obj, L, configure, reset};
}
