// End-to-end NAT64 ICMP errors, also hairpinned ones, in throwaway namespaces:
//   n6 (2001:db8:1::8) -- j (NAT64, pool6 2001:db8:64::/96, pool4 = 192.0.2.1) -- n4 (192.0.2.8, a router)
// Real errors from the IPv4 side come back to the IPv6 node translated through the session: a UDP
// socket sees ECONNREFUSED (its kernel matched the inner packet to the socket: addresses and ports
// rewritten back), ping sees Time Exceeded from pool6 + the router. `remove` restores accept_local.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {existsSync} from 'node:fs';
import {
  skipReason, cleanupAll, xlat, nsRun, createNamespace, createVeth, addAddress, addRoute, setSysctls, getSysctl,
  uniqueName, ipIn, REPO,
} from '../helpers/netns.mjs';

const OBJ = path.join(REPO, 'build', 'bpf', 'nat64.bpf.o');
const SKIP = skipReason() ?? (existsSync(OBJ) ? null : 'build/bpf/nat64.bpf.o is missing: run `npm run build`');
if (SKIP) console.log(`# e2e NAT64 ICMP skipped: ${SKIP}`);

const show = (r) => `$ ${r.cmd}\nexit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);

/** python3 -c UDP_REFUSED HOST PORT: a connected UDP socket; prints REFUSED when the port unreachable arrives. */
const UDP_REFUSED = `import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((sys.argv[1], int(sys.argv[2])))
for _ in range(3):
    s.send(b'x' * 40)
    try:
        s.recv(100)
        print('ANSWERED'); sys.exit(1)
    except ConnectionRefusedError:
        print('REFUSED'); sys.exit(0)
    except socket.timeout:
        pass
print('TIMEOUT'); sys.exit(1)`;

async function stats(n) {
  const r = await xlat(n, ['nat64', 'stats', 'display', '--json']);
  ok(r, 'stats display');
  return Object.fromEntries(Object.entries(JSON.parse(r.stdout).result.stats).map(([k, v]) => [k, BigInt(v)]));
}

for (const hook of ['tc', 'xdp']) {
  describe(`NAT64 ICMP errors end to end (--hook ${hook})`, {skip: SKIP ?? false}, () => {
    const ns = {};
    before(async () => {
      ns.n6 = await createNamespace(uniqueName('n6'));
      ns.j = await createNamespace(uniqueName('j'));
      ns.n4 = await createNamespace(uniqueName('n4'));
      await createVeth(ns.n6, 'to_j', ns.j, 'to_n6');
      await createVeth(ns.j, 'to_n4', ns.n4, 'to_j');
      await addAddress(ns.n6, 'to_j', '2001:db8:1::8/64');
      await addAddress(ns.n6, 'to_j', '2001:db8:1::9/64');
      await addAddress(ns.j, 'to_n6', '2001:db8:1::1/64');
      await addAddress(ns.j, 'to_n4', '192.0.2.1/24');
      await addAddress(ns.n4, 'to_j', '192.0.2.8/24');
      await addRoute(ns.n6, '2001:db8:64::/96', '2001:db8:1::1');
      // Beyond n4: 198.51.100.0/24 behind a dummy link (TTL expires on n4), 203.0.113.0/24 unroutable from n4.
      await addRoute(ns.j, '198.51.100.0/24', '192.0.2.8');
      await addRoute(ns.j, '203.0.113.0/24', '192.0.2.8');
      await ipIn(ns.n4, ['link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1']);
      await ipIn(ns.n4, ['link', 'set', 'd0', 'up']);
      await ipIn(ns.n4, ['link', 'set', 'd1', 'up']);
      await addRoute(ns.n4, '198.51.100.0/24', null, {dev: 'd0'});
      await setSysctls(ns.j, {'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.forwarding': 1});
      await setSysctls(ns.n4, {'net.ipv4.ip_forward': 1});
    });
    after(cleanupAll);

    it('add sets accept_local; UDP to a closed IPv4 port is refused through the session', async () => {
      assert.equal(await getSysctl(ns.j, 'net.ipv4.conf.to_n4.accept_local'), '0');
      ok(await xlat(ns.j, ['nat64', 'instance', 'add', '--pool6', '2001:db8:64::/96', '--hook', hook]), 'instance add');
      assert.equal(await getSysctl(ns.j, 'net.ipv4.conf.to_n4.accept_local'), '1');
      const before = await stats(ns.j);
      const r = await nsRun(ns.n6, 'python3', ['-c', UDP_REFUSED, '2001:db8:64::192.0.2.8', '9'], {timeout: 20_000});
      ok(r, 'ECONNREFUSED from the translated port unreachable');
      assert.match(r.stdout, /REFUSED/);
      const after = await stats(ns.j);
      assert.ok(after['xlat-icmp-error-4to6'] > before['xlat-icmp-error-4to6'], 'counted as a translated ICMP error');
    });

    it('ping with a small hop limit gets Time Exceeded from pool6 + the IPv4 router', async () => {
      const r = await nsRun(ns.n6, 'ping', ['-6', '-n', '-c', '1', '-W', '3', '-t', '2', '2001:db8:64::198.51.100.9'], {timeout: 20_000});
      assert.match(r.stdout, /From 2001:db8:64::c000:208 icmp_seq=1 Time exceeded/, show(r));
    });

    it('ping to an unreachable IPv4 network gets Destination Unreachable from the router', async () => {
      const r = await nsRun(ns.n6, 'ping', ['-6', '-n', '-c', '1', '-W', '3', '2001:db8:64::203.0.113.9'], {timeout: 20_000});
      assert.match(r.stdout, /From 2001:db8:64::c000:208 icmp_seq=1 Destination unreachable/, show(r));
    });

    it('UDP hairpinned to another IPv6 node\'s closed port is refused through both sessions', async () => {
      // 2001:db8:1::9 (also on n6) is reachable as 192.0.2.1#62007; the socket on 2001:db8:1::8 sends there. n6's
      // kernel answers port unreachable to pool6 + the sender's mapping, which the NAT64 translates twice.
      ok(await xlat(ns.j, ['nat64', 'pool4', 'add', '--udp', '192.0.2.1', '61001-65535']), 'pool4 add');
      ok(await xlat(ns.j, ['nat64', 'bib', 'add', '2001:db8:1::9#7', '192.0.2.1#62007', '--udp']), 'bib add');
      const before = await stats(ns.j);
      const bound = UDP_REFUSED.replace('s.settimeout(3)', "s.bind(('2001:db8:1::8', 0))\ns.settimeout(3)");
      const r = await nsRun(ns.n6, 'python3', ['-c', bound, '2001:db8:64::192.0.2.1', '62007'], {timeout: 20_000});
      ok(r, 'ECONNREFUSED from the hairpinned port unreachable');
      assert.match(r.stdout, /REFUSED/);
      const after = await stats(ns.j);
      assert.ok(after['xlat-hairpin'] >= before['xlat-hairpin'] + 2n, 'the datagram and the error, both hairpinned');
    });

    it('ping to pool6 + a pool4 address is hairpinned: the pinger answers itself through both sessions', async () => {
      // The echo's translated identifier names the sender's own mapping (RFC 6146 3.8 for queries): n6's kernel
      // gets an echo request from pool6 + 192.0.2.1 and its reply goes the same way back.
      ok(await xlat(ns.j, ['nat64', 'pool4', 'add', '--icmp', '192.0.2.1', '0-65535']), 'pool4 add --icmp');
      const before = await stats(ns.j);
      const r = await nsRun(ns.n6, 'ping', ['-6', '-n', '-c', '3', '-i', '0.2', '-W', '3', '-I', '2001:db8:1::8', '2001:db8:64::192.0.2.1'], {timeout: 20_000});
      assert.match(r.stdout, /3 received/, show(r));
      assert.match(r.stdout, /from 2001:db8:64::c000:201: icmp_seq=1/, show(r));
      const after = await stats(ns.j);
      assert.ok(after['xlat-hairpin'] >= before['xlat-hairpin'] + 6n, `3 requests and 3 replies hairpinned: ${before['xlat-hairpin']} -> ${after['xlat-hairpin']}`);
    });

    it('remove restores accept_local', async () => {
      ok(await xlat(ns.j, ['nat64', 'instance', 'remove']), 'instance remove');
      assert.equal(await getSysctl(ns.j, 'net.ipv4.conf.to_n4.accept_local'), '0');
      assert.equal(await getSysctl(ns.j, 'net.ipv4.conf.to_n6.accept_local'), '0');
    });
  });
}
