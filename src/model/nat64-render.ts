/**
 * Text, CSV and JSON views of NAT64 state: sessions and BIB in the style of
 * Jool's `display` operations (the session text is the issue's scenario,
 * literally). Pure logic; sessions are rendered as they stream in so that a
 * million of them never sit in memory as objects.
 */
import {formatIPv4} from './ipv4.js';
import {formatIPv6} from './ipv6.js';
import {embedIPv4} from './rfc6052.js';

export const SEPARATOR = '---------------------------------';

export const SESSION_CSV_HEADERS = [
  'Protocol',
  'IPv6 Remote Address',
  'IPv6 Remote L4-ID',
  'IPv6 Local Address',
  'IPv6 Local L4-ID',
  'IPv4 Local Address',
  'IPv4 Local L4-ID',
  'IPv4 Remote Address',
  'IPv4 Remote L4-ID',
  'State',
  'Expires In (s)',
];
export const BIB_CSV_HEADERS = ['Protocol', 'IPv6 Address', 'IPv6 L4-ID', 'IPv4 Address', 'IPv4 L4-ID', 'Static'];

const PROTO_LABELS: Record<number, string> = {6: 'TCP', 17: 'UDP', 1: 'ICMP'};
const TCP_STATES = ['CLOSED', 'V4_INIT', 'V6_INIT', 'ESTABLISHED', 'V4_FIN_RCV', 'V6_FIN_RCV', 'V4_FIN_V6_FIN_RCV', 'TRANS'];

export function protoLabel(proto: number): string {
  return PROTO_LABELS[proto] ?? `proto ${proto}`;
}

/** The session fields a view needs (see RawSession in src/instance/nat64.ts). */
export interface SessionView {
  proto: number;
  local4: number;
  remote4: number;
  lport: number;
  rport: number;
  addr6: Uint8Array;
  port6: number;
  state: number;
  remainingMs: number;
}

export interface SessionJson {
  protocol: string;
  state: string | null;
  expiresIn: number;
  ipv6: {remote: {address: string; port: number}; local: {address: string; port: number}};
  ipv4: {local: {address: string; port: number}; remote: {address: string; port: number}};
}

export type ViewMode = 'text' | 'csv' | 'json';

/** Address caches are dropped when they reach this size (a million distinct nodes must not pile up). */
const CACHE_MAX = 65536;

function cached<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) {
    if (m.size >= CACHE_MAX) m.clear();
    v = make();
    m.set(k, v);
  }
  return v;
}

/**
 * Formats sessions one by one with caches for repeated addresses.
 * `names` maps numeric addresses to names (reverse lookups); absent = numeric.
 */
export class SessionFormatter {
  private readonly v4 = new Map<number, string>();
  private readonly v6 = new Map<string, string>();
  private readonly embedded = new Map<number, string>();
  count = 0;

  constructor(
    readonly proto: number,
    private readonly pool6: {addr: Uint8Array; len: number},
    private readonly names: Map<string, string> = new Map(),
  ) {}

  ipv4(n: number): string {
    return cached(this.v4, n, () => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`);
  }

  ipv6(a: Uint8Array): string {
    const key = Buffer.from(a.buffer, a.byteOffset, 16).toString('latin1');
    return cached(this.v6, key, () => formatIPv6(Uint8Array.from(a)));
  }

  /** pool6 + remote4: the IPv6 view of the IPv4 peer. */
  embed(n: number): string {
    return cached(this.embedded, n, () =>
      formatIPv6(embedIPv4(this.pool6, Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255))),
    );
  }

  private name(addr: string): string {
    return this.names.get(addr) ?? addr;
  }

  private fields(s: SessionView) {
    const local6port = s.proto === 1 ? s.port6 : s.rport;
    return {
      remote6: this.ipv6(s.addr6),
      local6: this.embed(s.remote4),
      local4: this.ipv4(s.local4),
      remote4: this.ipv4(s.remote4),
      local6port,
      seconds: Math.floor(s.remainingMs / 1000),
      state: s.proto === 6 ? (TCP_STATES[s.state] ?? `STATE_${s.state}`) : null,
    };
  }

  /** The header before the first entry (text and CSV). */
  header(mode: ViewMode): string {
    if (mode === 'csv') return `${SESSION_CSV_HEADERS.join(',')}\n`;
    if (mode === 'text') return `${protoLabel(this.proto)}:\n${SEPARATOR}\n`;
    return '';
  }

  text(s: SessionView): string {
    const f = this.fields(s);
    this.count++;
    const expires = `${f.state ? `(${f.state}) ` : ''}Expires in ${f.seconds} seconds`;
    return (
      `${expires}\n` +
      `Remote: ${this.name(f.remote4)}#${s.rport}\t${this.name(f.remote6)}#${s.port6}\n` +
      `Local: ${f.local4}#${s.lport}\t${f.local6}#${f.local6port}\n` +
      `${SEPARATOR}\n`
    );
  }

  csv(s: SessionView): string {
    const f = this.fields(s);
    this.count++;
    return `${protoLabel(s.proto)},${f.remote6},${s.port6},${f.local6},${f.local6port},${f.local4},${s.lport},${f.remote4},${s.rport},${f.state ?? ''},${f.seconds}\n`;
  }

  json(s: SessionView): SessionJson {
    const f = this.fields(s);
    this.count++;
    return {
      protocol: protoLabel(s.proto),
      state: f.state,
      expiresIn: f.seconds,
      ipv6: {remote: {address: f.remote6, port: s.port6}, local: {address: f.local6, port: f.local6port}},
      ipv4: {local: {address: f.local4, port: s.lport}, remote: {address: f.remote4, port: s.rport}},
    };
  }

  footer(mode: ViewMode): string {
    return mode === 'text' ? `  (Fetched ${this.count} entries.)\n` : '';
  }
}

export interface BibView {
  static: boolean;
  ipv4: {addr: Uint8Array; port: number};
  ipv6: {addr: Uint8Array; port: number};
}

export function renderBib(proto: number, entries: BibView[], mode: 'text' | 'csv', noHeaders: boolean): string {
  const lines: string[] = [];
  if (mode === 'csv') {
    if (!noHeaders) lines.push(BIB_CSV_HEADERS.join(','));
    for (const e of entries) {
      lines.push([protoLabel(proto), formatIPv6(e.ipv6.addr), e.ipv6.port, formatIPv4(e.ipv4.addr), e.ipv4.port, e.static].join(','));
    }
    return lines.length ? `${lines.join('\n')}\n` : '';
  }
  if (!noHeaders) lines.push(`${protoLabel(proto)}:`);
  for (const e of entries) {
    lines.push(`[${e.static ? 'Static' : 'Dynamic'}] ${formatIPv4(e.ipv4.addr)}#${e.ipv4.port} - ${formatIPv6(e.ipv6.addr)}#${e.ipv6.port}`);
  }
  if (!noHeaders) lines.push(`  (Fetched ${entries.length} entries.)`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}
