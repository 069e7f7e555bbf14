// The cluster lab: three translator nodes behind one upstream router, which spreads IPv6 flows over them with
// ECMP. Used by scripts/lab-cluster.mjs (`npm run lab:cluster`) and test/cluster/.
//
//              c6 (IPv6 clients)                       s4 (IPv4 servers)
// 2001:db8:c:1::1,2,10,11,1e,1f (NAT64)                   203.0.113.10
// 2001:db8:c:46::10 (SIIT)
//                     \                                  /
//                      r  upstream router: FRR zebra + bgpd + bfdd, AS 65000, ECMP on the 5-tuple
//                    / | \        10.0.K.1/30 fd00:0:0:K::1/64 towards node K
//                 n1  n2  n3    translators: FRR (AS 65100) + xlat NAT64 + xlat SIIT, 10.0.K.2 fd00:0:0:K::2
//                    \ | /        the nodes' own segment ("cluster", a bridge): 10.1.0.K/24, iBGP between them
//
// Every node has the same configuration: NAT64 pool6 64:ff9b::/96 and one deterministic pool4 entry (RFC 7422,
// 198.51.100.8/30 for the subscribers 2001:db8:c:1::/123) with cluster-steering on, and SIIT's pool6
// 2001:db8:46::/96 with the EAMT 2001:db8:c:46::/120 <-> 192.0.2.0/24 for the clients. Each node advertises the
// shared prefixes over BGP, so the router holds three equal paths for each. Each pool4 address has an owner and
// an order of backups (ranks, below): the node that advertises it best, alone, gets its answers, and every other
// node sends that address's subscribers to it over the cluster segment (bpf/nat64/steer.h). BFD (300 ms x 3) and
// BGP timers of 1/3 s withdraw a node that stops answering; its addresses go to their next rank.
import {chmodSync, mkdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {
  addAddress,
  addRoute,
  check,
  createNamespace,
  createVeth,
  deleteNamespace,
  nsBackground,
  setSysctls,
  uniqueName,
  xlat,
} from '../../test/helpers/netns.mjs';
import {startFrr, signalFrr, vtysh} from './frr.mjs';

export const FLOWS_PY = fileURLToPath(new URL('./flows.py', import.meta.url));
const HEALTH = fileURLToPath(new URL('../../bin/xlat-frr-health', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
export const NODES = 3;
export const SERVER4 = '203.0.113.10';
export const PORT = 7000;
// NAT64: 4 pool4 addresses, 15 blocks of 4096 ports on each (1024-65535); subscriber k (the last byte of its
// /128) gets address k / 15 (32 subscribers: the fourth address stays idle). The six clients are subscribers 1, 2
// (198.51.100.8), 16, 17 (.9), 30, 31 (.10).
export const NAT64 = {
  pool6: '64:ff9b::/96',
  pool4: '198.51.100.8/30',
  addresses: ['198.51.100.8', '198.51.100.9', '198.51.100.10', '198.51.100.11'],
  subscribers: '2001:db8:c:1::/123',
  blockSize: 4096,
  clients: ['2001:db8:c:1::1', '2001:db8:c:1::2', '2001:db8:c:1::10', '2001:db8:c:1::11', '2001:db8:c:1::1e', '2001:db8:c:1::1f'],
  target: '64:ff9b::cb00:710a',
};

/** The node owning pool4 address number i (0..3) while every node lives: 1, 2, 3, 1. */
export const firstOwner = (i, nodes = NODES) => (i % nodes) + 1;
/** Node k's rank for address i: 0 the owner, 1 its first backup, ... */
const rankOf = (k, i, nodes = NODES) => (k - firstOwner(i, nodes) + nodes) % nodes;
/** The node owning address i when the nodes in `dead` are gone: the best rank among the living. */
export function ownerOf(i, dead, nodes = NODES) {
  for (let r = 0; r < nodes; r++) {
    const k = ((firstOwner(i, nodes) - 1 + r) % nodes) + 1;
    if (!dead.has(k)) return k;
  }
  return null;
}
// SIIT: pool6 for the IPv4 servers, an EAMT entry for the clients (2001:db8:c:46::10 is 192.0.2.16), and the
// NAT64's pool4 on the denylist: without it SIIT's pool6 would also translate the answers to NAT64 flows.
export const SIIT = {
  pool6: '2001:db8:46::/96',
  eam: ['2001:db8:c:46::/120', '192.0.2.0/24'],
  denylist4: '198.51.100.0/24',
  client: '2001:db8:c:46::10',
  target: '2001:db8:46::cb00:710a',
  routes: ['2001:db8:46::/96', '192.0.2.0/24'],
};
const ROUTER_AS = 65000;
const NODE_AS = 65100;
const link4 = (k, host) => `10.0.${k}.${host}`;
const link6 = (k, host) => `fd00:0:0:${k}::${host}`;
const cluster4 = (k) => `10.1.0.${k}`;

// BFD's default (300 ms x 3) detects a silent node in about a second; the BGP timers (keepalive 1 s, hold 3 s)
// are the backstop when BFD itself cannot run.
const neighbour = (addr, as) => [
  ` neighbor ${addr} remote-as ${as}`,
  ` neighbor ${addr} bfd`,
  ` neighbor ${addr} timers 1 3`,
  ` neighbor ${addr} timers connect 1`,
];

function routerConfig(nodes) {
  const lines = ['frr defaults traditional', 'hostname router', `router bgp ${ROUTER_AS}`, ' bgp router-id 10.255.0.1'];
  lines.push(' no bgp ebgp-requires-policy', ' no bgp default ipv4-unicast');
  for (let k = 1; k <= nodes; k++) lines.push(...neighbour(link4(k, 2), NODE_AS), ...neighbour(link6(k, 2), NODE_AS));
  // maximum-paths: the nodes' equal routes are all installed (one nexthop group, hashed per flow by the kernel)
  lines.push(' address-family ipv4 unicast', '  maximum-paths 8');
  for (let k = 1; k <= nodes; k++) lines.push(`  neighbor ${link4(k, 2)} activate`);
  lines.push(' exit-address-family', ' address-family ipv6 unicast', '  maximum-paths 8');
  for (let k = 1; k <= nodes; k++) lines.push(`  neighbor ${link6(k, 2)} activate`);
  lines.push(' exit-address-family', '');
  return lines.join('\n');
}

/**
 * Node k's FRR. Every node originates every pool4 address, with a local preference by its rank for it (100 per
 * rank below the owner's: with three nodes 300 the owner, 200 the first backup, 100 the next; weight 0, or its own origination would always win at home): among
 * the nodes (iBGP over the cluster segment) the best living rank wins everywhere. Routes learned from the other
 * nodes are marked no-export, so a node advertises to the router only the addresses it owns now: the router has
 * one path for each, to its owner.
 */
function nodeConfig(k, nodes) {
  const peers = Array.from({length: nodes}, (_, i) => i + 1).filter((j) => j !== k);
  const ranks = NAT64.addresses.map((a, i) => `  network ${a}/32 route-map RANK${rankOf(k, i, nodes)}`);
  return [
    'frr defaults traditional',
    `hostname node${k}`,
    `router bgp ${NODE_AS}`,
    ` bgp router-id ${link4(k, 2)}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    // the pools are not routes of the node's own table (the translator takes their packets at ingress)
    ' no bgp network import-check',
    ...neighbour(link4(k, 1), ROUTER_AS),
    ...neighbour(link6(k, 1), ROUTER_AS),
    ...peers.flatMap((j) => neighbour(cluster4(j), NODE_AS)),
    ' address-family ipv4 unicast',
    ...ranks,
    `  network ${SIIT.routes[1]}`,
    `  neighbor ${link4(k, 1)} activate`,
    ...peers.flatMap((j) => [`  neighbor ${cluster4(j)} activate`, `  neighbor ${cluster4(j)} route-map FROM-NODE in`]),
    ' exit-address-family',
    ' address-family ipv6 unicast',
    `  network ${NAT64.pool6}`,
    `  network ${SIIT.routes[0]}`,
    `  neighbor ${link6(k, 1)} activate`,
    ' exit-address-family',
    ...Array.from({length: nodes}, (_, r) => [`route-map RANK${r} permit 10`, ` set local-preference ${100 * (nodes - r)}`, ' set weight 0']).flat(),
    'route-map FROM-NODE permit 10',
    ' set community no-export',
    '',
  ].join('\n');
}

/** The directory holding the FRR directories of the lab whose namespaces are named PREFIX-... */
export const frrBase = (prefix) => path.join(tmpdir(), `xlat-cluster-${prefix}`);

/**
 * The xlat commands node K runs, as an operator types them inside the node (`ip netns exec NODE xlat ...`): the
 * same on every node, but for the hook of node 1's NAT64, XDP (the others take tc, auto's choice on veth), so that
 * steering runs through both hooks: XDP hands another node's packets to tc, which sends them on.
 */
export function nodeCommands(k) {
  return [
    ['nat64', 'instance', 'add', '--pool6', NAT64.pool6, ...(k === 1 ? ['--hook', 'xdp'] : [])],
    [
      'nat64',
      'pool4',
      'add',
      NAT64.pool4,
      '1024-65535',
      '--deterministic',
      NAT64.subscribers,
      '--subscriber-length',
      '128',
      '--block-size',
      String(NAT64.blockSize),
    ],
    ['nat64', 'global', 'update', 'cluster-steering', 'true'],
    ['siit', 'instance', 'add', '--pool6', SIIT.pool6],
    ['siit', 'eamt', 'add', ...SIIT.eam],
    ['siit', 'denylist4', 'add', SIIT.denylist4],
  ];
}

/** Runs `xlat ARGS` in namespace NS; throws with its one-line error. */
export async function xlatCheck(ns, args) {
  const r = await xlat(ns, args, {timeout: 60_000});
  if (r.code !== 0) throw new Error(`xlat ${args.join(' ')} in ${ns}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/**
 * Creates the lab. `prefix` names the namespaces (PREFIX-r, -c6, -s4, -n1...); the FRR directories live in
 * frrBase(prefix), under the system's tmp. `say` receives a line per step. register: false leaves the namespaces
 * out of the exit-time cleanup of test/helpers/netns.mjs (a lab kept up); destroyCluster() removes them anyway.
 */
export async function buildCluster({prefix = uniqueName('cl'), nodes = NODES, register = true, say = () => {}} = {}) {
  const lab = {
    prefix,
    router: `${prefix}-r`,
    clients: `${prefix}-c6`,
    servers: `${prefix}-s4`,
    nodes: Array.from({length: nodes}, (_, i) => `${prefix}-n${i + 1}`),
    dir: frrBase(prefix),
    dead: new Set(),
  };
  mkdirSync(lab.dir, {mode: 0o755});
  chmodSync(lab.dir, 0o755); // FRR's daemons run as the user frr and must reach their directories in it
  // an interrupted run: test/helpers/netns.mjs removes the namespaces (and the daemons in them), this the files
  if (register) process.once('exit', () => rmSync(lab.dir, {recursive: true, force: true}));
  lab.frrDir = (ns) => path.join(lab.dir, ns.slice(prefix.length + 1));
  try {
    await setUp(lab, nodes, register, say);
  } catch (err) {
    await destroyCluster(lab); // half a lab is removed before the error goes on
    throw err;
  }
  return lab;
}

async function setUp(lab, nodes, register, say) {
  for (const ns of [lab.router, lab.clients, lab.servers, ...lab.nodes]) await createNamespace(ns, {register});
  say(`namespaces ${[lab.router, lab.clients, lab.servers, ...lab.nodes].join(' ')}`);

  const r = lab.router;
  await setSysctls(r, {
    'net.ipv4.ip_forward': 1,
    'net.ipv6.conf.all.forwarding': 1,
    // ECMP on the 5-tuple (the default, 0, hashes the addresses only: one client would use one node). Policy 3
    // with the 5-tuple's fields rather than policy 1: policy 1 reuses a hash the packet already carries, and a
    // packet from a socket in a neighbouring namespace carries its socket's random hash (which TCP even changes
    // after a timeout), where a router's NIC would hash the headers. Policy 3 always hashes the headers.
    'net.ipv4.fib_multipath_hash_policy': 3,
    'net.ipv6.fib_multipath_hash_policy': 3,
    'net.ipv4.fib_multipath_hash_fields': 0x37, // source and destination address, protocol, ports
    'net.ipv6.fib_multipath_hash_fields': 0x37,
  });
  await createVeth(r, 'c6', lab.clients, 'uplink');
  await addAddress(r, 'c6', '2001:db8:c:1::ff:1/64');
  await addAddress(r, 'c6', '2001:db8:c:46::1/64');
  for (const c of NAT64.clients) await addAddress(lab.clients, 'uplink', `${c}/64`);
  await addAddress(lab.clients, 'uplink', `${SIIT.client}/64`);
  await addRoute(lab.clients, '::/0', '2001:db8:c:1::ff:1');
  await createVeth(r, 's4', lab.servers, 'uplink');
  await addAddress(r, 's4', '203.0.113.1/24');
  await addAddress(lab.servers, 'uplink', `${SERVER4}/24`);
  await addRoute(lab.servers, '0.0.0.0/0', '203.0.113.1');
  for (let k = 1; k <= nodes; k++) {
    const n = lab.nodes[k - 1];
    await setSysctls(n, {'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.forwarding': 1});
    await createVeth(r, `n${k}`, n, 'uplink');
    await addAddress(r, `n${k}`, `${link4(k, 1)}/30`);
    await addAddress(r, `n${k}`, `${link6(k, 1)}/64`);
    await addAddress(n, 'uplink', `${link4(k, 2)}/30`);
    await addAddress(n, 'uplink', `${link6(k, 2)}/64`);
    await addRoute(n, '0.0.0.0/0', link4(k, 1));
    await addRoute(n, '::/0', link6(k, 1));
    // the nodes' segment: a bridge (in r's namespace, with no address: r does not route it)
    if (k === 1) {
      await check('ip', ['-n', r, 'link', 'add', 'cluster', 'type', 'bridge']);
      await check('ip', ['-n', r, 'link', 'set', 'cluster', 'up']);
    }
    await createVeth(r, `cl${k}`, n, 'cluster');
    await check('ip', ['-n', r, 'link', 'set', `cl${k}`, 'master', 'cluster']);
    await addAddress(n, 'cluster', `${cluster4(k)}/24`);
    // pool4 is the node's own unless a more specific route (another node's, learned over BGP) says otherwise
    await check('ip', ['-n', n, 'route', 'add', 'blackhole', NAT64.pool4]);
  }
  say('links: c6 -- r -- s4, r -- n1..n3 (dual stack), n1..n3 on one segment; clients and servers route everything to r');

  for (let k = 1; k <= nodes; k++) {
    const n = lab.nodes[k - 1];
    for (const args of nodeCommands(k)) {
      say(`ip netns exec ${n} xlat ${args.join(' ')}`);
      await xlatCheck(n, args);
    }
  }
  await startFrr(r, lab.frrDir(r), routerConfig(nodes));
  say(`${r}: FRR zebra, bfdd, bgpd (config, sockets, logs in ${lab.frrDir(r)})`);
  lab.health = [];
  for (const n of lab.nodes) {
    await startFrr(n, lab.frrDir(n), nodeConfig(lab.nodes.indexOf(n) + 1, nodes));
    say(`${n}: FRR zebra, bfdd, bgpd (config, sockets, logs in ${lab.frrDir(n)})`);
    // BGP follows the translators: shut down while one of them is not running (bin/xlat-frr-health)
    const args = [`XLAT=${process.execPath} ${CLI}`, HEALTH, '--vtysh-args', `--vty_socket ${lab.frrDir(n)}`, 'nat64', 'siit'];
    const h = nsBackground(n, 'env', args, {ready: /BGP open/, readyTimeout: 60_000, timeout: 3_600_000});
    lab.health.push(h);
    await h.ready;
    say(`${n}: ip netns exec ${n} xlat-frr-health nat64 siit`);
  }
  lab.server = nsBackground(lab.servers, 'python3', [FLOWS_PY, 'serve', String(PORT)], {timeout: 3_600_000});
  await lab.server.ready;
}

/** Number of installed (FIB) nexthops the router has for PREFIX, from zebra's own view. */
export async function routerPaths(lab, prefix) {
  const af = prefix.includes(':') ? 'ipv6' : 'ip';
  const out = JSON.parse(await vtysh(lab.frrDir(lab.router), [`show ${af} route ${prefix} json`]));
  const routes = out[prefix] ?? [];
  return routes
    .filter((r) => r.selected)
    .flatMap((r) => r.nexthops ?? [])
    .filter((h) => h.fib).length;
}

/** The router's paths: for the shared prefixes their number; for each pool4 address the nodes it leads to. */
export async function routesState(lab) {
  const shared = {};
  for (const p of [NAT64.pool6, ...SIIT.routes]) shared[p] = await routerPaths(lab, p);
  const pool4 = {};
  for (const a of NAT64.addresses) pool4[a] = await routerNodes(lab, `${a}/32`);
  return {shared, pool4};
}

/** The nodes (numbers) the router's installed route to PREFIX leads to, from its kernel table. */
export async function routerNodes(lab, prefix) {
  const r = await check('ip', ['-n', lab.router, '-4', 'route', 'show', prefix]);
  return [...r.stdout.matchAll(/dev n(\d+)/g)].map((m) => Number(m[1]));
}

/**
 * Waits until the router's kernel route to NAT64's pool6 has `paths` members (polled every 20 ms: `ip route`
 * answers in a few ms, where zebra's view through vtysh takes a large part of a second); resolves to the time (ms).
 */
export async function waitKernelPaths(lab, paths, {timeout = 30_000} = {}) {
  const t0 = Date.now();
  while ((await ecmpOrder(lab, NAT64.pool6)).length !== paths) {
    if (Date.now() - t0 > timeout) throw new Error(`the router's route to ${NAT64.pool6} did not get ${paths} paths within ${timeout / 1000} s`);
    await new Promise((res) => setTimeout(res, 20));
  }
  return Date.now();
}

/** Waits until the router has a path to every live node for every prefix; resolves to the seconds it took. */
export async function waitConverged(lab, {timeout = 60_000} = {}) {
  const t0 = Date.now();
  const alive = lab.nodes.length - lab.dead.size;
  for (;;) {
    const s = await routesState(lab);
    const ok =
      Object.values(s.shared).every((n) => n === alive) &&
      NAT64.addresses.every((a, i) => s.pool4[a].length === 1 && s.pool4[a][0] === ownerOf(i, lab.dead, lab.nodes.length));
    if (ok) return (Date.now() - t0) / 1000;
    if (Date.now() - t0 > timeout) throw new Error(`the router did not converge within ${timeout / 1000} s: ${JSON.stringify(s)}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/**
 * The nodes in the order of the router's kernel multipath group for PREFIX (`ip route show`: one "nexthop ... dev
 * nK" line per member). Linux picks a member by hash-threshold: each member owns a contiguous range of the hash,
 * in this order, so when a member goes the ranges of its neighbours shift. Only when the middle member of three
 * goes do the others keep all their flows.
 */
export async function ecmpOrder(lab, prefix) {
  const r = await check('ip', ['-n', lab.router, prefix.includes(':') ? '-6' : '-4', 'route', 'show', prefix]);
  return [...r.stdout.matchAll(/nexthop via \S+ dev n(\d+)/g)].map((m) => Number(m[1]));
}

/**
 * Makes node K fail. 'freeze', a hung machine behind a switch: its links' root qdisc becomes `blackhole` (nothing
 * it would send leaves, translations and BFD answers included) and its FRR daemons are stopped (SIGSTOP): the
 * link stays up, so only BFD (or the BGP hold timer) tells the router. 'kill', a machine that is gone: its FRR
 * daemons killed and its namespace deleted (its translators and its end of the link with it): the router's link
 * goes down. Resolves to the time of the failure (ms).
 */
export async function failNode(lab, k, mode = 'freeze') {
  const n = lab.nodes[k - 1];
  lab.dead.add(k);
  if (mode === 'freeze') {
    for (const dev of ['uplink', 'cluster']) await check('tc', ['-n', n, 'qdisc', 'add', 'dev', dev, 'root', 'blackhole']);
    await signalFrr(n, lab.frrDir(n), 'SIGSTOP');
    return Date.now();
  }
  if (mode !== 'kill') throw new Error(`unknown failure '${mode}' (freeze or kill)`);
  const t = Date.now();
  await signalFrr(n, lab.frrDir(n), 'SIGKILL');
  await deleteNamespace(n);
  return t;
}

/** Removes everything: FRR daemons (killed with their namespaces), listeners, namespaces, FRR directories. */
export async function destroyCluster(lab) {
  if (!lab) return;
  if (lab.server) await lab.server.stop();
  for (const h of lab.health ?? []) await h.stop();
  // deleting a namespace kills what runs in it: the FRR daemons too
  for (const ns of [...lab.nodes, lab.router, lab.clients, lab.servers]) await deleteNamespace(ns);
  rmSync(lab.dir, {recursive: true, force: true});
}

/**
 * Starts the prober in the clients' namespace (see flows.py). `stop()` ends it (SIGTERM: it finishes its round
 * and reports) and resolves to its parsed result; it also ends by itself after `duration` seconds.
 */
export function startProbe(lab, {src, target, udp = 0, tcp = 0, basePort, interval = 0.1, duration = 300}) {
  const args = [FLOWS_PY, 'probe', '--src', src, '--target', target, '--port', String(PORT), '--udp', String(udp), '--tcp', String(tcp)];
  args.push('--base-port', String(basePort), '--interval', String(interval), '--duration', String(duration));
  const p = nsBackground(lab.clients, 'python3', args, {ready: /READY/, readyStream: 'stderr', readyTimeout: 30_000, timeout: (duration + 60) * 1000});
  return {
    ready: p.ready,
    async stop() {
      const r = await p.stop();
      if (r.code !== 0) throw new Error(`prober failed (exit ${r.code ?? r.signal}): ${r.stderr.trim()}`);
      return JSON.parse(r.stdout);
    },
  };
}
