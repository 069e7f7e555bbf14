import {XlatCommand} from '../../../cli/base-command.js';
import {upgrade, upgradeDescription} from '../../../cli/upgrade-command.js';
import type {UpgradeResult} from '../../../instance/upgrade.js';

export default class Nat64InstanceUpgrade extends XlatCommand<typeof Nat64InstanceUpgrade> {
  static override summary = "Run this xlat's programs in the NAT64 instance, keeping its state.";

  static override description = upgradeDescription('NAT64', 'its configuration, pool4, BIB entries, sessions and counters');

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> -n red <%= command.id %> --json'];

  static override writes = true;

  public async run(): Promise<{upgraded: UpgradeResult}> {
    await this.enterKernel();
    await this.checkInstanceName('NAT64');
    const {result, lines} = await upgrade('NAT64', this.verbose);
    for (const l of lines) this.log(l);
    return {upgraded: result};
  }
}
