import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {protoFlags, tableFlags} from '../../../cli/flags.js';
import {protoFromFlags, PROTO_NUMBER} from '../../../model/nat64-pool4.js';
import {bibView, renderBib, type BibJson} from '../../../model/nat64-render.js';

export default class Nat64BibDisplay extends XlatCommand<typeof Nat64BibDisplay> {
  static override summary = 'Show the BIB (binding information base) of a protocol.';

  static override description = `One line per mapping: "[Static|Dynamic] IPV4#PORT - IPV6#PORT", then the count. --tcp (default), --udp or --icmp. With --json: {"bib": [{"protocol", "ipv6-address", "ipv4-address", "static"}, ...]}.`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --icmp --csv'];

  static override flags = {
    ...protoFlags,
    ...tableFlags,
    numeric: Flags.boolean({summary: 'Accepted for symmetry with session display: BIB entries are always numeric.', default: false}),
  };

  public async run(): Promise<{bib: BibJson[]}> {
    const [proto] = protoFromFlags(this.flags, 'tcp');
    const nat64 = await this.nat64();
    const entries = await nat64.listBib(proto);
    if (!this.jsonEnabled()) {
      process.stdout.write(renderBib(PROTO_NUMBER[proto], entries, this.flags.csv ? 'csv' : 'text', this.flags['no-headers']));
    }
    return {bib: entries.map(bibView)};
  }
}
