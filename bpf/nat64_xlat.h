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

#include "csum.h"
#include "plan.h"
#include "rfc6052.h"
#include "maps_nat64.h"
#include "nat64_state.h"

#define NAT64_DF_THRESHOLD 1260

/* What the applier writes into the L4 header besides the plan. */
struct nat64_rw {
	__u8   valid;
	__u8   off;        /* offset of the port / identifier inside the L4 header */
	__be16 port;       /* its new value */
	__u32  delta;      /* checksum change of that rewrite */
};

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

/* ---------------------------------------------------------------- IPv6 -> IPv4 */

static __always_inline void nat64_plan_6to4(void *data, void *data_end, const struct nat64_config *cfg,
					    __u32 mark, struct plan *p, struct nat64_rw *rw)
{
	struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);
	struct nat64_taddr6 t6 = {};
	struct nat64_session_key key = {};
	struct nat64_bib6_value *b6;
	struct nat64_session *s;
	__be16 sport, dport;
	__u8 *l4, tflags = 0, off;
	__be32 dst4;
	__u64 now, life;
	__u16 tot_len;

	p->to_v4 = 1;
	p->l3len = sizeof(struct iphdr);
	if ((void *)(ip6 + 1) > data_end)
		return plan_drop(p, NAT64_C_DROP_TRUNCATED);
	l4 = (void *)(ip6 + 1);

	switch (ip6->nexthdr) {
	case IPPROTO_TCP:
		if ((void *)(l4 + sizeof(struct tcphdr)) > data_end)
			return plan_drop(p, NAT64_C_DROP_TRUNCATED);
		p->csum_off = offsetof(struct tcphdr, check);
		p->l4proto = IPPROTO_TCP;
		sport = ((struct tcphdr *)l4)->source;
		dport = ((struct tcphdr *)l4)->dest;
		tflags = l4[13];
		off = 0;
		break;
	case IPPROTO_UDP:
		if ((void *)(l4 + sizeof(struct udphdr)) > data_end)
			return plan_drop(p, NAT64_C_DROP_TRUNCATED);
		p->csum_off = offsetof(struct udphdr, check);
		p->l4proto = IPPROTO_UDP;
		p->csum_zero_ok = 1;
		sport = ((struct udphdr *)l4)->source;
		dport = ((struct udphdr *)l4)->dest;
		off = 0;
		break;
	case IPPROTO_ICMPV6:
		if ((void *)(l4 + 8) > data_end)
			return plan_drop(p, NAT64_C_DROP_TRUNCATED);
		if (l4[0] >= 133 && l4[0] <= 137)
			return plan_pass(p, NAT64_C_PASS_NDP);
		p->csum_off = offsetof(struct icmp6hdr, icmp6_cksum);
		p->l4proto = IPPROTO_ICMP;
		sport = dport = *(__be16 *)(l4 + 4);
		off = 4;
		break;
	case IPPROTO_FRAGMENT:
		return plan_pass(p, NAT64_C_PASS_FRAGMENT);
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
		return plan_pass(p, NAT64_C_PASS_EXT_HEADER);
	default:
		return plan_pass(p, NAT64_C_PASS_PROTO);
	}

	if (!cfg->enabled)
		return plan_pass(p, NAT64_C_PASS_DISABLED);
	if (rfc6052_extract(cfg->pool6, cfg->pool6_len, &ip6->daddr, &dst4))
		return plan_pass(p, NAT64_C_PASS_DST6_NOT_POOL6);
	if (p->l4proto == IPPROTO_ICMP && l4[0] != ICMPV6_ECHO_REQUEST && l4[0] != ICMPV6_ECHO_REPLY) {
		if (l4[0] >= 128 && (cfg->flags & NAT64_F_DROP_ICMPV6_INFO))
			return plan_drop(p, NAT64_C_DROP_ICMPV6_INFO);
		return plan_pass(p, NAT64_C_PASS_ICMP_TYPE);
	}
	if (ip6->hop_limit <= 1)
		return plan_pass(p, NAT64_C_PASS_HOP_LIMIT);

	/* State: BIB (create on first packet), then session. */
	now = bpf_ktime_get_ns();
	__builtin_memcpy(t6.addr, &ip6->saddr, 16);
	t6.port = sport;
	t6.proto = p->l4proto;
	life = nat64_timeout(cfg, p->l4proto, NAT64_TCP_V6_INIT);
	b6 = bib6_get(&t6, now);
	if (!b6) {
		int err;

		if (p->l4proto == IPPROTO_TCP && !(tflags & TCPF_SYN))
			return plan_drop(p, NAT64_C_DROP_TCP_NO_SESSION);
		err = bib_create(cfg, &t6, dst4, dport, mark, now + life, now, &b6);
		if (err == ALLOC_NO_POOL4)
			return plan_drop(p, NAT64_C_DROP_NO_POOL4);
		if (err == ALLOC_EXHAUSTED)
			return plan_drop(p, NAT64_C_DROP_POOL4_EXHAUSTED);
		if (err || !b6)
			return plan_drop(p, NAT64_C_DROP_TABLE_FULL);
	}
	key.local4 = b6->t4.addr;
	key.lport = b6->t4.port;
	key.remote4 = dst4;
	key.rport = p->l4proto == IPPROTO_ICMP ? b6->t4.port : dport;
	key.proto = p->l4proto;
	s = session_get(&key, now);
	if (!s) {
		__u8 st = NAT64_TCP_ESTABLISHED;

		if (p->l4proto == IPPROTO_TCP) {
			if (!(tflags & TCPF_SYN))
				return plan_drop(p, NAT64_C_DROP_TCP_NO_SESSION);
			st = NAT64_TCP_V6_INIT;
		}
		s = session_create(&key, &t6, st, now + nat64_timeout(cfg, p->l4proto, st), now);
		if (!s)
			return plan_drop(p, NAT64_C_DROP_TABLE_FULL);
	} else if (p->l4proto == IPPROTO_TCP) {
		tcp_step(cfg, s, 1, tflags, now);
	} else {
		s->expires = now + life;
	}
	if (b6->expires < s->expires)
		b6->expires = s->expires;

	/* Headers: RFC 7915 section 5 with the BIB's pool4 address and port. */
	if (p->l4proto == IPPROTO_ICMP) {
		__u8 old[4] = {l4[0], l4[1], 0, 0}, new[4] = {0, l4[1], 0, 0};

		new[0] = l4[0] == ICMPV6_ECHO_REQUEST ? ICMP_ECHO : ICMP_ECHOREPLY;
		p->icmp_type = new[0];
		p->set_icmp_type = 1;
		p->data_delta = csum_sub(csum_words(new, 2), csum_words(old, 2));
		p->pseudo_delta = ~pseudo6_sum(&ip6->saddr, &ip6->daddr, bpf_ntohs(ip6->payload_len), IPPROTO_ICMPV6);
	} else {
		__u32 old_sum = csum_words(&ip6->saddr, 8) + csum_words(&ip6->daddr, 8);

		p->pseudo_delta = csum_sub(addr4_sum(b6->t4.addr, dst4), old_sum);
	}
	set_rw(rw, off, sport, b6->t4.port);

	tot_len = bpf_ntohs(ip6->payload_len) + sizeof(struct iphdr);
	p->h.v4.version = 4;
	p->h.v4.ihl = 5;
	p->h.v4.tos = (cfg->flags & NAT64_F_OVERRIDE_TOS) ? cfg->tos : (ip6->priority << 4) | (ip6->flow_lbl[0] >> 4);
	p->h.v4.tot_len = bpf_htons(tot_len);
	if (tot_len > NAT64_DF_THRESHOLD) {
		p->h.v4.frag_off = bpf_htons(IP_DF);
		p->h.v4.id = 0;
	} else {
		p->h.v4.frag_off = 0;
		p->h.v4.id = (__u16)bpf_get_prandom_u32();
	}
	p->h.v4.ttl = ip6->hop_limit; /* the kernel's forwarding takes one off */
	p->h.v4.protocol = p->l4proto;
	p->h.v4.saddr = b6->t4.addr;
	p->h.v4.daddr = dst4;
	p->h.v4.check = ipv4_hdr_csum(&p->h.v4);
	p->verdict = V_XLAT;
	p->reason = NAT64_C_XLAT_6TO4;
}

/* ---------------------------------------------------------------- IPv4 -> IPv6 */

static __always_inline void nat64_plan_4to6(void *data, void *data_end, const struct nat64_config *cfg,
					    __u32 mark, struct plan *p, struct nat64_rw *rw)
{
	struct iphdr *ip4 = data + sizeof(struct ethhdr);
	struct nat64_taddr4 t4 = {};
	struct nat64_taddr6 t6;
	struct nat64_session_key key = {};
	struct nat64_bib4_value *b4;
	struct nat64_session *s;
	struct in6_addr src6, dst6;
	__be16 sport, dport;
	__u8 *l4, tflags = 0, off, tclass;
	__u64 now;
	__u16 tot_len;

	p->to_v4 = 0;
	p->l3len = sizeof(struct ipv6hdr);
	if ((void *)(ip4 + 1) > data_end)
		return plan_drop(p, NAT64_C_DROP_TRUNCATED);
	if (ip4->ihl < 5)
		return plan_drop(p, NAT64_C_DROP_TRUNCATED);
	if (ip4->ihl > 5)
		return plan_pass(p, NAT64_C_PASS_IPV4_OPTIONS);
	if (ip4->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return plan_pass(p, NAT64_C_PASS_FRAGMENT);
	tot_len = bpf_ntohs(ip4->tot_len);
	l4 = (void *)(ip4 + 1);

	switch (ip4->protocol) {
	case IPPROTO_TCP:
		if ((void *)(l4 + sizeof(struct tcphdr)) > data_end || tot_len < 20 + sizeof(struct tcphdr))
			return plan_drop(p, NAT64_C_DROP_TRUNCATED);
		p->csum_off = offsetof(struct tcphdr, check);
		p->l4proto = IPPROTO_TCP;
		sport = ((struct tcphdr *)l4)->source;
		dport = ((struct tcphdr *)l4)->dest;
		tflags = l4[13];
		off = 2;
		break;
	case IPPROTO_UDP:
		if ((void *)(l4 + sizeof(struct udphdr)) > data_end || tot_len < 20 + sizeof(struct udphdr))
			return plan_drop(p, NAT64_C_DROP_TRUNCATED);
		p->csum_off = offsetof(struct udphdr, check);
		p->l4proto = IPPROTO_UDP;
		sport = ((struct udphdr *)l4)->source;
		dport = ((struct udphdr *)l4)->dest;
		off = 2;
		break;
	case IPPROTO_ICMP:
		if ((void *)(l4 + 8) > data_end || tot_len < 20 + 8)
			return plan_drop(p, NAT64_C_DROP_TRUNCATED);
		if (l4[0] != ICMP_ECHO && l4[0] != ICMP_ECHOREPLY)
			return plan_pass(p, NAT64_C_PASS_ICMP_TYPE);
		p->csum_off = offsetof(struct icmphdr, checksum);
		p->l4proto = IPPROTO_ICMPV6;
		sport = dport = *(__be16 *)(l4 + 4);
		off = 4;
		break;
	default:
		return plan_pass(p, NAT64_C_PASS_PROTO);
	}

	if (!cfg->enabled)
		return plan_pass(p, NAT64_C_PASS_DISABLED);

	now = bpf_ktime_get_ns();
	t4.addr = ip4->daddr;
	t4.port = dport;
	t4.proto = ip4->protocol;
	b4 = bib4_get(&t4, now);
	if (!b4) {
		/* Not a mapping of ours: the node's own traffic stays the kernel's. */
		if (!pool4_contains(cfg, ip4->protocol, ip4->daddr, dport))
			return plan_pass(p, NAT64_C_PASS_DST4_NOT_POOL4);
		if (ip4->protocol == IPPROTO_ICMP)
			return plan_pass(p, NAT64_C_PASS_ICMP_NO_BIB);
		if (ip4->protocol == IPPROTO_TCP && (tflags & TCPF_SYN) && !(tflags & TCPF_RST) &&
		    (cfg->flags & NAT64_F_DROP_EXT_TCP))
			return plan_drop(p, NAT64_C_DROP_EXTERNALLY_INITIATED_TCP);
		return plan_drop(p, NAT64_C_DROP_NO_BIB);
	}
	if (ip4->ttl <= 1)
		return plan_pass(p, NAT64_C_PASS_HOP_LIMIT);
	if (nat64_special4(ip4->saddr))
		return plan_drop(p, NAT64_C_DROP_SRC4_SPECIAL);
	if (p->l4proto == IPPROTO_UDP && ((struct udphdr *)l4)->check == 0)
		return plan_drop(p, NAT64_C_DROP_UDP_ZERO_CSUM);

	t6 = b4->t6;
	key.local4 = ip4->daddr;
	key.lport = dport;
	key.remote4 = ip4->saddr;
	key.rport = ip4->protocol == IPPROTO_ICMP ? dport : sport;
	key.proto = ip4->protocol;
	s = session_get(&key, now);
	if (!s) {
		__u8 st = NAT64_TCP_ESTABLISHED;

		if (ip4->protocol == IPPROTO_TCP) {
			if (!(tflags & TCPF_SYN))
				return plan_drop(p, NAT64_C_DROP_TCP_NO_SESSION);
			if (cfg->flags & NAT64_F_DROP_EXT_TCP)
				return plan_drop(p, NAT64_C_DROP_EXTERNALLY_INITIATED_TCP);
			st = NAT64_TCP_V4_INIT;
		}
		if (cfg->flags & NAT64_F_ADDR_DEP_FILTERING)
			return plan_drop(p, NAT64_C_DROP_ADDRESS_DEPENDENT_FILTERING);
		s = session_create(&key, &t6, st, now + nat64_timeout(cfg, ip4->protocol, st), now);
		if (!s)
			return plan_drop(p, NAT64_C_DROP_TABLE_FULL);
	} else if (ip4->protocol == IPPROTO_TCP) {
		tcp_step(cfg, s, 0, tflags, now);
	} else {
		s->expires = now + nat64_timeout(cfg, ip4->protocol, NAT64_TCP_ESTABLISHED);
	}
	if (b4->expires < s->expires)
		b4->expires = s->expires;

	if (rfc6052_embed(cfg->pool6, cfg->pool6_len, ip4->saddr, &src6))
		return plan_pass(p, NAT64_C_PASS_DST6_NOT_POOL6);
	__builtin_memcpy(&dst6, s->addr6, 16);

	if (p->l4proto == IPPROTO_ICMPV6) {
		__u8 old[4] = {l4[0], l4[1], 0, 0}, new[4] = {0, l4[1], 0, 0};

		new[0] = l4[0] == ICMP_ECHO ? ICMPV6_ECHO_REQUEST : ICMPV6_ECHO_REPLY;
		p->icmp_type = new[0];
		p->set_icmp_type = 1;
		p->data_delta = csum_sub(csum_words(new, 2), csum_words(old, 2));
		p->pseudo_delta = pseudo6_sum(&src6, &dst6, tot_len - 20, IPPROTO_ICMPV6);
	} else {
		p->pseudo_delta = csum_sub(csum_words(&src6, 8) + csum_words(&dst6, 8),
					   addr4_sum(ip4->saddr, ip4->daddr));
	}
	set_rw(rw, off, dport, s->port6);

	tclass = (cfg->flags & NAT64_F_ZEROIZE_TC) ? 0 : ip4->tos;
	p->h.v6f.v6.version = 6;
	p->h.v6f.v6.priority = tclass >> 4;
	p->h.v6f.v6.flow_lbl[0] = (tclass & 0xf) << 4;
	p->h.v6f.v6.flow_lbl[1] = 0;
	p->h.v6f.v6.flow_lbl[2] = 0;
	p->h.v6f.v6.payload_len = bpf_htons(tot_len - 20);
	p->h.v6f.v6.nexthdr = p->l4proto;
	p->h.v6f.v6.hop_limit = ip4->ttl;
	p->h.v6f.v6.saddr = src6;
	p->h.v6f.v6.daddr = dst6;
	p->verdict = V_XLAT;
	p->reason = NAT64_C_XLAT_4TO6;
}

#endif
