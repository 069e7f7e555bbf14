import {Args, Flags} from '@oclif/core';
import {XlatCommand} from '../../cli/base-command.js';
import {renderKeyValues} from '../../cli/output.js';
import {InputError, NotFoundError} from '../../errors.js';
import {parseIPv4} from '../../model/ipv4.js';
import {parseIPv6, parsePrefix6, type Prefix6} from '../../model/ipv6.js';
import {ipv4Number} from '../../model/pool4-set.js';
import {lookup4, lookup6, mappingView, type Mapping, type MappingView} from '../../model/rfc7422.js';

export type LookupView = MappingView & {query: string; since: string};

/** "2026-12-01T22:00:00Z" or Unix seconds -> Unix seconds. */
function parseTime(text: string): number {
  if (/^\d{1,12}$/.test(text)) return Number(text);
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new InputError(`'${text}' is not a time: expected ISO 8601 (2026-12-01T22:00:00Z) or Unix seconds`);
  return Math.floor(t / 1000);
}

export default class Nat64Lookup extends XlatCommand<typeof Nat64Lookup> {
  static override summary = 'Which subscriber owns a transport address, and the reverse (deterministic pool4).';

  static override description = `Answers from the deterministic (RFC 7422) pool4 entries and their formula, with no logs: ADDRESS#PORT (IPv4) gives the subscriber prefix whose block holds it; an IPv6 subscriber prefix or address gives its IPv4 address and port block. --time T (ISO 8601 or Unix seconds) asks about a past moment: the answer holds if the entry was configured by then (entries record when they were added; keep the CSV of 'pool4 display --deterministic --csv' of every configuration for older times). Exit 3 when no deterministic entry covers it.`;

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
    const at = this.flags.time === undefined ? Math.floor(Date.now() / 1000) : parseTime(this.flags.time);
    let ask: (entries: Parameters<typeof lookup4>[0]) => Mapping | null;
    if (text.includes(':')) {
      const p: Prefix6 = text.includes('/') ? parsePrefix6(text, {allowHostBits: true}) : {addr: parseIPv6(text), len: 128};
      ask = (entries) => lookup6(entries, p);
    } else {
      const hash = text.lastIndexOf('#');
      if (hash < 0) throw new InputError(`'${text}' is no IPv4 transport address: expected ADDRESS#PORT, e.g. 198.51.100.1#40000`);
      const addr = ipv4Number(parseIPv4(text.slice(0, hash)));
      const portText = text.slice(hash + 1);
      if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new InputError(`'${text}': '${portText}' is not a port (0-65535)`);
      ask = (entries) => lookup4(entries, addr, Number(portText));
    }
    await this.nat64();
    const blocks = await import('../../instance/nat64-blocks.js');
    const m = ask(await blocks.listDet());
    if (!m) throw new NotFoundError(`no deterministic pool4 entry covers ${text}`);
    if (m.entry.since > at) {
      throw new NotFoundError(
        `${text} had no deterministic mapping at ${new Date(at * 1000).toISOString()}: its entry ${mappingView(m)['ipv6-range']} was configured at ${new Date(m.entry.since * 1000).toISOString()}`,
      );
    }
    const v: LookupView = {query: text, ...mappingView(m), since: new Date(m.entry.since * 1000).toISOString()};
    this.log(
      renderKeyValues([
        ['Subscriber', v.subscriber],
        ['Address', v.address],
        ['Ports', v['port-range']],
        ['Entry', v['ipv6-range']],
        ['Since', v.since],
      ]),
    );
    return {lookup: v};
  }
}
