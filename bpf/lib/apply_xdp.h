/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Applies a plan to an XDP buffer: grow or shrink the head by 20 bytes, write
 * the Ethernet and new L3 headers, patch the L4 checksum incrementally. The
 * L4 header does not move: only the bytes in front of it change. Plans that
 * change the header layout further (plan->slow) are left to the tc path.
 */
#ifndef XLAT_APPLY_XDP_H
#define XLAT_APPLY_XDP_H

#include "lib/csum.h"
#include "lib/plan.h"

#define L3_DIFF ((int)sizeof(struct ipv6hdr) - (int)sizeof(struct iphdr))

/* Returns 0, or the counter reason of a failure. */
static __always_inline __u32 xdp_apply(struct xdp_md *ctx, struct plan *p)
{
	struct ethhdr *eth = (void *)(long)ctx->data;
	void *data, *data_end;
	__u8 macs[12];
	__u8 *l4;
	__u16 *field, sum;

	if ((void *)(eth + 1) > (void *)(long)ctx->data_end)
		return XLAT_C_DROP_TRUNCATED;
	__builtin_memcpy(macs, eth, sizeof(macs));

	if (!p->same_family && bpf_xdp_adjust_head(ctx, p->to_v4 ? L3_DIFF : -L3_DIFF))
		return XLAT_C_DROP_RESIZE_FAILED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	/* Bounds are checked per branch with constant lengths: the verifier
	 * must see the whole header range for each family. */
	if (p->to_v4) {
		l4 = data + sizeof(*eth) + sizeof(struct iphdr);
		if ((void *)l4 > data_end)
			return XLAT_C_DROP_WRITE_FAILED;
		__builtin_memcpy(eth, macs, sizeof(macs));
		eth->h_proto = bpf_htons(ETH_P_IP);
		__builtin_memcpy(eth + 1, &p->h.v4, sizeof(struct iphdr));
	} else {
		l4 = data + sizeof(*eth) + sizeof(struct ipv6hdr);
		if ((void *)l4 > data_end)
			return XLAT_C_DROP_WRITE_FAILED;
		__builtin_memcpy(eth, macs, sizeof(macs));
		eth->h_proto = bpf_htons(ETH_P_IPV6);
		__builtin_memcpy(eth + 1, &p->h.v6f.v6, sizeof(struct ipv6hdr));
	}

	if (p->csum_off == CSUM_NONE)
		return 0;
	if ((void *)(l4 + 8) > data_end) /* every L4 header with a checksum we update has 8 bytes or more */
		return XLAT_C_DROP_WRITE_FAILED;
	if (p->set_icmp_type)
		l4[0] = p->icmp_type;
	field = (__u16 *)(l4 + (p->csum_off & 0x1f));
	if ((void *)(field + 1) > data_end)
		return XLAT_C_DROP_WRITE_FAILED;
	/* A zero UDP checksum over IPv6 is invalid anyway; over IPv4 it means "none": keep it. */
	if (p->csum_zero_ok && *field == 0)
		return 0;
	sum = csum_update(*field, csum_add(p->pseudo_delta, p->data_delta));
	if (p->l4proto == IPPROTO_UDP && sum == 0)
		sum = 0xffff;
	*field = sum;
	return 0;
}

#endif
