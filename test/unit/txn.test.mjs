// All-or-nothing multi-map changes (src/instance/txn.ts) on fake maps.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {runTxn} from '../../dist/instance/txn.js';

function fakeMap(name, {failOnUpdate = -1} = {}) {
  const m = new Map();
  let updates = 0;
  return {
    name,
    m,
    lookup: (k) => m.get(k.toString('hex')) ?? null,
    update(k, v, flags) {
      if (updates++ === failOnUpdate) throw new Error(`updating map ${name}: No space left on device`);
      if (flags === 1n && m.has(k.toString('hex'))) throw new Error(`updating map ${name}: File exists`);
      m.set(k.toString('hex'), v);
    },
    delete(k) {
      return m.delete(k.toString('hex'));
    },
  };
}
const K = (i) => Buffer.from([i]);

test('every step done, in order', () => {
  const a = fakeMap('a');
  const b = fakeMap('b');
  runTxn([{op: 'create', map: a, key: K(1), value: K(9)}, {op: 'create', map: b, key: K(1), value: K(9)}], 'adding');
  assert.equal(a.m.size, 1);
  assert.equal(b.m.size, 1);
  runTxn([{op: 'delete', map: a, key: K(1), value: K(9)}, {op: 'delete', map: b, key: K(1), value: K(9)}], 'removing');
  assert.equal(a.m.size + b.m.size, 0);
});

test('a failing create undoes what was written in both maps', () => {
  const a = fakeMap('siit_eamt6');
  const b = fakeMap('siit_eamt4', {failOnUpdate: 2});
  const steps = [];
  for (let i = 0; i < 5; i++) steps.push({op: 'create', map: a, key: K(i), value: K(i)}, {op: 'create', map: b, key: K(i), value: K(i)});
  assert.throws(() => runTxn(steps, 'adding 5 EAMT entries'), {
    message: 'adding 5 EAMT entries failed: updating map siit_eamt4: No space left on device; nothing was changed',
  });
  assert.equal(a.m.size, 0);
  assert.equal(b.m.size, 0);
});

test('an existing key fails the create and leaves the old entry', () => {
  const a = fakeMap('a');
  a.m.set(K(1).toString('hex'), K(7));
  assert.throws(() => runTxn([{op: 'create', map: a, key: K(0), value: K(0)}, {op: 'create', map: a, key: K(1), value: K(1)}], 'adding'), /File exists; nothing was changed/);
  assert.deepEqual([...a.m.keys()], ['01']);
  assert.deepEqual(a.m.get('01'), K(7));
});

test('a failing delete puts back what was deleted', () => {
  const a = fakeMap('a');
  const b = fakeMap('b');
  a.m.set('01', K(1));
  a.m.set('02', K(2));
  b.m.set('01', K(1));
  assert.throws(
    () =>
      runTxn(
        [
          {op: 'delete', map: a, key: K(1), value: K(1)},
          {op: 'delete', map: b, key: K(1), value: K(1)},
          {op: 'delete', map: a, key: K(2), value: K(2)},
          {op: 'delete', map: b, key: K(2), value: K(2)},
        ],
        'flushing',
      ),
    /flushing failed: an entry of b vanished meanwhile; nothing was changed/,
  );
  assert.deepEqual([...a.m.keys()].sort(), ['01', '02']);
  assert.deepEqual([...b.m.keys()], ['01']);
});
