// The real traceroute through the translator (issue 14): with UDP, ICMP and TCP probes, in both directions,
// SIIT and NAT64, hop 1 is the translator (it answers Time Exceeded itself, as a router and as Jool do) and hop 2
// is the destination. Before, hop 1 was "!N": the kernel, handed the expiring packet, had no route for it.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {skipReason, cleanupAll, xlat, nsRun} from '../helpers/netns.mjs';
import {createSiitLab, POOL6} from '../helpers/topology.mjs';

const SKIP = skipReason({tools: ['traceroute']});
if (SKIP) console.log(`# e2e traceroute skipped: ${SKIP}`);

const show = (r) => `$ ${r.cmd}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);

const MODES = [
  ['UDP', []],
  ['ICMP', ['-I']],
  ['TCP', ['-T', '-p', '80']],
];

/** Runs traceroute (one probe per hop, 4 hops at most) and returns the address of each hop that answered. */
async function trace(ns, family, dst, mode) {
  const r = await nsRun(ns, 'traceroute', [`-${family}`, '-n', '-q', '1', '-w', '2', '-m', '4', ...mode, dst], {timeout: 30_000});
  ok(r, `traceroute ${mode.join(' ')} ${dst}`);
  const hops = [...r.stdout.matchAll(/^ ?(\d+) {2}(\S+)(.*)$/gm)].map((m) => ({n: Number(m[1]), addr: m[2], rest: m[3]}));
  return {r, hops};
}

function assertTwoHops({r, hops}, first, dest) {
  assert.ok(!/![A-Z]/.test(r.stdout), `no unreachable marks\n${r.stdout}`);
  assert.equal(hops[0]?.addr, first, `hop 1 is the translator\n${r.stdout}`);
  assert.equal(hops[1]?.addr, dest, `hop 2 is the destination\n${r.stdout}`);
  assert.equal(hops.length, 2, `and it ends there\n${r.stdout}`);
}

describe('traceroute through the translator', {skip: SKIP ?? false}, () => {
  let lab;
  before(async () => {
    lab = await createSiitLab();
  });
  after(cleanupAll);

  describe('SIIT', () => {
    before(async () => ok(await xlat(lab.j, ['siit', 'instance', 'add', '--pool6', POOL6]), 'siit instance add'));
    after(async () => ok(await xlat(lab.j, ['siit', 'instance', 'remove']), 'siit instance remove'));

    for (const [name, mode] of MODES) {
      it(`IPv6 -> IPv4 with ${name} probes`, async () => {
        assertTwoHops(await trace(lab.n6, 6, lab.addr.n4As6, mode), lab.addr.j.addr6, lab.addr.n4As6);
      });
      it(`IPv4 -> IPv6 with ${name} probes`, async () => {
        assertTwoHops(await trace(lab.n4, 4, lab.addr.n6As4, mode), lab.addr.j.addr4, lab.addr.n6As4);
      });
    }

    it('counts the expiring probes and the Time Exceeded it sent', async () => {
      const r = await xlat(lab.j, ['siit', 'stats', 'display', '--json']);
      ok(r, 'stats');
      const st = JSON.parse(r.stdout).result.stats;
      assert.ok(st['drop-hop-limit'] >= 6 && st['icmp-sent'] >= 6, JSON.stringify(st));
    });
  });

  describe('NAT64', () => {
    // pool6 64:ff9b::/96 (n6 reaches it by its default route); a pool4 address for IPv4-initiated traffic to
    // reach n6 through static BIB entries: TCP 8080 and UDP 5353.
    const N4_AS6 = '64:ff9b::c633:6402'; // 198.51.100.2, as traceroute prints it
    before(async () => {
      ok(await xlat(lab.j, ['nat64', 'instance', 'add', '--pool6', '64:ff9b::/96']), 'nat64 instance add');
      for (const p of ['--tcp', '--udp']) ok(await xlat(lab.j, ['nat64', 'pool4', 'add', p, '192.0.2.1', '1024-65535']), `pool4 ${p}`);
      ok(await xlat(lab.j, ['nat64', 'bib', 'add', '--tcp', `${lab.addr.n6.addr6}#8080`, '192.0.2.1#8080']), 'static TCP BIB');
      ok(await xlat(lab.j, ['nat64', 'bib', 'add', '--udp', `${lab.addr.n6.addr6}#5353`, '192.0.2.1#5353']), 'static UDP BIB');
    });
    after(async () => ok(await xlat(lab.j, ['nat64', 'instance', 'remove']), 'nat64 instance remove'));

    for (const [name, mode] of MODES) {
      it(`IPv6 -> IPv4 with ${name} probes`, async () => {
        assertTwoHops(await trace(lab.n6, 6, N4_AS6, mode), lab.addr.j.addr6, N4_AS6);
      });
    }
    // From IPv4, only a BIB entry's transport address leads anywhere: fixed-port TCP and UDP probes.
    it('IPv4 -> IPv6 with TCP probes to a static BIB entry', async () => {
      assertTwoHops(await trace(lab.n4, 4, '192.0.2.1', ['-T', '-p', '8080']), lab.addr.j.addr4, '192.0.2.1');
    });
    it('IPv4 -> IPv6 with UDP probes to a static BIB entry', async () => {
      assertTwoHops(await trace(lab.n4, 4, '192.0.2.1', ['-U', '-p', '5353']), lab.addr.j.addr4, '192.0.2.1');
    });

    it('counts the expiring probes and the Time Exceeded it sent', async () => {
      const r = await xlat(lab.j, ['nat64', 'stats', 'display', '--json']);
      ok(r, 'stats');
      const st = JSON.parse(r.stdout).result.stats;
      assert.ok(st['drop-hop-limit'] >= 5 && st['icmp-sent'] >= 5, JSON.stringify(st));
    });
  });
});
