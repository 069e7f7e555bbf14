import {Args, Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {protoFlags} from '../../../model/nat64-flags.js';
import {parseMark, parseMaxIterations, parsePool4Prefix, parsePortRange, protoFromFlags, type MaxIterations} from '../../../model/nat64-pool4.js';

export default class Nat64Pool4Add extends XlatCommand<typeof Nat64Pool4Add> {
  static override summary = 'Add IPv4 transport addresses to pool4.';

  static override description = `Every address of PREFIX with the ports (or ICMP identifiers) PORTS becomes available for new mappings of the protocol (--tcp by default). PORTS is FIRST-LAST or one port; default 1-65535 (0-65535 for ICMP). Prefixes shorter than /24 need --force. --mark restricts the entry to packets with that skb mark (tc hook only; XDP packets have mark 0).

While a protocol has no entry, pool4 is the namespace's own IPv4 addresses with ports 61001-65535. Entries of one protocol and mark must not overlap.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --tcp 192.0.2.0/28 61001-65535',
    '<%= config.bin %> <%= command.id %> --icmp 192.0.2.1 1000-2000',
  ];

  static override flags = {
    ...protoFlags,
    mark: Flags.string({summary: 'Only for packets with this mark (default 0).', helpValue: 'N'}),
    force: Flags.boolean({summary: 'Accept a prefix shorter than /24.', default: false}),
    'max-iterations': Flags.string({
      summary: 'Transport addresses one allocation may try in this protocol and mark: auto (all, up to 8192), infinity (all, up to 65536) or a count (as Jool).',
      helpValue: 'auto|infinity|N',
    }),
  };

  static override args = {
    prefix: Args.string({description: 'IPv4 prefix (or address).', required: true}),
    ports: Args.string({description: 'Port range FIRST-LAST.', required: false}),
  };

  public async run(): Promise<{added: {proto: string; prefix: string; ports: [number, number]; mark: number; maxIterations?: MaxIterations}}> {
    const [proto] = protoFromFlags(this.flags, 'tcp');
    const p = parsePool4Prefix(this.args.prefix, this.flags.force);
    const ports = this.args.ports === undefined ? ([proto === 'icmp' ? 0 : 1, 65535] as [number, number]) : parsePortRange(this.args.ports);
    const mark = parseMark(this.flags.mark);
    const maxIterations = this.flags['max-iterations'] === undefined ? undefined : parseMaxIterations(this.flags['max-iterations']);
    const nat64 = await this.nat64();
    await nat64.addPool4({proto: proto!, addr: p.addr, prefixLen: p.len, ports, mark, maxIterations});
    return {added: {proto: proto!, prefix: `${[...p.addr].join('.')}/${p.len}`, ports, mark, maxIterations}};
  }
}
