/* SPDX-License-Identifier: GPL-2.0 */
/* Checksums over a range of an skb, for messages rebuilt whole (ICMP errors). */
#ifndef XLAT_SKB_CSUM_H
#define XLAT_SKB_CSUM_H

#include "csum.h"

#define SKB_SUM_CHUNK 32
#define SKB_SUM_MAX_CHUNKS 64 /* 2048 bytes: more than any ICMP error we build */

/*
 * One's complement sum of len bytes at off; ~0 when the range cannot be read.
 * A global (not inlined) function: the verifier checks it once on its own
 * instead of once per path that reaches it.
 */
__attribute__((noinline)) int xlat_skb_sum(struct __sk_buff *skb, __u32 off, __u32 len)
{
	__u8 buf[SKB_SUM_CHUNK];
	__u32 sum = 0;
	int i;

	for (i = 0; i < SKB_SUM_MAX_CHUNKS; i++) {
		__u32 n = len > SKB_SUM_CHUNK ? SKB_SUM_CHUNK : len;

		if (n == 0)
			break;
		__builtin_memset(buf, 0, sizeof(buf));
		/* 1..64, written so that the verifier sees the bounds. */
		if (bpf_skb_load_bytes(skb, off, buf, ((n - 1) & (SKB_SUM_CHUNK - 1)) + 1))
			return ~0U;
		/* Chunks are even-sized, so an odd tail pads with zero like RFC 1071 says. */
		sum = csum_add(sum, (__u32)bpf_csum_diff(NULL, 0, (void *)buf, SKB_SUM_CHUNK, 0));
		off += n;
		len -= n;
	}
	return len ? (int)~0U : (int)sum;
}

static __always_inline __u32 skb_sum(struct __sk_buff *skb, __u32 off, __u32 len)
{
	return (__u32)xlat_skb_sum(skb, off, len);
}

#endif
