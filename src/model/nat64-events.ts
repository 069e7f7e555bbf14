/**
 * The events of dynamic port blocks (RFC 7422 blocks given out on demand): one
 * record of the nat64_events ring buffer (struct nat64_event,
 * bpf/abi/nat64_blocks.h) decoded, and the lines `xlat nat64 log follow`
 * prints for it: CSV, JSON (one object per line) or syslog (RFC 5424). Pure
 * logic: no kernel, no I/O.
 */
import {formatIPv4} from './ipv4.js';
import {formatIPv6} from './ipv6.js';
import * as B from '../instance/nat64/blocks-layout.js';

export type BlockEventType = 'allocated' | 'released';

export interface BlockEvent {
  /** bpf_ktime_get_ns() when it happened (CLOCK_MONOTONIC, nanoseconds). */
  monotonicNs: bigint;
  type: BlockEventType;
  /** The subscriber's prefix, e.g. 2001:db8:5:100::/56. */
  subscriber: string;
  address: string;
  ports: [number, number];
  /** The block entry's number. */
  entry: number;
}

/** One ring buffer record; throws on a record of another size (a data plane of another layout). */
export function decodeEvent(b: Buffer): BlockEvent {
  const O = B.NAT64_EVENT;
  if (b.length < O.size) throw new Error(`a block event of ${b.length} bytes, ${O.size} expected`);
  const t = b[O.type.offset];
  if (t !== B.NAT64_EV_BLOCK_ALLOC && t !== B.NAT64_EV_BLOCK_RELEASE) throw new Error(`a block event of unknown type ${t}`);
  const type = t === B.NAT64_EV_BLOCK_ALLOC ? 'allocated' : 'released';
  const sub = new Uint8Array(b.subarray(O.sub.offset, O.sub.offset + 16));
  return {
    monotonicNs: b.readBigUInt64LE(O.time.offset),
    type,
    subscriber: `${formatIPv6(sub)}/${b[O.sub_len.offset]}`,
    address: formatIPv4(b.subarray(O.addr.offset, O.addr.offset + 4)),
    ports: [b.readUInt16LE(O.port_min.offset), b.readUInt16LE(O.port_max.offset)],
    entry: b.readUInt32LE(O.id.offset),
  };
}

/**
 * The wall-clock time of a monotonic timestamp, given one reading of both clocks taken together (the offset between
 * them only moves when the wall clock is set).
 */
export function wallTime(monotonicNs: bigint, clocks: {monotonicNs: bigint; realMs: number}): Date {
  return new Date(clocks.realMs - Number(clocks.monotonicNs - monotonicNs) / 1e6);
}

export const EVENT_FORMATS = ['csv', 'json', 'syslog'] as const;
export type EventFormat = (typeof EVENT_FORMATS)[number];

/** The CSV header line (log follow prints it first unless --no-headers). */
export const CSV_HEADER = 'time,event,subscriber,address,first port,last port';

/** The JSON form of an event (one object per line). */
export interface EventView {
  time: string;
  event: BlockEventType;
  subscriber: string;
  address: string;
  'port-range': string;
}

export function eventView(e: BlockEvent, at: Date): EventView {
  return {time: at.toISOString(), event: e.type, subscriber: e.subscriber, address: e.address, 'port-range': `${e.ports[0]}-${e.ports[1]}`};
}

/** A dynamic block given out now (pool4 display): its subscriber and the BIB entries holding it. */
export interface DynBlockView {
  subscriber: string;
  address: string;
  'port-range': string;
  'bib-entries': number;
}

export function dynBlockView(b: {addr4: number; ports: [number, number]; subscriber: {addr: Uint8Array; len: number}; refs: number}): DynBlockView {
  const a = b.addr4;
  return {
    subscriber: `${formatIPv6(b.subscriber.addr)}/${b.subscriber.len}`,
    address: formatIPv4(new Uint8Array([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255])),
    'port-range': `${b.ports[0]}-${b.ports[1]}`,
    'bib-entries': b.refs,
  };
}

/** Syslog facility local0, severity informational: PRI = 16 * 8 + 6. */
const SYSLOG_PRI = 134;

/**
 * One line of the event in the format. Syslog is RFC 5424 with the structured data element
 * [nat64-block@32473 ...] (32473: the example enterprise number of RFC 5612) and a readable message.
 */
export function formatEvent(e: BlockEvent, at: Date, format: EventFormat, origin: {host: string; pid: number}): string {
  const v = eventView(e, at);
  if (format === 'json') return JSON.stringify(v);
  if (format === 'csv') return [v.time, v.event, v.subscriber, v.address, e.ports[0], e.ports[1]].join(',');
  const sd = `[nat64-block@32473 event="${v.event}" subscriber="${v.subscriber}" address="${v.address}" ports="${v['port-range']}"]`;
  return `<${SYSLOG_PRI}>1 ${v.time} ${origin.host || '-'} xlat ${origin.pid} NAT64BLOCK ${sd} ${v.subscriber} ${v.event} ${v.address} ports ${v['port-range']}`;
}
