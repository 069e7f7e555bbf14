/**
 * The session table (RFC 6146 3.2): read in chunks for display, and deleted by the tables whose entries go.
 */
import {withNat64Instance, now, type Nat64Maps} from './nat64-maps.js';

import * as L from './nat64-layout.js';

// ---------------------------------------------------------------------------
// sessions

/**
 * Runs fn with the raw session table: pool6, the time expiries compare with
 * (CLOCK_MONOTONIC ns, taken once) and its chunks (BpfMap.batches(): buffers
 * reused by the next chunk). fn may read the table more than once.
 */
export async function withSessionTable<T>(
  fn: (t: {
    pool6: {addr: Buffer; len: number};
    nowNs: bigint;
    /** tcp-trans-timeout in seconds: the end of an idle ESTABLISHED session's lifetime is its TRANS period. */
    transSeconds: number;
    batches: (chunk?: number) => Iterable<{count: number; keys: Buffer; values: Buffer}>;
  }) => T | Promise<T>,
): Promise<T> {
  return withNat64Instance((maps, cfg) =>
    fn({pool6: cfg.pool6, nowNs: now(), transSeconds: cfg.tcpTransTimeout, batches: (chunk) => maps.sessions.batches(chunk)}),
  );
}

/** Deletes the sessions whose key satisfies `match`. */
export function dropSessions(maps: Nat64Maps, match: (key: Buffer) => boolean): void {
  const S = L.NAT64_SESSION_KEY.size;
  const doomed: Buffer[] = [];
  for (const {count, keys} of maps.sessions.batches()) {
    for (let i = 0; i < count; i++) {
      const k = keys.subarray(i * S, (i + 1) * S);
      if (match(k)) doomed.push(Buffer.from(k));
    }
  }
  for (const k of doomed) maps.sessions.delete(k);
}
