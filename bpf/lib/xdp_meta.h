/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XDP fast path, tc slow path: the XDP program leaves XLAT_META_XLATED or its
 * translator's XLAT_META_PASSED_* in the packet's metadata when it has decided
 * (and counted) a packet; the tc program beside it skips such packets and
 * completes everything else.
 *
 * tc verdicts: a packet translated ends the filter chain (TC_ACT_OK); a packet
 * passed goes on to the next filter (TC_ACT_UNSPEC), which may be the other
 * translator's on the same interface, or an operator's own.
 */
#ifndef XLAT_XDP_META_H
#define XLAT_XDP_META_H

#include "lib/common.h"

#define XLAT_TC_PASS TC_ACT_UNSPEC

static __always_inline void xlat_xdp_mark_done(struct xdp_md *ctx, __u32 value)
{
	__u32 *meta;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)))
		return;
	meta = (void *)(long)ctx->data_meta;
	if ((void *)(meta + 1) > (void *)(long)ctx->data)
		return;
	*meta = value;
}

/* What tc does with a packet an XDP program decided: TC_ACT_OK, XLAT_TC_PASS, or 1: not decided, ours to do. */
static __always_inline int xlat_tc_after_xdp(struct __sk_buff *skb, __u32 own_pass)
{
	__u32 *meta = (void *)(long)skb->data_meta;

	if ((void *)(meta + 1) > (void *)(long)skb->data)
		return 1;
	if (*meta == XLAT_META_XLATED)
		return TC_ACT_OK;
	if (*meta == own_pass)
		return XLAT_TC_PASS;
	return 1;
}

#endif
