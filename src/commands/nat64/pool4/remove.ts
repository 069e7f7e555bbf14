import {Args, Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {protoFlags} from '../../../model/nat64-flags.js';
import {parsePool4Prefix, parsePortRange, protoFromFlags} from '../../../model/nat64-pool4.js';

export default class Nat64Pool4Remove extends XlatCommand<typeof Nat64Pool4Remove> {
  static override summary = 'Remove pool4 entries.';

  static override description = `Removes the entries of the protocol (--tcp by default) with exactly PREFIX (and PORTS when given), then the dynamic BIB entries and sessions that used them, unless --quick.`;

  static override examples = ['<%= config.bin %> <%= command.id %> --tcp 192.0.2.0/28'];

  static override flags = {
    ...protoFlags,
    quick: Flags.boolean({summary: 'Leave the BIB entries and sessions that use the removed addresses (they expire).', default: false}),
  };

  static override args = {
    prefix: Args.string({description: 'IPv4 prefix of the entry.', required: true}),
    ports: Args.string({description: 'Its port range.', required: false}),
  };

  public async run(): Promise<{removed: number}> {
    const [proto] = protoFromFlags(this.flags, 'tcp');
    const p = parsePool4Prefix(this.args.prefix, true);
    const ports = this.args.ports === undefined ? null : parsePortRange(this.args.ports);
    const nat64 = await this.nat64();
    const removed = await nat64.removePool4({proto: proto!, addr: p.addr, prefixLen: p.len, ports, quick: this.flags.quick});
    return {removed};
  }
}
