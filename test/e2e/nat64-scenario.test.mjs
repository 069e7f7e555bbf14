// End-to-end stateful NAT64: the two-namespace scenario, run literally with `xlat` inside
// throwaway namespaces. A third namespace ("world") plays the root namespace of the scenario, so
// nothing touches the host's own routes (the host may well sit on 192.0.2.0/24 itself).
// Then real TCP/UDP sockets both ways, expiry, pool4 exhaustion, a full table and bad input.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {existsSync} from 'node:fs';
import {
  skipReason, cleanupAll, xlat, nsRun, nsBackground, createNamespace, createVeth, addAddress, setSysctls,
  uniqueName, ipIn, REPO,
} from '../helpers/netns.mjs';

const OBJ = path.join(REPO, 'build', 'bpf', 'nat64.bpf.o');
const SKIP = skipReason() ?? (existsSync(OBJ) ? null : 'build/bpf/nat64.bpf.o is missing: run `npm run build`');
if (SKIP) console.log(`# e2e NAT64 skipped: ${SKIP}`);
const SOCKETS = path.join(REPO, 'test', 'helpers', 'sockets.py');

const show = (r) => `$ ${r.cmd}\nexit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);

function oneLineError(r, what, pattern) {
  assert.notEqual(r.code, 0, `${what} should fail\n${show(r)}`);
  const lines = r.stderr.trim().split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `${what}: one line on stderr\n${show(r)}`);
  assert.match(lines[0], /^Error: \S/);
  if (pattern) assert.match(lines[0], pattern, what);
}

let portSeq = 30000 + (process.pid % 20000);
const nextPort = () => portSeq++;

const ns = {};

/** python3 -c UDP_FROM HOST PORT SPORT WAIT: one datagram from a fixed source port, exit 0 on the echo. */
const UDP_FROM = `import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('::', int(sys.argv[3])))
s.settimeout(float(sys.argv[4]))
s.sendto(b'x' * 32, (sys.argv[1], int(sys.argv[2])))
try:
    s.recvfrom(100)
except OSError:
    sys.exit(1)`;

async function stats(n) {
  const r = await xlat(n, ['nat64', 'stats', 'display', '--json']);
  ok(r, 'stats display');
  return JSON.parse(r.stdout).result.stats;
}

async function ping(from, dst, count = 4) {
  const r = await nsRun(from, 'ping', ['-6', '-n', '-c', String(count), '-i', '0.2', '-W', '2', dst], {timeout: 20_000});
  const ttls = [...r.stdout.matchAll(/ttl=(\d+)/g)].map((m) => Number(m[1]));
  return {r, ttls};
}

/** Echo over real sockets: listener in serverNs on PORT, client in clientNs to target. */
async function echo({proto, serverNs, clientNs, target, port = nextPort(), listen = port, size = 20000, expectFail = false}) {
  const server = nsBackground(serverNs, 'python3', [SOCKETS, 'serve', proto, String(listen)], {timeout: 60_000});
  try {
    await server.ready;
    const c = await nsRun(clientNs, 'python3', [SOCKETS, 'client', proto, target, String(port), '--size', String(size), '--timeout', expectFail ? '1' : '5'], {timeout: 30_000});
    if (expectFail) assert.notEqual(c.code, 0, `${proto} to ${target}:${port} should fail\n${show(c)}`);
    else assert.equal(c.code, 0, `${proto} ${clientNs} -> ${target}:${port}\n${show(c)}\nlistener: ${server.stdout}${server.stderr}`);
    return c;
  } finally {
    await server.stop();
  }
}

describe('NAT64 two-namespace scenario', {skip: SKIP ?? false}, () => {
  before(async () => {
    ns.world = await createNamespace(uniqueName('world'));
    ns.blue = await createNamespace(uniqueName('blue'));
    ns.red = await createNamespace(uniqueName('red'));
    await createVeth(ns.world, 'to_blue', ns.blue, 'to_world1');
    await createVeth(ns.world, 'to_red', ns.red, 'to_world2');
    await addAddress(ns.world, 'to_blue', '2001:db8:1::8/96');
    await addAddress(ns.world, 'to_blue', '192.0.2.8/24');
    await addAddress(ns.world, 'to_red', '2001:db8:2::8/96');
    await addAddress(ns.world, 'to_red', '203.0.113.8/24');
    await addAddress(ns.blue, 'to_world1', '2001:db8:1::1/96');
    await addAddress(ns.blue, 'to_world1', '192.0.2.1/24');
    await addAddress(ns.red, 'to_world2', '2001:db8:2::1/96');
    await addAddress(ns.red, 'to_world2', '203.0.113.1/24');
    for (const n of [ns.blue, ns.red]) await setSysctls(n, {'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.forwarding': 1});
  });
  after(cleanupAll);

  it('runs the scenario literally', async () => {
    ok(await xlat(ns.blue, ['nat64', 'instance', 'add', '--pool6', '2001:db8:64::/96']), 'blue instance add');
    ok(await xlat(ns.red, ['nat64', 'instance', 'add', '--pool6', '2001:db8:46::/96', '--capacity', '3']), 'red instance add');
    await ipIn(ns.world, ['route', 'add', '2001:db8:64::/96', 'via', '2001:db8:1::1']);
    await ipIn(ns.world, ['route', 'add', '2001:db8:46::/96', 'via', '2001:db8:2::1']);

    const gb = await xlat(ns.blue, ['nat64', 'global', 'display']);
    ok(gb, 'blue global display');
    assert.match(gb.stdout, /^ {2}pool6: 2001:db8:64::\/96$/m);
    const gr = await xlat(ns.red, ['nat64', 'global', 'display']);
    assert.match(gr.stdout, /^ {2}pool6: 2001:db8:46::\/96$/m);

    for (const dst of ['2001:db8:64::192.0.2.8', '2001:db8:46::203.0.113.8']) {
      const {r, ttls} = await ping(ns.world, dst);
      ok(r, `ping -6 -c 4 ${dst}`);
      assert.deepEqual(ttls, [63, 63, 63, 63], `4 replies, ttl=63\n${show(r)}`);
    }

    const s = await xlat(ns.blue, ['nat64', 'session', 'display', '--icmp', '--numeric']);
    ok(s, 'session display');
    const re = new RegExp(
      '^ICMP:\\n-{33}\\nExpires in (\\d+) seconds\\nRemote: 192\\.0\\.2\\.8#(\\d+)\\t2001:db8:1::8#(\\d+)\\n' +
        'Local: 192\\.0\\.2\\.1#(\\d+)\\t2001:db8:64::c000:208#(\\d+)\\n-{33}\\n {2}\\(Fetched 1 entries\\.\\)\\n$',
    );
    const m = re.exec(s.stdout);
    assert.ok(m, `session display text\n${s.stdout}`);
    const [, secs, rid, id6, lid, lid6] = m.map(Number);
    assert.ok(secs > 50 && secs <= 60, `expiry ${secs}`);
    assert.equal(rid, lid, 'remote identifier = local identifier');
    assert.equal(id6, lid6, 'IPv6 identifier on both lines');
    assert.ok(lid >= 61001 && lid <= 65535, 'identifier from 61001-65535');

    const csv = await xlat(ns.blue, ['nat64', 'session', 'display', '--icmp', '--numeric', '--csv', '--no-headers']);
    assert.equal(csv.stdout.trim().split('\n').length, 1, csv.stdout);
    const json = JSON.parse((await xlat(ns.blue, ['nat64', 'session', 'display', '--icmp', '--json'])).stdout);
    assert.match(json.result.sessions[0]['ipv4-local'], /^192\.0\.2\.1#\d+$/);
  });

  it('carries TCP and UDP both ways (static BIB for IPv4-initiated)', async () => {
    for (const proto of ['tcp', 'udp']) {
      await echo({proto, serverNs: ns.world, clientNs: ns.world, target: '2001:db8:64::192.0.2.8', size: proto === 'tcp' ? 300000 : 1200});
    }
    // IPv4 -> IPv6: a static mapping of 192.0.2.1#61080 to the IPv6 node 2001:db8:1::8.
    for (const [proto, p4] of [['tcp', 61080], ['udp', 61081]]) {
      const listen = nextPort();
      ok(await xlat(ns.blue, ['nat64', 'bib', 'add', `--${proto}`, `2001:db8:1::8#${listen}`, `192.0.2.1#${p4}`]), 'bib add');
      await echo({proto, serverNs: ns.world, clientNs: ns.world, target: '192.0.2.1', port: p4, listen, size: proto === 'tcp' ? 100000 : 800});
    }
    const bib = await xlat(ns.blue, ['nat64', 'bib', 'display', '--tcp']);
    assert.match(bib.stdout, /^\[Static\] 192\.0\.2\.1#61080 - 2001:db8:1::8#\d+$/m);
    const tcp = await xlat(ns.blue, ['nat64', 'session', 'display', '--tcp', '--numeric']);
    assert.match(tcp.stdout, /\(V4_FIN_V6_FIN_RCV\) Expires in \d+ seconds/);
    // The node's own ports outside pool4 stay the kernel's: a TCP listener on blue itself.
    const st = await stats(ns.blue);
    assert.ok(st['xlat-6to4'] > 0 && st['xlat-4to6'] > 0);
    await echo({proto: 'tcp', serverNs: ns.blue, clientNs: ns.world, target: '192.0.2.1', size: 5000});
    assert.ok((await stats(ns.blue))['pass-dst4-not-pool4'] > st['pass-dst4-not-pool4']);
  });

  it('expires ICMP sessions after a short icmp-timeout (no process running)', async () => {
    // A ping with a known identifier, so that its session and BIB entry are told from the scenario's (60 s) ones,
    // and a timeout long enough for the two CLI runs that look at the live entries on a loaded machine (each is a
    // fresh Node process).
    const T = 8;
    ok(await xlat(ns.blue, ['nat64', 'global', 'update', 'icmp-timeout', String(T)]), `icmp-timeout ${T}`);
    const r = await nsRun(ns.world, 'ping', ['-6', '-n', '-c', '1', '-e', '4321', '-W', '2', '2001:db8:64::192.0.2.8'], {timeout: 20_000});
    const pinged = Date.now();
    ok(r, 'ping -e 4321');
    const mine = (text) => new RegExp(`Local: (192\\.0\\.2\\.1#\\d+)\\t2001:db8:64::c000:208#4321\\n`).exec(text);
    const before = await xlat(ns.blue, ['nat64', 'session', 'display', '--icmp', '--numeric']);
    const short = mine(before.stdout);
    assert.ok(short, `the ping's session\n${before.stdout}`);
    const bibBefore = await xlat(ns.blue, ['nat64', 'bib', 'display', '--icmp']);
    assert.ok(bibBefore.stdout.includes(`${short[1]} - 2001:db8:1::8#4321`), bibBefore.stdout);
    await new Promise((res) => setTimeout(res, Math.max(0, (T + 1.2) * 1000 - (Date.now() - pinged))));
    const afterS = await xlat(ns.blue, ['nat64', 'session', 'display', '--icmp', '--numeric']);
    assert.equal(mine(afterS.stdout), null, `the short session is gone\n${afterS.stdout}`);
    const bib = await xlat(ns.blue, ['nat64', 'bib', 'display', '--icmp']);
    assert.ok(!bib.stdout.includes(`${short[1]} - `), `its BIB entry is gone\n${bib.stdout}`);
    ok(await xlat(ns.blue, ['nat64', 'global', 'update', 'icmp-timeout', '60']), 'icmp-timeout 60');
  });

  it('refuses and counts pool4 exhaustion', async () => {
    ok(await xlat(ns.blue, ['nat64', 'pool4', 'add', '--udp', '192.0.2.1', '62000-62000']), 'pool4 add');
    const p = await xlat(ns.blue, ['nat64', 'pool4', 'display', '--udp', '--csv', '--no-headers']);
    assert.equal(p.stdout.trim(), '0,UDP,auto,192.0.2.1/32,62000-62000,pool4');
    const before = (await stats(ns.blue))['drop-pool4-exhausted'];
    const port = nextPort();
    const server = nsBackground(ns.world, 'python3', [SOCKETS, 'serve', 'udp', String(port)], {timeout: 60_000});
    try {
      await server.ready;
      const a = await nsRun(ns.world, 'python3', [SOCKETS, 'client', 'udp', '2001:db8:64::192.0.2.8', String(port), '--size', '100', '--timeout', '3']);
      ok(a, 'first flow gets the only port');
      const b = await nsRun(ns.world, 'python3', [SOCKETS, 'client', 'udp', '2001:db8:64::192.0.2.8', String(port), '--size', '100', '--timeout', '0.5']);
      assert.notEqual(b.code, 0, `second flow has no port\n${show(b)}`);
    } finally {
      await server.stop();
    }
    assert.ok((await stats(ns.blue))['drop-pool4-exhausted'] > before);
    ok(await xlat(ns.blue, ['nat64', 'pool4', 'flush']), 'pool4 flush');
  });

  it('keeps live flows and refuses new ones when the table is full', async () => {
    // red was created with --capacity 3; the scenario's ping may still hold an ICMP mapping there (60 s), or not:
    // new UDP flows are opened until one is refused, which must happen with the table at capacity.
    const port = nextPort();
    const server = nsBackground(ns.world, 'python3', [SOCKETS, 'serve', 'udp', String(port)], {timeout: 60_000});
    // A UDP exchange from a fixed source port: the same flow each time.
    const flow = (sport, wait) => nsRun(ns.world, 'python3', ['-c', UDP_FROM, '2001:db8:46::203.0.113.8', String(port), String(sport), String(wait)], {timeout: 10_000});
    try {
      await server.ready;
      ok(await flow(40001, 3), 'flow 1');
      ok(await flow(40002, 3), 'flow 2');
      const before = (await stats(ns.red))['drop-table-full'];
      let refused = null;
      for (const sport of [40003, 40004]) {
        if ((await flow(sport, 1)).code !== 0) {
          refused = sport;
          break;
        }
      }
      assert.ok(refused, 'a flow beyond the capacity is refused');
      assert.ok((await stats(ns.red))['drop-table-full'] > before, 'and counted');
      const sessions = await xlat(ns.red, ['nat64', 'session', 'display', '--udp', '--numeric', '--csv', '--no-headers']);
      const icmp = await xlat(ns.red, ['nat64', 'session', 'display', '--icmp', '--numeric', '--csv', '--no-headers']);
      const live = (t) => t.stdout.trim().split('\n').filter(Boolean).length;
      assert.equal(live(sessions) + live(icmp), 3, `the table is at its capacity\n${sessions.stdout}${icmp.stdout}`);
      ok(await flow(40001, 3), 'flow 1 keeps working');
      ok(await flow(40002, 3), 'flow 2 keeps working');
    } finally {
      await server.stop();
    }
  });

  it('rejects bad input with one line and changes nothing', async () => {
    const g0 = (await xlat(ns.blue, ['nat64', 'global', 'display'])).stdout;
    oneLineError(await xlat(ns.blue, ['nat64', 'global', 'update', 'udp-timeout', '60']), 'udp-timeout under 2 min', /minimum/);
    oneLineError(await xlat(ns.blue, ['nat64', 'global', 'update', 'tcp-est-timeout', '1:00:00']), 'tcp-est under 2 h', /minimum/);
    oneLineError(await xlat(ns.blue, ['nat64', 'pool4', 'add', '--tcp', '10.0.0.0/16', '1000-2000']), 'pool4 /16', /--force/);
    oneLineError(await xlat(ns.blue, ['nat64', 'bib', 'add', '--tcp', '2001:db8:1::8#80', '198.51.100.1#80']), 'bib outside pool4', /not in the TCP pool4/);
    oneLineError(await xlat(ns.blue, ['nat64', 'bib', 'add', '--tcp', '2001:db8:1::9#80', '192.0.2.1#61080']), 'colliding static entry', /already maps/);
    oneLineError(await xlat(ns.blue, ['nat64', 'instance', 'add', '--pool6', '64:ff9b::/96']), 'second instance', /already has a NAT64 instance/);
    assert.equal((await xlat(ns.blue, ['nat64', 'global', 'display'])).stdout, g0, 'globals unchanged');
  });

  it('removes the instances', async () => {
    ok(await xlat(ns.red, ['nat64', 'instance', 'remove']), 'remove red');
    const st = await xlat(ns.red, ['nat64', 'instance', 'status']);
    assert.equal(st.code, 3, 'Dead exits 3 (no instance)');
    assert.equal(st.stdout.trim(), 'Dead');
    ok(await xlat(ns.blue, ['nat64', 'instance', 'status']), 'blue still running');
  });
});
