import {Args} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {protoFlags} from '../../../cli/flags.js';
import {bibView, type BibJson} from '../../../model/nat64-render.js';
import {parseTransportPair, protoFromFlags} from '../../../model/nat64-pool4.js';

export default class Nat64BibAdd extends XlatCommand<typeof Nat64BibAdd> {
  static override summary = 'Add a static BIB entry (a port forward from IPv4 to an IPv6 node).';

  static override description = `Maps IPV6#PORT to IPV4#PORT for the protocol (--tcp by default) until removed: IPv4 nodes can then open connections to IPV4#PORT and reach IPV6#PORT. The two transport addresses may come in either order (Jool's documentation writes the IPv4 one first). The IPv4 side must belong to pool4 (or, while pool4 is empty, be one of the namespace's addresses with a port from 61001 to 65535). Neither side may already be mapped (exit 4).`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --tcp 2001:db8:1::8#80 192.0.2.1#61080',
    '<%= config.bin %> <%= command.id %> 192.0.2.1#61080 2001:db8:1::8#80 --tcp',
  ];

  static override writes = true;

  static override flags = {...protoFlags};

  static override args = {
    first: Args.string({description: 'A transport address ADDR#PORT (IPv6 or IPv4).', required: true}),
    second: Args.string({description: "The other family's transport address.", required: true}),
  };

  public async run(): Promise<{added: BibJson[]}> {
    const [proto] = protoFromFlags(this.flags, 'tcp');
    const {t6, t4} = parseTransportPair(this.args.first, this.args.second);
    const nat64 = await this.nat64();
    await nat64.addStaticBib(proto, t6, t4);
    return {added: [bibView({proto: proto, ipv6: t6, ipv4: t4, static: true})]};
  }
}
