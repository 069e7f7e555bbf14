import {XlatCommand} from '../../../cli/base-command.js';

export default class SiitEamtFlush extends XlatCommand<typeof SiitEamtFlush> {
  static override summary = 'Remove every EAMT entry.';

  static override description = 'Empties the EAMT in both directions, all or nothing. pool6 and denylist4 stay.';

  static override examples = ['<%= config.bin %> <%= command.id %>'];

  public async run(): Promise<{removed: number}> {
    await this.siit();
    const tables = await import('../../../instance/siit-tables.js');
    return {removed: await tables.flushEamt()};
  }
}
