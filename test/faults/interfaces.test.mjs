// Interfaces renamed, deleted and re-created under a live instance (issue 11, part 3), both translators, in the lab
// n6 -- j -- n4 with real traffic (ping n6 -> n4 through the translator) after each change:
//  - renamed: the attachment follows the interface (it is bound to the device, not the name); every command
//    shows the new name and traffic goes on;
//  - deleted: the kernel drops the attachment with the device; the instance lives on on its other interfaces and
//    every command works and shows what is left;
//  - re-created under the old name: a new device starts with nothing attached (traffic through it is not
//    translated), until `instance attach IF` attaches the running instance to it (documented in the README);
//  - every interface deleted: the instance goes with its last attachment; every command says so in one line and
//    `instance remove --if-exists` is quiet.
// Throwaway namespaces, always removed. Needs root and a build.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import {skipReason, cleanupAll, xlat, nsRun, ipIn, getSysctl, createVeth, addAddress, addRoute, addNeighbour, macOf} from '../helpers/netns.mjs';
import {createSiitLab} from '../helpers/topology.mjs';

const SKIP = skipReason();
if (SKIP) console.log(`# interface fault tests skipped: ${SKIP}`);
after(cleanupAll);

const show = (r) => `$ ${r.cmd}\nexit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);
const oneLineError = (r, what, code) => {
  assert.equal(r.code, code, `${what}: exit ${code}\n${show(r)}`);
  assert.match(r.stderr, /^Error: [^\n]+\n$/, `${what}: one Error: line, no stack\n${show(r)}`);
  assert.equal(r.stdout, '', `${what}: nothing on stdout\n${show(r)}`);
};

const KINDS = {
  siit: {pool6: '2001:db8:100::/40', target: (lab) => lab.addr.n4As6},
  nat64: {pool6: '64:ff9b::/96', target: () => '64:ff9b::198.51.100.2'},
};

/** Echo replies n6 gets out of `count` pings through the translator (a short wait when none is expected). */
async function pings(lab, dst, count = 3) {
  const r = await nsRun(lab.n6, 'ping', ['-6', '-n', '-c', String(count), '-i', '0.3', '-W', count === 3 ? '2' : '1', dst], {timeout: 20_000});
  const m = r.stdout.match(/(\d+) received/);
  return m ? Number(m[1]) : 0;
}

/** Interface names of the instance, as `instance display --json` gives them. */
async function shown(lab, kind) {
  const r = await xlat(lab.j, [kind, 'instance', 'display', '--json']);
  ok(r, 'instance display');
  const inst = JSON.parse(r.stdout).result.instances;
  return inst.flatMap((i) => i.interfaces.map((x) => x.name)).sort();
}

async function translated(lab, kind) {
  const r = await xlat(lab.j, [kind, 'stats', 'display', '--json']);
  ok(r, 'stats display');
  const st = JSON.parse(r.stdout).result.stats;
  return Object.entries(st)
    .filter(([k]) => k.startsWith('xlat-'))
    .reduce((s, [, v]) => s + Number(v), 0);
}

/** Every read-only command answers (exit 0) on the instance as it now is. */
async function everyCommandWorks(lab, kind) {
  const cmds = [
    ['instance', 'display'],
    ['instance', 'status'],
    ['stats', 'display'],
    ['global', 'display'],
    ['file', 'export'],
  ];
  cmds.push(kind === 'siit' ? ['eamt', 'display'] : ['session', 'display']);
  for (const c of cmds) ok(await xlat(lab.j, [kind, ...c]), c.join(' '));
}

/** Deletes j's IPv6-side veth (its peer in n6 goes with it) and wires a new one under the same names. */
async function recreateV6Link(lab) {
  const {n6, j} = lab.addr;
  await ipIn(lab.j, ['link', 'del', j.iface6]);
  await createVeth(lab.j, j.iface6, lab.n6, n6.iface);
  await addAddress(lab.n6, n6.iface, n6.cidr6);
  await addAddress(lab.j, j.iface6, j.cidr6);
  await addRoute(lab.n6, lab.pool6, j.addr6);
  await addRoute(lab.n6, 'default', j.addr6, {dev: n6.iface});
  await addNeighbour(lab.n6, n6.iface, j.addr6, await macOf(lab.j, j.iface6));
  await addNeighbour(lab.j, j.iface6, n6.addr6, await macOf(lab.n6, n6.iface));
}

for (const [kind, {pool6, target}] of Object.entries(KINDS)) {
  test(`${kind}: interfaces renamed, deleted and re-created under a live instance`, {skip: SKIP || false, timeout: 180_000}, async () => {
    const lab = await createSiitLab({pool6: kind === 'siit' ? pool6 : undefined});
    const {j} = lab.addr;
    const dst = target(lab);
    try {
      ok(await xlat(lab.j, [kind, 'instance', 'add', '--pool6', pool6]), 'instance add');
      assert.equal(await pings(lab, dst), 3, 'traffic is translated at first');

      // Renamed (down, rename, up: older kernels refuse to rename a running device).
      await ipIn(lab.j, ['link', 'set', j.iface4, 'down']);
      await ipIn(lab.j, ['link', 'set', j.iface4, 'name', 'wan4']);
      await ipIn(lab.j, ['link', 'set', 'wan4', 'up']);
      await addNeighbour(lab.j, 'wan4', lab.addr.n4.addr4, await macOf(lab.n4, lab.addr.n4.iface));
      assert.deepEqual(await shown(lab, kind), [j.iface6, 'wan4'].sort(), 'display shows the new name');
      await everyCommandWorks(lab, kind);
      const exported = JSON.parse((await xlat(lab.j, [kind, 'file', 'export'])).stdout);
      assert.deepEqual([...exported.interfaces].sort(), [j.iface6, 'wan4'].sort(), 'file export names the new name');
      const before = await translated(lab, kind);
      assert.equal(await pings(lab, dst), 3, 'traffic goes on through the renamed interface');
      assert.ok((await translated(lab, kind)) >= before + 6, 'and is translated both ways');

      // Deleted and re-created: the new device has nothing attached until `instance attach`.
      await recreateV6Link(lab);
      assert.deepEqual(await shown(lab, kind), ['wan4'], 'the deleted interface is gone from display');
      await everyCommandWorks(lab, kind);
      assert.equal(await pings(lab, dst, 2), 0, 'the re-created interface translates nothing before it is attached');
      ok(await xlat(lab.j, [kind, 'instance', 'attach', j.iface6]), 'instance attach of the re-created interface');
      assert.deepEqual(await shown(lab, kind), [j.iface6, 'wan4'].sort(), 'attached again');
      assert.equal(await pings(lab, dst), 3, 'traffic is translated again through the re-created interface');
      const acceptLocal = () => getSysctl(lab.j, `net.ipv4.conf.${j.iface6}.accept_local`);
      // NAT64 sets accept_local where it attaches (translated packets carry the node's own pool4 address).
      if (kind === 'nat64') assert.equal(await acceptLocal(), '1', 'attach set accept_local on the new interface');
      // detach and attach again: detach puts accept_local back
      ok(await xlat(lab.j, [kind, 'instance', 'detach', j.iface6]), 'instance detach');
      assert.equal(await acceptLocal(), '0', 'detach put accept_local back');
      assert.equal(await pings(lab, dst, 2), 0, 'nothing translated through the detached interface');
      ok(await xlat(lab.j, [kind, 'instance', 'attach', j.iface6]), 'instance attach again');
      assert.equal(await pings(lab, dst), 3, 'translated again');

      // `instance remove` after all that leaves nothing attached.
      ok(await xlat(lab.j, [kind, 'instance', 'remove']), 'instance remove');
      assert.deepEqual(await shown(lab, kind), [], 'nothing left');
      assert.equal(await pings(lab, dst, 2), 0, 'and nothing translated');
      assert.equal(await acceptLocal(), '0', 'accept_local is back to what it was');

      // Every interface deleted: the instance goes with its last attachment, and commands say so in one line.
      ok(await xlat(lab.j, [kind, 'instance', 'add', '--pool6', pool6]), 'instance add again');
      await ipIn(lab.j, ['link', 'del', 'wan4']);
      await ipIn(lab.j, ['link', 'del', j.iface6]);
      assert.deepEqual(await shown(lab, kind), [], 'display: no instance, exit 0');
      for (const c of [
        ['stats', 'display'],
        ['global', 'display'],
        ['instance', 'remove'],
      ]) {
        oneLineError(await xlat(lab.j, [kind, ...c]), c.join(' '), 3);
      }
      const st = await xlat(lab.j, [kind, 'instance', 'status']);
      assert.equal(st.code, 3, show(st));
      assert.match(st.stdout, /Dead/, show(st));
      ok(await xlat(lab.j, [kind, 'instance', 'remove', '--if-exists']), 'remove --if-exists');
    } finally {
      await lab.destroy();
    }
  });
}
