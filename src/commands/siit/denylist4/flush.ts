import {XlatCommand} from '../../../cli/base-command.js';

export default class SiitDenylist4Flush extends XlatCommand<typeof SiitDenylist4Flush> {
  static override summary = 'Remove every denylist4 prefix.';

  static override description = 'Empties denylist4, all or nothing.';

  static override examples = ['<%= config.bin %> <%= command.id %>'];

  public async run(): Promise<{removed: number}> {
    await this.siit();
    const tables = await import('../../../instance/siit-tables.js');
    return {removed: await tables.flushDenylist4()};
  }
}
