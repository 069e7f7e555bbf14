/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 -> IPv4 (RFC 6146 3.5 with RFC 7915 section 5): the packet parsed, its
 * BIB entry and session found or made, the plan filled with the BIB's pool4
 * address and port.
 */
#ifndef XLAT_NAT64_6TO4_H
#define XLAT_NAT64_6TO4_H

#include "nat64/plan.h"
#include "nat64/pool4_blocks.h"

/*
 * Cluster steering: a TCP segment without state, neither SYN nor RST, belongs to a connection another node
 * carried until it failed, and is picked up. Computed where needed rather than kept: a value live across the
 * state functions' calls costs stack in the deepest call chain, which is at the 512 bytes Linux 5.15 allows.
 */
static __always_inline int nat64_pickup(const struct nat64_config *cfg, __u8 tflags)
{
	return !(tflags & (TCPF_SYN | TCPF_RST)) && (cfg->flags & NAT64_F_CLUSTER_STEERING);
}

/*
 * RFC 6146 3.5.1-3.5.3 for a packet from the IPv6 node t6 to dst4:dport: the
 * BIB entry (created on the first packet), then the session (created or moved
 * along). Returns the BIB entry, or NULL with p set to the drop.
 */
static __always_inline struct nat64_bib6_value *nat64_state_6to4(const struct nat64_config *cfg,
								 const struct nat64_in *in,
								 const struct nat64_taddr6 *t6, __be32 dst4,
								 __be16 dport, __u8 tflags, __u64 now, struct plan *p)
{
	struct nat64_session_key key = {};
	struct nat64_bib6_value *b6;
	struct nat64_session *s;
	__u8 proto = t6->proto;
	__u64 life = nat64_timeout(cfg, proto, NAT64_TCP_V6_INIT), before;
	int fresh = 0;

	b6 = bib6_get(t6, now);
	if (!b6) {
		struct nat64_alloc *a;
		__be32 only = 0;
		int err;

		if (proto == IPPROTO_TCP && !(tflags & TCPF_SYN) && !nat64_pickup(cfg, tflags)) {
			plan_drop(p, XLAT_C_DROP_TCP_NO_SESSION);
			return NULL;
		}
		if (!in->mark && (cfg->pool4_default & pool4_default_bit(proto)))
			only = nat64_route_source4(in->ctx, in->ifindex, dst4);
		b6 = bib_create_call(t6, dst4, dport, in->mark, only, now + life, &err);
		if (err == ALLOC_NO_POOL4) {
			plan_drop(p, XLAT_C_DROP_NO_POOL4);
			return NULL;
		}
		if (err == ALLOC_EXHAUSTED) {
			plan_drop(p, XLAT_C_DROP_POOL4_EXHAUSTED);
			return NULL;
		}
		if (err == ALLOC_BLOCK_FULL) {
			plan_drop(p, XLAT_C_DROP_BLOCK_FULL); /* this subscriber only: its block is its limit */
			return NULL;
		}
		if (err == ALLOC_NO_BLOCK) {
			plan_drop(p, XLAT_C_DROP_NO_FREE_BLOCK); /* a new dynamic subscriber: every block is taken */
			return NULL;
		}
		if (err || !b6) {
			plan_drop(p, XLAT_C_DROP_TABLE_FULL);
			return NULL;
		}
		a = nat64_alloc();
		fresh = a && a->created;
	}
	key.local4 = b6->t4.addr;
	key.lport = b6->t4.port;
	key.remote4 = dst4;
	key.rport = proto == IPPROTO_ICMP ? b6->t4.port : dport;
	key.proto = proto;
	s = session_get(&key, now);
	if (!s) {
		__u8 st = NAT64_TCP_ESTABLISHED;

		if (proto == IPPROTO_TCP) {
			/* RFC 6146 3.5.2.2, CLOSED: a packet other than a SYN with a BIB entry is translated; no state
			 * (picked up: ESTABLISHED). */
			if (!(tflags & TCPF_SYN) && !nat64_pickup(cfg, tflags))
				return b6;
			if (tflags & TCPF_SYN)
				st = NAT64_TCP_V6_INIT;
		}
		s = session_create(&key, t6, st, now + nat64_timeout(cfg, proto, st), now);
		if (!s) {
			/* No session: the BIB entry just made for it goes too (it would hold a port and a slot). */
			if (fresh) {
				struct nat64_taddr4 t4 = b6->t4;
				struct nat64_bib4_value *b4 = bpf_map_lookup_elem(&nat64_bib4, &t4);

				if (b4)
					bib_delete(&t4, b4);
			}
			plan_drop(p, XLAT_C_DROP_TABLE_FULL);
			return NULL;
		}
	} else if (proto == IPPROTO_TCP) {
		before = s->expires;
		tcp_step(cfg, s, 1, tflags, now);
		if (s->expires < before)
			bib_follow(&key, s);
	} else {
		s->expires = now + life;
	}
	if (b6->expires < s->expires)
		b6->expires = s->expires;
	if (cfg->flags & NAT64_F_ADDR_DEP_FILTERING)
		adf_note(&key, s->expires, now);
	return b6;
}

/* The ICMPv6 echo of an atomic fragment (offset 0, no more fragments): translated as if unfragmented. */
static __always_inline int icmp6_echo(const __u8 *l4)
{
	return l4[0] == ICMPV6_ECHO_REQUEST || l4[0] == ICMPV6_ECHO_REPLY;
}

/* What the parse of an IPv6 packet found: its transport identifiers and, for a first fragment, the fragment's. */
struct nat64_pkt6 {
	__u8 *l4;
	__be16 sport, dport; /* ICMP: both the identifier */
	__u8 tflags, off, nh, fragd;
	__be16 frag_off;
	__be32 frag_id;
};

/*
 * A fragment header right after the IPv6 header: fragmented echo goes to
 * reassembly, later fragments to tc's records (nat64/frag.h); a first (or
 * atomic) fragment is translated here like a whole packet. Returns 1 when the
 * plan is decided.
 */
static __always_inline int nat64_parse6_frag(struct ipv6hdr *ip6, void *data_end, const struct nat64_config *cfg,
					     struct plan *p, struct nat64_rw *rw, const int in_tc, struct nat64_pkt6 *x)
{
	struct ipv6_frag *f6 = (void *)(ip6 + 1);
	__be32 a4;

	if ((void *)(f6 + 1) > data_end)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED), 1;
	if (!cfg->c.enabled)
		return plan_pass(p, XLAT_C_PASS_DISABLED), 1;
	if (prefix_extract(&cfg->c.pool6, &ip6->daddr, &a4))
		return plan_pass(p, XLAT_C_PASS_DST6_NOT_POOL6), 1;
	if (!prefix_extract(&cfg->c.pool6, &ip6->saddr, &a4))
		return plan_drop(p, XLAT_C_DROP_SRC6_POOL6), 1;
	if (f6->nexthdr == IPPROTO_ICMPV6 && (f6->frag_off & bpf_htons(0xfff8 | IP6_MF)))
		return plan_slow(p, NAT64_STEP_REASM), 1; /* a fragmented ICMP echo is reassembled (tc) */
	if (f6->nexthdr != IPPROTO_TCP && f6->nexthdr != IPPROTO_UDP && f6->nexthdr != IPPROTO_ICMPV6)
		return plan_pass(p, XLAT_C_PASS_PROTO), 1;
	if (ip6->hop_limit <= 1)
		return plan_expired(p, XLAT_C_DROP_HOP_LIMIT, 1, (f6->frag_off & bpf_htons(0xfff8)) != 0), 1;
	/* Later fragments, and any fragment in XDP, are the tc slow path's. */
	if (!in_tc)
		return plan_slow(p, f6->nexthdr == IPPROTO_ICMPV6 ? NAT64_STEP_LAYOUT : NAT64_STEP_FRAG), 1;
	if (f6->frag_off & bpf_htons(0xfff8))
		return plan_slow(p, NAT64_STEP_FRAG), 1;
	if (bpf_ntohs(ip6->payload_len) < sizeof(*f6) + 8)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED), 1;
	/* The first fragment (or an atomic one): translated here like a whole packet, then recorded (tc). */
	x->fragd = 1;
	x->frag_off = f6->frag_off;
	x->frag_id = f6->identification;
	x->nh = f6->nexthdr;
	x->l4 = (void *)(f6 + 1);
	p->strip = sizeof(*f6);
	rw->frag_first = 1;
	if (x->nh == IPPROTO_ICMPV6) {
		/* An atomic fragment (a reassembled echo among them) is a whole message: echoes and errors
		 * (RFC 6946) are translated as if the header were not there; other informational ones are not. */
		if ((void *)(x->l4 + 8) > data_end)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED), 1;
		if (!icmp6_echo(x->l4) && x->l4[0] >= 128)
			return plan_drop(p, XLAT_C_DROP_ICMP_FRAGMENT), 1;
	}
	return 0;
}

/* The transport header: identifiers, TCP flags, the checksum's place. Returns 1 when the plan is decided. */
static __always_inline int nat64_parse6_l4(void *data_end, struct plan *p, struct nat64_pkt6 *x)
{
	__u8 *l4 = x->l4;

	switch (x->nh) {
	case IPPROTO_TCP:
		if ((void *)(l4 + sizeof(struct tcphdr)) > data_end)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED), 1;
		p->csum_off = offsetof(struct tcphdr, check);
		p->l4proto = IPPROTO_TCP;
		x->sport = ((struct tcphdr *)l4)->source;
		x->dport = ((struct tcphdr *)l4)->dest;
		x->tflags = l4[13];
		x->off = 0;
		return 0;
	case IPPROTO_UDP:
		if ((void *)(l4 + sizeof(struct udphdr)) > data_end)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED), 1;
		p->csum_off = offsetof(struct udphdr, check);
		p->l4proto = IPPROTO_UDP;
		p->csum_zero_ok = 1;
		x->sport = ((struct udphdr *)l4)->source;
		x->dport = ((struct udphdr *)l4)->dest;
		x->off = 0;
		return 0;
	case IPPROTO_ICMPV6:
		if ((void *)(l4 + 8) > data_end)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED), 1;
		if (l4[0] >= 133 && l4[0] <= 137)
			return plan_pass(p, XLAT_C_PASS_NDP), 1;
		p->csum_off = offsetof(struct icmp6hdr, icmp6_cksum);
		p->l4proto = IPPROTO_ICMP;
		x->sport = x->dport = *(__be16 *)(l4 + 4);
		x->off = 4;
		return 0;
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
		return plan_pass(p, XLAT_C_PASS_EXT_HEADER), 1;
	}
	return plan_pass(p, XLAT_C_PASS_PROTO), 1;
}

static __always_inline void nat64_plan_6to4(void *data, void *data_end, const struct nat64_config *cfg,
					    const struct nat64_in *in, struct plan *p, struct nat64_rw *rw,
					    const int in_tc)
{
	struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);
	struct nat64_pkt6 x = {};
	struct nat64_taddr6 t6 = {};
	struct nat64_bib6_value *b6;
	__be16 sport, dport;
	__u8 *l4;
	__be32 dst4, src4;
	__u64 now;
	__u16 upper;

	p->to_v4 = 1;
	p->l3len = sizeof(struct iphdr);
	if ((void *)(ip6 + 1) > data_end)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	/* Not the IP version its Ethernet type says: the kernel drops it; a hairpin would carry it over (fuzzing). */
	if (ip6->version != 6)
		return plan_pass(p, XLAT_C_PASS_NOT_IP);
	/* A payload length beyond the frame (malformed, as a cut header is: dropped before state is touched). */
	if (sizeof(struct ethhdr) + sizeof(*ip6) + bpf_ntohs(ip6->payload_len) > in->frame_len)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	x.l4 = (void *)(ip6 + 1);
	x.nh = ip6->nexthdr;
	if (x.nh == IPPROTO_FRAGMENT && nat64_parse6_frag(ip6, data_end, cfg, p, rw, in_tc, &x))
		return;
	if (nat64_parse6_l4(data_end, p, &x))
		return;
	l4 = x.l4;
	sport = x.sport;
	dport = x.dport;

	if (!cfg->c.enabled)
		return plan_pass(p, XLAT_C_PASS_DISABLED);
	if (prefix_extract(&cfg->c.pool6, &ip6->daddr, &dst4))
		return plan_pass(p, XLAT_C_PASS_DST6_NOT_POOL6);
	/* From pool6 to pool6: one of our own translations come back (a routing loop). */
	if (!prefix_extract(&cfg->c.pool6, &ip6->saddr, &src4))
		return plan_drop(p, XLAT_C_DROP_SRC6_POOL6);
	if (p->l4proto == IPPROTO_ICMP) {
		/* drop-icmpv6-info: every informational message, pings included (as Jool). */
		if (l4[0] >= 128 && (cfg->flags & NAT64_F_DROP_ICMPV6_INFO))
			return plan_drop(p, XLAT_C_DROP_ICMPV6_INFO);
		if (!icmp6_echo(l4)) {
			if (l4[0] >= 128)
				return plan_pass(p, XLAT_C_PASS_ICMP_TYPE);
			if (ip6->hop_limit <= 1)
				return plan_drop(p, XLAT_C_DROP_HOP_LIMIT); /* no error about an error */
			return plan_slow(p, NAT64_STEP_ERR_6TO4);
		}
	}
	if (ip6->hop_limit <= 1)
		return plan_expired(p, XLAT_C_DROP_HOP_LIMIT, 1, 0);
	/* State: BIB (create on first packet), then session. */
	now = bpf_ktime_get_ns();

	/*
	 * To one of our own pool4 transport addresses: back to IPv6 in one pass
	 * (RFC 6146 3.8). XDP hands it to tc before any state is touched; tc does
	 * the 6->4 half (the sender's state) here and the rest in its slow path.
	 * The mark stays in the plan (a map value, which the verifier does not
	 * track: the state code below is not walked twice). An echo to a pool4
	 * address hairpins too: its identifier is the destination's "port" only
	 * once translated, so the address decides, and the sender's own new
	 * mapping is what the 4->6 half finds (the querier is answered by itself,
	 * as through any NAT64 that hairpins queries).
	 */
	if (!x.fragd && (p->l4proto == IPPROTO_ICMP ? xlat_nat64_pool4_has_addr(IPPROTO_ICMP, dst4)
						    : xlat_nat64_pool4_has(p->l4proto, dst4, dport))) {
		struct nat64_taddr4 t4 = {.addr = dst4, .port = dport, .proto = p->l4proto};

		if (!in_tc)
			return plan_slow(p, NAT64_STEP_HAIRPIN);
		/* Nobody behind that transport address: the IPv4 side would drop it; create nothing. */
		if (p->l4proto != IPPROTO_ICMP && !bib4_get(&t4, now))
			return plan_drop(p, XLAT_C_DROP_NO_BIB);
		p->slow = 1;
		p->step = NAT64_STEP_HAIRPIN;
	}
	__builtin_memcpy(t6.addr, &ip6->saddr, 16);
	t6.port = sport;
	t6.proto = p->l4proto;
	b6 = nat64_state_6to4(cfg, in, &t6, dst4, dport, x.tflags, now, p);
	if (!b6)
		return; /* dropped (the caller ignores slow then) */
	if (in_tc && p->step == NAT64_STEP_HAIRPIN) {
		/* The sender's IPv4 identity, for the 4->6 half. */
		p->h.v4.saddr = b6->t4.addr;
		p->h.v4.daddr = dst4;
		rw->port = b6->t4.port;
		p->verdict = V_PASS;
		return;
	}

	/* Headers: RFC 7915 section 5 with the BIB's pool4 address and port. */
	upper = bpf_ntohs(ip6->payload_len) - p->strip;
	if (p->l4proto == IPPROTO_ICMP)
		plan_echo_type(p, l4, rfc7915_echo_6to4(l4[0]));
	p->pseudo_delta = rfc7915_pseudo_6to4(&ip6->saddr, &ip6->daddr, b6->t4.addr, dst4, x.nh, upper);
	set_rw(rw, x.off, sport, b6->t4.port);
	rfc7915_hdr4(&p->h.v4, rfc7915_tos(&cfg->c, ip6), ip6, p->l4proto, b6->t4.addr, dst4,
		     upper + sizeof(struct iphdr), RFC7915_FRAG(x.fragd, x.frag_off, x.frag_id), RFC7915_ID_RANDOM);
	p->verdict = V_XLAT;
	p->reason = XLAT_C_XLAT_6TO4;
}

#endif
