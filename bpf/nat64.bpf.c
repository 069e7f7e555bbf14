// SPDX-License-Identifier: GPL-2.0
/*
 * The stateful NAT64 translator (RFC 6146): its XDP and tc entry points.
 * Both decide with the same code (nat64_xlat.h, nat64_state.h) and differ
 * only in how they rewrite the packet (nat64_apply.h). Every packet is counted
 * once, under the reason for what happened to it.
 */
#include "common.h"
#include "maps_nat64.h"
#include "nat64_xlat.h"
#include "nat64_apply.h"

#define NAT64_PARSE_LEN (sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + sizeof(struct tcphdr))

static __always_inline void nat64_decide(void *data, void *data_end, __u32 mark, struct plan *p,
					 struct nat64_rw *rw)
{
	struct ethhdr *eth = data;
	struct nat64_config *cfg;

	if ((void *)(eth + 1) > data_end)
		return plan_pass(p, NAT64_C_PASS_NOT_IP);
	cfg = nat64_cfg();
	if (!cfg || cfg->version != XLAT_NAT64_CONFIG_VERSION)
		return plan_pass(p, NAT64_C_PASS_DISABLED);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return nat64_plan_6to4(data, data_end, cfg, mark, p, rw);
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return nat64_plan_4to6(data, data_end, cfg, mark, p, rw);
	plan_pass(p, NAT64_C_PASS_NOT_IP);
}

SEC("xdp")
int xlat_nat64_xdp(struct xdp_md *ctx)
{
	struct plan p = {};
	struct nat64_rw rw = {};
	__u32 err;

	nat64_decide((void *)(long)ctx->data, (void *)(long)ctx->data_end, 0, &p, &rw);
	if (p.verdict == V_XLAT) {
		err = nat64_xdp_apply(ctx, &p, &rw);
		if (err) {
			nat64_count(err);
			return XDP_DROP;
		}
	}
	nat64_count(p.reason);
	return p.verdict == V_DROP ? XDP_DROP : XDP_PASS;
}

SEC("tc")
int xlat_nat64_tc(struct __sk_buff *skb)
{
	struct plan p = {};
	struct nat64_rw rw = {};
	__u32 err;

	if (skb->data_end - skb->data < NAT64_PARSE_LEN)
		bpf_skb_pull_data(skb, skb->len < NAT64_PARSE_LEN ? skb->len : NAT64_PARSE_LEN);
	nat64_decide((void *)(long)skb->data, (void *)(long)skb->data_end, skb->mark, &p, &rw);
	if (p.verdict == V_XLAT) {
		err = nat64_tc_apply(skb, &p, &rw);
		if (err) {
			nat64_count(err);
			return TC_ACT_SHOT;
		}
	}
	nat64_count(p.reason);
	return p.verdict == V_DROP ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
