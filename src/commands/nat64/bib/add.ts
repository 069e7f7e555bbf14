import {Args} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {protoFlags} from '../../../model/nat64-flags.js';
import {parseTransportAddress, protoFromFlags} from '../../../model/nat64-pool4.js';

export default class Nat64BibAdd extends XlatCommand<typeof Nat64BibAdd> {
  static override summary = 'Add a static BIB entry (a port forward from IPv4 to an IPv6 node).';

  static override description = `Maps IPV6#PORT to IPV4#PORT for the protocol (--tcp by default) until removed: IPv4 nodes can then open connections to IPV4#PORT and reach IPV6#PORT. The IPv4 side must belong to pool4 (or, while pool4 is empty, be one of the namespace's addresses with a port from 61001 to 65535). Neither side may already be mapped.`;

  static override examples = ['<%= config.bin %> <%= command.id %> --tcp 2001:db8:1::8#80 192.0.2.1#61080'];

  static override flags = {...protoFlags};

  static override args = {
    ipv6: Args.string({description: 'IPv6 transport address ADDR#PORT.', required: true}),
    ipv4: Args.string({description: 'IPv4 transport address ADDR#PORT (in pool4).', required: true}),
  };

  public async run(): Promise<{added: {proto: string; ipv6: string; ipv4: string}}> {
    const [proto] = protoFromFlags(this.flags, 'tcp');
    const t6 = parseTransportAddress(this.args.ipv6, 6);
    const t4 = parseTransportAddress(this.args.ipv4, 4);
    const nat64 = await this.nat64();
    await nat64.addStaticBib(proto!, t6, t4);
    return {added: {proto: proto!, ipv6: this.args.ipv6, ipv4: this.args.ipv4}};
  }
}
