// The packets the fuzzer found breaking an invariant (test/fixtures/fuzz-regressions.tsv), replayed through the
// real programs by fuzz/run.mjs --replay (in a private network namespace of its own): every invariant of
// fuzz/engine.mjs holds and each packet is counted under the counter its row expects.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const skip = process.getuid?.() !== 0 ? 'needs root (BPF_PROG_TEST_RUN, unshare -n)'
  : !existsSync(`${root}build/bpf/nat64.bpf.o`) || !existsSync(`${root}dist/bpf/object.js`) ? 'not built (npm run build)' : false;

test('fuzzer regression rows replay with every invariant kept', {skip}, () => {
  const r = spawnSync(process.execPath, [`${root}fuzz/run.mjs`, '--replay', `${root}test/fixtures/fuzz-regressions.tsv`], {encoding: 'utf8'});
  const out = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, 0, out);
  const rows = out.split('\n').filter((l) => / ok, /.test(l));
  assert.ok(rows.length >= 10, `expected at least 10 rows replayed:\n${out}`);
});
