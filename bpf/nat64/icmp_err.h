/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMP errors about NAT64 flows (RFC 6146 3.4, 3.5; RFC 7915 4.2-4.3 and
 * 5.2-5.3), tc only: the flow is found from the inner packet (it is the one
 * this NAT64 sent, source and destination swapped) and must have a session,
 * which errors do not refresh; the message is then rebuilt by lib/icmp_err.h.
 * Errors about the node's own traffic (inner source outside pool4) stay the
 * kernel's.
 */
#ifndef XLAT_NAT64_ICMP_ERR_H
#define XLAT_NAT64_ICMP_ERR_H

#include "nat64/plan.h"

/* ICMPv4 error from the IPv4 side -> ICMPv6 error to the IPv6 node. */
static __always_inline __u32 nat64_err_4to6(struct __sk_buff *skb, const struct nat64_config *cfg, struct nat64_work *w)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip4 = data + ETH_HLEN_, *in4;
	struct nat64_taddr4 t4 = {};
	struct nat64_session_key key = {};
	struct nat64_session *s;
	struct plan *p = &w->p;
	__u8 *icmp, *il4, ntype, ncode, proto;
	struct in6_addr src6;
	__be16 sport, dport;
	__u32 ihl, nrest;
	__be32 src4;
	__u64 now;

	if ((void *)(ip4 + 1) > data_end)
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	icmp = (void *)(ip4 + 1);
	in4 = (void *)(icmp + 8);
	if ((void *)(in4 + 1) > data_end)
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	ihl = in4->ihl * 4;
	if (in4->version != 4 || ihl < sizeof(*in4) || (in4->frag_off & bpf_htons(IP_OFFSET)))
		return NAT64_DROP(XLAT_C_DROP_ICMP_ERROR_INNER);
	il4 = (void *)in4 + (ihl & 63);
	if ((void *)(il4 + 8) > data_end)
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	proto = in4->protocol;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		sport = *(__be16 *)il4;
		dport = *(__be16 *)(il4 + 2);
		w->in.port_off = 0;
	} else if (proto == IPPROTO_ICMP && (il4[0] == ICMP_ECHO || il4[0] == ICMP_ECHOREPLY)) {
		sport = dport = *(__be16 *)(il4 + 4);
		w->in.port_off = 4;
	} else {
		return NAT64_PASS(XLAT_C_PASS_DST4_NOT_POOL4);
	}
	/* Ours only if it is about a packet we sent from pool4. */
	if (in4->saddr != ip4->daddr || !pool4_contains(cfg, proto, in4->saddr, sport))
		return NAT64_PASS(XLAT_C_PASS_DST4_NOT_POOL4);
	if (icmp_err_4to6(icmp[0], icmp[1], 0, &ntype, &ncode, &nrest))
		return NAT64_DROP(XLAT_C_DROP_ICMP_TYPE);

	now = bpf_ktime_get_ns();
	t4.addr = in4->saddr;
	t4.port = sport;
	t4.proto = proto;
	if (!bib4_get(&t4, now))
		return NAT64_DROP(XLAT_C_DROP_ICMP_ERROR_NO_SESSION);
	key.local4 = in4->saddr;
	key.lport = sport;
	key.remote4 = in4->daddr;
	key.rport = dport;
	key.proto = proto;
	s = session_get(&key, now);
	if (!s)
		return NAT64_DROP(XLAT_C_DROP_ICMP_ERROR_NO_SESSION);

	/* The inner packet goes back to what the IPv6 node sent; the outer one to the node. */
	__builtin_memcpy(&w->in.src6, s->addr6, 16);
	w->in.port = s->port6;
	if (prefix_embed(&cfg->c.pool6, in4->daddr, &w->in.dst6))
		return NAT64_DROP(XLAT_C_DROP_ICMP_ERROR_INNER);
	/* source-icmpv6-errors-better: the router's own address; else RFC 6146: the inner destination. */
	src4 = (cfg->flags & NAT64_F_SRC_ICMPV6_BETTER) ? ip4->saddr : in4->daddr;
	if (prefix_embed(&cfg->c.pool6, src4, &src6))
		return NAT64_DROP(XLAT_C_DROP_ICMP_ERROR_INNER);
	/* The outer header (its length is the rebuild's, once the message is cut to size). */
	rfc7915_hdr6(&p->h.v6f.v6, &p->h.v6f.frag, rfc7915_tclass(&cfg->c, ip4->tos), ip4, &src6, &w->in.src6,
		     IPPROTO_ICMPV6, bpf_ntohs(ip4->tot_len) - sizeof(*ip4));
	p->strip = 0;
	p->to_v4 = 0;

	return NAT64_CONTINUE;
}

/* Second step: the message rebuilt from the work the first step left. */
static __always_inline __u32 nat64_err_4to6_apply(struct __sk_buff *skb, const struct nat64_config *cfg,
						  struct nat64_work *w, struct xicmp_scratch *buf)
{
	/* Fragmentation Needed with MTU 0 (RFC 1191 routers) gets a plateau, as SIIT's. */
	__u32 err = xicmp_rebuild_4to6(skb, &w->p, &w->in, buf, cfg->c.mtu_plateaus);

	if (err)
		return NAT64_DROP(err);
	return NAT64_XLAT(XLAT_C_XLAT_ICMP_ERROR_4TO6);
}

/* ICMPv6 error from the IPv6 side -> ICMPv4 error to the IPv4 host. */
static __always_inline __u32 nat64_err_6to4(struct __sk_buff *skb, const struct nat64_config *cfg, struct nat64_work *w)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct ipv6hdr *ip6 = data + ETH_HLEN_, *in6;
	struct nat64_taddr6 t6 = {};
	struct nat64_session_key key = {};
	struct nat64_bib6_value *b6;
	struct plan *p = &w->p;
	struct ip6_chain c;
	struct in6_addr a;
	__u8 *icmp, *il4, ntype, ncode, proto;
	__be16 sport, dport;
	__be32 dst4, rem4;
	__u32 nrest, strip = 0;
	__u64 now;

	if ((void *)(ip6 + 1) > data_end)
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	icmp = (void *)(ip6 + 1);
	if (ip6->nexthdr == IPPROTO_FRAGMENT) {
		/* An atomic fragment (RFC 6946): the message is whole, the header only goes. */
		struct ipv6_frag *f6 = (void *)(ip6 + 1);

		if ((void *)(f6 + 1) > data_end)
			return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
		if (f6->nexthdr != IPPROTO_ICMPV6 || (f6->frag_off & bpf_htons(0xfff8 | IP6_MF)))
			return NAT64_DROP(XLAT_C_DROP_ICMP_FRAGMENT);
		icmp = (void *)(f6 + 1);
		strip = sizeof(*f6);
	}
	in6 = (void *)(icmp + 8);
	if ((void *)(in6 + 1) > data_end)
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	if (in6->version != 6 || ip6_walk(in6, data_end, &c) || c.bad || (c.has_frag && (bpf_ntohs(c.frag_off) & ~7)))
		return NAT64_DROP(XLAT_C_DROP_ICMP_ERROR_INNER);
	il4 = (void *)in6 + (c.l4_off & (IP6_CHAIN_MAX - 1));
	if ((void *)(il4 + 8) > data_end)
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	if (c.proto == IPPROTO_TCP || c.proto == IPPROTO_UDP) {
		proto = c.proto;
		sport = *(__be16 *)il4;
		dport = *(__be16 *)(il4 + 2);
		w->in.port_off = 2;
	} else if (c.proto == IPPROTO_ICMPV6 && (il4[0] == ICMPV6_ECHO_REQUEST || il4[0] == ICMPV6_ECHO_REPLY)) {
		proto = IPPROTO_ICMP;
		sport = dport = *(__be16 *)(il4 + 4);
		w->in.port_off = 4;
	} else {
		return NAT64_DROP(XLAT_C_DROP_ICMP_ERROR_INNER);
	}
	__builtin_memcpy(&a, &in6->saddr, 16);
	if (prefix_extract(&cfg->c.pool6, &a, &rem4))
		return NAT64_DROP(XLAT_C_DROP_ICMP_ERROR_INNER);
	__builtin_memcpy(&a, &ip6->daddr, 16);
	if (prefix_extract(&cfg->c.pool6, &a, &dst4))
		return NAT64_PASS(XLAT_C_PASS_DST6_NOT_POOL6);
	if (icmp_err_6to4(icmp[0], icmp[1], 0, &ntype, &ncode, &nrest))
		return NAT64_DROP(XLAT_C_DROP_ICMP_TYPE);

	now = bpf_ktime_get_ns();
	__builtin_memcpy(t6.addr, &in6->daddr, 16);
	t6.port = dport;
	t6.proto = proto;
	b6 = bib6_get(&t6, now);
	if (!b6)
		return NAT64_DROP(XLAT_C_DROP_ICMP_ERROR_NO_SESSION);
	key.local4 = b6->t4.addr;
	key.lport = b6->t4.port;
	key.remote4 = rem4;
	key.rport = proto == IPPROTO_ICMP ? b6->t4.port : sport;
	key.proto = proto;
	if (!session_get(&key, now))
		return NAT64_DROP(XLAT_C_DROP_ICMP_ERROR_NO_SESSION);

	w->in.src4 = rem4;
	w->in.dst4 = key.local4;
	w->in.port = key.lport;
	/* The outer header: DF from the size before the message is cut to 576 bytes, as for SIIT (and Jool). */
	rfc7915_hdr4(&p->h.v4, rfc7915_tos(&cfg->c, ip6), ip6, IPPROTO_ICMP, key.local4, dst4,
		     bpf_ntohs(ip6->payload_len) - strip + sizeof(struct iphdr), RFC7915_WHOLE, RFC7915_ID_RANDOM);
	p->strip = strip;
	p->to_v4 = 1;

	return NAT64_CONTINUE;
}

static __always_inline __u32 nat64_err_6to4_apply(struct __sk_buff *skb, struct nat64_work *w,
						  struct xicmp_scratch *buf)
{
	__u32 err = xicmp_rebuild_6to4(skb, &w->p, &w->in, buf);

	if (err)
		return NAT64_DROP(err);
	return NAT64_XLAT(XLAT_C_XLAT_ICMP_ERROR_6TO4);
}

#endif
