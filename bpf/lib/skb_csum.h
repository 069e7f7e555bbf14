/* SPDX-License-Identifier: GPL-2.0 */
/* Checksums over a range of an skb, for messages rebuilt whole (ICMP errors, UDP without a checksum). */
#ifndef XLAT_SKB_CSUM_H
#define XLAT_SKB_CSUM_H

#include "lib/csum.h"

#define SKB_SUM_CHUNK	   256
#define SKB_SUM_MAX_CHUNKS 64 /* 16384 bytes: ICMP errors we build, UDP datagrams we give a checksum */

/* The chunk being summed: a map value, the stack of the callers being small already. */
struct skb_sum_buf {
	__u8 data[SKB_SUM_CHUNK];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct skb_sum_buf);
} xlat_sum_buf SEC(".maps");

/*
 * One's complement sum of len bytes at off; ~0 when the range cannot be read.
 * A global (not inlined) function: the verifier checks it once on its own
 * instead of once per path that reaches it.
 */
__attribute__((noinline)) int xlat_skb_sum(struct __sk_buff *skb, __u32 off, __u32 len)
{
	__u32 sum = 0, zero = 0;
	struct skb_sum_buf *b = bpf_map_lookup_elem(&xlat_sum_buf, &zero);
	__u8 *buf;
	int i;

	if (!b)
		return ~0U;
	buf = b->data;
	for (i = 0; i < SKB_SUM_MAX_CHUNKS; i++) {
		__u32 n = len > SKB_SUM_CHUNK ? SKB_SUM_CHUNK : len;

		if (n == 0)
			break;
		__builtin_memset(buf, 0, SKB_SUM_CHUNK);
		/* 1..256, written so that the verifier sees the bounds. */
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
