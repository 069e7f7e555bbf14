// A SIIT and a NAT64 instance in the same namespace, on the same interfaces (instance display documents that they
// may share them): each translates its own traffic whatever the order they were added in and whatever hooks they
// use. One holds XDP at most (an interface has one XDP program); passes of the first tc filter go on to the next
// (bpf/lib/xdp_meta.h). Lab: n6 -- j -- n4 (test/helpers/topology.mjs); SIIT pool6 2001:db8:100::/40, NAT64 pool6
// 64:ff9b::/96 with the empty pool4 (j's own 198.51.100.1).
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {skipReason, cleanupAll, xlat, nsRun, addRoute} from '../helpers/netns.mjs';
import {createSiitLab, ADDR, POOL6} from '../helpers/topology.mjs';

const SKIP = skipReason();
if (SKIP) console.log(`# e2e SIIT + NAT64 together skipped: ${SKIP}`);
after(cleanupAll);

const NAT64_POOL6 = '64:ff9b::/96';
const N4_VIA_NAT64 = '64:ff9b::198.51.100.2';
const show = (r) => `$ ${r.cmd}\nexit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);

async function counters(ns, mode) {
  const r = await xlat(ns, [mode, 'stats', 'display', '--json']);
  ok(r, `${mode} stats display`);
  return Object.fromEntries(Object.entries(JSON.parse(r.stdout).result.stats).map(([k, v]) => [k, BigInt(v)]));
}

async function hooks(ns, mode) {
  const r = await xlat(ns, [mode, 'instance', 'display', '--json']);
  ok(r, `${mode} instance display`);
  return Object.fromEntries(JSON.parse(r.stdout).result.instances[0].interfaces.map((i) => [i.name, i.hook]));
}

async function pings(ns, family, dst) {
  const r = await nsRun(ns, 'ping', [family, '-n', '-c', '3', '-i', '0.2', '-W', '2', dst], {timeout: 20_000});
  return {r, received: Number(/(\d+) received/.exec(r.stdout)?.[1] ?? 0)};
}

// [first, its hook, second, its hook, the hook the second must get on each interface]
const ARRANGEMENTS = [
  ['siit', 'xdp', 'nat64', 'auto', 'tc'],
  ['nat64', 'xdp', 'siit', 'auto', 'tc'],
  ['siit', 'tc', 'nat64', 'tc', 'tc'],
  ['nat64', 'tc', 'siit', 'tc', 'tc'],
];

for (const [first, firstHook, second, secondHook, secondGets] of ARRANGEMENTS) {
  describe(`${first} (--hook ${firstHook}) then ${second} (--hook ${secondHook}) on the same interfaces`, {skip: SKIP ?? false}, () => {
    let lab;
    const ifaces = [ADDR.j.iface6, ADDR.j.iface4];
    const add = (mode, hook) => {
      const pool6 = mode === 'siit' ? POOL6 : NAT64_POOL6;
      return xlat(lab.j, [mode, 'instance', 'add', '--pool6', pool6, '--hook', hook, ...ifaces.flatMap((i) => ['--iface', i])]);
    };

    before(async () => {
      lab = await createSiitLab();
      await addRoute(lab.n6, NAT64_POOL6, ADDR.j.addr6);
      ok(await add(first, firstHook), `${first} instance add`);
      if (firstHook === 'xdp') {
        // The interface's one XDP program is taken: --hook xdp for the second is refused in one line, nothing made.
        const r = await add(second, 'xdp');
        assert.notEqual(r.code, 0, show(r));
        assert.match(r.stderr.trim(), /^Error: interface \S+ already has an XDP program \(xlat_\w+\) .*--hook tc$/, show(r));
        const st = await xlat(lab.j, [second, 'instance', 'status']);
        assert.equal(st.stdout.trim(), 'Dead', `no ${second} instance was left\n${show(st)}`);
      }
      ok(await add(second, secondHook), `${second} instance add`);
    });
    after(async () => lab?.destroy());

    it(`the second instance gets ${secondGets} where the first holds XDP`, async () => {
      const h1 = await hooks(lab.j, first);
      const h2 = await hooks(lab.j, second);
      for (const i of ifaces) {
        assert.equal(h1[i], firstHook, `${first} on ${i}`);
        assert.equal(h2[i], secondGets, `${second} on ${i}`);
      }
    });

    it('SIIT translates its traffic both ways, NAT64 its own, each counting only its own', async () => {
      const s0 = await counters(lab.j, 'siit');
      const n0 = await counters(lab.j, 'nat64');
      const viaSiit6 = await pings(lab.n6, '-6', ADDR.n4As6);
      assert.equal(viaSiit6.received, 3, `ping n6 -> n4 through SIIT\n${show(viaSiit6.r)}`);
      const viaSiit4 = await pings(lab.n4, '-4', ADDR.n6As4);
      assert.equal(viaSiit4.received, 3, `ping n4 -> n6 through SIIT\n${show(viaSiit4.r)}`);
      const viaNat64 = await pings(lab.n6, '-6', N4_VIA_NAT64);
      assert.equal(viaNat64.received, 3, `ping n6 -> n4 through NAT64\n${show(viaNat64.r)}`);
      const s1 = await counters(lab.j, 'siit');
      const n1 = await counters(lab.j, 'nat64');
      // SIIT: 3 requests + 3 replies each way; NAT64: 3 requests out, 3 replies back.
      assert.equal(s1['xlat-6to4'] - s0['xlat-6to4'], 6n, 'SIIT 6->4');
      assert.equal(s1['xlat-4to6'] - s0['xlat-4to6'], 6n, 'SIIT 4->6');
      assert.equal(n1['xlat-6to4'] - n0['xlat-6to4'], 3n, 'NAT64 6->4');
      assert.equal(n1['xlat-4to6'] - n0['xlat-4to6'], 3n, 'NAT64 4->6');
    });

    it(`removing the ${first} instance leaves the ${second} one translating`, async () => {
      ok(await xlat(lab.j, [first, 'instance', 'remove']), `${first} instance remove`);
      const dst = second === 'siit' ? ADDR.n4As6 : N4_VIA_NAT64;
      const p = await pings(lab.n6, '-6', dst);
      assert.equal(p.received, 3, `ping n6 -> n4 through ${second} alone\n${show(p.r)}`);
      ok(await xlat(lab.j, [second, 'instance', 'remove']), `${second} instance remove`);
    });
  });
}
