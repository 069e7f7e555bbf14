// SPDX-License-Identifier: GPL-2.0
/*
 * The SIIT translator (RFC 7915, addresses by RFC 6052): its XDP and tc entry
 * points. Both parse and decide with the same code (siit/6to4.h, siit/4to6.h)
 * and differ only in how they rewrite the packet (lib/apply_xdp.h, lib/apply_tc.h).
 * The tc program is complete; the XDP program is a fast path that hands the
 * packets it does not handle itself to the tc program attached beside it.
 * Every packet is counted once, under the reason for what happened to it.
 */
#include "lib/common.h"
#include "siit/maps.h"
#include "siit/6to4.h"
#include "siit/4to6.h"
#include "lib/apply_xdp.h"
#include "lib/apply_tc.h"
#include "siit/icmp_err.h"
#include "siit/icmp_gen.h"
#include "lib/mtu.h"
#include "lib/frag.h"
#include "lib/udp_amend.h"
#include "lib/xdp_forward.h"
#include "lib/xdp_meta.h"

/* What the logic may read: Ethernet, IPv6, extension headers, an L4 header. */
#define SIIT_PARSE_LEN 512

/* frame_len: the whole frame's length (in tc data_end only covers the linear part). */
static __always_inline void siit_decide(void *data, void *data_end, __u32 frame_len, const struct siit_config *cfg,
					struct plan *p)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return plan_pass(p, XLAT_C_PASS_NOT_IP);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return siit_plan_6to4(data, data_end, frame_len, cfg, p);
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return siit_plan_4to6(data, data_end, frame_len, cfg, p);
	plan_pass(p, XLAT_C_PASS_NOT_IP);
}

SEC("xdp")
int xlat_siit_xdp(struct xdp_md *ctx)
{
	struct siit_config *cfg = siit_cfg();
	struct plan p = {};
	__u32 err;

	if (!cfg) {
		count(XLAT_C_PASS_DISABLED);
		xlat_xdp_mark_done(ctx, XLAT_META_PASSED_SIIT);
		return XDP_PASS;
	}
	siit_decide((void *)(long)ctx->data, (void *)(long)ctx->data_end, ctx->data_end - ctx->data, cfg, &p);
	if (p.verdict == V_XLAT || p.gen) {
		/* Layout changes beyond the base headers, errors to send, packets too big for
		 * their path: the tc slow path does them. */
		if (p.slow || (p.verdict == V_XLAT && !p.same_family &&
			       ((!p.to_v4 && !p.df && plan_new_len(&p) > cfg->c.lowest_ipv6_mtu) ||
				plan_path_mtu_exceeded(ctx, ctx->ingress_ifindex, &p))))
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
	if (p.verdict == V_XLAT && (cfg->tables & SIIT_T_REDIRECT)) {
		int act = xdp_forward(ctx);

		if (act == XDP_REDIRECT)
			return act;
	}
	xlat_xdp_mark_done(ctx, p.verdict == V_XLAT ? XLAT_META_XLATED : XLAT_META_PASSED_SIIT);
	return XDP_PASS;
}

/*
 * The slow path's heavy steps are global functions: the verifier checks each
 * once on its own rather than once per path of the program that reaches it.
 * Global functions take only the context and scalars, so the plan travels
 * through a per-CPU map.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct plan);
} siit_plan_buf SEC(".maps");

static __always_inline struct plan *saved_plan(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&siit_plan_buf, &zero);
}

__attribute__((noinline)) int xlat_slow_check_path(struct __sk_buff *skb)
{
	struct siit_config *cfg = siit_cfg();
	struct plan *p = saved_plan();

	if (p && cfg)
		plan_check_path(skb, p, cfg->c.lowest_ipv6_mtu, XLAT_C_DROP_TOO_BIG, 0);
	return 0;
}

__attribute__((noinline)) int xlat_slow_send_error(struct __sk_buff *skb)
{
	struct plan *p = saved_plan();

	return p ? tc_send_error(skb, p) : TC_ACT_SHOT;
}

__attribute__((noinline)) int xlat_slow_icmp_err_4to6(struct __sk_buff *skb)
{
	struct siit_config *cfg = siit_cfg();
	struct plan *p = saved_plan();

	return p && cfg ? (int)tc_icmp_err_4to6(skb, cfg, p) : XLAT_C_DROP_WRITE_FAILED;
}

__attribute__((noinline)) int xlat_slow_icmp_err_6to4(struct __sk_buff *skb)
{
	struct siit_config *cfg = siit_cfg();
	struct plan *p = saved_plan();

	return p && cfg ? (int)tc_icmp_err_6to4(skb, cfg, p) : XLAT_C_DROP_WRITE_FAILED;
}

__attribute__((noinline)) int xlat_slow_own_source(struct __sk_buff *skb)
{
	struct plan *p = saved_plan();

	return p ? (int)siit_own_source(skb, p) : 0;
}

__attribute__((noinline)) int xlat_slow_amend_udp(struct __sk_buff *skb)
{
	struct plan *p = saved_plan();

	return p ? (int)tc_amend_udp(skb, p) : XLAT_C_DROP_WRITE_FAILED;
}

__attribute__((noinline)) int xlat_slow_fragment(struct __sk_buff *skb)
{
	struct plan *p = saved_plan();

	return p ? (int)tc_fragment(skb, p) : XLAT_C_DROP_WRITE_FAILED;
}

/* The decision for an skb, into the per-CPU plan (its headers made linear first; a short packet stays short). */
__attribute__((noinline)) int xlat_siit_tc_decide(struct __sk_buff *skb)
{
	struct siit_config *cfg = siit_cfg();
	struct plan *p = saved_plan();

	if (!cfg || !p)
		return -1;
	__builtin_memset(p, 0, sizeof(*p));
	if (skb->data_end - skb->data < SIIT_PARSE_LEN)
		bpf_skb_pull_data(skb, skb->len < SIIT_PARSE_LEN ? skb->len : SIIT_PARSE_LEN);
	siit_decide((void *)(long)skb->data, (void *)(long)skb->data_end, skb->len, cfg, p);
	return 0;
}

/*
 * Intrinsic hairpinning of ICMPv6 errors (RFC 7757 4.2.3): an error just
 * translated to IPv4 for an EAMT address (one sent to pool6 + the address a
 * hairpinned packet came from) belongs to an IPv6 node behind us. It is
 * decided again as the IPv4 packet it now is and translated back, inner
 * packet included. 0 and the plan of an IPv4 error when it stays one; else
 * the second translation's result, the plan saying hairpin.
 */
__attribute__((noinline)) int xlat_slow_err_hairpin(struct __sk_buff *skb)
{
	struct siit_config *cfg = siit_cfg();
	struct plan *p = saved_plan();
	__be32 daddr;
	__u32 err;

	/* The destination as the packet now has it (the plan held the inner header last). */
	if (!cfg || !p || cfg->eam_hairpin != EAM_HAIRPIN_INTRINSIC ||
	    bpf_skb_load_bytes(skb, sizeof(struct ethhdr) + offsetof(struct iphdr, daddr), &daddr, 4) ||
	    !eamt_has4(cfg, daddr))
		return 0;
	if (xlat_siit_tc_decide(skb) || p->verdict != V_XLAT || !p->icmp_err || p->to_v4 || p->own_src) {
		/* Not an error we can send back (e.g. its source has no IPv6 form): it leaves as IPv4. */
		__builtin_memset(p, 0, sizeof(*p));
		p->verdict = V_XLAT;
		p->to_v4 = 1;
		p->reason = XLAT_C_XLAT_ICMP_ERROR_6TO4;
		return 0;
	}
	err = tc_icmp_err_4to6(skb, cfg, p);
	p->reason = XLAT_C_XLAT_HAIRPIN;
	return err;
}

SEC("tc")
int xlat_siit_tc(struct __sk_buff *skb)
{
	struct siit_config *cfg = siit_cfg();
	/* The plan lives in the per-CPU map, not on the stack: the slow-path
	 * functions need it there, and their stack adds up with ours. */
	struct plan *p = saved_plan();
	__u32 err, own_if = 0;
	int act = xlat_tc_after_xdp(skb, XLAT_META_PASSED_SIIT);

	if (act != 1)
		return act;
	if (!cfg || !p) {
		count(XLAT_C_PASS_DISABLED);
		return XLAT_TC_PASS;
	}
	/* One of our own IPv6 fragments back from bpf_clone_redirect: for the kernel to forward. */
	if (skb->mark == XLAT_FRAG_MARK) {
		skb->mark = 0;
		return TC_ACT_OK;
	}
	if (xlat_siit_tc_decide(skb)) {
		count(XLAT_C_PASS_DISABLED);
		return XLAT_TC_PASS;
	}
	/* GSO packets are segmented later, each segment on its own; the check is for single packets. */
	if (p->verdict == V_XLAT && !p->icmp_err && !p->same_family && !skb->gso_size)
		xlat_slow_check_path(skb);
	if (p->gen) {
		count(p->reason);
		return xlat_slow_send_error(skb);
	}
	/* An error from an untranslatable source with no RFC 6791 pool: from our own address, or the kernel's. */
	if (p->verdict == V_XLAT && p->own_src) {
		own_if = xlat_slow_own_source(skb);
		if (!own_if) {
			p->verdict = V_PASS;
			p->reason = p->to_v4 ? XLAT_C_PASS_SRC6_UNTRANSLATABLE : XLAT_C_PASS_SRC4_UNTRANSLATABLE;
		}
	}
	if (p->verdict == V_XLAT) {
		if (p->icmp_err && p->to_v4) {
			err = xlat_slow_icmp_err_6to4(skb);
			if (!err && !own_if)
				err = xlat_slow_err_hairpin(skb);
		} else if (p->icmp_err)
			err = xlat_slow_icmp_err_4to6(skb);
		else
			err = tc_apply(skb, p);
		if (!err && p->amend_udp)
			err = xlat_slow_amend_udp(skb);
		if (!err && p->frag_size)
			err = xlat_slow_fragment(skb);
		if (err) {
			count(err);
			return TC_ACT_SHOT;
		}
	}
	count(p->reason);
	if (own_if && p->verdict == V_XLAT)
		return bpf_redirect_neigh(own_if, NULL, 0, 0);
	/* Fragmented: every piece left as a clone; this copy is spent. */
	if (p->frag_size && p->verdict == V_XLAT)
		return TC_ACT_SHOT;
	if (p->verdict == V_DROP)
		return TC_ACT_SHOT;
	return p->verdict == V_XLAT ? TC_ACT_OK : XLAT_TC_PASS;
}

char LICENSE[] SEC("license") = "GPL";
