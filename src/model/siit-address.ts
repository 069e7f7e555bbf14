/**
 * `xlat siit address query`: how the SIIT data plane translates one address,
 * and why. The same order as bpf/siit/addr.h: the EAMT first (longest
 * prefix), then pool6 (RFC 6052), with denylist4 keeping IPv4 addresses out
 * of the pool6 mapping and reserved IPv4 addresses never translated.
 * Pure logic over a snapshot of the instance's tables.
 */
import {InputError} from '../errors.js';
import {formatIPv4, formatPrefix4, ipv4Problem, type Prefix4} from './ipv4.js';
import {formatIPv6, formatPrefix6, ipv6Problem, type Prefix6} from './ipv6.js';
import {embedIPv4, extractIPv4, prefixContains} from './rfc6052.js';
import {eamLookup4, eamLookup6, eamTo4, eamTo6, eamView, prefixHolds, type EamEntry, type EamView} from './siit-eamt.js';

export interface AddressTables {
  pool6: Prefix6 | null;
  eamt: readonly EamEntry[];
  denylist4: readonly Prefix4[];
  /** The namespace's own IPv4 addresses (siit_local4). */
  local4: readonly Uint8Array[];
}

export interface AddressQuery {
  query: string;
  /** Family of the query (the result is the other one). */
  family: 4 | 6;
  /** The translated address, or null when it is untranslatable. */
  result: string | null;
  method: 'eamt' | 'rfc6052' | null;
  /** The EAMT entry that matched (the longest prefix). */
  eam: EamView | null;
  /** The pool6 prefix used. */
  pool6: string | null;
  /** Why it is untranslatable, or null. */
  reason: string | null;
  /** Other facts worth knowing (the address is this node's, ...). */
  notes: string[];
}

/** RFC 6890 blocks the data plane never translates (bpf/siit/4to6.h ipv4_is_special). */
export function reservedIPv4(a: Uint8Array): string | null {
  if (a[0] === 0) return '0.0.0.0/8 ("this network")';
  if (a[0] === 127) return '127.0.0.0/8 (loopback)';
  if (a[0] === 169 && a[1] === 254) return '169.254.0.0/16 (link-local)';
  if (a[0] >= 224 && a[0] < 240) return '224.0.0.0/4 (multicast)';
  if (a[0] >= 240) return a.every((b) => b === 255) ? '255.255.255.255/32 (limited broadcast)' : '240.0.0.0/4 (reserved)';
  return null;
}

/** Parses the query: an IPv6 or IPv4 address (no prefix length). */
export function parseQueryAddress(text: string): {family: 4 | 6; addr: Uint8Array} {
  if (text.includes(':')) {
    const addr = new Uint8Array(16);
    const p = ipv6Problem(text, addr);
    if (p !== null) throw new InputError(`'${text}' is not a valid IPv6 address: ${p}`);
    return {family: 6, addr};
  }
  const addr = new Uint8Array(4);
  const p = ipv4Problem(text, addr);
  if (p !== null) throw new InputError(`'${text}' is not an IPv6 or IPv4 address: ${p}`);
  return {family: 4, addr};
}

function denied(t: AddressTables, v4: Uint8Array): Prefix4 | null {
  let best: Prefix4 | null = null;
  for (const p of t.denylist4) if (prefixHolds(p, v4) && (!best || p.len > best.len)) best = p;
  return best;
}

export function queryAddress(t: AddressTables, family: 4 | 6, addr: Uint8Array): AddressQuery {
  const base = {family, eam: null, pool6: null, notes: [] as string[]};
  if (family === 6) {
    const query = formatIPv6(addr);
    const out: AddressQuery = {...base, query, result: null, method: null, reason: null};
    const e = eamLookup6(t.eamt, addr);
    let v4: Uint8Array | null = null;
    if (e) {
      v4 = eamTo4(e, addr);
      out.method = 'eamt';
      out.eam = eamView(e);
    } else if (t.pool6 === null) {
      out.reason = 'no EAMT entry covers it and pool6 is unset';
      return out;
    } else if (!prefixContains(t.pool6, addr)) {
      out.reason = `no EAMT entry covers it and it is outside pool6 ${formatPrefix6(t.pool6)}`;
      return out;
    } else {
      v4 = extractIPv4(addr, t.pool6.len);
      out.method = 'rfc6052';
      out.pool6 = formatPrefix6(t.pool6);
      const d = denied(t, v4);
      if (d) {
        out.method = null;
        out.pool6 = null;
        out.reason = `its IPv4 form ${formatIPv4(v4)} (by pool6 ${formatPrefix6(t.pool6)}) is in denylist4 ${formatPrefix4(d)}`;
        return out;
      }
    }
    const r = reservedIPv4(v4);
    if (r) {
      out.reason = `its IPv4 form ${formatIPv4(v4)} is reserved: ${r}`;
      out.method = null;
      out.eam = null;
      out.pool6 = null;
      return out;
    }
    out.result = formatIPv4(v4);
    if (t.local4.some((l) => l.every((b, i) => b === v4[i]))) out.notes.push(`${out.result} is an address of this namespace`);
    return out;
  }

  const query = formatIPv4(addr);
  const out: AddressQuery = {...base, query, result: null, method: null, reason: null};
  const r = reservedIPv4(addr);
  if (r) {
    out.reason = `it is reserved: ${r}`;
    return out;
  }
  if (t.local4.some((l) => l.every((b, i) => b === addr[i]))) {
    out.notes.push(`${query} is an address of this namespace: packets addressed to it are delivered here, not translated`);
  }
  const e = eamLookup4(t.eamt, addr);
  if (e) {
    out.method = 'eamt';
    out.eam = eamView(e);
    out.result = formatIPv6(eamTo6(e, addr));
    return out;
  }
  const d = denied(t, addr);
  if (d) {
    out.reason = `no EAMT entry covers it and it is in denylist4 ${formatPrefix4(d)}`;
    return out;
  }
  if (t.pool6 === null) {
    out.reason = 'no EAMT entry covers it and pool6 is unset';
    return out;
  }
  out.method = 'rfc6052';
  out.pool6 = formatPrefix6(t.pool6);
  out.result = formatIPv6(embedIPv4(t.pool6, addr));
  return out;
}

/** Text in the style of Jool's `address query --verbose`. */
export function renderAddressQuery(q: AddressQuery): string {
  const lines = [`  Query: ${q.query}`];
  if (q.method === 'eamt' && q.eam) {
    lines.push('  Scheme: EAMT', `    EAM: ${q.eam['ipv6-prefix']} | ${q.eam['ipv4-prefix']}`);
    lines.push(
      q.family === 6
        ? `  Operation: ${q.query} - ${q.eam['ipv6-prefix']} + ${q.eam['ipv4-prefix']} = ${q.result}`
        : `  Operation: ${q.query} - ${q.eam['ipv4-prefix']} + ${q.eam['ipv6-prefix']} = ${q.result}`,
    );
  } else if (q.method === 'rfc6052' && q.pool6) {
    lines.push('  Scheme: RFC 6052 prefix', `    Prefix: ${q.pool6}`);
    lines.push(q.family === 6 ? `  Operation: ${q.query} - ${q.pool6} = ${q.result}` : `  Operation: ${q.pool6} + ${q.query} = ${q.result}`);
  }
  lines.push(`  Result: ${q.result ?? `untranslatable: ${q.reason}`}`);
  for (const n of q.notes) lines.push(`  Note: ${n}`);
  return lines.join('\n');
}
