// Packets written as data, for the packet tests' fixture files (test/fixtures/packet/*.json): a row names its
// input packet, verdict, expected output and counter; this module builds the bytes with packets.mjs, so a
// fixture says what a packet is, never its bytes.
//
// A packet:  {"ip6": {src, dst, hopLimit, trafficClass, flowLabel, ext: [EXT...]}, "l4": L4, "cut": N}
//            {"ip4": {src, dst, ttl, tos, id, df, mf, fragOffset, options: "hex"}, "l4": L4, "cut": N}
//            {"frame": {"type": ETHERTYPE, "fill": BYTE, "len": N}}  (not IP at all)
// EXT:       {"ext": [TYPE, LENGTH]} | {"frag": {offset, more, id}} | {"hdr": {"type": T, "hex": "..."}}
// L4:        {"udp": [SPORT, DPORT, PAYLOAD?], "zeroChecksum": true?} | {"tcp": [SPORT, DPORT, {seq, ack, flags, payload}]}
//            {"echo": [TYPE, ID, SEQ, PAYLOAD?]} | {"icmp": [TYPE, CODE, REST, PAYLOAD?]} | {"raw": [PROTO, PAYLOAD]}
// PAYLOAD:   a name of the fixture's "payloads", or one written in place: {"text": "..."}, {"hex": "..."},
//            {"fill": BYTE, "len": N}, or {"packet": PACKET, "cut": N?} (an ICMP error's inner packet).
// Addresses may be names of the fixture's "addresses". Any value written "$NAME" is the variable NAME the test
// gives (a port or identifier the translator chose while the test set its state up).
import {ipv4Packet, ipv6Packet, udp, tcp, icmpEcho, icmpMsg, raw, extHeader, fragHeader} from './packets.mjs';

function payloadOf(p, fixture) {
  if (p === undefined) return Buffer.alloc(0);
  const named = typeof p === 'string' ? fixture.payloads?.[p] : p;
  const def = named && substitute(named, fixture.vars ?? {});
  if (!def) throw new Error(`unknown payload ${JSON.stringify(p)}`);
  if (def.text !== undefined) return Buffer.from(def.text);
  if (def.hex !== undefined) return Buffer.from(def.hex, 'hex');
  if (def.fill !== undefined) return Buffer.alloc(def.len, def.fill);
  if (def.packet !== undefined) {
    const b = buildPacket(def.packet, fixture).bytes;
    return def.cut === undefined ? b : b.subarray(0, def.cut);
  }
  throw new Error(`payload ${JSON.stringify(p)}: text, hex, fill or packet`);
}

const addr = (a, fixture) => fixture.addresses?.[a] ?? a;

function l4Of(spec, fixture) {
  const pay = (p) => payloadOf(p, fixture);
  let seg;
  if (spec.udp) seg = udp(spec.udp[0], spec.udp[1], pay(spec.udp[2]));
  else if (spec.tcp) seg = tcp(spec.tcp[0], spec.tcp[1], {...spec.tcp[2], payload: pay(spec.tcp[2]?.payload)});
  else if (spec.echo) seg = icmpEcho(spec.echo[0], spec.echo[1], spec.echo[2], pay(spec.echo[3]));
  else if (spec.icmp) seg = icmpMsg(spec.icmp[0], spec.icmp[1], spec.icmp[2], pay(spec.icmp[3]));
  else if (spec.raw) seg = raw(spec.raw[0], pay(spec.raw[1]));
  else throw new Error(`unknown L4 ${JSON.stringify(spec)}`);
  return spec.zeroChecksum ? {...seg, zeroChecksum: true} : seg;
}

function extOf(e) {
  if (e.ext) return extHeader(e.ext[0], e.ext[1]);
  if (e.frag) return fragHeader(e.frag);
  if (e.hdr) return {type: e.hdr.type, bytes: Buffer.from(e.hdr.hex, 'hex')};
  throw new Error(`unknown extension header ${JSON.stringify(e)}`);
}

/** The bytes of a packet spec (an IP packet, or a whole non-IP frame body). Returns {bytes, etherType}. */
export function buildPacket(spec, fixture = {}) {
  if (spec.frame) return {bytes: Buffer.alloc(spec.frame.len, spec.frame.fill), etherType: spec.frame.type};
  let bytes;
  if (spec.ip6) {
    const h = spec.ip6;
    bytes = ipv6Packet({...h, src: addr(h.src, fixture), dst: addr(h.dst, fixture), ext: (h.ext ?? []).map(extOf), l4: l4Of(spec.l4, fixture)});
  } else if (spec.ip4) {
    const h = spec.ip4;
    const options = h.options ? Buffer.from(h.options, 'hex') : undefined;
    bytes = ipv4Packet({...h, src: addr(h.src, fixture), dst: addr(h.dst, fixture), options, l4: l4Of(spec.l4, fixture)});
  } else {
    throw new Error(`a packet is ip6, ip4 or frame: ${JSON.stringify(spec)}`);
  }
  return {bytes: spec.cut === undefined ? bytes : bytes.subarray(0, spec.cut), etherType: undefined};
}

/** A copy of a spec with every "$NAME" string replaced by vars[NAME]. */
function substitute(v, vars) {
  if (typeof v === 'string' && v.startsWith('$')) {
    if (!(v.slice(1) in vars)) throw new Error(`no value for ${v}`);
    return vars[v.slice(1)];
  }
  if (Array.isArray(v)) return v.map((x) => substitute(x, vars));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, vars)]));
  return v;
}

/**
 * The rows of a fixture file (or of one of its named row groups), built with the variables given:
 * [{name, input, etherType, verdict, expected, counter, slow, inLength}].
 */
export function fixtureRows(fixture, {group = 'rows', vars = {}} = {}) {
  const f = {...fixture, vars};
  return substitute(fixture[group], vars).map((r) => {
    const input = buildPacket(r.in, f);
    return {
      name: r.name,
      input: input.bytes,
      etherType: input.etherType,
      verdict: r.verdict,
      expected: r.out ? buildPacket(r.out, f).bytes : null,
      counter: r.counter,
      slow: Boolean(r.slow),
      inLength: r.inLength,
    };
  });
}
