// The failover scenario of the cluster lab: long-lived UDP flows and TCP connections through NAT64 and through
// SIIT, spread by the router over the nodes; one node fails while they run; the figures say what happened to each
// flow. Shared by scripts/lab-cluster.mjs and test/cluster/.
import {NAT64, SIIT, failNode, ownerOf, startProbe, waitConverged, waitKernelPaths, xlatCheck} from './lab.mjs';
import {analyseFlows, summarise} from './measure.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const KINDS = {
  nat64: {src: NAT64.clients.join(','), target: NAT64.target, basePort: 20000},
  siit: {src: SIIT.client, target: SIIT.target, basePort: 30000},
};

/** IPv6 packets each node's SIIT translated so far (`xlat siit stats display --json`, counter xlat-6to4). */
async function siitTranslated(lab) {
  const out = [];
  for (const n of lab.nodes) {
    const j = JSON.parse(await xlatCheck(n, ['siit', 'stats', 'display', '--json']));
    out.push(Number(j.result.stats['xlat-6to4']));
  }
  return out;
}

/**
 * NAT64 sessions per live node and protocol (`xlat nat64 session display --json` in each node), with the pool4
 * addresses they use (address -> sessions). A failed node counts as null.
 */
export async function sessionCounts(lab) {
  const out = [];
  for (const [i, n] of lab.nodes.entries()) {
    if (lab.dead.has(i + 1)) {
      out.push(null);
      continue;
    }
    const c = {byAddress: {}};
    for (const proto of ['udp', 'tcp']) {
      const j = JSON.parse(await xlatCheck(n, ['nat64', 'session', 'display', `--${proto}`, '--numeric', '--json']));
      c[proto] = j.result.sessions.length;
      for (const s of j.result.sessions) {
        const a = s['ipv4-local'].split('#')[0];
        c.byAddress[a] = (c.byAddress[a] ?? 0) + 1;
      }
    }
    out.push(c);
  }
  return out;
}

/** IPv6 packets each live node sent on to another (`xlat nat64 stats display --json`, counter steered). */
async function steeredPackets(lab) {
  const out = [];
  for (const [i, n] of lab.nodes.entries()) {
    if (lab.dead.has(i + 1)) out.push(null);
    else out.push(Number(JSON.parse(await xlatCheck(n, ['nat64', 'stats', 'display', '--json'])).result.stats.steered ?? 0));
  }
  return out;
}

/** The node owning a NAT64 pool4 address ("198.51.100.9#40001" -> 2) while nodes `dead` are gone, or null. */
const ownerOfPeer = (dead) => (peer) => {
  const i = NAT64.addresses.indexOf(peer.split('#')[0]);
  if (i < 0) return null;
  return ownerOf(i, dead);
};

/**
 * Runs the scenario: `udp` UDP flows and `tcp` TCP connections per kind; after `before` seconds the sessions and
 * counters are read, node `dead` fails (`failure`: freeze or kill, see failNode), and the flows run on for
 * `after` seconds from the failure. Resolves to the figures.
 */
export async function runFailover(lab, {dead = 2, failure = 'freeze', udp = 30, tcp = 12, before = 5, after = 15, say = () => {}} = {}) {
  const probes = {};
  const siit0 = await siitTranslated(lab);
  for (const [name, kind] of Object.entries(KINDS)) {
    probes[name] = startProbe(lab, {src: kind.src, target: kind.target, udp, tcp, basePort: kind.basePort});
  }
  for (const p of Object.values(probes)) await p.ready;
  say(
    `${udp} UDP flows and ${tcp} TCP connections through NAT64 (to ${NAT64.target}) and as many through SIIT (to ${SIIT.target}), one request per 100 ms each`,
  );
  await sleep(before * 1000);
  // however long these take (CLI calls on a loaded machine), the failure comes after them and the flows run on
  // for `after` seconds from it
  const sessions = await sessionCounts(lab);
  const steered = await steeredPackets(lab);
  say(`NAT64 sessions per node (xlat nat64 session display --json): ${sessions.map((c, i) => `n${i + 1} UDP ${c.udp} TCP ${c.tcp}`).join(', ')}`);
  say(`IPv6 packets each node sent on to the owner of their subscriber (steered): ${steered.map((v, i) => `n${i + 1} ${v}`).join(', ')}`);
  const siit1 = await siitTranslated(lab);
  const siitPackets = siit1.map((v, i) => v - siit0[i]);
  say(`IPv6 packets each node's SIIT translated so far (xlat siit stats display, xlat-6to4): ${siitPackets.map((v, i) => `n${i + 1} ${v}`).join(', ')}`);
  const killAt = await failNode(lab, dead, failure);
  say(`node ${dead} failed (${failure})`);
  const withdrawS = ((await waitKernelPaths(lab, lab.nodes.length - lab.dead.size)) - killAt) / 1000;
  say(`the router's kernel dropped node ${dead} from its route to ${NAT64.pool6} ${withdrawS.toFixed(2)} s after the failure`);
  await waitConverged(lab, {timeout: 30_000});
  await sleep(Math.max(0, killAt + after * 1000 - Date.now()));
  const sessionsAfter = await sessionCounts(lab);
  say(
    `NAT64 sessions per pool4 address on each live node after the failure: ${sessionsAfter
      .map((c, i) => (c ? `n${i + 1} ${JSON.stringify(c.byAddress)}` : `n${i + 1} -`))
      .join(', ')}`,
  );
  const figures = {withdrawS, sessions, sessionsAfter, steered, siitPackets, dead, failure};
  for (const name of Object.keys(KINDS)) {
    const result = await probes[name].stop();
    const killMs = killAt - result.start * 1000;
    const nat = name === 'nat64';
    const flows = analyseFlows(result, {
      killMs,
      dead,
      nodeOfPeer: nat ? ownerOfPeer(new Set()) : () => null,
      nodeOfPeerAfter: nat ? ownerOfPeer(lab.dead) : () => null,
    });
    // when the failure came in the probe's run (ms since it started) and how long the run went on after it
    figures[name] = {flows, summary: summarise(flows, {nodes: lab.nodes.length, dead}), killMs, afterMs: result.duration * 1000 - killMs};
  }
  return figures;
}
