import {XlatCommand} from '../../../cli/base-command.js';
import {tableFlags} from '../../../cli/flags.js';
import {renderKeyValues} from '../../../cli/output.js';
import {nat64GlobalPairs, type Nat64Globals} from '../../../model/nat64-globals.js';

export default class Nat64GlobalDisplay extends XlatCommand<typeof Nat64GlobalDisplay> {
  static override summary = "Show the NAT64 instance's global configuration.";

  static override description = `Prints every global key with its value, one per line as "  KEY: VALUE". Timeouts are shown as H:MM:SS and f-args as "11 (0b1011)"; 'global update' accepts both back. --csv has machine values (seconds, plain numbers, empty for unset); with --json: {"global": {...}}, timeouts in seconds, pool6 null when unset.`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --csv', '<%= config.bin %> <%= command.id %> --json'];

  static override flags = {...tableFlags};

  public async run(): Promise<{global: Nat64Globals}> {
    const nat64 = await this.nat64();
    const global = await nat64.readNat64Globals();
    this.log(renderKeyValues(nat64GlobalPairs(global, this.flags.csv), {csv: this.flags.csv, noHeaders: this.flags['no-headers']}));
    return {global};
  }
}
