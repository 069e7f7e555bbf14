/** Jool 3's `--pool6` display (the xlat-jool front ends): the prefix, then the count line. */
import {Flags} from '@oclif/core';

export const pool6DisplayFlags = {
  count: Flags.boolean({summary: 'Print the number of prefixes only.', default: false}),
  csv: Flags.boolean({summary: 'Print comma-separated values.', default: false}),
};

export function pool6Text(pool6: string | null, flags: {count: boolean; csv: boolean}): string {
  const list = pool6 === null ? [] : [pool6];
  if (flags.count) return String(list.length);
  if (flags.csv) return ['Prefix', ...list].join('\n');
  return [...list, `  (Fetched ${list.length} entries.)`].join('\n');
}
