// The TypeScript mirror (src/instance/nat64/layout.ts) against the BTF of build/bpf/nat64.bpf.o.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const OBJECT = fileURLToPath(new URL('../../build/bpf/nat64.bpf.o', import.meta.url));
const dist = new URL('../../dist/instance/nat64/layout.js', import.meta.url);
const skip = !existsSync(dist) ? 'dist/ is missing: run `npm run build`' : !existsSync(OBJECT) ? 'build/bpf/nat64.bpf.o is missing' : false;

const STRUCTS = [
  ['nat64_config', 'NAT64_CONFIG'],
  ['nat64_pool4_range', 'NAT64_POOL4_RANGE'],
  ['nat64_taddr4', 'NAT64_TADDR4'],
  ['nat64_taddr6', 'NAT64_TADDR6'],
  ['nat64_bib4_value', 'NAT64_BIB4_VALUE'],
  ['nat64_bib6_value', 'NAT64_BIB6_VALUE'],
  ['nat64_session_key', 'NAT64_SESSION_KEY'],
  ['nat64_session', 'NAT64_SESSION'],
  ['nat64_frag_key', 'NAT64_FRAG_KEY'],
  ['nat64_frag_value', 'NAT64_FRAG_VALUE'],
  ['nat64_syn4_key', 'NAT64_SYN4_KEY'],
  ['nat64_syn4_value', 'NAT64_SYN4_VALUE'],
  ['xlat_ifaddr', 'NAT64_IFADDR'],
  ['xlat_common_config', 'XLAT_COMMON_CONFIG'],
  ['nat64_blk_entry', 'NAT64_BLK_ENTRY'],
  ['nat64_blk_ctl', 'NAT64_BLK_CTL'],
  ['nat64_blk_use_key', 'NAT64_BLK_USE_KEY'],
  ['nat64_blk_use', 'NAT64_BLK_USE'],
  ['nat64_event', 'NAT64_EVENT'],
];

for (const [struct, mirror] of STRUCTS) {
  test(`struct ${struct}: size and every member`, {skip}, async () => {
    const L = await import(dist);
    const {readBtfLayout} = await import(new URL('../../dist/bpf/btf.js', import.meta.url));
    const s = (await readBtfLayout(OBJECT)).structLayout(struct);
    const m = L[mirror] ?? (await import(new URL('../../dist/instance/nat64/blocks-layout.js', import.meta.url)))[mirror] ??
      (await import(new URL('../../dist/abi/common.js', import.meta.url)))[mirror];
    assert.equal(s.size, m.size, `sizeof(struct ${struct})`);
    assert.deepEqual(s.members.map((x) => x.name).sort(), Object.keys(m).filter((k) => k !== 'size').sort());
    for (const x of s.members) assert.deepEqual({offset: x.offset, size: x.size}, m[x.name], `${struct}.${x.name}`);
  });
}

test('enum xlat_counter in the NAT64 object: every value (nat64_tcp_state is checked by name in test/packet/nat64.test.mjs)', {skip}, async () => {
  const L = await import(dist);
  const {readBtfLayout} = await import(new URL('../../dist/bpf/btf.js', import.meta.url));
  const btf = await readBtfLayout(OBJECT);
  const A = await import(new URL('../../dist/abi/common.js', import.meta.url));
  assert.deepEqual(btf.enumValues('xlat_counter'), {
    ...Object.fromEntries(A.XLAT_COUNTERS.map((n, i) => [n, i])), XLAT_C__MAX: A.XLAT_C__MAX, XLAT_C__FIRST_EVENT: A.XLAT_C__FIRST_EVENT,
  });
});

test('nat64_config encode/decode round trip; counter names', {skip}, async () => {
  const L = await import(dist);
  const cfg = {
    version: 1, enabled: true, pool6: {addr: Buffer.from('20010db8006400000000000000000000', 'hex'), len: 96}, fArgs: 11, tos: 5, flags: 9,
    zeroizeTrafficClass: true, overrideTos: false, mtuPlateaus: [1500, 1280],
    lowestIpv6Mtu: 1280, pool4Count: 3, maxSimultaneousOpens: 10, pool4Default: 5, udpTimeout: 300, tcpEstTimeout: 7200, tcpTransTimeout: 240,
    icmpTimeout: 0.05, tcpSynTimeout: 6, secret: Buffer.alloc(16, 7),
  };
  const b = L.encodeNat64Config(cfg);
  assert.equal(b.length, L.NAT64_CONFIG.size);
  assert.equal(b.readBigUInt64LE(L.NAT64_CONFIG.icmp_timeout.offset), 50_000_000n);
  assert.deepEqual(L.decodeNat64Config(b), cfg);
  assert.equal(L.NAT64_COUNTER_NAMES[L.NAT64_COUNTERS.indexOf('XLAT_C_DROP_TABLE_FULL')], 'drop-table-full');
  assert.equal(L.tcpStateName(6), 'V4_FIN_V6_FIN_RCV');
  const r = {addr: Buffer.from([192, 0, 2, 1]), prefixLen: 32, mark: 7, portMin: 1000, portMax: 2000, proto: 6, flags: 0, maxIter: 0xffffffff};
  assert.deepEqual(L.decodePool4Range(L.encodePool4Range(r)), r);
});

test('nat64_ifaddr holds what ifaddr.ts encodes (the CLI fills it with refreshIfaddr)', {skip}, async () => {
  const L = await import(dist);
  const {XLAT_IFADDR} = await import(new URL('../../dist/abi/common.js', import.meta.url));
  assert.deepEqual(L.NAT64_IFADDR, XLAT_IFADDR);
});

test('nat64_blk_entry encode/decode round trip', {skip}, async () => {
  const B = await import(new URL('../../dist/instance/nat64/blocks-layout.js', import.meta.url));
  const {parseDetEntry} = await import(new URL('../../dist/model/rfc7422.js', import.meta.url));
  const e = parseDetEntry({range6: '2001:db8:5::/48', subLen: 56, prefix4: '198.51.100.0/28', ports: '1024-65535', blockSize: 2048, since: 1_764_000_000});
  const b = B.encodeBlkEntry(e, 3);
  assert.equal(b.length, B.NAT64_BLK_ENTRY.size);
  assert.equal(b.readUInt32LE(B.NAT64_BLK_ENTRY.blocks_per_addr.offset), 31);
  const d = B.decodeBlkEntry(b);
  assert.deepEqual({...d, range6: {...d.range6, addr: [...d.range6.addr]}}, {...e, range6: {...e.range6, addr: [...e.range6.addr]}, id: 3});
});
