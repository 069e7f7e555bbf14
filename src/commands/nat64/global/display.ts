import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {renderKeyValues} from '../../../cli/output.js';
import {nat64GlobalPairs, type Nat64Globals} from '../../../model/nat64-globals.js';

export default class Nat64GlobalDisplay extends XlatCommand<typeof Nat64GlobalDisplay> {
  static override summary = "Show the NAT64 instance's global configuration.";

  static override description = `Prints every global key with its value, one per line as "  KEY: VALUE". Timeouts are shown as H:MM:SS (seconds with --json).`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  static override flags = {
    csv: Flags.boolean({summary: 'Print comma-separated values.', default: false}),
    'no-headers': Flags.boolean({summary: 'Do not print the header row (with --csv).', default: false}),
  };

  public async run(): Promise<Nat64Globals> {
    const nat64 = await this.nat64();
    const g = await nat64.readNat64Globals();
    this.log(renderKeyValues(nat64GlobalPairs(g), {csv: this.flags.csv, noHeaders: this.flags['no-headers']}));
    return g;
  }
}
