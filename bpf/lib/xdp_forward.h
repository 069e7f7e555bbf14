/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The XDP fast path's last step: instead of handing the translated packet to
 * the kernel's forwarding, look its next hop up in the kernel's FIB and
 * neighbour tables and redirect it there ourselves, doing what forwarding
 * would (one off the TTL or hop limit, the next hop's MAC addresses). Only
 * towards interfaces listed in siit_redirect; anything the FIB cannot answer
 * completely (no neighbour yet, local, unreachable, too big) goes to the
 * kernel as before, so the result on the wire is the same either way.
 */
#ifndef XLAT_XDP_FORWARD_H
#define XLAT_XDP_FORWARD_H

#include "lib/csum.h"
#include "siit/maps.h"
#include "lib/mtu.h"

/* Returns an XDP action: XDP_REDIRECT, or XDP_PASS to let the kernel forward. */
static __always_inline int xdp_forward(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct bpf_fib_lookup f = {};
	struct iphdr *ip4;
	struct ipv6hdr *ip6;
	long rc;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	f.ifindex = ctx->ingress_ifindex;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		ip4 = (void *)(eth + 1);
		if ((void *)(ip4 + 1) > data_end || ip4->ttl <= 1)
			return XDP_PASS;
		f.family = AF_INET;
		f.tos = ip4->tos;
		f.l4_protocol = ip4->protocol;
		f.tot_len = bpf_ntohs(ip4->tot_len);
		f.ipv4_src = ip4->saddr;
		f.ipv4_dst = ip4->daddr;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > data_end || ip6->hop_limit <= 1)
			return XDP_PASS;
		f.family = AF_INET6;
		f.flowinfo = *(__be32 *)ip6 & bpf_htonl(0x0fffffff);
		f.l4_protocol = ip6->nexthdr;
		f.tot_len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
		__builtin_memcpy(f.ipv6_src, &ip6->saddr, 16);
		__builtin_memcpy(f.ipv6_dst, &ip6->daddr, 16);
	} else {
		return XDP_PASS;
	}
	rc = bpf_fib_lookup(ctx, &f, sizeof(f), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS || !bpf_map_lookup_elem(&siit_redirect, &f.ifindex))
		return XDP_PASS;

	/* What forwarding does: one hop off, then the next hop's link addresses. */
	if (f.family == AF_INET) {
		ip4 = (void *)(eth + 1);
		if ((void *)(ip4 + 1) > data_end)
			return XDP_PASS;
		ip4->ttl--;
		ip4->check = csum_update(ip4->check, bpf_htons(0xfeff)); /* ttl byte -1: word -0x0100 */
	} else {
		ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > data_end)
			return XDP_PASS;
		ip6->hop_limit--;
	}
	__builtin_memcpy(eth->h_dest, f.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, f.smac, ETH_ALEN);
	count(XLAT_C_XDP_REDIRECT);
	return bpf_redirect(f.ifindex, 0);
}

#endif
