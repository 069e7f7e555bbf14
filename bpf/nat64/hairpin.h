/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hairpinning (RFC 6146 3.8), tc only: an IPv6 packet to pool6 + a pool4
 * transport address of this NAT64 goes back to the IPv6 node behind it in one
 * pass, from pool6 + the sender's own pool4 mapping.
 */
#ifndef XLAT_NAT64_HAIRPIN_H
#define XLAT_NAT64_HAIRPIN_H

#include "nat64/4to6.h"

/* The transport header of a hairpinned packet: TCP, UDP or an ICMPv6 echo (whose identifier is both "ports"). */
struct hp_parse {
	__be16 ports[2];
	__u8 proto, tflags, field, pn; /* field: the checksum's offset; pn: how many ports (1 for an echo) */
	__u8 poff;		       /* the first port's offset */
	__be32 dst4;
};

static __always_inline __u32 hp_parse(struct __sk_buff *skb, const struct nat64_config *cfg, struct hp_parse *h)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct ipv6hdr *ip6 = data + ETH_HLEN_;
	struct in6_addr a;
	__u8 *l4;

	if ((void *)(ip6 + 1) > data_end)
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	l4 = (void *)(ip6 + 1);
	h->proto = ip6->nexthdr;
	h->tflags = 0;
	h->pn = 2;
	h->poff = 0;
	if (h->proto == IPPROTO_TCP) {
		if ((void *)(l4 + sizeof(struct tcphdr)) > data_end)
			return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
		h->tflags = l4[13];
		h->field = offsetof(struct tcphdr, check);
	} else if (h->proto == IPPROTO_UDP) {
		if ((void *)(l4 + sizeof(struct udphdr)) > data_end)
			return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
		h->field = offsetof(struct udphdr, check);
	} else if (h->proto == IPPROTO_ICMPV6) {
		if ((void *)(l4 + 8) > data_end)
			return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
		if (l4[0] != ICMPV6_ECHO_REQUEST && l4[0] != ICMPV6_ECHO_REPLY)
			return NAT64_PASS(XLAT_C_PASS_ICMP_TYPE);
		h->proto = IPPROTO_ICMP; /* the BIB's name for ICMP queries */
		h->field = offsetof(struct icmp6hdr, icmp6_cksum);
		h->pn = 1;
		h->poff = 4;
	} else {
		return NAT64_PASS(XLAT_C_PASS_PROTO);
	}
	h->ports[0] = *(__be16 *)(l4 + h->poff);
	h->ports[1] = *(__be16 *)(l4 + h->poff + h->pn * 2 - 2);
	__builtin_memcpy(&a, &ip6->daddr, 16);
	if (prefix_extract(&cfg->c.pool6, &a, &h->dst4))
		return NAT64_PASS(XLAT_C_PASS_DST6_NOT_POOL6);
	return NAT64_CONTINUE;
}

/*
 * RFC 6146 3.8: an IPv6 packet to pool6 + a pool4 transport address of ours
 * is translated to IPv4 (the sender's BIB entry and session: done by the
 * decision, which leaves the sender's pool4 address in p->h.v4.saddr and
 * its port in rw.port) and straight
 * back to IPv6 as if it had arrived from IPv4 (the destination's BIB entry,
 * its session, filtering): from pool6 + the sender's pool4 address and port,
 * to the IPv6 node behind the destination's BIB entry.
 */
static __always_inline __u32 nat64_hairpin(struct __sk_buff *skb, const struct nat64_config *cfg, struct nat64_work *w)
{
	struct nat64_taddr4 t4 = {};
	struct nat64_session_key key = {};
	struct nat64_bib4_value *b4;
	struct plan *p = &w->p;
	struct hp_parse h;
	__u32 r;
	__u64 now;

	r = hp_parse(skb, cfg, &h);
	if (r != NAT64_CONTINUE)
		return r;
	/* The 6->4 half left the sender's IPv4 identity in the plan. */
	if (p->h.v4.daddr != h.dst4)
		return NAT64_DROP(XLAT_C_DROP_WRITE_FAILED);
	now = bpf_ktime_get_ns();
	t4.addr = h.dst4;
	/* An echo's identifier, translated, is both its source and its destination "port". */
	t4.port = h.pn == 1 ? w->rw.port : h.ports[1];
	t4.proto = h.proto;
	/* 4->6: the destination's session, as if the packet came from IPv4. */
	b4 = bib4_get(&t4, now);
	if (!b4)
		return NAT64_DROP(XLAT_C_DROP_NO_BIB);
	key.local4 = h.dst4;
	key.lport = t4.port;
	key.remote4 = p->h.v4.saddr;
	key.rport = w->rw.port;
	key.proto = h.proto;
	if (nat64_state_4to6(cfg, &key, b4, h.tflags, now, p))
		return NAT64_RES(p->verdict, p->reason);
	/* For the rewrite: the IPv6 node and its port. */
	__builtin_memcpy(&w->in.dst6, b4->t6.addr, 16);
	w->in.port = b4->t6.port;
	return NAT64_CONTINUE;
}

/* Hairpinning, the rewrite: new addresses, both ports, the checksum following them. */
static __always_inline __u32 nat64_hairpin_apply(struct __sk_buff *skb, const struct nat64_config *cfg,
						 struct nat64_work *w)
{
	struct ipv6hdr h6, *ip6;
	struct hp_parse h;
	__be16 nports[2];
	__u32 field, addr_delta, port_delta, r;
	__u64 flags;
	__u8 tos;

	r = hp_parse(skb, cfg, &h);
	if (r != NAT64_CONTINUE)
		return r;
	ip6 = (void *)(long)skb->data + ETH_HLEN_;
	if ((void *)(ip6 + 1) > (void *)(long)skb->data_end)
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	h6 = *ip6;
	nports[0] = w->rw.port;
	nports[1] = w->in.port;
	/* Translated to IPv4 and straight back: both halves of RFC 7915's TOS rules apply. */
	tos = rfc7915_tclass(&cfg->c, rfc7915_tos(&cfg->c, &h6));
	/* The old addresses go to the work map, the new ones into h6; the helper computes the difference. */
	__builtin_memcpy(&w->in.src6, &h6.saddr, 16);
	__builtin_memcpy(&h6.daddr, &w->in.dst6, 16);
	__builtin_memcpy(&w->in.dst6, &ip6->daddr, 16);
	if (prefix_embed(&cfg->c.pool6, w->p.h.v4.saddr, &h6.saddr))
		return NAT64_DROP(XLAT_C_DROP_WRITE_FAILED);
	addr_delta = (__u32)bpf_csum_diff((void *)&w->in.src6, 32, (void *)&h6.saddr, 32, 0);
	/* An echo has one identifier (the IPv6 node's); the ports are [source, destination]. */
	if (h.pn == 1) {
		nports[0] = w->in.port;
		nports[1] = h.ports[1];
	}
	port_delta = csum_sub(csum_words(nports, 2), csum_words(h.ports, 2));
	h6.priority = tos >> 4;
	h6.flow_lbl[0] = (tos & 0xf) << 4;
	h6.flow_lbl[1] = 0;
	h6.flow_lbl[2] = 0;

	field = ETH_HLEN_ + sizeof(struct ipv6hdr) + h.field;
	flags = h.proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	if (bpf_skb_store_bytes(skb, ETH_HLEN_, &h6, sizeof(h6), BPF_F_RECOMPUTE_CSUM) ||
	    bpf_l4_csum_replace(skb, field, 0, addr_delta, BPF_F_PSEUDO_HDR | flags) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN_ + sizeof(struct ipv6hdr) + (h.pn == 1 ? 4 : 0), nports,
				h.pn == 1 ? 2 : 4, 0) ||
	    bpf_l4_csum_replace(skb, field, 0, port_delta, flags))
		return NAT64_DROP(XLAT_C_DROP_WRITE_FAILED);
	return NAT64_XLAT(XLAT_C_XLAT_HAIRPIN);
}

#endif
