// Valid packets the mutations start from: for SIIT, the addressing of the conformance corpus (whose packets are
// added when ../shared is there); for NAT64, the addressing of test/packet/nat64.test.mjs, plus packets made
// from the live state (replies to the mappings the fuzzer created, ICMP errors about them, their fragments,
// hairpinning through them, SYNs to unmapped ports), so that mutations reach the stateful steps.
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {ipv4Packet, ipv6Packet, udp, tcp, icmpEcho, icmpMsg, raw, extHeader, fragHeader, ip4, ip6} from '../test/helpers/packets.mjs';
import {wrapInError} from './mutate.mjs';
import {fixChecksums} from './dissect.mjs';

const PAY = (n, c = 0x61) => Buffer.alloc(n, c);
const TCPF = {FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16};

export const SIIT_ADDR = {
  N6: '2001:db8:1c0:2:21::', // 192.0.2.33
  N4: '198.51.100.2', // 2001:db8:1c6:3364:2::
  N4_AS6: '2001:db8:1c6:3364:2::',
  N6_AS4: '192.0.2.33',
  LOCAL4: '198.51.100.1',
  LOCAL6: '2001:db8:1c6:3364:1::',
  EAM6: '2001:db8:3::5', // 1.0.0.5
  EAM6B: '2001:db8:2::7', // 10.0.0.7
  EAM4: '1.0.0.5',
  DENIED4: '192.0.2.200', // in the denylist of some phases
};

/** IPv6 packets for SIIT's 6->4 direction and IPv4 ones for 4->6, each valid. */
export function siitSeeds() {
  const A = SIIT_ADDR;
  const v6 = (o) => ipv6Packet({src: A.N6, dst: A.N4_AS6, ...o});
  const v4 = (o) => ipv4Packet({src: A.N4, dst: A.N6_AS4, ...o});
  const s = [];
  for (const l4 of [udp(4000, 53, PAY(20)), tcp(4000, 80, {flags: TCPF.SYN}), tcp(4000, 80, {flags: TCPF.ACK | TCPF.PSH, payload: PAY(100)}),
    icmpEcho(128, 7, 1, PAY(32)), icmpEcho(129, 7, 1, PAY(8)), raw(47, PAY(24)), icmpMsg(130, 0, 0, PAY(16))]) {
    s.push(v6({l4}));
  }
  s.push(v6({l4: icmpMsg(135, 0, 0, PAY(16))}), v6({l4: icmpMsg(136, 0, 0, PAY(16))}), v6({hopLimit: 1, l4: udp(1, 2, PAY(8))}));
  s.push(v6({l4: udp(4000, 53, PAY(1400))}), v6({l4: udp(4000, 53, PAY(2000))}), v6({trafficClass: 0xb8, flowLabel: 0x12345, l4: udp(5, 6, PAY(4))}));
  s.push(v6({ext: [extHeader(0)], l4: udp(4000, 53, PAY(20))}), v6({ext: [extHeader(60, 16)], l4: tcp(1, 2)}));
  s.push(v6({ext: [extHeader(43)], l4: udp(4000, 53, PAY(20))}));
  const rh = extHeader(43, 24);
  rh.bytes[3] = 1;
  s.push(v6({ext: [rh], l4: udp(4000, 53, PAY(20))}));
  s.push(v6({ext: [fragHeader({more: true, id: 77})], l4: udp(4000, 53, PAY(64))}));
  s.push(v6({ext: [fragHeader({offset: 9, more: false, id: 77})], l4: raw(17, PAY(40))}));
  s.push(v6({ext: [fragHeader({id: 78})], l4: udp(4000, 53, PAY(16))})); // atomic
  s.push(v6({ext: [fragHeader({more: true, id: 79})], l4: icmpEcho(128, 1, 1, PAY(64))}));
  // Through the EAMT, and EAMT to EAMT (hairpinning).
  s.push(ipv6Packet({src: A.EAM6, dst: A.N4_AS6, l4: udp(7, 8, PAY(10))}));
  s.push(ipv6Packet({src: A.EAM6, dst: A.EAM6B, l4: tcp(7, 8)}));
  s.push(ipv6Packet({src: A.N6, dst: '2001:db8:1c0:0:ff00::', l4: udp(7, 8, PAY(10))})); // a special IPv4 inside pool6
  // ICMPv6 errors about a packet the IPv4 side sent.
  const about6 = ipv6Packet({src: A.N4_AS6, dst: A.N6, l4: udp(53, 4000, PAY(30))});
  for (const [t, c, r] of [[1, 0, 0], [1, 4, 0], [2, 0, 1400], [2, 0, 1000], [3, 0, 0], [4, 0, 6], [4, 0, 40], [4, 1, 0], [4, 2, 40]]) {
    s.push(ipv6Packet({src: A.N6, dst: A.N4_AS6, l4: icmpMsg(t, c, r, about6)}));
  }
  s.push(ipv6Packet({src: A.N6, dst: A.N4_AS6, l4: icmpMsg(1, 0, 0, ipv6Packet({src: A.N4_AS6, dst: A.N6, l4: icmpEcho(128, 9, 9, PAY(16))}))}));
  // IPv4 side.
  for (const l4 of [udp(53, 4000, PAY(20)), tcp(80, 4000, {flags: TCPF.SYN | TCPF.ACK}), icmpEcho(8, 7, 1, PAY(32)), icmpEcho(0, 7, 1, PAY(8)), raw(47, PAY(24))]) {
    s.push(v4({l4}));
  }
  const zero = udp(53, 4000, PAY(20));
  zero.zeroChecksum = true;
  s.push(v4({l4: zero}), v4({ttl: 1, l4: udp(1, 2, PAY(8))}), v4({df: false, l4: udp(53, 4000, PAY(1400))}), v4({df: true, l4: udp(53, 4000, PAY(1400))}));
  s.push(v4({df: false, l4: udp(53, 4000, PAY(2400))}), v4({tos: 0xb8, l4: tcp(1, 2)}));
  s.push(v4({df: false, mf: true, id: 99, l4: udp(53, 4000, PAY(64))}), v4({df: false, fragOffset: 9, id: 99, l4: raw(17, PAY(40))}));
  s.push(v4({options: Buffer.from([7, 7, 4, 0, 0, 0, 0, 1]), l4: udp(53, 4000, PAY(10))}));
  s.push(ipv4Packet({src: A.N4, dst: A.LOCAL4, l4: udp(1, 2, PAY(4))}), ipv4Packet({src: A.N4, dst: '224.0.0.5', l4: udp(1, 2)}));
  s.push(ipv4Packet({src: '0.0.0.0', dst: A.N6_AS4, l4: udp(1, 2)}), ipv4Packet({src: A.N4, dst: A.DENIED4, l4: udp(1, 2)}));
  s.push(ipv4Packet({src: A.N4, dst: A.EAM4, l4: udp(1, 2, PAY(8))}), ipv4Packet({src: A.N4, dst: A.N6_AS4, l4: raw(2, PAY(8))}));
  const about4 = ipv4Packet({src: A.N6_AS4, dst: A.N4, l4: udp(4000, 53, PAY(30))});
  for (const [t, c, r] of [[3, 0, 0], [3, 1, 0], [3, 3, 0], [3, 4, 1400], [3, 4, 0], [3, 13, 0], [3, 2, 0], [11, 0, 0], [12, 0, 8 << 24], [12, 2, 0], [4, 0, 0]]) {
    s.push(v4({l4: icmpMsg(t, c, r, about4)}));
  }
  s.push(v4({l4: icmpMsg(3, 1, 0, ipv4Packet({src: A.N6_AS4, dst: A.N4, l4: icmpEcho(8, 3, 3, PAY(8))}))}));
  // Found by the fuzzer: an ICMPv6 error whose inner packet's header chain (hop-by-hop, destination options, a
  // routing header claiming 40 bytes) runs past the end of the packet. The translation asked the kernel to shrink
  // the packet by more than it held (counted drop-resize-failed); now drop-icmp-error-inner. Kept as a seed.
  s.push(Buffer.from('6000000000483a4020010db801c63364000200000000000020010db801c0000200210000000000000400fbad00000027600000000044005920010db801c00002002100000000000020010db801c6336400020000000000003c000102000000002b000000010200001104000000000000', 'hex'));
  return s;
}

/** The conformance corpus's packets (raw IP, checksums as stored), or [] without ../shared. */
export function corpusSeeds(repo) {
  const dir = process.env.XLAT_CONFORMANCE_DIR || path.join(repo, '..', 'shared', 'conformance', 'rfc7915');
  const pk = path.join(dir, 'packets');
  if (!existsSync(pk)) return [];
  return readdirSync(pk).filter((f) => f.endsWith('.pkt')).sort().map((f) => readFileSync(path.join(pk, f)));
}

export const NAT64_ADDR = {
  C6: '2001:db8:1::8',
  C6B: '2001:db8:1::9',
  POOL6: '2001:db8:64::',
  S4: '192.0.2.8',
  S4_AS6: '2001:db8:64::c000:208',
  T4: '198.51.100.7',
  T4_AS6: '2001:db8:64::c633:6407',
  P4: '192.0.2.1',
  P4_AS6: '2001:db8:64::c000:201',
  IF4: '192.0.2.254',
  IF6: '2001:db8:1::fe',
};

/** Valid packets for NAT64 that need no state: new flows from IPv6, and IPv4 packets nobody asked for. */
export function nat64Seeds() {
  const A = NAT64_ADDR;
  const v6 = (o) => ipv6Packet({src: A.C6, dst: A.S4_AS6, ...o});
  const v4 = (o) => ipv4Packet({src: A.S4, dst: A.P4, ...o});
  const s = [];
  for (const l4 of [udp(5000, 53, PAY(20)), tcp(5000, 80, {flags: TCPF.SYN}), tcp(5001, 80, {flags: TCPF.ACK}), icmpEcho(128, 77, 1, PAY(32)),
    icmpEcho(129, 77, 1, PAY(8)), icmpMsg(139, 0, 0, PAY(16)), raw(47, PAY(8)), icmpMsg(135, 0, 0, PAY(16)), icmpMsg(200, 0, 0, PAY(8))]) {
    s.push(v6({l4}));
  }
  s.push(ipv6Packet({src: A.C6B, dst: A.T4_AS6, l4: tcp(6000, 443, {flags: TCPF.SYN})}), v6({hopLimit: 1, l4: udp(5000, 53, PAY(8))}));
  s.push(v6({l4: udp(5002, 53, PAY(1600))}), v6({ext: [extHeader(0)], l4: udp(5000, 53, PAY(8))}), ipv6Packet({src: '2001:db8:64::1', dst: A.S4_AS6, l4: udp(1, 2)}));
  s.push(ipv6Packet({src: A.C6, dst: '2001:db8:99::1', l4: udp(1, 2)}), v6({ext: [fragHeader({more: true, id: 5})], l4: udp(5003, 53, PAY(64))}));
  s.push(v6({ext: [fragHeader({offset: 9, id: 5})], l4: raw(17, PAY(40))}), v6({ext: [fragHeader({more: true, id: 6})], l4: icmpEcho(128, 78, 1, PAY(64))}));
  s.push(v6({ext: [fragHeader({offset: 9, id: 6})], l4: raw(58, PAY(40))}));
  s.push(v4({l4: tcp(80, 62000, {flags: TCPF.SYN})}), v4({l4: udp(53, 62000, PAY(8))}), v4({l4: icmpEcho(8, 62000, 1, PAY(8))}), v4({l4: raw(47, PAY(8))}));
  s.push(v4({l4: icmpEcho(8, 1000, 1, PAY(8))}), ipv4Packet({src: '127.0.0.1', dst: A.P4, l4: udp(1, 62000)}), ipv4Packet({src: A.S4, dst: '192.0.2.99', l4: udp(1, 2)}));
  s.push(v4({ttl: 1, l4: udp(53, 62000)}), v4({df: false, mf: true, id: 42, l4: udp(53, 62000, PAY(64))}), v4({df: false, fragOffset: 9, id: 42, l4: raw(17, PAY(16))}));
  s.push(v4({options: Buffer.from([1, 1, 1, 0]), l4: udp(53, 62000)}), v4({l4: icmpMsg(3, 3, 0, ipv4Packet({src: A.P4, dst: A.S4, l4: udp(62000, 53, PAY(8))}))}));
  s.push(ipv6Packet({src: A.C6, dst: A.S4_AS6, l4: icmpMsg(1, 4, 0, ipv6Packet({src: A.S4_AS6, dst: A.C6, l4: udp(53, 5000, PAY(8))}))}));
  return s;
}

/**
 * What the fuzzer learned of NAT64's state: mappings seen in translated packets (a bounded ring), the IPv6 side
 * of each, and the translated packets themselves (inner packets for ICMP errors).
 */
export class Nat64Live {
  constructor() {
    this.map6to4 = []; // {proto, v6: the IPv6 packet, v4: its translation}
    this.map4to6 = []; // {v4, v6}
  }

  /** Learns from a translated packet (input IP, output IP). */
  observe(input, output, reason) {
    if (!output || output.length < 20) return;
    if (reason === 'xlat-6to4' && output[0] >> 4 === 4 && input[0] >> 4 === 6) this.push(this.map6to4, {v6: Buffer.from(input), v4: Buffer.from(output)});
    if (reason === 'xlat-4to6' && output[0] >> 4 === 6 && input[0] >> 4 === 4) this.push(this.map4to6, {v4: Buffer.from(input), v6: Buffer.from(output)});
  }

  push(ring, x) {
    ring.push(x);
    if (ring.length > 64) ring.shift();
  }

  /** A packet made from the live state, or null when there is none yet. */
  seed(rng) {
    if (!this.map6to4.length) return null;
    const A = NAT64_ADDR;
    const m = rng.pick(this.map6to4);
    const o = m.v4;
    const ihl = (o[0] & 15) * 4;
    const proto = o[9];
    const local4 = `${o[12]}.${o[13]}.${o[14]}.${o[15]}`;
    const remote4 = `${o[16]}.${o[17]}.${o[18]}.${o[19]}`;
    if (o.length < ihl + 8) return null;
    const lport = o.readUInt16BE(ihl);
    const rport = o.readUInt16BE(ihl + 2);
    const kind = rng.int(10);
    const other = rng.chance(0.5) ? A.T4 : '203.0.113.77';
    const reply = (src) => {
      if (proto === 6) return tcp(rport, lport, {flags: rng.pick([TCPF.SYN | TCPF.ACK, TCPF.ACK, TCPF.ACK | TCPF.PSH, TCPF.FIN | TCPF.ACK, TCPF.RST, TCPF.SYN]), seq: rng.u32(), ack: rng.u32(), payload: PAY(rng.int(40))});
      if (proto === 17) return udp(src === remote4 ? rport : rng.range(1, 65535), lport, PAY(rng.int(60)));
      return icmpEcho(0, lport, rng.int(100), PAY(rng.int(40)));
    };
    switch (kind) {
      case 0:
      case 1:
        return ipv4Packet({src: remote4, dst: local4, l4: reply(remote4)});
      case 2: // another remote: endpoint-independent or address-dependent filtering
        return ipv4Packet({src: other, dst: local4, l4: reply(other)});
      case 3: // an ICMPv4 error about the translated packet
        return fixChecksums(wrapInError(rng, o, true));
      case 4: {
        // an ICMPv6 error about a packet translated towards the IPv6 node
        const back = this.map4to6.length ? rng.pick(this.map4to6).v6 : null;
        return back ? fixChecksums(wrapInError(rng, back, true)) : ipv4Packet({src: remote4, dst: local4, l4: reply(remote4)});
      }
      case 5: {
        // the IPv6 node's next packet on the same flow (TCP state machine steps)
        const v6 = Buffer.from(m.v6);
        const c = Buffer.from(v6);
        if (proto === 6 && c.length >= 54) c[53] = rng.pick([TCPF.ACK, TCPF.FIN | TCPF.ACK, TCPF.RST, TCPF.SYN, TCPF.ACK | TCPF.PSH]);
        return fixChecksums(c);
      }
      case 6: {
        // hairpinning: another IPv6 node to pool6 + this mapping's pool4 transport address
        if (proto === 1) return ipv6Packet({src: A.C6B, dst: poolAs6(local4), l4: icmpEcho(128, lport, 1, PAY(8))});
        const l4 = proto === 6 ? tcp(7000, lport, {flags: TCPF.SYN}) : udp(7000, lport, PAY(12));
        return ipv6Packet({src: A.C6B, dst: poolAs6(local4), l4});
      }
      case 7: {
        // the reply in fragments (first, or a later one of the same datagram)
        if (proto !== 17) return ipv4Packet({src: remote4, dst: local4, l4: reply(remote4)});
        const id = 0x4000 + (lport & 0xff);
        if (rng.chance(0.5)) {
          const first = udp(rport, lport, PAY(64));
          first.zeroChecksum = rng.chance(0.3); // RFC 6146 3.4: cannot be given a checksum without the rest
          return ipv4Packet({src: remote4, dst: local4, df: false, mf: true, id, l4: first});
        }
        return ipv4Packet({src: remote4, dst: local4, df: false, fragOffset: rng.range(1, 9), mf: rng.chance(0.3), id, l4: raw(17, PAY(16))});
      }
      case 8: {
        // the IPv6 node's datagram in fragments, and fragmented echo (reassembly)
        const id = 0x8000 + (lport & 0xff);
        if (proto === 1) return echoFragment(rng, m.v6, id);
        if (rng.chance(0.5)) return ipv6Packet({src: ip6Text(m.v6, 8), dst: ip6Text(m.v6, 24), ext: [fragHeader({more: true, id})], l4: proto === 6 ? tcp(m.v6.readUInt16BE(40), rport, {flags: TCPF.ACK, payload: PAY(48)}) : udp(m.v6.readUInt16BE(40), rport, PAY(64))});
        return ipv6Packet({src: ip6Text(m.v6, 8), dst: ip6Text(m.v6, 24), ext: [fragHeader({offset: rng.range(1, 9), more: rng.chance(0.3), id})], l4: raw(proto, PAY(24))});
      }
      default:
        // a SYN from IPv4 to a pool4 port nobody mapped (simultaneous open, externally initiated TCP)
        return ipv4Packet({src: rng.pick([remote4, other]), dst: local4, l4: tcp(rng.range(1024, 2048), rng.range(61001, 65535), {flags: TCPF.SYN})});
    }
  }
}

/**
 * Packets that make state, in numbers: new flows from ever new IPv6 transport addresses (tables and pool4 fill
 * up), first fragments of ever new datagrams (the fragment table fills up), fragments of datagrams the kernel
 * owns (the first one passed, so the later ones pass too), and packets whose hop limit runs out (errors in a
 * burst, for the rate limit).
 */
export function nat64Churn(rng, kind) {
  const A = NAT64_ADDR;
  const host = `2001:db8:1::${(rng.int(0xfff) + 16).toString(16)}`;
  const port = rng.range(1024, 65535);
  const dst = rng.chance(0.5) ? A.S4_AS6 : A.T4_AS6;
  switch (kind) {
    case 'flow':
      return ipv6Packet({src: host, dst, l4: rng.pick([udp(port, 53, PAY(8)), tcp(port, 80, {flags: TCPF.SYN}), icmpEcho(128, port, 1, PAY(8))])});
    case 'fragment': {
      const id = rng.u32();
      if (rng.chance(0.5)) return ipv6Packet({src: host, dst, ext: [fragHeader({more: true, id})], l4: udp(port, 53, PAY(64))});
      return ipv4Packet({src: A.S4, dst: A.P4, df: false, mf: true, id: id & 0xffff, l4: udp(53, rng.range(61001, 65535), PAY(64))});
    }
    case 'kernel-fragments': {
      // A datagram to pool4's address on a port nobody mapped: the first fragment is the kernel's, so are the rest.
      const id = 0x7700 + rng.int(4);
      if (rng.chance(0.5)) return ipv4Packet({src: A.S4, dst: A.P4, df: false, mf: true, id, l4: udp(53, 62999, PAY(64))});
      return ipv4Packet({src: A.S4, dst: A.P4, df: false, fragOffset: 9, mf: rng.chance(0.5), id, l4: raw(17, PAY(24))});
    }
    case 'syn-again':
      // The same externally initiated SYN again and again: held, then (past tcp-syn-timeout) answered.
      return ipv4Packet({src: A.S4, dst: A.P4, l4: tcp(1234, 62555, {flags: TCPF.SYN})});
    default:
      return rng.chance(0.5) ? ipv6Packet({src: host, dst, hopLimit: 1, l4: udp(port, 53, PAY(8))}) : ipv4Packet({src: A.S4, dst: A.P4, ttl: 1, l4: udp(53, 62000, PAY(8))});
  }
}

function ip6Text(p, off) {
  const words = [];
  for (let i = 0; i < 16; i += 2) words.push(p.readUInt16BE(off + i).toString(16));
  return words.join(':');
}

function poolAs6(v4) {
  const b = ip4(v4);
  return `2001:db8:64::${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
}

/** A fragment of an ICMPv6 echo request (for reassembly): first, middle or last piece of a 3-piece message. */
function echoFragment(rng, v6, id) {
  const src = ip6Text(v6, 8);
  const dst = ip6Text(v6, 24);
  const msg = ipv6Packet({src, dst, l4: icmpEcho(128, v6.length >= 46 ? v6.readUInt16BE(44) : 1, 1, PAY(200))}).subarray(40);
  const piece = rng.int(3);
  const cut = [0, 72, 144, msg.length];
  const body = msg.subarray(cut[piece], cut[piece + 1]);
  const f = fragHeader({offset: cut[piece] / 8 + (rng.chance(0.1) ? 1 : 0), more: piece < 2, id});
  const h = ipv6Packet({src, dst, l4: raw(58, body), ext: [f]});
  return h;
}

export {ip6, ip4};
