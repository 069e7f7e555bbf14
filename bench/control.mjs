// Sections 3 and 4: the control plane, as an operator runs it, and kernel memory per entry.
//  - `xlat nat64 session display --udp --numeric --csv > /dev/null` of N sessions (filled from userspace into the
//    instance's session map, as test/e2e/nat64-listing.test.mjs does): wall seconds and the CLI's peak RSS
//    (GNU time -v).
//  - `xlat siit eamt add --file` of 10,000 entries (one process, cold start included).
//  - cold start of `xlat siit instance display` and `xlat --help` (hyperfine, else a loop; median).
//  - memory: fdinfo `memlock:` of the maps (the kernel's own accounting; every table map is BPF_F_NO_PREALLOC so
//    it grows per element) before and after filling, divided by the entries added.
import path from 'node:path';
import {writeFileSync, readFileSync, mkdirSync} from 'node:fs';
import {execFileSync} from 'node:child_process';
import {REPO, CLI, median, log} from './lib.mjs';

const H = await import(path.join(REPO, 'test/helpers/netns.mjs'));

// Runs inside a namespace: finds the instance (kind siit|nat64), prints the memlock of its maps; with a count,
// fills the NAT64 session map with that many live UDP sessions first and prints memlock before and after.
const MAPS_SCRIPT = `
const [kind, nStr] = process.argv.slice(1);
const n = Number(nStr || 0);
const {readFileSync} = await import('node:fs');
const {discover} = await import('${REPO}dist/instance/attach.js');
const {BpfMap} = await import('${REPO}dist/bpf/map.js');
let spec;
if (kind === 'nat64') spec = (await import('${REPO}dist/instance/nat64/instance.js')).NAT64_SPEC;
else {
  const S = await import('${REPO}dist/instance/layout.js');
  spec = {label: 'SIIT', xdpProg: S.XLAT_SIIT_XDP_PROG, tcProg: S.XLAT_SIIT_TC_PROG, tcHandle: S.XLAT_TC_HANDLE_SIIT, tcPrio: S.XLAT_TC_PRIO_SIIT};
}
const found = await discover(spec);
if (!found) throw new Error('no ' + kind + ' instance here');
const maps = [];
for (const id of found.mapIds) maps.push(await BpfMap.fromId(id));
const memlock = () => Object.fromEntries(maps.map((m) => [m.name, Number(/^memlock:\\s*(\\d+)/m.exec(readFileSync('/proc/self/fdinfo/' + m.fd, 'utf8'))[1])]));
const info = Object.fromEntries(maps.map((m) => [m.name, {type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries}]));
const before = memlock();
let ms = 0;
if (n > 0) {
  const L = await import('${REPO}dist/instance/nat64/layout.js');
  const m = maps.find((x) => x.name === L.NAT64_MAP_SESSIONS);
  const k = Buffer.alloc(L.NAT64_SESSION_KEY.size), v = Buffer.alloc(L.NAT64_SESSION.size);
  const expires = process.hrtime.bigint() + 3600n * 1000000000n;
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const remote = (0xc6330000 + Math.floor(i / 60000)) >>> 0;
    L.encodeSessionKey({local4: Buffer.from([192, 0, 2, 1]), remote4: Buffer.from([remote >>> 24, (remote >>> 16) & 255, (remote >>> 8) & 255, remote & 255]), lport: 1024 + (i % 60000), rport: 53, proto: 17}, k);
    const a6 = Buffer.alloc(16); a6.writeUInt32BE(0x20010db8, 0); a6.writeUInt32BE(i, 12);
    L.encodeSession({addr6: a6, port6: 10000 + (i % 50000), state: 3, expires}, v);
    m.update(k, v);
  }
  ms = Date.now() - t0;
}
console.log(JSON.stringify({info, before, after: memlock(), fillMs: ms}));
for (const m of maps) m.close();
`;

async function mapsIn(ns, kind, n = 0) {
  const r = await H.nsRun(ns, process.execPath, ['--input-type=module', '-e', MAPS_SCRIPT, kind, String(n)], {timeout: 900_000});
  if (r.code !== 0) throw new Error(`reading the ${kind} maps: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** Runs a shell command under GNU time -v: {seconds, maxRssKiB, code}. */
async function timed(ns, shellCmd, timeout = 900_000) {
  const t0 = process.hrtime.bigint();
  const r = await H.nsRun(ns, '/usr/bin/time', ['-v', 'sh', '-c', shellCmd], {timeout, cwd: REPO});
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  return {seconds, maxRssKiB: rss ? Number(rss[1]) : null, code: r.code, stderr: r.stderr};
}

async function coldStart(ns, args, runs) {
  const cmd = `${process.execPath} ${CLI} ${args}`;
  const have = (() => {
    try {
      execFileSync('sh', ['-c', 'command -v hyperfine'], {stdio: 'ignore'});
      return true;
    } catch {
      return false;
    }
  })();
  if (have) {
    const out = path.join('/tmp', `xlat-bench-hf-${process.pid}.json`);
    const r = await H.nsRun(ns, 'hyperfine', ['--warmup', '2', '--runs', String(runs), '-N', '--export-json', out, cmd], {timeout: 300_000});
    if (r.code !== 0) throw new Error(`hyperfine: ${r.stderr.trim().split('\n').pop()}`);
    const j = JSON.parse(readFileSync(out, 'utf8')).results[0];
    return {medianMs: j.median * 1000, meanMs: j.mean * 1000, runs: j.times.length, tool: 'hyperfine -N'};
  }
  const xs = [];
  for (let i = 0; i < runs + 2; i++) {
    const t0 = process.hrtime.bigint();
    await H.nsRun(ns, process.execPath, [CLI, ...args.split(' ')]);
    if (i >= 2) xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return {medianMs: median(xs), runs: xs.length, tool: 'loop (ip netns exec overhead included)'};
}

export async function runControl({sessions, eamtEntries, coldRuns, tmpDir}) {
  mkdirSync(tmpDir, {recursive: true});
  const out = {sessions: {count: sessions}, eamt: {count: eamtEntries}, coldStart: {}, memory: {}};
  const nsN = await H.createNamespace(H.uniqueName('cn'));
  const nsS = await H.createNamespace(H.uniqueName('cs'));
  const peer = await H.createNamespace(H.uniqueName('cp'));
  try {
    await H.createVeth(nsN, 'eth0', peer, 'p0');
    await H.addAddress(nsN, 'eth0', '192.0.2.1/24');
    await H.createVeth(nsS, 'eth0', peer, 'p1');
    await H.addAddress(nsS, 'eth0', '198.51.100.1/24');

    // ---- NAT64 session listing -------------------------------------------------------------------------------
    try {
      const add = await H.xlat(nsN, ['nat64', 'instance', 'add', '--pool6', '64:ff9b::/96', '--capacity', String(sessions + 1000)], {timeout: 120_000});
      if (add.code !== 0) throw new Error(`nat64 instance add: ${add.stderr.trim()}`);
      const fill = await mapsIn(nsN, 'nat64', sessions);
      const t = await timed(nsN, `${process.execPath} ${CLI} nat64 session display --udp --numeric --csv > /dev/null`);
      if (t.code !== 0) throw new Error(`session display: ${t.stderr.trim().split('\n')[0]}`);
      Object.assign(out.sessions, {displaySeconds: t.seconds, peakRssMiB: t.maxRssKiB / 1024, fillSeconds: fill.fillMs / 1000});
      const s = 'nat64_sessions';
      out.memory.sessionBytes = (fill.after[s] - fill.before[s]) / sessions;
      out.memory.sessionMap = fill.info[s];
    } catch (err) {
      out.sessions.error = String(err.message ?? err).split('\n')[0];
      log(`control: sessions: ${out.sessions.error}`);
    }

    // ---- EAMT: 10,000 entries from a file ------------------------------------------------------------------------
    try {
      const add = await H.xlat(nsS, ['siit', 'instance', 'add', '--pool6', '2001:db8:100::/40', '--hook', 'tc']);
      if (add.code !== 0) throw new Error(`siit instance add: ${add.stderr.trim()}`);
      const file = path.join(tmpDir, 'eamt.txt');
      const lines = [];
      // 2001:db8:ee:<i>::/120 <-> 10.<i/256>.<i%256>.0/24: no overlaps.
      for (let i = 0; i < eamtEntries; i++) lines.push(`2001:db8:ee:${i.toString(16)}::/120 10.${i >> 8}.${i & 255}.0/24`);
      writeFileSync(file, lines.join('\n') + '\n');
      const before = await mapsIn(nsS, 'siit');
      const t = await timed(nsS, `${process.execPath} ${CLI} siit eamt add --file ${file}`);
      if (t.code !== 0) throw new Error(`eamt add --file: ${t.stderr.trim().split('\n')[0]}`);
      const after = await mapsIn(nsS, 'siit');
      out.eamt.addSeconds = t.seconds;
      out.eamt.peakRssMiB = t.maxRssKiB / 1024;
      const grown = ['siit_eamt6', 'siit_eamt4'].reduce((s, m) => s + (after.after[m] - before.after[m]), 0);
      out.memory.eamtEntryBytes = grown / eamtEntries;
      out.memory.eamtMaps = {siit_eamt6: after.info.siit_eamt6, siit_eamt4: after.info.siit_eamt4};
    } catch (err) {
      out.eamt.error = String(err.message ?? err).split('\n')[0];
      log(`control: eamt: ${out.eamt.error}`);
    }

    // ---- cold starts (in the SIIT namespace: display finds a real instance) ---------------------------------------
    for (const [id, args] of [['siitInstanceDisplay', 'siit instance display'], ['help', '--help']]) {
      try {
        out.coldStart[id] = await coldStart(nsS, args, coldRuns);
      } catch (err) {
        out.coldStart[id] = {error: String(err.message ?? err).split('\n')[0]};
      }
    }
    out.memory.how = 'fdinfo memlock (kernel accounting of the map: element size + per-element overhead, BPF_F_NO_PREALLOC maps grow per entry) after minus before, divided by the entries added; sessions: nat64_sessions only; EAMT: siit_eamt6 + siit_eamt4 (one entry lives in both tries)';
  } finally {
    for (const ns of [nsN, nsS, peer]) await H.deleteNamespace(ns);
  }
  return out;
}
