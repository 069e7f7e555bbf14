/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT64 deterministic port blocks (RFC 7422), the kernel/user ABI: the block
 * entries of pool4 (see nat64/pool4_blocks.h). Mirrored by
 * src/instance/nat64-blocks-layout.ts, checked against the BTF.
 *
 * A block entry maps the IPv6 subscribers of one range (each a prefix of
 * sub_len bits) to blocks of block_size ports on the addresses of an IPv4
 * prefix: subscriber number k (its bits sub6_len..sub_len-1) gets address
 * k / blocks_per_addr and block k % blocks_per_addr of it, on every node and
 * at any time (nat64/rfc7422.h, src/model/rfc7422.ts). The block holds for
 * TCP, UDP and ICMP alike (each has its own ports).
 */
#ifndef XLAT_ABI_NAT64_BLOCKS_H
#define XLAT_ABI_NAT64_BLOCKS_H

#include <linux/bpf.h>
#include "abi/common.h"

#define XLAT_NAT64_BLOCKS_MAX 16 /* block entries */

enum nat64_blk_mode {
	NAT64_BLK_DETERMINISTIC = 1,
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
	__u32 _pad[3];
};

#endif
