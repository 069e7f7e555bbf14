/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a NAT64 decision leaves for the steps after it: the plan (lib/plan.h)
 * plus the port or identifier rewrite, which slow-path step tc runs, and the
 * results the steps return (NAT64_RES: a verdict and the counter to count).
 */
#ifndef XLAT_NAT64_PLAN_H
#define XLAT_NAT64_PLAN_H

#include "lib/csum.h"
#include "lib/plan.h"
#include "lib/rfc7915.h"
#include "lib/rfc6052.h"
#include "lib/icmp_map.h"
#include "lib/icmp_err.h"
#include "nat64/maps.h"
#include "nat64/tcp.h"
#include "nat64/bib.h"
#include "nat64/session.h"
#include "nat64/pool4.h"
#include "nat64/filter.h"

#define NAT64_DF_THRESHOLD 1260

/* What the applier writes into the L4 header besides the plan. */
struct nat64_rw {
	__u8 valid;
	__u8 off;	 /* offset of the port / identifier inside the L4 header */
	__be16 port;	 /* its new value */
	__u32 delta;	 /* checksum change of that rewrite */
	__u8 frag_first; /* (tc) the first fragment of a datagram: its outcome is recorded (nat64/frag.h) */
	__u8 _pad[3];
};

/* Packets only the tc program handles (plan.slow): XDP passes them on untouched,
 * before any state is touched, and tc hands them to a global function. */
enum nat64_step {
	NAT64_STEP_NONE = 0,
	NAT64_STEP_ERR_6TO4, /* an ICMPv6 error about a flow of ours */
	NAT64_STEP_ERR_4TO6, /* an ICMPv4 error about a flow of ours */
	NAT64_STEP_HAIRPIN,  /* IPv6 to a pool4 transport address (RFC 6146 3.8) */
	NAT64_STEP_FRAG,     /* a fragment (nat64/frag.h) */
	NAT64_STEP_REASM,    /* a fragment of an ICMP echo: reassembled first (nat64/reasm.h) */
	NAT64_STEP_LAYOUT,   /* XDP only: tc decides it again and can change the layout (options, checksum) */
};

/* nat64_config.pool4_default's bit for a protocol. */
static __always_inline __u32 pool4_default_bit(__u8 proto)
{
	return proto == IPPROTO_TCP   ? NAT64_POOL4_DEFAULT_TCP
	       : proto == IPPROTO_UDP ? NAT64_POOL4_DEFAULT_UDP
				      : NAT64_POOL4_DEFAULT_ICMP;
}

/* Where a packet came in: what the route lookups of the default pool4 need. */
struct nat64_in {
	void *ctx;	 /* struct xdp_md or struct __sk_buff */
	__u32 frame_len; /* the whole frame (in tc data_end only covers the linear part) */
	__u32 ifindex;
	__u32 mark;
};

static __always_inline void plan_slow(struct plan *p, __u8 step)
{
	p->verdict = V_PASS;
	p->slow = 1;
	p->step = step;
}

static __always_inline int nat64_special4(__be32 addr)
{
	__u32 a = bpf_ntohl(addr);

	return (a >> 24) == 0 || (a >> 24) == 127 || (a >> 16) == 0xa9fe || (a >> 28) >= 0xe;
}

static __always_inline void set_rw(struct nat64_rw *rw, __u8 off, __be16 old, __be16 new)
{
	rw->valid = 1;
	rw->off = off;
	rw->port = new;
	rw->delta = csum_sub((__u32) new, (__u32)old);
}

/*
 * pool4_contains as a global function: the walk over pool4 is verified once,
 * not once per path of the program that reaches it. Scalars only.
 */
__attribute__((noinline)) int xlat_nat64_pool4_has(__u32 proto, __u32 addr, __u32 port)
{
	struct nat64_config *cfg = nat64_cfg();

	return cfg ? pool4_contains(cfg, (__u8)proto, (__be32)addr, (__be16)port) : 0;
}

#define NAT64_RES(verdict, reason) (((__u32)(verdict) << 8) | (reason))
#define NAT64_PASS(reason)	   NAT64_RES(V_PASS, reason)
#define NAT64_DROP(reason)	   NAT64_RES(V_DROP, reason)
#define NAT64_XLAT(reason)	   NAT64_RES(V_XLAT, reason)
#define NAT64_CONTINUE		   0xffff /* a first step done, the next one follows */
#define ETH_HLEN_		   sizeof(struct ethhdr)

struct nat64_work {
	struct plan p;
	struct nat64_rw rw;
	struct xicmp_inner in;
};

/* Verdicts beyond enum verdict in a NAT64_RES: an error was sent back (the skb
 * is redirected), or the packet left as fragments (this copy is spent). */
#define NAT64_V_SENT   3
#define NAT64_V_SPENT  4
/* A reason that counts nothing (the packet was counted already). */
#define NAT64_NO_COUNT 0xff

static __always_inline int nat64_tc_action(__u32 res)
{
	switch (res >> 8) {
	case V_DROP:
	case NAT64_V_SPENT:
		return TC_ACT_SHOT;
	case NAT64_V_SENT:
		return TC_ACT_REDIRECT;
	case V_PASS:
		return TC_ACT_UNSPEC; /* the next filter's (lib/xdp_meta.h) */
	}
	return TC_ACT_OK;
}

/* Is addr inside a pool4 range of proto, whatever the port? (Scalars only: a global function.) */
__attribute__((noinline)) int xlat_nat64_pool4_has_addr(__u32 proto, __u32 addr)
{
	struct nat64_config *cfg = nat64_cfg();
	__u32 a = bpf_ntohl((__be32)addr), i;

	if (!cfg)
		return 0;
	for (i = 0; i < XLAT_NAT64_POOL4_MAX; i++) {
		struct nat64_pool4_range *r;
		__u32 key = i, mask;

		if (i >= cfg->pool4_count)
			break;
		r = bpf_map_lookup_elem(&nat64_pool4, &key);
		if (!r)
			break;
		if (r->proto != proto)
			continue;
		mask = r->prefix_len ? ~0u << ((32 - r->prefix_len) & 31) : 0;
		if ((a & mask) == (bpf_ntohl(r->addr) & mask))
			return 1;
	}
	return blk4_entry((__be32)addr) != NULL;
}

#endif
