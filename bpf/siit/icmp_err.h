/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIIT's ICMP error translation at tc (RFC 7915 sections 4.2, 4.3, 5.2, 5.3):
 * the inner packet's addresses go through SIIT's own mapping (EAMT, then
 * pool6); rebuilding the message (ICMP mapping, inner header, RFC 4884
 * extension, size limits, checksums) is lib/icmp_err.h's, which NAT64
 * shares with its session-based mapping.
 */
#ifndef XLAT_ICMP_ERR_TC_H
#define XLAT_ICMP_ERR_TC_H

#include "lib/icmp_err.h"
#include "siit/addr.h"
#include "siit/maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xicmp_scratch);
} siit_xicmp_buf SEC(".maps");

static __always_inline struct xicmp_scratch *siit_xicmp_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&siit_xicmp_buf, &zero);
}

/*
 * RFC 6791 pools unset: the error leaves from the translator's own address on the interface the kernel routes
 * its destination through (siit_ifaddr, kept current by every CLI call), as Jool's does. Returns that interface,
 * or 0 when there is none (no route, or no address of the family there): the error then stays the kernel's.
 * The error is sent out of that interface directly: the kernel would take an IPv4 packet arriving with one of
 * its own addresses as source for a spoofed (martian) one.
 */
static __always_inline __u32 siit_own_source(struct __sk_buff *skb, struct plan *p)
{
	struct bpf_fib_lookup f = {};
	struct xlat_ifaddr *a;
	__u32 ifindex;

	f.ifindex = skb->ifindex;
	if (p->to_v4) {
		f.family = AF_INET;
		f.ipv4_dst = p->h.v4.daddr;
	} else {
		f.family = AF_INET6;
		__builtin_memcpy(f.ipv6_dst, &p->h.v6f.v6.daddr, 16);
	}
	switch (bpf_fib_lookup(skb, &f, sizeof(f), 0)) {
	case BPF_FIB_LKUP_RET_SUCCESS:
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		break;
	default:
		return 0;
	}
	ifindex = f.ifindex;
	a = bpf_map_lookup_elem(&siit_ifaddr, &ifindex);
	if (!a)
		return 0;
	if (p->to_v4) {
		if (!a->has_v4)
			return 0;
		p->h.v4.saddr = a->v4;
	} else {
		if (!a->has_v6)
			return 0;
		__builtin_memcpy(&p->h.v6f.v6.saddr, a->v6, 16);
	}
	return ifindex;
}

/* IPv4 ICMP error -> ICMPv6 error. The plan holds the outer IPv6 header. */
static __always_inline __u32 tc_icmp_err_4to6(struct __sk_buff *skb, const struct siit_config *cfg, struct plan *p)
{
	__u32 inner = sizeof(struct ethhdr) + sizeof(struct iphdr) + p->strip + 8;
	struct xicmp_inner in = {.port_off = XICMP_NO_PORT};
	struct xicmp_scratch *buf = siit_xicmp_scratch();

	/* (The IPv4 fields of `in` are free in this direction: they hold the old addresses, saving stack.) */
	if (!buf)
		return XLAT_C_DROP_WRITE_FAILED;
	if (bpf_skb_load_bytes(skb, inner + offsetof(struct iphdr, saddr), &in.src4, 4) ||
	    bpf_skb_load_bytes(skb, inner + offsetof(struct iphdr, daddr), &in.dst4, 4))
		return XLAT_C_DROP_TRUNCATED;
	if (siit_4to6_addr(cfg, in.src4, &in.src6) || siit_4to6_addr(cfg, in.dst4, &in.dst6))
		return XLAT_C_DROP_ICMP_ERROR_INNER;
	return (xicmp_rebuild_4to6(skb, p, &in, buf, cfg->c.mtu_plateaus));
}

/* ICMPv6 error -> IPv4 ICMP error. The plan holds the outer IPv4 header. */
static __always_inline __u32 tc_icmp_err_6to4(struct __sk_buff *skb, const struct siit_config *cfg, struct plan *p)
{
	__u32 inner = sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + p->strip + 8;
	struct xicmp_inner in = {.port_off = XICMP_NO_PORT};
	struct xicmp_scratch *buf = siit_xicmp_scratch();

	/* (The IPv6 fields of `in` are free in this direction: they hold the old addresses, saving stack.) */
	if (!buf)
		return XLAT_C_DROP_WRITE_FAILED;
	if (bpf_skb_load_bytes(skb, inner + offsetof(struct ipv6hdr, saddr), &in.src6, 16) ||
	    bpf_skb_load_bytes(skb, inner + offsetof(struct ipv6hdr, daddr), &in.dst6, 16))
		return XLAT_C_DROP_TRUNCATED;
	if (siit_6to4_addr(cfg, &in.src6, &in.src4) || siit_6to4_addr(cfg, &in.dst6, &in.dst4))
		return XLAT_C_DROP_ICMP_ERROR_INNER;
	return (xicmp_rebuild_6to4(skb, p, &in, buf));
}

#endif
