/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv4 UDP without a checksum, translated to IPv6, where a checksum is
 * mandatory: computed over the whole datagram after the rewrite (tc only: the
 * whole datagram must be readable). SIIT does it with amend-udp-checksum-zero
 * (RFC 7915 4.5), NAT64 always for unfragmented datagrams (RFC 6146 3.4).
 */
#ifndef XLAT_UDP_AMEND_H
#define XLAT_UDP_AMEND_H

#include "lib/csum.h"
#include "lib/skb_csum.h"
#include "lib/plan.h"

/* Computes the checksum of the rewritten datagram. Returns 0 or an xlat_counter failure reason. */
static __always_inline __u32 tc_amend_udp(struct __sk_buff *skb, struct plan *p)
{
	__u32 l4 = sizeof(struct ethhdr) + p->l3len;
	__u32 len = bpf_ntohs(p->h.v6f.v6.payload_len) - (p->l3len - sizeof(struct ipv6hdr));
	__u32 sum = skb_sum(skb, l4, len);
	__u16 c;

	if (sum == ~0U)
		return XLAT_C_DROP_TRUNCATED;
	c = (__u16)~csum_fold32(csum_add(sum, pseudo6_sum(&p->h.v6f.v6.saddr, &p->h.v6f.v6.daddr, len, IPPROTO_UDP)));
	if (c == 0)
		c = 0xffff;
	if (bpf_skb_store_bytes(skb, l4 + offsetof(struct udphdr, check), &c, 2, 0))
		return XLAT_C_DROP_WRITE_FAILED;
	return 0;
}

#endif
