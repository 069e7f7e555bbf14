// Packet tests of NAT64 cluster steering (bpf/nat64/steer.h) and of the TCP pick-up that comes with it (nat64/6to4.h):
// the real programs through both hooks with BPF_PROG_TEST_RUN, in a network namespace of their own whose FIB
// holds a node's routes (test/helpers/steer-netns.mjs; test/helpers/steer-child.mjs runs the packets there).
//
// What must hold, per hook: this node's subscriber is translated here; a TCP segment without state is dropped
// without the global and picked up with it, from the transport address its SYN had, and the answer goes back; a
// RST picks nothing up; another node's subscriber is sent on untouched but for one hop less and the next hop's
// MAC address (XDP hands it to tc untouched), counted `steered`; never on its last hop; an unknown neighbour is
// `drop-steer-no-neigh`; a route back out of the interface the packet came in on is not followed; without the
// global everything is translated here.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {runInOwnNamespace} from '../helpers/steer-netns.mjs';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = `${root}test/helpers/steer-child.mjs`;
const skip =
  process.getuid?.() !== 0
    ? 'needs root (BPF_PROG_TEST_RUN, a network namespace)'
    : !existsSync(`${root}build/bpf/nat64.bpf.o`) || !existsSync(`${root}dist/instance/nat64/blocks-layout.js`)
      ? 'not built (npm run build)'
      : false;

let results;
function steps(hook) {
  if (!results) {
    const r = runInOwnNamespace(CHILD);
    assert.equal(r.status, 0, `unshare -n node steer-child.mjs: ${r.stderr || r.error?.message}`);
    results = JSON.parse(r.stdout.trim().split('\n').at(-1));
  }
  return results.hooks[hook];
}

for (const hook of ['xdp', 'tc']) {
  test(`nat64 ${hook}: cluster-steering picks a TCP connection up from its next segment, with the mapping its SYN had`, {skip}, () => {
    const s = steps(hook);
    assert.equal(s.syn.verdict, 'xlat');
    assert.equal(s.syn.src4, '198.18.0.0', "the subscriber's address");
    assert.equal(s.ackWithout.verdict, 'drop', 'without the global: RFC 6146 drops it');
    assert.deepEqual(s.ackWithout.moved, {'drop-tcp-no-session': 1});
    assert.equal(s.rstWith.verdict, 'drop', 'a RST picks nothing up');
    assert.equal(s.ackWith.verdict, 'xlat', 'picked up');
    assert.deepEqual([s.ackWith.src4, s.ackWith.sport4], [s.syn.src4, s.syn.sport4], 'from the transport address its SYN had');
    assert.deepEqual(s.ackWith.checksums, []);
    assert.equal(s.reply.verdict, 'xlat', "the server's answer goes back");
    assert.equal(s.reply.dport6, 7000);
    assert.deepEqual(s.ackWith.moved, {}, 'nothing steered: this node owns the address');
  });

  test(`nat64 ${hook}: another node's subscriber is sent on untranslated, one hop less, to the next hop's MAC address`, {skip}, () => {
    const s = steps(hook);
    assert.equal(s.away.verdict, 'sent');
    if (hook === 'xdp') assert.equal(s.away.xdp, 'handed to tc untouched');
    assert.deepEqual(s.away.moved, {steered: 1});
    assert.equal(s.away.hopLimit, 63);
    assert.equal(s.away.dport6, 53, 'still the IPv6 packet');
    assert.equal(s.away.dstMac, results.neighbourMac);
    assert.equal(s.away.srcMac, results.egressMac);
    assert.notEqual(s.awayLastHop.verdict, 'sent', 'never on its last hop');
    assert.equal(s.awayLastHop.moved.steered, undefined);
    assert.equal(s.noNeigh.verdict, 'drop');
    assert.deepEqual(s.noNeigh.moved, {'drop-steer-no-neigh': 1});
    assert.equal(s.backOut.verdict, 'xlat', 'a route back out of the interface it came in on is not followed');
    assert.equal(s.backOut.src4, '198.18.0.3');
    assert.equal(s.awayWithout.verdict, 'xlat', 'without the global, translated here');
    assert.equal(s.awayWithout.src4, '198.18.0.1');
  });
}
