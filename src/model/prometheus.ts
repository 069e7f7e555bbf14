/**
 * The Prometheus text exposition format (version 0.0.4) of translator
 * counters: one counter family per xlat counter, with HELP and TYPE lines,
 * labelled by namespace and translator; plus an instance gauge. Pure logic.
 */
import {explainCounter, type CounterSet} from './counters.js';

export interface InstanceCounters {
  translator: CounterSet;
  namespace: string;
  /** Running (1) or Paused (0). */
  enabled: boolean;
  counters: readonly {name: string; value: bigint}[];
}

/** xlat_nat64_drop_table_full_total */
export function metricName(set: CounterSet, counter: string): string {
  return `xlat_${set.toLowerCase()}_${counter.replace(/[^A-Za-z0-9]+/g, '_')}_total`;
}

function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function helpText(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Every instance's counters, families grouped (HELP and TYPE once per family, as the format requires). */
export function renderPrometheus(instances: readonly InstanceCounters[]): string {
  const lines: string[] = [];
  if (instances.length) {
    lines.push('# HELP xlat_instance_enabled Whether the instance translates (1) or is paused by manually-enabled false (0).');
    lines.push('# TYPE xlat_instance_enabled gauge');
    for (const i of instances) {
      lines.push(`xlat_instance_enabled{namespace="${labelValue(i.namespace)}",translator="${i.translator.toLowerCase()}"} ${i.enabled ? 1 : 0}`);
    }
  }
  const families = new Map<string, {set: CounterSet; counter: string; samples: string[]}>();
  for (const i of instances) {
    for (const c of i.counters) {
      const name = metricName(i.translator, c.name);
      let f = families.get(name);
      if (!f) families.set(name, (f = {set: i.translator, counter: c.name, samples: []}));
      f.samples.push(`${name}{namespace="${labelValue(i.namespace)}",translator="${i.translator.toLowerCase()}"} ${c.value}`);
    }
  }
  for (const [name, f] of families) {
    lines.push(`# HELP ${name} ${helpText(explainCounter(f.set, f.counter) ?? `The ${f.set} counter ${f.counter}.`)}`);
    lines.push(`# TYPE ${name} counter`);
    lines.push(...f.samples);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
