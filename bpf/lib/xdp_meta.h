/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XDP fast path, tc slow path: the XDP program leaves XLAT_META_DONE in the
 * packet's metadata when it has decided (and counted) a packet; the tc
 * program beside it skips such packets and completes everything else.
 */
#ifndef XLAT_XDP_META_H
#define XLAT_XDP_META_H

#include "lib/common.h"

static __always_inline void xlat_xdp_mark_done(struct xdp_md *ctx)
{
	__u32 *meta;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)))
		return;
	meta = (void *)(long)ctx->data_meta;
	if ((void *)(meta + 1) > (void *)(long)ctx->data)
		return;
	*meta = XLAT_META_DONE;
}

static __always_inline int xlat_tc_decided_by_xdp(struct __sk_buff *skb)
{
	__u32 *meta = (void *)(long)skb->data_meta;

	return (void *)(meta + 1) <= (void *)(long)skb->data && *meta == XLAT_META_DONE;
}

#endif
