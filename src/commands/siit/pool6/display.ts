import {XlatCommand} from '../../../cli/base-command.js';
import {pool6DisplayFlags, pool6Text} from '../../../cli/pool6-display.js';

export default class SiitPool6Display extends XlatCommand<typeof SiitPool6Display> {
  static override summary = "Show pool6 as Jool 3's --pool6 did (for xlat-jool; see 'global display').";

  static override description = 'The prefix, then "(Fetched N entries.)". Nothing but the count line when pool6 is unset. With --json: {"pool6": [...]}.';

  static override hidden = true;

  static override examples = ['<%= config.bin %> <%= command.id %>'];

  static override flags = {...pool6DisplayFlags};

  public async run(): Promise<{pool6: string[]}> {
    const mod = await this.siit();
    const instance = await mod.findSiitInstance();
    if (!instance) {
      const {NoInstanceError} = await import('../../../errors.js');
      throw new NoInstanceError('SIIT');
    }
    this.log(pool6Text(instance.pool6, this.flags));
    return {pool6: instance.pool6 === null ? [] : [instance.pool6]};
  }
}
