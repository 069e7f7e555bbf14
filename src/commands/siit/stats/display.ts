import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {renderStats} from '../../../cli/output.js';

export interface StatsResult {
  /** Every counter by name, summed over CPUs (zeros included). */
  stats: Record<string, bigint>;
}

export default class SiitStatsDisplay extends XlatCommand<typeof SiitStatsDisplay> {
  static override summary = "Show the SIIT translator's counters.";

  static override description = `Prints each counter by name with its value summed over all CPUs, one per line as "NAME: VALUE". Counters that are zero are left out unless --all is given; --json always includes every counter.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --all',
    '<%= config.bin %> <%= command.id %> --json',
  ];

  static override flags = {
    all: Flags.boolean({char: 'a', summary: 'Show counters that are zero too.', default: false}),
    csv: Flags.boolean({summary: 'Print comma-separated values.', default: false}),
    'no-headers': Flags.boolean({summary: 'Do not print the header row (with --csv).', default: false}),
  };

  public async run(): Promise<StatsResult> {
    const siit = await this.siit();
    const {text, stats} = renderStats(await siit.readSiitStats(), {
      all: this.flags.all,
      csv: this.flags.csv,
      noHeaders: this.flags['no-headers'],
    });
    if (text !== null) this.log(text);
    return {stats};
  }
}
