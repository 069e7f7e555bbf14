// SPDX-License-Identifier: GPL-2.0
/*
 * The SIIT translator (RFC 7915, addresses by RFC 6052): its XDP and tc entry
 * points. Both parse and decide with the same code (siit_6to4.h, siit_4to6.h)
 * and differ only in how they rewrite the packet (apply_xdp.h, apply_tc.h).
 * The tc program is complete; the XDP program is a fast path that hands the
 * packets it does not handle itself to the tc program attached beside it.
 * Every packet is counted once, under the reason for what happened to it.
 */
#include "common.h"
#include "maps_siit.h"
#include "siit_6to4.h"
#include "siit_4to6.h"
#include "apply_xdp.h"
#include "apply_tc.h"
#include "icmp_err_tc.h"

/* What the logic may read: Ethernet, IPv6, extension headers, an L4 header. */
#define SIIT_PARSE_LEN 512

static __always_inline void siit_decide(void *data, void *data_end, const struct siit_config *cfg, struct plan *p)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return plan_pass(p, XLAT_C_PASS_NOT_IP);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return siit_plan_6to4(data, data_end, cfg, p);
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return siit_plan_4to6(data, data_end, cfg, p);
	plan_pass(p, XLAT_C_PASS_NOT_IP);
}

/* Tells the tc program beside us that this packet is decided and counted. */
static __always_inline void xdp_mark_done(struct xdp_md *ctx)
{
	__u32 *meta;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)))
		return;
	meta = (void *)(long)ctx->data_meta;
	if ((void *)(meta + 1) > (void *)(long)ctx->data)
		return;
	*meta = XLAT_META_DONE;
}

SEC("xdp")
int xlat_siit_xdp(struct xdp_md *ctx)
{
	struct siit_config *cfg = siit_cfg();
	struct plan p = {};
	__u32 err;

	if (!cfg)
		return XDP_PASS;
	siit_decide((void *)(long)ctx->data, (void *)(long)ctx->data_end, cfg, &p);
	if (p.verdict == V_XLAT) {
		/* Layout changes beyond the base headers: the tc slow path does them. */
		if (p.slow)
			return XDP_PASS;
		err = xdp_apply(ctx, &p);
		if (err) {
			count(err);
			return XDP_DROP;
		}
	}
	count(p.reason);
	if (p.verdict == V_DROP)
		return XDP_DROP;
	xdp_mark_done(ctx);
	return XDP_PASS;
}

static __always_inline int tc_decided_by_xdp(struct __sk_buff *skb)
{
	__u32 *meta = (void *)(long)skb->data_meta;

	return (void *)(meta + 1) <= (void *)(long)skb->data && *meta == XLAT_META_DONE;
}

SEC("tc")
int xlat_siit_tc(struct __sk_buff *skb)
{
	struct siit_config *cfg = siit_cfg();
	struct plan p = {};
	__u32 err;

	if (!cfg || tc_decided_by_xdp(skb))
		return TC_ACT_OK;
	/* Make the headers we read linear; a short packet simply stays short. */
	if (skb->data_end - skb->data < SIIT_PARSE_LEN)
		bpf_skb_pull_data(skb, skb->len < SIIT_PARSE_LEN ? skb->len : SIIT_PARSE_LEN);
	siit_decide((void *)(long)skb->data, (void *)(long)skb->data_end, cfg, &p);
	if (p.verdict == V_XLAT) {
		err = p.icmp_err ? tc_icmp_err(skb, cfg, &p) : tc_apply(skb, &p);
		if (err) {
			count(err);
			return TC_ACT_SHOT;
		}
	}
	count(p.reason);
	return p.verdict == V_DROP ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
