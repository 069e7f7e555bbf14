#!/usr/bin/env node
// npm run fuzz [-- --packets N] [--seed S] [--programs siit-xdp,siit-tc,nat64-xdp,nat64-tc] [--quick] [--json FILE]
// node fuzz/run.mjs --replay test/fixtures/fuzz-regressions.tsv   (the bugs the fuzzer found, each row checked)
//
// Structure-aware fuzzing of the four programs through BPF_PROG_TEST_RUN (see fuzz/engine.mjs for the
// invariants). Runs in a private network namespace (unshare -n: nothing the programs emit, such as fragment
// clones, leaves it, and it vanishes with the process) and checks the kernel log around the run. Exit 0 only
// when no invariant broke, every counter the programs can reach with a packet was reached (fuzz/unreachable.json
// lists the others, each with why), and the kernel logged no warning.
import {execFileSync, spawnSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {fuzzProgram} from './engine.mjs';
import {siitTarget, nat64Target} from './targets.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
export const PROGRAMS = ['siit-xdp', 'siit-tc', 'nat64-xdp', 'nat64-tc'];

function parseArgs(argv) {
  const o = {packets: 1_000_000, maxFailures: 20, seed: 1, programs: PROGRAMS, json: null, phaseLen: 2000, quick: false, coverage: true, replay: null};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--packets') o.packets = Number(next());
    else if (a === '--seed') o.seed = Number(next());
    else if (a === '--programs') o.programs = next().split(',');
    else if (a === '--json') o.json = next();
    else if (a === '--phase-length') o.phaseLen = Number(next());
    else if (a === '--quick') o.quick = true;
    else if (a === '--max-failures') o.maxFailures = Number(next());
    else if (a === '--no-coverage') o.coverage = false;
    else if (a === '--replay') o.replay = next();
    else throw new Error(`unknown argument ${a} (see fuzz/run.mjs)`);
  }
  if (o.quick && !argv.includes('--packets')) o.packets = 80_000;
  if (o.quick && !argv.includes('--phase-length')) o.phaseLen = 1000;
  if (!Number.isInteger(o.packets) || o.packets < 1) throw new Error('--packets must be a positive integer');
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) throw new Error('--seed must be an integer from 0 to 4294967295');
  for (const p of o.programs) if (!PROGRAMS.includes(p)) throw new Error(`unknown program ${p} (one of ${PROGRAMS.join(', ')})`);
  return o;
}

/**
 * Regression rows: `program <TAB> phase <TAB> expected counter <TAB> Ethernet frame (hex) [<TAB> note]`,
 * '#' comments. The phase is an index into the target's phases (fuzz/targets.mjs).
 */
function readRows(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, n) => ({line, n: n + 1}))
    .filter(({line}) => line.trim() && !line.startsWith('#'))
    .map(({line, n}) => {
      const [program, phase, reason, frame, note = ''] = line.split('\t');
      if (!PROGRAMS.includes(program) || !/^\d+$/.test(phase ?? '') || !reason || !/^([0-9a-f]{2})+$/.test(frame ?? '')) {
        throw new Error(`${file}:${n}: expected program, phase, counter and frame (hex) separated by tabs`);
      }
      return {program, phase: Number(phase), reason, frame: Buffer.from(frame, 'hex'), note, n};
    });
}

const sh = (cmd) => execFileSync('sh', ['-c', cmd], {stdio: ['ignore', 'pipe', 'pipe']}).toString();

/** The private namespace's devices: lo up, and a veth interface with routes and neighbours for XDP forwarding. */
function setupNamespace() {
  sh('ip link set lo up');
  sh('ip link add fz0 type veth peer name fz1'); // dummy devices need a module some kernels lack
  // The peer stays down: fz0 (up, without carrier) sends nothing that comes back to this namespace (no IGMP or
  // MLD reports received on fz1), so what its IP layers receive is only what the programs emit, which the
  // invariants count. XDP's own forwarding still finds fz0 through its routes and neighbours.
  sh('ip link set fz0 up');
  sh('ip addr add 198.51.100.1/24 dev fz0 && ip addr add 192.0.2.1/24 dev fz0 && ip -6 addr add 2001:db8:1c0:2::1/64 dev fz0 nodad');
  sh('ip neigh replace 198.51.100.2 lladdr 02:00:00:00:00:09 dev fz0 nud permanent');
  sh('ip -6 neigh replace 2001:db8:1c0:2:21:: lladdr 02:00:00:00:00:0a dev fz0 nud permanent');
  // NAT64's cluster-steering phase (fuzz/targets.mjs): one pool4 address owned by "another node" behind a known
  // neighbour (steered), one behind a neighbour whose link-layer address is unknown (drop-steer-no-neigh).
  sh('ip route add 198.18.0.0/32 via 198.51.100.2 dev fz0 && ip route add 198.18.0.1/32 via 198.51.100.3 dev fz0');
  sh('echo 1 > /proc/sys/net/ipv4/ip_forward && echo 1 > /proc/sys/net/ipv6/conf/all/forwarding');
  // (/sys is the host's here: unshare -n does not remount it)
  return JSON.parse(sh('ip -j link show fz0'))[0].ifindex;
}

/** The kernel log's last timestamp, and the warnings logged after one. */
function kernelLogMark() {
  try {
    const lines = sh('dmesg').trim().split('\n');
    const m = /^\[\s*([\d.]+)\]/.exec(lines.at(-1) ?? '');
    return m ? Number(m[1]) : 0;
  } catch {
    return null;
  }
}

function kernelWarningsSince(mark) {
  if (mark === null) return null;
  const bad = /WARNING:|BUG:|Call Trace|general protection|bpf_prog_[0-9a-f]+|kernel panic|refcount_t|use-after-free|KASAN/;
  return sh('dmesg')
    .split('\n')
    .filter((l) => {
      const m = /^\[\s*([\d.]+)\]/.exec(l);
      return m && Number(m[1]) > mark && bad.test(l);
    });
}

export async function main(argv) {
  const o = parseArgs(argv);
  if (process.getuid?.() !== 0) throw new Error('fuzzing needs root (BPF_PROG_TEST_RUN, a private network namespace)');
  if (!process.env.XLAT_FUZZ_PRIVATE_NETNS) {
    // Re-run inside a namespace of our own: it has no name, nothing else runs in it, and it goes with us.
    const r = spawnSync('unshare', ['-n', process.execPath, fileURLToPath(import.meta.url), ...argv], {stdio: 'inherit', env: {...process.env, XLAT_FUZZ_PRIVATE_NETNS: '1'}});
    if (r.error) throw new Error(`unshare -n failed: ${r.error.message}`);
    return r.status ?? 1;
  }
  const dummyIfindex = setupNamespace();
  const {libbpf} = await import(path.join(REPO, 'dist/ffi/libbpf.js'));
  const {countersOf, COUNTER_NAMES, isPacketCounter} = await import(path.join(REPO, 'dist/abi/common.js'));
  const lib = await libbpf();
  const unreachable = JSON.parse(readFileSync(path.join(REPO, 'fuzz', 'unreachable.json'), 'utf8'));
  const mark = kernelLogMark();
  if (o.replay) return replay(o, {lib, COUNTER_NAMES, isPacketCounter, dummyIfindex, mark});
  const report = {seed: o.seed, packetsPerProgram: o.packets, programs: {}, kernelWarnings: null, ok: true};
  const t0 = Date.now();
  console.log(`fuzz: seed ${o.seed}, ${o.packets} packets per program, phases of ${o.phaseLen} packets, programs ${o.programs.join(', ')}`);
  for (const [n, prog] of o.programs.entries()) {
    const kind = prog.split('-')[0];
    const hook = prog.split('-')[1];
    const target = kind === 'siit' ? await siitTarget(REPO, {dummyIfindex}) : await nat64Target(REPO);
    const seed = (o.seed + n * 0x9e3779b1) >>> 0;
    try {
      const r = fuzzProgram({
        target, lib, hook, packets: o.packets, seed, phaseLen: o.phaseLen, maxFailures: o.maxFailures, names: COUNTER_NAMES, isPacket: isPacketCounter,
        onProgress: (k) => process.stderr.write(`fuzz: ${prog}: ${k} packets, ${Math.round((Date.now() - t0) / 1000)} s\n`),
      });
      const own = countersOf(kind).map(([, name]) => name);
      const why = unreachable[prog] ?? {};
      const missed = own.filter((c) => !(c in r.reached) && !(c in why));
      const reachedListed = Object.keys(why).filter((c) => c in r.reached);
      report.programs[prog] = {seed, ...r, counters: own.length, missed, explainedUnreached: Object.keys(why).filter((c) => !(c in r.reached)), reachedListed};
      const rate = Math.round((r.packets / r.ms) * 1000);
      console.log(`fuzz: ${prog}: ${r.packets} packets in ${(r.ms / 1000).toFixed(1)} s (${rate}/s), seed ${seed}, ${r.failures.length} failure(s), counters reached ${own.length - missed.length - Object.keys(why).filter((c) => !(c in r.reached)).length}/${own.length}${Object.keys(why).length ? ` (${Object.keys(why).filter((c) => !(c in r.reached)).length} unreachable by a packet here, see fuzz/unreachable.json)` : ''}`);
      console.log(`fuzz: ${prog}: verdicts ${Object.entries(r.verdicts).map(([k, v]) => `${k} ${v}`).join(', ')}${r.refused ? `; ${r.refused} frames shorter than their IP header, which BPF_PROG_TEST_RUN does not run in tc` : ''}`);
      if (o.coverage && missed.length) {
        report.ok = false;
        console.log(`fuzz: ${prog}: NOT REACHED: ${missed.join(', ')}`);
      }
      if (reachedListed.length) console.log(`fuzz: ${prog}: note: reached although listed as unreachable: ${reachedListed.join(', ')}`);
      for (const f of r.failures) {
        report.ok = false;
        console.log(`fuzz: FAIL ${prog} seed ${seed} packet #${f.index} (phase '${f.phase}', mutations ${f.ops.join('+')}): ${f.problems.join('; ')}`);
        console.log(`  counted ${f.reason}, verdict ${f.verdict}`);
        console.log(`  frame:  ${f.frame}`);
        if (f.output) console.log(`  output: ${f.output}`);
        console.log(`  replay: npm run fuzz -- --programs ${prog} --seed ${o.seed} --packets ${f.index + 1} --phase-length ${o.phaseLen}${n ? ` (program seed ${seed} is derived from --seed ${o.seed} and the program's place in --programs: give --programs ${o.programs.slice(0, n + 1).join(',')})` : ''}`);
      }
    } finally {
      target.close();
    }
  }
  const warnings = kernelWarningsSince(mark);
  report.kernelWarnings = warnings;
  report.seconds = Math.round((Date.now() - t0) / 1000);
  if (warnings === null) console.log('fuzz: kernel log not readable: no check of kernel warnings');
  else if (warnings.length) {
    report.ok = false;
    console.log(`fuzz: KERNEL WARNINGS during the run:\n${warnings.join('\n')}`);
  } else console.log('fuzz: kernel log: no warning during the run');
  console.log(`fuzz: ${report.ok ? 'passed' : 'FAILED'} in ${report.seconds} s`);
  if (o.json) writeFileSync(o.json, JSON.stringify(report, null, 1));
  return report.ok ? 0 : 1;
}

/** Replays regression rows: each must keep every invariant and be counted under its expected counter. */
async function replay(o, {lib, COUNTER_NAMES, isPacketCounter, dummyIfindex, mark}) {
  const rows = readRows(o.replay);
  let bad = 0;
  for (const prog of PROGRAMS) {
    const mine = rows.filter((r) => r.program === prog);
    if (!mine.length) continue;
    const [kind, hook] = prog.split('-');
    const target = kind === 'siit' ? await siitTarget(REPO, {dummyIfindex}) : await nat64Target(REPO);
    try {
      const r = fuzzProgram({target, lib, hook, seed: 0, maxFailures: Infinity, names: COUNTER_NAMES, isPacket: isPacketCounter, frames: mine});
      mine.forEach((row, k) => {
        const got = r.rows[k];
        const problems = [...got.problems];
        if (got.reason !== row.reason) problems.push(`counted ${got.reason}, expected ${row.reason}`);
        if (problems.length) bad++;
        console.log(`fuzz: replay ${o.replay}:${row.n} ${prog} (${row.note || 'no note'}): ${problems.length ? `FAIL: ${problems.join('; ')}` : `ok, ${got.reason}, verdict ${got.verdict}`}`);
      });
    } finally {
      target.close();
    }
  }
  const warnings = kernelWarningsSince(mark);
  if (warnings?.length) {
    bad++;
    console.log(`fuzz: KERNEL WARNINGS during the replay:\n${warnings.join('\n')}`);
  }
  console.log(`fuzz: replay of ${rows.length} row(s): ${bad ? 'FAILED' : 'passed'}`);
  return bad ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`Error: ${err.message}`);
      process.exit(2);
    },
  );
}
