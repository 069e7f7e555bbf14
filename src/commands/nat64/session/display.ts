import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {protoFlags, tableFlags} from '../../../cli/flags.js';
import {protoFromFlags, PROTO_NUMBER} from '../../../model/nat64-pool4.js';
import {SessionFormatter, type SessionJson, type ViewMode} from '../../../model/nat64-render.js';
import {reverseNames} from '../../../instance/nat64/reverse.js';

/** Entries per bpf_map_lookup_batch call (48 bytes each: 12 MiB of buffers). */
const BATCH = 1 << 18;

export default class Nat64SessionDisplay extends XlatCommand<typeof Nat64SessionDisplay> {
  static override summary = 'Show the session table of a protocol.';

  static override description = `Each session as four lines:

  Expires in N seconds            (TCP: preceded by the state, e.g. "(ESTABLISHED) ")
  Remote: IPV4_REMOTE#PORT<TAB>IPV6_NODE#PORT
  Local: POOL4#PORT<TAB>POOL6_EMBEDDED_IPV4#PORT

then a separator; the count last. --tcp (default), --udp or --icmp. With --json: {"sessions": [{"protocol", "state", "expires-in", "ipv6-remote", "ipv6-local", "ipv4-local", "ipv4-remote"}, ...]}, transport addresses as ADDR#PORT. Without --numeric the remote addresses are looked up in reverse DNS (briefly: unanswered ones stay numeric). --csv prints one line per session. The table is read from the kernel in batches.`;

  static override examples = ['<%= config.bin %> <%= command.id %> --icmp --numeric', '<%= config.bin %> <%= command.id %> --tcp --numeric --csv --no-headers'];

  static override flags = {
    ...protoFlags,
    ...tableFlags,
    numeric: Flags.boolean({summary: 'Do not look names up.', default: false}),
  };

  /*
   * Every view streams: sessions are rendered chunk by chunk of the table,
   * straight from the raw entries, and written a megabyte at a time; --json
   * too (the JSON is written here, as toJson would print {sessions}, and
   * nothing is returned for oclif to print again).
   */
  public async run(): Promise<{sessions: SessionJson[]} | undefined> {
    const [proto] = protoFromFlags(this.flags, 'tcp');
    const mode: ViewMode = this.jsonEnabled() ? 'json' : this.flags.csv ? 'csv' : 'text';
    const headers = !this.flags['no-headers'] && mode !== 'json';
    const nat64 = await this.nat64();
    const write = (text: string | Buffer): void => {
      process.stdout.write(text);
    };

    await nat64.withSessionTable(async ({pool6, nowNs, transSeconds, batches}) => {
      let names: Map<string, string> | undefined;
      if (!this.flags.numeric && mode !== 'json') {
        // A first pass for the remote addresses, their names, then the listing.
        const probe = new SessionFormatter(PROTO_NUMBER[proto], pool6);
        const addrs = new Set<string>();
        for (const {count, keys, values} of batches(BATCH)) probe.remoteAddresses(count, keys, values, nowNs, addrs);
        names = await reverseNames([...addrs]);
      }
      const fmt = new SessionFormatter(PROTO_NUMBER[proto], pool6, names, transSeconds);
      if (mode === 'json') write(fmt.jsonHead(this.commandName));
      else if (headers) write(fmt.header(mode));
      for (const {count, keys, values} of batches(BATCH)) fmt.renderRaw(mode, count, keys, values, nowNs, write);
      if (mode === 'json') write(fmt.jsonTail());
      else if (headers) write(fmt.footer(mode));
    });
    return undefined;
  }
}
