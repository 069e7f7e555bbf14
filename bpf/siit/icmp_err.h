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
