// pool4 never takes replies meant for the host's own sockets (issue 11, part 5). In the lab n6 -- j -- n4, NAT64 runs
// on j with the default pool4 (j's own 198.51.100.1, ports 61001-65535) and translates n6's flows, while sockets of
// j itself talk to n4 from that same address: UDP sockets bound at both ends of j's net.ipv4.ip_local_port_range
// and a second of short TCP connections from ephemeral ports (thousands of them, all over the range). Every reply
// reaches its socket; NAT64 counts them as passed to the kernel (pass-dst4-not-pool4: the address is pool4's, the
// port is not) and no drop counter moves; n6's translated flows go on meanwhile. Throwaway namespaces, always
// removed. Needs root and a build.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {skipReason, cleanupAll, xlat, nsRun, nsBackground, getSysctl, REPO} from '../helpers/netns.mjs';
import {createSiitLab} from '../helpers/topology.mjs';

const SKIP = skipReason();
if (SKIP) console.log(`# local sockets test skipped: ${SKIP}`);
after(cleanupAll);

const CHURN = path.join(REPO, 'test', 'helpers', 'churn.py');
const show = (r) => `$ ${r.cmd}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);
const last = (text) => JSON.parse(text.trim().split('\n').at(-1));

test("a local socket's reply on the translator's own address is not taken by NAT64", {skip: SKIP || false, timeout: 120_000}, async () => {
  const lab = await createSiitLab();
  const port = 31000 + (process.pid % 10000);
  const j = (args) => xlat(lab.j, ['nat64', ...args]);
  const stats = async () => {
    const r = await j(['stats', 'display', '--json']);
    ok(r, 'stats');
    return JSON.parse(r.stdout).result.stats;
  };
  let echo;
  let nat64Flows;
  try {
    const add = await j(['instance', 'add', '--pool6', '64:ff9b::/96', '--json']);
    ok(add, 'instance add');
    assert.deepEqual(
      JSON.parse(add.stdout).warnings.filter((w) => /ip_local_port_range/.test(w)),
      [],
      'the default pool4 does not overlap the local port range',
    );
    const [low, high] = (await getSysctl(lab.j, 'net.ipv4.ip_local_port_range')).split(/\s+/).map(Number);
    assert.ok(high < 61001, `the local port range ${low}-${high} lies below the default pool4`);
    echo = nsBackground(lab.n4, 'python3', [CHURN, 'echo', String(port)], {timeout: 100_000});
    await echo.ready;
    // n6's translated flows, holding pool4 ports of 198.51.100.1 the whole time.
    nat64Flows = nsBackground(lab.n6, 'python3', [CHURN, 'flows', '64:ff9b::198.51.100.2', String(port), '8', '--rounds', '200', '--interval', '0.5'], {
      timeout: 100_000,
    });
    await nat64Flows.ready;
    await new Promise((r) => setTimeout(r, 1500));
    const before = await stats();

    const local = async (args) => {
      const r = await nsRun(lab.j, 'python3', [CHURN, ...args], {timeout: 30_000});
      ok(r, args.join(' '));
      return last(r.stdout);
    };
    const edges = [
      await local(['flows', lab.addr.n4.addr4, String(port), '4', '--sport', String(low), '--rounds', '3', '--interval', '0.2']),
      await local(['flows', lab.addr.n4.addr4, String(port), '4', '--sport', String(high - 3), '--rounds', '3', '--interval', '0.2']),
    ];
    for (const e of edges) assert.equal(e.answered, 4, `every local UDP socket got its reply: ${JSON.stringify(edges)}`);
    const tcp = await local(['storm', lab.addr.n4.addr4, String(port), '--proto', 'tcp', '--seconds', '1', '--parallel', '4', '--timeout', '2']);
    assert.ok(tcp.ok >= 100 && tcp.failed === 0, `every local TCP connection worked: ${JSON.stringify(tcp)}`);

    const after = await stats();
    const delta = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k] ?? 0)]));
    const replies = 2 * 4 * 3 + tcp.ok * 2; // a TCP connection gets at least a SYN-ACK and its echo
    assert.ok(delta['pass-dst4-not-pool4'] >= replies, `the replies were passed to the kernel: ${JSON.stringify(delta)}`);
    const drops = Object.entries(delta).filter(([k, v]) => k.startsWith('drop-') && v > 0);
    assert.deepEqual(drops, [], 'nothing dropped');
    assert.ok(delta['xlat-4to6'] > 0, `n6's flows were translated meanwhile: ${JSON.stringify(delta)}`);
    const rounds = nat64Flows.stdout
      .split('\n')
      .filter((l) => l.startsWith('{"round"'))
      .map((l) => JSON.parse(l));
    assert.ok(rounds.length > 2 && rounds.every((r) => r.answered === 8 && r.moved === 0), `n6's flows all answered: ${JSON.stringify(rounds.slice(-3))}`);
  } finally {
    await nat64Flows?.stop();
    await echo?.stop();
    await lab.destroy();
  }
});
