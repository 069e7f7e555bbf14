/**
 * The session table (RFC 6146 3.2): read in chunks for display, and deleted by the tables whose entries go.
 */
import {withNat64Instance, now, type Nat64Maps} from './maps.js';

import * as L from './layout.js';

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
  for (const k of sessionKeys(maps, match)) maps.sessions.delete(k);
}

/**
 * Marks sessions expired instead: the data plane's sweeper (or the next lookup) deletes them and, with the last
 * one, its BIB entry, through the path that keeps a dynamic block's count.
 */
export function expireSessions(maps: Nat64Maps, match: (key: Buffer) => boolean): void {
  for (const k of sessionKeys(maps, match)) {
    const v = maps.sessions.lookup(k);
    if (!v) continue;
    v.writeBigUInt64LE(1n, L.NAT64_SESSION.expires.offset);
    maps.sessions.update(k, v);
  }
}

function sessionKeys(maps: Nat64Maps, match: (key: Buffer) => boolean): Buffer[] {
  const S = L.NAT64_SESSION_KEY.size;
  const found: Buffer[] = [];
  for (const {count, keys} of maps.sessions.batches()) {
    for (let i = 0; i < count; i++) {
      const k = keys.subarray(i * S, (i + 1) * S);
      if (match(k)) found.push(Buffer.from(k));
    }
  }
  return found;
}
