/**
 * siit_ifaddr and nat64_ifaddr (both struct xlat_ifaddr by ifindex, laid out in
 * src/abi/common.ts and checked against BTF in test/unit/layout-ifaddr.test.mjs):
 * each interface's own addresses, the source of the ICMP errors a translator
 * originates towards a neighbour on that interface (and of SIIT's errors from
 * untranslatable sources when no RFC 6791 pool is set). Kept current by every
 * CLI call.
 */
import {isIPv4, isIPv6} from 'node:net';
import type {BpfMap} from '../bpf/map.js';
import {XLAT_IFADDR} from '../abi/common.js';
import {interfaceAddresses} from '../sys/interfaces.js';

function ipv6Bytes(text: string): Buffer {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, ''];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const words = text.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(parseInt(w, 16), i * 2));
  return b;
}

export function encodeIfaddr(a: {v4?: string; v6?: string}): Buffer {
  const b = Buffer.alloc(XLAT_IFADDR.size);
  if (a.v6 && isIPv6(a.v6) && !a.v6.includes('.')) {
    ipv6Bytes(a.v6).copy(b, XLAT_IFADDR.v6.offset);
    b[XLAT_IFADDR.has_v6.offset] = 1;
  }
  if (a.v4 && isIPv4(a.v4)) {
    Buffer.from(a.v4.split('.').map(Number)).copy(b, XLAT_IFADDR.v4.offset);
    b[XLAT_IFADDR.has_v4.offset] = 1;
  }
  return b;
}

/** Makes the map hold exactly the namespace's interfaces that have an address. */
export function refreshIfaddr(map: BpfMap): void {
  const want = new Map<string, Buffer>();
  for (const [ifindex, a] of interfaceAddresses()) {
    if (!a.v4 && !a.v6) continue;
    const key = Buffer.alloc(4);
    key.writeUInt32LE(ifindex);
    want.set(key.toString('hex'), encodeIfaddr(a));
  }
  for (const key of [...map.keys()]) {
    if (!want.has(key.toString('hex'))) map.delete(key);
  }
  let n = 0;
  for (const [hex, value] of want) {
    if (n++ >= map.maxEntries) break;
    map.update(Buffer.from(hex, 'hex'), value);
  }
}
