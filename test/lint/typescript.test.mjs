// Habits the CI enforces on the TypeScript (issue 12): ESLint (typescript-eslint's type-aware rules, no `any` at
// module boundaries), prettier's format (.prettierrc.json), a copy-paste threshold (jscpd, .jscpd.json: at most 1%
// of src/ and bpf/ duplicated) and no unused exports (scripts/unused-exports.mjs). `npm run lint` runs the same.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);
const missing = ['eslint', 'prettier', 'jscpd'].find((b) => !existsSync(bin(b)));
const skip = missing ? `needs ${missing} (npm ci installs the devDependencies)` : false;

function run(cmd, args) {
  const r = spawnSync(cmd, args, {cwd: ROOT, encoding: 'utf8', timeout: 180_000});
  return {status: r.status, out: `${r.stdout}${r.stderr}`.trim()};
}

test('eslint finds nothing in src/', {skip}, () => {
  const r = run(bin('eslint'), ['src']);
  assert.equal(r.status, 0, r.out);
});

test('src/ is formatted by prettier', {skip}, () => {
  const r = run(bin('prettier'), ['--check', 'src/**/*.ts']);
  assert.equal(r.status, 0, r.out);
});

test('copy-paste stays under the threshold (jscpd)', {skip}, () => {
  const r = run(bin('jscpd'), ['--silent']);
  assert.equal(r.status, 0, r.out);
});

test('no unused exports', () => {
  const r = run(process.execPath, [path.join(ROOT, 'scripts', 'unused-exports.mjs')]);
  assert.equal(r.status, 0, r.out);
});
