import {Args} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {protoFlags} from '../../../cli/flags.js';
import {InputError} from '../../../errors.js';
import {bibView, type BibJson} from '../../../model/nat64-render.js';
import {parseTransportAddress, protoFromFlags, type TransportAddress} from '../../../model/nat64-pool4.js';

export default class Nat64BibRemove extends XlatCommand<typeof Nat64BibRemove> {
  static override summary = 'Remove a BIB entry and its sessions.';

  static override description = `Give either side (IPV6#PORT or IPV4#PORT) or both, in either order. Static and dynamic entries can be removed; the entry's sessions go with it. Exit 3 when no entry has them.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --tcp 2001:db8:1::8#80 192.0.2.1#61080',
    '<%= config.bin %> <%= command.id %> --tcp 192.0.2.1#61080',
  ];

  static override writes = true;

  static override flags = {...protoFlags};

  static override args = {
    first: Args.string({description: 'ADDR#PORT (IPv6 or IPv4).', required: true}),
    second: Args.string({description: 'The other side, optional.', required: false}),
  };

  public async run(): Promise<{removed: BibJson[]}> {
    const [proto] = protoFromFlags(this.flags, 'tcp');
    let t6: TransportAddress | null = null;
    let t4: TransportAddress | null = null;
    for (const a of [this.args.first, this.args.second]) {
      if (a === undefined) continue;
      const isV6 = a.slice(0, a.lastIndexOf('#')).includes(':');
      if (isV6) {
        if (t6) throw new InputError('two IPv6 transport addresses given: give one IPv6 and/or one IPv4');
        t6 = parseTransportAddress(a, 6);
      } else {
        if (t4) throw new InputError('two IPv4 transport addresses given: give one IPv6 and/or one IPv4');
        t4 = parseTransportAddress(a, 4);
      }
    }
    const nat64 = await this.nat64();
    return {removed: [bibView(await nat64.removeBib(proto, t6, t4))]};
  }
}
