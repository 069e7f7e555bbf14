/* SPDX-License-Identifier: GPL-2.0 */
/* Walks an IPv6 header chain up to the upper-layer header (RFC 8200 section 4). */
#ifndef XLAT_PARSE6_H
#define XLAT_PARSE6_H

#include "lib/plan.h"

#define IP6_MAX_EXT_HDRS 6
/* Offsets inside the pulled packet stay below this (verifier bound). */
#define IP6_CHAIN_MAX	 512

struct ip6_chain {
	__u16 l4_off; /* from the start of the IPv6 header */
	__u8 proto;   /* upper-layer protocol */
	__u8 has_frag;
	__u8 bad;	 /* counter reason when the chain cannot be translated, else 0 */
	__u8 bad_ptr;	 /* with XLAT_C_DROP_ROUTING_HEADER: offset of its segments left field */
	__be16 frag_off; /* as in the fragment header */
	__be32 frag_id;
};

static __always_inline int ip6_is_ext(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS || nh == IPPROTO_FRAGMENT;
}

/* Fills c; returns -1 when the packet is too short to walk. */
static __always_inline int ip6_walk(struct ipv6hdr *ip6, void *data_end, struct ip6_chain *c)
{
	__u32 off = sizeof(*ip6);
	__u8 nh = ip6->nexthdr;
	int i;

	/* All of it: the fields a packet does not set are read anyway (the compiler may load them before it tests
	 * has_frag), and Linux 5.15 refuses a read of stack never written. */
	*c = (struct ip6_chain){};
#pragma unroll
	for (i = 0; i < IP6_MAX_EXT_HDRS; i++) {
		__u8 *h;

		if (!ip6_is_ext(nh))
			break;
		/* RFC 7915 5.1: the upper-layer header must follow the fragment header directly. */
		if (c->has_frag) {
			c->bad = XLAT_C_DROP_HEADER_CHAIN;
			break;
		}
		h = (void *)ip6 + (off & (IP6_CHAIN_MAX - 1));
		if ((void *)(h + 8) > data_end)
			return -1;
		if (nh == IPPROTO_FRAGMENT) {
			struct ipv6_frag *f = (void *)h;

			c->has_frag = 1;
			c->frag_off = f->frag_off;
			c->frag_id = f->identification;
			nh = f->nexthdr;
			off += 8;
			continue;
		}
		/* RFC 7915 5.1: a routing header with segments left is not ours to skip. */
		if (nh == IPPROTO_ROUTING && h[3] != 0) {
			c->bad = XLAT_C_DROP_ROUTING_HEADER;
			c->bad_ptr = off + 3;
			break;
		}
		nh = h[0];
		off += ((__u32)h[1] + 1) * 8;
		if (off >= IP6_CHAIN_MAX)
			return -1;
	}
	if (!c->bad && ip6_is_ext(nh))
		c->bad = XLAT_C_DROP_HEADER_CHAIN;
	c->l4_off = off;
	c->proto = nh;
	return 0;
}

#endif
