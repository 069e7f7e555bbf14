import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {renderTable} from '../../../cli/output.js';
import {eamView} from '../../../model/siit-eamt.js';

export default class SiitEamtDisplay extends XlatCommand<typeof SiitEamtDisplay> {
  static override summary = 'Show the EAMT.';

  static override description = `One row per entry, sorted by IPv6 prefix: its IPv6 prefix and IPv4 prefix. With --json, an array of {"ipv6Prefix", "ipv4Prefix"}. The --csv output can be fed back to 'eamt add --file'.`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --csv --no-headers'];

  static override flags = {
    csv: Flags.boolean({summary: 'Print comma-separated values.', default: false}),
    'no-headers': Flags.boolean({summary: 'Do not print the header row.', default: false}),
  };

  public async run(): Promise<{ipv6Prefix: string; ipv4Prefix: string}[]> {
    await this.siit();
    const tables = await import('../../../instance/siit-tables.js');
    const rows = (await tables.displayEamt()).map(eamView);
    const text = renderTable(
      ['IPv6 Prefix', 'IPv4 Prefix'],
      rows.map((r) => [r.ipv6Prefix, r.ipv4Prefix]),
      {csv: this.flags.csv, noHeaders: this.flags['no-headers']},
    );
    if (text !== '') this.log(text);
    return rows;
  }
}
