// The instance machinery shared by SIIT and NAT64 (src/instance/attach.ts), pure parts: hook planning, the
// per-interface description `instance display` prints, interface choice.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';

const ATTACH = new URL('../../dist/instance/attach.js', import.meta.url);
const skip = existsSync(ATTACH) ? false : 'dist/ is missing: run `npx tsc -p tsconfig.json`';

const iface = (index, name, kind) => ({index, name, kind, linkType: 'ether', up: true, ipv4: []});
const veth = iface(2, 'veth0', 'veth');
const phys = iface(3, 'eth0', '');
const br = iface(4, 'br0', 'bridge');

test('planHook: requests, veth and virtual devices, an XDP hook already taken', {skip}, async () => {
  const {planHook} = await import(ATTACH);
  const plan = (i, h, taken, label) => {
    const p = planHook(i, h, taken, label);
    return [p.how, p.reason];
  };
  assert.deepEqual(plan(veth, 'tc'), ['tc', 'tc requested']);
  assert.deepEqual(plan(veth, 'xdp'), ['xdp', 'XDP requested']);
  assert.deepEqual(plan(veth, 'xdp-generic'), ['xdp-generic', 'generic XDP requested']);
  assert.deepEqual(plan(veth, 'auto'), ['tc', 'veth: tc handles the skb checksum and GSO state that XDP cannot see']);
  assert.deepEqual(plan(br, 'auto'), ['tc', 'bridge: virtual device without a real driver: tc handles the skb checksum and GSO state']);
  assert.deepEqual(plan(phys, 'auto'), ['auto-physical', '']);
  assert.deepEqual(plan(phys, 'auto', 'xlat_siit_xdp', 'NAT64'), ['tc', 'XDP is held by xlat_siit_xdp: tc']);
  assert.deepEqual(plan(phys, 'tc', 'xlat_siit_xdp', 'NAT64'), ['tc', 'tc requested']);
  for (const h of ['xdp', 'xdp-generic']) {
    assert.throws(() => planHook(phys, h, 'xlat_siit_xdp', 'NAT64'), /eth0 already has an XDP program \(xlat_siit_xdp\).*NAT64 instance there with --hook tc/);
  }
});

test('publicInterfaces: one line per interface, slow path, who forwards', {skip}, async () => {
  const {publicInterfaces} = await import(ATTACH);
  const x = (i, mode) => ({name: i.name, ifindex: i.index, hook: 'xdp', mode, reason: `${mode} XDP`, progId: 10 + i.index});
  const t = (i, reason) => ({name: i.name, ifindex: i.index, hook: 'tc', mode: 'clsact-ingress', reason, progId: 20 + i.index});
  const list = [x(phys, 'native'), t(phys, 'tc slow path'), t(veth, 'veth: tc handles the skb checksum and GSO state that XDP cannot see'), x(br, 'generic')];
  // NAT64: no redirect targets, no forwarding text.
  assert.deepEqual(publicInterfaces(list), [
    {name: 'eth0', ifindex: 3, hook: 'xdp', mode: 'native', reason: 'native XDP; tc as its slow path'},
    {name: 'veth0', ifindex: 2, hook: 'tc', mode: 'clsact-ingress', reason: 'veth: tc handles the skb checksum and GSO state that XDP cannot see'},
    {name: 'br0', ifindex: 4, hook: 'xdp', mode: 'generic', reason: 'generic XDP; WARNING: its tc slow path is missing (remove and add the instance again)'},
  ]);
  // SIIT: redirect targets known (possibly none).
  const siit = publicInterfaces(list, new Set([3]));
  assert.equal(siit[0].reason, 'native XDP; tc as its slow path; packets translated towards it are forwarded by XDP itself');
  assert.equal(siit[1].reason, 'veth: tc handles the skb checksum and GSO state that XDP cannot see');
  assert.equal(
    siit[2].reason,
    'generic XDP; WARNING: its tc slow path is missing (remove and add the instance again); packets translated towards it are forwarded by the kernel',
  );
  assert.equal(publicInterfaces(list, new Set())[0].reason, 'native XDP; tc as its slow path; packets translated towards it are forwarded by the kernel');
});

test('chooseInterfaces: all but loopback, or the named ones, input errors exit 2', {skip}, async () => {
  const {chooseInterfaces} = await import(ATTACH);
  const lo = iface(1, 'lo', 'loopback');
  assert.deepEqual(chooseInterfaces([lo, veth, phys], null).map((i) => i.name), ['veth0', 'eth0']);
  assert.deepEqual(chooseInterfaces([lo, veth, phys], ['eth0', 'eth0', 'lo']).map((i) => i.name), ['eth0', 'lo']);
  const exit2 = (fn, re) => assert.throws(fn, (e) => re.test(e.message) && e.exitCode === 2);
  exit2(() => chooseInterfaces([lo], null), /no interface other than loopback/);
  exit2(() => chooseInterfaces([lo, veth], []), /^no interface given$/);
  exit2(() => chooseInterfaces([lo, veth], ['eth9']), /^interface 'eth9' does not exist in this namespace$/);
});
