import {XlatCommand} from '../../../cli/base-command.js';
import {formatPrefix4} from '../../../model/ipv4.js';

export default class SiitDenylist4Flush extends XlatCommand<typeof SiitDenylist4Flush> {
  static override summary = 'Remove every denylist4 prefix.';

  static override description = 'Empties denylist4, all or nothing.';

  static override examples = ['<%= config.bin %> <%= command.id %>'];

  static override writes = true;

  public async run(): Promise<{removed: {prefix: string}[]}> {
    await this.siit();
    const tables = await import('../../../instance/siit/tables.js');
    const removed = (await tables.flushDenylist4()).map((p) => ({prefix: formatPrefix4(p)}));
    this.changed = removed.length > 0;
    return {removed};
  }
}
