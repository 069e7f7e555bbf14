import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {protoFlags, tableFlags} from '../../../cli/flags.js';
import {renderTable} from '../../../cli/output.js';
import {InputError} from '../../../errors.js';
import {protoFromFlags} from '../../../model/nat64-pool4.js';
import {pool4View, type Pool4View} from '../../../model/pool4-set.js';
import {detView, mappings, mappingView, subscribers, type DetEntry, type DetView, type MappingView} from '../../../model/rfc7422.js';
import type {Pool4Entry} from '../../../instance/nat64/instance.js';
import {dynBlockView, type DynBlockView} from '../../../model/nat64-events.js';

/** Rows --deterministic prints as a table or JSON; beyond them, --csv (streamed). */
const MAPPING_ROWS_MAX = 1_000_000;
const CSV_CHUNK = 10_000;

export default class Nat64Pool4Display extends XlatCommand<typeof Nat64Pool4Display> {
  static override summary = 'Show pool4.';

  static override description = `One row per entry: mark, protocol, max iterations (of the entry's protocol and mark), prefix, ports and origin. Without --tcp, --udp or --icmp every protocol is shown. For a protocol without entries, the namespace's own addresses are listed with origin "own address (pool4 empty)": a new mapping takes the one the route to its destination leaves through. Block (RFC 7422) entries follow in a table of their own, deterministic and dynamic ("mode"), and then the blocks dynamic entries have given out now: who holds each and how many BIB entries keep it. With --json: {"pool4": [...], "defaults": [...], "deterministic": [...], "dynamic-blocks": [...]}.

With --deterministic: the whole deterministic mapping, one row per subscriber (its prefix, IPv4 address, first and last port), computed from the entries by the formula; with --csv it is the file a logging system keeps (it holds for as long as the entries stay as they are). With --json: {"mapping": [{"subscriber", "address", "port-range", "ipv6-range"}]}.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --udp --csv',
    '<%= config.bin %> <%= command.id %> --deterministic --csv > mapping.csv',
  ];

  static override flags = {
    ...protoFlags,
    ...tableFlags,
    deterministic: Flags.boolean({summary: 'Show the deterministic mapping, one row per subscriber (with --csv: for a logging system).', default: false}),
  };

  public async run(): Promise<
    {pool4: Pool4View[]; defaults: Pool4View[]; deterministic: DetView[]; 'dynamic-blocks': DynBlockView[]} | {mapping: MappingView[]}
  > {
    const protos = protoFromFlags(this.flags, null);
    if (this.flags.deterministic && protos.length !== 3)
      throw new InputError('--deterministic shows every protocol (a block holds for all): no --tcp, --udp or --icmp');
    const nat64 = await this.nat64();
    const blocks = await import('../../../instance/nat64/blocks.js');
    const {entries: det, inUse} = await blocks.listBlocks();
    if (this.flags.deterministic) return this.mapping(det);
    const all = await nat64.listPool4();
    const pick = (l: Pool4Entry[]): Pool4View[] => l.filter((e) => protos.includes(e.proto)).map((e) => ({...pool4View(e), 'max-iterations': e.maxIterations}));
    const [entries, defaults] = [pick(all.entries), pick(all.defaults)];
    const row = (v: Pool4View, origin: string) => [String(v.mark), v.protocol, String(v['max-iterations']), v.prefix, v['port-range'], origin];
    const rows = [...entries.map((v) => row(v, 'pool4')), ...defaults.map((v) => row(v, 'own address (pool4 empty)'))];
    const opts = {csv: this.flags.csv, noHeaders: this.flags['no-headers']};
    this.log(renderTable(['Mark', 'Protocol', 'Max iterations', 'Address', 'Ports', 'Origin'], rows, opts));
    const views = det.map(detView);
    if (views.length && !this.flags.csv) {
      this.log('Port blocks (RFC 7422), every protocol:');
      this.log(
        renderTable(
          ['Mode', 'IPv6 range', 'Subscriber', 'Address', 'Ports', 'Block size', 'Blocks per address', 'Subscribers', 'Since'],
          views.map((v) => [
            v.mode,
            v['ipv6-range'],
            `/${v['subscriber-length']}`,
            v.prefix,
            v['port-range'],
            String(v['block-size']),
            String(v['blocks-per-address']),
            String(v.subscribers),
            v.since,
          ]),
          opts,
        ),
      );
    }
    const dyn = inUse.map(dynBlockView);
    if (det.some((e) => e.dynamic) && !this.flags.csv) {
      this.log(`Dynamic blocks in use: ${dyn.length}`);
      if (dyn.length)
        this.log(
          renderTable(
            ['Subscriber', 'Address', 'Ports', 'BIB entries'],
            dyn.map((d) => [d.subscriber, d.address, d['port-range'], String(d['bib-entries'])]),
            opts,
          ),
        );
    }
    return {pool4: entries, defaults, deterministic: views, 'dynamic-blocks': dyn};
  }

  private mapping(det: DetEntry[]): {mapping: MappingView[]} {
    const total = det.reduce((n, e) => n + subscribers(e), 0);
    const headers = ['Subscriber', 'Address', 'First port', 'Last port'];
    const row = (v: MappingView) => {
      const [first, last] = v['port-range'].split('-');
      return [v.subscriber, v.address, first, last];
    };
    if (this.flags.csv && !this.jsonEnabled()) {
      // Streamed: an entry may hold millions of subscribers.
      let chunk: string[][] = [];
      let header = !this.flags['no-headers'];
      const flush = () => {
        this.log(renderTable(headers, chunk, {csv: true, noHeaders: !header}));
        header = false;
        chunk = [];
      };
      for (const e of det) {
        for (const m of mappings(e)) {
          chunk.push(row(mappingView(m)));
          if (chunk.length >= CSV_CHUNK) flush();
        }
      }
      if (chunk.length || header) flush();
      return {mapping: []};
    }
    if (total > MAPPING_ROWS_MAX)
      throw new InputError(`the deterministic mapping has ${total} subscribers, more than ${MAPPING_ROWS_MAX} to show at once: use --csv`);
    const views = det.flatMap((e) => [...mappings(e)].map(mappingView));
    this.log(renderTable(headers, views.map(row), {noHeaders: this.flags['no-headers']}));
    return {mapping: views};
  }
}
