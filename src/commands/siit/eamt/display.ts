import {XlatCommand} from '../../../cli/base-command.js';
import {tableFlags} from '../../../cli/flags.js';
import {renderTable} from '../../../cli/output.js';
import {eamView, type EamView} from '../../../model/siit-eamt.js';

export default class SiitEamtDisplay extends XlatCommand<typeof SiitEamtDisplay> {
  static override summary = 'Show the EAMT.';

  static override description = `One row per entry, sorted by IPv6 prefix: its IPv6 prefix and IPv4 prefix. With --json: {"eamt": [{"ipv6-prefix", "ipv4-prefix"}, ...]}. The --csv output can be fed back to 'eamt add --file'.`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --csv --no-headers'];

  static override flags = {...tableFlags};

  public async run(): Promise<{eamt: EamView[]}> {
    await this.siit();
    const tables = await import('../../../instance/siit/tables.js');
    const rows = (await tables.displayEamt()).map(eamView);
    const text = renderTable(
      ['IPv6 Prefix', 'IPv4 Prefix'],
      rows.map((r) => [r['ipv6-prefix'], r['ipv4-prefix']]),
      {
        csv: this.flags.csv,
        noHeaders: this.flags['no-headers'],
      },
    );
    if (text !== '') this.log(text);
    return {eamt: rows};
  }
}
