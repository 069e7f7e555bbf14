/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMP errors the NAT64 originates itself (RFC 6146 3.5 via RFC 7915 4.4 and
 * 5.4): a packet too big for the path it would be translated onto gets
 * Fragmentation Needed (IPv4 with DF, MTU - 20) or Packet Too Big (IPv6,
 * MTU + 20). SIIT's approach (icmp_gen_tc.h) with the NAT64's own maps: the
 * offending packet, untouched, becomes the payload of an error from this
 * node's address on the ingress interface (nat64_ifaddr, kept by the CLI),
 * sent back out of that interface to the neighbour it came from. Rate
 * limited per CPU; sent, limited and sourceless errors are counted.
 */
#ifndef XLAT_NAT64_ICMP_GEN_H
#define XLAT_NAT64_ICMP_GEN_H

#include "csum.h"
#include "plan.h"
#include "maps_nat64.h"
#include "skb_csum.h"

#define NAT64_ERR_TTL 64

static __always_inline int nat64_icmp_rate_ok(void)
{
	__u32 zero = 0;
	struct nat64_icmp_bucket *b = bpf_map_lookup_elem(&nat64_icmp_rl, &zero);
	__u64 now = bpf_ktime_get_ns(), add;

	if (!b)
		return 0;
	add = (now - b->stamp_ns) / (1000000000ULL / XLAT_ICMP_RATE_PER_SEC);
	if (add) {
		b->tokens = b->tokens + add > XLAT_ICMP_BURST ? XLAT_ICMP_BURST : b->tokens + add;
		b->stamp_ns = now;
	}
	if (!b->tokens)
		return 0;
	b->tokens--;
	return 1;
}

static __always_inline int nat64_swap_macs(struct __sk_buff *skb)
{
	__u8 m[12], s[12];

	if (bpf_skb_load_bytes(skb, 0, m, 12))
		return -1;
	__builtin_memcpy(s, m + 6, 6);
	__builtin_memcpy(s + 6, m, 6);
	return bpf_skb_store_bytes(skb, 0, s, 12, 0);
}

/* Turns the received packet into the error p describes and sends it back. Returns a tc verdict. */
static __always_inline int nat64_send_error(struct __sk_buff *skb, const struct plan *p)
{
	__u32 ifindex = skb->ifindex, sum;
	struct xlat_ifaddr *me = bpf_map_lookup_elem(&nat64_ifaddr, &ifindex);
	/* p->to_v4 is the direction the packet was going: the error goes back in the sender's family. */
	int v6 = p->to_v4;

	if (!me || (v6 ? !me->has_v6 : !me->has_v4)) {
		nat64_count(NAT64_C_ICMP_NO_SOURCE);
		return TC_ACT_SHOT;
	}
	if (!nat64_icmp_rate_ok()) {
		nat64_count(NAT64_C_ICMP_RATE_LIMITED);
		return TC_ACT_SHOT;
	}
	if (v6) {
		struct {
			struct ipv6hdr ip6;
			struct icmp6hdr icmp;
		} h = {};
		__u32 plen;

		if (bpf_skb_load_bytes(skb, sizeof(struct ethhdr) + offsetof(struct ipv6hdr, saddr), &h.ip6.daddr, 16))
			return TC_ACT_SHOT;
		if (bpf_skb_adjust_room(skb, sizeof(h), BPF_ADJ_ROOM_MAC, 0))
			return TC_ACT_SHOT;
		/* RFC 4443 2.4: as much of the packet as fits in 1280 bytes. */
		if (skb->len > sizeof(struct ethhdr) + 1280 && bpf_skb_change_tail(skb, sizeof(struct ethhdr) + 1280, 0))
			return TC_ACT_SHOT;
		plen = skb->len - sizeof(struct ethhdr) - sizeof(struct ipv6hdr);
		h.ip6.version = 6;
		h.ip6.payload_len = bpf_htons(plen);
		h.ip6.nexthdr = IPPROTO_ICMPV6;
		h.ip6.hop_limit = NAT64_ERR_TTL;
		__builtin_memcpy(&h.ip6.saddr, me->v6, 16);
		h.icmp.icmp6_type = p->gen_type;
		h.icmp.icmp6_code = p->gen_code;
		h.icmp.icmp6_dataun.un_data32[0] = bpf_htonl(p->gen_rest);
		if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr), &h, sizeof(h), 0))
			return TC_ACT_SHOT;
		sum = skb_sum(skb, sizeof(struct ethhdr) + sizeof(struct ipv6hdr), plen);
		if (sum == ~0U)
			return TC_ACT_SHOT;
		sum = csum_add(sum, pseudo6_sum(&h.ip6.saddr, &h.ip6.daddr, plen, IPPROTO_ICMPV6));
		h.icmp.icmp6_cksum = (__u16)~csum_fold32(sum);
		if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + 2, &h.icmp.icmp6_cksum, 2, 0))
			return TC_ACT_SHOT;
	} else {
		struct {
			struct iphdr ip4;
			struct icmphdr icmp;
		} h = {};
		__u32 len;

		if (bpf_skb_load_bytes(skb, sizeof(struct ethhdr) + offsetof(struct iphdr, saddr), &h.ip4.daddr, 4))
			return TC_ACT_SHOT;
		if (bpf_skb_adjust_room(skb, sizeof(h), BPF_ADJ_ROOM_MAC, 0))
			return TC_ACT_SHOT;
		/* RFC 1812 4.3.2.3: at most 576 bytes. */
		if (skb->len > sizeof(struct ethhdr) + 576 && bpf_skb_change_tail(skb, sizeof(struct ethhdr) + 576, 0))
			return TC_ACT_SHOT;
		len = skb->len - sizeof(struct ethhdr);
		h.ip4.version = 4;
		h.ip4.ihl = 5;
		h.ip4.tot_len = bpf_htons(len);
		h.ip4.id = (__u16)bpf_get_prandom_u32();
		h.ip4.ttl = NAT64_ERR_TTL;
		h.ip4.protocol = IPPROTO_ICMP;
		h.ip4.saddr = me->v4;
		h.ip4.check = ipv4_hdr_csum(&h.ip4);
		h.icmp.type = p->gen_type;
		h.icmp.code = p->gen_code;
		h.icmp.un.gateway = bpf_htonl(p->gen_rest);
		if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr), &h, sizeof(h), 0))
			return TC_ACT_SHOT;
		sum = skb_sum(skb, sizeof(struct ethhdr) + sizeof(struct iphdr), len - sizeof(struct iphdr));
		if (sum == ~0U)
			return TC_ACT_SHOT;
		h.icmp.checksum = (__u16)~csum_fold32(sum);
		if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr) + sizeof(struct iphdr) + 2, &h.icmp.checksum, 2, 0))
			return TC_ACT_SHOT;
	}
	if (nat64_swap_macs(skb))
		return TC_ACT_SHOT;
	nat64_count(NAT64_C_ICMP_SENT);
	return bpf_redirect(ifindex, 0);
}

#endif
