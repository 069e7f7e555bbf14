/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT64 fragments and packets too big for their path (tc only).
 *
 * Fragments (RFC 6146 3.4-3.5 need the transport identifiers, which only the
 * first fragment carries). A TCP or UDP fragment goes to the tc slow path in
 * both hooks. The first fragment (offset 0) is translated through the BIB and
 * session tables like any packet; what it became (new addresses, the port it
 * got, or "not ours") is recorded in nat64_frags under the fragment's identity
 * as it arrived (family, source, destination, identification, protocol) for
 * XLAT_NAT64_FRAG_TIMEOUT. A later fragment carries no L4 header: it looks
 * that record up and gets the same addresses; only the IP header changes
 * (RFC 7915 4.1 / 5.1.1: a fragment header out of the IPv4 fragment fields,
 * or the other way round). Without a record it is dropped
 * (drop-fragment-before-first). The first fragment's L4 checksum covers the
 * whole datagram, whose length does not change: only the address and port
 * changes are folded in, incrementally. Fragmented ICMP echo messages are
 * reassembled instead (nat64/reasm.h): their checksum covers a pseudo-header
 * on one side only, whose length is the whole message's.
 *
 * Too big (RFC 7915 4.4 / 5.4): the FIB's MTU for the translated packet
 * (mtu.h). IPv6 -> IPv4 with DF, and IPv4 with DF: the sender gets Packet
 * Too Big (MTU + 20) / Fragmentation Needed (MTU - 20) from this node
 * (nat64/icmp_gen.h). IPv4 without DF bigger than lowest-ipv6-mtu (or the
 * route's MTU): sent as IPv6 fragments (lib/frag.h).
 */
#ifndef XLAT_NAT64_FRAG_H
#define XLAT_NAT64_FRAG_H

#include "nat64/plan.h"

/* The live record of a datagram's first fragment, or NULL (an expired one is deleted). */
static __always_inline struct nat64_frag_value *frag_get(const struct nat64_frag_key *k, __u64 now)
{
	struct nat64_frag_value *v = bpf_map_lookup_elem(&nat64_frags, k);

	if (!v || v->expires >= now)
		return v;
	bpf_map_delete_elem(&nat64_frags, k);
	return NULL;
}

/* Records (or renews: a first fragment sent again) a first fragment's translation; a full table is swept once. */
static __always_inline int frag_put(const struct nat64_frag_key *k, const struct nat64_frag_value *v, __u64 now)
{
	int err = bpf_map_update_elem(&nat64_frags, k, v, BPF_ANY);

	if (err == -E2BIG_ && nat64_reclaim(T_FRAG, now))
		err = bpf_map_update_elem(&nat64_frags, k, v, BPF_ANY);
	return err;
}

/* ---------------------------------------------------------------- IPv6 -> IPv4 */

/*
 * A later IPv6 TCP/UDP fragment (fragment header right after the IPv6
 * header) to pool6: the decision checked the protocol, pool6 and the hop limit.
 */
static __always_inline __u32 nat64_frag_6to4(struct __sk_buff *skb, const struct nat64_config *cfg,
					     struct nat64_work *w)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct ipv6hdr *ip6 = data + ETH_HLEN_;
	struct nat64_frag_key key = {};
	struct nat64_frag_value *fv;
	struct plan *p = &w->p;
	struct ipv6_frag *fh;
	struct in6_addr a;
	__be32 src4, dst4;
	__u16 plen;
	__u8 proto;
	__u64 now;

	if ((void *)(ip6 + 1) > data_end)
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	fh = (void *)(ip6 + 1);
	if ((void *)(fh + 1) > data_end)
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	proto = fh->nexthdr;
	plen = bpf_ntohs(ip6->payload_len);
	if (plen < sizeof(*fh) || (proto != IPPROTO_TCP && proto != IPPROTO_UDP))
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	__builtin_memcpy(&a, &ip6->daddr, 16);
	if (prefix_extract(&cfg->c.pool6, &a, &dst4))
		return NAT64_PASS(XLAT_C_PASS_DST6_NOT_POOL6);
	__builtin_memcpy(key.src, &ip6->saddr, 16);
	__builtin_memcpy(key.dst, &ip6->daddr, 16);
	key.id = fh->identification;
	key.family = 6;
	key.proto = proto;
	now = bpf_ktime_get_ns();

	p->to_v4 = 1;
	p->l3len = sizeof(struct iphdr);
	p->strip = sizeof(struct ipv6_frag);
	p->l4proto = proto;
	p->csum_off = CSUM_NONE;
	fv = frag_get(&key, now);
	if (!fv)
		return NAT64_DROP(XLAT_C_DROP_FRAGMENT_BEFORE_FIRST);
	if (fv->flags & NAT64_FRAG_PASS)
		return NAT64_PASS(XLAT_C_PASS_FRAGMENT);
	src4 = *(__be32 *)fv->src;
	dst4 = *(__be32 *)fv->dst;
	p->reason = XLAT_C_XLAT_FRAGMENT_6TO4;

	/* RFC 7915 5.1.1: the fragment header's fields, DF clear. */
	rfc7915_hdr4(&p->h.v4, rfc7915_tos(&cfg->c, ip6), ip6, proto, src4, dst4,
		     plen - sizeof(struct ipv6_frag) + sizeof(struct iphdr),
		     RFC7915_FRAG(1, fh->frag_off, fh->identification), RFC7915_ID_RANDOM);
	p->verdict = V_XLAT;
	return NAT64_CONTINUE;
}

/* ---------------------------------------------------------------- IPv4 -> IPv6 */

/* A later IPv4 TCP/UDP fragment, without options: the decision checked the protocol and enabled. */
static __always_inline __u32 nat64_frag_4to6(struct __sk_buff *skb, const struct nat64_config *cfg,
					     struct nat64_work *w)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip4 = data + ETH_HLEN_;
	struct nat64_frag_key key = {};
	struct nat64_frag_value *fv;
	struct plan *p = &w->p;
	struct in6_addr src6, dst6;
	__u16 frag, tot_len;
	__u8 proto;
	__u64 now;

	if ((void *)(ip4 + 1) > data_end)
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	proto = ip4->protocol;
	frag = bpf_ntohs(ip4->frag_off);
	tot_len = bpf_ntohs(ip4->tot_len);
	if (ip4->ihl != 5 || tot_len < sizeof(*ip4))
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	*(__be32 *)key.src = ip4->saddr;
	*(__be32 *)key.dst = ip4->daddr;
	key.id = ip4->id;
	key.family = 4;
	key.proto = proto;
	now = bpf_ktime_get_ns();

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return NAT64_PASS(XLAT_C_PASS_PROTO);

	p->to_v4 = 0;
	p->l4proto = proto;
	p->csum_off = CSUM_NONE;
	if (!(frag & IP_OFFSET))
		return NAT64_DROP(XLAT_C_DROP_WRITE_FAILED); /* first fragments are the decision's */
	fv = frag_get(&key, now);
	if (!fv) {
		/* Not to a pool4 address: the node's own (or nobody's) traffic. */
		if (!xlat_nat64_pool4_has_addr(proto, ip4->daddr))
			return NAT64_PASS(XLAT_C_PASS_DST4_NOT_POOL4);
		return NAT64_DROP(XLAT_C_DROP_FRAGMENT_BEFORE_FIRST);
	}
	if (fv->flags & NAT64_FRAG_PASS)
		return NAT64_PASS(XLAT_C_PASS_DST4_NOT_POOL4);
	if (ip4->ttl <= 1)
		return NAT64_DROP(XLAT_C_DROP_HOP_LIMIT); /* no error about a later fragment (RFC 1812 4.3.2.7) */
	__builtin_memcpy(&src6, fv->src, 16);
	__builtin_memcpy(&dst6, fv->dst, 16);
	p->reason = XLAT_C_XLAT_FRAGMENT_4TO6;

	/* RFC 7915 4.1: the fragment keeps its identity in a fragment header. */
	p->l3len = rfc7915_hdr6(&p->h.v6f.v6, &p->h.v6f.frag, rfc7915_tclass(&cfg->c, ip4->tos), ip4, &src6, &dst6,
				proto, tot_len - sizeof(struct iphdr));
	p->df = 0;
	p->verdict = V_XLAT;
	return NAT64_CONTINUE;
}

/* ---------------------------------------------------------------- first fragments */

/*
 * After the decision translated (or left to the kernel) a first fragment:
 * its record, keyed by the fragment as it arrived. Returns 0 or the counter
 * of the drop (no room for a translation's record).
 */
static __always_inline __u32 nat64_frag_record(struct __sk_buff *skb, struct nat64_work *w)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct nat64_frag_key key = {};
	struct nat64_frag_value val = {};
	struct plan *p = &w->p;
	__u64 now = bpf_ktime_get_ns();

	if (p->to_v4) {
		struct ipv6hdr *ip6 = data + ETH_HLEN_;
		struct ipv6_frag *fh = (void *)(ip6 + 1);

		if ((void *)(fh + 1) > data_end)
			return XLAT_C_DROP_TRUNCATED;
		if (!(fh->frag_off & bpf_htons(IP6_MF)))
			return 0; /* an atomic fragment: nothing follows */
		__builtin_memcpy(key.src, &ip6->saddr, 16);
		__builtin_memcpy(key.dst, &ip6->daddr, 16);
		key.id = fh->identification;
		key.family = 6;
		key.proto = fh->nexthdr;
		*(__be32 *)val.src = p->h.v4.saddr;
		*(__be32 *)val.dst = p->h.v4.daddr;
	} else {
		struct iphdr *ip4 = data + ETH_HLEN_;

		if ((void *)(ip4 + 1) > data_end)
			return XLAT_C_DROP_TRUNCATED;
		*(__be32 *)key.src = ip4->saddr;
		*(__be32 *)key.dst = ip4->daddr;
		key.id = ip4->id;
		key.family = 4;
		key.proto = ip4->protocol;
		__builtin_memcpy(val.src, &p->h.v6f.v6.saddr, 16);
		__builtin_memcpy(val.dst, &p->h.v6f.v6.daddr, 16);
	}
	val.port = w->rw.port;
	val.expires = now + XLAT_NAT64_FRAG_TIMEOUT;
	if (p->verdict != V_XLAT) {
		/* Left to the kernel (the node's own, or expiring): so are the later fragments, if there is room. */
		__builtin_memset(val.src, 0, 32);
		val.port = 0;
		val.flags = NAT64_FRAG_PASS;
		frag_put(&key, &val, now);
		return 0;
	}
	return frag_put(&key, &val, now) ? XLAT_C_DROP_FRAGMENT_TABLE_FULL : 0;
}

#endif
