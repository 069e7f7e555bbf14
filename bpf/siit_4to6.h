/* SPDX-License-Identifier: GPL-2.0 */
/* RFC 7915 section 4: IPv4 -> IPv6 for TCP, UDP and ICMP echo, addresses by RFC 6052. */
#ifndef XLAT_SIIT_4TO6_H
#define XLAT_SIIT_4TO6_H

#include "csum.h"
#include "plan.h"
#include "rfc6052.h"
#include "maps_siit.h"

/* Addresses that never leave a link or a host (RFC 6890): not translated. */
static __always_inline int ipv4_is_special(__be32 addr)
{
	__u32 a = bpf_ntohl(addr);

	return (a >> 24) == 0 || (a >> 24) == 127 || (a >> 16) == 0xa9fe /* 169.254/16 */ ||
	       (a >> 28) >= 0xe /* multicast, reserved, broadcast */;
}

static __always_inline void siit_plan_4to6(void *data, void *data_end, const struct siit_config *cfg,
					   struct plan *p)
{
	struct iphdr *ip4 = data + sizeof(struct ethhdr);
	struct in6_addr src6, dst6;
	__u8 *l4;
	__u16 tot_len;

	p->to_v4 = 0;
	if ((void *)(ip4 + 1) > data_end)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	if (ip4->ihl < 5)
		return plan_drop(p, XLAT_C_DROP_TRUNCATED);
	if (ip4->ihl > 5)
		return plan_pass(p, XLAT_C_PASS_IPV4_OPTIONS);
	if (ip4->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return plan_pass(p, XLAT_C_PASS_FRAGMENT);
	tot_len = bpf_ntohs(ip4->tot_len);
	l4 = (void *)(ip4 + 1);

	switch (ip4->protocol) {
	case IPPROTO_TCP:
		if ((void *)(l4 + sizeof(struct tcphdr)) > data_end || tot_len < 20 + sizeof(struct tcphdr))
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		p->csum_off = offsetof(struct tcphdr, check);
		p->l4proto = IPPROTO_TCP;
		break;
	case IPPROTO_UDP:
		if ((void *)(l4 + sizeof(struct udphdr)) > data_end || tot_len < 20 + sizeof(struct udphdr))
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		p->csum_off = offsetof(struct udphdr, check);
		p->l4proto = IPPROTO_UDP;
		break;
	case IPPROTO_ICMP:
		if ((void *)(l4 + 8) > data_end || tot_len < 20 + 8)
			return plan_drop(p, XLAT_C_DROP_TRUNCATED);
		p->csum_off = offsetof(struct icmphdr, checksum);
		p->l4proto = IPPROTO_ICMPV6;
		break;
	default:
		return plan_pass(p, XLAT_C_PASS_PROTO);
	}

	if (!cfg->enabled)
		return plan_pass(p, XLAT_C_PASS_DISABLED);
	if (!cfg->pool6_len)
		return plan_pass(p, XLAT_C_PASS_NO_POOL6);
	if (ipv4_is_special(ip4->daddr))
		return plan_pass(p, XLAT_C_PASS_DST4_SPECIAL);
	if (ipv4_is_special(ip4->saddr))
		return plan_pass(p, XLAT_C_PASS_SRC4_SPECIAL);
	if (bpf_map_lookup_elem(&siit_local4, &ip4->daddr))
		return plan_pass(p, XLAT_C_PASS_DST4_LOCAL);
	if (ip4->ttl <= 1)
		return plan_pass(p, XLAT_C_PASS_HOP_LIMIT);
	if (rfc6052_embed(cfg->pool6, cfg->pool6_len, ip4->saddr, &src6) ||
	    rfc6052_embed(cfg->pool6, cfg->pool6_len, ip4->daddr, &dst6))
		return plan_pass(p, XLAT_C_PASS_NO_POOL6);

	if (p->l4proto == IPPROTO_ICMPV6) {
		__u8 old[4] = {l4[0], l4[1], 0, 0}, new[4] = {0, l4[1], 0, 0};

		if (l4[0] == ICMP_ECHO)
			new[0] = ICMPV6_ECHO_REQUEST;
		else if (l4[0] == ICMP_ECHOREPLY)
			new[0] = ICMPV6_ECHO_REPLY;
		else
			return plan_pass(p, XLAT_C_PASS_ICMP_TYPE);
		p->icmp_type = new[0];
		p->data_delta = csum_sub(csum_words(new, 2), csum_words(old, 2));
		p->pseudo_delta = pseudo6_sum(&src6, &dst6, tot_len - 20, IPPROTO_ICMPV6);
	} else {
		struct udphdr *udp = (void *)l4;

		/* IPv6 forbids a zero UDP checksum; without one we cannot vouch for the data. */
		if (p->l4proto == IPPROTO_UDP && udp->check == 0)
			return plan_drop(p, XLAT_C_DROP_UDP_ZERO_CSUM);
		p->pseudo_delta = csum_sub(csum_words(&src6, 8) + csum_words(&dst6, 8),
					   addr4_sum(ip4->saddr, ip4->daddr));
	}

	p->h.v6.version = 6;
	p->h.v6.priority = ip4->tos >> 4;
	p->h.v6.flow_lbl[0] = (ip4->tos & 0xf) << 4;
	p->h.v6.flow_lbl[1] = 0;
	p->h.v6.flow_lbl[2] = 0;
	p->h.v6.payload_len = bpf_htons(tot_len - 20);
	p->h.v6.nexthdr = p->l4proto;
	/* The kernel's forwarding takes one off: translation and routing are one hop. */
	p->h.v6.hop_limit = ip4->ttl;
	p->h.v6.saddr = src6;
	p->h.v6.daddr = dst6;
	p->verdict = V_XLAT;
	p->reason = XLAT_C_XLAT_4TO6;
}

#endif
