import {Args, Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {protoFlags} from '../../../cli/flags.js';
import {ALL_PORTS, parseMark, parsePool4Prefix, parsePortRange, protoFromFlags} from '../../../model/nat64-pool4.js';
import {ipv4Number, pool4View, type Pool4View} from '../../../model/pool4-set.js';
import {detView, formatDetPrefix4, formatDetRange, type DetView} from '../../../model/rfc7422.js';
import {formatPrefix4, parsePrefix4} from '../../../model/ipv4.js';
import {formatPrefix6, parsePrefix6} from '../../../model/ipv6.js';
import {InputError} from '../../../errors.js';

export default class Nat64Pool4Remove extends XlatCommand<typeof Nat64Pool4Remove> {
  static override summary = 'Remove transport addresses from pool4.';

  static override description = `Removes what PREFIX and PORTS cover from the protocol's entries (--tcp by default, as in Jool) with the mark (default 0): without PORTS, every port of the prefix; entries partly covered are cut down to what remains. Then the dynamic BIB entries and sessions that used the removed addresses go too, unless --quick. Exit 3 when nothing was covered.

With --deterministic (or --dynamic), PREFIX is a deterministic (or dynamic) entry's IPv4 prefix or IPv6 range, and that whole entry goes (with its BIB entries and sessions unless --quick; a dynamic entry's blocks are forgotten at once, without release events); PORTS and the protocol do not apply.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --tcp 192.0.2.0/28',
    '<%= config.bin %> <%= command.id %> --udp 192.0.2.1 61001-62000',
    '<%= config.bin %> <%= command.id %> --deterministic 2001:db8:5::/48',
  ];

  static override writes = true;

  static override flags = {
    ...protoFlags,
    mark: Flags.string({summary: 'Of the entries with this mark (default 0).', helpValue: 'N'}),
    quick: Flags.boolean({summary: 'Leave the BIB entries and sessions that use the removed addresses (they expire).', default: false}),
    deterministic: Flags.boolean({summary: 'Remove the deterministic (RFC 7422) entry with this IPv4 prefix or IPv6 range.', default: false}),
    dynamic: Flags.boolean({summary: 'Remove the dynamic block entry with this IPv4 prefix or IPv6 range.', default: false}),
  };

  static override args = {
    prefix: Args.string({description: 'IPv4 prefix (or address); with --deterministic, or the IPv6 range.', required: true}),
    ports: Args.string({description: 'Port range FIRST-LAST (default: all).', required: false}),
  };

  public async run(): Promise<{removed: Pool4View[]} | {'removed-deterministic': DetView[]}> {
    if (this.flags.deterministic && this.flags.dynamic) throw new InputError('give --deterministic or --dynamic, not both');
    if (this.flags.deterministic || this.flags.dynamic) return this.removeDeterministic(this.flags.dynamic);
    const [proto] = protoFromFlags(this.flags, 'tcp');
    const p = parsePool4Prefix(this.args.prefix, true);
    const ports = this.args.ports === undefined ? ALL_PORTS : parsePortRange(this.args.ports);
    const mark = parseMark(this.flags.mark);
    const nat64 = await this.nat64();
    const removed = await nat64.removePool4({proto: proto, mark, addr: ipv4Number(p.addr), len: p.len, ports: [ports[0], ports[1]]}, this.flags.quick);
    return {removed: removed.map(pool4View)};
  }

  private async removeDeterministic(dynamic: boolean): Promise<{'removed-deterministic': DetView[]}> {
    const text = this.args.prefix;
    const kind = dynamic ? 'dynamic' : 'deterministic';
    if (this.args.ports !== undefined) throw new InputError(`--${kind} removes a whole entry: give its IPv4 prefix or IPv6 range, no ports`);
    for (const f of ['tcp', 'udp', 'icmp', 'mark'] as const) if (this.flags[f]) throw new InputError(`--${f} does not go with --${kind}`);
    let match: (e: Parameters<typeof formatDetRange>[0]) => boolean;
    if (text.includes(':')) {
      const want = formatPrefix6(parsePrefix6(text));
      match = (e) => !e.dynamic === !dynamic && formatDetRange(e) === want;
    } else {
      const want = formatPrefix4(parsePrefix4(text, {allowBare: true}));
      match = (e) => !e.dynamic === !dynamic && formatDetPrefix4(e) === want;
    }
    await this.nat64();
    const blocks = await import('../../../instance/nat64/blocks.js');
    const removed = await blocks.removeDet(match, `${kind} entry with ${text}`, this.flags.quick);
    return {'removed-deterministic': removed.map(detView)};
  }
}
