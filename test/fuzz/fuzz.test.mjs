// The reduced fuzz run of `npm test` (about 40 s): `npm run fuzz -- --quick`, i.e. 80,000 packets through each of
// SIIT XDP, SIIT tc, NAT64 XDP and NAT64 tc with a fixed seed, every invariant of fuzz/engine.mjs checked on every
// packet, every counter a packet can reach reached (fuzz/unreachable.json says why the others cannot be), and no
// kernel warning during the run. The full run (10^6 packets per program) is `npm run fuzz`.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {spawnSync} from 'node:child_process';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const skip = process.getuid?.() !== 0 ? 'needs root (BPF_PROG_TEST_RUN, unshare -n)'
  : !existsSync(`${root}build/bpf/siit.bpf.o`) || !existsSync(`${root}dist/bpf/object.js`) ? 'not built (npm run build)' : false;

test('reduced fuzz run: no invariant broken, every reachable counter reached, no kernel warning', {skip, timeout: 240_000}, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'xlat-fuzz-'));
  try {
    const json = path.join(dir, 'report.json');
    const r = spawnSync(process.execPath, [`${root}fuzz/run.mjs`, '--quick', '--json', json], {encoding: 'utf8'});
    const out = `${r.stdout}${r.stderr}`.split('\n').filter((l) => !/ packets, \d+ s$/.test(l)).join('\n');
    assert.equal(r.status, 0, out);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.deepEqual(Object.keys(report.programs), ['siit-xdp', 'siit-tc', 'nat64-xdp', 'nat64-tc']);
    for (const [prog, p] of Object.entries(report.programs)) {
      assert.ok(p.packets >= 80_000, `${prog}: ${p.packets} packets`);
      assert.deepEqual(p.failures, [], prog);
      assert.deepEqual(p.missed, [], `${prog}: counters not reached`);
    }
    console.log(out);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
