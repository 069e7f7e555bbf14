import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {renderStats} from '../../../cli/output.js';

export default class Nat64StatsDisplay extends XlatCommand<typeof Nat64StatsDisplay> {
  static override summary = "Show the NAT64 translator's counters.";

  static override description = `Each counter by name with its value summed over all CPUs, one per line as "NAME: VALUE". Every packet is counted once under what happened to it (xlat-*, pass-*, drop-*); bib-created, session-created and reclaimed count events. Zero counters are left out unless --all; --json has every counter.`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --all'];

  static override flags = {
    all: Flags.boolean({char: 'a', summary: 'Show counters that are zero too.', default: false}),
    csv: Flags.boolean({summary: 'Print comma-separated values.', default: false}),
    'no-headers': Flags.boolean({summary: 'Do not print the header row (with --csv).', default: false}),
  };

  public async run(): Promise<{stats: Record<string, bigint>}> {
    const nat64 = await this.nat64();
    const {text, stats} = renderStats(await nat64.readNat64Stats(), {
      all: this.flags.all,
      csv: this.flags.csv,
      noHeaders: this.flags['no-headers'],
    });
    if (text !== null) this.log(text);
    return {stats};
  }
}
