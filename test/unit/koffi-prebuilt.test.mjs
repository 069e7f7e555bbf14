// koffi's native module comes prebuilt (@koromix/koffi-<os>-<arch>): package.json denies koffi's install script
// (allowScripts), which would only check that binary or compile one from source with cmake. This proves the
// prebuilt binary is the one that loads (in CI: on a new machine, after npm ci).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('koffi loads its prebuilt binary from @koromix/koffi-<platform>-<arch>, nothing compiled', () => {
  // a child records every native module it dlopens while importing koffi
  const probe = `
    const seen = [];
    const dlopen = process.dlopen;
    process.dlopen = function (m, file, ...rest) { seen.push(file); return dlopen.call(this, m, file, ...rest); };
    const koffi = (await import('koffi')).default;
    console.log(JSON.stringify({seen, version: koffi.version}));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {cwd: ROOT, encoding: 'utf8'});
  assert.equal(r.status, 0, r.stderr);
  const {seen, version} = JSON.parse(r.stdout);
  assert.equal(seen.length, 1, `one native module: ${seen.join(', ')}`);
  const prebuilt = new RegExp(`/node_modules/@koromix/koffi-${process.platform}-${process.arch}/[^/]+/koffi\\.node$`);
  assert.match(seen[0], prebuilt);
  const pkg = JSON.parse(readFileSync(new URL('../../node_modules/koffi/package.json', import.meta.url), 'utf8'));
  assert.equal(version, pkg.version);
});

test('package.json settles koffi\'s install script (npm ci prints no allowScripts warning)', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.equal(pkg.allowScripts?.koffi, false);
});
