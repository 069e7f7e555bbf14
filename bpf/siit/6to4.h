/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 7915 section 5: IPv6 -> IPv4, addresses by RFC 6052. Extension headers
 * are skipped, a fragment header becomes the IPv4 fragment fields, TCP, UDP
 * and ICMP checksums follow the new pseudo-header, other protocols pass
 * through with only the IP header translated.
 */
#ifndef XLAT_SIIT_6TO4_H
#define XLAT_SIIT_6TO4_H

#include "lib/csum.h"
#include "lib/plan.h"
#include "lib/rfc7915.h"
#include "lib/parse6.h"
#include "siit/addr.h"
#include "lib/icmp_map.h"

/* Is this an (unfragmented, extension-header-free) ICMPv6 error? */
static __always_inline int ip6_icmp_error(struct ipv6hdr *ip6, void *data_end)
{
	__u8 *t = (void *)(ip6 + 1);

	if (ip6->nexthdr != IPPROTO_ICMPV6 || (void *)(t + 1) > data_end)
		return 0;
	return icmp6_is_error(t[0]);
}

/* Is this a fragment other than the first (fragment header right after the IPv6 header)? */
static __always_inline int ip6_later_fragment(struct ipv6hdr *ip6, void *data_end)
{
	struct ipv6_frag *fh = (void *)(ip6 + 1);

	if (ip6->nexthdr != IPPROTO_FRAGMENT || (void *)(fh + 1) > data_end)
		return 0;
	return (fh->frag_off & bpf_htons(0xfff8)) != 0;
}

/* RFC 6791: an address from rfc6791v4-prefix, random within it unless randomize is off. */
static __always_inline __be32 rfc6791v4_source(const struct siit_config *cfg)
{
	__u32 host = cfg->rfc6791v4_len >= 32 ? 0 : (~0U >> (cfg->rfc6791v4_len & 31));

	if (!cfg->randomize_6791)
		return cfg->rfc6791v4;
	return cfg->rfc6791v4 | bpf_htonl(bpf_get_prandom_u32() & host);
}

/*
 * Intrinsic EAM hairpinning (RFC 7757 4.2.3): the IPv4 destination belongs
 * to an IPv6 node behind this translator, so the packet goes straight back
 * to IPv6: destination through the EAMT, source through pool6.
 */
static __always_inline void siit_plan_hairpin(struct ipv6hdr *ip6, const struct siit_config *cfg, __be32 src4,
					      __be32 dst4, struct plan *p)
{
	struct ipv6hdr *h = &p->h.v6f.v6;

	__builtin_memcpy(h, ip6, sizeof(*h));
	if (prefix_embed(&cfg->c.pool6, src4, &h->saddr) || eamt_4to6(dst4, &h->daddr))
		return plan_pass(p, XLAT_C_PASS_SRC6_UNTRANSLATABLE);
	p->to_v4 = 0;
	p->same_family = 1;
	p->set_icmp_type = 0;
	p->data_delta = 0;
	p->l4proto = ip6->nexthdr;
	p->l3len = sizeof(*h);
	p->pseudo_delta = csum_sub(csum_words(&h->saddr, 8) + csum_words(&h->daddr, 8),
				   csum_words(&ip6->saddr, 8) + csum_words(&ip6->daddr, 8));
	p->verdict = V_XLAT;
	p->reason = XLAT_C_XLAT_HAIRPIN;
}

static __always_inline void siit_plan_6to4(void *data, void *data_end, __u32 frame_len, const struct siit_config *cfg,
					   struct plan *p)
{
	struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);
	struct ip6_chain c;
	__u8 *l4;
	__be32 src4, dst4;
	__u16 tot_len, upper_len, frag = 0;
	int first;

	p->to_v4 = 1;
	if ((void *)(ip6 + 1) > data_end)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	/* Not the IP version its Ethernet type says: the kernel drops it; a hairpin would carry it over (fuzzing). */
	if (ip6->version != 6)
		return plan_pass(p, XLAT_C_PASS_NOT_IP);
	/* Router/neighbour discovery and redirects belong to this link. */
	if (ip6->nexthdr == IPPROTO_ICMPV6) {
		__u8 *t = (void *)(ip6 + 1);

		if ((void *)(t + 1) > data_end)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		if (t[0] >= 133 && t[0] <= 137)
			return plan_pass(p, XLAT_C_PASS_NDP);
	}
	if (!cfg->c.enabled)
		return plan_pass(p, XLAT_C_PASS_DISABLED);
	if (siit_6to4_addr(cfg, &ip6->daddr, &dst4))
		return plan_pass(p, XLAT_C_PASS_DST6_UNTRANSLATABLE);
	if (siit_6to4_addr(cfg, &ip6->saddr, &src4)) {
		/* RFC 7915 5.2 / RFC 6791: an error from a router we cannot map gets the configured source; with
		 * none configured, the translator's own address towards the destination (as Jool), found at tc. */
		if (!ip6_icmp_error(ip6, data_end))
			return plan_pass(p, XLAT_C_PASS_SRC6_UNTRANSLATABLE);
		src4 = cfg->rfc6791v4_len ? rfc6791v4_source(cfg) : 0;
		p->own_src = !cfg->rfc6791v4_len;
	}
	/* A payload length beyond the frame: the translation would claim bytes that are not there. */
	if (sizeof(struct ethhdr) + sizeof(*ip6) + bpf_ntohs(ip6->payload_len) > frame_len)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	if (ip6->hop_limit <= 1)
		return plan_expired(p, XLAT_C_DROP_HOP_LIMIT, 1,
				    ip6_icmp_error(ip6, data_end) || ip6_later_fragment(ip6, data_end));

	if (ip6_walk(ip6, data_end, &c))
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	/* RFC 7915 5.1: tell the sender about a routing header we cannot skip; the
	 * fragment-header cases are answered like Jool does (administratively prohibited). */
	if (c.bad == XLAT_C_DROP_ROUTING_HEADER)
		return plan_reject(p, c.bad, ICMPV6_PARAMPROB, ICMPV6_HDR_FIELD, c.bad_ptr);
	if (c.bad == XLAT_C_DROP_HEADER_CHAIN && c.has_frag)
		return plan_reject(p, c.bad, ICMPV6_DEST_UNREACH, ICMPV6_ADM_PROHIBITED, 0);
	if (c.bad)
		return plan_drop(p, c.bad);
	if (bpf_ntohs(ip6->payload_len) + sizeof(*ip6) < c.l4_off)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	upper_len = bpf_ntohs(ip6->payload_len) + sizeof(*ip6) - c.l4_off;
	p->strip = c.l4_off - sizeof(*ip6);
	p->slow = p->strip != 0;
	if (c.has_frag)
		frag = bpf_ntohs(c.frag_off);
	first = (frag & ~7) == 0 ? 1 : 0; /* offset 0: this fragment holds the L4 header */
	p->l4proto = c.proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP : c.proto;
	p->csum_off = CSUM_NONE;
	l4 = (void *)ip6 + (c.l4_off & (IP6_CHAIN_MAX - 1));

	switch (first ? c.proto : 0) {
	case IPPROTO_TCP:
		if ((void *)(l4 + sizeof(struct tcphdr)) > data_end)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		p->csum_off = offsetof(struct tcphdr, check);
		break;
	case IPPROTO_UDP:
		if ((void *)(l4 + sizeof(struct udphdr)) > data_end)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		p->csum_off = offsetof(struct udphdr, check);
		p->csum_zero_ok = 1;
		break;
	case IPPROTO_ICMPV6:
		if ((void *)(l4 + 8) > data_end)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		if (c.has_frag && frag != 0)
			return plan_drop(p, XLAT_C_DROP_ICMP_FRAGMENT);
		if (icmp6_is_error(l4[0])) {
			/* The outer header is built below; tc translates the rest. */
			p->icmp_err = 1;
			p->slow = 1;
			break;
		}
		if (rfc7915_echo_6to4(l4[0]) == 0xff)
			return plan_drop(p, XLAT_C_DROP_ICMP_TYPE);
		plan_echo_type(p, l4, rfc7915_echo_6to4(l4[0]));
		p->csum_off = offsetof(struct icmp6hdr, icmp6_cksum);
		p->pseudo_delta = rfc7915_pseudo_6to4(&ip6->saddr, &ip6->daddr, 0, 0, IPPROTO_ICMPV6, upper_len);
		break;
	default:
		if (c.proto == IPPROTO_ICMPV6)
			return plan_drop(p, XLAT_C_DROP_ICMP_FRAGMENT);
		break;
	}
	if (cfg->eam_hairpin == EAM_HAIRPIN_INTRINSIC && !p->icmp_err && eamt_has4(cfg, dst4)) {
		if (c.proto == IPPROTO_ICMPV6 && p->csum_off != CSUM_NONE)
			p->csum_off = offsetof(struct icmp6hdr, icmp6_cksum);
		return siit_plan_hairpin(ip6, cfg, src4, dst4, p);
	}
	if (p->csum_off != CSUM_NONE && c.proto != IPPROTO_ICMPV6)
		p->pseudo_delta = rfc7915_pseudo_6to4(&ip6->saddr, &ip6->daddr, src4, dst4, c.proto, upper_len);

	tot_len = upper_len + sizeof(struct iphdr);
	p->l3len = sizeof(struct iphdr);
	rfc7915_hdr4(&p->h.v4, rfc7915_tos(&cfg->c, ip6), ip6, p->l4proto, src4, dst4, tot_len,
		     RFC7915_FRAG(c.has_frag, c.frag_off, c.frag_id), RFC7915_ID_RANDOM);
	p->verdict = V_XLAT;
	p->reason = p->icmp_err ? XLAT_C_XLAT_ICMP_ERROR_6TO4 : XLAT_C_XLAT_6TO4;
}

#endif
