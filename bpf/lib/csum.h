/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internet checksum arithmetic (RFC 1071, RFC 1624). Sums are kept as 32-bit
 * one's complement partial sums of 16-bit words read in memory order, the same
 * convention bpf_csum_diff uses, so byte order never needs converting.
 */
#ifndef XLAT_CSUM_H
#define XLAT_CSUM_H

#include "lib/common.h"

static __always_inline __u16 csum_fold32(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* End-around carry without a branch: a branch on data doubles what the verifier walks after it. */
static __always_inline __u32 csum_add(__u32 a, __u32 b)
{
	__u64 r = (__u64)a + b;

	return (__u32)r + (__u32)(r >> 32);
}

static __always_inline __u32 csum_sub(__u32 a, __u32 b)
{
	return csum_add(a, ~b);
}

/* RFC 1624 eqn. 3: a full checksum field after the covered data changed by `delta`. */
static __always_inline __u16 csum_update(__u16 field, __u32 delta)
{
	return (__u16)~csum_fold32((__u64)(__u16)~field + delta);
}

/* Sum of `words` 16-bit words at p (p on the stack, words small and constant). */
static __always_inline __u32 csum_words(const void *p, int words)
{
	const __u16 *w = p;
	__u32 s = 0;
	int i;

#pragma unroll
	for (i = 0; i < words; i++)
		s += w[i];
	return s;
}

static __always_inline __u16 ipv4_hdr_csum(struct iphdr *ip)
{
	ip->check = 0;
	return (__u16)~csum_fold32(csum_words(ip, sizeof(*ip) / 2));
}

/* Sum of an IPv6 pseudo-header (RFC 8200 section 8.1). */
static __always_inline __u32 pseudo6_sum(const struct in6_addr *src, const struct in6_addr *dst, __u32 upper_len,
					 __u8 nexthdr)
{
	__u32 s = csum_words(src, 8) + csum_words(dst, 8);

	s = csum_add(s, bpf_htonl(upper_len) >> 16);
	s = csum_add(s, bpf_htonl(upper_len) & 0xffff);
	s = csum_add(s, bpf_htons((__u16)nexthdr));
	return s;
}

/* Sum of the address part of an IPv4 pseudo-header. */
static __always_inline __u32 addr4_sum(__be32 src, __be32 dst)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
}

#endif
