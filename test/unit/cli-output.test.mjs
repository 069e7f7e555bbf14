// Pure pieces of the CLI edge: error reporting and renderers (src/cli/errors.ts, output.ts).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {oneLine, reportError} from '../../dist/cli/errors.js';
import {renderKeyValues, renderTable, toJson} from '../../dist/cli/output.js';
import {InputError, SystemError, XlatError} from '../../dist/errors.js';

test('oneLine collapses oclif parse messages and keeps IPv6 text intact', () => {
  assert.equal(oneLine('Nonexistent flag: --x\nSee more help with --help'), 'Nonexistent flag: --x');
  assert.equal(oneLine('\u001b[2mdim\u001b[22m\n  text'), 'dim text');
  assert.equal(oneLine("'64:ff9b::/33' bad"), "'64:ff9b::/33' bad");
});

test('reportError: exit codes and detail', () => {
  assert.deepEqual(reportError(new InputError('bad')), {message: 'bad', exitCode: 2, detail: undefined, internal: false});
  const sys = reportError(new SystemError('load failed', 13, 'verifier log\nline 2'));
  assert.equal(sys.exitCode, 1);
  assert.equal(sys.detail, 'verifier log\nline 2');
  assert.equal(reportError(new XlatError('x', {exitCode: 7})).exitCode, 7);
  const oclifLike = Object.assign(new Error('Missing 2 required args:\nkey  The key\nvalue  The value\nSee more help with --help'), {
    oclif: {exit: 2},
    args: [{name: 'key'}, {name: 'value'}],
  });
  assert.deepEqual(reportError(oclifLike).message, 'missing required arguments KEY VALUE (see --help)');
  assert.equal(reportError(oclifLike, 'siit global update').message, "missing required arguments KEY VALUE (see 'xlat siit global update --help')");
  assert.equal(reportError(oclifLike).exitCode, 2);
  const bug = reportError(new TypeError('boom\nmore'));
  assert.equal(bug.message, 'boom more');
  assert.equal(bug.exitCode, 1);
  assert.match(bug.detail, /TypeError: boom/);
  assert.equal(bug.internal, true);
  assert.equal(reportError('weird').message, 'weird');
});

test('toJson writes bigints as exact integers', () => {
  const text = toJson({stats: {a: 1n, b: 18446744073709551615n}, s: 'x\u0000bigint0\u0000'});
  assert.match(text, /"b": 18446744073709551615/);
  assert.match(text, /"a": 1,/);
  assert.equal(JSON.parse(text).s, 'x\u0000bigint0\u0000');
});

test('renderTable: boxed, empty and CSV', () => {
  assert.equal(renderTable(['A', 'Bee'], [['1', '2'], ['333', '']]), [
    '+-----+-----+',
    '| A   | Bee |',
    '+-----+-----+',
    '| 1   | 2   |',
    '| 333 |     |',
    '+-----+-----+',
  ].join('\n'));
  assert.equal(renderTable(['A'], []), '+---+\n| A |\n+---+');
  assert.equal(renderTable(['A', 'B'], [['x,y', 'q"']], {csv: true}), 'A,B\n"x,y","q"""');
  assert.equal(renderTable(['A', 'B'], [['1', '2']], {csv: true, noHeaders: true}), '1,2');
  assert.equal(renderKeyValues([['pool6', '(unset)'], ['manually-enabled', 'true']]), '  pool6: (unset)\n  manually-enabled: true');
});
