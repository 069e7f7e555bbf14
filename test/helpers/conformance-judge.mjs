// Judging of packet-conformance cases, as the RFC 7915 corpus README (../shared/conformance/rfc7915) says:
//   - the expected packets of a case form a queue;
//   - a received packet is compared with the head of the queue only when its IP version, source and destination
//     equal the head's (anything else is ignored); the head is then consumed, matching or not;
//   - a comparison succeeds when the lengths are equal and every byte is equal except the head's ignored offsets
//     (0-based from the IP header);
//   - the case passes when every expected packet was consumed by an equal packet. Packets after the queue is
//     empty are ignored.
// Pure functions on Buffers (no I/O), plus compact human-readable diffs and one-line packet summaries for
// failure reports. Unit-tested by test/conformance/judge.test.mjs.
import {format6} from './rfc6052.mjs';

/** 'a.b.c.d' */
export function formatIPv4(buf, off = 0) {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** RFC 5952 text of the 16 bytes at `off` (the test helpers' one formatter, in rfc6052.mjs). */
export function formatIPv6(buf, off = 0) {
  return format6(buf.subarray(off, off + 16));
}

/**
 * The addressing of an IP packet: {version, src, dst} (text), or null when the buffer is not a complete enough
 * IPv4 or IPv6 header to have one.
 */
export function addressing(buf) {
  if (!Buffer.isBuffer(buf) || buf.length < 1) return null;
  const version = buf[0] >> 4;
  if (version === 4 && buf.length >= 20) return {version, src: formatIPv4(buf, 12), dst: formatIPv4(buf, 16)};
  if (version === 6 && buf.length >= 40) return {version, src: formatIPv6(buf, 8), dst: formatIPv6(buf, 24)};
  return null;
}

export function sameAddressing(a, b) {
  const x = addressing(a);
  const y = addressing(b);
  return x !== null && y !== null && x.version === y.version && x.src === y.src && x.dst === y.dst;
}

/**
 * Byte comparison of one received packet with one expected packet.
 * @returns {{equal: boolean, expectedLength: number, receivedLength: number, differing: number[]}}
 *   `differing`: offsets (< the shorter length, not ignored) whose bytes differ.
 */
export function comparePacket(expected, received, ignore = []) {
  const skip = new Set(ignore);
  const differing = [];
  const n = Math.min(expected.length, received.length);
  for (let i = 0; i < n; i++) {
    if (!skip.has(i) && expected[i] !== received[i]) differing.push(i);
  }
  return {
    equal: expected.length === received.length && differing.length === 0,
    expectedLength: expected.length,
    receivedLength: received.length,
    differing,
  };
}

/**
 * Judges one case.
 * @param {{name: string, bytes: Buffer, ignore?: number[]}[]} expected  the queue, in order
 * @param {Buffer[]} received  what arrived on the expected namespace's interface, in arrival order
 * @returns {{pass: boolean, outcomes: object[], unrelated: number[], after: number[]}}
 *   outcomes[i] for expected[i]: {status: 'ok'|'differs'|'missing', receivedIndex?, comparison?};
 *   unrelated: indexes of received packets not addressed like the head they met (ignored);
 *   after: indexes of received packets that arrived once the queue was empty (ignored).
 */
export function judgeCase(expected, received) {
  const outcomes = expected.map(() => ({status: 'missing'}));
  const unrelated = [];
  const after = [];
  let head = 0;
  received.forEach((pkt, r) => {
    if (head >= expected.length) {
      after.push(r);
      return;
    }
    const exp = expected[head];
    if (!sameAddressing(exp.bytes, pkt)) {
      unrelated.push(r);
      return;
    }
    const comparison = comparePacket(exp.bytes, pkt, exp.ignore ?? []);
    outcomes[head] = {status: comparison.equal ? 'ok' : 'differs', receivedIndex: r, comparison};
    head++;
  });
  return {pass: outcomes.every((o) => o.status === 'ok'), outcomes, unrelated, after};
}

// ------------------------------------------------------------------------------------------------ reports

const IPV6_EXT = new Set([0, 43, 60]);
const PROTO_NAMES = {1: 'ICMP', 6: 'TCP', 17: 'UDP', 33: 'DCCP', 58: 'ICMPv6', 59: 'no-next-header', 2: 'IGMP'};

function l4Summary(proto, buf, off, firstFragment) {
  const name = PROTO_NAMES[proto] ?? `proto ${proto}`;
  if (!firstFragment) return name;
  if ((proto === 1 || proto === 58) && off + 4 <= buf.length) {
    let s = `${name} ${buf[off]}/${buf[off + 1]}`;
    // Parameter Problem pointer, or the MTU of Packet Too Big / Fragmentation Needed
    if (proto === 58 && buf[off] === 2 && off + 8 <= buf.length) s += ` mtu ${buf.readUInt32BE(off + 4)}`;
    if (proto === 58 && buf[off] === 4 && off + 8 <= buf.length) s += ` ptr ${buf.readUInt32BE(off + 4)}`;
    if (proto === 1 && buf[off] === 3 && buf[off + 1] === 4 && off + 8 <= buf.length) s += ` mtu ${buf.readUInt16BE(off + 6)}`;
    if (proto === 1 && buf[off] === 12 && off + 5 <= buf.length) s += ` ptr ${buf[off + 4]}`;
    return s;
  }
  if ((proto === 6 || proto === 17) && off + 4 <= buf.length) return `${name} ${buf.readUInt16BE(off)}>${buf.readUInt16BE(off + 2)}`;
  return name;
}

/** One line describing an IP packet: version, addresses, length, hop limit, fragmentation, extension headers, L4. */
export function describePacket(buf) {
  const a = addressing(buf);
  if (a === null) return `${buf.length} bytes, not IP`;
  if (a.version === 4) {
    const ihl = (buf[0] & 15) * 4;
    const frag = buf.readUInt16BE(6);
    const df = frag & 0x4000 ? ' DF' : '';
    const mf = frag & 0x2000 ? ' MF' : '';
    const offset = (frag & 0x1fff) * 8;
    const fragText = mf || offset ? ` frag(id ${buf.readUInt16BE(4)} off ${offset}${mf})` : '';
    const opts = ihl > 20 ? ` opts ${ihl - 20}B` : '';
    return `IPv4 ${a.src} > ${a.dst} len ${buf.length} ttl ${buf[8]} tos ${buf[1]}${df}${fragText}${opts} ${l4Summary(buf[9], buf, ihl, offset === 0)}`;
  }
  let nh = buf[6];
  let off = 40;
  const parts = [];
  let first = true;
  while ((IPV6_EXT.has(nh) || nh === 44) && off + 8 <= buf.length) {
    if (nh === 44) {
      const fo = buf.readUInt16BE(off + 2);
      parts.push(`frag(id ${buf.readUInt32BE(off + 4)} off ${fo & 0xfff8}${fo & 1 ? ' M' : ''})`);
      first = (fo & 0xfff8) === 0;
      nh = buf[off];
      off += 8;
    } else {
      parts.push({0: 'hbh', 43: 'rh', 60: 'dst'}[nh]);
      const next = buf[off];
      off += (buf[off + 1] + 1) * 8;
      nh = next;
    }
  }
  const tc = ((buf.readUInt32BE(0) >>> 20) & 0xff);
  return `IPv6 ${a.src} > ${a.dst} len ${buf.length} hl ${buf[7]} tc ${tc}${parts.length ? ' ' + parts.join(' ') : ''} ${l4Summary(nh, buf, off, first)}`;
}

const hex2 = (b) => (b === undefined ? '--' : b.toString(16).padStart(2, '0'));

/**
 * Compact diff: the 16-byte rows that hold a difference (or lie past the shorter packet), each as expected /
 * received / marker lines ('^^' differs, '..' ignored offset). At most `maxRows` rows.
 */
export function hexDiff(expected, received, ignore = [], {maxRows = 8, indent = '    '} = {}) {
  const skip = new Set(ignore);
  const len = Math.max(expected.length, received.length);
  const rows = [];
  for (let base = 0; base < len; base += 16) {
    let marked = false;
    const e = [];
    const r = [];
    const m = [];
    for (let i = base; i < Math.min(base + 16, len); i++) {
      e.push(hex2(expected[i]));
      r.push(hex2(received[i]));
      const differs = expected[i] !== received[i];
      if (skip.has(i)) m.push(differs ? '..' : '  ');
      else if (differs) {
        m.push('^^');
        marked = true;
      } else m.push('  ');
    }
    if (marked) rows.push([base, e.join(' '), r.join(' '), m.join(' ').trimEnd()]);
  }
  const lines = [];
  for (const [base, e, r, m] of rows.slice(0, maxRows)) {
    const o = base.toString(16).padStart(4, '0');
    lines.push(`${indent}${o} exp ${e}`, `${indent}     got ${r}`, `${indent}         ${m}`);
  }
  if (rows.length > maxRows) lines.push(`${indent}... ${rows.length - maxRows} more differing row(s)`);
  return lines.join('\n');
}

/** Differing offsets as compact ranges: [4,5,6,10] -> '4-6,10'. */
export function ranges(offsets) {
  const out = [];
  for (let i = 0; i < offsets.length; ) {
    let j = i;
    while (j + 1 < offsets.length && offsets[j + 1] === offsets[j] + 1) j++;
    out.push(i === j ? `${offsets[i]}` : `${offsets[i]}-${offsets[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

/**
 * A failure report for judgeCase's verdict: per expected packet what happened, with a hex diff for those that
 * differ; the received packets that were ignored; "nothing received" when the capture was empty.
 * @param {object} verdict      judgeCase's result
 * @param {{name: string, bytes: Buffer, ignore?: number[]}[]} expected
 * @param {Buffer[]} received
 * @param {{where?: string, elsewhere?: {where: string, packets: Buffer[]}[]}} [ctx]
 */
export function report(verdict, expected, received, {where = 'the expected interface', elsewhere = []} = {}) {
  const lines = [];
  if (received.length === 0) lines.push(`nothing received on ${where}`);
  verdict.outcomes.forEach((o, i) => {
    const exp = expected[i];
    if (o.status === 'ok') {
      lines.push(`  ${exp.name}: ok (received #${o.receivedIndex})`);
    } else if (o.status === 'missing') {
      lines.push(`  ${exp.name}: never arrived; expected ${describePacket(exp.bytes)}`);
    } else {
      const c = o.comparison;
      const got = received[o.receivedIndex];
      const len = c.expectedLength === c.receivedLength ? `length ${c.expectedLength}` : `length expected ${c.expectedLength}, received ${c.receivedLength}`;
      lines.push(`  ${exp.name}: differs (received #${o.receivedIndex}): ${len}; ${c.differing.length} differing byte(s) at ${ranges(c.differing) || '-'}`);
      lines.push(`    expected ${describePacket(exp.bytes)}`);
      lines.push(`    received ${describePacket(got)}`);
      lines.push(hexDiff(exp.bytes, got, exp.ignore ?? []));
    }
  });
  const ignored = [...verdict.unrelated, ...verdict.after].sort((a, b) => a - b);
  if (ignored.length) {
    lines.push(`  ignored on ${where} (not addressed like the expected packet, or after it):`);
    for (const r of ignored.slice(0, 6)) lines.push(`    #${r} ${describePacket(received[r])}`);
    if (ignored.length > 6) lines.push(`    ... ${ignored.length - 6} more`);
  }
  for (const other of elsewhere) {
    if (!other.packets.length) continue;
    lines.push(`  meanwhile on ${other.where}:`);
    for (const p of other.packets.slice(0, 4)) lines.push(`    ${describePacket(p)}`);
    if (other.packets.length > 4) lines.push(`    ... ${other.packets.length - 4} more`);
  }
  return lines.join('\n');
}
