// Shared value syntaxes (src/model/values.ts), counter explanations and the Prometheus exposition.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {formatDuration, isUnsetWord, parseBool, parseDuration} from '../../dist/model/values.js';
import {explainCounter} from '../../dist/model/counters.js';
import {metricName, renderPrometheus} from '../../dist/model/prometheus.js';
import {COUNTER_NAMES, countersOf} from '../../dist/abi/common.js';

test('booleans as Jool accepts them', () => {
  for (const t of ['true', 'TRUE', 'yes', 'On', '1', ' true ']) assert.equal(parseBool('k', t), true, t);
  for (const f of ['false', 'No', 'OFF', '0']) assert.equal(parseBool('k', f), false, f);
  for (const bad of ['', '2', 'y', 'enable']) assert.throws(() => parseBool('k', bad), /expected true or false/);
});

test('durations: [[HH:]MM:]SS[.mmm] and seconds, and what display prints', () => {
  const cases = {'0': 0, '90': 90, '1:30': 90, '0:05:00': 300, '2:00:00': 7200, '100:00:00': 360000, '0:01:00.000': 60, '1.001': 2, '1.5': 2};
  for (const [text, want] of Object.entries(cases)) assert.equal(parseDuration('t', text), want, text);
  for (const bad of ['', '1:60', '1:2:3:4', '-1', '1h', '1:00.1234']) assert.throws(() => parseDuration('t', bad), /\[\[HH:\]MM:\]SS/, bad);
  for (const s of [0, 59, 60, 3599, 7200, 86400 * 30]) assert.equal(parseDuration('t', formatDuration(s)), s);
  assert.ok(isUnsetWord('(unset)') && isUnsetWord('null') && isUnsetWord('NULL') && !isUnsetWord('0'));
});

test('every counter the data planes have is explained in one sentence', () => {
  for (const [set, t] of [['SIIT', 'siit'], ['NAT64', 'nat64']]) {
    for (const [, n] of countersOf(t)) {
      const e = explainCounter(set, n);
      assert.ok(e, `${set} ${n} has no explanation (src/model/counters.ts)`);
      assert.match(e, /^[A-Z].*\.$/, `${set} ${n}: one sentence`);
    }
  }
  assert.equal(explainCounter('NAT64', 'no-such-counter'), null);
});

test('the README documents every counter of both translators', async () => {
  const {readFileSync} = await import('node:fs');
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const n of COUNTER_NAMES) assert.ok(readme.includes(`\`${n}\``), `README: counter ${n}`);
});

test('Prometheus exposition: names, HELP/TYPE once per family, labels escaped', () => {
  assert.equal(metricName('NAT64', 'drop-table-full'), 'xlat_nat64_drop_table_full_total');
  const text = renderPrometheus([
    {translator: 'NAT64', namespace: 'red', enabled: true, counters: [{name: 'xlat-6to4', value: 5n}]},
    {translator: 'NAT64', namespace: 'a"b\\c', enabled: false, counters: [{name: 'xlat-6to4', value: 18446744073709551615n}]},
  ]);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.filter((l) => l.startsWith('# TYPE xlat_nat64_xlat_6to4_total counter')).length, 1);
  assert.ok(lines.includes('xlat_nat64_xlat_6to4_total{namespace="red",translator="nat64"} 5'));
  assert.ok(lines.includes('xlat_nat64_xlat_6to4_total{namespace="a\\"b\\\\c",translator="nat64"} 18446744073709551615'));
  assert.ok(lines.includes('xlat_instance_enabled{namespace="red",translator="nat64"} 1'));
  assert.ok(lines.includes('# HELP xlat_nat64_xlat_6to4_total IPv6 packets translated to IPv4.'));
  assert.equal(renderPrometheus([]), '');
});
