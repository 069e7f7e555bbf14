import {Args} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {eamView, parseEamSelector, type EamView} from '../../../model/siit-eamt.js';

export default class SiitEamtRemove extends XlatCommand<typeof SiitEamtRemove> {
  static override summary = 'Remove an entry from the EAMT.';

  static override description = `Either prefix of the entry identifies it (exactly as it was added); when both are given they must belong to the same entry. The entry leaves both directions at once. Exit 3 when no entry has the prefix.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> 2001:db8:6::/120',
    '<%= config.bin %> <%= command.id %> 192.0.2.0/24',
    '<%= config.bin %> <%= command.id %> 2001:db8:6::/120 192.0.2.0/24',
  ];

  static override writes = true;

  static override args = {
    prefix1: Args.string({description: 'IPv6 or IPv4 prefix of the entry.', required: true}),
    prefix2: Args.string({description: 'Its other prefix (optional).', required: false}),
  };

  public async run(): Promise<{removed: EamView[]}> {
    const sel = parseEamSelector(this.args.prefix1, this.args.prefix2);
    await this.siit();
    const tables = await import('../../../instance/siit/tables.js');
    return {removed: [eamView(await tables.removeEamt(sel.p6, sel.p4))]};
  }
}
