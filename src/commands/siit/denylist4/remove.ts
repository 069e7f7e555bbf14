import {Args} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {formatPrefix4, parsePrefix4} from '../../../model/ipv4.js';

export default class SiitDenylist4Remove extends XlatCommand<typeof SiitDenylist4Remove> {
  static override summary = 'Remove an IPv4 prefix from denylist4.';

  static override description = `denylist4 holds IPv4 prefixes whose addresses the RFC 6052 (pool6) mapping never translates, in either direction; EAMT entries are not affected. A bare address is a /32; host bits must be zero. Exit 3 when the prefix is not there.`;

  static override examples = ['<%= config.bin %> <%= command.id %> 192.0.2.0/24', '<%= config.bin %> <%= command.id %> 198.51.100.7'];

  static override writes = true;

  static override args = {
    prefix: Args.string({description: 'IPv4 prefix.', required: true}),
  };

  public async run(): Promise<{removed: {prefix: string}[]}> {
    const p = parsePrefix4(this.args.prefix, {allowBare: true});
    await this.siit();
    const tables = await import('../../../instance/siit/tables.js');
    await tables.removeDenylist4(p);
    return {removed: [{prefix: formatPrefix4(p)}]};
  }
}
