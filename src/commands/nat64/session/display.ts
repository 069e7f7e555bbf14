import {Flags} from '@oclif/core';
import {XlatCommand} from '../../../cli/base-command.js';
import {protoFlags, tableFlags} from '../../../model/nat64-flags.js';
import {protoFromFlags, PROTO_NUMBER} from '../../../model/nat64-pool4.js';
import {SessionFormatter, type SessionJson, type SessionView, type ViewMode} from '../../../model/nat64-render.js';
import {reverseNames} from '../../../instance/nat64-reverse.js';

const CHUNK = 1 << 20;

export default class Nat64SessionDisplay extends XlatCommand<typeof Nat64SessionDisplay> {
  static override summary = 'Show the session table of a protocol.';

  static override description = `Each session as four lines:

  Expires in N seconds            (TCP: preceded by the state, e.g. "(ESTABLISHED) ")
  Remote: IPV4_REMOTE#PORT<TAB>IPV6_NODE#PORT
  Local: POOL4#PORT<TAB>POOL6_EMBEDDED_IPV4#PORT

then a separator; the count last. --tcp (default), --udp or --icmp. Without --numeric the remote addresses are looked up in reverse DNS (briefly: unanswered ones stay numeric). --csv prints one line per session. The table is read from the kernel in batches.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --icmp --numeric',
    '<%= config.bin %> <%= command.id %> --tcp --numeric --csv --no-headers',
  ];

  static override flags = {
    ...protoFlags,
    ...tableFlags,
    numeric: Flags.boolean({summary: 'Do not look names up.', default: false}),
  };

  public async run(): Promise<{sessions: SessionJson[]}> {
    const [proto] = protoFromFlags(this.flags, 'tcp');
    const mode: ViewMode = this.jsonEnabled() ? 'json' : this.flags.csv ? 'csv' : 'text';
    const noHeaders = this.flags['no-headers'];
    const nat64 = await this.nat64();
    const sessions: SessionJson[] = [];

    let fmt: SessionFormatter | null = null;
    let pool6: {addr: Buffer; len: number} | null = null;
    let out = '';
    const flush = () => {
      if (out) process.stdout.write(out);
      out = '';
    };
    const emit = (f: SessionFormatter, s: SessionView) => {
      if (mode === 'json') sessions.push(f.json(s));
      else {
        out += mode === 'csv' ? f.csv(s) : f.text(s);
        if (out.length > CHUNK) flush();
      }
    };

    if (this.flags.numeric || mode === 'json') {
      await nat64.scanSessions(
        proto!,
        (p) => {
          fmt = new SessionFormatter(PROTO_NUMBER[proto!], p);
          if (!noHeaders) out += fmt.header(mode);
        },
        (s) => emit(fmt!, s),
      );
    } else {
      // Collect first, then resolve the remote addresses, then print.
      const kept: SessionView[] = [];
      await nat64.scanSessions(
        proto!,
        (p) => {
          pool6 = p;
        },
        (s) => kept.push({...s, addr6: Buffer.from(s.addr6)}),
      );
      const probe = new SessionFormatter(PROTO_NUMBER[proto!], pool6!);
      const addrs = new Set<string>();
      for (const s of kept) {
        addrs.add(probe.ipv4(s.remote4));
        addrs.add(probe.ipv6(s.addr6));
      }
      const names = await reverseNames([...addrs]);
      fmt = new SessionFormatter(PROTO_NUMBER[proto!], pool6!, names);
      if (!noHeaders) out += fmt.header(mode);
      for (const s of kept) emit(fmt, s);
    }
    if (fmt && !noHeaders) out += (fmt as SessionFormatter).footer(mode);
    flush();
    return {sessions};
  }
}
