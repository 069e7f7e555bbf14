/** Flags shared by the NAT64 pool4, BIB and session commands. */
import {Flags} from '@oclif/core';

export const protoFlags = {
  tcp: Flags.boolean({summary: 'TCP (the default).', default: false}),
  udp: Flags.boolean({summary: 'UDP.', default: false}),
  icmp: Flags.boolean({summary: 'ICMP queries (echo identifiers).', default: false}),
};

export const tableFlags = {
  csv: Flags.boolean({summary: 'Print comma-separated values, one line per entry.', default: false}),
  'no-headers': Flags.boolean({summary: 'Leave out the header and the "Fetched" line.', default: false}),
};
