import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {renderKeyValues} from '../../../cli/output.js';
import {globalPairs} from '../../../cli/render.js';
import type {SiitGlobals} from '../../../instance/siit.js';

export default class SiitGlobalDisplay extends XlatCommand<typeof SiitGlobalDisplay> {
  static override summary = "Show the SIIT instance's global configuration.";

  static override description = `Prints every global key with its current value, one per line, as "  KEY: VALUE":

  manually-enabled  whether translation is switched on (true or false)
  pool6             the RFC 6052 prefix, or (unset)

With --json, pool6 is null when unset.`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  static override flags = {
    csv: Flags.boolean({summary: 'Print comma-separated values.', default: false}),
    'no-headers': Flags.boolean({summary: 'Do not print the header row (with --csv).', default: false}),
  };

  public async run(): Promise<SiitGlobals> {
    const siit = await this.siit();
    const globals = await siit.readSiitGlobals();
    this.log(renderKeyValues(globalPairs(globals), {csv: this.flags.csv, noHeaders: this.flags['no-headers']}));
    return globals;
  }
}
