/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT64 appliers: the lead's plan appliers (apply_xdp.h, apply_tc.h) rewrite
 * the L3 header and the checksum for the address change; these wrappers add
 * the port / ICMP identifier rewrite. The L4 header never moves.
 */
#ifndef XLAT_NAT64_APPLY_H
#define XLAT_NAT64_APPLY_H

#include "apply_xdp.h"
#include "apply_tc.h"
#include "nat64_xlat.h"

/* Lead counter codes (enum xlat_counter) of applier failures, as NAT64 counters. */
static __always_inline __u32 nat64_apply_reason(__u32 xlat_reason)
{
	switch (xlat_reason) {
	case XLAT_C_DROP_TRUNCATED:
		return NAT64_C_DROP_TRUNCATED;
	case XLAT_C_DROP_RESIZE_FAILED:
		return NAT64_C_DROP_RESIZE_FAILED;
	}
	return NAT64_C_DROP_WRITE_FAILED;
}

/* Returns 0 or a nat64_counter failure reason. */
static __always_inline __u32 nat64_xdp_apply(struct xdp_md *ctx, struct plan *p, struct nat64_rw *rw)
{
	__u32 l3len = p->to_v4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	void *data, *data_end;
	__be16 *field;
	__u32 err;

	/* xdp_apply folds data_delta into the checksum for every protocol. */
	if (rw->valid)
		p->data_delta = csum_add(p->data_delta, rw->delta);
	err = xdp_apply(ctx, p);
	if (err)
		return nat64_apply_reason(err);
	if (!rw->valid)
		return 0;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	field = data + sizeof(struct ethhdr) + l3len + (rw->off & 6);
	if ((void *)(field + 1) > data_end)
		return NAT64_C_DROP_WRITE_FAILED;
	*field = rw->port;
	return 0;
}

static __always_inline __u32 nat64_tc_apply(struct __sk_buff *skb, struct plan *p, struct nat64_rw *rw)
{
	/* p->l3len: 48 for IPv6 with a fragment header. */
	__u32 l4 = sizeof(struct ethhdr) + (p->l3len & 63);
	__u64 flags = p->l4proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	__u32 err = tc_apply(skb, p);

	if (err)
		return nat64_apply_reason(err);
	if (!rw->valid)
		return 0;
	/* Port and checksum change together: the skb's sum stays right. */
	if (bpf_skb_store_bytes(skb, l4 + (rw->off & 6), &rw->port, sizeof(rw->port), 0) ||
	    bpf_l4_csum_replace(skb, l4 + p->csum_off, 0, rw->delta, flags))
		return NAT64_C_DROP_WRITE_FAILED;
	return 0;
}

#endif
