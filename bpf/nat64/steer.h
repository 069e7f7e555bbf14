/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cluster steering (global cluster-steering): several NAT64 nodes behind ECMP
 * with the same pool6 and the same deterministic pool4 (RFC 7422), so every
 * node computes the same mapping for a subscriber. The IPv4 answers go where
 * routing sends the subscriber's pool4 address: to the one node that
 * advertises it best (BGP). That node must also see the subscriber's IPv6
 * packets, whichever node the ECMP hash brought them to.
 *
 * The routing table says who that is, with nothing synchronised between
 * nodes: each node holds the whole of pool4 as a blackhole route of its own,
 * and learns a more specific route to an address (through the node-to-node
 * link) while another node owns it. So an IPv6 packet from a deterministic
 * subscriber is sent on, untranslated, when the IPv4 route to its pool4
 * address leads to a neighbour through another interface than the one it
 * came in on (the nodes' own link); anything else (the blackhole: this node
 * owns it, or nobody else claims it) is translated here. When a node dies, BGP
 * withdraws its routes and the next packets of its subscribers are translated
 * by the address's next owner, which makes the same mapping (rfc7422.h) and
 * picks up their TCP connections (nat64/6to4.h).
 */
#ifndef XLAT_NAT64_STEER_H
#define XLAT_NAT64_STEER_H

#include "lib/common.h"
#include "lib/rfc6052.h"
#include "nat64/maps.h"
#include "nat64/rfc7422.h"

enum nat64_steer {
	NAT64_STEER_HERE = 0,	  /* translated on this node */
	NAT64_STEER_AWAY = 1,	  /* f holds the egress interface and the MAC addresses */
	NAT64_STEER_NO_NEIGH = 2, /* another node owns it, but its MAC address is not known (yet) */
};

/*
 * Where the IPv6 packet at data goes. Only a packet to pool6 with a hop left,
 * from a subscriber of a deterministic entry, may go elsewhere.
 */
static __always_inline int nat64_steer_lookup(void *ctx, void *data, void *data_end, __u32 ifindex,
					      struct bpf_fib_lookup *f)
{
	struct nat64_config *cfg = nat64_cfg();
	struct nat64_blk_ctl *ctl = nat64_blk_ctl_get();
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct lpm6_key k6 = {.prefixlen = 128};
	struct nat64_blk_entry *e;
	__be32 dst4, addr;
	__u32 first;
	long rc;

	if (!cfg || cfg->version != XLAT_NAT64_CONFIG_VERSION || !(cfg->flags & NAT64_F_CLUSTER_STEERING) ||
	    !cfg->c.enabled || !ctl || ctl->entries == ctl->dynamic)
		return NAT64_STEER_HERE;
	if ((void *)(ip6 + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IPV6) || ip6->hop_limit <= 1)
		return NAT64_STEER_HERE; /* an expiring packet is this node's to answer (Time Exceeded) */
	if (prefix_extract(&cfg->c.pool6, &ip6->daddr, &dst4))
		return NAT64_STEER_HERE;
	__builtin_memcpy(k6.addr, &ip6->saddr, 16);
	e = bpf_map_lookup_elem(&nat64_blk6, &k6);
	if (!e || e->mode != NAT64_BLK_DETERMINISTIC || rfc7422_block(e, rfc7422_index(e, k6.addr), &addr, &first))
		return NAT64_STEER_HERE;
	__builtin_memset(f, 0, sizeof(*f));
	f->family = AF_INET;
	f->ifindex = ifindex;
	f->ipv4_dst = addr;
	rc = bpf_fib_lookup(ctx, f, sizeof(*f), 0);
	/* Never back out of the interface it came in on: a route there (a default route, where the blackhole of
	 * pool4 is missing) leads to whoever sent it, not to another node, and would only make a loop. */
	if (f->ifindex == ifindex)
		return NAT64_STEER_HERE;
	if (rc == BPF_FIB_LKUP_RET_SUCCESS)
		return NAT64_STEER_AWAY;
	return rc == BPF_FIB_LKUP_RET_NO_NEIGH ? NAT64_STEER_NO_NEIGH : NAT64_STEER_HERE;
}

/* XDP: 1 when the packet is another node's. tc sends it there (only tc can redirect to any device); XDP leaves
 * it untouched and uncounted. */
__attribute__((noinline)) int xlat_nat64_steer_xdp(struct xdp_md *ctx)
{
	struct bpf_fib_lookup f;

	return nat64_steer_lookup(ctx, (void *)(long)ctx->data, (void *)(long)ctx->data_end, ctx->ingress_ifindex,
				  &f) != NAT64_STEER_HERE;
}

/* tc: the packet sent to the node that owns its subscriber (TC_ACT_REDIRECT) or dropped (TC_ACT_SHOT), both
 * counted; -1 when it is this node's. */
__attribute__((noinline)) int xlat_nat64_steer_tc(struct __sk_buff *skb)
{
	const __u32 hdrs = sizeof(struct ethhdr) + sizeof(struct ipv6hdr);
	struct bpf_fib_lookup f;
	struct ethhdr *eth;
	struct ipv6hdr *ip6;
	void *data_end;
	int where;

	if (skb->data_end - skb->data < (int)hdrs && skb->len >= hdrs)
		bpf_skb_pull_data(skb, hdrs);
	eth = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	where = nat64_steer_lookup(skb, eth, data_end, skb->ifindex, &f);
	if (where == NAT64_STEER_HERE)
		return -1;
	if (where == NAT64_STEER_NO_NEIGH) {
		nat64_count(XLAT_C_DROP_STEER_NO_NEIGH);
		return TC_ACT_SHOT;
	}
	ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > data_end)
		return -1;
	/* Forwarded as a router would: one hop less (IPv6 has no header checksum), the next hop's MAC address. */
	ip6->hop_limit--;
	__builtin_memcpy(eth->h_dest, f.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, f.smac, ETH_ALEN);
	nat64_count(XLAT_C_STEERED);
	return (int)bpf_redirect(f.ifindex, 0);
}

#endif
