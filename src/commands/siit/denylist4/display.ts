import {XlatCommand} from '../../../cli/base-command.js';
import {tableFlags} from '../../../cli/flags.js';
import {renderTable} from '../../../cli/output.js';
import {formatPrefix4} from '../../../model/ipv4.js';

export default class SiitDenylist4Display extends XlatCommand<typeof SiitDenylist4Display> {
  static override summary = 'Show denylist4.';

  static override description = 'One row per IPv4 prefix, sorted. With --json: {"denylist4": [{"prefix"}, ...]}.';

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --csv'];

  static override flags = {...tableFlags};

  public async run(): Promise<{denylist4: {prefix: string}[]}> {
    await this.siit();
    const tables = await import('../../../instance/siit/tables.js');
    const list = (await tables.displayDenylist4()).map(formatPrefix4);
    const text = renderTable(
      ['IPv4 Prefix'],
      list.map((p) => [p]),
      {csv: this.flags.csv, noHeaders: this.flags['no-headers']},
    );
    if (text !== '') this.log(text);
    return {denylist4: list.map((prefix) => ({prefix}))};
  }
}
