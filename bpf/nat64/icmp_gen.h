/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMP errors the NAT64 originates itself (RFC 6146 3.5 via RFC 7915 4.4 and
 * 5.4): a packet too big for the path it would be translated onto gets
 * Fragmentation Needed (IPv4 with DF, MTU - 20) or Packet Too Big (IPv6,
 * MTU + 20), and an IPv4 SYN held 6 s with no IPv6 SYN gets port unreachable
 * (nat64/filter.h, nat64/syn_delay.h); built by icmp_gen.h from the NAT64's
 * own maps (nat64_ifaddr, kept by the CLI, and nat64_icmp_rl) and counted
 * under its counters.
 */
#ifndef XLAT_NAT64_ICMP_GEN_H
#define XLAT_NAT64_ICMP_GEN_H

#include "lib/csum.h"
#include "lib/plan.h"
#include "nat64/maps.h"
#include "lib/icmp_gen.h"

/*
 * Turns the received packet into an ICMP error (type, code, rest) sourced from, and sent out of, interface
 * ifindex: the one the packet came in on. to_v4 is the direction the packet was going: the error goes back in the
 * sender's family. Counted; returns a tc verdict.
 */
static __always_inline int nat64_send_icmp(struct __sk_buff *skb, __u32 ifindex, int to_v4, __u8 type, __u8 code,
					   __u32 rest)
{
	__u32 zero = 0;
	int r = icmp_gen(skb, bpf_map_lookup_elem(&nat64_ifaddr, &ifindex), bpf_map_lookup_elem(&nat64_icmp_rl, &zero),
			 to_v4, type, code, rest);

	switch (r) {
	case ICMP_GEN_SENT:
		nat64_count(XLAT_C_ICMP_SENT);
		return bpf_redirect(ifindex, 0);
	case ICMP_GEN_NO_SOURCE:
		nat64_count(XLAT_C_ICMP_NO_SOURCE);
		break;
	case ICMP_GEN_RATE_LIMITED:
		nat64_count(XLAT_C_ICMP_RATE_LIMITED);
		break;
	}
	return TC_ACT_SHOT;
}

/* Turns the received packet into the error p describes and sends it back. Returns a tc verdict. */
static __always_inline int nat64_send_error(struct __sk_buff *skb, const struct plan *p)
{
	return nat64_send_icmp(skb, skb->ifindex, p->to_v4, p->gen_type, p->gen_code, p->gen_rest);
}

#endif
