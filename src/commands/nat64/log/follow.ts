import {Flags} from '@oclif/core';
import {hostname} from 'node:os';
import {XlatCommand} from '../../../cli/base-command.js';
import {CSV_HEADER, EVENT_FORMATS, eventView, formatEvent, wallTime, type EventFormat, type EventView} from '../../../model/nat64-events.js';

export default class Nat64LogFollow extends XlatCommand<typeof Nat64LogFollow> {
  static override summary = 'Print the dynamic port block events (allocations and releases) as they happen.';

  static override description = `Reads the events of dynamic pool4 entries ('pool4 add --dynamic'): one line per block given to a subscriber at its first flow ("allocated") and per block taken back when the subscriber's last BIB entry went ("released"), with the time, the subscriber's prefix, the IPv4 address and the port range. The data plane keeps them in a ring buffer (1 MiB, about 21,000 events) until read, so the events of a time without reader come first; when it is full, further events are lost and counted (counter event-lost, reported here on stderr as a warning). One reader at a time: what it reads is gone from the buffer. Runs until interrupted (SIGINT or SIGTERM); --drain prints what is waiting and exits.

--format csv (the default; header "${CSV_HEADER}" unless --no-headers), json (one object per line: {"time", "event", "subscriber", "address", "port-range"}) or syslog (RFC 5424 lines, facility local0, severity info, structured data [nat64-block@32473 ...], for a pipe into logger or a collector). --json while following is --format json; with --drain it is the usual envelope, {"events": [...], "lost": N}.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --format syslog | logger --rfc5424=notime -n 192.0.2.50 -P 514',
    '<%= config.bin %> <%= command.id %> --drain --json',
  ];

  static override flags = {
    format: Flags.string({summary: 'Line format.', options: [...EVENT_FORMATS], default: 'csv'}),
    'no-headers': Flags.boolean({summary: 'No CSV header line.', default: false}),
    drain: Flags.boolean({summary: 'Print the events waiting in the ring buffer, then exit.', default: false}),
  };

  public async run(): Promise<{events: EventView[]; lost: number}> {
    await this.nat64();
    const {followEvents} = await import('../../../instance/nat64/events.js');
    const envelope = this.jsonEnabled() && this.flags.drain;
    const format: EventFormat = this.jsonEnabled() ? 'json' : (this.flags.format as EventFormat);
    const origin = {host: hostname(), pid: process.pid};
    const clocks = () => ({monotonicNs: process.hrtime.bigint(), realMs: Date.now()}); // hrtime: CLOCK_MONOTONIC
    let stopped = false;
    const stop = () => {
      stopped = true;
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const collected: EventView[] = [];
    let lost = 0n;
    if (format === 'csv' && !this.flags['no-headers']) this.log(CSV_HEADER);
    try {
      await followEvents({
        drain: this.flags.drain,
        stop: () => stopped,
        onEvent: (e) => {
          const at = wallTime(e.monotonicNs, clocks());
          if (envelope) collected.push(eventView(e, at));
          else process.stdout.write(`${formatEvent(e, at, format, origin)}\n`);
        },
        onLost: (total, more) => {
          lost = total;
          const message = `${more} block events were lost for want of room in the ring buffer (event-lost is ${total}): nothing read it while it filled`;
          // Streaming JSON has no envelope to carry warnings: they go to stderr as in text mode.
          if (this.jsonEnabled() && !envelope) process.stderr.write(`Warning: ${message}\n`);
          else this.warning(message);
        },
      });
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    this.changed = false;
    return {events: collected, lost: Number(lost)};
  }

  /** While following, --json lines are the events themselves: no envelope after them. */
  protected override logJson(json: unknown): void {
    if (this.flags.drain) super.logJson(json);
  }
}
