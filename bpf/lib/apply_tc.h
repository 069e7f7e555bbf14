/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Applies a plan to an skb at tc ingress. bpf_skb_change_proto resizes the
 * base L3 room and fixes the GSO type; bpf_skb_adjust_room removes IPv6
 * extension headers or IPv4 options and makes room for a fragment header.
 * The checksum helpers respect the skb's checksum state (CHECKSUM_PARTIAL
 * from a local sender, CHECKSUM_COMPLETE from a NIC), which XDP cannot see.
 */
#ifndef XLAT_APPLY_TC_H
#define XLAT_APPLY_TC_H

#include "lib/plan.h"

/* IPv6 -> IPv6 (hairpinning): new addresses, the L4 checksum follows them. */
static __always_inline __u32 tc_apply_same_family(struct __sk_buff *skb, struct plan *p)
{
	__u32 field = sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + p->strip + p->csum_off;
	__u64 flags = BPF_F_PSEUDO_HDR | (p->l4proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0);

	if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr), &p->h.v6f.v6, sizeof(struct ipv6hdr), BPF_F_RECOMPUTE_CSUM))
		return XLAT_C_DROP_WRITE_FAILED;
	if (p->csum_off != CSUM_NONE && bpf_l4_csum_replace(skb, field, 0, p->pseudo_delta, flags))
		return XLAT_C_DROP_WRITE_FAILED;
	return 0;
}

static __always_inline __u32 tc_apply(struct __sk_buff *skb, struct plan *p)
{
	__be16 proto = bpf_htons(p->to_v4 ? ETH_P_IP : ETH_P_IPV6);
	__u32 l3len = p->to_v4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	__u32 l4, field;
	__u64 flags = BPF_F_PSEUDO_HDR;
	int grow;

	if (p->same_family)
		return tc_apply_same_family(skb, p);
	if (bpf_skb_change_proto(skb, proto, 0))
		return XLAT_C_DROP_RESIZE_FAILED;
	/* Room after the base header: old extension headers/options out, a fragment header in. */
	grow = (int)(p->l3len - l3len) - (int)p->strip;
	if (grow && bpf_skb_adjust_room(skb, grow, BPF_ADJ_ROOM_NET, 0))
		return XLAT_C_DROP_RESIZE_FAILED;
	if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto), 0))
		return XLAT_C_DROP_WRITE_FAILED;
	if (p->to_v4) {
		if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr), &p->h.v4, sizeof(struct iphdr),
					BPF_F_RECOMPUTE_CSUM))
			return XLAT_C_DROP_WRITE_FAILED;
	} else if (p->l3len == sizeof(struct ipv6hdr)) {
		if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr), &p->h.v6f.v6, sizeof(struct ipv6hdr),
					BPF_F_RECOMPUTE_CSUM))
			return XLAT_C_DROP_WRITE_FAILED;
	} else {
		if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr), &p->h.v6f,
					sizeof(struct ipv6hdr) + sizeof(struct ipv6_frag), BPF_F_RECOMPUTE_CSUM))
			return XLAT_C_DROP_WRITE_FAILED;
	}
	if (p->csum_off == CSUM_NONE)
		return 0;

	l4 = sizeof(struct ethhdr) + p->l3len;
	field = l4 + p->csum_off;
	if (p->set_icmp_type) {
		/* The type byte and the checksum change together: the skb's sum is unchanged. */
		if (bpf_skb_store_bytes(skb, l4, &p->icmp_type, 1, 0) ||
		    bpf_l4_csum_replace(skb, field, 0, p->data_delta, 0))
			return XLAT_C_DROP_WRITE_FAILED;
	}
	/* UDP: a zero field means "no checksum" and stays; a computed 0 is sent as 0xffff. */
	if (p->l4proto == IPPROTO_UDP)
		flags |= BPF_F_MARK_MANGLED_0;
	if (bpf_l4_csum_replace(skb, field, 0, p->pseudo_delta, flags))
		return XLAT_C_DROP_WRITE_FAILED;
	return 0;
}

#endif
