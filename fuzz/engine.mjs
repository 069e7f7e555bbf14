// The fuzz loop of one program and the invariants checked on every packet. A "program" is a hook configuration
// as the kernel runs it: `tc` alone, or `xdp` followed by tc for what XDP hands over (unmarked, untouched).
//
// Invariants, per packet:
//  - the verdict is one of the hook's (XDP: PASS, DROP, REDIRECT when forwarding is configured; tc: OK,
//    UNSPEC, SHOT, REDIRECT), and XDP hands packets over untouched;
//  - exactly one packet counter moved, by one (over both programs of the xdp configuration), and the verdict
//    agrees with it: a pass- reason leaves the frame untouched, a drop- reason emits nothing (no frame, no
//    fragment clone) unless it is answered with an ICMP error, an xlat- reason emits the translation;
//  - every emitted packet is well formed (Ethernet type, IP version, header and length fields within the frame,
//    IPv4 header checksum) and, when the input's checksums were right, its checksums are right too; an ICMP
//    error the translator originates is always right, is no bigger than RFC 1812/4443 allow, and counts once
//    under icmp-sent;
//  - BPF_PROG_TEST_RUN itself never fails (the kernel refused nothing it should have run).
import {readSync, openSync, closeSync} from 'node:fs';
import {Rng} from './prng.mjs';
import {mutate} from './mutate.mjs';
import {checksumProblems} from '../test/helpers/packets.mjs';
import {dissect} from './dissect.mjs';

const XDP_ACT = {0: 'ABORTED', 1: 'DROP', 2: 'PASS', 3: 'TX', 4: 'REDIRECT'};
const TC = {OK: 0, SHOT: 2, REDIRECT: 7, UNSPEC: 0xffffffff};
const META = {0x786c6174: 'xlat', 0x786c7073: 'pass-siit', 0x786c706e: 'pass-nat64'};
const MAX_IP = 3000;

/** Packets the namespace's IP layers received: fragment clones re-injected by bpf_clone_redirect land there. */
class Emitted {
  constructor() {
    this.fds = [openSync('/proc/self/net/snmp', 'r'), openSync('/proc/self/net/snmp6', 'r')];
    this.buf = Buffer.alloc(16384);
    this.last = this.read();
  }

  read() {
    let n4 = 0;
    let n6 = 0;
    let len = readSync(this.fds[0], this.buf, 0, this.buf.length, 0);
    const lines = this.buf.toString('latin1', 0, len).split('\n').filter((l) => l.startsWith('Ip:'));
    if (lines.length >= 2) {
      const keys = lines[0].split(/\s+/);
      n4 = Number(lines[1].split(/\s+/)[keys.indexOf('InReceives')]);
    }
    len = readSync(this.fds[1], this.buf, 0, this.buf.length, 0);
    const m = /Ip6InReceives\s+(\d+)/.exec(this.buf.toString('latin1', 0, len));
    if (m) n6 = Number(m[1]);
    return n4 + n6;
  }

  /** Packets received since the last call. */
  delta() {
    const now = this.read();
    const d = now - this.last;
    this.last = now;
    return d;
  }

  close() {
    for (const fd of this.fds) closeSync(fd);
  }
}

/** Per-CPU counters of a stats map, summed per counter, in one syscall. */
class Counters {
  constructor(lib, map) {
    this.lib = lib;
    this.fd = map.fd;
    this.n = map.maxEntries;
    this.ncpu = lib.libbpf_num_possible_cpus();
    this.stride = Math.ceil(map.valueSize / 8) * 8;
    this.keys = Buffer.alloc(4 * this.n);
    this.vals = Buffer.alloc(this.stride * this.ncpu * this.n);
    this.tok = Buffer.alloc(8);
  }

  read() {
    const count = [this.n];
    const rc = this.lib.bpf_map_lookup_batch(this.fd, null, this.tok, this.keys, this.vals, count);
    if (rc < 0 && rc !== -2) throw new Error(`reading the counters failed: ${rc}`);
    const out = new Float64Array(this.n);
    for (let k = 0; k < count[0]; k++) {
      const idx = this.keys.readUInt32LE(4 * k);
      let s = 0;
      for (let c = 0; c < this.ncpu; c++) {
        const at = (k * this.ncpu + c) * this.stride;
        s += this.vals.readUInt32LE(at) + this.vals.readUInt32LE(at + 4) * 4294967296;
      }
      out[idx] = s;
    }
    return out;
  }
}

function ipWellFormed(ip) {
  const p = [];
  if (ip.length < 1) return ['no IP header'];
  const v = ip[0] >> 4;
  if (v === 4) {
    if (ip.length < 20) return ['IPv4 header cut'];
    const ihl = (ip[0] & 15) * 4;
    const tot = ip.readUInt16BE(2);
    if (ihl < 20) p.push(`IHL ${ihl}`);
    if (tot < ihl || tot > ip.length) p.push(`IPv4 total length ${tot} with ${ip.length} bytes`);
    if (ihl >= 20 && ihl <= ip.length) {
      let s = 0;
      for (let i = 0; i < ihl; i += 2) s += ip.readUInt16BE(i);
      while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
      if (s !== 0xffff) p.push('IPv4 header checksum');
    }
  } else if (v === 6) {
    if (ip.length < 40) return ['IPv6 header cut'];
    if (40 + ip.readUInt16BE(4) > ip.length) p.push(`IPv6 payload length ${ip.readUInt16BE(4)} with ${ip.length} bytes`);
  } else p.push(`IP version ${v}`);
  return p;
}

/** Whether every checksum and length of an input packet is right (then its translation's must be). */
function inputSound(ip) {
  if (ipWellFormed(ip).length) return false;
  const v = ip[0] >> 4;
  const declared = v === 4 ? ip.readUInt16BE(2) : 40 + ip.readUInt16BE(4);
  if (declared !== ip.length) return false;
  const d = dissect(ip);
  if (d.frag || !d.l4) return false;
  // Only the transport protocols of the input's own family have a checksum the translation must keep right
  // (ICMPv6 inside IPv4, or ICMP inside IPv6, is nonsense the translator passes on as it is).
  if (![6, 17, v === 4 ? 1 : 58].includes(d.l4.proto)) return false;
  if (d.l4.proto === 17) {
    if (d.l4.off + 8 > ip.length || ip.readUInt16BE(d.l4.off + 4) !== ip.length - d.l4.off) return false;
    if (v === 4 && ip.readUInt16BE(d.l4.off + 6) === 0) return false;
  }
  if (d.l4.proto === 6 && (d.l4.off + 20 > ip.length || (ip[d.l4.off + 12] >> 4) * 4 < 20)) return false;
  if ((d.l4.proto === 1 || d.l4.proto === 58) && d.l4.off + 8 > ip.length) return false;
  return checksumProblems(ip).length === 0;
}

function ethFrame(rng, ip) {
  const h = Buffer.alloc(14);
  // To the loopback device's own (zero) address: fragment clones re-injected there are then received as the
  // host's (counted by the IP layer) rather than dropped unseen as another host's.
  Buffer.from('000000000000020000000002', 'hex').copy(h);
  let type = ip.length && ip[0] >> 4 === 6 ? 0x86dd : 0x0800;
  if (rng.chance(0.02)) type = rng.pick([0x86dd, 0x0800, 0x0806, 0x8100, 0x88a8, rng.int(65536)]);
  h.writeUInt16BE(type, 12);
  return Buffer.concat([h, ip]);
}

export function hex(b) {
  return Buffer.from(b).toString('hex');
}

/**
 * Fuzzes one program. opts: {target, lib, hook: 'xdp'|'tc', packets, seed, phaseLen, names, isPacket,
 * onProgress, maxFailures, frames}. Returns {packets, ms, reached: {counter: n}, verdicts, failures, phases, rows}.
 * With `frames` ([{frame, phase}], whole Ethernet frames), replays exactly those (regression rows) instead of
 * generating packets, and `rows` says how each was counted.
 */
export function fuzzProgram(opts) {
  const {target, lib, hook, seed, phaseLen = 2000, names, isPacket, maxFailures = 20, frames = null} = opts;
  const packets = frames ? frames.length : opts.packets;
  const rows = [];
  /** The first frame counted under each reason: the coverage report shows one packet per counter reached. */
  const examples = {};
  const rng = new Rng(seed);
  const counters = new Counters(lib, target.stats);
  const emitted = new Emitted();
  const out = Buffer.alloc(16384);
  const out2 = Buffer.alloc(16384);
  const idx = (n) => names.indexOf(n);
  const I = {sent: idx('icmp-sent'), redirect: idx('xdp-redirect')};
  const reached = new Float64Array(names.length);
  const verdicts = {};
  const failures = [];
  const phasesSeen = [];
  let before = counters.read();
  const t0 = Date.now();
  let phase = -1;
  let refused = 0;
  let lateEmissions = 0;
  /**
   * Runs the frame again (after letting earlier deliveries settle): does it emit anything by itself while it is
   * dropped again? A run with another outcome (an ICMP error the rate limit held back the first time and lets
   * through now) proves nothing either way: it is tried again, a few times at most.
   */
  const confirmEmission = (frame) => {
    const fd = hook === 'xdp' ? target.progs.xdp : target.progs.tc;
    let confirmed = false;
    for (let attempt = 0; attempt < 3; attempt++) {
      const until = Date.now() + 50;
      while (Date.now() < until) emitted.delta();
      const r = run(fd, frame, out2);
      let dropped = !r.err && (hook === 'xdp' ? r.retval === 1 : r.retval === TC.SHOT);
      if (hook === 'xdp' && !r.err && r.retval === 2 && !META[r.data.readUInt32LE(0)]) {
        const t = run(target.progs.tc, frame, out2);
        dropped = !t.err && t.retval === TC.SHOT;
      }
      const again = emitted.delta();
      if (dropped) {
        confirmed = again > 0;
        break;
      }
    }
    before = counters.read();
    return confirmed;
  };

  const run = (fd, frame, buf) => {
    const r = lib.bpf_prog_test_run_opts(fd, {data_in: frame, data_out: buf, repeat: 1});
    if (r.err) return {err: r.err};
    return {retval: r.result.retval >>> 0, data: buf.subarray(0, Math.min(r.result.data_size_out, buf.length))};
  };

  for (let i = 0; i < packets && failures.length < maxFailures; i++) {
    const ph = frames ? frames[i].phase : Math.floor(i / phaseLen);
    if (ph !== phase) {
      phase = ph;
      phasesSeen.push(target.setPhase(ph));
      before = counters.read();
      emitted.delta();
    }
    let ip;
    let ops = ['none'];
    let frame;
    if (frames) {
      frame = frames[i].frame;
      ip = frame.subarray(14);
      ops = ['replay'];
    } else {
      const base = target.seed(rng);
      if (rng.chance(0.12)) ip = Buffer.from(base);
      else ({packet: ip, ops} = mutate(rng, base));
      if (ip.length > MAX_IP) ip = ip.subarray(0, MAX_IP);
      frame = ethFrame(rng, ip);
    }
    const problems = [];
    let verdict;
    let outFrame = null;
    let tcRan = false;

    const first = run(hook === 'xdp' ? target.progs.xdp : target.progs.tc, frame, out);
    if (first.err === -22 && hook === 'tc' && shortOfIpHeader(frame)) {
      refused++;
      before = counters.read();
      rows.push({reason: null, verdict: 'refused by BPF_PROG_TEST_RUN', problems: []});
      continue;
    }
    if (first.err) problems.push(`BPF_PROG_TEST_RUN failed: ${first.err}`);
    else if (hook === 'xdp') {
      const act = XDP_ACT[first.retval] ?? `unknown ${first.retval}`;
      if (act === 'DROP') verdict = 'drop';
      else if (act === 'REDIRECT') {
        verdict = 'xlat';
        outFrame = first.data;
      } else if (act === 'PASS') {
        const mark = first.data.length >= 4 ? META[first.data.readUInt32LE(0)] : undefined;
        if (mark === 'xlat') {
          verdict = 'xlat';
          outFrame = first.data.subarray(4);
        } else if (mark === target.ownPass) {
          verdict = 'pass';
          outFrame = first.data.subarray(4);
        } else if (mark) problems.push(`XDP marked the packet ${mark}`);
        else {
          if (!first.data.equals(frame)) problems.push('XDP handed the packet to tc changed');
          const second = run(target.progs.tc, frame, out2);
          tcRan = true;
          if (second.err === -22 && shortOfIpHeader(frame)) {
            // The packet XDP handed over cannot be test-run in tc (see shortOfIpHeader): its XDP part was checked.
            refused++;
            before = counters.read();
            rows.push({reason: null, verdict: 'refused by BPF_PROG_TEST_RUN', problems: []});
            continue;
          }
          if (second.err) problems.push(`BPF_PROG_TEST_RUN (tc) failed: ${second.err}`);
          else ({verdict, outFrame} = tcOutcome(second, problems));
        }
      } else problems.push(`XDP returned ${act}`);
    } else {
      tcRan = true;
      ({verdict, outFrame} = tcOutcome(first, problems));
    }

    const after = counters.read();
    let moved = 0;
    let reason = null;
    for (let k = 0; k < names.length; k++) {
      const d = after[k] - before[k];
      if (d) reached[k] += d;
      if (isPacket(k) && d) {
        moved += d;
        reason = names[k];
      }
    }
    const dSent = after[I.sent] - before[I.sent];
    const dRedirect = after[I.redirect] - before[I.redirect];
    before = after;
    verdicts[verdict ?? 'none'] = (verdicts[verdict ?? 'none'] ?? 0) + 1;
    // fragment clones (tc only): read when the packet was shot, and now and then to catch any other
    const clones = tcRan && (verdict === 'drop' || i % 64 === 0) ? emitted.delta() : 0;

    if (moved !== 1) problems.push(`${moved} packet counters moved (expected exactly one)${reason ? `, the last ${reason}` : ''}`);
    if (reason && verdict) {
      if (reason.startsWith('pass-')) {
        if (verdict !== 'pass') problems.push(`counted ${reason} but the verdict is ${verdict}`);
        else if (outFrame && !outFrame.equals(frame)) {
          // NAT64's reassembly of a fragmented echo: the fragment that completes a message becomes all of it, and the
          // whole message is decided anew; when the tables changed since its first fragment was held (a flush, an
          // expiry), it is now the node's own and goes to the kernel whole. Anything else passed must be untouched.
          if (reassembledFrom(ip, outFrame.subarray(14))) checkEmitted(outFrame, false, problems, false);
          else problems.push(`counted ${reason} but the frame was changed`);
        }
      } else if (reason.startsWith('xlat-')) {
        if (verdict === 'drop' && clones === 0) problems.push(`counted ${reason} but dropped, with no fragment emitted`);
        else if (verdict === 'pass' || verdict === 'sent') problems.push(`counted ${reason} but the verdict is ${verdict}`);
      } else {
        if (verdict === 'xlat' || verdict === 'pass') problems.push(`counted ${reason} (a drop) but the verdict is ${verdict}`);
        if (verdict === 'drop' && clones) problems.push(`counted ${reason} (a drop) but ${clones} packet(s) were emitted`);
      }
    }
    if (verdict !== 'drop' && clones && !(reason ?? '').startsWith('xlat-')) problems.push(`${clones} packet(s) emitted by a packet counted ${reason} and not dropped`);
    // A packet steered to another node (NAT64 cluster-steering) leaves as it came, one hop less, to a neighbour.
    const forwarded = reason === 'steered';
    if (forwarded) {
      if (verdict !== 'sent') problems.push(`counted steered but the verdict is ${verdict}`);
      else if (outFrame && !steeredAsItCame(frame, outFrame)) problems.push('steered, but not as it came (one hop less)');
    }
    if (dSent !== (verdict === 'sent' && !forwarded ? 1 : 0)) problems.push(`icmp-sent moved by ${dSent} with verdict ${verdict}`);
    if (dRedirect !== (hook === 'xdp' && first.retval === 4 ? 1 : 0)) problems.push(`xdp-redirect moved by ${dRedirect}`);

    if (verdict === 'xlat' && outFrame) checkEmitted(outFrame, inputSound(ip), problems, false);
    if (verdict === 'sent' && outFrame && !forwarded) checkEmitted(outFrame, true, problems, true);
    if (verdict === 'xlat' && outFrame && reason) target.observe(ip, outFrame.subarray(14), reason);

    // Fragment clones arrive through the receive path, which the kernel may defer (ksoftirqd): an emission seen
    // after a drop is confirmed by running the same frame again before it is charged to this packet.
    const emissionIdx = problems.findIndex((x) => / were emitted$| emitted by a packet /.test(x));
    if (emissionIdx >= 0 && !confirmEmission(frame)) problems.splice(emissionIdx, 1), lateEmissions++;
    if (frames) rows.push({reason, verdict, problems});
    if (reason && !(reason in examples)) examples[reason] = hex(frame);
    if (problems.length) {
      failures.push({index: i, phase: phasesSeen.at(-1), ops, reason, verdict, problems, frame: hex(frame), output: outFrame ? hex(outFrame) : null});
    }
    if (opts.onProgress && i % 10000 === 9999) opts.onProgress(i + 1);
  }
  emitted.close();
  const byName = {};
  names.forEach((n, k) => {
    if (reached[k]) byName[n] = reached[k];
  });
  return {packets: Math.min(packets, failures.length >= maxFailures ? failures.at(-1).index + 1 : packets), refused, lateEmissions, ms: Date.now() - t0, reached: byName, verdicts, failures, phases: [...new Set(phasesSeen)], rows, examples};
}

/**
 * BPF_PROG_TEST_RUN refuses (EINVAL) an skb whose Ethernet type is IPv4 or IPv6 but which is shorter than that
 * header: such frames cannot be fed to a tc program this way (XDP takes them, and the xdp configuration runs them).
 */
function shortOfIpHeader(frame) {
  const t = frame.readUInt16BE(12);
  return (t === 0x0800 && frame.length < 14 + 20) || (t === 0x86dd && frame.length < 14 + 40);
}

/** Whether `out` is a whole ICMP message that ends with the payload of the ICMP fragment `input`. */
export function reassembledFrom(input, out) {
  if (input.length < 20 || out.length < 20 || input[0] >> 4 !== out[0] >> 4) return false;
  let body;
  if (input[0] >> 4 === 4) {
    const ihl = (input[0] & 15) * 4;
    if (input[9] !== 1 || (input.readUInt16BE(6) & 0x3fff) === 0 || ihl < 20) return false;
    if ((out.readUInt16BE(6) & 0x3fff) !== 0) return false;
    body = input.subarray(ihl, Math.min(input.length, input.readUInt16BE(2)));
  } else {
    if (input.length < 48 || input[6] !== 44 || input[40] !== 58) return false;
    body = input.subarray(48, Math.min(input.length, 40 + input.readUInt16BE(4)));
  }
  return body.length > 0 && out.length >= body.length && out.subarray(out.length - body.length).equals(body);
}

/** The IPv6 packet of `frame` in `out` with its hop limit one less, everything else but the MAC addresses equal. */
function steeredAsItCame(frame, out) {
  if (out.length !== frame.length || out.readUInt16BE(12) !== frame.readUInt16BE(12) || frame.length < 54) return false;
  if (out[14 + 7] !== frame[14 + 7] - 1) return false;
  return out.subarray(14, 21).equals(frame.subarray(14, 21)) && out.subarray(22).equals(frame.subarray(22));
}

function tcOutcome(r, problems) {
  if (r.retval === TC.OK) return {verdict: 'xlat', outFrame: r.data};
  if (r.retval === TC.UNSPEC) return {verdict: 'pass', outFrame: r.data};
  if (r.retval === TC.SHOT) return {verdict: 'drop', outFrame: null};
  if (r.retval === TC.REDIRECT) return {verdict: 'sent', outFrame: r.data};
  problems.push(`tc returned ${r.retval | 0}`);
  return {verdict: null, outFrame: null};
}

/** An emitted frame: Ethernet type and IP agree, lengths within the frame, checksums right when they must be. */
function checkEmitted(frame, mustSum, problems, originated) {
  if (frame.length < 14) {
    problems.push(`emitted frame of ${frame.length} bytes`);
    return;
  }
  const type = frame.readUInt16BE(12);
  const ip = frame.subarray(14);
  const v = ip.length ? ip[0] >> 4 : 0;
  if (!((type === 0x0800 && v === 4) || (type === 0x86dd && v === 6))) {
    problems.push(`emitted Ethernet type 0x${type.toString(16)} with IP version ${v}`);
    return;
  }
  const wf = ipWellFormed(ip);
  problems.push(...wf.map((x) => `emitted: ${x}`));
  if (wf.length) return;
  if (mustSum) problems.push(...checksumProblems(ip).map((x) => `emitted: ${x} wrong`));
  if (originated) {
    const d = dissect(ip);
    const isErr = d.l4 && ((v === 4 && d.l4.proto === 1 && [3, 11, 12].includes(ip[d.l4.off])) || (v === 6 && d.l4.proto === 58 && ip[d.l4.off] < 5));
    if (!isErr) problems.push('an originated packet that is not an ICMP error');
    if (ip.length > (v === 4 ? 576 : 1280)) problems.push(`an originated ICMP error of ${ip.length} bytes`);
  }
}
