// SIIT with the RFC 6791 pools unset (issue 12): an ICMP error from an untranslatable source (a router whose
// address is outside pool6 and the EAMT, or a denylisted IPv4 router) is translated with the translator's own
// address towards the error's destination, as Jool does, instead of being left to the kernel (which has nowhere
// to send it). Shown with the real traceroute across routers on both sides:
//
//   n6 ---- r6 ---- j (SIIT) ---- r4 ---- n4
//   n6 2001:db8:1c0:2:21:: (192.0.2.33 in pool6)      r6 2001:db8:ff00:{1,2}::/64, outside pool6: untranslatable
//   n4 198.51.100.2 (in pool6 from IPv6)               r4 198.51.100.1, 10.99.0.2: denylisted, untranslatable
//
// Without the fallback, the hop behind the translator shows as "*" in both directions.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {skipReason, cleanupAll, xlat, nsRun, createNamespace, createVeth, addAddress, addRoute, setSysctls, ipIn, uniqueName} from '../helpers/netns.mjs';
import {POOL6} from '../helpers/topology.mjs';
import {embed} from '../helpers/rfc6052.mjs';

const SKIP = skipReason({tools: ['traceroute']});
if (SKIP) console.log(`# e2e RFC 6791 fallback skipped: ${SKIP}`);

const show = (r) => `$ ${r.cmd}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);

const N6 = '2001:db8:1c0:2:21::';
const N6_AS4 = '192.0.2.33';
const N4 = '198.51.100.2';
const N4_AS6 = embed(POOL6, N4);
const J6 = '2001:db8:ff00:1::1';
const J4 = '10.99.0.1';

async function trace(ns, family, dst, mode) {
  const r = await nsRun(ns, 'traceroute', [`-${family}`, '-n', '-q', '1', '-w', '2', '-m', '5', ...mode, dst], {timeout: 40_000});
  ok(r, `traceroute ${mode.join(' ')} ${dst}`);
  return {r, hops: [...r.stdout.matchAll(/^ ?(\d+) {2}(\S+)/gm)].map((m) => m[2])};
}

describe('SIIT without RFC 6791 pools: errors from untranslatable routers', {skip: SKIP ?? false}, () => {
  const base = uniqueName('x').replace(/-x$/, '');
  const ns = {n6: `${base}-n6`, r6: `${base}-r6`, j: `${base}-j`, r4: `${base}-r4`, n4: `${base}-n4`};

  before(async () => {
    for (const n of Object.values(ns)) await createNamespace(n);
    for (const n of [ns.r6, ns.j, ns.r4]) {
      await setSysctls(n, {'net.ipv4.conf.all.forwarding': 1, 'net.ipv6.conf.all.forwarding': 1, 'net.ipv6.conf.all.accept_dad': 0, 'net.ipv6.conf.default.accept_dad': 0});
    }
    for (const n of [ns.n6, ns.n4]) await setSysctls(n, {'net.ipv6.conf.all.accept_dad': 0, 'net.ipv6.conf.default.accept_dad': 0});
    await createVeth(ns.n6, 'to_r6', ns.r6, 'to_n6');
    await createVeth(ns.r6, 'to_j', ns.j, 'to_r6');
    await createVeth(ns.j, 'to_r4', ns.r4, 'to_j');
    await createVeth(ns.r4, 'to_n4', ns.n4, 'to_r4');
    // IPv6 side: r6 has only addresses outside pool6; n6's /64 is on r6's link.
    await addAddress(ns.n6, 'to_r6', `${N6}/64`);
    await addAddress(ns.r6, 'to_n6', '2001:db8:ff00:2::1/64');
    await ipIn(ns.r6, ['-6', 'route', 'add', '2001:db8:1c0:2::/64', 'dev', 'to_n6']);
    await ipIn(ns.n6, ['-6', 'route', 'add', 'default', 'via', '2001:db8:ff00:2::1', 'dev', 'to_r6', 'onlink']);
    await addAddress(ns.r6, 'to_j', '2001:db8:ff00:1::2/64');
    await addAddress(ns.j, 'to_r6', `${J6}/64`);
    await addRoute(ns.r6, POOL6, J6);
    await addRoute(ns.j, '2001:db8:1c0:2::/64', '2001:db8:ff00:1::2');
    // IPv4 side: r4 is denylisted on the translator, so its own addresses are untranslatable.
    await addAddress(ns.j, 'to_r4', `${J4}/24`);
    await addAddress(ns.r4, 'to_j', '10.99.0.2/24');
    await addAddress(ns.r4, 'to_n4', '198.51.100.1/24');
    await addAddress(ns.n4, 'to_r4', `${N4}/24`);
    await addRoute(ns.n4, 'default', '198.51.100.1');
    await addRoute(ns.r4, '192.0.2.0/24', J4);
    await addRoute(ns.j, '198.51.100.0/24', '10.99.0.2');

    ok(await xlat(ns.j, ['siit', 'instance', 'add', '--pool6', POOL6, '--iface', 'to_r6', '--iface', 'to_r4']), 'siit instance add');
    for (const p of ['10.99.0.0/24', '198.51.100.1/32']) ok(await xlat(ns.j, ['siit', 'denylist4', 'add', p]), `denylist4 add ${p}`);
    const g = JSON.parse((await xlat(ns.j, ['siit', 'global', 'display', '--json'])).stdout).result;
    assert.equal(g['rfc6791v4-prefix'] ?? null, null, 'no RFC 6791 IPv4 pool');
    assert.equal(g['rfc6791v6-prefix'] ?? null, null, 'no RFC 6791 IPv6 pool');
  });
  after(cleanupAll);

  for (const [name, mode] of [['UDP', []], ['ICMP', ['-I']]]) {
    it(`IPv4 -> IPv6 (${name} probes): r6's Time Exceeded arrives from the translator's IPv4 address`, async () => {
      const {r, hops} = await trace(ns.n4, 4, N6_AS4, mode);
      assert.deepEqual(hops, ['198.51.100.1', J4, J4, N6_AS4], `r4, the translator, r6 (through the fallback), n6\n${r.stdout}`);
    });
    it(`IPv6 -> IPv4 (${name} probes): r4's Time Exceeded arrives from the translator's IPv6 address`, async () => {
      const {r, hops} = await trace(ns.n6, 6, N4_AS6, mode);
      assert.deepEqual(hops, ['2001:db8:ff00:2::1', J6, J6, N4_AS6], `r6, the translator, r4 (through the fallback), n4\n${r.stdout}`);
    });
  }

  it('counts them as translated ICMP errors', async () => {
    const r = await xlat(ns.j, ['siit', 'stats', 'display', '--json']);
    ok(r, 'stats');
    const st = JSON.parse(r.stdout).result.stats;
    assert.ok(st['xlat-icmp-error-6to4'] >= 2 && st['xlat-icmp-error-4to6'] >= 2, JSON.stringify(st));
  });
});
