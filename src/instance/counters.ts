/**
 * A translator's per-CPU stats array (siit_stats, nat64_stats), summed over the CPUs: the counters of the one
 * code space (src/abi/common.ts) that this translator counts, in enum order.
 */
import type {BpfMap} from '../bpf/map.js';
import {countersOf, type Translator} from '../abi/common.js';

export function readCounters(stats: BpfMap, t: Translator): {name: string; value: bigint}[] {
  const key = Buffer.alloc(4);
  return countersOf(t)
    .filter(([i]) => i < stats.maxEntries)
    .map(([i, name]) => {
      key.writeUInt32LE(i);
      let value = 0n;
      for (const v of stats.lookupPerCpu(key) ?? []) value += v.readBigUInt64LE(0);
      return {name, value};
    });
}
