/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 7422 deterministic mapping, the formula (src/model/rfc7422.ts is the
 * same for userspace; test/host checks both agree). Pure logic: no maps, no
 * helpers, so test/host runs it on the host.
 *
 *   k     = bits sub6_len .. sub_len-1 of the IPv6 source (the subscriber's number)
 *   addr  = prefix + k / blocks_per_addr
 *   first = port_min + (k % blocks_per_addr) * block_size     (the block: first .. first + block_size - 1)
 *   home  = (port6 + fold(host bits)) mod block_size          (where a new mapping's walk in the block starts)
 *
 * fold: the XOR of the four 32-bit words (big-endian) of the IPv6 source with
 * its first sub_len bits cleared, so two hosts of one subscriber using the same
 * port start apart. A mapping takes the first free port from first + home,
 * wrapping inside the block: whichever node makes it, the same one, as long as
 * the subscriber's other flows took the same ports before.
 */
#ifndef XLAT_NAT64_RFC7422_H
#define XLAT_NAT64_RFC7422_H

#include "abi/nat64_blocks.h"

static __always_inline __u64 rfc7422_be64(const __u8 *p)
{
	return ((__u64)p[0] << 56) | ((__u64)p[1] << 48) | ((__u64)p[2] << 40) | ((__u64)p[3] << 32) |
	       ((__u64)p[4] << 24) | ((__u64)p[5] << 16) | ((__u64)p[6] << 8) | (__u64)p[7];
}

/* The subscriber's number: bits sub6_len .. sub_len-1 of addr (at most 32 of them). */
static __always_inline __u32 rfc7422_index(const struct nat64_blk_entry *e, const __u8 *addr)
{
	__u64 hi = rfc7422_be64(addr), lo = rfc7422_be64(addr + 8), v;
	__u32 s = 128 - (e->sub_len & 0xff), n = (e->sub_len - e->sub6_len) & 0xff;

	if (s >= 64)
		v = hi >> ((s - 64) & 63);
	else if (s == 0)
		v = lo;
	else
		v = (lo >> (s & 63)) | (hi << ((64 - s) & 63));
	if (n >= 32)
		return (__u32)v;
	return (__u32)(v & ((1ULL << n) - 1));
}

/* Subscriber k's block: its address (network order) and first port. -1 when k is beyond the pool. */
static __always_inline int rfc7422_block(const struct nat64_blk_entry *e, __u32 k, __be32 *addr, __u32 *first)
{
	__u64 naddrs = 1ULL << ((32 - e->prefix_len) & 63);
	__u32 a, b;

	if (!e->blocks_per_addr || !e->block_size)
		return -1;
	a = k / e->blocks_per_addr;
	b = k % e->blocks_per_addr;
	if (a >= naddrs)
		return -1;
	*addr = bpf_htonl(bpf_ntohl(e->addr) + a);
	*first = e->port_min + b * e->block_size;
	return 0;
}

/* The mask of bits bit..bit+31 of a sub_len-bit prefix: the host part of that word. */
static __always_inline __u32 rfc7422_host_mask(__u32 sub_len, __u32 bit)
{
	if (sub_len >= bit + 32)
		return 0;
	if (sub_len <= bit)
		return ~0u;
	return ~0u >> ((sub_len - bit) & 31);
}

/* Where a new mapping of addr#port6 (host order) starts in its block. */
static __always_inline __u32 rfc7422_home(const struct nat64_blk_entry *e, const __u8 *addr, __u32 port6)
{
	__u32 fold = 0, i;

	if (!e->block_size)
		return 0;
	for (i = 0; i < 4; i++) {
		const __u8 *w = addr + 4 * i;
		__u32 word = ((__u32)w[0] << 24) | ((__u32)w[1] << 16) | ((__u32)w[2] << 8) | w[3];

		fold ^= word & rfc7422_host_mask(e->sub_len, 32 * i);
	}
	return (__u32)(((__u64)port6 + fold) % e->block_size);
}

/* The subscriber's prefix: addr with bits from sub_len on cleared. */
static __always_inline void rfc7422_prefix(const struct nat64_blk_entry *e, const __u8 *addr, __u8 *out)
{
	__u32 i;

	for (i = 0; i < 16; i++) {
		__u32 bit = 8 * i, keep;

		if (e->sub_len >= bit + 8)
			keep = 0xff;
		else if (e->sub_len <= bit)
			keep = 0;
		else
			keep = (0xff00 >> ((e->sub_len - bit) & 7)) & 0xff;
		out[i] = addr[i] & keep;
	}
}

#endif
