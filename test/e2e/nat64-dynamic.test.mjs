// Dynamic port blocks with real sockets in the lab n6 -- j (NAT64, pool6 64:ff9b::/96) -- n4: four IPv6
// subscribers (/124s of 2001:db8:1c0:2:22::/120 on n6) share the two blocks of 8 ports of 192.0.2.132
// (`pool4 add --dynamic`), with a 20-second UDP timeout (`global update udp-timeout 20 --force`). `xlat nat64 log
// follow` runs in the background as a real operator would run it: it must print the allocation made before it
// started (the ring buffer kept it), each new subscriber's allocation, nothing for a subscriber refused while
// both blocks are taken (drop-no-free-block), and, once the first subscribers' flows have expired, their releases
// before the block is given to the next one. Then the syslog format, `--drain --json`, and `pool4 display`.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {setTimeout as sleep} from 'node:timers/promises';
import {skipReason, cleanupAll, xlat, nsRun, nsBackground, ipIn, REPO, CLI} from '../helpers/netns.mjs';
import {createSiitLab} from '../helpers/topology.mjs';

const OBJ = path.join(REPO, 'build', 'bpf', 'nat64.bpf.o');
const SKIP = skipReason() ?? (existsSync(OBJ) ? null : 'build/bpf/nat64.bpf.o is missing: run `npm run build`');
if (SKIP) console.log(`# e2e NAT64 dynamic blocks skipped: ${SKIP}`);
const SUBS = path.join(REPO, 'test', 'helpers', 'subscribers.py');

const POOL6 = '64:ff9b::/96';
const N4_AS6 = '64:ff9b::198.51.100.2';
const RANGE6 = '2001:db8:1c0:2:22::/120';
const ADDR4 = '192.0.2.132'; // n4 routes 192.0.2.0/24 to j
const BLOCKS = ['1024-1031', '1032-1039'];
const HOST = {a: '2001:db8:1c0:2:22::11', b: '2001:db8:1c0:2:22::21', c: '2001:db8:1c0:2:22::31', d: '2001:db8:1c0:2:22::41'};
const SUB = {a: '2001:db8:1c0:2:22::10/124', b: '2001:db8:1c0:2:22::20/124', c: '2001:db8:1c0:2:22::30/124', d: '2001:db8:1c0:2:22::40/124'};
const UDP_TIMEOUT = 20; // seconds: long enough to hold both blocks while c tries on a loaded machine, short enough to wait for
const EXPIRED_MS = UDP_TIMEOUT * 1000 + 5000; // a wait after which the last flows have surely expired

const show = (r) => `$ ${r.cmd}\nexit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const ok = (r, what) => assert.equal(r.code, 0, `${what}\n${show(r)}`);
const json = (r) => JSON.parse(r.stdout).result;

let lab;
const port = 20000 + ((process.pid + 5000) % 10000);
const j = (args) => xlat(lab.j, ['nat64', ...args]);
const flows = async (src, n) => {
  const r = await nsRun(lab.n6, 'python3', [SUBS, 'flows', N4_AS6, String(port), src, String(n), '--timeout', '1.5'], {timeout: 30_000});
  ok(r, `${n} flows from ${src}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)).seen;
};
const stat = async (name) => json(await j(['stats', 'display', '--json'])).stats[name] ?? 0;
const follow = (format) => nsBackground(lab.j, process.execPath, [CLI, 'nat64', 'log', 'follow', '--format', format],
  {ready: format === 'csv' ? /^time,event,/m : /./, timeout: 200_000, readyTimeout: 30_000});
/** Waits (up to 30 s) until `pred` holds for the follower's output lines. */
async function until(f, pred, what) {
  for (let i = 0; i < 300; i++) {
    const lines = f.stdout.trim().split('\n').filter(Boolean);
    if (pred(lines)) return lines;
    await sleep(100);
  }
  assert.fail(`${what}: not seen in 30 s\n--- stdout\n${f.stdout}--- stderr\n${f.stderr}`);
}
const csv = (line) => {
  const [time, event, subscriber, address, first, last] = line.split(',');
  return {time, event, subscriber, address, ports: `${first}-${last}`};
};

describe('NAT64 dynamic port blocks with real subscribers and log follow', {skip: SKIP ?? false}, () => {
  let mirror;
  before(async () => {
    lab = await createSiitLab();
    for (const a of Object.values(HOST)) await ipIn(lab.n6, ['addr', 'add', `${a}/64`, 'dev', lab.addr.n6.iface, 'nodad']);
    ok(await j(['instance', 'add', '--pool6', POOL6]), 'instance add');
    ok(await j(['global', 'update', 'udp-timeout', String(UDP_TIMEOUT), '--force']), 'udp-timeout');
    ok(await j(['pool4', 'add', ADDR4, '1024-1039', '--dynamic', RANGE6, '--subscriber-length', '124', '--block-size', '8']), 'pool4 add --dynamic');
    mirror = nsBackground(lab.n4, 'python3', [SUBS, 'mirror', String(port)], {timeout: 280_000});
    await mirror.ready;
  });
  after(async () => {
    await mirror?.stop();
    await cleanupAll();
  });

  it('logs allocations (also one made before the reader started), refuses a subscriber while no block is free, logs the releases', async () => {
    // Before any reader: the ring buffer keeps the event.
    const [a] = await flows(HOST.a, 1);
    assert.match(a ?? 'none', /^192\.0\.2\.132#10(2[4-9]|3[0-9])$/, `a's flow from a block: ${a}`);
    const f = follow('csv');
    try {
      await f.ready;
      let lines = await until(f, (l) => l.length >= 2, "a's allocation");
      const first = csv(lines[1]);
      assert.deepEqual({...first, time: undefined}, {time: undefined, event: 'allocated', subscriber: SUB.a, address: ADDR4, ports: first.ports});
      assert.ok(BLOCKS.includes(first.ports), first.ports);
      assert.ok(Math.abs(Date.parse(first.time) - Date.now()) < 60_000, `a wall-clock time: ${first.time}`);
      const [b] = await flows(HOST.b, 1);
      assert.ok(b, 'b maps');
      lines = await until(f, (l) => l.length >= 3, "b's allocation");
      const second = csv(lines[2]);
      assert.equal(second.subscriber, SUB.b);
      assert.equal(second.event, 'allocated');
      assert.notEqual(second.ports, first.ports, 'the other block');
      // c: both blocks are held by live flows (fresh ones of a and b, whatever time the reader took to start).
      const refused = await stat('drop-no-free-block');
      assert.ok((await flows(HOST.a, 1))[0], 'a maps again');
      assert.ok((await flows(HOST.b, 1))[0], 'b maps again');
      const [c0] = await flows(HOST.c, 1);
      assert.equal(c0, null, 'c is refused while a and b hold both blocks');
      assert.ok((await stat('drop-no-free-block')) > refused, 'counted as drop-no-free-block');
      // Once a's and b's flows have expired, c's next flow gets a block: theirs are released first.
      await sleep(EXPIRED_MS);
      const [c] = await flows(HOST.c, 1);
      assert.ok(c, "c maps once a's and b's blocks are back");
      lines = await until(f, (l) => l.some((x) => csv(x).subscriber === SUB.c), "c's allocation");
      const evs = lines.slice(3).map(csv);
      const cAt = evs.findIndex((e) => e.subscriber === SUB.c && e.event === 'allocated');
      const released = evs.slice(0, cAt).filter((e) => e.event === 'released');
      assert.ok(released.some((e) => e.ports === evs[cAt].ports), `the block c got was released before: ${JSON.stringify(evs)}`);
      for (const e of released) assert.equal(e.subscriber, e.ports === first.ports ? SUB.a : SUB.b, 'released by the subscriber that held it');
      const port4 = Number(c.split('#')[1]);
      const [lo, hi] = evs[cAt].ports.split('-').map(Number);
      assert.ok(port4 >= lo && port4 <= hi, `c's flow from its block ${evs[cAt].ports}: ${c}`);
    } finally {
      const r = await f.stop();
      assert.equal(r.code, 0, `log follow ends cleanly on SIGTERM\n${r.stdout}${r.stderr}`);
    }
    const d = json(await j(['pool4', 'display', '--json']));
    assert.equal(d.deterministic[0].mode, 'dynamic');
    assert.ok(d['dynamic-blocks'].some((x) => x.subscriber === SUB.c && x.address === ADDR4 && x['bib-entries'] >= 1), JSON.stringify(d['dynamic-blocks']));
    assert.equal(await stat('event-lost'), 0, 'nothing lost: a reader was there, or room');
    // lookup: the holder now, both ways, from the kernel's block tables (no formula for a dynamic block).
    const held = d['dynamic-blocks'].find((x) => x.subscriber === SUB.c);
    const [lo] = held['port-range'].split('-').map(Number);
    const byPort = json(await j(['lookup', `${ADDR4}#${lo + 3}`, '--json'])).lookup;
    assert.deepEqual([byPort.subscriber, byPort['port-range'], byPort.mode], [SUB.c, held['port-range'], 'dynamic']);
    const bySub = json(await j(['lookup', HOST.c, '--json'])).lookup;
    assert.deepEqual([bySub.address, bySub['port-range']], [ADDR4, held['port-range']]);
    const free = BLOCKS.find((b) => b !== held['port-range']);
    const none = await j(['lookup', `${ADDR4}#${free.split('-')[0]}`]);
    assert.equal(none.code, 3, `a block nobody holds now: exit 3\n${none.stderr}`);
    assert.match(none.stderr, /^Error: no subscriber holds a block for .* now \(dynamic entry /);
    const past = await j(['lookup', `${ADDR4}#${lo}`, '--time', '2026-01-01T00:00:00Z']);
    assert.equal(past.code, 2, `a past moment: the event log's question\n${past.stderr}`);
    assert.match(past.stderr, /whose blocks change hands.*log follow/);
    // bib remove of a mapping in a dynamic block: gone from the listing at once, and the block is the kernel's to
    // release (it counts its entries): with a's fresh flow in the other block, d gets c's block, which an entry
    // deleted behind the kernel's back would have kept from it (counted as held, with nothing in it).
    assert.ok((await flows(HOST.a, 1))[0], 'a maps (both blocks held: a, c)');
    const cEntries = json(await j(['bib', 'display', '--udp', '--json'])).bib.filter((b) => b['ipv6-address'].startsWith(`${HOST.c}#`));
    assert.ok(cEntries.length >= 1, "c's mappings listed");
    for (const b of cEntries) ok(await j(['bib', 'remove', '--udp', b['ipv4-address']]), 'bib remove');
    const left = json(await j(['bib', 'display', '--udp', '--json'])).bib;
    assert.ok(!left.some((b) => b['ipv6-address'].startsWith(`${HOST.c}#`)), `c's mappings are gone: ${JSON.stringify(left)}`);
    const [dNow] = await flows(HOST.d, 1);
    assert.ok(dNow, "d maps: c's block was released for it");
    const dd = json(await j(['pool4', 'display', '--json']))['dynamic-blocks'];
    assert.deepEqual(dd.find((x) => x.subscriber === SUB.d)?.['port-range'], held['port-range'], JSON.stringify(dd));
  });

  it('prints syslog lines, and --drain --json prints what is waiting and exits', async () => {
    await sleep(EXPIRED_MS); // c's flow expires: its block goes with d's flow below
    const f = follow('syslog');
    try {
      await sleep(1500); // the follower is reading (it prints nothing until an event)
      const [dd] = await flows(HOST.d, 1);
      assert.ok(dd, 'd maps');
      const lines = await until(f, (l) => l.some((x) => x.includes(SUB.d)), "d's allocation");
      const line = lines.find((x) => x.includes(SUB.d) && x.includes('allocated'));
      assert.match(line, /^<134>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ xlat \d+ NAT64BLOCK \[nat64-block@32473 event="allocated" subscriber="2001:db8:1c0:2:22::40\/124" address="192\.0\.2\.132" ports="10(24-1031|32-1039)"\] /);
    } finally {
      await f.stop();
    }
    // Nothing is waiting now; a new allocation without a reader is, until --drain takes it.
    await sleep(EXPIRED_MS);
    const [a] = await flows(HOST.a, 1);
    assert.ok(a, 'a maps again');
    const r = await j(['log', 'follow', '--drain', '--json']);
    ok(r, 'log follow --drain --json');
    const res = json(r);
    assert.equal(res.lost, 0);
    assert.ok(res.events.some((e) => e.event === 'allocated' && e.subscriber === SUB.a && BLOCKS.includes(e['port-range'])), r.stdout);
    const again = json(await j(['log', 'follow', '--drain', '--json']));
    assert.deepEqual(again.events, [], 'what one reader took is gone');
  });

  it('takes a dynamic entry from a configuration file ("dynamic": true): applied, applied again without change, exported', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'xlat-dyn-'));
    try {
      const file = path.join(dir, 'nat64.json');
      const entry = {'ipv6 range': RANGE6, 'subscriber length': 124, prefix: ADDR4 + '/32', 'port range': '1024-1039', 'block size': 4, dynamic: true};
      writeFileSync(file, JSON.stringify({global: {pool6: POOL6}, 'pool4 deterministic': [entry]}));
      const first = await j(['file', 'handle', file, '--json']);
      ok(first, 'file handle');
      const texts = json(first).changes.map((c) => c.text);
      assert.ok(texts.includes(`+ pool4 dynamic ${RANGE6} /124 ${ADDR4}/32 1024-1039 block 4`), first.stdout);
      assert.ok(texts.includes(`- pool4 dynamic ${RANGE6} /124 ${ADDR4}/32 1024-1039 block 8`), first.stdout);
      const second = await j(['file', 'handle', file, '--json']);
      ok(second, 'file handle again');
      assert.equal(JSON.parse(second.stdout).changed, false, 'the same file again changes nothing');
      assert.deepEqual(json(await j(['file', 'export', '--json'])).config['pool4 deterministic'], [entry]);
      const d = json(await j(['pool4', 'display', '--json']));
      assert.deepEqual(d.deterministic.map((e) => [e.mode, e['block-size']]), [['dynamic', 4]]);
      assert.deepEqual(d['dynamic-blocks'], [], 'the old entry\'s blocks went with it');
      const bad = await j(['file', 'handle', '--check', writeBad(dir)]);
      assert.equal(bad.code, 2, show(bad));
      assert.match(bad.stderr, /dynamic/);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});

/** A file whose dynamic entry is not a boolean: refused by the schema. */
function writeBad(dir) {
  const p = path.join(dir, 'bad.json');
  writeFileSync(p, JSON.stringify({global: {pool6: POOL6}, 'pool4 deterministic': [{'ipv6 range': RANGE6, 'subscriber length': 124, prefix: ADDR4, 'block size': 4, dynamic: 'yes'}]}));
  return p;
}
