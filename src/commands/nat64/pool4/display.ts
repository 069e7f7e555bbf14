import {XlatCommand} from '../../../cli/base-command.js';
import {protoFlags, tableFlags} from '../../../cli/flags.js';
import {renderTable} from '../../../cli/output.js';
import {protoFromFlags} from '../../../model/nat64-pool4.js';
import {pool4View, type Pool4View} from '../../../model/pool4-set.js';
import type {Pool4Entry} from '../../../instance/nat64.js';

export default class Nat64Pool4Display extends XlatCommand<typeof Nat64Pool4Display> {
  static override summary = 'Show pool4.';

  static override description = `One row per entry: mark, protocol, max iterations (of the entry's protocol and mark), prefix, ports and origin. Without --tcp, --udp or --icmp every protocol is shown. For a protocol without entries, the namespace's own addresses are listed with origin "own address (pool4 empty)": a new mapping takes the one the route to its destination leaves through. With --json: {"pool4": [...], "defaults": [...]}.`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --udp --csv'];

  static override flags = {...protoFlags, ...tableFlags};

  public async run(): Promise<{pool4: Pool4View[]; defaults: Pool4View[]}> {
    const protos = protoFromFlags(this.flags, null);
    const nat64 = await this.nat64();
    const all = await nat64.listPool4();
    const pick = (l: Pool4Entry[]): Pool4View[] => l.filter((e) => protos.includes(e.proto)).map((e) => ({...pool4View(e), 'max-iterations': e.maxIterations}));
    const [entries, defaults] = [pick(all.entries), pick(all.defaults)];
    const row = (v: Pool4View, origin: string) => [String(v.mark), v.protocol, String(v['max-iterations']), v.prefix, v['port-range'], origin];
    const rows = [...entries.map((v) => row(v, 'pool4')), ...defaults.map((v) => row(v, 'own address (pool4 empty)'))];
    this.log(
      renderTable(['Mark', 'Protocol', 'Max iterations', 'Address', 'Ports', 'Origin'], rows, {csv: this.flags.csv, noHeaders: this.flags['no-headers']}),
    );
    return {pool4: entries, defaults};
  }
}
