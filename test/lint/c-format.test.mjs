// Habits the CI enforces: the data plane's C follows the repository's .clang-format (bpf/, test/host/).
// `clang-format -i FILE` fixes a file.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync, spawnSync} from 'node:child_process';
import {readdirSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const have = spawnSync('sh', ['-c', 'command -v clang-format'], {stdio: 'ignore'}).status === 0;

function cFiles(dir) {
  return readdirSync(path.join(ROOT, dir), {recursive: true, withFileTypes: true})
    .filter((e) => e.isFile() && /\.[ch]$/.test(e.name))
    .map((e) => path.relative(ROOT, path.join(e.parentPath ?? e.path, e.name)));
}

test('the C follows .clang-format', {skip: have ? false : 'needs clang-format (scripts/setup.sh installs it)'}, () => {
  const files = [...cFiles('bpf'), ...cFiles('test/host')].sort();
  assert.ok(files.length > 20, 'the C files are found');
  const bad = files.filter((f) => {
    try {
      execFileSync('clang-format', ['--dry-run', '-Werror', f], {cwd: ROOT, stdio: 'pipe'});
      return false;
    } catch {
      return true;
    }
  });
  assert.deepEqual(bad, [], `not formatted (clang-format -i ${bad.join(' ')})`);
});
