/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMP errors a translator originates itself (RFC 7915 4.4 and 5.4): the
 * offending packet, untouched, becomes the payload of an error from this
 * node's address on the ingress interface, sent back out of that interface to
 * the neighbour it came from (MAC addresses swapped), cut to 576 bytes (IPv4,
 * RFC 1812 4.3.2.3) or 1280 (IPv6, RFC 4443 2.4). Rate limited by a token
 * bucket per CPU. Each translator passes its own maps' entries and counts the
 * result under its own counters.
 */
#ifndef XLAT_ICMP_GEN_H
#define XLAT_ICMP_GEN_H

#include "lib/csum.h"
#include "lib/skb_csum.h"

#define XLAT_ERR_TTL 64

/* One per CPU, in a translator's per-CPU array. */
struct icmp_bucket {
	__u64 stamp_ns;
	__u64 tokens;
};

enum icmp_gen_result {
	ICMP_GEN_SENT = 0,  /* the caller returns bpf_redirect(skb->ifindex, 0) */
	ICMP_GEN_NO_SOURCE, /* no address of the right family on the interface */
	ICMP_GEN_RATE_LIMITED,
	ICMP_GEN_FAILED,
};

static __always_inline int icmp_gen_rate_ok(struct icmp_bucket *b)
{
	__u64 now = bpf_ktime_get_ns(), add;

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

static __always_inline int icmp_gen_swap_macs(struct __sk_buff *skb)
{
	__u8 m[12], s[12];

	if (bpf_skb_load_bytes(skb, 0, m, 12))
		return -1;
	__builtin_memcpy(s, m + 6, 6);
	__builtin_memcpy(s + 6, m, 6);
	return bpf_skb_store_bytes(skb, 0, s, 12, 0);
}

static __always_inline int icmp_gen_build6(struct __sk_buff *skb, const struct xlat_ifaddr *me, __u8 type, __u8 code,
					   __u32 rest)
{
	struct {
		struct ipv6hdr ip6;
		struct icmp6hdr icmp;
	} h = {};
	__u32 plen, sum;

	if (bpf_skb_load_bytes(skb, sizeof(struct ethhdr) + offsetof(struct ipv6hdr, saddr), &h.ip6.daddr, 16) ||
	    bpf_skb_adjust_room(skb, sizeof(h), BPF_ADJ_ROOM_MAC, 0))
		return -1;
	if (skb->len > sizeof(struct ethhdr) + 1280 && bpf_skb_change_tail(skb, sizeof(struct ethhdr) + 1280, 0))
		return -1;
	plen = skb->len - sizeof(struct ethhdr) - sizeof(struct ipv6hdr);
	h.ip6.version = 6;
	h.ip6.payload_len = bpf_htons(plen);
	h.ip6.nexthdr = IPPROTO_ICMPV6;
	h.ip6.hop_limit = XLAT_ERR_TTL;
	__builtin_memcpy(&h.ip6.saddr, me->v6, 16);
	h.icmp.icmp6_type = type;
	h.icmp.icmp6_code = code;
	h.icmp.icmp6_dataun.un_data32[0] = bpf_htonl(rest);
	if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr), &h, sizeof(h), 0))
		return -1;
	sum = skb_sum(skb, sizeof(struct ethhdr) + sizeof(struct ipv6hdr), plen);
	if (sum == ~0U)
		return -1;
	sum = csum_add(sum, pseudo6_sum(&h.ip6.saddr, &h.ip6.daddr, plen, IPPROTO_ICMPV6));
	h.icmp.icmp6_cksum = (__u16)~csum_fold32(sum);
	return bpf_skb_store_bytes(skb, sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + 2, &h.icmp.icmp6_cksum, 2, 0);
}

static __always_inline int icmp_gen_build4(struct __sk_buff *skb, const struct xlat_ifaddr *me, __u8 type, __u8 code,
					   __u32 rest)
{
	struct {
		struct iphdr ip4;
		struct icmphdr icmp;
	} h = {};
	__u32 len, sum;

	if (bpf_skb_load_bytes(skb, sizeof(struct ethhdr) + offsetof(struct iphdr, saddr), &h.ip4.daddr, 4) ||
	    bpf_skb_adjust_room(skb, sizeof(h), BPF_ADJ_ROOM_MAC, 0))
		return -1;
	if (skb->len > sizeof(struct ethhdr) + 576 && bpf_skb_change_tail(skb, sizeof(struct ethhdr) + 576, 0))
		return -1;
	len = skb->len - sizeof(struct ethhdr);
	h.ip4.version = 4;
	h.ip4.ihl = 5;
	h.ip4.tot_len = bpf_htons(len);
	h.ip4.id = (__u16)bpf_get_prandom_u32();
	h.ip4.ttl = XLAT_ERR_TTL;
	h.ip4.protocol = IPPROTO_ICMP;
	h.ip4.saddr = me->v4;
	h.ip4.check = ipv4_hdr_csum(&h.ip4);
	h.icmp.type = type;
	h.icmp.code = code;
	h.icmp.un.gateway = bpf_htonl(rest);
	if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr), &h, sizeof(h), 0))
		return -1;
	sum = skb_sum(skb, sizeof(struct ethhdr) + sizeof(struct iphdr), len - sizeof(struct iphdr));
	if (sum == ~0U)
		return -1;
	h.icmp.checksum = (__u16)~csum_fold32(sum);
	return bpf_skb_store_bytes(skb, sizeof(struct ethhdr) + sizeof(struct iphdr) + 2, &h.icmp.checksum, 2, 0);
}

/*
 * Turns the received packet into the error (type, code, rest) in the family
 * of its sender (v6: the packet was IPv6) and prepares it to go back.
 * me: this node's addresses on skb->ifindex, or NULL; b: this CPU's bucket.
 */
static __always_inline int icmp_gen(struct __sk_buff *skb, const struct xlat_ifaddr *me, struct icmp_bucket *b, int v6,
				    __u8 type, __u8 code, __u32 rest)
{
	if (!me || (v6 ? !me->has_v6 : !me->has_v4))
		return ICMP_GEN_NO_SOURCE;
	if (!b || !icmp_gen_rate_ok(b))
		return ICMP_GEN_RATE_LIMITED;
	if ((v6 ? icmp_gen_build6(skb, me, type, code, rest) : icmp_gen_build4(skb, me, type, code, rest)) ||
	    icmp_gen_swap_macs(skb))
		return ICMP_GEN_FAILED;
	return ICMP_GEN_SENT;
}

#endif
