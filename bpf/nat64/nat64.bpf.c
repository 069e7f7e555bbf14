// SPDX-License-Identifier: GPL-2.0
/*
 * The stateful NAT64 translator (RFC 6146): its XDP and tc entry points.
 * Both decide with the same code (nat64/6to4.h, nat64/4to6.h, with the state of nat64/bib.h, session.h, pool4.h, filter.h). The tc
 * program is complete; the XDP program is a fast path: it translates the
 * common packets and marks them done in the metadata (xdp_meta.h), and hands
 * the rest (ICMP errors, hairpinning, fragments, packets too big for their
 * path) to the tc program beside it untouched,
 * before any state is touched. Every packet is counted once, under the reason
 * for what happened to it.
 */
#include "lib/common.h"
#include "nat64/maps.h"
#include "nat64/6to4.h"
#include "nat64/4to6.h"
#include "nat64/apply.h"
#include "nat64/icmp_err.h"
#include "nat64/hairpin.h"
#include "nat64/frag.h"
#include "nat64/finish.h"
#include "nat64/reasm.h"
#include "nat64/syn_delay.h"
#include "nat64/steer.h"
#include "lib/xdp_meta.h"

/* What the logic may read: Ethernet, IPv6, an ICMP error's inner IPv6 with extension headers, its L4 header. */
#define NAT64_PARSE_LEN 512

static __always_inline void nat64_decide(void *data, void *data_end, const struct nat64_config *cfg,
					 const struct nat64_in *in, struct plan *p, struct nat64_rw *rw,
					 const int in_tc)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return plan_pass(p, XLAT_C_PASS_NOT_IP);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return nat64_plan_6to4(data, data_end, cfg, in, p, rw, in_tc);
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return nat64_plan_4to6(data, data_end, cfg, in, p, rw, in_tc);
	plan_pass(p, XLAT_C_PASS_NOT_IP);
}

/*
 * The bpf_for_each_map_elem callbacks, each loaded into a register before any
 * other subprogram is referenced: libbpf lays a program's subprograms out in
 * the order they are first referenced, and Linux 5.15 (before "bpf: Stop
 * caching subprog index in the bpf_pseudo_func insn", 5.16) remembers a
 * callback's subprogram number as it was when the callback was first seen.
 * Any subprogram laid out before a callback but seen after it shifts the
 * number, and 5.15 then finds a global function there ("callback function not
 * static"). Seen first, the callbacks are subprograms 1 to 4 for good. Costs
 * four register loads per packet, nothing else.
 */
#define NAT64_CALLBACKS_FIRST()                            \
	do {                                               \
		asm volatile("" : : "r"(reclaim_frag_cb)); \
		asm volatile("" : : "r"(reclaim_adf_cb));  \
		asm volatile("" : : "r"(sweep_syn4_cb));   \
		asm volatile("" : : "r"(reasm_expire_cb)); \
	} while (0)

static __always_inline struct nat64_config *nat64_live_cfg(void)
{
	struct nat64_config *cfg = nat64_cfg();

	return cfg && cfg->version == XLAT_NAT64_CONFIG_VERSION ? cfg : NULL;
}

/*
 * The slow path's heavy steps are global functions: the verifier checks each
 * once on its own rather than once per path of the program that reaches it.
 * They take only the context; the work (plan, inner rewrite) is in a per-CPU
 * map, as is the scratch buffer of RFC 4884 extensions.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat64_work);
} nat64_work_buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xicmp_scratch);
} nat64_icmp_buf SEC(".maps");

static __always_inline struct nat64_work *nat64_work(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nat64_work_buf, &zero);
}

static __always_inline struct xicmp_scratch *nat64_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nat64_icmp_buf, &zero);
}

SEC("xdp")
int xlat_nat64_xdp(struct xdp_md *ctx)
{
	struct nat64_config *cfg;
	/* The plan lives in the per-CPU map, not on the stack: the state functions' stack adds up with ours. */
	struct nat64_work *w = nat64_work();
	struct nat64_in in = {.ctx = ctx, .frame_len = ctx->data_end - ctx->data, .ifindex = ctx->ingress_ifindex};
	__u32 err;

	NAT64_CALLBACKS_FIRST();
	cfg = nat64_live_cfg();
	if (!cfg || !w) {
		nat64_count(XLAT_C_PASS_DISABLED);
		xlat_xdp_mark_done(ctx, XLAT_META_PASSED_NAT64);
		return XDP_PASS;
	}
	if ((cfg->flags & NAT64_F_CLUSTER_STEERING) && xlat_nat64_steer_xdp(ctx))
		return XDP_PASS; /* another node's subscriber: tc sends it there */
	__builtin_memset(&w->p, 0, sizeof(w->p));
	__builtin_memset(&w->rw, 0, sizeof(w->rw));
	nat64_decide((void *)(long)ctx->data, (void *)(long)ctx->data_end, cfg, &in, &w->p, &w->rw, 0);
	/* A held SYN goes into the delay line (nat64/syn_delay.h), which only tc can send it to. */
	if (w->p.slow || (w->p.reason == XLAT_C_TCP_SYN_HELD && syn_delay_on()))
		return XDP_PASS; /* the tc slow path's, untouched and uncounted */
	if (w->p.verdict == V_XLAT) {
		/*
		 * Too big for the path (an error to send, or IPv6 fragments to make): tc's.
		 * Its state was touched already; tc finds it again and touches it once more,
		 * which only refreshes it (the packet is counted there, once).
		 */
		if ((!w->p.to_v4 && !w->p.df && plan_new_len(&w->p) > cfg->c.lowest_ipv6_mtu) ||
		    plan_path_mtu_exceeded(ctx, ctx->ingress_ifindex, &w->p))
			return XDP_PASS;
		err = nat64_xdp_apply(ctx, &w->p, &w->rw);
		if (err) {
			nat64_count(err);
			return XDP_DROP;
		}
	}
	nat64_count(w->p.reason);
	if (w->p.verdict == V_DROP)
		return XDP_DROP;
	xlat_xdp_mark_done(ctx, w->p.verdict == V_XLAT ? XLAT_META_XLATED : XLAT_META_PASSED_NAT64);
	return XDP_PASS;
}

/* ICMP errors: the flow found and the new headers decided, then the message rebuilt. */
__attribute__((noinline)) int xlat_nat64_slow_err_4to6(struct __sk_buff *skb)
{
	struct nat64_config *cfg = nat64_live_cfg();
	struct nat64_work *w = nat64_work();

	if (!cfg || !w)
		return NAT64_DROP(XLAT_C_DROP_WRITE_FAILED);
	return nat64_err_4to6(skb, cfg, w);
}

__attribute__((noinline)) int xlat_nat64_slow_err_6to4(struct __sk_buff *skb)
{
	struct nat64_config *cfg = nat64_live_cfg();
	struct nat64_work *w = nat64_work();

	if (!cfg || !w)
		return NAT64_DROP(XLAT_C_DROP_WRITE_FAILED);
	return nat64_err_6to4(skb, cfg, w);
}

__attribute__((noinline)) int xlat_nat64_slow_err_apply(struct __sk_buff *skb)
{
	struct nat64_config *cfg = nat64_live_cfg();
	struct nat64_work *w = nat64_work();
	struct xicmp_scratch *buf = nat64_scratch();

	if (!cfg || !w || !buf)
		return NAT64_DROP(XLAT_C_DROP_WRITE_FAILED);
	if (w->p.to_v4)
		return nat64_err_6to4_apply(skb, w, buf);
	return nat64_err_4to6_apply(skb, cfg, w, buf);
}

__attribute__((noinline)) int xlat_nat64_slow_hairpin_apply(struct __sk_buff *skb)
{
	struct nat64_config *cfg = nat64_live_cfg();
	struct nat64_work *w = nat64_work();

	if (!cfg || !w)
		return NAT64_DROP(XLAT_C_DROP_WRITE_FAILED);
	return nat64_hairpin_apply(skb, cfg, w);
}

__attribute__((noinline)) int xlat_nat64_slow_hairpin(struct __sk_buff *skb)
{
	struct nat64_config *cfg = nat64_live_cfg();
	struct nat64_work *w = nat64_work();

	if (!cfg || !w)
		return NAT64_DROP(XLAT_C_DROP_WRITE_FAILED);
	return nat64_hairpin(skb, cfg, w);
}

/* Later fragments through their first one's record; ICMP fragments (never translated). */
__attribute__((noinline)) int xlat_nat64_slow_frag(struct __sk_buff *skb)
{
	struct nat64_config *cfg = nat64_live_cfg();
	struct nat64_work *w = nat64_work();

	if (!cfg || !w)
		return NAT64_DROP(XLAT_C_DROP_WRITE_FAILED);
	if (w->p.to_v4)
		return nat64_frag_6to4(skb, cfg, w);
	return nat64_frag_4to6(skb, cfg, w);
}

/* A first fragment decided: its record for the later ones. Returns 0 or a drop's counter. */
__attribute__((noinline)) int xlat_nat64_frag_record(struct __sk_buff *skb)
{
	struct nat64_work *w = nat64_work();

	if (!w)
		return XLAT_C_DROP_WRITE_FAILED;
	return nat64_frag_record(skb, w);
}

/* A decided translation: path check (error to send, fragments to make), then the rewrite. */
__attribute__((noinline)) int xlat_nat64_finish(struct __sk_buff *skb)
{
	struct nat64_config *cfg = nat64_live_cfg();
	struct nat64_work *w = nat64_work();

	if (!cfg || !w)
		return NAT64_DROP(XLAT_C_DROP_WRITE_FAILED);
	return nat64_finish(skb, cfg, w);
}

/* Not translated but answered (plan.gen, e.g. a held SYN whose time passed): counted, then the error sent back. */
__attribute__((noinline)) int xlat_nat64_reject(struct __sk_buff *skb)
{
	struct nat64_work *w = nat64_work();

	if (!w)
		return NAT64_DROP(XLAT_C_DROP_WRITE_FAILED);
	nat64_count(w->p.reason);
	return NAT64_RES(nat64_send_error(skb, &w->p) == TC_ACT_REDIRECT ? NAT64_V_SENT : V_DROP, NAT64_NO_COUNT);
}

/* A fragmented ICMP echo: kept, or made whole (NAT64_CONTINUE: decided again). */
__attribute__((noinline)) int xlat_nat64_slow_reasm(struct __sk_buff *skb)
{
	return xlat_nat64_reasm(skb);
}

/*
 * The decision for an skb, into the work map (the skb's headers made linear
 * first; a short packet simply stays short). A global function: the tc program
 * decides twice for a reassembled message, and is verified with it once.
 */
__attribute__((noinline)) int xlat_nat64_tc_decide(struct __sk_buff *skb)
{
	struct nat64_config *cfg = nat64_live_cfg();
	struct nat64_work *w = nat64_work();
	struct nat64_in in = {.ctx = skb, .frame_len = skb->len, .ifindex = skb->ifindex, .mark = skb->mark};

	if (!cfg || !w)
		return -1;
	__builtin_memset(w, 0, sizeof(*w));
	if (skb->data_end - skb->data < NAT64_PARSE_LEN)
		bpf_skb_pull_data(skb, skb->len < NAT64_PARSE_LEN ? skb->len : NAT64_PARSE_LEN);
	nat64_decide((void *)(long)skb->data, (void *)(long)skb->data_end, cfg, &in, &w->p, &w->rw, 1);
	return 0;
}

/*
 * Hairpinning of ICMP errors (RFC 6146 3.8): an ICMPv6 error about a hairpinned
 * packet, translated to IPv4 with its sender's session, is an ICMPv4 error to
 * one of our pool4 transport addresses. It is decided again as if it had come
 * from IPv4 and goes back to IPv6 through the session of the node it is about.
 * `first` is the 6->4 result, kept when the error is not for us (it leaves as
 * IPv4).
 */
__attribute__((noinline)) int xlat_nat64_err_hairpin(struct __sk_buff *skb, __u32 first)
{
	struct nat64_work *w = nat64_work();
	__u32 res;

	if (!w || xlat_nat64_tc_decide(skb) || w->p.step != NAT64_STEP_ERR_4TO6 || w->p.verdict == V_DROP)
		return first;
	res = xlat_nat64_slow_err_4to6(skb);
	if (res == NAT64_CONTINUE)
		res = xlat_nat64_slow_err_apply(skb);
	if ((res >> 8) == V_PASS)
		return first; /* not about one of our pool4 transport addresses */
	return (res >> 8) == V_XLAT ? NAT64_XLAT(XLAT_C_XLAT_HAIRPIN) : res;
}

SEC("tc")
int xlat_nat64_tc(struct __sk_buff *skb)
{
	struct nat64_config *cfg;
	struct nat64_work *w;
	__u32 res;
	__u8 step;
	int act;

	NAT64_CALLBACKS_FIRST();
	NAT64_KEEP_MAP(nat64_sysctl);
	/* One of our own IPv6 fragments back from bpf_clone_redirect (lib/frag.h): for the kernel to forward. */
	if (skb->mark == XLAT_FRAG_MARK) {
		skb->mark = 0;
		return TC_ACT_OK;
	}
	/* A held SYN back from the delay line, 6 s later (nat64/syn_delay.h). */
	if ((skb->mark & XLAT_SYN_DELAY_MASK) == XLAT_SYN_DELAY_MARK) {
		res = xlat_nat64_syn_timeout(skb);
		if (res != NAT64_CONTINUE)
			return nat64_tc_action(res);
	}
	act = xlat_tc_after_xdp(skb, XLAT_META_PASSED_NAT64);
	if (act != 1)
		return act;
	cfg = nat64_live_cfg();
	w = nat64_work();
	if (!cfg || !w) {
		nat64_count(XLAT_C_PASS_DISABLED);
		return XLAT_TC_PASS;
	}
	if (cfg->flags & NAT64_F_CLUSTER_STEERING) {
		act = xlat_nat64_steer_tc(skb);
		if (act >= 0)
			return act;
	}
	if (xlat_nat64_tc_decide(skb)) {
		nat64_count(XLAT_C_PASS_DISABLED);
		return XLAT_TC_PASS;
	}
	if (w->p.step == NAT64_STEP_REASM && w->p.verdict != V_DROP) {
		res = xlat_nat64_slow_reasm(skb);
		if (res != NAT64_CONTINUE) {
			nat64_count(res & 0xff);
			return nat64_tc_action(res);
		}
		/* The message is whole: an atomic IPv6 fragment or an unfragmented IPv4 packet, decided anew. */
		if (xlat_nat64_tc_decide(skb))
			return TC_ACT_SHOT;
	}
	if (w->rw.frag_first && w->p.verdict != V_DROP) {
		res = xlat_nat64_frag_record(skb);
		if (res) {
			nat64_count(res);
			return TC_ACT_SHOT;
		}
	}
	if (w->p.gen) {
		res = xlat_nat64_reject(skb);
		nat64_count(res & 0xff);
		return nat64_tc_action(res);
	}
	step = w->p.step;
	if (step && step != NAT64_STEP_REASM && w->p.verdict != V_DROP) {
		if (step == NAT64_STEP_ERR_4TO6 || step == NAT64_STEP_ERR_6TO4) {
			res = step == NAT64_STEP_ERR_4TO6 ? xlat_nat64_slow_err_4to6(skb)
							  : xlat_nat64_slow_err_6to4(skb);
			if (res == NAT64_CONTINUE)
				res = xlat_nat64_slow_err_apply(skb);
			if (step == NAT64_STEP_ERR_6TO4 && (res >> 8) == V_XLAT)
				res = xlat_nat64_err_hairpin(skb, res);
		} else if (step == NAT64_STEP_FRAG) {
			res = xlat_nat64_slow_frag(skb);
			if (res == NAT64_CONTINUE)
				res = xlat_nat64_finish(skb);
		} else {
			res = xlat_nat64_slow_hairpin(skb);
			if (res == NAT64_CONTINUE)
				res = xlat_nat64_slow_hairpin_apply(skb);
		}
		nat64_count(res & 0xff);
		return nat64_tc_action(res);
	}
	if (w->p.verdict == V_XLAT) {
		res = xlat_nat64_finish(skb);
		nat64_count(res & 0xff);
		return nat64_tc_action(res);
	}
	nat64_count(w->p.reason);
	if (w->p.reason == XLAT_C_TCP_SYN_HELD)
		return xlat_nat64_syn_delay(skb);
	if (w->p.verdict == V_DROP)
		return TC_ACT_SHOT;
	return w->p.verdict == V_XLAT ? TC_ACT_OK : XLAT_TC_PASS;
}

char LICENSE[] SEC("license") = "GPL";
