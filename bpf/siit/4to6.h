/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 7915 section 4: IPv4 -> IPv6, addresses by RFC 6052. Options are
 * dropped, fragments get a fragment header, TCP, UDP and ICMP checksums follow
 * the new pseudo-header, other protocols pass through with only the IP header
 * translated.
 */
#ifndef XLAT_SIIT_4TO6_H
#define XLAT_SIIT_4TO6_H

#include "lib/csum.h"
#include "lib/plan.h"
#include "lib/rfc7915.h"
#include "siit/addr.h"
#include "siit/maps.h"
#include "lib/icmp_map.h"

static __always_inline int ipv4_icmp_error(struct iphdr *ip4, void *data_end)
{
	__u8 *t = (void *)ip4 + ((ip4->ihl * 4) & 0x3c);

	if (ip4->protocol != IPPROTO_ICMP || (ip4->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
		return 0;
	if ((void *)(t + 1) > data_end)
		return 0;
	return icmp4_is_error(t[0]);
}

/* RFC 6791: an address from rfc6791v6-prefix, random within it unless randomize is off. */
static __always_inline void rfc6791v6_source(const struct siit_config *cfg, struct in6_addr *out)
{
	__u32 len = cfg->rfc6791v6_len > 128 ? 128 : cfg->rfc6791v6_len;
	int i;

	__builtin_memcpy(out, cfg->rfc6791v6, 16);
	if (!cfg->randomize_6791)
		return;
		/* Random host bits, word by word, below the prefix. */
#pragma unroll
	for (i = 0; i < 4; i++) {
		__u32 keep = len >= (i + 1) * 32 ? ~0U : len <= i * 32 ? 0 : ~0U << (32 - (len - i * 32));

		out->s6_addr32[i] =
			(out->s6_addr32[i] & bpf_htonl(keep)) | (bpf_htonl(bpf_get_prandom_u32()) & ~bpf_htonl(keep));
	}
}

static __always_inline void siit_plan_4to6(void *data, void *data_end, __u32 frame_len, const struct siit_config *cfg,
					   struct plan *p)
{
	struct iphdr *ip4 = data + sizeof(struct ethhdr);
	struct in6_addr src6, dst6;
	__u16 tot_len, hlen, upper_len, frag;
	__u8 *l4;

	p->to_v4 = 0;
	if ((void *)(ip4 + 1) > data_end)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	/* Not the IP version its Ethernet type says: the kernel drops it; a hairpin would carry it over (fuzzing). */
	if (ip4->version != 4)
		return plan_pass(p, XLAT_C_PASS_NOT_IP);
	hlen = ip4->ihl * 4;
	tot_len = bpf_ntohs(ip4->tot_len);
	if (hlen < sizeof(*ip4) || tot_len < hlen)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	if (!cfg->c.enabled)
		return plan_pass(p, XLAT_C_PASS_DISABLED);
	if (ipv4_is_special(ip4->daddr))
		return plan_pass(p, XLAT_C_PASS_DST4_SPECIAL);
	/* An ICMP error may come from any address (RFC 7915 4.2): only its destination must be translatable. */
	if (ipv4_is_special(ip4->saddr) && !ipv4_icmp_error(ip4, data_end))
		return plan_pass(p, XLAT_C_PASS_SRC4_SPECIAL);
	if (bpf_map_lookup_elem(&siit_local4, &ip4->daddr))
		return plan_pass(p, XLAT_C_PASS_DST4_LOCAL);
	if (siit_4to6_addr(cfg, ip4->daddr, &dst6))
		return plan_pass(p, XLAT_C_PASS_DST4_UNTRANSLATABLE);
	if (siit_4to6_addr(cfg, ip4->saddr, &src6)) {
		/* RFC 6791: an error from a router we cannot map gets the configured source; with none
		 * configured, the translator's own address towards the destination (as Jool), found at tc. */
		if (!ipv4_icmp_error(ip4, data_end))
			return plan_pass(p, XLAT_C_PASS_SRC4_UNTRANSLATABLE);
		if (cfg->rfc6791v6_len) {
			rfc6791v6_source(cfg, &src6);
		} else {
			/* Filled at tc; zeroed here because older verifiers (5.15) refuse reading unset stack. */
			__builtin_memset(&src6, 0, sizeof(src6));
			p->own_src = 1;
		}
	}
	/* A total length beyond the frame: the translation would claim bytes that are not there. */
	if (sizeof(struct ethhdr) + tot_len > frame_len)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	if (ip4->ttl <= 1)
		return plan_expired(p, XLAT_C_DROP_HOP_LIMIT, 0,
				    ipv4_icmp_error(ip4, data_end) || (ip4->frag_off & bpf_htons(IP_OFFSET)));

	frag = bpf_ntohs(ip4->frag_off);
	p->df = (frag & IP_DF) ? 1 : 0;
	upper_len = tot_len - hlen;
	p->strip = hlen - sizeof(*ip4);
	p->l4proto = ip4->protocol == IPPROTO_ICMP ? IPPROTO_ICMPV6 : ip4->protocol;
	p->csum_off = CSUM_NONE;
	l4 = (void *)ip4 + (hlen & 0x3c);

	switch ((frag & IP_OFFSET) ? 0 : ip4->protocol) {
	case IPPROTO_TCP:
		if ((void *)(l4 + sizeof(struct tcphdr)) > data_end)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		p->csum_off = offsetof(struct tcphdr, check);
		break;
	case IPPROTO_UDP: {
		struct udphdr *udp = (void *)l4;

		if ((void *)(udp + 1) > data_end)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		/* IPv6 forbids a zero UDP checksum (RFC 7915 4.5): compute it when allowed and
		 * possible (the whole datagram is here), else tell the sender. */
		if (udp->check == 0) {
			if (!cfg->amend_udp_zero || (frag & IP_MF))
				return plan_reject(p, XLAT_C_DROP_UDP_ZERO_CSUM, ICMP_DEST_UNREACH, ICMP_PKT_FILTERED,
						   0);
			p->amend_udp = 1;
		}
		p->csum_off = offsetof(struct udphdr, check);
		break;
	}
	case IPPROTO_ICMP:
		if ((void *)(l4 + 8) > data_end)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		if (frag & IP_MF)
			return plan_drop(p, XLAT_C_DROP_ICMP_FRAGMENT);
		if (icmp4_is_error(l4[0])) {
			/* The outer header is built below; tc translates the rest. */
			p->icmp_err = 1;
			break;
		}
		if (rfc7915_echo_4to6(l4[0]) == 0xff)
			return plan_drop(p, XLAT_C_DROP_ICMP_TYPE);
		plan_echo_type(p, l4, rfc7915_echo_4to6(l4[0]));
		p->csum_off = offsetof(struct icmphdr, checksum);
		break;
	default:
		if (ip4->protocol == IPPROTO_ICMP)
			return plan_drop(p, XLAT_C_DROP_ICMP_FRAGMENT);
		break;
	}
	if (p->csum_off != CSUM_NONE)
		p->pseudo_delta = rfc7915_pseudo_4to6(ip4->saddr, ip4->daddr, &src6, &dst6, ip4->protocol, upper_len);
	p->l3len = rfc7915_hdr6(&p->h.v6f.v6, &p->h.v6f.frag, rfc7915_tclass(&cfg->c, ip4->tos), ip4, &src6, &dst6,
				p->l4proto, upper_len);
	p->slow = p->strip != 0 || p->l3len != sizeof(struct ipv6hdr) || p->icmp_err || p->amend_udp;
	p->verdict = V_XLAT;
	p->reason = p->icmp_err ? XLAT_C_XLAT_ICMP_ERROR_4TO6 : XLAT_C_XLAT_4TO6;
}

#endif
