import {XlatCommand} from '../../../cli/base-command.js';
import {renderTable} from '../../../cli/output.js';
import {protoFlags, tableFlags} from '../../../model/nat64-flags.js';
import {protoFromFlags} from '../../../model/nat64-pool4.js';
import type {Pool4Entry} from '../../../instance/nat64.js';

export default class Nat64Pool4Display extends XlatCommand<typeof Nat64Pool4Display> {
  static override summary = 'Show pool4.';

  static override description = `One row per entry: mark, protocol, max iterations (of the entry's protocol and mark), prefix, ports. For a protocol without entries, the namespace's own addresses are listed with origin "own address (pool4 empty)": a new mapping takes the one the route to its destination leaves through. Without a protocol flag every protocol is shown.`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --udp --csv'];

  static override flags = {...protoFlags, ...tableFlags};

  public async run(): Promise<{entries: Pool4Entry[]; defaults: Pool4Entry[]}> {
    const protos = protoFromFlags(this.flags, null);
    const nat64 = await this.nat64();
    const all = await nat64.listPool4();
    const pick = (l: Pool4Entry[]) => l.filter((e) => protos.includes(e.proto));
    const row = (e: Pool4Entry, origin: string): string[] => [String(e.mark), e.proto.toUpperCase(), String(e.maxIterations), e.prefix, `${e.ports[0]}-${e.ports[1]}`, origin];
    const rows = [...pick(all.entries).map((e) => row(e, 'pool4')), ...pick(all.defaults).map((e) => row(e, 'own address (pool4 empty)'))];
    this.log(renderTable(['Mark', 'Protocol', 'Max iterations', 'Address', 'Ports', 'Origin'], rows, {csv: this.flags.csv, noHeaders: this.flags['no-headers']}));
    return {entries: pick(all.entries), defaults: pick(all.defaults)};
  }
}
