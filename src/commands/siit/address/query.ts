import {Args} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {parseQueryAddress, renderAddressQuery, type AddressQuery} from '../../../model/siit-address.js';

export default class SiitAddressQuery extends XlatCommand<typeof SiitAddressQuery> {
  static override summary = 'Show how the SIIT instance translates an address, and why.';

  static override description = `Applies the translator's own rules to ADDR (IPv6 or IPv4): the EAMT first (the entry with the longest matching prefix), then pool6 (RFC 6052). IPv4 addresses in denylist4 are not translated by pool6, and reserved IPv4 addresses (0/8, 127/8, 169.254/16, 224/4, 240/4) never are. Prints the method, the entry or prefix used and the result, or "untranslatable" and the reason.

The same rules apply to a packet's source and destination; a packet is translated only when both of its addresses are.`;

  static override examples = ['<%= config.bin %> <%= command.id %> 192.0.2.7', '<%= config.bin %> <%= command.id %> 2001:db8:100::c000:207 --json'];

  static override args = {
    addr: Args.string({description: 'IPv6 or IPv4 address.', required: true}),
  };

  public async run(): Promise<AddressQuery> {
    const {family, addr} = parseQueryAddress(this.args.addr);
    await this.siit();
    const tables = await import('../../../instance/siit/tables.js');
    const q = await tables.querySiitAddress(family, addr);
    this.log(renderAddressQuery(q));
    return q;
  }
}
