/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT64 decisions (RFC 6146 section 3.4-3.7): parse, find or create the BIB
 * and session entries, and fill a plan (plan.h) plus a transport rewrite: the
 * source port / ICMP identifier going out to IPv4, the destination port /
 * identifier coming back. Header translation follows RFC 7915 as SIIT does;
 * addresses come from the BIB and pool6 (RFC 6052) instead of pool6 alone.
 */
#ifndef XLAT_NAT64_XLAT_H
#define XLAT_NAT64_XLAT_H

#include "lib/csum.h"
#include "lib/plan.h"
#include "lib/rfc7915.h"
#include "lib/rfc6052.h"
#include "nat64/maps.h"
#include "nat64/state.h"
#include "lib/icmp_map.h"

#define NAT64_DF_THRESHOLD 1260

/* What the applier writes into the L4 header besides the plan. */
struct nat64_rw {
	__u8   valid;
	__u8   off;        /* offset of the port / identifier inside the L4 header */
	__be16 port;       /* its new value */
	__u32  delta;      /* checksum change of that rewrite */
	__u8   frag_first; /* (tc) the first fragment of a datagram: its outcome is recorded (nat64_frag.h) */
	__u8   _pad[3];
};

/* Packets only the tc program handles (plan.slow): XDP passes them on untouched,
 * before any state is touched, and tc hands them to a global function. */
enum nat64_step {
	NAT64_STEP_NONE = 0,
	NAT64_STEP_ERR_6TO4,    /* an ICMPv6 error about a flow of ours */
	NAT64_STEP_ERR_4TO6,    /* an ICMPv4 error about a flow of ours */
	NAT64_STEP_HAIRPIN,     /* IPv6 to a pool4 transport address (RFC 6146 3.8) */
	NAT64_STEP_FRAG,        /* a fragment (nat64_frag.h) */
	NAT64_STEP_REASM,       /* a fragment of an ICMP echo: reassembled first (nat64_reasm.h) */
	NAT64_STEP_LAYOUT,      /* XDP only: tc decides it again and can change the layout (options, checksum) */
};

/* nat64_config.pool4_default's bit for a protocol. */
static __always_inline __u32 pool4_default_bit(__u8 proto)
{
	return proto == IPPROTO_TCP ? NAT64_POOL4_DEFAULT_TCP : proto == IPPROTO_UDP ? NAT64_POOL4_DEFAULT_UDP
										   : NAT64_POOL4_DEFAULT_ICMP;
}

/* Where a packet came in: what the route lookups of the default pool4 need. */
struct nat64_in {
	void *ctx;     /* struct xdp_md or struct __sk_buff */
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
	rw->delta = csum_sub((__u32)new, (__u32)old);
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

/* ---------------------------------------------------------------- IPv6 -> IPv4 */

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

		if (proto == IPPROTO_TCP && !(tflags & TCPF_SYN)) {
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
			/* RFC 6146 3.5.2.2, CLOSED: a packet other than a SYN with a BIB entry is translated; no state. */
			if (!(tflags & TCPF_SYN))
				return b6;
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

static __always_inline void nat64_plan_6to4(void *data, void *data_end, const struct nat64_config *cfg,
					    const struct nat64_in *in, struct plan *p, struct nat64_rw *rw,
					    const int in_tc)
{
	struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);
	struct nat64_taddr6 t6 = {};
	struct nat64_bib6_value *b6;
	__be16 sport, dport, frag_off = 0;
	__u8 *l4, tflags = 0, off, nh, fragd = 0;
	__be32 dst4, src4, frag_id = 0;
	__u64 now;
	__u16 upper;

	p->to_v4 = 1;
	p->l3len = sizeof(struct iphdr);
	if ((void *)(ip6 + 1) > data_end)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	l4 = (void *)(ip6 + 1);
	nh = ip6->nexthdr;
	if (nh == IPPROTO_FRAGMENT) {
		/* Fragments (nat64/frag.h): the ports are in the first one only. */
		struct ipv6_frag *f6 = (void *)l4;

		if ((void *)(f6 + 1) > data_end)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		if (!cfg->c.enabled)
			return plan_pass(p, XLAT_C_PASS_DISABLED);
		if (prefix_extract(&cfg->c.pool6, &ip6->daddr, &dst4))
			return plan_pass(p, XLAT_C_PASS_DST6_NOT_POOL6);
		if (!prefix_extract(&cfg->c.pool6, &ip6->saddr, &src4))
			return plan_drop(p, XLAT_C_DROP_SRC6_POOL6);
		if (f6->nexthdr == IPPROTO_ICMPV6 && (f6->frag_off & bpf_htons(0xfff8 | IP6_MF)))
			return plan_slow(p, NAT64_STEP_REASM); /* a fragmented ICMP echo is reassembled (tc) */
		if (f6->nexthdr != IPPROTO_TCP && f6->nexthdr != IPPROTO_UDP && f6->nexthdr != IPPROTO_ICMPV6)
			return plan_pass(p, XLAT_C_PASS_PROTO);
		if (ip6->hop_limit <= 1)
			return plan_expired(p, XLAT_C_DROP_HOP_LIMIT, 1, (f6->frag_off & bpf_htons(0xfff8)) != 0);
		/* Later fragments, and any fragment in XDP, are the tc slow path's. */
		if (!in_tc)
			return plan_slow(p, f6->nexthdr == IPPROTO_ICMPV6 ? NAT64_STEP_LAYOUT : NAT64_STEP_FRAG);
		if (f6->frag_off & bpf_htons(0xfff8))
			return plan_slow(p, NAT64_STEP_FRAG);
		if (bpf_ntohs(ip6->payload_len) < sizeof(*f6) + 8)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		/* The first fragment (or an atomic one): translated here like a whole packet, then recorded (tc). */
		fragd = 1;
		frag_off = f6->frag_off;
		frag_id = f6->identification;
		nh = f6->nexthdr;
		l4 = (void *)(f6 + 1);
		p->strip = sizeof(*f6);
		rw->frag_first = 1;
		if (nh == IPPROTO_ICMPV6) {
			/* An atomic fragment (a reassembled echo among them): only echo messages. */
			if ((void *)(l4 + 8) > data_end)
				return plan_drop(p, XLAT_C_DROP_TRUNCATED);
			if (!icmp6_echo(l4))
				return plan_drop(p, XLAT_C_DROP_ICMP_FRAGMENT);
		}
	}

	switch (nh) {
	case IPPROTO_TCP:
		if ((void *)(l4 + sizeof(struct tcphdr)) > data_end)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		p->csum_off = offsetof(struct tcphdr, check);
		p->l4proto = IPPROTO_TCP;
		sport = ((struct tcphdr *)l4)->source;
		dport = ((struct tcphdr *)l4)->dest;
		tflags = l4[13];
		off = 0;
		break;
	case IPPROTO_UDP:
		if ((void *)(l4 + sizeof(struct udphdr)) > data_end)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		p->csum_off = offsetof(struct udphdr, check);
		p->l4proto = IPPROTO_UDP;
		p->csum_zero_ok = 1;
		sport = ((struct udphdr *)l4)->source;
		dport = ((struct udphdr *)l4)->dest;
		off = 0;
		break;
	case IPPROTO_ICMPV6:
		if ((void *)(l4 + 8) > data_end)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		if (l4[0] >= 133 && l4[0] <= 137)
			return plan_pass(p, XLAT_C_PASS_NDP);
		p->csum_off = offsetof(struct icmp6hdr, icmp6_cksum);
		p->l4proto = IPPROTO_ICMP;
		sport = dport = *(__be16 *)(l4 + 4);
		off = 4;
		break;
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
		return plan_pass(p, XLAT_C_PASS_EXT_HEADER);
	default:
		return plan_pass(p, XLAT_C_PASS_PROTO);
	}

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
	 * track: the state code below is not walked twice).
	 */
	if (p->l4proto != IPPROTO_ICMP && !fragd && xlat_nat64_pool4_has(p->l4proto, dst4, dport)) {
		struct nat64_taddr4 t4 = {.addr = dst4, .port = dport, .proto = p->l4proto};

		if (!in_tc)
			return plan_slow(p, NAT64_STEP_HAIRPIN);
		/* Nobody behind that transport address: the IPv4 side would drop it; create nothing. */
		if (!bib4_get(&t4, now))
			return plan_drop(p, XLAT_C_DROP_NO_BIB);
		p->slow = 1;
		p->step = NAT64_STEP_HAIRPIN;
	}
	__builtin_memcpy(t6.addr, &ip6->saddr, 16);
	t6.port = sport;
	t6.proto = p->l4proto;
	b6 = nat64_state_6to4(cfg, in, &t6, dst4, dport, tflags, now, p);
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
	p->pseudo_delta = rfc7915_pseudo_6to4(&ip6->saddr, &ip6->daddr, b6->t4.addr, dst4, nh, upper);
	set_rw(rw, off, sport, b6->t4.port);
	rfc7915_hdr4(&p->h.v4, rfc7915_tos(&cfg->c, ip6), ip6, p->l4proto, b6->t4.addr, dst4, upper + sizeof(struct iphdr),
		     RFC7915_FRAG(fragd, frag_off, frag_id), RFC7915_ID_RANDOM);
	p->verdict = V_XLAT;
	p->reason = XLAT_C_XLAT_6TO4;
}

/* ---------------------------------------------------------------- IPv4 -> IPv6 */

/*
 * RFC 6146 3.5 for a packet from IPv4 to the pool4 transport address of b4:
 * the session (key: the IPv4 view) found and moved along, or created where
 * filtering allows. Returns 0 (translate it to b4's IPv6 side), or -1 with p
 * set to the drop.
 */
static __always_inline int nat64_state_4to6(const struct nat64_config *cfg, const struct nat64_session_key *key,
					    struct nat64_bib4_value *b4, __u8 tflags, __u64 now, struct plan *p)
{
	struct nat64_taddr6 t6 = b4->t6;
	struct nat64_session *s = session_get(key, now);
	int adf = cfg->flags & NAT64_F_ADDR_DEP_FILTERING;
	__u64 before;

	if (!s) {
		__u8 st = NAT64_TCP_ESTABLISHED;

		/* Address-dependent filtering: only from an address the IPv6 node talks to, whatever the port. */
		if (adf && !adf_allows(key, now)) {
			plan_drop(p, XLAT_C_DROP_ADDRESS_DEPENDENT_FILTERING);
			return -1;
		}
		if (key->proto == IPPROTO_TCP) {
			/* RFC 6146 3.5.2.2, CLOSED: a packet other than a SYN with a BIB entry is translated; no state. */
			if (!(tflags & TCPF_SYN))
				return 0;
			if (cfg->flags & NAT64_F_DROP_EXT_TCP) {
				plan_drop(p, XLAT_C_DROP_EXTERNALLY_INITIATED_TCP);
				return -1;
			}
			st = NAT64_TCP_V4_INIT;
		}
		s = session_create(key, &t6, st, now + nat64_timeout(cfg, key->proto, st), now);
		if (!s) {
			plan_drop(p, XLAT_C_DROP_TABLE_FULL);
			return -1;
		}
	} else if (key->proto == IPPROTO_TCP) {
		before = s->expires;
		tcp_step(cfg, s, 0, tflags, now);
		if (s->expires < before)
			bib_follow(key, s);
	} else {
		s->expires = now + nat64_timeout(cfg, key->proto, NAT64_TCP_ESTABLISHED);
	}
	if (b4->expires < s->expires)
		b4->expires = s->expires;
	if (adf)
		adf_note(key, s->expires, now);
	return 0;
}

/*
 * RFC 6146 3.5.2.2: an IPv4 SYN without a BIB entry (nat64_state.h, held
 * SYNs). Held (dropped, recorded), refused at the limit, or, once its record's
 * time has passed with no IPv6 SYN, answered with ICMP port unreachable (tc:
 * XDP hands it over untouched, the plan being slow).
 */
static __always_inline void nat64_syn4_hold(__be32 remote4, __be32 local4, __be16 rport, __be16 lport,
					    struct plan *p, const int in_tc)
{
	if (nat64_special4(remote4))
		return plan_drop(p, XLAT_C_DROP_SRC4_SPECIAL);
	switch (xlat_nat64_syn4(remote4, local4, ((__u32)rport << 16) | lport, in_tc)) {
	case SYN4_EXPIRED:
		return plan_reject(p, XLAT_C_TCP_SYN_UNREACHABLE, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
	case SYN4_FULL:
		return plan_drop(p, XLAT_C_DROP_MAX_SIMULTANEOUS_OPENS);
	}
	plan_drop(p, XLAT_C_TCP_SYN_HELD);
}

static __always_inline void nat64_plan_4to6(void *data, void *data_end, const struct nat64_config *cfg,
					    const struct nat64_in *in, struct plan *p, struct nat64_rw *rw,
					    const int in_tc)
{
	struct iphdr *ip4 = data + sizeof(struct ethhdr);
	struct nat64_taddr4 t4 = {};
	struct nat64_session_key key = {};
	struct nat64_bib4_value *b4;
	struct in6_addr src6, dst6;
	__be16 sport, dport;
	__u8 *l4, tflags = 0, off;
	__u16 tot_len, hlen, upper;
	__u64 now;

	p->to_v4 = 0;
	p->l3len = sizeof(struct ipv6hdr);
	if ((void *)(ip4 + 1) > data_end)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	hlen = ip4->ihl * 4;
	tot_len = bpf_ntohs(ip4->tot_len);
	if (hlen < sizeof(*ip4) || tot_len < hlen)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	if (ip4->frag_off & bpf_htons(IP_MF | IP_OFFSET)) {
		/* Fragments (nat64_frag.h): the ports are in the first one only. */
		if (ip4->protocol != IPPROTO_TCP && ip4->protocol != IPPROTO_UDP && ip4->protocol != IPPROTO_ICMP)
			return plan_pass(p, XLAT_C_PASS_PROTO);
		if (!cfg->c.enabled)
			return plan_pass(p, XLAT_C_PASS_DISABLED);
		/* ICMP: reassembled (or the node's own); later fragments and any fragment in XDP: the tc slow path's. */
		if (ip4->protocol == IPPROTO_ICMP)
			return plan_slow(p, NAT64_STEP_REASM);
		if (!in_tc || (ip4->frag_off & bpf_htons(IP_OFFSET)))
			return plan_slow(p, NAT64_STEP_FRAG);
		/* The first fragment: translated here like a whole packet, then recorded (tc). */
		rw->frag_first = 1;
	}
	/* Options are not translated (RFC 7915 4.1): tc takes them out. */
	if (hlen > sizeof(*ip4)) {
		if (!in_tc)
			return plan_slow(p, NAT64_STEP_LAYOUT);
		p->strip = hlen - sizeof(*ip4);
	}
	p->df = (ip4->frag_off & bpf_htons(IP_DF)) ? 1 : 0;
	upper = tot_len - hlen;
	l4 = (void *)ip4 + (hlen & 0x3c);

	switch (ip4->protocol) {
	case IPPROTO_TCP:
		if ((void *)(l4 + sizeof(struct tcphdr)) > data_end || upper < sizeof(struct tcphdr))
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		p->csum_off = offsetof(struct tcphdr, check);
		p->l4proto = IPPROTO_TCP;
		sport = ((struct tcphdr *)l4)->source;
		dport = ((struct tcphdr *)l4)->dest;
		tflags = l4[13];
		off = 2;
		break;
	case IPPROTO_UDP:
		if ((void *)(l4 + sizeof(struct udphdr)) > data_end || upper < sizeof(struct udphdr))
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		p->csum_off = offsetof(struct udphdr, check);
		p->l4proto = IPPROTO_UDP;
		sport = ((struct udphdr *)l4)->source;
		dport = ((struct udphdr *)l4)->dest;
		off = 2;
		break;
	case IPPROTO_ICMP:
		if ((void *)(l4 + 8) > data_end || upper < 8)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		if (icmp4_is_error(l4[0])) {
			if (!cfg->c.enabled)
				return plan_pass(p, XLAT_C_PASS_DISABLED);
			if (hlen > sizeof(*ip4))
				return plan_pass(p, XLAT_C_PASS_IPV4_OPTIONS); /* the error path reads a 20-byte header */
			if (ip4->ttl <= 1)
				return plan_drop(p, XLAT_C_DROP_HOP_LIMIT); /* no error about an error */
			return plan_slow(p, NAT64_STEP_ERR_4TO6);
		}
		if (l4[0] != ICMP_ECHO && l4[0] != ICMP_ECHOREPLY)
			return plan_pass(p, XLAT_C_PASS_ICMP_TYPE);
		p->csum_off = offsetof(struct icmphdr, checksum);
		p->l4proto = IPPROTO_ICMPV6;
		sport = dport = *(__be16 *)(l4 + 4);
		off = 4;
		break;
	default:
		return plan_pass(p, XLAT_C_PASS_PROTO);
	}

	if (!cfg->c.enabled)
		return plan_pass(p, XLAT_C_PASS_DISABLED);

	now = bpf_ktime_get_ns();
	t4.addr = ip4->daddr;
	t4.port = dport;
	t4.proto = ip4->protocol;
	b4 = bib4_get(&t4, now);
	if (!b4) {
		/* Not a mapping of ours: the node's own traffic stays the kernel's. */
		if (!xlat_nat64_pool4_has(ip4->protocol, ip4->daddr, dport))
			return plan_pass(p, XLAT_C_PASS_DST4_NOT_POOL4);
		if (ip4->protocol == IPPROTO_ICMP)
			return plan_pass(p, XLAT_C_PASS_ICMP_NO_BIB);
		/* Nobody behind it: the kernel answers (port unreachable), as Jool leaves it. */
		if (ip4->protocol == IPPROTO_UDP)
			return plan_pass(p, XLAT_C_PASS_UDP_NO_BIB);
		if (ip4->protocol == IPPROTO_TCP && (tflags & TCPF_SYN) && !(tflags & TCPF_RST)) {
			if (cfg->flags & NAT64_F_DROP_EXT_TCP)
				return plan_drop(p, XLAT_C_DROP_EXTERNALLY_INITIATED_TCP);
			if (!(tflags & TCPF_ACK))
				return nat64_syn4_hold(ip4->saddr, ip4->daddr, sport, dport, p, in_tc);
		}
		return plan_drop(p, XLAT_C_DROP_NO_BIB);
	}
	if (ip4->protocol == IPPROTO_TCP && (tflags & TCPF_SYN))
		syn4_done(ip4->saddr, ip4->daddr, sport, dport);
	if (ip4->ttl <= 1)
		return plan_expired(p, XLAT_C_DROP_HOP_LIMIT, 0, 0);
	if (nat64_special4(ip4->saddr))
		return plan_drop(p, XLAT_C_DROP_SRC4_SPECIAL);
	/* RFC 6146 3.4: a UDP datagram without checksum gets one, when all of it is here (tc computes it). */
	if (p->l4proto == IPPROTO_UDP && ((struct udphdr *)l4)->check == 0) {
		if (ip4->frag_off & bpf_htons(IP_MF))
			return plan_drop(p, XLAT_C_DROP_UDP_ZERO_CSUM);
		if (!in_tc)
			return plan_slow(p, NAT64_STEP_LAYOUT);
		p->amend_udp = 1;
	}

	key.local4 = ip4->daddr;
	key.lport = dport;
	key.remote4 = ip4->saddr;
	key.rport = ip4->protocol == IPPROTO_ICMP ? dport : sport;
	key.proto = ip4->protocol;
	if (nat64_state_4to6(cfg, &key, b4, tflags, now, p))
		return;

	if (prefix_embed(&cfg->c.pool6, ip4->saddr, &src6))
		return plan_pass(p, XLAT_C_PASS_DST6_NOT_POOL6);
	__builtin_memcpy(&dst6, b4->t6.addr, 16);

	if (p->l4proto == IPPROTO_ICMPV6)
		plan_echo_type(p, l4, rfc7915_echo_4to6(l4[0]));
	p->pseudo_delta = rfc7915_pseudo_4to6(ip4->saddr, ip4->daddr, &src6, &dst6, ip4->protocol, upper);
	set_rw(rw, off, dport, b4->t6.port);
	/* A first fragment keeps its identity in a fragment header (RFC 7915 4.1). */
	p->l3len = rfc7915_hdr6(&p->h.v6f.v6, &p->h.v6f.frag, rfc7915_tclass(&cfg->c, ip4->tos), ip4, &src6, &dst6,
				p->l4proto, upper);
	p->verdict = V_XLAT;
	p->reason = XLAT_C_XLAT_4TO6;
}

#endif
