/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv4 -> IPv6 (RFC 6146 3.5 with RFC 7915 section 4): the packet parsed, the
 * BIB entry of its pool4 transport address found, filtering applied, the
 * session found or made, the plan filled with the IPv6 node's address and port.
 */
#ifndef XLAT_NAT64_4TO6_H
#define XLAT_NAT64_4TO6_H

#include "nat64/plan.h"

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
 * RFC 6146 3.5.2.2: an IPv4 SYN without a BIB entry (nat64/filter.h, held
 * SYNs). Held (dropped, recorded), refused at the limit, or, once its record's
 * time has passed with no IPv6 SYN, answered with ICMP port unreachable (tc:
 * XDP hands it over untouched, the plan being slow).
 */
static __always_inline void nat64_syn4_hold(__be32 remote4, __be32 local4, __be16 rport, __be16 lport, struct plan *p,
					    const int in_tc)
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

/* What the parse of an IPv4 packet found: its transport identifiers (ICMP: both the identifier). */
struct nat64_pkt4 {
	__u8 *l4;
	__be16 sport, dport;
	__u8 tflags, off;
	__u16 upper; /* bytes after the IPv4 header */
};

/*
 * Fragments, options and the transport header of an IPv4 packet. Fragmented
 * echo goes to reassembly and later fragments to tc's records (nat64/frag.h);
 * a first fragment is translated here like a whole packet; options are tc's to
 * take out. Returns 1 when the plan is decided.
 */
static __always_inline int nat64_parse4(struct iphdr *ip4, void *data_end, const struct nat64_config *cfg,
					struct plan *p, struct nat64_rw *rw, const int in_tc, struct nat64_pkt4 *x)
{
	__u16 tot_len = bpf_ntohs(ip4->tot_len), hlen = ip4->ihl * 4;
	__u8 *l4;

	if (hlen < sizeof(*ip4) || tot_len < hlen)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED), 1;
	if (ip4->frag_off & bpf_htons(IP_MF | IP_OFFSET)) {
		if (ip4->protocol != IPPROTO_TCP && ip4->protocol != IPPROTO_UDP && ip4->protocol != IPPROTO_ICMP)
			return plan_pass(p, XLAT_C_PASS_PROTO), 1;
		if (!cfg->c.enabled)
			return plan_pass(p, XLAT_C_PASS_DISABLED), 1;
		if (ip4->protocol == IPPROTO_ICMP)
			return plan_slow(p, NAT64_STEP_REASM), 1;
		if (!in_tc || (ip4->frag_off & bpf_htons(IP_OFFSET)))
			return plan_slow(p, NAT64_STEP_FRAG), 1;
		/* The first fragment: translated here like a whole packet, then recorded (tc). */
		rw->frag_first = 1;
	}
	/* Options are not translated (RFC 7915 4.1): tc takes them out. */
	if (hlen > sizeof(*ip4)) {
		if (!in_tc)
			return plan_slow(p, NAT64_STEP_LAYOUT), 1;
		p->strip = hlen - sizeof(*ip4);
	}
	p->df = (ip4->frag_off & bpf_htons(IP_DF)) ? 1 : 0;
	x->upper = tot_len - hlen;
	x->l4 = l4 = (void *)ip4 + (hlen & 0x3c);

	switch (ip4->protocol) {
	case IPPROTO_TCP:
		if ((void *)(l4 + sizeof(struct tcphdr)) > data_end || x->upper < sizeof(struct tcphdr))
			return plan_drop(p, XLAT_C_DROP_TRUNCATED), 1;
		p->csum_off = offsetof(struct tcphdr, check);
		p->l4proto = IPPROTO_TCP;
		x->sport = ((struct tcphdr *)l4)->source;
		x->dport = ((struct tcphdr *)l4)->dest;
		x->tflags = l4[13];
		x->off = 2;
		return 0;
	case IPPROTO_UDP:
		if ((void *)(l4 + sizeof(struct udphdr)) > data_end || x->upper < sizeof(struct udphdr))
			return plan_drop(p, XLAT_C_DROP_TRUNCATED), 1;
		p->csum_off = offsetof(struct udphdr, check);
		p->l4proto = IPPROTO_UDP;
		x->sport = ((struct udphdr *)l4)->source;
		x->dport = ((struct udphdr *)l4)->dest;
		x->off = 2;
		return 0;
	case IPPROTO_ICMP:
		if ((void *)(l4 + 8) > data_end || x->upper < 8)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED), 1;
		if (icmp4_is_error(l4[0])) {
			if (!cfg->c.enabled)
				return plan_pass(p, XLAT_C_PASS_DISABLED), 1;
			if (hlen > sizeof(*ip4))
				return plan_pass(p, XLAT_C_PASS_IPV4_OPTIONS),
				       1; /* the error path reads a 20-byte header */
			if (ip4->ttl <= 1)
				return plan_drop(p, XLAT_C_DROP_HOP_LIMIT), 1; /* no error about an error */
			return plan_slow(p, NAT64_STEP_ERR_4TO6), 1;
		}
		if (l4[0] != ICMP_ECHO && l4[0] != ICMP_ECHOREPLY)
			return plan_pass(p, XLAT_C_PASS_ICMP_TYPE), 1;
		p->csum_off = offsetof(struct icmphdr, checksum);
		p->l4proto = IPPROTO_ICMPV6;
		x->sport = x->dport = *(__be16 *)(l4 + 4);
		x->off = 4;
		return 0;
	}
	return plan_pass(p, XLAT_C_PASS_PROTO), 1;
}

static __always_inline void nat64_plan_4to6(void *data, void *data_end, const struct nat64_config *cfg,
					    const struct nat64_in *in, struct plan *p, struct nat64_rw *rw,
					    const int in_tc)
{
	struct iphdr *ip4 = data + sizeof(struct ethhdr);
	struct nat64_pkt4 x = {};
	struct nat64_taddr4 t4 = {};
	struct nat64_session_key key = {};
	struct nat64_bib4_value *b4;
	struct in6_addr src6, dst6;
	__be16 sport, dport;
	__u8 *l4, tflags;
	__u16 upper;
	__u64 now;

	p->to_v4 = 0;
	p->l3len = sizeof(struct ipv6hdr);
	if ((void *)(ip4 + 1) > data_end)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	/* Not the IP version its Ethernet type says: the kernel drops it; a hairpin would carry it over (fuzzing). */
	if (ip4->version != 4)
		return plan_pass(p, XLAT_C_PASS_NOT_IP);
	/* A total length beyond the frame (malformed, as a cut header is: dropped before state is touched). */
	if (sizeof(struct ethhdr) + bpf_ntohs(ip4->tot_len) > in->frame_len)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	if (nat64_parse4(ip4, data_end, cfg, p, rw, in_tc, &x))
		return;
	l4 = x.l4;
	sport = x.sport;
	dport = x.dport;
	tflags = x.tflags;
	upper = x.upper;

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
	set_rw(rw, x.off, dport, b4->t6.port);
	/* A first fragment keeps its identity in a fragment header (RFC 7915 4.1). */
	p->l3len = rfc7915_hdr6(&p->h.v6f.v6, &p->h.v6f.frag, rfc7915_tclass(&cfg->c, ip4->tos), ip4, &src6, &dst6,
				p->l4proto, upper);
	p->verdict = V_XLAT;
	p->reason = XLAT_C_XLAT_4TO6;
}

#endif
