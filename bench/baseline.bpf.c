// SPDX-License-Identifier: GPL-2.0
/*
 * Parse-only baseline for `npm run bench`: what any XDP program that looks at a packet pays. It reads the
 * Ethernet header, the IPv6 or IPv4 header and the TCP/UDP ports or ICMP type, folds them into a value that
 * decides the verdict (so the compiler keeps every read), and passes the packet untouched. No maps, no writes. Compiled at bench time.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("xdp")
int bench_parse_only(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 proto;
	void *l4;
	__u32 acc;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return XDP_PASS;
		proto = ip6->nexthdr;
		acc = ip6->daddr.in6_u.u6_addr32[3] ^ ip6->saddr.in6_u.u6_addr32[3] ^ ip6->hop_limit;
		l4 = ip6 + 1;
	} else if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip4 = (void *)(eth + 1);

		if ((void *)(ip4 + 1) > end || ip4->ihl < 5)
			return XDP_PASS;
		proto = ip4->protocol;
		acc = ip4->daddr ^ ip4->saddr ^ ip4->ttl;
		l4 = (void *)ip4 + ip4->ihl * 4;
	} else {
		return XDP_PASS;
	}
	if (l4 + 4 > end)
		return XDP_PASS;
	/* TCP/UDP ports, or ICMP type, code and checksum: the first 4 bytes either way. */
	acc ^= *(__u32 *)l4 ^ proto;
	return acc == 0x5a5a5a5a ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
