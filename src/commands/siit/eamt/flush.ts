import {XlatCommand} from '../../../cli/base-command.js';
import {eamView, type EamView} from '../../../model/siit-eamt.js';

export default class SiitEamtFlush extends XlatCommand<typeof SiitEamtFlush> {
  static override summary = 'Remove every EAMT entry.';

  static override description = 'Empties the EAMT in both directions, all or nothing. pool6 and denylist4 stay.';

  static override examples = ['<%= config.bin %> <%= command.id %>'];

  static override writes = true;

  public async run(): Promise<{removed: EamView[]}> {
    await this.siit();
    const tables = await import('../../../instance/siit/tables.js');
    const removed = (await tables.flushEamt()).map(eamView);
    this.changed = removed.length > 0;
    return {removed};
  }
}
