// End-to-end NAT64 fragments and errors the NAT64 originates, in throwaway namespaces:
//   n6 (2001:db8:1::8) -- j (NAT64, pool6 2001:db8:64::/96, pool4 = 192.0.2.1) -- n4 (192.0.2.8)
// Real 3000-byte UDP datagrams cross the translator fragmented, both ways, from the IPv6 side and from
// an IPv4 sender through a static BIB entry (the answers come back fragmented too; IPv4 fragments
// bigger than lowest-ipv6-mtu are cut again). Then packets too big for a smaller link get Packet Too
// Big / Fragmentation Needed from the NAT64's own address on the ingress interface.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {existsSync} from 'node:fs';
import {
  skipReason, cleanupAll, xlat, nsRun, nsBackground, createNamespace, createVeth, addAddress, addRoute, setSysctls,
  uniqueName, ipIn, REPO,
} from '../helpers/netns.mjs';

const OBJ = path.join(REPO, 'build', 'bpf', 'nat64.bpf.o');
const SKIP = skipReason() ?? (existsSync(OBJ) ? null : 'build/bpf/nat64.bpf.o is missing: run `npm run build`');
if (SKIP) console.log(`# e2e NAT64 fragments skipped: ${SKIP}`);
const SOCKETS = path.join(REPO, 'test', 'helpers', 'sockets.py');

const show = (r) => `$ ${r.cmd}\nexit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);

async function stats(n) {
  const r = await xlat(n, ['nat64', 'stats', 'display', '--json']);
  ok(r, 'stats display');
  return Object.fromEntries(Object.entries(JSON.parse(r.stdout).result.stats).map(([k, v]) => [k, BigInt(v)]));
}

async function echo(serverNs, clientNs, target, port, size, listen = port) {
  const server = nsBackground(serverNs, 'python3', [SOCKETS, 'serve', 'udp', String(listen)], {timeout: 60_000});
  try {
    await server.ready;
    const c = await nsRun(clientNs, 'python3', [SOCKETS, 'client', 'udp', target, String(port), '--size', String(size), '--timeout', '5'], {timeout: 30_000});
    assert.equal(c.code, 0, `UDP ${size} bytes ${clientNs} -> ${target}:${port}\n${show(c)}\nlistener: ${server.stdout}${server.stderr}`);
    return c;
  } finally {
    await server.stop();
  }
}

/** python3 -c DF_SEND HOST PORT SIZE: UDP with DF from IPv4 (IP_PMTUDISC_DO); prints the path MTU the kernel learnt. */
const DF_SEND = `import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER = IP_PMTUDISC_DO
s.connect((sys.argv[1], int(sys.argv[2])))
for _ in range(5):
    try:
        s.send(b'x' * int(sys.argv[3]))
    except OSError as e:
        print('EMSGSIZE' if e.errno == 90 else 'ERR %d' % e.errno)
        break
    time.sleep(0.3)
print('MTU', s.getsockopt(socket.IPPROTO_IP, 14))  # IP_MTU`;

for (const hook of ['tc', 'xdp']) {
  describe(`NAT64 fragments and originated errors end to end (--hook ${hook})`, {skip: SKIP ?? false}, () => {
    const ns = {};
    before(async () => {
      ns.n6 = await createNamespace(uniqueName('n6'));
      ns.j = await createNamespace(uniqueName('j'));
      ns.n4 = await createNamespace(uniqueName('n4'));
      await createVeth(ns.n6, 'to_j', ns.j, 'to_n6');
      await createVeth(ns.j, 'to_n4', ns.n4, 'to_j');
      await addAddress(ns.n6, 'to_j', '2001:db8:1::8/64');
      await addAddress(ns.j, 'to_n6', '2001:db8:1::1/64');
      await addAddress(ns.j, 'to_n4', '192.0.2.1/24');
      await addAddress(ns.n4, 'to_j', '192.0.2.8/24');
      await addRoute(ns.n6, '2001:db8:64::/96', '2001:db8:1::1');
      await setSysctls(ns.j, {'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.forwarding': 1});
      ok(await xlat(ns.j, ['nat64', 'instance', 'add', '--pool6', '2001:db8:64::/96', '--hook', hook]), 'instance add');
    });
    after(cleanupAll);

    it('a 3000-byte UDP datagram from IPv6 and its answer cross fragmented', async () => {
      const before = await stats(ns.j);
      await echo(ns.n4, ns.n6, '2001:db8:64::192.0.2.8', 7001, 3000);
      const after = await stats(ns.j);
      assert.ok(after['xlat-fragment-6to4'] > before['xlat-fragment-6to4'], 'later IPv6 fragments translated');
      assert.ok(after['xlat-fragment-4to6'] > before['xlat-fragment-4to6'], 'later IPv4 fragments translated');
      assert.equal(after['drop-fragment-before-first'], before['drop-fragment-before-first'], 'none out of order');
    });

    it('a 3000-byte UDP datagram from an IPv4 sender through a static BIB entry, and back', async () => {
      ok(await xlat(ns.j, ['nat64', 'bib', 'add', '--udp', '2001:db8:1::8#7002', '192.0.2.1#61702']), 'bib add');
      const before = await stats(ns.j);
      await echo(ns.n6, ns.n4, '192.0.2.1', 61702, 3000, 7002);
      await echo(ns.n6, ns.n4, '192.0.2.1', 61702, 1000, 7002);
      const after = await stats(ns.j);
      assert.ok(after['xlat-fragment-4to6'] > before['xlat-fragment-4to6'], 'later IPv4 fragments translated');
      assert.ok(after['xlat-fragment-6to4'] > before['xlat-fragment-6to4'], 'later IPv6 fragments translated');
    });

    it('IPv6 too big for the IPv4 link: Packet Too Big (MTU + 20) from the NAT64\'s address', async () => {
      await ipIn(ns.j, ['link', 'set', 'to_n4', 'mtu', '1280']);
      try {
        const before = await stats(ns.j);
        const r = await nsRun(ns.n6, 'ping', ['-6', '-n', '-c', '1', '-W', '2', '-s', '1400', '-M', 'do', '2001:db8:64::192.0.2.8'], {timeout: 20_000});
        assert.match(r.stdout, /From 2001:db8:1::1 icmp_seq=1 Packet too big: mtu=1300/, show(r));
        const after = await stats(ns.j);
        assert.ok(after['drop-too-big'] > before['drop-too-big'], 'drop-too-big counted');
        assert.ok(after['icmp-sent'] > before['icmp-sent'], 'icmp-sent counted');
      } finally {
        await ipIn(ns.j, ['link', 'set', 'to_n4', 'mtu', '1500']);
      }
    });

    it('IPv4 with DF too big for the IPv6 link: Fragmentation Needed (MTU - 20)', async () => {
      await ipIn(ns.j, ['link', 'set', 'to_n6', 'mtu', '1280']);
      try {
        const before = await stats(ns.j);
        const r = await nsRun(ns.n4, 'python3', ['-c', DF_SEND, '192.0.2.1', '61702', '1400'], {timeout: 20_000});
        ok(r, 'DF sender');
        assert.match(r.stdout, /MTU 1260/, show(r));
        const after = await stats(ns.j);
        assert.ok(after['drop-too-big'] > before['drop-too-big'], 'drop-too-big counted');
        assert.ok(after['icmp-sent'] > before['icmp-sent'], 'icmp-sent counted');
      } finally {
        await ipIn(ns.j, ['link', 'set', 'to_n6', 'mtu', '1500']);
      }
    });
  });
}
