/**
 * TypeScript mirror of bpf/abi/nat64_blocks.h: the deterministic (RFC 7422)
 * block entries of pool4. test/unit/nat64-layout.test.mjs checks every size
 * and offset against the BTF of build/bpf/nat64.bpf.o.
 */
import type {DetEntry} from '../../model/rfc7422.js';
import {blocksPerAddr} from '../../model/rfc7422.js';

export const NAT64_MAP_BLK6 = 'nat64_blk6';
export const NAT64_MAP_BLK4 = 'nat64_blk4';
export const NAT64_MAP_BLK_CTL = 'nat64_blk_ctl';
export const NAT64_MAP_BLK_SUB = 'nat64_blk_sub';
export const NAT64_MAP_BLK_USE = 'nat64_blk_use';
export const NAT64_MAP_BLK_USED = 'nat64_blk_used';
export const NAT64_MAP_EVENTS = 'nat64_events';
export const NAT64_BLK_MAPS = [
  NAT64_MAP_BLK6,
  NAT64_MAP_BLK4,
  NAT64_MAP_BLK_CTL,
  NAT64_MAP_BLK_SUB,
  NAT64_MAP_BLK_USE,
  NAT64_MAP_BLK_USED,
  NAT64_MAP_EVENTS,
] as const;
export const XLAT_NAT64_BLOCKS_MAX = 16;
const NAT64_BLK_DETERMINISTIC = 1;
const NAT64_BLK_DYNAMIC = 2;

export const NAT64_BLK_ENTRY = {
  size: 56,
  sub6: {offset: 0, size: 16},
  addr: {offset: 16, size: 4},
  sub6_len: {offset: 20, size: 1},
  sub_len: {offset: 21, size: 1},
  prefix_len: {offset: 22, size: 1},
  mode: {offset: 23, size: 1},
  port_min: {offset: 24, size: 2},
  port_max: {offset: 26, size: 2},
  block_size: {offset: 28, size: 4},
  blocks_per_addr: {offset: 32, size: 4},
  flags: {offset: 36, size: 4},
  id: {offset: 40, size: 4},
  _pad: {offset: 44, size: 4},
  since: {offset: 48, size: 8},
} as const;

export const NAT64_BLK_CTL = {size: 16, entries: {offset: 0, size: 4}, dynamic: {offset: 4, size: 4}, _pad: {offset: 8, size: 8}} as const;

/** struct nat64_blk_use_key: a dynamic block in use (its address, network order, and number on it). */
export const NAT64_BLK_USE_KEY = {size: 8, addr: {offset: 0, size: 4}, block: {offset: 4, size: 4}} as const;

/** struct nat64_blk_use: who holds a dynamic block, and how many BIB entries. */
export const NAT64_BLK_USE = {
  size: 40,
  lock: {offset: 0, size: 4},
  refs: {offset: 4, size: 4},
  sub: {offset: 8, size: 16},
  id: {offset: 24, size: 4},
  sub_len: {offset: 28, size: 1},
  released: {offset: 29, size: 1},
  _pad: {offset: 30, size: 2},
  since: {offset: 32, size: 8},
} as const;

/** struct nat64_event: one record of the nat64_events ring buffer. */
export const NAT64_EVENT = {
  size: 40,
  time: {offset: 0, size: 8},
  sub: {offset: 8, size: 16},
  addr: {offset: 24, size: 4},
  port_min: {offset: 28, size: 2},
  port_max: {offset: 30, size: 2},
  id: {offset: 32, size: 4},
  sub_len: {offset: 36, size: 1},
  type: {offset: 37, size: 1},
  _pad: {offset: 38, size: 2},
} as const;

export const NAT64_EV_BLOCK_ALLOC = 1;
export const NAT64_EV_BLOCK_RELEASE = 2;

const O = NAT64_BLK_ENTRY;

export function encodeBlkEntry(e: DetEntry, id: number): Buffer {
  const b = Buffer.alloc(O.size);
  b.set(e.range6.addr, O.sub6.offset);
  b.writeUInt32BE(e.addr4, O.addr.offset);
  b[O.sub6_len.offset] = e.range6.len;
  b[O.sub_len.offset] = e.subLen;
  b[O.prefix_len.offset] = e.len4;
  b[O.mode.offset] = e.dynamic ? NAT64_BLK_DYNAMIC : NAT64_BLK_DETERMINISTIC;
  b.writeUInt16LE(e.ports[0], O.port_min.offset);
  b.writeUInt16LE(e.ports[1], O.port_max.offset);
  b.writeUInt32LE(e.blockSize, O.block_size.offset);
  b.writeUInt32LE(blocksPerAddr(e), O.blocks_per_addr.offset);
  b.writeUInt32LE(id, O.id.offset);
  b.writeBigUInt64LE(BigInt(e.since), O.since.offset);
  return b;
}

export function decodeBlkEntry(b: Buffer): DetEntry & {id: number} {
  const dynamic = b[O.mode.offset] === NAT64_BLK_DYNAMIC ? {dynamic: true} : {};
  return {
    ...dynamic,
    range6: {addr: new Uint8Array(b.subarray(O.sub6.offset, O.sub6.offset + 16)), len: b[O.sub6_len.offset]},
    subLen: b[O.sub_len.offset],
    addr4: b.readUInt32BE(O.addr.offset),
    len4: b[O.prefix_len.offset],
    ports: [b.readUInt16LE(O.port_min.offset), b.readUInt16LE(O.port_max.offset)],
    blockSize: b.readUInt32LE(O.block_size.offset),
    since: Number(b.readBigUInt64LE(O.since.offset)),
    id: b.readUInt32LE(O.id.offset),
  };
}

export function encodeBlkCtl(entries: number, dynamic = 0): Buffer {
  const b = Buffer.alloc(NAT64_BLK_CTL.size);
  b.writeUInt32LE(entries, NAT64_BLK_CTL.entries.offset);
  b.writeUInt32LE(dynamic, NAT64_BLK_CTL.dynamic.offset);
  return b;
}
