import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {renderKeyValues} from '../../../cli/output.js';
import {globalsPairs, type SiitGlobalsView} from '../../../model/siit-config.js';

export default class SiitGlobalDisplay extends XlatCommand<typeof SiitGlobalDisplay> {
  static override summary = "Show the SIIT instance's global configuration.";

  static override description = `Prints every global key with its current value, one per line, as "  KEY: VALUE" (see 'global update --help' for what each means). Unset prefixes show as (unset); with --json they are null and mtu-plateaus is an array of numbers.`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  static override flags = {
    csv: Flags.boolean({summary: 'Print comma-separated values.', default: false}),
    'no-headers': Flags.boolean({summary: 'Do not print the header row (with --csv).', default: false}),
  };

  public async run(): Promise<SiitGlobalsView> {
    await this.siit();
    const tables = await import('../../../instance/siit-tables.js');
    const globals = await tables.readAllSiitGlobals();
    this.log(renderKeyValues(globalsPairs(globals), {csv: this.flags.csv, noHeaders: this.flags['no-headers']}));
    return globals;
  }
}
