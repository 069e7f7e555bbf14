/**
 * `stats display` of either translator: flags and output (text like Jool's,
 * CSV, Prometheus exposition, explanations), in one place.
 */
import {Flags} from '@oclif/core';
import {InputError} from '../errors.js';
import {explainCounter, type CounterSet} from '../model/counters.js';
import {renderPrometheus} from '../model/prometheus.js';
import {tableFlags} from './flags.js';
import {renderTable} from './output.js';

export const statsFlags = {
  all: Flags.boolean({char: 'a', summary: 'Show counters that are zero too.', default: false}),
  ...tableFlags,
  explain: Flags.boolean({summary: 'Add one sentence per counter saying what it counts.', default: false}),
  format: Flags.string({
    summary: 'text (default) or prometheus (the text exposition format, HELP/TYPE lines, labelled by namespace and translator).',
    options: ['text', 'prometheus'] as const,
    default: 'text',
  }),
};

export interface StatsResult {
  /** Every counter by name, summed over CPUs (zeros included). */
  stats: Record<string, bigint>;
  /** With --explain: one sentence per counter. */
  explanations?: Record<string, string>;
}

export interface StatsFlags {
  all: boolean;
  csv: boolean;
  'no-headers': boolean;
  explain: boolean;
  format: string;
}

/** The text to print (null: nothing) and the JSON result. */
export function statsOutput(
  set: CounterSet,
  counters: readonly {name: string; value: bigint}[],
  flags: StatsFlags,
  where: {namespace: string; enabled: boolean},
  json: boolean,
): {text: string | null; result: StatsResult} {
  if (flags.format === 'prometheus' && (flags.csv || json))
    throw new InputError('--format prometheus is an output format of its own: leave out --csv and --json');
  const explain = (name: string) => explainCounter(set, name) ?? '(a counter this xlat does not know: see the data plane that set it)';
  const shown = flags.all ? counters : counters.filter((c) => c.value !== 0n);
  let text: string | null = null;
  if (flags.format === 'prometheus') {
    text = renderPrometheus([{translator: set, namespace: where.namespace, enabled: where.enabled, counters}]).replace(/\n$/, '');
  } else if (flags.csv) {
    const headers = flags.explain ? ['Stat', 'Value', 'Explanation'] : ['Stat', 'Value'];
    const rows = shown.map((c) => (flags.explain ? [c.name, c.value.toString(), explain(c.name)] : [c.name, c.value.toString()]));
    text = renderTable(headers, rows, {csv: true, noHeaders: flags['no-headers']});
  } else if (shown.length > 0) {
    text = shown.map((c) => (flags.explain ? `${c.name}: ${c.value}\n  ${explain(c.name)}` : `${c.name}: ${c.value}`)).join('\n');
  }
  const stats: Record<string, bigint> = {};
  for (const c of counters) stats[c.name] = c.value;
  const result: StatsResult = {stats};
  if (flags.explain) result.explanations = Object.fromEntries(counters.map((c) => [c.name, explain(c.name)]));
  return {text, result};
}
