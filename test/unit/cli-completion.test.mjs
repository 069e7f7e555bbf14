// Shell completion (src/cli/completion.ts): the bash function run by a real bash on command lines as typed.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {bashCompletion, zshCompletion} from '../../dist/cli/completion.js';
import {packageTree} from '../../dist/cli/command-tree.js';

const script = bashCompletion(packageTree(), 'xlat');

/** What bash completes for the words typed so far (the last one being completed). */
function complete(...words) {
  const line = ['xlat', ...words];
  const prog = `${script}\nCOMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${line.length - 1}; _xlat_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['-c', prog], {encoding: 'utf8'});
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

test('bash: words, flags of the command, global flags anywhere', () => {
  assert.deepEqual(complete(''), ['completion', 'config', 'metrics', 'nat64', 'siit']);
  assert.deepEqual(complete('siit', 'gl'), ['global']);
  assert.deepEqual(complete('-n', 'red', 'nat64', 'pool4', 'a'), ['add']);
  assert.ok(complete('nat64', '-n', 'red', 'pool4', 'add', '192.0.2.1', '--').includes('--tcp'));
  assert.ok(complete('siit', 'eamt', 'add', '--f').includes('--file') && complete('siit', 'eamt', 'add', '--f').includes('--force'));
  // Hidden commands are not offered.
  assert.ok(!complete('nat64', '').includes('pool6'));
});

test('zsh: the same function through bashcompinit', () => {
  const z = zshCompletion(packageTree(), 'xlat');
  assert.match(z, /^#compdef xlat\n/);
  assert.match(z, /autoload -U \+X bashcompinit && bashcompinit/);
  assert.match(z, /complete -F _xlat_complete xlat/);
  const r = spawnSync('bash', ['-n'], {input: script, encoding: 'utf8'});
  assert.equal(r.status, 0, r.stderr);
});
