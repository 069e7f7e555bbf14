/**
 * Reading the NAT64 instance's block events: the nat64_events ring buffer
 * (bpf/abi/nat64_blocks.h) through libbpf's ring_buffer, with the loss counter
 * (event-lost) beside it. A ring buffer has one read position: what one
 * reader takes, no other sees again.
 */
import {libbpf} from '../../ffi/libbpf.js';
import {SystemError} from '../../errors.js';
import {openMapsByName} from '../attach.js';
import * as B from './blocks-layout.js';
import {readCounters} from '../counters.js';
import {withNat64Instance} from './maps.js';
import {decodeEvent, type BlockEvent} from '../../model/nat64-events.js';

/** How long one wait for events lasts: the longest a stop request waits to be noticed. */
const POLL_MS = 200;

export interface FollowHooks {
  /** Each event as it is read, in order. */
  onEvent(e: BlockEvent): void;
  /** The event-lost counter grew (first call: its value when reading starts, if not 0). */
  onLost(total: bigint, more: bigint): void;
  /** Checked between waits: true ends the reading. */
  stop(): boolean;
  /** Only what is waiting now, then return (no waiting for more). */
  drain: boolean;
}

/** Reads the events until hooks.stop() (or, with drain, until none is waiting). */
export async function followEvents(hooks: FollowHooks): Promise<void> {
  await withNat64Instance(async (maps, _cfg, found) => {
    const m = await openMapsByName(found.mapIds, [B.NAT64_MAP_EVENTS], 'NAT64');
    const lib = await libbpf();
    const lost = () => readCounters(maps.stats, 'nat64').find((c) => c.name === 'event-lost')?.value ?? 0n;
    try {
      const events = m.get(B.NAT64_MAP_EVENTS);
      const rb = lib.ring_buffer__new(events.fd, (data) => hooks.onEvent(decodeEvent(data)));
      if (rb === null) {
        const e = lib.errno();
        throw new SystemError(`reading the NAT64 block events failed: ${lib.libbpf_strerror(e)}`, e);
      }
      try {
        let seen = 0n;
        const checkLost = () => {
          const now = lost();
          if (now > seen) hooks.onLost(now, now - seen);
          seen = now;
        };
        checkLost();
        for (;;) {
          const n = lib.ring_buffer__poll(rb, hooks.drain ? 0 : POLL_MS);
          if (n < 0 && n !== -4) throw new SystemError(`reading the NAT64 block events failed: ${lib.libbpf_strerror(-n)}`, -n); // -EINTR: a signal
          checkLost();
          if (hooks.drain || hooks.stop()) return;
          // Let signal handlers and output run between waits.
          await new Promise((resolve) => setImmediate(resolve));
          if (hooks.stop()) return;
        }
      } finally {
        lib.ring_buffer__free(rb);
      }
    } finally {
      m.close();
    }
  });
}
