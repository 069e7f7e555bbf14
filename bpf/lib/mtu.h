/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Does the translated packet fit the path it is about to take? The kernel's
 * FIB answers with the route's MTU (bpf_fib_lookup with tot_len); the caller
 * turns "too big" into the error RFC 7915 asks for.
 */
#ifndef XLAT_MTU_H
#define XLAT_MTU_H

#include "lib/plan.h"

/* Length of the packet the plan produces. */
static __always_inline __u32 plan_new_len(const struct plan *p)
{
	if (p->to_v4)
		return bpf_ntohs(p->h.v4.tot_len);
	return sizeof(struct ipv6hdr) + bpf_ntohs(p->h.v6f.v6.payload_len);
}

/* 0 when the packet fits (or the FIB cannot tell), else the path MTU. */
static __always_inline __u32 plan_path_mtu_exceeded(void *ctx, __u32 ifindex, const struct plan *p)
{
	struct bpf_fib_lookup f = {};
	__u32 len = plan_new_len(p);
	long rc;

	/* Every IPv6 path carries 1280 bytes; smaller IPv4 packets go without DF and the kernel may fragment them. */
	if (p->to_v4 ? len <= XLAT_DF_THRESHOLD : len <= 1280)
		return 0;
	f.ifindex = ifindex;
	f.tot_len = len;
	if (p->to_v4) {
		f.family = AF_INET;
		f.ipv4_src = p->h.v4.saddr;
		f.ipv4_dst = p->h.v4.daddr;
	} else {
		f.family = AF_INET6;
		__builtin_memcpy(f.ipv6_src, &p->h.v6f.v6.saddr, 16);
		__builtin_memcpy(f.ipv6_dst, &p->h.v6f.v6.daddr, 16);
	}
	rc = bpf_fib_lookup(ctx, &f, sizeof(f), 0);
	if (rc != BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return 0;
	return f.mtu_result ? f.mtu_result : 1;
}

/*
 * RFC 7915 4.1 and 5.1: a translated packet too big for the path it takes.
 * IPv6 -> IPv4, and IPv4 with DF: the sender is told the MTU it must use (in
 * its own family's terms), counted under too_big. IPv4 without DF is cut
 * into IPv6 fragments that fit both the route and lowest-ipv6-mtu (the plan
 * gets a fragment header and frag_size; the tc program does the cutting).
 * v4_df_only: an IPv6 packet becoming an IPv4 fragment without DF is left to
 * the kernel's fragmentation (NAT64); SIIT answers Packet Too Big like Jool.
 */
static __always_inline void plan_check_path(struct __sk_buff *skb, struct plan *p, __u32 lowest, __u32 too_big,
					    int v4_df_only)
{
	__u32 mtu;

	if (p->to_v4 && v4_df_only && !(p->h.v4.frag_off & bpf_htons(IP_DF)))
		return;
	mtu = plan_path_mtu_exceeded(skb, skb->ifindex, p);
	if (p->to_v4) {
		if (!mtu)
			return;
		mtu += sizeof(struct ipv6hdr) - sizeof(struct iphdr);
		return plan_reject(p, too_big, ICMPV6_PKT_TOOBIG, 0, mtu < 1280 ? 1280 : mtu);
	}
	if (p->df) {
		if (mtu)
			plan_reject(p, too_big, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
				    mtu < 68 + 20 ? 68 : mtu - (sizeof(struct ipv6hdr) - sizeof(struct iphdr)));
		return;
	}
	if (lowest < 1280)
		lowest = 1280;
	if (mtu && mtu < lowest)
		lowest = mtu;
	if (plan_new_len(p) <= lowest)
		return;
	if (p->l3len == sizeof(struct ipv6hdr)) {
		/* Unfragmented so far: the pieces need a fragment header of their own. */
		struct iphdr ip4;

		if (bpf_skb_load_bytes(skb, sizeof(struct ethhdr), &ip4, sizeof(ip4)))
			return;
		p->h.v6f.frag.nexthdr = p->h.v6f.v6.nexthdr;
		p->h.v6f.frag.reserved = 0;
		p->h.v6f.frag.frag_off = 0;
		p->h.v6f.frag.identification = bpf_htonl(bpf_ntohs(ip4.id));
		p->h.v6f.v6.nexthdr = IPPROTO_FRAGMENT;
		p->h.v6f.v6.payload_len = bpf_htons(bpf_ntohs(p->h.v6f.v6.payload_len) + sizeof(struct ipv6_frag));
		p->l3len += sizeof(struct ipv6_frag);
	}
	p->frag_size = (lowest - sizeof(struct ipv6hdr) - sizeof(struct ipv6_frag)) & ~7U;
	p->slow = 1;
}

#endif
