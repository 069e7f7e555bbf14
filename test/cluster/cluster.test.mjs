// Several translators behind ECMP with a real routing daemon (issue 13): the lab of scripts/cluster/lab.mjs
// (IPv6 clients, an upstream router, three nodes each running FRR zebra + bgpd + bfdd and xlat NAT64 + SIIT, IPv4
// servers), real flows through it, and one node failing while they run.
//
// What must hold: the router has a path to every node, and one for each pool4 address, to its owner; flows
// spread over all three; packets a node got for another node's subscriber are sent to that node (steered). When a
// node hangs (its packets dropped, its FRR stopped: only BFD can tell) the router withdraws it, its pool4
// addresses go to their next owner, and every flow it carried is answered again, within 30 s (the figure measured
// is printed; BFD needs about 1 s), from the same IPv4 address and port: its UDP flows and its TCP connections
// continue on the new owner, which picked them up from their next packets. NAT64 flows of the other nodes keep
// their node and their TCP connections; SIIT, configured identically on every node, keeps even the failed node's
// TCP connections (no state). Everything is removed afterwards, also on failure.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {cleanupAll, getSysctl, skipReason} from '../helpers/netns.mjs';
import {frrMissing} from '../../scripts/cluster/frr.mjs';
import {
  NAT64,
  buildCluster,
  destroyCluster,
  ecmpOrder,
  firstOwner,
  nodeCommands,
  ownerOf,
  routesState,
  waitConverged,
  xlatCheck,
} from '../../scripts/cluster/lab.mjs';
import {runFailover} from '../../scripts/cluster/failover.mjs';
import {describe as figures} from '../../scripts/cluster/measure.mjs';

const SKIP = skipReason() ?? frrMissing();
const RECOVERY_BOUND_MS = 30_000;

describe('three translators behind ECMP, routed by FRR (BGP + BFD)', {skip: SKIP ?? false}, () => {
  let lab;
  let fig;
  let dead;

  before(async () => {
    lab = await buildCluster({});
    const s = await waitConverged(lab, {timeout: 60_000});
    console.log(`# cluster: BGP converged ${s.toFixed(1)} s after FRR started`);
  });

  after(async () => {
    await destroyCluster(lab);
    await cleanupAll();
  });

  it('the router hashes on the 5-tuple and holds a path to each node for the shared prefixes, one to its owner for each pool4 address', async () => {
    for (const family of ['ipv4', 'ipv6']) {
      assert.equal(await getSysctl(lab.router, `net.${family}.fib_multipath_hash_policy`), '3', `${family}: custom hash policy`);
      assert.equal(await getSysctl(lab.router, `net.${family}.fib_multipath_hash_fields`), '55', `${family}: addresses, protocol and ports`);
    }
    const s = await routesState(lab);
    for (const [prefix, paths] of Object.entries(s.shared)) assert.equal(paths, 3, `${prefix}: ${paths} paths`);
    for (const [i, addr] of NAT64.addresses.entries()) assert.deepEqual(s.pool4[addr], [firstOwner(i)], `${addr}/32 leads to nodes ${s.pool4[addr]}`);
    assert.deepEqual([...(await ecmpOrder(lab, NAT64.pool6))].sort(), [1, 2, 3]);
  });

  it('every node answers `lookup` of a subscriber the same, both ways, without logs', async () => {
    const ask = async (n, q) => JSON.parse(await xlatCheck(n, ['nat64', 'lookup', q, '--json'])).result.lookup;
    const sub = NAT64.clients[2]; // subscriber 16: 198.51.100.9, the second block of 4096 ports
    // `since` (when the node was configured) is each node's own
    const answers = (await Promise.all(lab.nodes.map((n) => ask(n, sub)))).map(({since, ...a}) => (assert.ok(since), a));
    for (const a of answers) assert.deepEqual(a, answers[0], 'the same answer on every node');
    assert.equal(answers[0].address, '198.51.100.9');
    assert.equal(answers[0]['port-range'], '5120-9215');
    for (const n of lab.nodes) assert.equal((await ask(n, '198.51.100.9#6000')).subscriber, `${sub}/128`, `${n}: the port's subscriber`);
  });

  it('flows spread over the three nodes; a hung node is withdrawn and its flows answered again through the others', {timeout: 150_000}, async () => {
    // The middle member of the kernel's hash-threshold group: its going moves no flow of the other two (README).
    dead = (await ecmpOrder(lab, NAT64.pool6))[1];
    fig = await runFailover(lab, {dead, failure: 'freeze', say: (l) => console.log(`# cluster: ${l}`)});
    for (const name of ['nat64', 'siit']) for (const l of figures(name.toUpperCase(), fig[name].summary, {dead})) console.log(`# cluster: ${l}`);

    for (const name of ['nat64', 'siit']) {
      const {killMs, afterMs} = fig[name];
      assert.ok(killMs > 3000 && afterMs > 10_000, `${name}: the failure came ${killMs} ms into the flows, which ran ${afterMs} ms after it`);
    }
    const nat = fig.nat64.summary;
    assert.equal(nat.notAnsweredBefore, 0, 'every NAT64 flow was answered before the failure');
    assert.ok(
      nat.spread.udp.every((n) => n > 0),
      `NAT64 UDP flows per node: ${nat.spread.udp.join('/')}`,
    );
    assert.ok(
      fig.sessions.every((c) => c.udp > 0),
      `NAT64 sessions per node: ${JSON.stringify(fig.sessions)}`,
    );
    assert.deepEqual(
      fig.sessions.map((c) => c.udp),
      nat.spread.udp,
      'each node holds a session for exactly the UDP flows the server saw from its pool4 address',
    );
    assert.ok(fig.steered.reduce((a, b) => a + b, 0) > 0, `IPv6 packets sent on to the owning node: ${fig.steered.join('/')}`);
    assert.ok(
      fig.siitPackets.every((n) => n > 0),
      `SIIT packets translated per node: ${fig.siitPackets.join('/')}`,
    );
  });

  it('NAT64: every flow of the failed node goes on through the next owner of its address, with the same IPv4 address and port, TCP included', () => {
    const nat = fig.nat64.summary;
    const deadFlows = fig.nat64.flows.filter((f) => f.proto === 'udp' && f.nodeBefore === dead);
    assert.ok(deadFlows.length > 0);
    assert.equal(nat.dead.udpRecovered, nat.dead.udp, `answered again: ${nat.dead.udpRecovered}/${nat.dead.udp}`);
    assert.equal(nat.dead.udpSamePeer, nat.dead.udp, `answered from the same IPv4 transport address: ${nat.dead.udpSamePeer}/${nat.dead.udp}`);
    for (const f of deadFlows) assert.ok(f.nodeAfter !== null && f.nodeAfter !== dead, `UDP ${f.sport} now through node ${f.nodeAfter}`);
    assert.ok(nat.dead.tcp > 0, 'the failed node carried TCP connections');
    assert.equal(nat.dead.tcpSurvived, nat.dead.tcp, `TCP connections that lived on: ${nat.dead.tcpSurvived}/${nat.dead.tcp}`);
    assert.equal(nat.dead.tcpSamePeer, nat.dead.tcp, `... with the same IPv4 transport address: ${nat.dead.tcpSamePeer}/${nat.dead.tcp}`);
    // the state is really on the new owner: its sessions use the failed node's address
    for (const [i, addr] of NAT64.addresses.entries()) {
      if (firstOwner(i) !== dead || !fig.sessions[dead - 1].byAddress[addr]) continue;
      const heir = ownerOf(i, new Set([dead]));
      assert.ok(
        fig.sessionsAfter[heir - 1].byAddress[addr] > 0,
        `node ${heir} holds sessions of ${addr}: ${JSON.stringify(fig.sessionsAfter[heir - 1].byAddress)}`,
      );
    }
    console.log(
      `# cluster: NAT64 failover: first answer ${Math.round(nat.dead.recovery.max)} ms after the failure at worst (median ${Math.round(nat.dead.recovery.median)} ms)`,
    );
    assert.ok(nat.dead.recovery.max < RECOVERY_BOUND_MS, `recovered within ${RECOVERY_BOUND_MS} ms: ${nat.dead.recovery.max} ms`);
    // live nodes: nothing moved, nothing lost, TCP connections untouched
    assert.equal(nat.others.moved, 0, 'no flow of a live node moved');
    assert.equal(nat.others.udpAnswered, nat.others.udp);
    assert.equal(nat.others.tcpSurvived, nat.others.tcp, `live nodes' TCP connections that lived on: ${nat.others.tcpSurvived}/${nat.others.tcp}`);
    console.log(`# cluster: NAT64 TCP connections of the failed node: silence median ${nat.dead.tcpGap.median} ms, max ${nat.dead.tcpGap.max} ms`);
  });

  it('SIIT with the same configuration on every node: the flows the failure hit continue through the others, TCP included', () => {
    const siit = fig.siit.summary;
    assert.equal(siit.notAnsweredBefore, 0, 'every SIIT flow was answered before the failure');
    assert.ok(siit.dead.udp > 0, 'the failure hit some SIIT flows');
    assert.equal(siit.dead.udpRecovered, siit.dead.udp, `answered again: ${siit.dead.udpRecovered}/${siit.dead.udp}`);
    assert.ok(siit.dead.recovery.max < RECOVERY_BOUND_MS, `recovered within ${RECOVERY_BOUND_MS} ms: ${siit.dead.recovery.max} ms`);
    assert.equal(siit.tcp.survived, siit.tcp.total, `SIIT TCP connections alive at the end: ${siit.tcp.survived}/${siit.tcp.total}`);
    assert.equal(siit.others.udpAnswered, siit.others.udp);
  });

  it(
    'a node whose NAT64 instance is removed leaves BGP (xlat-frr-health) and its addresses go on; added again, it comes back',
    {timeout: 120_000},
    async () => {
      const live = [1, 2, 3].find((k) => !lab.dead.has(k));
      const n = lab.nodes[live - 1];
      const t0 = Date.now();
      await xlatCheck(n, ['nat64', 'instance', 'remove']);
      lab.dead.add(live);
      const goneS = await waitConverged(lab, {timeout: 30_000});
      const s = await routesState(lab);
      for (const [i, addr] of NAT64.addresses.entries()) assert.deepEqual(s.pool4[addr], [ownerOf(i, lab.dead)], `${addr} without node ${live}`);
      console.log(
        `# cluster: node ${live}'s NAT64 removed: the router converged without it ${((Date.now() - t0) / 1000).toFixed(1)} s later (${goneS.toFixed(1)} s of waiting)`,
      );
      const t1 = Date.now();
      for (const args of nodeCommands(live).filter((a) => a[0] === 'nat64')) await xlatCheck(n, args);
      lab.dead.delete(live);
      await waitConverged(lab, {timeout: 30_000});
      const back = await routesState(lab);
      for (const [i, addr] of NAT64.addresses.entries()) assert.deepEqual(back.pool4[addr], [ownerOf(i, lab.dead)], `${addr} with node ${live} back`);
      console.log(`# cluster: node ${live}'s NAT64 added again: back in the router's routes ${((Date.now() - t1) / 1000).toFixed(1)} s later`);
    },
  );
});
