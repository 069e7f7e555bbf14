import {Args, Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {protoFlags} from '../../../cli/flags.js';
import {InputError} from '../../../errors.js';
import {DEFAULT_POOL4_PORTS, parseMark, parseMaxIterations, parsePool4Prefix, parsePortRange, protoFromFlags} from '../../../model/nat64-pool4.js';
import {ipv4Number, pool4View, type Pool4Item, type Pool4View} from '../../../model/pool4-set.js';
import {detView, parseDetEntry, type DetView} from '../../../model/rfc7422.js';

export default class Nat64Pool4Add extends XlatCommand<typeof Nat64Pool4Add> {
  static override summary = 'Add IPv4 transport addresses to pool4.';

  static override description = `Every address of PREFIX with the ports (or ICMP identifiers) PORTS becomes available for new mappings of the protocol. The protocol is required (--tcp, --udp or --icmp), as in Jool. PORTS is FIRST-LAST or one port; without it 61001-65535, the range the empty pool4 uses, above Linux's ephemeral ports (a range that covered the node's own services would cut them off from IPv4). An entry that covers a port a service of this namespace listens on is refused unless --force (it would cut that service off from IPv4); one that overlaps the ephemeral range (net.ipv4.ip_local_port_range) gets a warning. Prefixes shorter than /24 need --force too.

Entries that overlap or touch ones already there merge with them, as Jool's do (adding the same entry twice changes nothing). --mark restricts the entry to packets with that skb mark (tc hook only; XDP packets have mark 0). --max-iterations (Jool's) belongs to the protocol and mark: how many transport addresses one new mapping may try before giving up (auto: every one, up to 8192; infinity: every one, up to 65536; or a count). Without it the set keeps its own (auto for a new one).

While a protocol has no entry, pool4 is the namespace's own IPv4 addresses with ports 61001-65535.

With --deterministic RANGE6 (RFC 7422), the entry maps the IPv6 subscribers of RANGE6 (each a prefix of --subscriber-length bits) to port blocks of --block-size ports on the addresses of PREFIX, by a fixed formula: subscriber number k (its bits after RANGE6) gets address PREFIX + floor(k / B) and ports FIRST + (k mod B) * SIZE onwards, B being the blocks per address (PORTS, default 1024-65535, divided by SIZE). All of a subscriber's mappings (TCP, UDP and ICMP) take ports from its block; a full block refuses its new flows only (counter drop-block-full). 'xlat nat64 lookup' answers who owned a transport address without logs. No protocol, mark or max-iterations: the entry holds for every protocol; its transport addresses may not overlap other pool4 entries.

With --dynamic RANGE6 instead (for when addresses are scarcer than subscribers), there is no formula: a subscriber of RANGE6 is given a free block of --block-size ports at its first flow (the first free one from its number on) and keeps it until its last BIB entry goes; the range may hold more subscribers than PREFIX has blocks, and a new subscriber finds none while every block is taken (counter drop-no-free-block). Each allocation and release is an event, read by 'xlat nat64 log follow' (the log that says who held which block when).`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --tcp 192.0.2.0/28 61001-65535',
    '<%= config.bin %> <%= command.id %> --icmp 192.0.2.1 1000-2000',
    {description: "Jool's order works too:", command: '<%= config.bin %> <%= command.id %> 192.0.2.1 1-3000 --tcp'},
    {
      description: 'Deterministic (RFC 7422): 256 subscribers of /56, 2048 ports each (31 blocks per address, 9 addresses used):',
      command: '<%= config.bin %> <%= command.id %> 198.51.100.0/28 --deterministic 2001:db8:5::/48 --subscriber-length 56 --block-size 2048',
    },
    {
      description: 'Dynamic: 65,536 subscribers of /64 share the 496 blocks of 2048 ports of 198.51.100.0/28, one each while it has flows:',
      command: '<%= config.bin %> <%= command.id %> 198.51.100.0/28 --dynamic 2001:db8:6::/48 --subscriber-length 64 --block-size 2048',
    },
  ];

  static override writes = true;

  static override flags = {
    ...protoFlags,
    mark: Flags.string({summary: 'Only for packets with this mark (default 0).', helpValue: 'N'}),
    'max-iterations': Flags.string({
      summary:
        'Transport addresses one allocation may try in this protocol and mark: auto (all, up to 8192), infinity (all, up to 65536) or a count (as Jool).',
      helpValue: 'auto|infinity|N',
    }),
    force: Flags.boolean({summary: 'Accept a prefix shorter than /24, or a range covering ports local services listen on.', default: false}),
    deterministic: Flags.string({summary: 'Deterministic port blocks (RFC 7422) for the IPv6 subscribers of this range.', helpValue: 'RANGE6'}),
    dynamic: Flags.string({
      summary: 'Port blocks given to the IPv6 subscribers of this range at their first flow, taken back after their last (events: log follow).',
      helpValue: 'RANGE6',
    }),
    'subscriber-length': Flags.string({
      summary: "With --deterministic or --dynamic: one subscriber's prefix length (e.g. 56, or 128 for single hosts).",
      helpValue: 'N',
    }),
    'block-size': Flags.string({summary: 'With --deterministic or --dynamic: ports per subscriber (e.g. 2048).', helpValue: 'N'}),
  };

  static override args = {
    prefix: Args.string({description: 'IPv4 prefix (or address).', required: true}),
    ports: Args.string({description: 'Port range FIRST-LAST (default 61001-65535).', required: false}),
  };

  public async run(): Promise<{added: Pool4View[]; pool4: Pool4View[]} | {deterministic: DetView[]}> {
    if (this.flags.deterministic !== undefined && this.flags.dynamic !== undefined) throw new InputError('give --deterministic or --dynamic, not both');
    if (this.flags.deterministic !== undefined) return this.addBlocks(this.flags.deterministic, false);
    if (this.flags.dynamic !== undefined) return this.addBlocks(this.flags.dynamic, true);
    for (const f of ['subscriber-length', 'block-size'] as const) {
      if (this.flags[f] !== undefined) throw new InputError(`--${f} belongs to --deterministic or --dynamic RANGE6`);
    }
    const protos = protoFromFlags(this.flags, null);
    if (protos.length !== 1) throw new InputError('give the protocol of the entry: --tcp, --udp or --icmp');
    const p = parsePool4Prefix(this.args.prefix, this.flags.force);
    const ports = this.args.ports === undefined ? DEFAULT_POOL4_PORTS : parsePortRange(this.args.ports);
    const mark = parseMark(this.flags.mark);
    const maxIterations = this.flags['max-iterations'] === undefined ? undefined : parseMaxIterations(this.flags['max-iterations']);
    const item: Pool4Item = {proto: protos[0], mark, addr: ipv4Number(p.addr), len: p.len, ports: [ports[0], ports[1]]};
    const nat64 = await this.nat64();
    const risks = nat64.pool4Risks([item]);
    if (risks.lockouts.length && !this.flags.force) throw new InputError(`${risks.lockouts[0]}; give --force to add it anyway, or a range without that port`);
    for (const w of [...(this.flags.force ? risks.lockouts : []), ...risks.warnings]) this.warning(w);
    const r = await nat64.addPool4([item], maxIterations);
    this.changed = r.changed;
    return {added: [pool4View(item)], pool4: r.entries.map(pool4View)};
  }

  private async addBlocks(range6: string, dynamic: boolean): Promise<{deterministic: DetView[]}> {
    const kind = dynamic ? 'dynamic' : 'deterministic';
    for (const f of ['tcp', 'udp', 'icmp', 'mark', 'max-iterations'] as const) {
      if (this.flags[f]) throw new InputError(`--${f} does not go with --${kind}: a ${kind} entry holds for every protocol, mark 0`);
    }
    const missing = (['subscriber-length', 'block-size'] as const).filter((f) => this.flags[f] === undefined);
    if (missing.length) throw new InputError(`--${kind} needs ${missing.map((f) => `--${f}`).join(' and ')}`);
    const e = parseDetEntry({
      range6,
      subLen: this.flags['subscriber-length']!,
      prefix4: this.args.prefix,
      ports: this.args.ports,
      blockSize: this.flags['block-size']!,
      since: Math.floor(Date.now() / 1000),
      dynamic,
    });
    const nat64 = await this.nat64();
    const risks = nat64.pool4Risks((['tcp', 'udp', 'icmp'] as const).map((proto) => ({proto, mark: 0, addr: e.addr4, len: e.len4, ports: e.ports})));
    if (risks.lockouts.length && !this.flags.force) throw new InputError(`${risks.lockouts[0]}; give --force to add it anyway, or a range without that port`);
    for (const w of [...(this.flags.force ? risks.lockouts : []), ...risks.warnings]) this.warning(w);
    const blocks = await import('../../../instance/nat64/blocks.js');
    const r = await blocks.addDet(e);
    this.changed = r.changed;
    return {deterministic: r.entries.map(detView)};
  }
}
