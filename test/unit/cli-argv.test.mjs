// The command-line normalizer (src/cli/argv.ts): global flags anywhere, abbreviations, help, incomplete commands.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {normalizeArgv, globalFlags} from '../../dist/cli/argv.js';
import {buildTree, packageTree} from '../../dist/cli/command-tree.js';

const tree = packageTree();
const run = (...argv) => {
  const n = normalizeArgv(argv, tree);
  assert.equal(n.kind, 'run', `${argv.join(' ')}: ${n.message}`);
  return n.argv;
};
const fail = (...argv) => {
  const n = normalizeArgv(argv, tree);
  assert.equal(n.kind, 'error', argv.join(' '));
  return n.message;
};

test('the global flags are the ones every command has', () => {
  // instance-name is hidden: the Jool front ends set it (Jool's -i NAME).
  assert.deepEqual(globalFlags(tree).map((f) => f.name).sort(), ['instance-name', 'json', 'netns', 'verbose']);
});

test('-n, --json and --verbose anywhere: before the mode, between the words, after', () => {
  const want = ['siit', 'instance', 'remove', '--netns', 'red'];
  assert.deepEqual(run('siit', 'instance', '-n', 'red', 'remove'), want);
  assert.deepEqual(run('-n', 'red', 'siit', 'instance', 'remove'), want);
  assert.deepEqual(run('siit', '-n', 'red', 'instance', 'remove'), want);
  assert.deepEqual(run('siit', 'instance', 'remove', '-n', 'red'), want);
  assert.deepEqual(run('siit', 'instance', 'remove', '--netns=red'), want);
  assert.deepEqual(run('-nred', 'siit', 'instance', 'remove'), want);
  assert.deepEqual(run('siit', '--json', 'instance', 'status'), ['siit', 'instance', 'status', '--json']);
  assert.deepEqual(run('--verbose', 'siit', 'eamt', '--json', 'flush'), ['siit', 'eamt', 'flush', '--verbose', '--json']);
  // Arguments and the command's own flags keep their order.
  assert.deepEqual(run('-n', 'red', 'siit', 'eamt', 'add', '2001:db8::/120', '--force', '192.0.2.0/24'), [
    'siit', 'eamt', 'add', '2001:db8::/120', '--force', '192.0.2.0/24', '--netns', 'red',
  ]);
  // A boolean flag of the command between topic words waits for the command.
  assert.deepEqual(run('nat64', '--udp', 'bib', 'display'), ['nat64', 'bib', 'display', '--udp']);
  // '--' ends the flags.
  assert.deepEqual(run('siit', 'address', 'query', '--', '-n'), ['siit', 'address', 'query', '--', '-n']);
  assert.match(fail('siit', 'instance', 'display', '-n'), /flag --netns needs a value/);
});

test('unique prefixes of the command words and of long flags', () => {
  assert.deepEqual(run('siit', 'glo', 'disp'), ['siit', 'global', 'display']);
  assert.deepEqual(run('si', 'g', 'u', 'tos', '1'), ['siit', 'global', 'update', 'tos', '1']);
  assert.deepEqual(run('nat64', 'se', 'd', '--nu', '--ic'), ['nat64', 'session', 'display', '--numeric', '--icmp']);
  assert.deepEqual(run('nat64', 'pool4', 'add', '--mar=5', '--tcp', '192.0.2.1'), ['nat64', 'pool4', 'add', '--mark=5', '--tcp', '192.0.2.1']);
  // A value is never expanded, even when it looks like a prefix of a flag.
  assert.deepEqual(run('nat64', 'pool4', 'add', '--mark', '--t'), ['nat64', 'pool4', 'add', '--mark', '--t']);
  assert.match(fail('nat64', 's', 'd'), /'s' is ambiguous after 'xlat nat64': it may be session, stats/);
  assert.match(fail('siit', 'bogus'), /'siit bogus' is not an xlat command/);
});

test('help: -h, help WORDS, a topic alone is an error (exit 2), nothing at all is the root help', () => {
  assert.deepEqual(run('siit', 'instance', 'add', '-h'), ['siit', 'instance', 'add', '--help']);
  assert.deepEqual(run('help', 'siit', 'instance'), ['siit', 'instance', '--help']);
  assert.deepEqual(run('help', 'si', 'ins'), ['siit', 'instance', '--help']);
  assert.deepEqual(run('help'), ['--help']);
  assert.deepEqual(run(), ['--help']);
  assert.match(fail('siit', 'instance'), /^'xlat siit instance' needs one of: add, /);
  assert.match(fail('siit', '-n', 'red'), /^'xlat siit' needs one of:/);
  assert.deepEqual(run('--json'), ['--help']);
  // Two long flags start with --ma: left as typed, oclif then names it.
  assert.deepEqual(run('nat64', 'pool4', 'add', '--ma=5'), ['nat64', 'pool4', 'add', '--ma=5']);
});

test('a small synthetic tree: hidden commands are reachable by full name and not offered', () => {
  const t = buildTree({
    commands: {
      'a:b': {id: 'a:b', flags: {json: {name: 'json', type: 'boolean'}}},
      'a:bee': {id: 'a:bee', hidden: true, flags: {json: {name: 'json', type: 'boolean'}}},
    },
  });
  assert.deepEqual(normalizeArgv(['a', 'b'], t).argv, ['a', 'b']);
  assert.deepEqual(normalizeArgv(['a', 'bee'], t).argv, ['a', 'bee']);
  assert.match(normalizeArgv(['a', 'x'], t).message, /takes b \(/);
});
