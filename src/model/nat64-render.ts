/**
 * Text, CSV and JSON views of NAT64 state: sessions and BIB in the style of
 * Jool's `display` operations (the session text is the issue's scenario,
 * literally). Pure logic; sessions are rendered as they stream in so that a
 * million of them never sit in memory as objects.
 */
import {formatIPv4} from './ipv4.js';
import {formatIPv6} from './ipv6.js';
import {embedIPv4, ipv4Offsets} from './rfc6052.js';

const SEPARATOR = '---------------------------------';

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
const BIB_CSV_HEADERS = ['Protocol', 'IPv6 Address', 'IPv6 L4-ID', 'IPv4 Address', 'IPv4 L4-ID', 'Static'];

const PROTO_LABELS: Record<number, string> = {6: 'TCP', 17: 'UDP', 1: 'ICMP'};
const TCP_STATES = ['CLOSED', 'V4_INIT', 'V6_INIT', 'ESTABLISHED', 'V4_FIN_RCV', 'V6_FIN_RCV', 'V4_FIN_V6_FIN_RCV', 'TRANS'];
const ESTABLISHED = 3;

function protoLabel(proto: number): string {
  return PROTO_LABELS[proto] ?? `proto ${proto}`;
}

/** The session fields a view needs (decoded from the nat64_sessions table, src/instance/nat64/layout.ts). */
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

/** A session in JSON: transport addresses as ADDR#PORT, as the CLI and the configuration file write them. */
export interface SessionJson {
  protocol: string;
  state: string | null;
  'expires-in': number;
  /** The IPv6 node. */
  'ipv6-remote': string;
  /** pool6 + the IPv4 remote's address, as the IPv6 node sees it. */
  'ipv6-local': string;
  /** The pool4 transport address of the mapping. */
  'ipv4-local': string;
  'ipv4-remote': string;
}

export type ViewMode = 'text' | 'csv' | 'json';

/** The cache of embedded addresses is dropped when it reaches this size (a million distinct peers must not pile up). */
const CACHE_MAX = 65536;

/*
 * Number -> text tables (0-65535, decimal and hex): ports, identifiers,
 * address bytes and IPv6 groups are looked up instead of converted, which
 * matters at a million sessions. Built on first use (about 1 ms).
 */
let DEC: string[] = [];
let HEX: string[] = [];
function tables(): void {
  if (DEC.length) return;
  DEC = new Array<string>(65536);
  HEX = new Array<string>(65536);
  for (let i = 0; i < 65536; i++) {
    DEC[i] = String(i);
    HEX[i] = i.toString(16);
  }
}

const dec = (n: number): string => ((n & 0xffff) === n ? DEC[n] : String(n));

/** Dotted quad of an IPv4 address held as an unsigned 32-bit number. */
function ipv4Text(n: number): string {
  return `${DEC[n >>> 24]}.${DEC[(n >>> 16) & 255]}.${DEC[(n >>> 8) & 255]}.${DEC[n & 255]}`;
}

const words = new Uint16Array(8);

/*
 * The '::' of RFC 5952 for each set of zero groups (bit i: group i is zero):
 * start * 16 + length of the longest run of two or more, the first on a tie;
 * 0 when there is none. Found by trying the longest runs first.
 */
const ZERO_RUN = new Uint8Array(256);
for (let mask = 0; mask < 256; mask++) {
  search: for (let len = 8; len >= 2; len--) {
    const run = (1 << len) - 1;
    for (let start = 0; start + len <= 8; start++) {
      if (((mask >> start) & run) === run) {
        ZERO_RUN[mask] = start * 16 + len;
        break search;
      }
    }
  }
}

/**
 * formatIPv6 (RFC 5952) of the 16 bytes at b[o], without allocating anything
 * but the result. IPv4-mapped addresses, rare here, go to formatIPv6 itself.
 */
export function ipv6Text(b: Uint8Array, o = 0): string {
  if (HEX.length === 0) tables();
  let zeros = 0;
  for (let i = 0; i < 8; i++) {
    const w = (b[o + 2 * i] << 8) | b[o + 2 * i + 1];
    words[i] = w;
    if (w === 0) zeros |= 1 << i;
  }
  if ((zeros & 0x3f) === 0x1f && words[5] === 0xffff) return formatIPv6(b.subarray(o, o + 16));
  const run = ZERO_RUN[zeros];
  if (run === 0) {
    return `${HEX[words[0]]}:${HEX[words[1]]}:${HEX[words[2]]}:${HEX[words[3]]}:${HEX[words[4]]}:${HEX[words[5]]}:${HEX[words[6]]}:${HEX[words[7]]}`;
  }
  const start = run >> 4;
  const after = start + (run & 15);
  let s = start ? HEX[words[0]] : '';
  for (let i = 1; i < start; i++) s += `:${HEX[words[i]]}`;
  s += '::';
  if (after < 8) s += HEX[words[after]];
  for (let i = after + 1; i < 8; i++) s += `:${HEX[words[i]]}`;
  return s;
}

/*
 * Raw nat64_sessions entries (struct nat64_session_key / nat64_session of
 * bpf/abi/nat64.h, mirrored by NAT64_SESSION_KEY / NAT64_SESSION in
 * src/instance/nat64/layout.ts, which test/unit/nat64-layout.test.mjs checks
 * against BTF): byte offsets, big-endian addresses and ports, the expiry a
 * little-endian u64 of CLOCK_MONOTONIC nanoseconds.
 */
const KEY_SIZE = 16;
const K_LOCAL4 = 0;
const K_REMOTE4 = 4;
const K_LPORT = 8;
const K_RPORT = 10;
const K_PROTO = 12;
const VALUE_SIZE = 32;
const V_ADDR6 = 0;
const V_PORT6 = 16;
const V_STATE = 18;
const V_EXPIRES = 24;

const be32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const be16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];

/** Above this, nanoseconds left are not exact as a double: BigInt arithmetic then. */
const EXACT_NS = 2 ** 52;

/** Rendered output is handed over in buffers of this size (one write each). */
const CHUNK = 1 << 20;

/**
 * Formats sessions, one by one (SessionView) or straight from raw chunks of
 * the table (renderRaw), remembering repeated addresses. `names` maps numeric
 * addresses to names (reverse lookups); absent = numeric.
 */
export class SessionFormatter {
  private readonly embedded = new Map<number, string>();
  /* The last address formatted of each kind: neighbouring sessions share them. */
  private lastLocal4 = -1;
  private lastLocal4Text = '';
  private lastRemote4 = -1;
  private lastRemote4Text = '';
  private lastEmbed = -1;
  private lastEmbedText = '';
  private readonly embedScratch = new Uint8Array(16);
  private readonly embedOffsets: number[];
  private readonly label: string;
  count = 0;

  constructor(
    readonly proto: number,
    readonly pool6: {addr: Uint8Array; len: number},
    private readonly names: Map<string, string> = new Map(),
    /** tcp-trans-timeout: an ESTABLISHED session with less left than this is in its transitory period (TRANS). */
    private readonly transSeconds = 0,
  ) {
    tables();
    this.label = protoLabel(proto);
    // pool6 with room for the IPv4 bytes, and where RFC 6052 puts them.
    this.embedScratch.set(embedIPv4(pool6, Uint8Array.of(0, 0, 0, 0)));
    this.embedOffsets = ipv4Offsets(pool6.len);
  }

  ipv4(n: number): string {
    return ipv4Text(n);
  }

  ipv6(a: Uint8Array): string {
    return ipv6Text(a);
  }

  /** pool6 + remote4: the IPv6 view of the IPv4 peer. */
  embed(n: number): string {
    if (n === this.lastEmbed) return this.lastEmbedText;
    let text = this.embedded.get(n);
    if (text === undefined) {
      const b = this.embedScratch;
      const o = this.embedOffsets;
      b[o[0]] = n >>> 24;
      b[o[1]] = (n >>> 16) & 255;
      b[o[2]] = (n >>> 8) & 255;
      b[o[3]] = n & 255;
      text = ipv6Text(b);
      if (this.embedded.size >= CACHE_MAX) this.embedded.clear();
      this.embedded.set(n, text);
    }
    this.lastEmbed = n;
    this.lastEmbedText = text;
    return text;
  }

  private local4(n: number): string {
    if (n !== this.lastLocal4) {
      this.lastLocal4 = n;
      this.lastLocal4Text = ipv4Text(n);
    }
    return this.lastLocal4Text;
  }

  private remote4(n: number): string {
    if (n !== this.lastRemote4) {
      this.lastRemote4 = n;
      this.lastRemote4Text = ipv4Text(n);
    }
    return this.lastRemote4Text;
  }

  private name(addr: string): string {
    return this.names.size === 0 ? addr : (this.names.get(addr) ?? addr);
  }

  private state(proto: number, state: number, seconds: number): string | null {
    if (proto !== 6) return null;
    // The data plane keeps an idle connection's ESTABLISHED lifetime plus tcp-trans-timeout; the last part is TRANS.
    if (state === ESTABLISHED && seconds < this.transSeconds) return 'TRANS';
    return TCP_STATES[state] ?? `STATE_${state}`;
  }

  /** The header before the first entry (text and CSV). */
  header(mode: ViewMode): string {
    if (mode === 'csv') return `${SESSION_CSV_HEADERS.join(',')}\n`;
    if (mode === 'text') return `${protoLabel(this.proto)}:\n${SEPARATOR}\n`;
    return '';
  }

  /*
   * One session in each view, from its decoded fields (remote6: the IPv6
   * node's address as text). Every entry point ends here, so the views are
   * the same whether sessions come one by one or in raw chunks.
   */
  private textOf(
    proto: number,
    local4: number,
    remote4: number,
    lport: number,
    rport: number,
    remote6: string,
    port6: number,
    state: number,
    seconds: number,
  ): string {
    const st = this.state(proto, state, seconds);
    return (
      `${st ? `(${st}) ` : ''}Expires in ${dec(seconds)} seconds\n` +
      `Remote: ${this.name(this.remote4(remote4))}#${dec(rport)}\t${this.name(remote6)}#${dec(port6)}\n` +
      `Local: ${this.local4(local4)}#${dec(lport)}\t${this.embed(remote4)}#${dec(proto === 1 ? port6 : rport)}\n` +
      `${SEPARATOR}\n`
    );
  }

  private csvOf(
    proto: number,
    local4: number,
    remote4: number,
    lport: number,
    rport: number,
    remote6: string,
    port6: number,
    state: number,
    seconds: number,
  ): string {
    return `${proto === this.proto ? this.label : protoLabel(proto)},${remote6},${dec(port6)},${this.embed(remote4)},${dec(proto === 1 ? port6 : rport)},${this.local4(local4)},${dec(lport)},${this.remote4(remote4)},${dec(rport)},${this.state(proto, state, seconds) ?? ''},${dec(seconds)}\n`;
  }

  /** The JSON text of json(s) as toJson() indents it inside the envelope's {"result": {"sessions": [...]}}. */
  private jsonOf(
    proto: number,
    local4: number,
    remote4: number,
    lport: number,
    rport: number,
    remote6: string,
    port6: number,
    state: number,
    seconds: number,
  ): string {
    const st = this.state(proto, state, seconds);
    const i = '        ';
    return (
      `      {\n${i}"protocol": "${proto === this.proto ? this.label : protoLabel(proto)}",\n${i}"state": ${st === null ? 'null' : `"${st}"`},\n${i}"expires-in": ${dec(seconds)},\n` +
      `${i}"ipv6-remote": "${remote6}#${dec(port6)}",\n${i}"ipv6-local": "${this.embed(remote4)}#${dec(proto === 1 ? port6 : rport)}",\n` +
      `${i}"ipv4-local": "${this.local4(local4)}#${dec(lport)}",\n${i}"ipv4-remote": "${this.remote4(remote4)}#${dec(rport)}"\n      }`
    );
  }

  text(s: SessionView): string {
    this.count++;
    return this.textOf(s.proto, s.local4, s.remote4, s.lport, s.rport, this.ipv6(s.addr6), s.port6, s.state, Math.floor(s.remainingMs / 1000));
  }

  csv(s: SessionView): string {
    this.count++;
    return this.csvOf(s.proto, s.local4, s.remote4, s.lport, s.rport, this.ipv6(s.addr6), s.port6, s.state, Math.floor(s.remainingMs / 1000));
  }

  json(s: SessionView): SessionJson {
    this.count++;
    const local6port = s.proto === 1 ? s.port6 : s.rport;
    return {
      protocol: protoLabel(s.proto),
      state: this.state(s.proto, s.state, Math.floor(s.remainingMs / 1000)),
      'expires-in': Math.floor(s.remainingMs / 1000),
      'ipv6-remote': `${this.ipv6(s.addr6)}#${s.port6}`,
      'ipv6-local': `${this.embed(s.remote4)}#${local6port}`,
      'ipv4-local': `${this.ipv4(s.local4)}#${s.lport}`,
      'ipv4-remote': `${this.ipv4(s.remote4)}#${s.rport}`,
    };
  }

  footer(mode: ViewMode): string {
    return mode === 'text' ? `  (Fetched ${this.count} entries.)\n` : '';
  }

  /**
   * JSON mode, streamed: what comes before the first session and after the
   * last, as toJson() prints the envelope (src/cli/envelope.ts) around
   * {"sessions": [...]}, newline included.
   */
  jsonHead(command: string): string {
    return `{\n  "ok": true,\n  "command": ${JSON.stringify(command)},\n  "changed": false,\n  "result": {\n    "sessions": [`;
  }

  jsonTail(warnings: readonly string[] = []): string {
    const w = warnings.length ? `[\n${warnings.map((x) => `    ${JSON.stringify(x)}`).join(',\n')}\n  ]` : '[]';
    return `${this.count ? '\n    ]' : ']'}\n  },\n  "warnings": ${w}\n}\n`;
  }

  /**
   * Renders the live sessions of this formatter's protocol among `count` raw
   * nat64_sessions entries (keys and values laid end to end, as
   * bpf_map_lookup_batch returns them), as of nowNs (CLOCK_MONOTONIC). The
   * text goes to `write` in chunks of about a megabyte.
   */
  renderRaw(mode: ViewMode, count: number, keys: Uint8Array, values: Uint8Array, nowNs: bigint, write: (chunk: Buffer) => void): void {
    const nowHi = Number(nowNs >> 32n);
    const nowLo = Number(nowNs & 0xffffffffn);
    const dv = new DataView(values.buffer, values.byteOffset, values.byteLength);
    // Everything but reverse-DNS names is ASCII: latin1 then, the cheapest encoding.
    const encoding: BufferEncoding = this.names.size ? 'utf8' : 'latin1';
    let buf = Buffer.allocUnsafe(CHUNK);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const k = i * KEY_SIZE;
      const proto = keys[k + K_PROTO];
      if (proto !== this.proto) continue;
      const v = i * VALUE_SIZE;
      const hi = dv.getUint32(v + V_EXPIRES + 4, true) - nowHi;
      const left = hi * 4294967296 + (dv.getUint32(v + V_EXPIRES, true) - nowLo);
      if (left <= 0) continue;
      // Math.floor(remainingMs / 1000), remainingMs = nanoseconds left / 1e6 truncated: exactly.
      const seconds = left < EXACT_NS ? (left - (left % 1e9)) / 1e9 : Math.floor(Number((dv.getBigUint64(v + V_EXPIRES, true) - nowNs) / 1_000_000n) / 1000);
      const local4 = be32(keys, k + K_LOCAL4);
      const remote4 = be32(keys, k + K_REMOTE4);
      const lport = be16(keys, k + K_LPORT);
      const rport = be16(keys, k + K_RPORT);
      const port6 = be16(values, v + V_PORT6);
      const state = values[v + V_STATE];
      const remote6 = ipv6Text(values, v + V_ADDR6);
      let line: string;
      if (mode === 'csv') line = this.csvOf(proto, local4, remote4, lport, rport, remote6, port6, state, seconds);
      else if (mode === 'text') line = this.textOf(proto, local4, remote4, lport, rport, remote6, port6, state, seconds);
      else line = `${this.count ? ',\n' : '\n'}${this.jsonOf(proto, local4, remote4, lport, rport, remote6, port6, state, seconds)}`;
      this.count++;
      if (at + line.length * 3 > buf.length) {
        if (at) write(buf.subarray(0, at));
        buf = Buffer.allocUnsafe(Math.max(CHUNK, line.length * 3));
        at = 0;
      }
      at += buf.write(line, at, encoding);
    }
    if (at) write(buf.subarray(0, at));
  }

  /**
   * The remote addresses (IPv4 peer, IPv6 node) of the live sessions of this
   * protocol among `count` raw entries, as text: what reverse lookups need.
   */
  remoteAddresses(count: number, keys: Uint8Array, values: Uint8Array, nowNs: bigint, into: Set<string>): void {
    const dv = new DataView(values.buffer, values.byteOffset, values.byteLength);
    for (let i = 0; i < count; i++) {
      const k = i * KEY_SIZE;
      if (keys[k + K_PROTO] !== this.proto) continue;
      const v = i * VALUE_SIZE;
      if (dv.getBigUint64(v + V_EXPIRES, true) <= nowNs) continue;
      into.add(this.remote4(be32(keys, k + K_REMOTE4)));
      into.add(ipv6Text(values, v + V_ADDR6));
    }
  }
}

export interface BibView {
  static: boolean;
  ipv4: {addr: Uint8Array; port: number};
  ipv6: {addr: Uint8Array; port: number};
}

/** A BIB entry in JSON (the configuration file's keys, in kebab-case; transport addresses as ADDR#PORT). */
export interface BibJson {
  protocol: string;
  'ipv6-address': string;
  'ipv4-address': string;
  static: boolean;
}

export function bibView(e: {proto: string; ipv6: {addr: Uint8Array; port: number}; ipv4: {addr: Uint8Array; port: number}; static: boolean}): BibJson {
  return {
    protocol: e.proto.toUpperCase(),
    'ipv6-address': `${formatIPv6(e.ipv6.addr)}#${e.ipv6.port}`,
    'ipv4-address': `${formatIPv4(e.ipv4.addr)}#${e.ipv4.port}`,
    static: e.static,
  };
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
