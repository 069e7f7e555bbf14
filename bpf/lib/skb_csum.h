/* SPDX-License-Identifier: GPL-2.0 */
/* Checksums over a range of an skb, for messages rebuilt whole (ICMP errors, UDP without a checksum). */
#ifndef XLAT_SKB_CSUM_H
#define XLAT_SKB_CSUM_H

#include "lib/csum.h"

#define SKB_SUM_CHUNK	   256
#define SKB_SUM_MAX_CHUNKS 64 /* 16384 bytes: ICMP errors we build, UDP datagrams we give a checksum */

/* The chunk being summed and the sum so far: a map value, the stack of the callers being small already (and
 * a sum kept here is not state the verifier carries from one chunk to the next). */
struct skb_sum_buf {
	__u8 data[SKB_SUM_CHUNK];
	__u32 sum;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct skb_sum_buf);
} xlat_sum_buf SEC(".maps");

/* Adds the chunk at off (at most SKB_SUM_CHUNK of the len > 0 bytes from there) to the sum; -1: unreadable. */
__attribute__((noinline)) int xlat_skb_sum_chunk(struct __sk_buff *skb, __u32 off, __u32 len)
{
	__u32 zero = 0, n = len > SKB_SUM_CHUNK ? SKB_SUM_CHUNK : len;
	struct skb_sum_buf *b = bpf_map_lookup_elem(&xlat_sum_buf, &zero);

	if (!b)
		return -1;
	__builtin_memset(b->data, 0, SKB_SUM_CHUNK);
	/* 1..256, written so that the verifier sees the bounds. */
	if (bpf_skb_load_bytes(skb, off, b->data, ((n - 1) & (SKB_SUM_CHUNK - 1)) + 1))
		return -1;
	/* Chunks are even-sized, so an odd tail pads with zero like RFC 1071 says. */
	b->sum = csum_add(b->sum, (__u32)bpf_csum_diff(NULL, 0, (void *)b->data, SKB_SUM_CHUNK, 0));
	return 0;
}

/*
 * One's complement sum of len bytes at off; ~0 when the range cannot be read
 * or is longer than SKB_SUM_MAX_CHUNKS chunks. Global (not inlined) functions:
 * the verifier checks each once on its own instead of once per path that
 * reaches it, and the loop carries nothing but its counter (old verifiers walk
 * a loop iteration by iteration; 5.15 could not prune one carrying the sum).
 */
__attribute__((noinline)) int xlat_skb_sum(struct __sk_buff *skb, __u32 off, __u32 len)
{
	__u32 zero = 0;
	struct skb_sum_buf *b = bpf_map_lookup_elem(&xlat_sum_buf, &zero);
	int i;

	if (!b || len > SKB_SUM_CHUNK * SKB_SUM_MAX_CHUNKS)
		return ~0U;
	b->sum = 0;
	for (i = 0; i < SKB_SUM_MAX_CHUNKS; i++) {
		if (i * SKB_SUM_CHUNK >= len)
			break;
		if (xlat_skb_sum_chunk(skb, off + i * SKB_SUM_CHUNK, len - i * SKB_SUM_CHUNK))
			return ~0U;
	}
	return (int)b->sum;
}

static __always_inline __u32 skb_sum(struct __sk_buff *skb, __u32 off, __u32 len)
{
	return (__u32)xlat_skb_sum(skb, off, len);
}

#endif
