// `npm run soak`: NAT64 session churn soak (issue 11, part 3), as root, in the lab n6 -- j (NAT64) -- n4.
//
//   node scripts/soak.mjs [--seconds 600] [--capacity 8192] [--timeout 10] [--parallel 64] [--json FILE]
//
// For --seconds, n6 opens short TCP connections (connect, 8 bytes echoed, close) and short UDP flows (a new socket,
// one datagram echoed) to n4 as fast as they complete, --parallel of each in flight (test/helpers/churn.py storm),
// through a NAT64 whose session table (--capacity) they keep full: sessions live --timeout seconds (udp-timeout,
// tcp-est-timeout and tcp-trans-timeout, set with --force), pool4 is 192.0.2.1 ports 1024-65535, so the table is the limit. Meanwhile
// long-lived flows (churn.py hold: TCP connections and UDP flows, half exchanging every second, half idle for most
// of the timeout between exchanges) must never miss an answer nor change their mapping. Then the storms stop, the
// timeouts pass, and new flows trickle in until no expired entry is left (expiry is lazy: the sweeper deletes a
// few expired sessions per new one), and it checks:
//   - no leak: every entry left in the session and BIB tables is live: the long-lived flows' and the trickle's;
//   - no live flow evicted: the long-lived flows all answered every exchange, with the same mapping;
//   - counters add up: session-created - session-expired = the sessions in the table, likewise bib-created -
//     bib-expired for the BIB; the translated packets cover every flow that got through; every flow that failed
//     was refused and counted (drop-table-full + drop-pool4-exhausted >= failures).
// Prints the figures (rates, refusals, table occupancy, drain) and exits 1 when a check fails. The lab's namespaces
// have unique names and are removed at exit, also on failure or interruption.
import path from 'node:path';
import {writeFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import {fileURLToPath} from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const H = (p) => path.join(REPO, 'test', 'helpers', p);
const {skipReason, cleanupAll, xlat, nsRun, nsBackground} = await import(H('netns.mjs'));
const {createSiitLab} = await import(H('topology.mjs'));

const {values: opt} = parseArgs({
  options: {
    seconds: {type: 'string', default: '600'},
    capacity: {type: 'string', default: '8192'},
    timeout: {type: 'string', default: '10'},
    parallel: {type: 'string', default: '64'},
    json: {type: 'string'},
  },
});
const SECONDS = Number(opt.seconds);
const CAPACITY = Number(opt.capacity);
const TIMEOUT = Number(opt.timeout);
const PARALLEL = Number(opt.parallel);
for (const [k, v] of Object.entries({seconds: SECONDS, capacity: CAPACITY, timeout: TIMEOUT, parallel: PARALLEL})) {
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`Error: --${k} must be a positive number`);
    process.exit(2);
  }
}
const why = skipReason();
if (why) {
  console.error(`Error: the soak cannot run here: ${why}`);
  process.exit(1);
}

const CHURN = H('churn.py');
const MAPS = H('instance-maps.mjs');
const N4_AS6 = '64:ff9b::198.51.100.2';
const HOLD = {tcp: 2, udp: 2};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const lastJson = (text) =>
  JSON.parse(
    text
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .at(-1),
  );
const log = (msg) => console.log(`soak: ${msg}`);
const failures = [];
const expect = (cond, what) => {
  if (!cond) failures.push(what);
  log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
};

let lab;
const j = async (args) => {
  const r = await xlat(lab.j, ['nat64', ...args], {timeout: 60_000});
  if (r.code !== 0) throw new Error(`xlat nat64 ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r;
};
const stats = async () => JSON.parse((await j(['stats', 'display', '--json'])).stdout).result.stats;
/** Entries of the state tables: {map: {entries, expired, expiredBy}} (expiredBy: had expired at `by`, if given). */
async function tables(by) {
  const r = await nsRun(lab.j, process.execPath, [MAPS, 'count', 'nat64', ...(by === undefined ? [] : [String(by)])], {timeout: 60_000});
  if (r.code !== 0) throw new Error(`counting the tables failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function main() {
  const t0 = Date.now();
  lab = await createSiitLab();
  await j(['instance', 'add', '--pool6', '64:ff9b::/96', '--capacity', String(CAPACITY)]);
  // Every lifetime short: a connection the storm gave up on while it was being opened may be ESTABLISHED at the
  // translator (its peer never saw a close), and must be gone by the drain.
  for (const k of ['udp-timeout', 'tcp-est-timeout', 'tcp-trans-timeout']) await j(['global', 'update', k, String(TIMEOUT), '--force']);
  for (const p of ['--tcp', '--udp']) await j(['pool4', 'add', p, '192.0.2.1', '1024-65535']);
  const ports = {hold: 7001, udp: 7002, tcp: 7003};
  const servers = [];
  for (const port of Object.values(ports)) {
    const s = nsBackground(lab.n4, 'python3', [CHURN, 'echo', String(port)], {timeout: (SECONDS + 600) * 1000});
    servers.push(s);
    await s.ready;
  }
  const idle = Math.max(1, TIMEOUT - 1.5);
  const hold = nsBackground(
    lab.n6,
    'python3',
    [
      CHURN,
      'hold',
      N4_AS6,
      String(ports.hold),
      '--tcp',
      String(HOLD.tcp),
      '--udp',
      String(HOLD.udp),
      '--idle-every',
      String(idle),
      '--seconds',
      String(SECONDS + 600),
    ],
    {timeout: (SECONDS + 900) * 1000},
  );
  await hold.ready;
  const longLived = 2 * (HOLD.tcp + HOLD.udp);
  log(`lab up; ${longLived} long-lived flows (half idle ${idle} s between exchanges); storms for ${SECONDS} s, capacity ${CAPACITY}, timeouts ${TIMEOUT} s`);

  const storms = ['udp', 'tcp'].map((proto) =>
    nsBackground(
      lab.n6,
      'python3',
      [CHURN, 'storm', N4_AS6, String(ports[proto]), '--proto', proto, '--seconds', String(SECONDS), '--parallel', String(PARALLEL), '--timeout', '1'],
      {timeout: (SECONDS + 120) * 1000},
    ),
  );
  for (const s of storms) await s.ready;
  const samples = [];
  const sampleEvery = Math.min(10, Math.max(2, SECONDS / 10)) * 1000;
  const stormEnd = Date.now() + SECONDS * 1000;
  while (Date.now() < stormEnd - sampleEvery / 2) {
    await sleep(Math.min(sampleEvery, stormEnd - Date.now()));
    const t = await tables();
    samples.push(t.nat64_sessions.entries);
    if (samples.length % 6 === 0 || SECONDS <= 60)
      log(`t+${Math.round((Date.now() - t0) / 1000)} s: ${t.nat64_sessions.entries} sessions (${t.nat64_sessions.expired} expired)`);
  }
  const results = {};
  for (const [i, proto] of ['udp', 'tcp'].entries()) {
    const r = await storms[i].exited;
    results[proto] = lastJson(r.stdout);
  }
  const afterStorm = await stats();
  log(
    `storms done: UDP ${results.udp.ok} ok (${results.udp.rate}/s), ${results.udp.failed} failed; TCP ${results.tcp.ok} ok (${results.tcp.rate}/s), ${results.tcp.failed} failed`,
  );

  // Drain: past the timeouts, new flows let the sweeper delete what has expired (each new session makes it look at
  // 4 queued ones): rounds of 1000 new flows until no entry that had expired when the drain began is left (the
  // drain's own flows expire in their turn, which is no leak), within a bound.
  await sleep((2 * TIMEOUT + 1) * 1000); // an idle ESTABLISHED session spends tcp-trans-timeout in TRANS after tcp-est-timeout
  const drainFrom = process.hrtime.bigint(); // CLOCK_MONOTONIC, the clock of the entries' expiry times
  const beforeDrain = await tables(drainFrom);
  let trickle = 0;
  let left = beforeDrain;
  const drainStart = Date.now();
  const stale = (t) => t.nat64_sessions.expiredBy + t.nat64_bib4.expiredBy + t.nat64_bib6.expiredBy;
  while (stale(left) > 0 && Date.now() - drainStart < 120_000) {
    const r = await nsRun(lab.n6, 'python3', [CHURN, 'flows', N4_AS6, String(ports.udp), '1000', '--timeout', '2'], {timeout: 30_000});
    trickle += 1000;
    if (r.code !== 0) throw new Error(`trickle flows failed:\n${r.stderr}`);
    left = await tables(drainFrom);
  }
  const drainSeconds = (Date.now() - drainStart) / 1000;
  const held = lastJson((await hold.stop()).stdout);
  const final = await stats();
  const end = await tables();
  for (const s of servers) await s.stop();

  const ok = results.udp.ok + results.tcp.ok;
  const failed = results.udp.failed + results.tcp.failed;
  const refused = afterStorm['drop-table-full'] + afterStorm['drop-pool4-exhausted'];
  const figures = {
    seconds: SECONDS,
    capacity: CAPACITY,
    timeout: TIMEOUT,
    udp: results.udp,
    tcp: results.tcp,
    flowsPerSecond: Math.round(ok / SECONDS),
    sessionsPeak: Math.max(...samples, 0),
    sessionsMean: Math.round(samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length)),
    refused: {'drop-table-full': afterStorm['drop-table-full'], 'drop-pool4-exhausted': afterStorm['drop-pool4-exhausted']},
    drain: {before: beforeDrain, trickleFlows: trickle, seconds: Math.round(drainSeconds), after: end},
    longLived: held,
    counters: Object.fromEntries(
      ['session-created', 'session-expired', 'bib-created', 'bib-expired', 'reclaimed', 'xlat-6to4', 'xlat-4to6'].map((k) => [k, final[k]]),
    ),
  };

  const endStale = await tables(drainFrom);
  expect(stale(endStale) === 0, `no entry that had expired when the drain began is left (${JSON.stringify(endStale)})`);
  expect(
    end.nat64_sessions.entries <= longLived + trickle,
    `the sessions left are the long-lived flows' and the trickle's: ${end.nat64_sessions.entries} <= ${longLived} + ${trickle}`,
  );
  expect(held.failed.length === 0, `no long-lived flow missed an answer (${held.exchanges} exchanges; failed: ${held.failed.join(', ') || 'none'})`);
  expect(held.moved.length === 0, `no long-lived flow changed its mapping (moved: ${held.moved.join(', ') || 'none'})`);
  expect(
    final['session-created'] - final['session-expired'] === end.nat64_sessions.entries,
    `session-created - session-expired = sessions in the table: ${final['session-created']} - ${final['session-expired']} = ${end.nat64_sessions.entries}`,
  );
  expect(
    final['bib-created'] - final['bib-expired'] === end.nat64_bib4.entries && end.nat64_bib4.entries === end.nat64_bib6.entries,
    `bib-created - bib-expired = BIB entries (both halves): ${final['bib-created']} - ${final['bib-expired']} = ${end.nat64_bib4.entries} (IPv6 half ${end.nat64_bib6.entries})`,
  );
  // Every answer the clients got was translated (there is no other way between the two families): a UDP flow is one
  // datagram each way, a TCP connection at least SYN, ACK and data one way and SYN-ACK and data the other. (Not
  // sessions: a new socket may reuse a source port whose session is still live, and then it is the same flow.)
  const u = results.udp.ok;
  const t = results.tcp.ok;
  expect(final['xlat-6to4'] >= u + 3 * t, `every flow that got through was translated 6 -> 4: ${final['xlat-6to4']} >= ${u} + 3 x ${t}`);
  expect(final['xlat-4to6'] >= u + 2 * t, `and 4 -> 6: ${final['xlat-4to6']} >= ${u} + 2 x ${t}`);
  expect(failed <= refused, `every failed flow was refused and counted: ${failed} failed <= ${refused} refused`);
  expect(figures.sessionsPeak >= CAPACITY * 0.9, `the session table ran near capacity: peak ${figures.sessionsPeak} of ${CAPACITY}`);

  console.log('');
  console.log(`soak: ${SECONDS} s, capacity ${CAPACITY}, timeouts ${TIMEOUT} s (${Math.round((Date.now() - t0) / 1000)} s in all)`);
  console.log(`  UDP flows      ${results.udp.ok} ok (${results.udp.rate}/s), ${results.udp.failed} failed`);
  console.log(`  TCP conns      ${results.tcp.ok} ok (${results.tcp.rate}/s), ${results.tcp.failed} failed`);
  console.log(`  refused        drop-table-full ${refused - afterStorm['drop-pool4-exhausted']}, drop-pool4-exhausted ${afterStorm['drop-pool4-exhausted']}`);
  console.log(`  sessions       peak ${figures.sessionsPeak}, mean ${figures.sessionsMean} of ${CAPACITY} (sampled every ${sampleEvery / 1000} s)`);
  console.log(
    `  drain          ${beforeDrain.nat64_sessions.entries} sessions (${beforeDrain.nat64_sessions.expired} expired) -> ${end.nat64_sessions.entries} (${end.nat64_sessions.expired} expired) with ${trickle} new flows in ${Math.round(drainSeconds)} s`,
  );
  console.log(`  long-lived     ${longLived} flows, ${held.exchanges} exchanges, ${held.failed.length} failed, ${held.moved.length} moved`);
  console.log(
    `  counters       ${Object.entries(figures.counters)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  console.log(`  checks         ${failures.length ? `${failures.length} FAILED` : 'all passed'}`);
  if (opt.json) writeFileSync(opt.json, JSON.stringify({figures, failures}, null, 2));
}

try {
  await main();
} catch (err) {
  failures.push(String(err?.stack ?? err));
  console.error(`Error: ${err?.message ?? err}`);
} finally {
  await cleanupAll();
}
process.exit(failures.length ? 1 : 0);
