// `npm run bench`: the benchmark suite of issue 5, everything side by side in one run (as root).
//   node bench/run.mjs [--quick] [--out DIR] [--only testrun,e2e,control]
// Prints the tables, writes DIR/latest.json (figures, machine, versions) and DIR/latest.md (the tables for the
// README). DIR defaults to bench-results/. Targets are shown next to the figures, never asserted.
import {mkdirSync, writeFileSync, existsSync, rmSync} from 'node:fs';
import path from 'node:path';
import {parseArgs} from 'node:util';
import {REPO, machineInfo, judge, textTable, mdTable, fmt, round, log} from './lib.mjs';

const {values: opts} = parseArgs({options: {
  quick: {type: 'boolean', default: false},
  out: {type: 'string', default: path.join(REPO, 'bench-results')},
  only: {type: 'string'},
}});

if (process.getuid?.() !== 0) {
  console.error('Error: the benchmark needs root (BPF_PROG_TEST_RUN, network namespaces)');
  process.exit(1);
}
for (const f of ['build/bpf/siit.bpf.o', 'dist/bpf/test-run.js', 'dist/commands']) {
  if (!existsSync(path.join(REPO, f))) {
    console.error(`Error: ${f} is missing: run npm run build`);
    process.exit(1);
  }
}

const Q = opts.quick;
const cfg = {
  quick: Q,
  testrun: {samples: Q ? 2000 : 20000, slopeSamples: Q ? 8 : 25, creations: Q ? 4000 : 40000},
  e2e: {seconds: Q ? 1.5 : 10},
  control: {sessions: Q ? 100_000 : 1_000_000, eamtEntries: 10_000, coldRuns: Q ? 5 : 20},
  churn: {capacity: Q ? 2000 : 20000, lifetimeMs: Q ? 500 : 2000, seconds: Q ? 2 : 10},
};
const only = opts.only ? new Set(opts.only.split(',')) : null;
const tmpDir = path.join('/tmp', `xlat-bench-${process.pid}`);
mkdirSync(opts.out, {recursive: true});

const started = Date.now();
const result = {machine: machineInfo(), config: cfg, testrun: null, e2e: null, control: null, churn: null, targets: [], errors: []};

async function section(name, fn) {
  if (only && !only.has(name)) return null;
  const t0 = Date.now();
  log(`${name}...`);
  try {
    const r = await fn();
    log(`${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return r;
  } catch (err) {
    result.errors.push(`${name}: ${String(err.stack ?? err)}`);
    log(`${name} FAILED: ${err.message ?? err}`);
    return null;
  }
}

result.testrun = await section('testrun', async () => (await import('./testrun.mjs')).runTestRun({...cfg.testrun, tmpDir}));
result.e2e = await section('e2e', async () => (await import('./e2e.mjs')).runE2E({...cfg.e2e, tmpDir, only: process.env.XLAT_BENCH_ROWS ? process.env.XLAT_BENCH_ROWS.split(',') : null}));
result.control = await section('control', async () => (await import('./control.mjs')).runControl({...cfg.control, tmpDir}));
result.churn = await section('churn', async () => (await import('./churn.mjs')).runChurn(cfg.churn));
result.seconds = round((Date.now() - started) / 1000, 1);

// ---- targets (issue 5), judged, never asserted ------------------------------------------------------------------
const T = result.targets;
const tgt = (what, value, op, target, unit) => T.push({what, value: round(value, 3), target: `${op} ${target}${unit}`, ...judge(value, {op, value: target})});
const rows = Object.fromEntries((result.e2e?.rows ?? []).map((r) => [r.row, r]));
for (const hook of ['tc', 'xdp', 'xdp-generic']) {
  const x = rows[`xlat-${hook}`];
  for (const k of ['tcp1', 'tcp8']) {
    tgt(`xlat ${hook} ${k === 'tcp1' ? 'TCP 1 stream' : 'TCP 8 streams'} / plain forwarding`, x?.[`${k}GbpsVsPlain`], '>=', 0.8, '');
    tgt(`xlat ${hook} ${k === 'tcp1' ? 'TCP 1 stream' : 'TCP 8 streams'} / TAYGA`, x?.[`${k}Gbps`] / rows.tayga?.[`${k}Gbps`], '>=', 10, '');
  }
  tgt(`xlat ${hook} UDP 64-byte pps / plain forwarding`, x?.udp64PpsVsPlain, '>=', 1, '');
}
for (const c of (result.testrun?.cases ?? []).filter((c) => c.id.startsWith('siit-xdp'))) tgt(`${c.what}: ns per packet / parse-only baseline`, c.ratioToBaseline, '<=', 3, '');
const sess = result.control?.sessions;
tgt(`session display of ${sess?.count?.toLocaleString('en-US') ?? '?'} sessions (s)${Q ? ' [quick: not 1,000,000]' : ''}`, sess?.displaySeconds, '<=', 3, ' s');
tgt('cold start: xlat siit instance display (ms)', result.control?.coldStart?.siitInstanceDisplay?.medianMs, '<=', 200, ' ms');
tgt('cold start: xlat --help (ms)', result.control?.coldStart?.help?.medianMs, '<=', 200, ' ms');
tgt('10,000 EAMT entries: eamt add --file (s)', result.control?.eamt?.addSeconds, '<=', 1, ' s');

// ---- tables -----------------------------------------------------------------------------------------------------
const tables = [];
const pf = (t) => (t.pass === null ? 'n/a' : t.pass ? 'pass' : 'MISS');
if (result.testrun) {
  const tr = result.testrun;
  tables.push({
    title: `Per-packet cost (BPF_PROG_TEST_RUN; parse-only XDP baseline: ${fmt(tr.baseline.nsPerRunSlope)} ns per run by slope, ${fmt(tr.baseline.nsPerRunRepeat1)} ns single run)`,
    header: ['case', 'method', 'ns/packet', 'x baseline', 'verified'],
    rows: tr.cases.map((c) => [c.what, c.method ?? '-', fmt(c.nsPerPacket), fmt(c.ratioToBaseline, 2), c.verified ? 'yes' : `NO${c.problem ? `: ${c.problem.slice(0, 60)}` : ''}`]),
  });
  const cr = tr.cases.filter((c) => c.id.endsWith('-create'));
  if (cr.some((c) => c.creationsPerSecondPerCore)) {
    tables.at(-1).rows.push(...cr.map((c) => [`${c.what}: creations/s (1 core, kernel time)`, 'mean of all', fmt(c.creationsPerSecondPerCore), '-', '-']));
  }
}
if (result.e2e) {
  const e = result.e2e;
  const r = (x) => [x.what, fmt(x.tcp1Gbps, 2), fmt(x.tcp1GbpsVsPlain, 2), fmt(x.tcp8Gbps, 2), fmt(x.tcp8GbpsVsPlain, 2), fmt(x.udp64Pps), fmt(x.udp64PpsVsPlain, 2), x.error ?? ''];
  tables.push({
    title: `End to end, n6 -- j -- n4 over veth (${e.seconds} s per test; TCP: ${e.generator.tcp}; UDP 64-byte payloads: ${e.generator.udp64}, packets/s arriving at n4)`,
    header: ['row', 'TCP 1 Gbit/s', 'x plain', 'TCP 8 Gbit/s', 'x plain', 'UDP64 pps', 'x plain', 'error'],
    rows: [...e.rows.map(r), e.ceiling ? r({...e.ceiling, what: `generator ceiling (${e.ceiling.what})`}) : null].filter(Boolean),
  });
}
if (result.control) {
  const c = result.control;
  tables.push({
    title: 'Control plane and memory',
    header: ['figure', 'value'],
    rows: [
      [`session display --numeric --csv, ${c.sessions.count.toLocaleString('en-US')} sessions`, c.sessions.error ?? `${fmt(c.sessions.displaySeconds, 2)} s, peak RSS ${fmt(c.sessions.peakRssMiB, 0)} MiB`],
      [`eamt add --file, ${c.eamt.count.toLocaleString('en-US')} entries`, c.eamt.error ?? `${fmt(c.eamt.addSeconds, 2)} s, peak RSS ${fmt(c.eamt.peakRssMiB, 0)} MiB`],
      ['cold start: xlat siit instance display', c.coldStart.siitInstanceDisplay?.error ?? `${fmt(c.coldStart.siitInstanceDisplay?.medianMs, 0)} ms median (${c.coldStart.siitInstanceDisplay?.tool})`],
      ['cold start: xlat --help', c.coldStart.help?.error ?? `${fmt(c.coldStart.help?.medianMs, 0)} ms median (${c.coldStart.help?.tool})`],
      ['kernel memory per NAT64 session (nat64_sessions entry)', `${fmt(c.memory.sessionBytes, 0)} bytes`],
      ['kernel memory per NAT64 flow (session + BIB 4 and 6 entries, created by the programs)', `${fmt(result.testrun?.nat64Memory?.bytesPerFlow, 0)} bytes`],
      ['kernel memory per EAMT entry (both tries)', `${fmt(c.memory.eamtEntryBytes, 0)} bytes`],
    ],
  });
}
if (result.churn) {
  const c = result.churn;
  tables.push({
    title: `NAT64 at capacity: a ${c.capacity.toLocaleString('en-US')}-session table kept full while sessions expire (${c.lifetimeMs} ms lifetime), new UDP flows for ${c.seconds} s (tc, BPF_PROG_TEST_RUN)`,
    header: ['figure', 'value'],
    rows: [
      ['per new flow: median / p99 / p99.9 / max (ns)', `${fmt(c.medianNs, 0)} / ${fmt(c.p99Ns, 0)} / ${fmt(c.p999Ns, 0)} / ${fmt(c.maxNs, 0)}`],
      ['flows sent, sessions created, refused (table full)', `${c.flows}, ${c.created}, ${c.refused}`],
      ['full-table scans, sessions deleted by the sweeper or on lookup', `${c.fullScans}, ${c.sessionsExpired ?? '-'}`],
    ],
  });
}
tables.push({
  title: 'Targets (issue 5; measured, never asserted)',
  header: ['target', 'measured', 'wanted', 'result', 'by'],
  rows: T.map((t) => [t.what, fmt(t.value, 2), t.target, pf(t), t.by]),
});

const head = (m) => `${m.cpuModel} (${m.cores} cores), ${m.memoryGiB} GiB, Linux ${m.kernel}, ${m.distro}, node ${m.node}, libbpf ${m.libbpf}, ${m.clang}; ${m.date}${Q ? '; QUICK run' : ''}`;
const text = [`xlat benchmark: ${head(result.machine)}`, ...tables.map((t) => `\n${t.title}\n${textTable(t.header, t.rows)}`)].join('\n');
const md = [`Measured ${head(result.machine)}, xlat ${result.machine.xlatCommit}${result.machine.xlatDirty ? ' (+ uncommitted changes)' : ''}.`, ...tables.map((t) => `\n**${t.title}**\n\n${mdTable(t.header, t.rows)}`)].join('\n') + '\n';
console.log(text);
if (result.errors.length) console.log(`\nerrors:\n${result.errors.join('\n')}`);
writeFileSync(path.join(opts.out, 'latest.json'), JSON.stringify(result, null, 2) + '\n');
writeFileSync(path.join(opts.out, 'latest.md'), md);
rmSync(tmpDir, {recursive: true, force: true});
console.log(`\nwrote ${path.join(opts.out, 'latest.json')} and latest.md in ${result.seconds} s`);
