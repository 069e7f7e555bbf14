import {XlatCommand} from '../../../cli/base-command.js';
import {tableFlags} from '../../../cli/flags.js';
import {renderKeyValues} from '../../../cli/output.js';
import {globalsPairs, type SiitGlobalsView} from '../../../model/siit-config.js';

export default class SiitGlobalDisplay extends XlatCommand<typeof SiitGlobalDisplay> {
  static override summary = "Show the SIIT instance's global configuration.";

  static override description = `Prints every global key with its current value, one per line, as "  KEY: VALUE" (see 'global update --help' for what each means). Unset prefixes show as (unset), which 'global update' accepts back. --csv has machine values (unset is empty); with --json: {"global": {...}}, unset prefixes null and mtu-plateaus an array of numbers.`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  static override flags = {...tableFlags};

  public async run(): Promise<{global: SiitGlobalsView}> {
    await this.siit();
    const tables = await import('../../../instance/siit/tables.js');
    const global = await tables.readAllSiitGlobals();
    this.log(renderKeyValues(globalsPairs(global, this.flags.csv), {csv: this.flags.csv, noHeaders: this.flags['no-headers']}));
    return {global};
  }
}
