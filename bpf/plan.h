/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A translation plan: what the logic decided for one packet, independent of
 * the hook. The XDP and TC appliers turn it into bytes in their own way.
 */
#ifndef XLAT_PLAN_H
#define XLAT_PLAN_H

#include "common.h"

struct plan {
	__u32 reason;        /* enum xlat_counter this packet is counted under */
	__u8  verdict;       /* enum verdict */
	__u8  to_v4;         /* 1: IPv6 -> IPv4, 0: IPv4 -> IPv6 */
	__u8  l4proto;       /* protocol after translation */
	__u8  icmp_type;     /* new ICMP type (ICMP only) */
	__u8  csum_off;      /* checksum field offset inside the L4 header */
	__u8  csum_zero_ok;  /* UDP over IPv4: a zero checksum means "none" */
	__u16 _pad;
	__u32 pseudo_delta;  /* checksum change caused by the pseudo-header */
	__u32 data_delta;    /* checksum change caused by L4 bytes we rewrite */
	union {
		struct iphdr v4;
		struct ipv6hdr v6;
	} h;                 /* the new L3 header */
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

#endif
