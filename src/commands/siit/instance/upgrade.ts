import {XlatCommand} from '../../../cli/base-command.js';
import {upgrade, upgradeDescription} from '../../../cli/upgrade-command.js';
import type {UpgradeResult} from '../../../instance/upgrade.js';

export default class SiitInstanceUpgrade extends XlatCommand<typeof SiitInstanceUpgrade> {
  static override summary = "Run this xlat's programs in the SIIT instance, keeping its state.";

  static override description = upgradeDescription('SIIT', 'its configuration, EAMT, denylist and counters');

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> -n red <%= command.id %> --json'];

  static override writes = true;

  public async run(): Promise<{upgraded: UpgradeResult}> {
    await this.enterKernel();
    await this.checkInstanceName('SIIT');
    const {result, lines} = await upgrade('SIIT', this.verbose);
    for (const l of lines) this.log(l);
    return {upgraded: result};
  }
}
