/** Flags several commands share, defined once. */
import {Flags} from '@oclif/core';

/** Output as a table (default) or CSV; --json is the third format (refused together with --csv). */
export const tableFlags = {
  csv: Flags.boolean({summary: 'Print comma-separated values with machine values (seconds, plain numbers, empty for unset).', default: false}),
  'no-headers': Flags.boolean({summary: 'Leave out the header row (and the "Fetched" line).', default: false}),
};

/** The protocol of a pool4, BIB or session operation: at most one. */
export const protoFlags = {
  tcp: Flags.boolean({summary: 'TCP.', default: false}),
  udp: Flags.boolean({summary: 'UDP.', default: false}),
  icmp: Flags.boolean({summary: 'ICMP queries (echo identifiers).', default: false}),
};
