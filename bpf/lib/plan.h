/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A translation plan: what the logic decided for one packet, independent of
 * the hook. The XDP and tc appliers turn it into bytes in their own way.
 */
#ifndef XLAT_PLAN_H
#define XLAT_PLAN_H

#include "lib/common.h"

struct ipv6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset in 8-byte units << 3 | M */
	__be32 identification;
};

#define IP6_MF 0x0001

#define CSUM_NONE 0xff

struct plan {
	__u32 reason;	/* enum xlat_counter this packet is counted under */
	__u8 verdict;	/* enum verdict */
	__u8 to_v4;	/* 1: IPv6 -> IPv4, 0: IPv4 -> IPv6 */
	__u8 l4proto;	/* protocol after translation */
	__u8 icmp_type; /* new ICMP type when set_icmp_type */
	__u8 set_icmp_type;
	__u8 csum_off;	   /* L4 checksum offset inside the L4 header, or CSUM_NONE */
	__u8 csum_zero_ok; /* UDP over IPv4: a zero checksum means "none" */
	__u8 slow;	   /* 1: only tc can do it (layout changes beyond the base headers, an error to send) */
	__u8 step;	   /* NAT64: which tc slow-path step (enum nat64_step) */
	__u8 icmp_err;	   /* an ICMP error: its inner packet is translated too (tc only) */
	__u8 same_family;  /* IPv6 -> IPv6 (EAM hairpinning): only the addresses change */
	__u8 gen;	   /* not translated: answer the sender with the ICMP error below (tc only) */
	__u8 gen_type;
	__u8 gen_code;
	__u8 amend_udp;	    /* 4->6 UDP without checksum: compute it (tc only) */
	__u32 gen_rest;	    /* the error's 4 bytes after the checksum, host order (MTU, pointer) */
	__u8 df;	    /* 4->6: the IPv4 packet had DF set */
	__u8 own_src;	    /* SIIT: the source is the translator's own address on the way out (found at tc) */
	__u16 frag_size;    /* 4->6: send as IPv6 fragments of this many payload bytes (tc only), 0: don't */
	__u16 strip;	    /* old L3 bytes beyond the base header to remove (IPv6 extension headers, IPv4 options) */
	__u16 l3len;	    /* length of the new L3 header: 20, 40, or 48 with a fragment header */
	__u32 pseudo_delta; /* checksum change caused by the pseudo-header */
	__u32 data_delta;   /* checksum change caused by L4 bytes we rewrite */
	union {
		struct iphdr v4;
		struct {
			struct ipv6hdr v6;
			struct ipv6_frag frag;
		} v6f;
	} h; /* the new L3 header */
};

static __always_inline void plan_pass(struct plan *p, __u32 reason)
{
	p->verdict = V_PASS;
	p->reason = reason;
}

static __always_inline void plan_drop(struct plan *p, __u32 reason)
{
	p->verdict = V_DROP;
	p->reason = reason;
}

/* The packet is dropped and the sender told why (RFC 7915: the translator's own ICMP errors). */
static __always_inline void plan_reject(struct plan *p, __u32 reason, __u8 type, __u8 code, __u32 rest)
{
	p->verdict = V_DROP;
	p->reason = reason;
	p->gen = 1;
	p->slow = 1;
	p->gen_type = type;
	p->gen_code = code;
	p->gen_rest = rest;
}

/*
 * RFC 7915 4.1 and 5.1: a packet whose hop limit or TTL would run out here
 * is answered as a router answers it, with Time Exceeded from this node
 * (traceroute then shows the translator as a hop), except an ICMP error
 * or a later fragment, which never gets an error about itself (RFC 4443
 * 2.4 (e), RFC 1812 4.3.2.7). v6: the packet is IPv6.
 */
static __always_inline void plan_expired(struct plan *p, __u32 reason, int v6, int quiet)
{
	if (quiet)
		return plan_drop(p, reason);
	if (v6)
		plan_reject(p, reason, ICMPV6_TIME_EXCEED, ICMPV6_EXC_HOPLIMIT, 0);
	else
		plan_reject(p, reason, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0);
}

#endif
