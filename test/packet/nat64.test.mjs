// Packet tests for the stateful NAT64 (RFC 6146): the real programs (XDP and tc) run with
// BPF_PROG_TEST_RUN on crafted packets, against BIB/session/pool4 maps written and read here.
// Expected packets are built from RFC 7915 / RFC 6052 with the mapping the translator chose;
// every checksum of the output is verified from scratch.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {ipv4Packet, ipv6Packet, udp, tcp, icmpEcho, icmpMsg, ether, checksumProblems, ip4, ip6, MAC_A, MAC_B} from '../helpers/packets.mjs';
import {fixtureRows} from '../helpers/packet-spec.mjs';
import {readFileSync} from 'node:fs';

// ICMP error rows (both directions): test/fixtures/packet/nat64-icmp-errors.json, with the ports the flows got.
const errorFixture = JSON.parse(readFileSync(new URL('../fixtures/packet/nat64-icmp-errors.json', import.meta.url), 'utf8'));

const root = fileURLToPath(new URL('../..', import.meta.url));
const OBJ = `${root}build/bpf/nat64.bpf.o`;
const skip = process.getuid?.() !== 0 ? 'needs root (BPF_PROG_TEST_RUN)'
  : !existsSync(OBJ) ? `${OBJ} is not built (npm run build)`
  : !existsSync(`${root}dist/instance/nat64/layout.js`) ? 'dist/ is not built (npm run build)' : false;

import {TC, XDP, tcVerdict, xdpMark} from '../helpers/verdicts.mjs';
const HOOKS = [['xlat_nat64_xdp', 'xdp'], ['xlat_nat64_tc', 'tc']];

// The scenario addressing: pool6 2001:db8:64::/96, the IPv6 client 2001:db8:1::8,
// the IPv4 server 192.0.2.8 (2001:db8:64::c000:208), pool4 192.0.2.1.
const POOL6 = {addr: ip6('2001:db8:64::'), len: 96};
const C6 = '2001:db8:1::8', C6B = '2001:db8:1::9';
const S4 = '192.0.2.8', S4_AS6 = '2001:db8:64::c000:208';
const T4 = '198.51.100.7', T4_AS6 = '2001:db8:64::c633:6407';
const P4 = '192.0.2.1';
const TCPF = {FIN: 1, SYN: 2, RST: 4, ACK: 16};

let L, LAYOUT, obj, maps;
const key0 = Buffer.alloc(4);

const defaults = () => ({
  version: LAYOUT, enabled: true, pool6: {addr: Buffer.from(POOL6.addr), len: 96}, fArgs: 0b1011,
  tos: 0, flags: L.NAT64_F['source-icmpv6-errors-better'], lowestIpv6Mtu: 1280, pool4Count: 0, maxSimultaneousOpens: 10,
  udpTimeout: 300, tcpEstTimeout: 7200, tcpTransTimeout: 240, icmpTimeout: 60, tcpSynTimeout: 6, zeroizeTrafficClass: false, overrideTos: false, mtuPlateaus: [1500, 1280], secret: Buffer.from('0123456789abcdef'),
});
let config;

function setConfig(over = {}) {
  config = {...defaults(), ...over, pool4Count: config?.pool4Count ?? 0};
  maps.config.update(key0, L.encodeNat64Config(config));
}

/** pool4 ranges: [proto, addr, prefixLen, min, max, maxIter (default 0: auto)]. */
function setPool4(ranges) {
  ranges.forEach(([proto, addr, prefixLen, portMin, portMax, maxIter = 0], i) => {
    const k = Buffer.alloc(4); k.writeUInt32LE(i);
    maps.pool4.update(k, L.encodePool4Range({addr: ip4(addr), prefixLen, mark: 0, portMin, portMax, proto, flags: 0, maxIter}));
  });
  config.pool4Count = ranges.length;
  maps.config.update(key0, L.encodeNat64Config(config));
}

function clearTables() {
  for (const m of [maps.bib4, maps.bib6, maps.sessions, maps.syn4]) for (const k of [...m.keys()]) m.delete(k);
  // The data plane's own bookkeeping (the held-SYN count among it) starts afresh with the tables.
  const rt = maps.runtime.lookup(key0);
  if (rt) maps.runtime.update(key0, Buffer.alloc(rt.length));
}

const DEFAULT_POOL4 = [[6, P4, 32, 61001, 65535], [17, P4, 32, 61001, 65535], [1, P4, 32, 61001, 65535]];

function reset({cfg = {}, pool4 = DEFAULT_POOL4} = {}) {
  config = undefined;
  setConfig(cfg);
  setPool4(pool4);
  clearTables();
}

before(async () => {
  if (skip) return;
  L = await import(`${root}dist/instance/nat64/layout.js`);
  LAYOUT = (await import(`${root}dist/instance/objects.js`)).layoutVersion('nat64'); // from the object's BTF
  const {openAndLoad} = await import(`${root}dist/bpf/object.js`);
  obj = await openAndLoad(OBJ);
  maps = {
    config: obj.map('nat64_config'), stats: obj.map('nat64_stats'), pool4: obj.map('nat64_pool4'),
    bib4: obj.map('nat64_bib4'), bib6: obj.map('nat64_bib6'), sessions: obj.map('nat64_sessions'),
    syn4: obj.map('nat64_syn4'), runtime: obj.map('nat64_runtime'), ifaddr: obj.map('nat64_ifaddr'),
  };
  reset();
});

after(() => obj?.close());

function counter(name, stats = maps.stats) {
  const idx = L.NAT64_COUNTER_NAMES.indexOf(name);
  assert.ok(idx >= 0, `unknown counter ${name}`);
  const k = Buffer.alloc(4); k.writeUInt32LE(idx);
  return stats.lookupPerCpu(k).reduce((s, b) => s + b.readBigUInt64LE(0), 0n);
}

async function runProg(o, prog, frame) {
  const {testRun} = await import(`${root}dist/bpf/test-run.js`);
  return testRun(o.programFd(prog), frame);
}


/**
 * Runs a frame through a hook configuration as the kernel would: the tc program alone, or the XDP
 * program and then the tc program for what XDP hands over. Returns {verdict: 'xlat'|'pass'|'drop'|'sent', data, delegated}.
 */
async function runHook(o, prog, frame) {
  if (!prog.endsWith('xdp')) {
    const out = await runProg(o, prog, frame);
    return {verdict: tcVerdict(out.retval), data: out.data, retval: out.retval, delegated: false};
  }
  const out = await runProg(o, prog, frame);
  if (out.retval === XDP.DROP) return {verdict: 'drop', data: out.data, delegated: false};
  assert.equal(out.retval, XDP.PASS, 'XDP verdict is PASS or DROP');
  const m = xdpMark(out.data);
  if (m) {
    assert.notEqual(m.mark, 'pass-siit', "NAT64's XDP never marks a pass as SIIT's");
    return {verdict: m.mark === 'xlat' ? 'xlat' : 'pass', data: m.data, delegated: false};
  }
  assert.equal(out.data.toString('hex'), frame.toString('hex'), 'XDP hands packets to tc untouched');
  const slow = await runProg(o, prog.replace(/xdp$/, 'tc'), frame);
  return {verdict: tcVerdict(slow.retval), data: slow.data, retval: slow.retval, delegated: true};
}

/**
 * Sends an IP packet through prog (an XDP program is followed by tc for what it hands over); checks
 * the verdict ('xlat' | 'pass' | 'drop') and that `reason` was counted once. Returns the output IP
 * packet (translated) or null.
 */
async function send(prog, pkt, verdict, reason, {o = obj, stats = maps.stats, slow} = {}) {
  const before = counter(reason, stats);
  const frame = ether(pkt);
  const out = await runHook(o, prog, frame);
  assert.equal(out.verdict, verdict, `verdict of ${reason}`);
  assert.equal(counter(reason, stats), before + 1n, `counter ${reason}`);
  if (slow !== undefined && prog.endsWith('xdp')) assert.equal(out.delegated, slow, slow ? 'handed to tc' : 'decided by XDP');
  if (verdict !== 'xlat') {
    if (verdict === 'pass') assert.equal(out.data.toString('hex'), frame.toString('hex'), 'passed untouched');
    return null;
  }
  const ip = out.data.subarray(14);
  assert.deepEqual(checksumProblems(ip), [], `${reason}: checksums of the output`);
  return Buffer.from(ip);
}

/** Compares IP packets, ignoring the IPv4 identification and header checksum. */
function assertSamePacket(actual, expected, label) {
  const a = Buffer.from(actual), e = Buffer.from(expected);
  if (e[0] >> 4 === 4 && a[0] >> 4 === 4) for (const i of [4, 5, 10, 11]) a[i] = e[i] = 0;
  assert.equal(a.toString('hex'), e.toString('hex'), label);
}

const sport4 = (v4) => v4.readUInt16BE(20);
const src4 = (v4) => `${v4[12]}.${v4[13]}.${v4[14]}.${v4[15]}`;
const icmpId4 = (v4) => v4.readUInt16BE(24);
const payload = Buffer.from('nat64 packet test payload');

function session(local4, lport, remote4, rport, proto) {
  const raw = maps.sessions.lookup(L.encodeSessionKey({local4: ip4(local4), remote4: ip4(remote4), lport, rport, proto}));
  if (!raw) return null;
  return {addr6: raw.subarray(0, 16), port6: raw.readUInt16BE(16), state: L.tcpStateName(raw[18]), expires: raw.readBigUInt64LE(24)};
}

function bib4(addr, port, proto) {
  const raw = maps.bib4.lookup(L.encodeTAddr4({addr: ip4(addr), port, proto}));
  return raw && {...L.decodeTAddr6(raw, 0), flags: raw.readUInt32LE(20), expires: raw.readBigUInt64LE(24), sessions: raw.readUInt32LE(32)};
}

function addStaticBib(addr6, port6, addr4, port4, proto) {
  const t6 = {addr: ip6(addr6), port: port6, proto}, t4 = {addr: ip4(addr4), port: port4, proto};
  maps.bib4.update(L.encodeTAddr4(t4), L.encodeBib4Value(t6, L.NAT64_BIB_STATIC, L.NAT64_NEVER));
  maps.bib6.update(L.encodeTAddr6(t6), L.encodeBib6Value(t4, L.NAT64_BIB_STATIC, L.NAT64_NEVER));
}

for (const [prog, hook] of HOOKS) {
  test(`nat64 ${hook}: UDP 6->4 creates a mapping, 4->6 replies come back through it`, {skip}, async () => {
    reset();
    const out = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: udp(5000, 53, payload)}), 'xlat', 'xlat-6to4');
    const port = sport4(out);
    assert.equal(src4(out), P4, 'source is the pool4 address');
    assert.ok(port >= 61001 && port <= 65535, `allocated port ${port} is inside pool4`);
    assertSamePacket(out, ipv4Packet({src: P4, dst: S4, df: false, l4: udp(port, 53, payload)}), '6->4 UDP');
    const b = bib4(P4, port, 17);
    assert.equal(b?.port, 5000, 'BIB entry pool4 -> IPv6 side');
    assert.equal(session(P4, port, S4, 53, 17)?.port6, 5000, 'session');

    const back = await send(prog, ipv4Packet({src: S4, dst: P4, ttl: 50, l4: udp(53, port, payload)}), 'xlat', 'xlat-4to6');
    assertSamePacket(back, ipv6Packet({src: S4_AS6, dst: C6, hopLimit: 50, l4: udp(53, 5000, payload)}), '4->6 UDP reply');

    // Endpoint-independent mapping: same source transport address, another destination -> same pool4 port.
    const other = await send(prog, ipv6Packet({src: C6, dst: T4_AS6, l4: udp(5000, 123, payload)}), 'xlat', 'xlat-6to4');
    assert.equal(sport4(other), port, 'endpoint-independent mapping');
    // Endpoint-independent filtering: an unrelated IPv4 host reaches the mapping.
    const eif = await send(prog, ipv4Packet({src: '203.0.113.9', dst: P4, l4: udp(999, port, payload)}), 'xlat', 'xlat-4to6');
    assertSamePacket(eif, ipv6Packet({src: '2001:db8:64::cb00:7109', dst: C6, l4: udp(999, 5000, payload)}), 'EIF');
    // Address-dependent filtering refuses it.
    setConfig({flags: L.NAT64_F['address-dependent-filtering']});
    await send(prog, ipv4Packet({src: '203.0.113.10', dst: P4, l4: udp(999, port, payload)}), 'drop', 'drop-address-dependent-filtering');
    // ... but not a host with a session.
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: udp(53, port, payload)}), 'xlat', 'xlat-4to6');
  });

  test(`nat64 ${hook}: ICMP echo identifiers are mapped both ways`, {skip}, async () => {
    reset();
    const out = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: icmpEcho(128, 3206, 1, payload)}), 'xlat', 'xlat-6to4');
    const id = icmpId4(out);
    assert.ok(id >= 61001 && id <= 65535, `identifier ${id} from pool4`);
    assertSamePacket(out, ipv4Packet({src: P4, dst: S4, df: false, l4: icmpEcho(8, id, 1, payload)}), 'echo request');
    const s = session(P4, id, S4, id, 1);
    assert.equal(s?.port6, 3206, 'ICMP session: both IPv4 ports are the identifier');
    const back = await send(prog, ipv4Packet({src: S4, dst: P4, l4: icmpEcho(0, id, 1, payload)}), 'xlat', 'xlat-4to6');
    assertSamePacket(back, ipv6Packet({src: S4_AS6, dst: C6, l4: icmpEcho(129, 3206, 1, payload)}), 'echo reply');
  });

  test(`nat64 ${hook}: TCP state machine (RFC 6146 3.5.2)`, {skip}, async () => {
    reset();
    const v6 = (flags, sp = 40000) => ipv6Packet({src: C6, dst: S4_AS6, l4: tcp(sp, 80, {flags})});
    await send(prog, v6(TCPF.ACK), 'drop', 'drop-tcp-no-session');
    const syn = await send(prog, v6(TCPF.SYN), 'xlat', 'xlat-6to4');
    const port = sport4(syn);
    assertSamePacket(syn, ipv4Packet({src: P4, dst: S4, df: false, l4: tcp(port, 80, {flags: TCPF.SYN})}), 'SYN');
    const st = () => session(P4, port, S4, 80, 6)?.state;
    const v4 = (flags) => ipv4Packet({src: S4, dst: P4, l4: tcp(80, port, {flags})});
    assert.equal(st(), 'V6_INIT');
    const synack = await send(prog, v4(TCPF.SYN | TCPF.ACK), 'xlat', 'xlat-4to6');
    assertSamePacket(synack, ipv6Packet({src: S4_AS6, dst: C6, l4: tcp(80, 40000, {flags: TCPF.SYN | TCPF.ACK})}), 'SYN-ACK');
    assert.equal(st(), 'ESTABLISHED');
    await send(prog, v6(TCPF.ACK), 'xlat', 'xlat-6to4');
    assert.equal(st(), 'ESTABLISHED');
    await send(prog, v6(TCPF.FIN | TCPF.ACK), 'xlat', 'xlat-6to4');
    assert.equal(st(), 'V6_FIN_RCV');
    await send(prog, v4(TCPF.ACK), 'xlat', 'xlat-4to6');
    assert.equal(st(), 'V6_FIN_RCV');
    await send(prog, v4(TCPF.FIN | TCPF.ACK), 'xlat', 'xlat-4to6');
    assert.equal(st(), 'V4_FIN_V6_FIN_RCV');
    const s = session(P4, port, S4, 80, 6);
    const left = Number(s.expires - process.hrtime.bigint()) / 1e9;
    assert.ok(left > 230 && left <= 240, `closing session lives tcp-trans-timeout (${left} s)`);

    // RST moves an established session to TRANS; any other packet revives it.
    await send(prog, v6(TCPF.SYN, 40001), 'xlat', 'xlat-6to4');
    const b6 = maps.bib6.lookup(L.encodeTAddr6({addr: ip6(C6), port: 40001, proto: 6}));
    const port2 = b6.readUInt16BE(4);
    const st2 = () => session(P4, port2, S4, 80, 6)?.state;
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: tcp(80, port2, {flags: TCPF.SYN | TCPF.ACK})}), 'xlat', 'xlat-4to6');
    assert.equal(st2(), 'ESTABLISHED');
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: tcp(80, port2, {flags: TCPF.RST})}), 'xlat', 'xlat-4to6');
    assert.equal(st2(), 'TRANS');
    await send(prog, v6(TCPF.ACK, 40001), 'xlat', 'xlat-6to4');
    assert.equal(st2(), 'ESTABLISHED');
    // A FIN_RCV session ignores RST unless handle-rst-during-fin-rcv, which (as Jool) keeps the state and only
    // shortens the lifetime to tcp-trans-timeout.
    await send(prog, v6(TCPF.FIN, 40001), 'xlat', 'xlat-6to4');
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: tcp(80, port2, {flags: TCPF.RST})}), 'xlat', 'xlat-4to6');
    assert.equal(st2(), 'V6_FIN_RCV');
    const left2 = () => Number(session(P4, port2, S4, 80, 6).expires - process.hrtime.bigint()) / 1e9;
    assert.ok(left2() > 7000, `FIN_RCV keeps tcp-est-timeout (${left2()} s)`);
    setConfig({flags: L.NAT64_F['handle-rst-during-fin-rcv']});
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: tcp(80, port2, {flags: TCPF.RST})}), 'xlat', 'xlat-4to6');
    assert.equal(st2(), 'V6_FIN_RCV');
    assert.ok(left2() > 230 && left2() <= 240, `RST shortens it to tcp-trans-timeout (${left2()} s)`);
  });

  test(`nat64 ${hook}: a closed connection's BIB entry goes with its session, not 2 hours later`, {skip}, async () => {
    reset();
    const v6 = (flags) => ipv6Packet({src: C6, dst: S4_AS6, l4: tcp(41000, 80, {flags})});
    const port = sport4(await send(prog, v6(TCPF.SYN), 'xlat', 'xlat-6to4'));
    const v4 = (flags) => ipv4Packet({src: S4, dst: P4, l4: tcp(80, port, {flags})});
    await send(prog, v4(TCPF.SYN | TCPF.ACK), 'xlat', 'xlat-4to6');
    await send(prog, v6(TCPF.ACK), 'xlat', 'xlat-6to4');
    const bibLeft = () => Number(bib4(P4, port, 6).expires - process.hrtime.bigint()) / 1e9;
    const sessLeft = () => Number(session(P4, port, S4, 80, 6).expires - process.hrtime.bigint()) / 1e9;
    // ESTABLISHED: tcp-est-timeout plus the transitory period (RFC 6146 3.5.2.2: 2 h 4 min in all).
    assert.ok(sessLeft() > 7430 && sessLeft() <= 7440, `established session lives 2 h 4 min (${sessLeft()} s)`);
    assert.ok(bibLeft() >= sessLeft() - 1, 'the BIB entry lives as long');
    await send(prog, v6(TCPF.FIN | TCPF.ACK), 'xlat', 'xlat-6to4');
    await send(prog, v4(TCPF.FIN | TCPF.ACK), 'xlat', 'xlat-4to6');
    assert.equal(session(P4, port, S4, 80, 6)?.state, 'V4_FIN_V6_FIN_RCV');
    assert.ok(sessLeft() <= 240, `closed session: tcp-trans-timeout (${sessLeft()} s)`);
    assert.ok(bibLeft() <= 240, `its BIB entry follows it (${bibLeft()} s), the pool4 port is free when it goes`);
    assert.equal(bib4(P4, port, 6).sessions, 1, 'the BIB entry counts its session');
  });

  test(`nat64 ${hook}: an ESTABLISHED session idle past tcp-est-timeout is TRANS, revived by its next packet`, {skip}, async () => {
    reset({cfg: {tcpEstTimeout: 0.2, tcpTransTimeout: 0.4}});
    const v6 = (flags) => ipv6Packet({src: C6, dst: S4_AS6, l4: tcp(42000, 80, {flags})});
    const port = sport4(await send(prog, v6(TCPF.SYN), 'xlat', 'xlat-6to4'));
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: tcp(80, port, {flags: TCPF.SYN | TCPF.ACK})}), 'xlat', 'xlat-4to6');
    await new Promise((r) => setTimeout(r, 350)); // past tcp-est-timeout, within the transitory period
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: tcp(80, port, {flags: TCPF.ACK})}), 'xlat', 'xlat-4to6');
    assert.equal(session(P4, port, S4, 80, 6)?.state, 'ESTABLISHED', 'a keepalive revives it');
    await new Promise((r) => setTimeout(r, 700)); // past both
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: tcp(80, port, {flags: TCPF.ACK})}), 'drop', 'drop-no-bib');
  });

  test(`nat64 ${hook}: externally initiated TCP through a static BIB entry`, {skip}, async () => {
    reset();
    addStaticBib(C6, 80, P4, 61080, 6);
    const syn = await send(prog, ipv4Packet({src: S4, dst: P4, l4: tcp(33000, 61080, {flags: TCPF.SYN})}), 'xlat', 'xlat-4to6');
    assertSamePacket(syn, ipv6Packet({src: S4_AS6, dst: C6, l4: tcp(33000, 80, {flags: TCPF.SYN})}), 'v4 SYN');
    assert.equal(session(P4, 61080, S4, 33000, 6)?.state, 'V4_INIT');
    const synack = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: tcp(80, 33000, {flags: TCPF.SYN | TCPF.ACK})}), 'xlat', 'xlat-6to4');
    assertSamePacket(synack, ipv4Packet({src: P4, dst: S4, df: false, l4: tcp(61080, 33000, {flags: TCPF.SYN | TCPF.ACK})}), 'v6 SYN-ACK');
    assert.equal(session(P4, 61080, S4, 33000, 6)?.state, 'ESTABLISHED');
    // RFC 6146 3.5.2.2, CLOSED: not a SYN, but a BIB entry exists: translated, no session made (as Jool).
    const ack = await send(prog, ipv4Packet({src: S4, dst: P4, l4: tcp(33001, 61080, {flags: TCPF.ACK})}), 'xlat', 'xlat-4to6');
    assertSamePacket(ack, ipv6Packet({src: S4_AS6, dst: C6, l4: tcp(33001, 80, {flags: TCPF.ACK})}), 'v4 ACK');
    assert.equal(session(P4, 61080, S4, 33001, 6), null, 'no session for it');
    await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: tcp(80, 33005, {flags: TCPF.ACK})}), 'xlat', 'xlat-6to4');
    assert.equal(session(P4, 61080, S4, 33005, 6), null, 'nor for an IPv6 one');
    setConfig({flags: L.NAT64_F['drop-externally-initiated-tcp']});
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: tcp(33002, 61080, {flags: TCPF.SYN})}), 'drop', 'drop-externally-initiated-tcp');
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: tcp(33003, 61999, {flags: TCPF.SYN})}), 'drop', 'drop-externally-initiated-tcp');
  });

  test(`nat64 ${hook}: the node's own traffic and unmapped pool4 ports`, {skip}, async () => {
    reset();
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: tcp(80, 40000, {flags: TCPF.SYN | TCPF.ACK})}), 'pass', 'pass-dst4-not-pool4');
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: udp(53, 61000, payload)}), 'pass', 'pass-dst4-not-pool4');
    await send(prog, ipv4Packet({src: S4, dst: '192.0.2.77', l4: udp(53, 62000, payload)}), 'pass', 'pass-dst4-not-pool4');
    // Nobody behind it: the kernel answers (port unreachable), as Jool leaves it.
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: udp(53, 62000, payload)}), 'pass', 'pass-udp-no-bib');
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: tcp(53, 62000, {flags: TCPF.ACK})}), 'drop', 'drop-no-bib');
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: icmpEcho(8, 62000, 1)}), 'pass', 'pass-icmp-no-bib');
    await send(prog, ipv6Packet({src: C6, dst: '2001:db8:99::1', l4: udp(1, 2)}), 'pass', 'pass-dst6-not-pool6');
    // Expiring here: Time Exceeded from this node (no address on the test device: none is sent), never the kernel's.
    await send(prog, ipv6Packet({src: C6, dst: S4_AS6, hopLimit: 1, l4: udp(1, 2)}), 'drop', 'drop-hop-limit');
    // A translated packet coming back from pool6 (a routing loop) is dropped.
    await send(prog, ipv6Packet({src: '2001:db8:64::c633:6401', dst: S4_AS6, l4: udp(1, 2)}), 'drop', 'drop-src6-pool6');
    await send(prog, ipv6Packet({src: 'fe80::1', dst: 'ff02::1:ff00:1', hopLimit: 255, l4: {...icmpEcho(135, 0, 0), proto: 'icmp'}}), 'pass', 'pass-ndp');
    await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: icmpEcho(130, 0, 0)}), 'pass', 'pass-icmp-type');
    setConfig({flags: L.NAT64_F['drop-icmpv6-info']});
    await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: icmpEcho(130, 0, 0)}), 'drop', 'drop-icmpv6-info');
    await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: icmpEcho(128, 9, 1)}), 'drop', 'drop-icmpv6-info');
    setConfig({enabled: false});
    await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: udp(1, 2)}), 'pass', 'pass-disabled');
  });

  test(`nat64 ${hook}: IPv4 UDP without checksum gets one (RFC 6146 3.4), computed by tc`, {skip}, async () => {
    reset();
    addStaticBib(C6, 5353, P4, 61353, 17);
    const zero = ipv4Packet({src: S4, dst: P4, l4: {...udp(7777, 61353, payload), zeroChecksum: true}});
    const out = await send(prog, zero, 'xlat', 'xlat-4to6', {slow: true});
    assertSamePacket(out, ipv6Packet({src: S4_AS6, dst: C6, l4: udp(7777, 5353, payload)}), 'a real checksum over IPv6');
    // A fragment's checksum cannot be computed without the rest of the datagram.
    await send(prog, ipv4Packet({src: S4, dst: P4, df: false, mf: true, id: 5, l4: {...udp(7777, 61353, payload.subarray(0, 16)), zeroChecksum: true}}),
      'drop', 'drop-udp-zero-csum');
  });

  test(`nat64 ${hook}: address-dependent filtering keys on the remote address, not its port`, {skip}, async () => {
    reset({cfg: {flags: L.NAT64_F['address-dependent-filtering']}});
    const out = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: udp(69, 69, payload)}), 'xlat', 'xlat-6to4');
    const port = sport4(out);
    // A TFTP server answers from a new port: same address, allowed.
    const back = await send(prog, ipv4Packet({src: S4, dst: P4, l4: udp(40555, port, payload)}), 'xlat', 'xlat-4to6');
    assertSamePacket(back, ipv6Packet({src: S4_AS6, dst: C6, l4: udp(40555, 69, payload)}), 'reply from another port');
    // Another address: refused.
    await send(prog, ipv4Packet({src: '192.0.2.99', dst: P4, l4: udp(69, port, payload)}), 'drop', 'drop-address-dependent-filtering');
  });

  test(`nat64 ${hook}: IPv4 options of an established flow are dropped in translation, not left to the node`, {skip}, async () => {
    reset();
    const out = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: tcp(43000, 80, {flags: TCPF.SYN})}), 'xlat', 'xlat-6to4');
    const port = sport4(out);
    const opt = Buffer.from([1, 1, 1, 0]); // no-operation x3, end of options
    const back = await send(prog, ipv4Packet({src: S4, dst: P4, options: opt, l4: tcp(80, port, {flags: TCPF.SYN | TCPF.ACK})}), 'xlat', 'xlat-4to6', {slow: true});
    assertSamePacket(back, ipv6Packet({src: S4_AS6, dst: C6, l4: tcp(80, 43000, {flags: TCPF.SYN | TCPF.ACK})}), 'SYN-ACK without its options');
  });

  test(`nat64 ${hook}: pool4 exhaustion is refused and counted`, {skip}, async () => {
    reset({pool4: [[17, P4, 32, 61001, 61002]]});
    const a = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: udp(1001, 53)}), 'xlat', 'xlat-6to4');
    const b = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: udp(1002, 53)}), 'xlat', 'xlat-6to4');
    assert.deepEqual([sport4(a), sport4(b)].sort(), [61001, 61002]);
    await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: udp(1003, 53)}), 'drop', 'drop-pool4-exhausted');
    await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: icmpEcho(128, 1, 1)}), 'drop', 'drop-no-pool4');
    // The existing mappings keep working.
    await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: udp(1001, 53)}), 'xlat', 'xlat-6to4');
  });

  test(`nat64 ${hook}: expired entries vanish and free their pool4 port`, {skip}, async () => {
    reset({cfg: {icmpTimeout: 0.05}, pool4: [[1, P4, 32, 62000, 62000]]});
    const out = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: icmpEcho(128, 7, 1)}), 'xlat', 'xlat-6to4');
    assert.equal(icmpId4(out), 62000);
    await send(prog, ipv6Packet({src: C6B, dst: S4_AS6, l4: icmpEcho(128, 8, 1)}), 'drop', 'drop-pool4-exhausted');
    await new Promise((r) => setTimeout(r, 120));
    await send(prog, ipv4Packet({src: S4, dst: P4, l4: icmpEcho(0, 62000, 1)}), 'pass', 'pass-icmp-no-bib');
    assert.equal(bib4(P4, 62000, 1), null, 'the expired BIB entry was deleted');
    const again = await send(prog, ipv6Packet({src: C6B, dst: S4_AS6, l4: icmpEcho(128, 8, 1)}), 'xlat', 'xlat-6to4');
    assert.equal(icmpId4(again), 62000, 'the port is reused');
  });
}

test('nat64: a full table refuses new flows, keeps live ones, and reclaims expired ones', {skip}, async () => {
  const {openAndLoad} = await import(`${root}dist/bpf/object.js`);
  const small = await openAndLoad(OBJ, {maxEntries: {nat64_bib4: 2, nat64_bib6: 2, nat64_sessions: 2}});
  try {
    const stats = small.map('nat64_stats');
    const cfg = {...defaults(), udpTimeout: 0.3, pool4Count: 1};
    small.map('nat64_config').update(key0, L.encodeNat64Config(cfg));
    small.map('nat64_pool4').update(key0, L.encodePool4Range({addr: ip4(P4), prefixLen: 32, mark: 0, portMin: 61001, portMax: 65535, proto: 17, flags: 0}));
    const o = {o: small, stats};
    const flow = (sp) => ipv6Packet({src: C6, dst: S4_AS6, l4: udp(sp, 53)});
    await send('xlat_nat64_xdp', flow(1), 'xlat', 'xlat-6to4', o);
    await send('xlat_nat64_xdp', flow(2), 'xlat', 'xlat-6to4', o);
    await send('xlat_nat64_xdp', flow(3), 'drop', 'drop-table-full', o);
    await send('xlat_nat64_tc', flow(3), 'drop', 'drop-table-full', o);
    // Live flows keep going (and stay alive past their first deadline).
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 150));
      await send('xlat_nat64_xdp', flow(1), 'xlat', 'xlat-6to4', o);
    }
    // Both go idle and expire; their room goes to new flows: the sweeper deletes the sessions, and their BIB
    // entries go with them (no full-table scan).
    await new Promise((r) => setTimeout(r, 1100));
    const [expired, bibs, scans] = [counter('session-expired', stats), counter('bib-expired', stats), counter('reclaimed', stats)];
    await send('xlat_nat64_xdp', flow(1), 'xlat', 'xlat-6to4', o);
    await send('xlat_nat64_xdp', flow(4), 'xlat', 'xlat-6to4', o);
    assert.equal(counter('session-expired', stats), expired + 2n, 'the expired sessions were deleted');
    assert.equal(counter('bib-expired', stats), bibs + 2n, 'and their BIB entries with them');
    assert.equal(counter('reclaimed', stats), scans, 'without scanning the tables');
  } finally {
    small.close();
  }
});

test('nat64: allocation walks on through every range of the set (max-iterations auto)', {skip}, async () => {
  reset({pool4: [[17, P4, 32, 1000, 1009], [17, '203.0.113.9', 32, 1000, 1009]]});
  const given = new Set();
  for (let i = 0; i < 20; i++) {
    const out = await send('xlat_nat64_tc', ipv6Packet({src: C6, dst: S4_AS6, l4: udp(3000 + i, 53)}), 'xlat', 'xlat-6to4');
    given.add(`${src4(out)}#${sport4(out)}`);
  }
  assert.equal(given.size, 20, 'every transport address of both ranges was given out');
  await send('xlat_nat64_tc', ipv6Packet({src: C6, dst: S4_AS6, l4: udp(3100, 53)}), 'drop', 'drop-pool4-exhausted');
});

test('nat64: max-iterations 1 tries only the slot the hash picks; auto finds the last free port', {skip}, async () => {
  for (const maxIter of [1, 0]) {
    reset({pool4: [[17, P4, 32, 1000, 1009, maxIter]]});
    // Nine of the ten ports taken by other nodes' static entries: 1009 is the only free one.
    for (let p = 1000; p < 1009; p++) addStaticBib(`2001:db8:1::${p.toString(16)}`, 53, P4, p, 17);
    const outcome = [];
    for (let i = 0; i < 3; i++) {
      const out = await runHook(obj, 'xlat_nat64_tc', ether(ipv6Packet({src: C6B, dst: S4_AS6, l4: udp(4000 + i, 53)})));
      outcome.push(out.verdict === 'drop' ? 'refused' : `given ${sport4(out.data.subarray(14))}`);
    }
    if (maxIter === 1) assert.ok(outcome.includes('refused'), `one try per flow: refused on a taken slot (${outcome})`);
    else assert.equal(outcome[0], 'given 1009', `auto: the walk reaches the free port (${outcome})`);
  }
});

test('nat64: pool4 port allocation spreads and stays inside the range', {skip}, async () => {
  reset({pool4: [[17, '203.0.113.0', 30, 1000, 1009]]});
  const seen = new Set();
  for (let i = 0; i < 40; i++) {
    const out = await send('xlat_nat64_xdp', ipv6Packet({src: C6, dst: S4_AS6, l4: udp(2000 + i, 53)}), 'xlat', 'xlat-6to4');
    const a = src4(out), p = sport4(out);
    assert.match(a, /^203\.0\.113\.[0-3]$/);
    assert.ok(p >= 1000 && p <= 1009);
    const k = `${a}#${p}`;
    assert.ok(!seen.has(k), `${k} given twice`);
    seen.add(k);
  }
  await send('xlat_nat64_xdp', ipv6Packet({src: C6, dst: S4_AS6, l4: udp(3000, 53)}), 'drop', 'drop-pool4-exhausted');
});

// ---------------------------------------------------------------------------
// ICMP errors through the session tables (RFC 6146 3.4/3.5, RFC 7915 4.2-4.3, 5.2-5.3) and
// hairpinning (RFC 6146 3.8): the tc slow path (XDP hands them over untouched).

const R4 = '203.0.113.254', R4_AS6 = '2001:db8:64::cb00:71fe';
const R6 = '2001:db8:1::ff';
const P4_AS6 = '2001:db8:64::c000:201';

/** Opens a flow from C6 and returns the pool4 port (or identifier) it got. */
async function openFlow(prog, l4, proto) {
  const out = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4}), 'xlat', 'xlat-6to4');
  return proto === 1 ? icmpId4(out) : sport4(out);
}

for (const [prog, hook] of HOOKS) {
  test(`nat64 ${hook}: ICMPv4 errors reach the IPv6 node through the session`, {skip}, async (t) => {
    reset();
    const port = await openFlow(prog, udp(5000, 53, payload), 17);
    const id = await openFlow(prog, icmpEcho(128, 3206, 1, payload), 1);
    const tport = await openFlow(prog, tcp(40000, 80, {flags: TCPF.SYN}), 6);
    const in4 = (ttl = 63) => ipv4Packet({src: P4, dst: S4, ttl, df: false, l4: udp(port, 53, payload)});
    const in6 = (hl = 63) => ipv6Packet({src: C6, dst: S4_AS6, hopLimit: hl, l4: udp(5000, 53, payload)});
    for (const row of fixtureRows(errorFixture, {group: 'errors4to6', vars: {port, id, tport}})) {
      await t.test(row.name, async () => {
        const out = await send(prog, row.input, row.verdict, row.counter, {slow: row.slow});
        assertSamePacket(out, row.expected, row.name);
      });
    }
    await t.test('source-icmpv6-errors-better false: from pool6 + the inner destination (RFC 6146)', async () => {
      setConfig({flags: 0});
      const out = await send(prog, ipv4Packet({src: R4, dst: P4, l4: icmpMsg(11, 0, 0, in4(1))}), 'xlat', 'xlat-icmp-error-4to6');
      assertSamePacket(out, ipv6Packet({src: S4_AS6, dst: C6, l4: icmpMsg(3, 0, 0, in6(1))}), 'RFC 6146 source');
      setConfig();
    });
    await t.test('errors refresh nothing and need a session', async () => {
      const s = session(P4, port, S4, 53, 17);
      await send(prog, ipv4Packet({src: S4, dst: P4, l4: icmpMsg(3, 3, 0, in4())}), 'xlat', 'xlat-icmp-error-4to6');
      assert.equal(session(P4, port, S4, 53, 17).expires, s.expires, 'session lifetime untouched');
      const other = ipv4Packet({src: P4, dst: T4, df: false, l4: udp(port, 53, payload)});
      await send(prog, ipv4Packet({src: T4, dst: P4, l4: icmpMsg(3, 3, 0, other)}), 'drop', 'drop-icmp-error-no-session');
      const unmapped = ipv4Packet({src: P4, dst: S4, df: false, l4: udp(62999, 53, payload)});
      await send(prog, ipv4Packet({src: S4, dst: P4, l4: icmpMsg(3, 3, 0, unmapped)}), 'drop', 'drop-icmp-error-no-session');
    });
    await t.test('errors about the node\'s own traffic (outside pool4) stay the kernel\'s', async () => {
      const own = ipv4Packet({src: P4, dst: S4, df: false, l4: udp(40000, 53, payload)});
      await send(prog, ipv4Packet({src: S4, dst: P4, l4: icmpMsg(3, 3, 0, own)}), 'pass', 'pass-dst4-not-pool4');
    });
    await t.test('source quench is not translated', async () => {
      await send(prog, ipv4Packet({src: S4, dst: P4, l4: icmpMsg(4, 0, 0, in4())}), 'drop', 'drop-icmp-type');
    });
  });

  test(`nat64 ${hook}: ICMPv6 errors reach the IPv4 host through the session`, {skip}, async (t) => {
    reset();
    const port = await openFlow(prog, udp(5000, 53, payload), 17);
    const id = await openFlow(prog, icmpEcho(128, 3206, 1, payload), 1);
    for (const row of fixtureRows(errorFixture, {group: 'errors6to4', vars: {port, id}})) {
      await t.test(row.name, async () => {
        const out = await send(prog, row.input, row.verdict, row.counter, {slow: row.slow});
        assertSamePacket(out, row.expected, row.name); // the inner IPv4 header (identification 0) byte for byte
      });
    }
    await t.test('no session: dropped', async () => {
      const stray = ipv6Packet({src: S4_AS6, dst: C6B, hopLimit: 63, l4: udp(53, 5000, payload)});
      await send(prog, ipv6Packet({src: C6B, dst: S4_AS6, l4: icmpMsg(1, 4, 0, stray)}), 'drop', 'drop-icmp-error-no-session');
    });
  });

  test(`nat64 ${hook}: hairpinning (RFC 6146 3.8)`, {skip}, async () => {
    reset();
    addStaticBib(C6B, 80, P4, 61080, 17);
    // C6 -> pool6 + P4#61080: the sender gets a pool4 mapping, the packet goes straight to C6B#80.
    const out = await send(prog, ipv6Packet({src: C6, dst: P4_AS6, hopLimit: 30, l4: udp(5000, 61080, payload)}), 'xlat', 'xlat-hairpin', {slow: true});
    const b6 = maps.bib6.lookup(L.encodeTAddr6({addr: ip6(C6), port: 5000, proto: 17}));
    assert.ok(b6, 'the sender got a BIB entry');
    const lport = b6.readUInt16BE(4);
    assertSamePacket(out, ipv6Packet({src: P4_AS6, dst: C6B, hopLimit: 30, l4: udp(lport, 80, payload)}), 'hairpinned');
    assert.ok(session(P4, lport, P4, 61080, 17), 'the sender\'s session (IPv4 view)');
    assert.equal(session(P4, 61080, P4, lport, 17)?.port6, 80, 'the receiver\'s session');
    // The answer comes back the same way.
    const back = await send(prog, ipv6Packet({src: C6B, dst: P4_AS6, l4: udp(80, lport, payload)}), 'xlat', 'xlat-hairpin', {slow: true});
    assertSamePacket(back, ipv6Packet({src: P4_AS6, dst: C6, l4: udp(61080, 5000, payload)}), 'hairpinned answer');
    // An ICMPv6 error about a hairpinned packet goes back to its sender through both sessions: translated to
    // IPv4 with the receiver's session, then, being for a pool4 address, back to IPv6 with the sender's.
    const seen = ipv6Packet({src: P4_AS6, dst: C6B, hopLimit: 30, l4: udp(lport, 80, payload)});
    const err = await send(prog, ipv6Packet({src: C6B, dst: P4_AS6, l4: icmpMsg(1, 4, 0, seen)}), 'xlat', 'xlat-hairpin', {slow: true});
    assertSamePacket(err, ipv6Packet({src: P4_AS6, dst: C6, l4: icmpMsg(1, 4, 0, ipv6Packet({src: C6, dst: P4_AS6, hopLimit: 30, l4: udp(5000, 61080, payload)}))}), 'hairpinned error');
    // TCP through a static entry.
    addStaticBib(C6B, 22, P4, 61022, 6);
    const syn = await send(prog, ipv6Packet({src: C6, dst: P4_AS6, l4: tcp(41000, 61022, {flags: TCPF.SYN})}), 'xlat', 'xlat-hairpin');
    const tp = maps.bib6.lookup(L.encodeTAddr6({addr: ip6(C6), port: 41000, proto: 6})).readUInt16BE(4);
    assertSamePacket(syn, ipv6Packet({src: P4_AS6, dst: C6B, l4: tcp(tp, 22, {flags: TCPF.SYN})}), 'hairpinned SYN');
    // An echo to a pool4 address: its translated identifier names the sender's own mapping, so the querier is
    // asked (and answers) itself through both sessions, as the hairpinned ping of a real node is (e2e).
    const ping = await send(prog, ipv6Packet({src: C6, dst: P4_AS6, hopLimit: 30, l4: icmpEcho(128, 3300, 7, payload)}), 'xlat', 'xlat-hairpin', {slow: true});
    assertSamePacket(ping, ipv6Packet({src: P4_AS6, dst: C6, hopLimit: 30, l4: icmpEcho(128, 3300, 7, payload)}), 'hairpinned echo request');
    const pid = maps.bib6.lookup(L.encodeTAddr6({addr: ip6(C6), port: 3300, proto: 1})).readUInt16BE(4);
    assert.ok(session(P4, pid, P4, pid, 1), 'one session serves both halves of an echo hairpinned to its sender');
    const pong = await send(prog, ipv6Packet({src: C6, dst: P4_AS6, l4: icmpEcho(129, 3300, 7, payload)}), 'xlat', 'xlat-hairpin', {slow: true});
    assertSamePacket(pong, ipv6Packet({src: P4_AS6, dst: C6, l4: icmpEcho(129, 3300, 7, payload)}), 'hairpinned echo reply');
    // Other informational messages to a pool4 address are not queries: they stay the IPv6 side's.
    await send(prog, ipv6Packet({src: C6, dst: P4_AS6, l4: icmpEcho(139, 3300, 7, payload)}), 'pass', 'pass-icmp-type');
    // Nobody behind the port: dropped, and nothing created for the sender.
    await send(prog, ipv6Packet({src: C6, dst: P4_AS6, l4: udp(5001, 61999, payload)}), 'drop', 'drop-no-bib');
    assert.equal(maps.bib6.lookup(L.encodeTAddr6({addr: ip6(C6), port: 5001, proto: 17})), null, 'no mapping created');
    // Not a pool4 port: an ordinary translation to the IPv4 address (the node's own services).
    const plain = await send(prog, ipv6Packet({src: C6, dst: P4_AS6, l4: udp(5002, 53, payload)}), 'xlat', 'xlat-6to4', {slow: false});
    assert.equal(`${plain[16]}.${plain[17]}.${plain[18]}.${plain[19]}`, P4);
  });
}

// ---------------------------------------------------------------------------
// Externally initiated TCP without a BIB entry (RFC 6146 3.5.2.2): BPF cannot keep the SYN, so it
// is recorded in nat64_syn4 and dropped; the sender's retransmissions do the waiting.

const TC_ACT_REDIRECT = 7;
const SYN_PORT = 61500;

function syn4Record(remote4, rport, local4 = P4, lport = SYN_PORT) {
  const raw = maps.syn4.lookup(L.encodeSyn4Key({remote4: ip4(remote4), local4: ip4(local4), rport, lport}));
  return raw && {expires: raw.readBigUInt64LE(L.NAT64_SYN4_VALUE.expires.offset)};
}

/** Makes a record's 6 s pass. */
function expireSyn4(remote4, rport, local4 = P4, lport = SYN_PORT) {
  maps.syn4.update(L.encodeSyn4Key({remote4: ip4(remote4), local4: ip4(local4), rport, lport}), L.encodeSyn4Value(1n));
}

/** The node's addresses on the loopback device (ifindex 1), where BPF_PROG_TEST_RUN runs tc programs, as an
 *  ICMP error's source; returns the key to delete afterwards. */
const ME4 = '192.0.2.254';
function setLoopbackAddress() {
  const ifkey = Buffer.alloc(4); ifkey.writeUInt32LE(1);
  const v = Buffer.alloc(L.NAT64_IFADDR.size);
  ip6('2001:db8:1::fe').copy(v, L.NAT64_IFADDR.v6.offset); ip4(ME4).copy(v, L.NAT64_IFADDR.v4.offset);
  v[L.NAT64_IFADDR.has_v4.offset] = 1; v[L.NAT64_IFADDR.has_v6.offset] = 1;
  maps.ifaddr.update(ifkey, v);
  return ifkey;
}

const v4syn = (rport, {lport = SYN_PORT, flags = TCPF.SYN, src = S4} = {}) => ipv4Packet({src, dst: P4, l4: tcp(rport, lport, {flags})});

for (const [prog, hook] of HOOKS) {
  test(`nat64 ${hook}: an IPv4 SYN without a BIB entry is held; a simultaneous open lets its retransmission through`, {skip}, async () => {
    // One TCP port in pool4: the IPv6 node's mapping is the port the IPv4 SYN targets.
    reset({pool4: [[6, P4, 32, SYN_PORT, SYN_PORT], [17, P4, 32, 61001, 61499]]});
    const t0 = process.hrtime.bigint(); // CLOCK_MONOTONIC, as bpf_ktime_get_ns
    await send(prog, v4syn(33000), 'drop', 'tcp-syn-held', {slow: false});
    const t1 = process.hrtime.bigint();
    const r = syn4Record(S4, 33000);
    assert.ok(r, 'the SYN was recorded');
    // Held between t0 and t1: its deadline is 6 s after a moment in between, however slow the run.
    const [fromT0, fromT1] = [Number(r.expires - t0) / 1e9, Number(r.expires - t1) / 1e9];
    assert.ok(fromT0 >= 6 && fromT1 <= 6, `record lives 6 s (deadline ${fromT0} s after the send began, ${fromT1} s after it ended)`);
    assert.equal(bib4(P4, SYN_PORT, 6), null, 'nothing created in the BIB');
    assert.equal(session(P4, SYN_PORT, S4, 33000, 6), null, 'nor a session');
    // A retransmission within the 6 s: dropped again, the record untouched.
    await send(prog, v4syn(33000), 'drop', 'tcp-syn-held');
    assert.equal(syn4Record(S4, 33000)?.expires, r.expires, 'the record keeps its deadline');
    // Not SYNs, or SYN-ACKs: no record, drop-no-bib as before.
    await send(prog, v4syn(33001, {flags: TCPF.SYN | TCPF.ACK}), 'drop', 'drop-no-bib');
    await send(prog, v4syn(33001, {flags: TCPF.ACK}), 'drop', 'drop-no-bib');
    assert.equal(syn4Record(S4, 33001), null);
    // From a special source: no record either.
    await send(prog, v4syn(33002, {src: '127.0.0.1'}), 'drop', 'drop-src4-special');
    assert.equal(syn4Record('127.0.0.1', 33002), null);

    // The IPv6 node opens towards the sender meanwhile (simultaneous open).
    const out = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: tcp(40000, 33000, {flags: TCPF.SYN})}), 'xlat', 'xlat-6to4');
    assert.equal(sport4(out), SYN_PORT);
    assert.equal(session(P4, SYN_PORT, S4, 33000, 6)?.state, 'V6_INIT');
    // The sender's next retransmission is translated normally, and its record goes.
    const syn = await send(prog, v4syn(33000), 'xlat', 'xlat-4to6');
    assertSamePacket(syn, ipv6Packet({src: S4_AS6, dst: C6, l4: tcp(33000, 40000, {flags: TCPF.SYN})}), 'retransmitted SYN');
    assert.equal(session(P4, SYN_PORT, S4, 33000, 6)?.state, 'ESTABLISHED');
    assert.equal(syn4Record(S4, 33000), null, 'the record is gone');

    // drop-externally-initiated-tcp wins over holding.
    reset({cfg: {flags: L.NAT64_F['drop-externally-initiated-tcp']}});
    await send(prog, v4syn(33003, {lport: 61400}), 'drop', 'drop-externally-initiated-tcp');
    assert.equal(syn4Record(S4, 33003, P4, 61400), null);
  });

  test(`nat64 ${hook}: simultaneous open: the IPv6 SYN gets the pool4 transport address the held IPv4 SYN targets`, {skip}, async () => {
    // The whole default pool4: without the held SYN, the IPv6 node's mapping would be any of 4,535 ports.
    reset();
    await send(prog, v4syn(33010), 'drop', 'tcp-syn-held');
    const out = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: tcp(40010, 33010, {flags: TCPF.SYN})}), 'xlat', 'xlat-6to4');
    assert.equal(sport4(out), SYN_PORT, 'the mapping is the port the IPv4 SYN was sent to');
    const syn = await send(prog, v4syn(33010), 'xlat', 'xlat-4to6');
    assertSamePacket(syn, ipv6Packet({src: S4_AS6, dst: C6, l4: tcp(33010, 40010, {flags: TCPF.SYN})}), 'the SYNs meet');
    assert.equal(session(P4, SYN_PORT, S4, 33010, 6)?.state, 'ESTABLISHED');
    assert.equal(syn4Record(S4, 33010), null, 'the record is gone');
    // Another IPv6 node's SYN towards the same sender afterwards: an ordinary mapping.
    const other = await send(prog, ipv6Packet({src: C6B, dst: S4_AS6, l4: tcp(40011, 33010, {flags: TCPF.SYN})}), 'xlat', 'xlat-6to4');
    assert.notEqual(sport4(other), SYN_PORT);
    // A held SYN whose 6 s have passed says nothing.
    await send(prog, v4syn(33011, {lport: SYN_PORT + 1}), 'drop', 'tcp-syn-held');
    expireSyn4(S4, 33011, P4, SYN_PORT + 1);
    const late = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: tcp(40012, 33011, {flags: TCPF.SYN})}), 'xlat', 'xlat-6to4');
    assert.notEqual(sport4(late), SYN_PORT + 1, 'an expired record gives no port');
    // The port taken meanwhile (a static entry): an ordinary mapping too.
    await send(prog, v4syn(33012, {lport: SYN_PORT + 2}), 'drop', 'tcp-syn-held');
    addStaticBib(C6B, 22, P4, SYN_PORT + 2, 6);
    const taken = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: tcp(40013, 33012, {flags: TCPF.SYN})}), 'xlat', 'xlat-6to4');
    assert.notEqual(sport4(taken), SYN_PORT + 2);
  });

  test(`nat64 ${hook}: at most maximum-simultaneous-opens live records`, {skip}, async () => {
    reset({cfg: {maxSimultaneousOpens: 2}});
    await send(prog, v4syn(1001), 'drop', 'tcp-syn-held');
    await send(prog, v4syn(1002), 'drop', 'tcp-syn-held');
    await send(prog, v4syn(1003), 'drop', 'drop-max-simultaneous-opens');
    assert.equal(syn4Record(S4, 1003), null, 'refused: not recorded');
    // Retransmissions of held SYNs are not new opens.
    await send(prog, v4syn(1001), 'drop', 'tcp-syn-held');
    // A record whose 6 s have passed is not live: the sweep at the limit takes it (its SYN becomes a new
    // one). The fruitless sweep above holds the next one back for a second.
    expireSyn4(S4, 1001);
    await send(prog, v4syn(1004), 'drop', 'drop-max-simultaneous-opens');
    await new Promise((res) => setTimeout(res, 1100));
    await send(prog, v4syn(1004), 'drop', 'tcp-syn-held');
    assert.equal(syn4Record(S4, 1001), null, 'the expired record was swept');
    assert.ok(syn4Record(S4, 1004), 'the new SYN was recorded');
    assert.equal([...maps.syn4.keys()].length, 2);
    // Limit 0: nothing is ever held.
    reset({cfg: {maxSimultaneousOpens: 0}});
    await send(prog, v4syn(1005), 'drop', 'drop-max-simultaneous-opens');
  });

  test(`nat64 ${hook}: with a delay line, a held SYN goes into it and is answered when it comes back after the 6 s`, {skip}, async () => {
    // The delay line's ends (src/instance/nat64/syn-delay.ts): out_if a made-up index, back_if the loopback device, where
    // BPF_PROG_TEST_RUN runs tc programs. The mark says "from the delay line" and the ingress interface (1).
    reset();
    const delay = obj.map('nat64_syn_delay');
    const dv = Buffer.alloc(8); dv.writeUInt32LE(4242, 0); dv.writeUInt32LE(1, 4);
    delay.update(Buffer.alloc(4), dv);
    const ifkey = setLoopbackAddress();
    const {testRun} = await import(`${root}dist/bpf/test-run.js`);
    const SKB = 256; // at least sizeof(struct __sk_buff): the kernel refuses a shorter context to copy back into
    const MARK = 0x78730000;
    const tc = (frame, mark = 0) => {
      const ctx = Buffer.alloc(SKB); ctx.writeUInt32LE(mark >>> 0, 8); // __sk_buff.mark
      return testRun(obj.programFd('xlat_nat64_tc'), frame, {ctx});
    };
    try {
      const input = v4syn(35000);
      if (hook === 'xdp') {
        const x = await runProg(obj, prog, ether(input));
        assert.equal(x.retval, XDP.PASS, 'XDP hands a SYN it would hold to tc (only tc can redirect an skb)');
        assert.equal(x.data.toString('hex'), ether(input).toString('hex'), 'untouched');
      }
      const held = counter('tcp-syn-held');
      const into = await tc(ether(input));
      assert.equal(into.retval, TC.REDIRECT, 'into the delay line');
      assert.equal(into.ctx.readUInt32LE(8), (MARK | 1) >>> 0, 'marked with the interface it came in on');
      assert.equal(counter('tcp-syn-held'), held + 1n, 'counted once, as held');
      assert.ok(syn4Record(S4, 35000), 'recorded as any held SYN');
      // Back before its time (netem and the record disagree by more than the slack): dropped, nothing said.
      const [sent, unreach] = [counter('icmp-sent'), counter('tcp-syn-unreachable')];
      const early = await tc(ether(input), MARK | 1);
      assert.equal(early.retval, TC.SHOT);
      assert.equal(counter('tcp-syn-unreachable'), unreach);
      // Back after the 6 s with its record still there: ICMP port unreachable out of its interface.
      assert.ok(syn4Record(S4, 35000), 'an early copy leaves the record');
      expireSyn4(S4, 35000);
      const back = await tc(ether(input), MARK | 1);
      assert.equal(back.retval, TC.REDIRECT, 'sent back out');
      const ip = Buffer.from(back.data.subarray(14));
      assert.deepEqual(checksumProblems(ip), []);
      assertSamePacket(ip, ipv4Packet({src: ME4, dst: S4, df: false, l4: icmpMsg(3, 3, 0, input)}), 'ICMP 3/3 quoting the SYN');
      assert.equal(counter('tcp-syn-unreachable'), unreach + 1n);
      assert.equal(counter('icmp-sent'), sent + 1n);
      assert.equal(syn4Record(S4, 35000), null, 'the record is gone');
      // A simultaneous open meanwhile: the SYNs met in a session, so the copy coming back says nothing.
      const second = v4syn(35001);
      assert.equal((await tc(ether(second))).retval, TC.REDIRECT);
      const out = await send(prog, ipv6Packet({src: C6, dst: S4_AS6, l4: tcp(40020, 35001, {flags: TCPF.SYN})}), 'xlat', 'xlat-6to4');
      assert.equal(sport4(out), SYN_PORT, 'the IPv6 SYN took the held SYN\'s pool4 port');
      expireSyn4(S4, 35001);
      const met = await tc(ether(second), MARK | 1);
      assert.equal(met.retval, TC.SHOT, 'dropped silently (RFC 6146 3.5.2.2)');
      assert.equal(counter('tcp-syn-unreachable'), unreach + 1n, 'nothing more counted');
      assert.equal(syn4Record(S4, 35001), null, 'its record is gone too');
      // Marked so but on another interface than the line's end: an ordinary packet (a retransmission within the
      // 6 s, held again), not a copy coming back (which, before its time, would be dropped uncounted).
      const other = Buffer.alloc(8); other.writeUInt32LE(4242, 0); other.writeUInt32LE(4243, 4);
      delay.update(Buffer.alloc(4), other);
      const third = v4syn(35002, {lport: SYN_PORT + 5}); // SYN_PORT is the IPv6 node's now
      assert.equal((await tc(ether(third))).retval, TC.REDIRECT, 'held, into the line');
      const heldAgain = counter('tcp-syn-held');
      assert.equal((await tc(ether(third), MARK | 1)).retval, TC.REDIRECT, 'held again, into the line');
      assert.equal(counter('tcp-syn-held'), heldAgain + 1n, 'counted as a held SYN');
    } finally {
      delay.update(Buffer.alloc(4), Buffer.alloc(8));
      maps.ifaddr.delete(ifkey);
    }
  });

  test(`nat64 ${hook}: a retransmission after the 6 s gets ICMP port unreachable`, {skip}, async () => {
    reset();
    const ifkey = setLoopbackAddress();
    try {
      await send(prog, v4syn(34000), 'drop', 'tcp-syn-held');
      expireSyn4(S4, 34000);
      const input = v4syn(34000);
      const [sent, unreach] = [counter('icmp-sent'), counter('tcp-syn-unreachable')];
      const out = await runHook(obj, prog, ether(input));
      if (hook === 'xdp') assert.ok(out.delegated, 'XDP hands it to tc untouched');
      assert.equal(out.retval, TC_ACT_REDIRECT, 'sent back out');
      assert.equal(out.data.subarray(0, 6).toString('hex'), MAC_B.toString('hex'), 'to the sender');
      assert.equal(out.data.subarray(6, 12).toString('hex'), MAC_A.toString('hex'), 'from us');
      const ip = Buffer.from(out.data.subarray(14));
      assert.deepEqual(checksumProblems(ip), []);
      assertSamePacket(ip, ipv4Packet({src: ME4, dst: S4, df: false, l4: icmpMsg(3, 3, 0, input)}), 'ICMP 3/3 quoting the SYN');
      assert.equal(counter('tcp-syn-unreachable'), unreach + 1n, 'tcp-syn-unreachable counted');
      assert.equal(counter('icmp-sent'), sent + 1n, 'icmp-sent counted');
      assert.equal(syn4Record(S4, 34000), null, 'the record is gone');
      // The sender's next try starts over.
      await send(prog, v4syn(34000), 'drop', 'tcp-syn-held');
      // No address on the interface: dropped, counted, the record gone all the same.
      maps.ifaddr.delete(ifkey);
      expireSyn4(S4, 34000);
      const noSrc = counter('icmp-no-source');
      await send(prog, v4syn(34000), 'drop', 'tcp-syn-unreachable');
      assert.equal(counter('icmp-no-source'), noSrc + 1n);
      assert.equal(syn4Record(S4, 34000), null);
    } finally {
      maps.ifaddr.delete(ifkey);
    }
  });
}
