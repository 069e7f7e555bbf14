// RFC 7915 packet conformance: replays the external corpus in ../shared/conformance/rfc7915 (read its README)
// through the real translator, once per hook configuration (xdp, tc), and judges every case as the README says.
//
// Run alone (root, after `npm run build`):
//   node --test test/conformance/
//   node --test --test-reporter=spec test/conformance/rfc7915.test.mjs
// Environment:
//   XLAT_CONFORMANCE_DIR=PATH       corpus directory (default <repo>/../shared/conformance/rfc7915)
//   XLAT_CONFORMANCE_HOOKS=xdp,tc   hook configurations to run (default both)
//   XLAT_CONFORMANCE_ONLY=REGEX     run only the cases whose name matches (configuration steps still all apply)
//   XLAT_CONFORMANCE_WINDOW=SECONDS minimum capture window per case (default 0.25; the corpus asks for 0.1)
//   XLAT_CONFORMANCE_STATS=1        on a failing case, add the translator counters that changed during it
//
// What it does, per hook: creates throwaway namespaces `xlt-<pid>-<rand>-<ns>` for the corpus namespaces (j, n6,
// n4), the veth pairs of `links` with the corpus' interface names, runs the corpus `setup` commands (IPv6
// addresses with nodad, DAD off), installs static neighbours on both ends of every link, makes the endpoints
// pure observers (the `local` routes of their addresses removed: their kernels never answer what the
// translator sends them, so no late TCP RST or port unreachable leaks into the next case), then configures xlat
// inside the translator namespace with its own commands, translated from the corpus' Jool syntax:
//   instance add --netfilter -6 P   ->  siit instance add --pool6 P --hook HOOK
//   eamt add A B                    ->  siit eamt add A B
//   global update K V               ->  siit global update K V
// A configuration command that fails is recorded, not fatal: the run goes on, and every failing case lists the
// configuration commands that had failed and were still in effect. Then it walks `steps` in order (cases, Jool
// configuration changes, commands in namespaces, sleeps). A case: the packet goes out of the sender's veth
// inside an Ethernet frame addressed to the translator's interface (test/helpers/rawsock.py, one long-lived
// process per endpoint namespace that both sends and captures), the expected namespace's veth is captured for
// at least the case's `wait` (XLAT_CONFORMANCE_WINDOW), and test/helpers/conformance-judge.mjs judges (queue
// matched on version + source + destination, equal length, bytes equal except the ignored offsets). A case whose
// queue is satisfied ends at once (what arrives after that is ignored anyway), so passing cases take ~15 ms and
// failing ones the whole window; ~20 s per hook. One subtest per case, named
// `#<n> <corpus name>` (the corpus runs some packets twice, under different configurations). At the end:
// `rfc7915 (HOOK): N passed, M failed`. Namespaces are removed after each hook and at exit.
//
// Skips, saying why, when the corpus is absent, when not root or when the build is missing.
import {test, after} from 'node:test';
import {spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import path from 'node:path';
import {REPO, skipReason, cleanupAll, createNamespace, deleteNamespace, setSysctls, ipIn, nsRun, run, xlat, macOf} from '../helpers/netns.mjs';
import {judgeCase, report, describePacket} from '../helpers/conformance-judge.mjs';
import {defaultCorpusDir, corpusSkipReason, loadCorpus, joolToXlat} from '../helpers/conformance-corpus.mjs';

const CORPUS = process.env.XLAT_CONFORMANCE_DIR ?? defaultCorpusDir(REPO);
const RAWSOCK = path.join(REPO, 'test', 'helpers', 'rawsock.py');
const HOOKS = (process.env.XLAT_CONFORMANCE_HOOKS ?? 'xdp,tc').split(',').map((s) => s.trim()).filter(Boolean);
const ONLY = process.env.XLAT_CONFORMANCE_ONLY ? new RegExp(process.env.XLAT_CONFORMANCE_ONLY) : null;
const MIN_WINDOW = Number(process.env.XLAT_CONFORMANCE_WINDOW ?? 0.25);
const WANT_STATS = process.env.XLAT_CONFORMANCE_STATS === '1';

/*
 * Cases xlat does not pass, each with what is missing: they still run, and node's runner reports them as
 * `todo` instead of failures; every other case must pass. Empty: every case of the corpus must pass. A
 * case that ever has to go here needs the reason written next to it (and in the README).
 */
const KNOWN_GAPS = new Map([]);
const gapOf = (step) => KNOWN_GAPS.get(step.name.split(' ')[0]);

const delay = (ms) => new Promise((r) => setTimeout(r, ms));
const show = (r) => `$ ${r.cmd}\nexit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n${r.stdout}${r.stderr}`.trimEnd();

// ------------------------------------------------------------------------------------- rawsock processes

/** `python3 rawsock.py serve IFACE` inside a namespace, driven by JSON lines. */
class RawSock {
  constructor(ns, iface) {
    this.ns = ns;
    this.iface = iface;
    this.child = spawn('ip', ['netns', 'exec', ns, 'python3', RAWSOCK, 'serve', iface], {detached: true, stdio: ['pipe', 'pipe', 'pipe']});
    this.stderr = '';
    this.waiters = [];
    this.buffer = '';
    this.closed = false;
    this.child.stderr.setEncoding('utf8').on('data', (d) => (this.stderr += d));
    this.child.stdout.setEncoding('utf8').on('data', (d) => {
      this.buffer += d;
      let i;
      while ((i = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 1);
        const w = this.waiters.shift();
        if (w) w.resolve(line);
      }
    });
    this.child.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w.reject(new Error(`rawsock in ${ns} exited\n${this.stderr}`));
    });
    this.child.on('error', (err) => (this.stderr += String(err)));
    this.child.stdin.on('error', () => {});
    this.ready = this.nextLine(10_000).then((line) => {
      const msg = JSON.parse(line);
      if (!msg.ready) throw new Error(`rawsock in ${ns}: ${line}`);
      this.mac = msg.mac;
      return msg;
    });
    this.ready.catch(() => {});
  }

  nextLine(timeout = 5000) {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error(`rawsock in ${this.ns} has exited\n${this.stderr}`));
      const w = {resolve, reject};
      const t = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`rawsock in ${this.ns}: no answer within ${timeout} ms\n${this.stderr}`));
      }, timeout);
      w.resolve = (v) => (clearTimeout(t), resolve(v));
      w.reject = (e) => (clearTimeout(t), reject(e));
      this.waiters.push(w);
    });
  }

  async request(obj) {
    const p = this.nextLine();
    this.child.stdin.write(JSON.stringify(obj) + '\n');
    const reply = JSON.parse(await p);
    if (!reply.ok) throw new Error(`rawsock in ${this.ns} (${obj.op}): ${reply.error}`);
    return reply;
  }

  arm = () => this.request({op: 'arm'});
  send = (dst, packets) => this.request({op: 'send', dst, packets: packets.map((b) => b.toString('hex'))});
  peek = async () => (await this.request({op: 'peek'})).packets.map((p) => Buffer.from(p.hex, 'hex'));
  collect = async () => (await this.request({op: 'collect'})).packets.map((p) => Buffer.from(p.hex, 'hex'));

  stop() {
    if (this.closed) return;
    try {
      this.child.stdin.end(JSON.stringify({op: 'quit'}) + '\n');
    } catch {
      /* gone */
    }
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

const rawsocks = new Set();
process.on('exit', () => {
  for (const r of rawsocks) r.stop();
});

// ---------------------------------------------------------------------------------------------- topology

/** Builds the corpus' namespaces, links, setup and static neighbours. Returns the lab (names, MACs, sockets). */
async function buildLab(corpus) {
  const prefix = `xlt-${process.pid}-${randomBytes(3).toString('hex')}-`;
  const ns = Object.fromEntries(corpus.namespaces.map((n) => [n, `${prefix}${n}`]));
  const lab = {prefix, ns, macs: {}, peer: {}, sockets: {}};
  lab.destroy = async () => {
    for (const s of Object.values(lab.sockets)) {
      s.stop();
      rawsocks.delete(s);
    }
    for (const name of Object.values(ns)) await deleteNamespace(name);
  };
  for (const name of Object.values(ns)) await createNamespace(name);
  for (const name of Object.values(ns)) {
    await setSysctls(name, {'net.ipv6.conf.all.accept_dad': 0, 'net.ipv6.conf.default.accept_dad': 0});
  }
  for (const [[a, ifA], [b, ifB]] of corpus.doc.links) {
    await ipIn(ns[a], ['link', 'add', ifA, 'mtu', '1500', 'type', 'veth', 'peer', 'name', ifB, 'mtu', '1500', 'netns', ns[b]]);
    lab.peer[`${a}/${ifA}`] = [b, ifB];
    lab.peer[`${b}/${ifB}`] = [a, ifA];
  }
  for (const [n, cmds] of Object.entries(corpus.doc.setup)) {
    for (const cmd of cmds) {
      const c = [...cmd];
      // IPv6 addresses usable at once (no duplicate address detection)
      if (c[0] === 'ip' && c[1] === 'addr' && c[2] === 'add' && c[3].includes(':') && !c.includes('nodad')) c.push('nodad');
      const r = await nsRun(ns[n], c[0], c.slice(1));
      if (r.code !== 0) throw new Error(`setup in ${n} failed\n${show(r)}`);
    }
  }
  // Static neighbours: every address (global and link-local) of each link end, known to the other end.
  for (const [[a, ifA], [b, ifB]] of corpus.doc.links) {
    lab.macs[`${a}/${ifA}`] = await macOf(ns[a], ifA);
    lab.macs[`${b}/${ifB}`] = await macOf(ns[b], ifB);
  }
  for (const [[a, ifA], [b, ifB]] of corpus.doc.links) {
    for (const [[x, ifX], [y, ifY]] of [
      [[a, ifA], [b, ifB]],
      [[b, ifB], [a, ifA]],
    ]) {
      const info = JSON.parse((await ipIn(ns[x], ['-j', 'addr', 'show', 'dev', ifX])).stdout);
      for (const ai of info[0]?.addr_info ?? []) {
        await ipIn(ns[y], ['neigh', 'replace', ai.local, 'lladdr', lab.macs[`${x}/${ifX}`], 'dev', ifY, 'nud', 'permanent']);
      }
    }
  }
  for (const n of corpus.endpoints) await quietEndpoint(lab, n);
  // One rawsock per endpoint interface.
  for (const [key, [peerNs]] of Object.entries(lab.peer)) {
    const [n, iface] = key.split('/');
    if (n === corpus.translator || peerNs !== corpus.translator) continue;
    const s = new RawSock(ns[n], iface);
    rawsocks.add(s);
    lab.sockets[n] = s;
  }
  await Promise.all(Object.values(lab.sockets).map((s) => s.ready));
  return lab;
}

/**
 * Makes an endpoint namespace a pure observer: removes the `local` routes of its addresses, so that its kernel
 * no longer takes packets addressed to it as its own and never answers them (a TCP RST or an ICMP port
 * unreachable coming back through the translator after a case could otherwise land in the next case's capture,
 * addressed like its expected packet). Forwarding is off there, so such packets are dropped without an ICMP
 * error. AF_PACKET capture sees them before IP does; neighbour discovery is unaffected (static entries anyway).
 * Redone after every corpus command in an endpoint (an MTU change does not restore them, but be sure).
 */
async function quietEndpoint(lab, n) {
  const name = lab.ns[n];
  const info = JSON.parse((await ipIn(name, ['-j', 'addr', 'show'])).stdout);
  for (const link of info) {
    if (link.ifname === 'lo') continue;
    for (const ai of link.addr_info ?? []) {
      if (ai.scope !== 'global') continue;
      const fam = ai.family === 'inet6' ? '-6' : '-4';
      await run('ip', ['-n', name, fam, 'route', 'del', 'local', ai.local, 'table', 'local', 'dev', link.ifname], {timeout: 5000});
    }
  }
}

// --------------------------------------------------------------------------------------------- the run

/** Translator counters as {name: value} (for XLAT_CONFORMANCE_STATS), or null when unreadable. */
async function counters(lab, corpus) {
  const r = await xlat(lab.ns[corpus.translator], ['siit', 'stats', 'display', '--json']);
  if (r.code !== 0) return null;
  const out = {};
  const visit = (o, pfx) => {
    if (o === null || typeof o !== 'object') return;
    if (typeof o.name === 'string' && typeof o.value === 'number') out[o.name] = o.value;
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'number') out[pfx + k] = v;
      else visit(v, Array.isArray(o) ? pfx : `${pfx}${k}.`);
    }
  };
  try {
    visit(JSON.parse(r.stdout), '');
  } catch {
    return null;
  }
  return out;
}

function countersDelta(before, afterC) {
  if (!before || !afterC) return '  (counters unavailable)';
  const lines = Object.keys(afterC)
    .filter((k) => afterC[k] !== (before[k] ?? 0))
    .map((k) => `    ${k} +${afterC[k] - (before[k] ?? 0)}`);
  return `  translator counters changed:\n${lines.length ? lines.join('\n') : '    (none)'}`;
}

/** Sends a case's packets, captures, judges. Returns {pass, message}. */
async function runCase(lab, corpus, step, configFailures) {
  const expectSock = lab.sockets[step.expect_ns];
  if (!expectSock) throw new Error(`case ${step.title}: no endpoint namespace '${step.expect_ns}'`);
  const before = WANT_STATS ? await counters(lab, corpus) : null;
  const socks = Object.values(lab.sockets);
  await Promise.all(socks.map((s) => s.arm()));
  for (const {ns, bytes} of step.send) {
    const s = lab.sockets[ns];
    if (!s) throw new Error(`case ${step.title}: no endpoint namespace '${ns}' to send from`);
    const [peerNs, peerIf] = lab.peer[`${ns}/${s.iface}`];
    await s.send(lab.macs[`${peerNs}/${peerIf}`], [bytes]);
  }
  // Capture for the case's window; a case whose queue is satisfied early is decided (later packets are ignored).
  const deadline = Date.now() + Math.max(step.wait ?? 0.1, MIN_WINDOW) * 1000;
  while (Date.now() < deadline) {
    await delay(10);
    if (judgeCase(step.expect, await expectSock.peek()).pass) break;
  }
  const captured = Object.fromEntries(await Promise.all(Object.entries(lab.sockets).map(async ([n, s]) => [n, await s.collect()])));
  const received = captured[step.expect_ns];
  const verdict = judgeCase(step.expect, received);
  if (verdict.pass) return {pass: true};
  const where = `${step.expect_ns} ${expectSock.iface}`;
  const elsewhere = Object.entries(captured)
    .filter(([n]) => n !== step.expect_ns)
    .map(([n, packets]) => ({where: `${n} ${lab.sockets[n].iface}`, packets}));
  const parts = [
    `${step.title}: sent ${step.send.map((s) => `${s.name} from ${s.ns} (${describePacket(s.bytes)})`).join(', ')}`,
    report(verdict, step.expect, received, {where, elsewhere}),
  ];
  if (configFailures.size) {
    const cmds = [...configFailures.values()].map((f) => `'${f.args.join(' ')}'`);
    parts.push(`  translator configuration NOT in effect (failed, errors in the diagnostics): ${cmds.join(', ')}`);
  }
  if (WANT_STATS) parts.push(countersDelta(before, await counters(lab, corpus)));
  return {pass: false, message: parts.join('\n')};
}

/** First line of a failed command's error output, for compact reports. */
function firstError(r) {
  const text = (r.stderr.trim() || r.stdout.trim()).split('\n').find((l) => l.trim()) ?? '';
  return `exit ${r.code}${r.timedOut ? ' (timed out)' : ''}${text ? `: ${text.trim()}` : ''}`;
}

const SKIP = corpusSkipReason(CORPUS) ?? skipReason();
if (SKIP) console.log(`# rfc7915 conformance skipped: ${SKIP}`);

after(cleanupAll);

for (const hook of HOOKS) {
  test(`rfc7915 conformance (${hook})`, {skip: SKIP ?? false, timeout: 600_000}, async (t) => {
    const corpus = loadCorpus(CORPUS);
    const lab = await buildLab(corpus);
    const j = lab.ns[corpus.translator];
    const configFailures = new Map(); // key -> {args, error}
    const configure = async (jool) => {
      const {args, key} = joolToXlat(jool, hook);
      const r = await xlat(j, args);
      if (r.code === 0) {
        configFailures.delete(key);
        return;
      }
      const error = firstError(r);
      configFailures.set(key, {args, error});
      t.diagnostic(`configuration command failed: xlat ${args.join(' ')}: ${error}`);
      if (key === 'instance') t.diagnostic(show(r));
    };
    let passed = 0;
    let failed = 0;
    const failedNames = [];
    try {
      for (const cmd of corpus.doc.translator) await configure(cmd);
      for (const step of corpus.steps) {
        if (step.jool) await configure(step.jool);
        else if (step.ns) {
          const r = await nsRun(lab.ns[step.ns], step.cmd[0], step.cmd.slice(1));
          if (r.code !== 0) throw new Error(`corpus step in ${step.ns} failed\n${show(r)}`);
          if (corpus.endpoints.includes(step.ns)) await quietEndpoint(lab, step.ns);
        } else if (step.sleep !== undefined) await delay(step.sleep * 1000);
        else if (step.send) {
          if (ONLY && !ONLY.test(step.name)) continue;
          let outcome;
          const gap = gapOf(step);
          await t.test(step.title, gap ? {todo: gap} : {}, async () => {
            outcome = await runCase(lab, corpus, step, configFailures);
            if (!outcome.pass) {
              // the report is the whole story: no stack trace under it
              const err = new Error(outcome.message);
              err.stack = outcome.message;
              throw err;
            }
          });
          if (outcome?.pass) {
            passed++;
            if (gap) t.diagnostic(`${step.title} passes now: take it off KNOWN_GAPS`);
          } else {
            failed++;
            failedNames.push(step.title);
          }
        } else throw new Error(`unknown corpus step ${JSON.stringify(step)}`);
      }
    } finally {
      const line = `rfc7915 (${hook}): ${passed} passed, ${failed} failed`;
      console.log(line);
      t.diagnostic(line);
      if (failedNames.length) t.diagnostic(`failed (${hook}): ${failedNames.join(', ')}`);
      const gaps = failedNames.filter((n) => KNOWN_GAPS.has(n.replace(/^#\d+ /, '').split(' ')[0])).length;
      if (gaps) t.diagnostic(`${gaps} of the ${failed} failures (${hook}) are known gaps (KNOWN_GAPS)`);
      await lab.destroy();
    }
  });
}
