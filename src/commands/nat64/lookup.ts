import {Args, Flags} from '@oclif/core';
import {XlatCommand} from '../../cli/base-command.js';
import {renderKeyValues} from '../../cli/output.js';
import {InputError, NotFoundError} from '../../errors.js';
import {parseIPv4} from '../../model/ipv4.js';
import {parseIPv6, parsePrefix6, type Prefix6} from '../../model/ipv6.js';
import {ipv4Number} from '../../model/pool4-set.js';
import {dynamicEntryOf, formatDetRange, lookup4, lookup6, lookupHeld, mappingView, type Mapping, type MappingView} from '../../model/rfc7422.js';

/** since: when the entry was configured; mode dynamic: the block's holder now (no formula). */
export type LookupView = MappingView & {query: string; since: string; mode: 'deterministic' | 'dynamic'};

/** "2026-12-01T22:00:00Z" or Unix seconds -> Unix seconds. */
function parseTime(text: string): number {
  if (/^\d{1,12}$/.test(text)) return Number(text);
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new InputError(`'${text}' is not a time: expected ISO 8601 (2026-12-01T22:00:00Z) or Unix seconds`);
  return Math.floor(t / 1000);
}

export default class Nat64Lookup extends XlatCommand<typeof Nat64Lookup> {
  static override summary = 'Which subscriber owns a transport address, and the reverse (deterministic and dynamic block pool4).';

  static override description = `Answers from the deterministic (RFC 7422) pool4 entries and their formula, with no logs: ADDRESS#PORT (IPv4) gives the subscriber prefix whose block holds it; an IPv6 subscriber prefix or address gives its IPv4 address and port block. --time T (ISO 8601 or Unix seconds) asks about a past moment: the answer holds if the entry was configured by then (entries record when they were added; keep the CSV of 'pool4 display --deterministic --csv' of every configuration for older times). In a dynamic entry (blocks given out on demand) the answer is the block's holder now, read from the kernel; --time then refuses a moment more than a minute away (the event log of 'log follow' says who held it when). Exit 3 when no entry covers it or, in a dynamic entry, nobody holds it now.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> 198.51.100.1#40000',
    '<%= config.bin %> <%= command.id %> 2001:db8:5:100::/56',
    '<%= config.bin %> <%= command.id %> 198.51.100.1#40000 --time 2026-12-01T20:15:00Z --json',
  ];

  static override flags = {
    time: Flags.string({summary: 'The moment asked about (ISO 8601 or Unix seconds; default now).', helpValue: 'T'}),
  };

  static override args = {
    address: Args.string({description: 'IPv4 ADDRESS#PORT, or an IPv6 subscriber prefix or address.', required: true}),
  };

  public async run(): Promise<{lookup: LookupView}> {
    const text = this.args.address;
    const now = Math.floor(Date.now() / 1000);
    const at = this.flags.time === undefined ? now : parseTime(this.flags.time);
    let q: {addr4: number; port: number} | {prefix6: Prefix6};
    if (text.includes(':')) {
      q = {prefix6: text.includes('/') ? parsePrefix6(text, {allowHostBits: true}) : {addr: parseIPv6(text), len: 128}};
    } else {
      const hash = text.lastIndexOf('#');
      if (hash < 0) throw new InputError(`'${text}' is no IPv4 transport address: expected ADDRESS#PORT, e.g. 198.51.100.1#40000`);
      const addr = ipv4Number(parseIPv4(text.slice(0, hash)));
      const portText = text.slice(hash + 1);
      if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new InputError(`'${text}': '${portText}' is not a port (0-65535)`);
      q = {addr4: addr, port: Number(portText)};
    }
    await this.nat64();
    const blocks = await import('../../instance/nat64/blocks.js');
    const {entries, inUse} = await blocks.listBlocks();
    const dynamic = dynamicEntryOf(entries, q);
    let m: Mapping | null;
    if (dynamic) {
      // No formula: the answer is whoever holds the block now, read from the kernel's block tables.
      if (Math.abs(at - now) > 60) {
        throw new InputError(
          `${text} is in the dynamic entry ${formatDetRange(dynamic)}, whose blocks change hands: lookup tells who holds one now; who held it at ${new Date(at * 1000).toISOString()} is in the event log ('xlat nat64 log follow')`,
        );
      }
      m = lookupHeld(dynamic, inUse, q);
      if (!m) throw new NotFoundError(`no subscriber holds a block for ${text} now (dynamic entry ${formatDetRange(dynamic)})`);
    } else {
      m = 'addr4' in q ? lookup4(entries, q.addr4, q.port) : lookup6(entries, q.prefix6);
      if (!m) throw new NotFoundError(`no deterministic pool4 entry covers ${text}`);
      if (m.entry.since > at) {
        throw new NotFoundError(
          `${text} had no deterministic mapping at ${new Date(at * 1000).toISOString()}: its entry ${mappingView(m)['ipv6-range']} was configured at ${new Date(m.entry.since * 1000).toISOString()}`,
        );
      }
    }
    const v: LookupView = {query: text, ...mappingView(m), since: new Date(m.entry.since * 1000).toISOString(), mode: dynamic ? 'dynamic' : 'deterministic'};
    this.log(
      renderKeyValues([
        ['Subscriber', v.subscriber],
        ['Address', v.address],
        ['Ports', v['port-range']],
        ['Entry', v['ipv6-range']],
        ['Mode', dynamic ? 'dynamic (the holder now)' : 'deterministic'],
        ['Since', v.since],
      ]),
    );
    return {lookup: v};
  }
}
