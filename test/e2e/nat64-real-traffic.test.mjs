// NAT64 under real traffic (issue 14): what real clients found that the packet suites missed, each with real
// sockets in the lab n6 -- j (NAT64, pool6 64:ff9b::/96) -- n4:
//   ping of every size (fragmented echo reassembled), many short TCP connections (ports come back once their
//   sessions have gone), an idle connection past tcp-est-timeout (the transitory period), a TFTP-like reply from
//   another port under address-dependent filtering, UDP without checksum, IPv4 options in an established flow,
//   UDP to an unmapped pool4 port (the kernel's port unreachable), the empty pool4's source address, and pool4
//   ranges used to the last port.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {existsSync} from 'node:fs';
import {skipReason, cleanupAll, xlat, nsRun, nsBackground, ipIn, REPO} from '../helpers/netns.mjs';
import {createSiitLab} from '../helpers/topology.mjs';

const OBJ = path.join(REPO, 'build', 'bpf', 'nat64.bpf.o');
const SKIP = skipReason() ?? (existsSync(OBJ) ? null : 'build/bpf/nat64.bpf.o is missing: run `npm run build`');
if (SKIP) console.log(`# e2e NAT64 real traffic skipped: ${SKIP}`);
const TRAFFIC = path.join(REPO, 'test', 'helpers', 'traffic.py');
const SOCKETS = path.join(REPO, 'test', 'helpers', 'sockets.py');

const POOL6 = '64:ff9b::/96';
const N4_AS6 = '64:ff9b::198.51.100.2';
const J4 = '198.51.100.1';

const show = (r) => `$ ${r.cmd}\nexit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);
const lastJson = (r) => JSON.parse(r.stdout.trim().split('\n').filter(Boolean).at(-1));

let lab;
let portSeq = 20000 + (process.pid % 10000);
const nextPort = () => portSeq++;

const j = (args) => xlat(lab.j, ['nat64', ...args]);
async function stats() {
  const r = await j(['stats', 'display', '--json']);
  ok(r, 'stats display');
  return JSON.parse(r.stdout).result.stats;
}
const traffic = (ns, args, timeout = 60_000) => nsRun(ns, 'python3', [TRAFFIC, ...args], {timeout});
const server = (ns, args) => nsBackground(ns, 'python3', args, {timeout: 120_000});

describe('NAT64 with real clients', {skip: SKIP ?? false}, () => {
  before(async () => {
    lab = await createSiitLab();
    ok(await j(['instance', 'add', '--pool6', POOL6]), 'instance add');
  });
  after(cleanupAll);

  it('answers ping of every size up to its reassembly bound, and counts what is larger', async () => {
    // 1452 is the largest unfragmented one on this 1500-byte link; from 1453 on the echo is fragmented both ways;
    // 15864 (a 15872-byte ICMP message) is the largest a tc program can make whole.
    const sizes = [0, 1, 8, 56, 1000, 1232, 1233, 1240, 1400, 1452, 1453, 1460, 1500, 2000, 2952, 2953, 4000, 8000, 12000, 15864];
    const failed = [];
    for (const s of sizes) {
      const r = await nsRun(lab.n6, 'ping', ['-6', '-n', '-c', '1', '-W', '2', '-s', String(s), N4_AS6], {timeout: 10_000});
      if (!/1 received/.test(r.stdout)) failed.push(`${s}: ${r.stdout.split('\n').at(-3)}`);
    }
    assert.deepEqual(failed, [], 'every size answered');
    const st = await stats();
    assert.ok(st['reasm-held'] > 0, 'fragmented echoes were reassembled');
    const tooBig = st['drop-reasm-too-big'] ?? 0;
    const r = await nsRun(lab.n6, 'ping', ['-6', '-n', '-c', '1', '-W', '1', '-s', '15865', N4_AS6], {timeout: 10_000});
    assert.match(r.stdout, /0 received/, 'one byte more is not reassembled');
    assert.ok((await stats())['drop-reasm-too-big'] > tooBig, 'and counted');
  });

  it('gives pool4 ports back once the sessions of closed connections have gone', async () => {
    // 50 ports; closing sessions live 15 s (tcp-trans-timeout, --force: a test cannot wait the 4 minutes).
    ok(await j(['pool4', 'add', '--tcp', '192.0.2.1', '40000-40049']), 'pool4 add');
    ok(await j(['global', 'update', 'tcp-trans-timeout', '15', '--force']), 'tcp-trans-timeout 15');
    const port = nextPort();
    const srv = server(lab.n4, [SOCKETS, 'serve', 'tcp', String(port)]);
    try {
      await srv.ready;
      const t0 = Date.now();
      const first = await traffic(lab.n6, ['short-tcp', N4_AS6, String(port), '50']);
      ok(first, '50 short connections, one pool4 port each');
      const exhausted = (await stats())['drop-pool4-exhausted'] ?? 0;
      const more = lastJson(await traffic(lab.n6, ['short-tcp', N4_AS6, String(port), '3', '--timeout', '0.5']));
      assert.ok(Date.now() - t0 < 15_000, 'checked while the first sessions still close (the machine was too slow)');
      assert.equal(more.ok, 0, `the 51st connection finds no port while the 50 sessions close\n${JSON.stringify(more)}`);
      assert.ok((await stats())['drop-pool4-exhausted'] > exhausted, 'counted as drop-pool4-exhausted');
      // Before the fix every port stayed taken for 2 hours (the BIB entry kept tcp-est-timeout).
      await new Promise((r) => setTimeout(r, 16_000));
      const again = await traffic(lab.n6, ['short-tcp', N4_AS6, String(port), '50']);
      ok(again, 'the closed sessions are gone: every port serves again');
    } finally {
      await srv.stop();
      await j(['pool4', 'flush']);
      await j(['global', 'update', 'tcp-trans-timeout', '240']);
    }
  });

  it('keeps an idle connection past tcp-est-timeout for the transitory period, as RFC 6146 asks', async () => {
    ok(await j(['global', 'update', 'tcp-est-timeout', '3', '--force']), 'tcp-est-timeout 3');
    ok(await j(['global', 'update', 'tcp-trans-timeout', '3', '--force']), 'tcp-trans-timeout 3');
    const port = nextPort();
    const srv = server(lab.n4, [SOCKETS, 'serve', 'tcp', String(port)]);
    try {
      await srv.ready;
      // Silent for 4.5 s: past tcp-est-timeout (3 s), within it plus tcp-trans-timeout: a keepalive revives it.
      ok(await traffic(lab.n6, ['idle-tcp', N4_AS6, String(port), '4.5']), 'the connection survives 4.5 s of silence');
      // Silent for 7.5 s: past both, the session is gone and so is the connection (as with Jool after its probe).
      const dead = lastJson(await traffic(lab.n6, ['idle-tcp', N4_AS6, String(port), '7.5', '--timeout', '2']));
      assert.equal(dead.after_idle, false, 'past both timeouts the connection is gone');
    } finally {
      await srv.stop();
      await j(['global', 'update', 'tcp-est-timeout', '7200']);
      await j(['global', 'update', 'tcp-trans-timeout', '240']);
    }
  });

  it('filters on the remote address only under address-dependent-filtering (a TFTP reply from a new port)', async () => {
    ok(await j(['global', 'update', 'address-dependent-filtering', 'true']), 'ADF on');
    await ipIn(lab.n4, ['addr', 'add', '198.51.100.3/24', 'dev', lab.addr.n4.iface]);
    const port = nextPort();
    try {
      const same = server(lab.n4, [TRAFFIC, 'tftp-server', String(port)]);
      try {
        await same.ready;
        const r = await traffic(lab.n6, ['tftp-client', N4_AS6, String(port)]);
        ok(r, 'the reply from the server\'s new port gets through');
        assert.notEqual(lastJson(r).reply_port, port, 'it came from another port');
      } finally {
        await same.stop();
      }
      const before = (await stats())['drop-address-dependent-filtering'] ?? 0;
      const other = server(lab.n4, [TRAFFIC, 'tftp-server', String(port + 1), '--from', '198.51.100.3']);
      try {
        await other.ready;
        const r = await traffic(lab.n6, ['tftp-client', N4_AS6, String(port + 1), '--timeout', '1']);
        assert.notEqual(r.code, 0, `a reply from another address is filtered\n${show(r)}`);
      } finally {
        await other.stop();
      }
      assert.ok((await stats())['drop-address-dependent-filtering'] > before, 'and counted');
    } finally {
      await j(['global', 'update', 'address-dependent-filtering', 'false']);
      await ipIn(lab.n4, ['addr', 'del', '198.51.100.3/24', 'dev', lab.addr.n4.iface]);
    }
  });

  it('computes the checksum of IPv4 UDP that has none (RFC 6146 3.4)', async () => {
    ok(await j(['pool4', 'add', '--udp', '192.0.2.1', '5000-5999']), 'pool4 add');
    ok(await j(['bib', 'add', '--udp', `${lab.addr.n6.addr6}#5353`, '192.0.2.1#5353']), 'static BIB');
    try {
      const srv = nsBackground(lab.n6, 'python3', [TRAFFIC, 'udp-serve', '5353', '--count', '1', '--seconds', '5'], {timeout: 20_000});
      await srv.ready;
      ok(await traffic(lab.n4, ['udp-zero', '192.0.2.1', '5353', '7777']), 'zero-checksum datagram sent');
      const done = await srv.exited;
      assert.equal(JSON.parse(done.stdout.trim().split('\n').at(-1)).received, 1, `the IPv6 node got it (its kernel drops a zero checksum)\n${done.stdout}`);
    } finally {
      await j(['bib', 'remove', '--udp', '192.0.2.1#5353']);
      await j(['pool4', 'flush']);
    }
  });

  it('translates IPv4 options of an established flow instead of leaving them to the node (no RST)', async () => {
    // The default pool4 is j's own address: a packet left to the kernel would get a RST from j itself.
    const port = nextPort();
    const srv = server(lab.n4, [TRAFFIC, 'tcp-options-server', String(port)]);
    try {
      await srv.ready;
      const r = await nsRun(lab.n6, 'python3', [SOCKETS, 'client', 'tcp', N4_AS6, String(port), '--size', '200000', '--timeout', '5'], {timeout: 30_000});
      ok(r, 'a TCP echo whose IPv4 side carries options');
    } finally {
      await srv.stop();
    }
  });

  it('leaves UDP to a pool4 port without a mapping to the kernel, which answers port unreachable', async () => {
    const before = (await stats())['pass-udp-no-bib'] ?? 0;
    ok(await traffic(lab.n4, ['udp-refused', J4, '62000']), 'ICMP port unreachable from j');
    assert.ok((await stats())['pass-udp-no-bib'] > before, 'counted as pass-udp-no-bib');
  });

  it('lets a TCP simultaneous open meet: the IPv6 SYN gets the pool4 port the held IPv4 SYN targets', async () => {
    // n4 connects from RPORT to j#61500 (the empty pool4: j's address, ports 61001-65535): no mapping yet, so its
    // SYN is held. n6 then connects to n4#RPORT and gets j#61500 of the 4,535 ports, so each SYN reaches the
    // other's socket, in SYN-SENT: both connections open (RFC 793 simultaneous open) and carry data both ways.
    const rport = nextPort();
    const peer = (family, bind, host, port, msg) =>
      `import socket\ns = socket.socket(socket.${family}, socket.SOCK_STREAM)\ns.bind((${JSON.stringify(bind)}, ${port[0]}))\ns.settimeout(15)\n` +
      `s.connect((${JSON.stringify(host)}, ${port[1]}))\ns.sendall(b'${msg}')\nprint(s.recv(5).decode())`;
    const held = (await stats())['tcp-syn-held'] ?? 0;
    const v4 = nsBackground(lab.n4, 'python3', ['-c', peer('AF_INET', '0.0.0.0', J4, [rport, 61500], 'from4')], {ready: /^/, timeout: 30_000});
    for (let i = 0; i < 50 && ((await stats())['tcp-syn-held'] ?? 0) === held; i++) await new Promise((r) => setTimeout(r, 100));
    const v6 = await nsRun(lab.n6, 'python3', ['-c', peer('AF_INET6', '::', N4_AS6, [rport + 1, rport], 'from6')], {timeout: 30_000});
    const r4 = await v4.exited;
    ok(v6, `the IPv6 side's connect\n${r4.stdout}${r4.stderr}`);
    assert.equal(v6.stdout.trim(), 'from4');
    assert.equal(r4.code, 0, `the IPv4 side's connect\n${r4.stdout}${r4.stderr}`);
    assert.equal(r4.stdout.trim(), 'from6');
  });

  it('gives the empty pool4\'s flows the address of the route\'s interface, not a management one', async () => {
    // A management interface (a veth whose peer stays in j: no dummy driver needed).
    await ipIn(lab.j, ['link', 'add', 'mgmt0', 'type', 'veth', 'peer', 'name', 'mgmt1']);
    await ipIn(lab.j, ['addr', 'add', '10.99.0.1/24', 'dev', 'mgmt0']);
    await ipIn(lab.j, ['link', 'set', 'mgmt0', 'up']);
    await ipIn(lab.j, ['link', 'set', 'mgmt1', 'up']);
    try {
      const pool4 = await j(['pool4', 'display', '--udp', '--csv', '--no-headers']);
      assert.match(pool4.stdout, /10\.99\.0\.1\/32/, `the management address is one of the empty pool4's\n${pool4.stdout}`);
      const port = nextPort();
      // 12 flows (12 BIB entries): with two own addresses, a route-blind choice would pick mgmt0's for about half.
      const srv = nsBackground(lab.n4, 'python3', [TRAFFIC, 'udp-serve', String(port), '--count', '12', '--seconds', '90'], {timeout: 120_000});
      await srv.ready;
      for (let i = 0; i < 12; i++) await nsRun(lab.n6, 'python3', [SOCKETS, 'client', 'udp', N4_AS6, String(port), '--size', '20', '--timeout', '2']);
      const done = await srv.exited; // at the 12th datagram, or after 90 s
      const peers = JSON.parse(done.stdout.trim().split('\n').at(-1)).peers;
      assert.ok(peers.length >= 12, `every flow arrived\n${done.stdout}`);
      assert.deepEqual([...new Set(peers.map((p) => p.replace(/^::ffff:/, '')))], [J4], 'every flow from the address of the route to n4');
    } finally {
      await ipIn(lab.j, ['link', 'del', 'mgmt0']);
    }
  });

  it('gives out every port of every pool4 range before refusing (max-iterations)', async () => {
    ok(await j(['pool4', 'add', '--udp', '192.0.2.1', '40000-40009']), 'range 1');
    ok(await j(['pool4', 'add', '--udp', '192.0.2.2', '40000-40009']), 'range 2');
    const shown = await j(['pool4', 'display', '--udp', '--csv', '--no-headers']);
    assert.match(shown.stdout, /^0,UDP,auto,192\.0\.2\.1\/32,40000-40009,pool4$/m, shown.stdout);
    const port = nextPort();
    // From an address of n6 no earlier test used: a mapping an earlier flow left (on the address the empty pool4
    // gave it) would serve a new flow whose random source port happened to be that flow's, whatever pool4 says.
    const fresh = '2001:db8:1c0:2:21::7e';
    await ipIn(lab.n6, ['addr', 'add', `${fresh}/64`, 'dev', lab.addr.n6.iface, 'nodad']);
    const srv = server(lab.n4, [SOCKETS, 'serve', 'udp', String(port)]);
    try {
      await srv.ready;
      const results = [];
      for (let i = 0; i < 21; i++) {
        const r = await nsRun(lab.n6, 'python3', [SOCKETS, 'client', 'udp', N4_AS6, String(port), '--size', '20', '--timeout', '0.7', '--bind', fresh]);
        results.push({ok: r.code === 0, lport: JSON.parse(r.stdout.trim().split('\n').at(-1) || '{}').lport});
      }
      const seen = `source ports ${JSON.stringify(results.map((x) => x.lport))}`;
      assert.equal(results.slice(0, 20).filter((x) => x.ok).length, 20, `all 20 transport addresses of the two ranges are used (${seen})`);
      assert.equal(results[20].ok, false, `the 21st flow is refused (${seen})`);
    } finally {
      await srv.stop();
      await j(['pool4', 'flush']);
      await ipIn(lab.n6, ['addr', 'del', `${fresh}/64`, 'dev', lab.addr.n6.iface]);
    }
  });
});
