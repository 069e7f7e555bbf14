/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT64 appliers: the lead's plan appliers (lib/apply_xdp.h, lib/apply_tc.h) rewrite
 * the L3 header and the checksum for the address change; these wrappers add
 * the port / ICMP identifier rewrite. The L4 header never moves.
 */
#ifndef XLAT_NAT64_APPLY_H
#define XLAT_NAT64_APPLY_H

#include "lib/apply_xdp.h"
#include "lib/apply_tc.h"
#include "nat64/plan.h"

/* Returns 0 or the reason of a failure. */
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
		return err;
	if (!rw->valid)
		return 0;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	field = data + sizeof(struct ethhdr) + l3len + (rw->off & 6);
	if ((void *)(field + 1) > data_end)
		return XLAT_C_DROP_WRITE_FAILED;
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
		return err;
	if (!rw->valid)
		return 0;
	/* Port and checksum change together: the skb's sum stays right. */
	if (bpf_skb_store_bytes(skb, l4 + (rw->off & 6), &rw->port, sizeof(rw->port), 0) ||
	    bpf_l4_csum_replace(skb, l4 + p->csum_off, 0, rw->delta, flags))
		return XLAT_C_DROP_WRITE_FAILED;
	return 0;
}

#endif
