import {Args, Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {protoFlags} from '../../../cli/flags.js';
import {ALL_PORTS, parseMark, parsePool4Prefix, parsePortRange, protoFromFlags} from '../../../model/nat64-pool4.js';
import {ipv4Number, pool4View, type Pool4View} from '../../../model/pool4-set.js';

export default class Nat64Pool4Remove extends XlatCommand<typeof Nat64Pool4Remove> {
  static override summary = 'Remove transport addresses from pool4.';

  static override description = `Removes what PREFIX and PORTS cover from the protocol's entries (--tcp by default, as in Jool) with the mark (default 0): without PORTS, every port of the prefix; entries partly covered are cut down to what remains. Then the dynamic BIB entries and sessions that used the removed addresses go too, unless --quick. Exit 3 when nothing was covered.`;

  static override examples = ['<%= config.bin %> <%= command.id %> --tcp 192.0.2.0/28', '<%= config.bin %> <%= command.id %> --udp 192.0.2.1 61001-62000'];

  static override writes = true;

  static override flags = {
    ...protoFlags,
    mark: Flags.string({summary: 'Of the entries with this mark (default 0).', helpValue: 'N'}),
    quick: Flags.boolean({summary: 'Leave the BIB entries and sessions that use the removed addresses (they expire).', default: false}),
  };

  static override args = {
    prefix: Args.string({description: 'IPv4 prefix (or address).', required: true}),
    ports: Args.string({description: 'Port range FIRST-LAST (default: all).', required: false}),
  };

  public async run(): Promise<{removed: Pool4View[]}> {
    const [proto] = protoFromFlags(this.flags, 'tcp');
    const p = parsePool4Prefix(this.args.prefix, true);
    const ports = this.args.ports === undefined ? ALL_PORTS : parsePortRange(this.args.ports);
    const mark = parseMark(this.flags.mark);
    const nat64 = await this.nat64();
    const removed = await nat64.removePool4({proto: proto, mark, addr: ipv4Number(p.addr), len: p.len, ports: [ports[0], ports[1]]}, this.flags.quick);
    return {removed: removed.map(pool4View)};
  }
}
