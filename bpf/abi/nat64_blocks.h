/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT64 port blocks (RFC 7422), the kernel/user ABI: the block entries of
 * pool4 (see nat64/pool4_blocks.h), the tables of dynamic blocks and the
 * events they send. Mirrored by src/instance/nat64/blocks-layout.ts, checked
 * against the BTF.
 *
 * A block entry maps the IPv6 subscribers of one range (each a prefix of
 * sub_len bits) to blocks of block_size ports on the addresses of an IPv4
 * prefix: subscriber number k (its bits sub6_len..sub_len-1) gets address
 * k / blocks_per_addr and block k % blocks_per_addr of it, on every node and
 * at any time (nat64/rfc7422.h, src/model/rfc7422.ts). The block holds for
 * TCP, UDP and ICMP alike (each has its own ports).
 *
 * A dynamic entry (addresses scarcer than subscribers) gives a subscriber the
 * first free block from number k on at its first flow, and takes it back when
 * the subscriber's last BIB entry in it goes; each allocation and release is
 * an event in the nat64_events ring buffer (`xlat nat64 log follow`).
 */
#ifndef XLAT_ABI_NAT64_BLOCKS_H
#define XLAT_ABI_NAT64_BLOCKS_H

#include <linux/bpf.h>
#include "abi/common.h"

#define XLAT_NAT64_BLOCKS_MAX 16 /* block entries */

enum nat64_blk_mode {
	NAT64_BLK_DETERMINISTIC = 1,
	NAT64_BLK_DYNAMIC = 2,
};

/* One block entry: in nat64_blk6 (keyed by the IPv6 range) and in nat64_blk4 (by the IPv4 prefix). */
struct nat64_blk_entry {
	__u8 sub6[16];	       /* the subscribers' IPv6 range, host bits zero */
	__be32 addr;	       /* the IPv4 prefix, host bits zero */
	__u8 sub6_len;	       /* the range's prefix length */
	__u8 sub_len;	       /* one subscriber's prefix length: sub6_len < sub_len <= 128, at most 32 bits more */
	__u8 prefix_len;       /* the IPv4 prefix's length */
	__u8 mode;	       /* enum nat64_blk_mode */
	__u16 port_min;	       /* host order */
	__u16 port_max;	       /* host order */
	__u32 block_size;      /* ports (and ICMP identifiers) per block */
	__u32 blocks_per_addr; /* (port_max - port_min + 1) / block_size */
	__u32 flags;	       /* none yet */
	__u32 id;	       /* the entry's number */
	__u32 _pad;
	__u64 since; /* CLOCK_REALTIME seconds: when this mapping was configured (lookup --time) */
};

/* nat64_blk_ctl, index 0: what the data plane checks before any lookup in the block tables. */
struct nat64_blk_ctl {
	__u32 entries; /* block entries in the tries */
	__u32 dynamic; /* of them dynamic */
	__u32 _pad[2];
};

/* Dynamic blocks: a subscriber (its prefix, host bits zero, and its entry's id) -> its block. */
struct nat64_blk_sub_key {
	__u8 prefix[16];
	__u32 id;
};

struct nat64_blk_sub {
	__be32 addr;
	__u32 block; /* the block's number on its address: ports port_min + block * block_size on */
};

/* Dynamic blocks: a block in use -> its subscriber and how many BIB entries hold it. */
struct nat64_blk_use_key {
	__be32 addr;
	__u32 block;
};

struct nat64_blk_use {
	struct bpf_spin_lock lock;
	__u32 refs;    /* BIB entries in the block, plus allocations under way */
	__u8 sub[16];  /* the subscriber's prefix */
	__u32 id;      /* its block entry */
	__u8 sub_len;  /* its prefix length */
	__u8 released; /* set under the lock when refs reached 0: the entry is going */
	__u8 _pad[2];
	__u64 since; /* bpf_ktime_get_ns() of the allocation */
};

/* nat64_blk_used, indexed by entry id: dynamic blocks in use (a full entry refuses new subscribers at once). */

/* Events: the nat64_events ring buffer, read by `xlat nat64 log follow`. */
#define XLAT_NAT64_EVENTS_BYTES (1u << 20)

enum nat64_event_type {
	NAT64_EV_BLOCK_ALLOC = 1,
	NAT64_EV_BLOCK_RELEASE = 2,
};

struct nat64_event {
	__u64 time;	/* bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	__u8 sub[16];	/* the subscriber's prefix */
	__be32 addr;	/* its block: IPv4 address, */
	__u16 port_min; /* first and last port, host order */
	__u16 port_max;
	__u32 id; /* the block entry */
	__u8 sub_len;
	__u8 type; /* enum nat64_event_type */
	__u16 _pad;
};

#endif
