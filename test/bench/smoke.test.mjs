// Smoke test of the benchmark suite (issue 5): `node bench/run.mjs --quick` (what `npm run bench` runs once built) produces every figure. Timings are
// never asserted: only that each figure is a number. Writes its results to a temporary directory, so the last
// full run in bench-results/ stays.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const skip = process.getuid?.() !== 0 ? 'needs root (BPF_PROG_TEST_RUN, network namespaces)'
  : !existsSync(path.join(root, 'build/bpf/siit.bpf.o')) || !existsSync(path.join(root, 'dist/commands'))
    ? 'not built (npm run build)' : false;

const isNum = (x) => typeof x === 'number' && Number.isFinite(x);

test('npm run bench -- --quick produces every figure', {skip, timeout: 600_000}, () => {
  const out = mkdtempSync(path.join(tmpdir(), 'xlat-bench-smoke-'));
  try {
    // Not `npm run bench`, which builds first: the other lane of `npm test` is running the built CLI meanwhile.
    const r = spawnSync('sh', ['-c', `bash bench/setup.sh && exec node bench/run.mjs --quick --out '${out}'`], {cwd: root, encoding: 'utf8', timeout: 540_000});
    assert.equal(r.status, 0, `npm run bench exited ${r.status}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    const j = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8'));
    assert.ok(existsSync(path.join(out, 'latest.md')), 'latest.md written');
    assert.deepEqual(j.errors, [], 'no section failed');
    for (const k of ['cpuModel', 'cores', 'memoryGiB', 'kernel', 'distro', 'node', 'libbpf', 'clang', 'date']) {
      assert.ok(j.machine[k] !== null && j.machine[k] !== undefined, `machine.${k}`);
    }

    // 1. per-packet cost
    for (const k of ['nsPerRunSlope', 'nsPerRunRepeat1']) assert.ok(isNum(j.testrun.baseline[k]), `baseline ${k}`);
    const ids = j.testrun.cases.map((c) => c.id);
    for (const hook of ['xdp', 'tc']) {
      for (const p of ['udp', 'tcp', 'icmp']) assert.ok(ids.includes(`siit-${hook}-${p}`), `siit-${hook}-${p}`);
      for (const d of ['6to4', '4to6', 'create']) assert.ok(ids.includes(`nat64-${hook}-${d}`), `nat64-${hook}-${d}`);
    }
    for (const c of j.testrun.cases) {
      assert.ok(isNum(c.nsPerPacket), `${c.id}: ns per packet`);
      assert.ok(isNum(c.ratioToBaseline), `${c.id}: ratio to the baseline`);
      assert.equal(c.verified, true, `${c.id}: translated output verified (${c.problem ?? ''})`);
    }
    assert.ok(isNum(j.testrun.nat64Memory.bytesPerFlow), 'bytes per NAT64 flow');

    // 2. end to end
    const rows = Object.fromEntries(j.e2e.rows.map((r) => [r.row, r]));
    for (const id of ['plain', 'xlat-tc', 'xlat-xdp', 'tayga']) {
      assert.ok(rows[id], `e2e row ${id}`);
      assert.equal(rows[id].error, undefined, `e2e ${id}: ${rows[id].error}`);
      for (const k of ['tcp1Gbps', 'tcp8Gbps', 'udp64Pps', 'tcp1GbpsVsPlain', 'tcp8GbpsVsPlain', 'udp64PpsVsPlain']) {
        assert.ok(isNum(rows[id][k]), `e2e ${id}.${k}`);
      }
    }
    for (const k of ['tcp1Gbps', 'tcp8Gbps', 'udp64Pps']) assert.ok(isNum(j.e2e.ceiling[k]), `generator ceiling ${k}`);
    assert.ok(j.e2e.generator.udp64, 'which generator was used');

    // 3 and 4. control plane, memory
    const c = j.control;
    for (const [v, what] of [[c.sessions.displaySeconds, 'session display seconds'], [c.sessions.peakRssMiB, 'session display peak RSS'],
      [c.eamt.addSeconds, 'eamt add seconds'], [c.coldStart.siitInstanceDisplay?.medianMs, 'cold start instance display'],
      [c.coldStart.help?.medianMs, 'cold start --help'], [c.memory.sessionBytes, 'bytes per session'], [c.memory.eamtEntryBytes, 'bytes per EAMT entry']]) {
      assert.ok(isNum(v), what);
    }

    // 5. targets: each judged (pass or miss), none missing.
    assert.ok(j.targets.length >= 17, 'every target listed');
    for (const t of j.targets) assert.ok(isNum(t.value) && typeof t.pass === 'boolean', `target measured: ${t.what}`);
  } finally {
    rmSync(out, {recursive: true, force: true});
  }
});
