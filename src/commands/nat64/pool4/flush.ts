import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {pool4View, type Pool4View} from '../../../model/pool4-set.js';
import {detView, type DetView} from '../../../model/rfc7422.js';

export default class Nat64Pool4Flush extends XlatCommand<typeof Nat64Pool4Flush> {
  static override summary = 'Remove every pool4 entry.';

  static override description = `pool4 becomes empty again, deterministic entries included: the namespace's own IPv4 addresses serve, with ports 61001-65535. The dynamic BIB entries and sessions of the removed entries go too, unless --quick.`;

  static override examples = ['<%= config.bin %> <%= command.id %>'];

  static override writes = true;

  static override flags = {
    quick: Flags.boolean({summary: 'Leave the BIB entries and sessions that use the removed addresses (they expire).', default: false}),
  };

  public async run(): Promise<{removed: Pool4View[]; 'removed-deterministic': DetView[]}> {
    const nat64 = await this.nat64();
    const removed = (await nat64.flushPool4(this.flags.quick)).map(pool4View);
    const blocks = await import('../../../instance/nat64/blocks.js');
    const det = (await blocks.flushDet(this.flags.quick)).map(detView);
    this.changed = removed.length > 0 || det.length > 0;
    return {removed, 'removed-deterministic': det};
  }
}
