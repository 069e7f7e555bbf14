/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMP <-> ICMPv6 error type, code and pointer mapping (RFC 7915 sections
 * 4.2 and 5.2). Each function returns 0 and the new values, or -1 when the
 * message is not translated (silently dropped, as the RFC says).
 */
#ifndef XLAT_ICMP_MAP_H
#define XLAT_ICMP_MAP_H

#include "lib/common.h"

/* RFC 7915 figure 3: IPv4 Parameter Problem pointer -> IPv6 pointer. */
static __always_inline int ptr_4to6(__u8 p)
{
	if (p <= 1)
		return p;
	if (p == 2 || p == 3)
		return 4;
	if (p == 8)
		return 7;
	if (p == 9)
		return 6;
	if (p >= 12 && p <= 15)
		return 8;
	if (p >= 16 && p <= 19)
		return 24;
	return -1;
}

/* RFC 7915 figure 6: IPv6 Parameter Problem pointer -> IPv4 pointer. */
static __always_inline int ptr_6to4(__u32 p)
{
	if (p <= 1)
		return p;
	if (p == 4 || p == 5)
		return 2;
	if (p == 6)
		return 9;
	if (p == 7)
		return 8;
	if (p >= 8 && p <= 23)
		return 12;
	if (p >= 24 && p <= 39)
		return 16;
	return -1;
}

/* ICMPv4 error -> ICMPv6 error. *rest is the 4 bytes after the checksum (host order). */
static __always_inline int icmp_err_4to6(__u8 type, __u8 code, __u32 rest_in, __u8 *ntype, __u8 *ncode, __u32 *rest)
{
	*rest = 0;
	switch (type) {
	case ICMP_DEST_UNREACH:
		*ntype = ICMPV6_DEST_UNREACH;
		switch (code) {
		case ICMP_NET_UNREACH:
		case ICMP_HOST_UNREACH:
		case ICMP_SR_FAILED:
		case ICMP_NET_UNKNOWN:
		case ICMP_HOST_UNKNOWN:
		case ICMP_HOST_ISOLATED:
		case ICMP_NET_UNR_TOS:
		case ICMP_HOST_UNR_TOS:
			*ncode = ICMPV6_NOROUTE;
			return 0;
		case ICMP_PROT_UNREACH:
			*ntype = ICMPV6_PARAMPROB;
			*ncode = ICMPV6_UNK_NEXTHDR;
			*rest = offsetof(struct ipv6hdr, nexthdr);
			return 0;
		case ICMP_PORT_UNREACH:
			*ncode = ICMPV6_PORT_UNREACH;
			return 0;
		case ICMP_FRAG_NEEDED:
			*ntype = ICMPV6_PKT_TOOBIG;
			*ncode = 0;
			*rest = rest_in & 0xffff; /* the MTU is finished by the caller */
			return 0;
		case ICMP_NET_ANO:
		case ICMP_HOST_ANO:
		case ICMP_PKT_FILTERED:
		case ICMP_PREC_CUTOFF:
			*ncode = ICMPV6_ADM_PROHIBITED;
			return 0;
		}
		return -1;
	case ICMP_TIME_EXCEEDED:
		*ntype = ICMPV6_TIME_EXCEED;
		*ncode = code;
		return 0;
	case ICMP_PARAMETERPROB: {
		int p;

		if (code != 0 && code != 2)
			return -1;
		p = ptr_4to6(rest_in >> 24);
		if (p < 0)
			return -1;
		*ntype = ICMPV6_PARAMPROB;
		*ncode = ICMPV6_HDR_FIELD;
		*rest = p;
		return 0;
	}
	}
	return -1;
}

/* ICMPv6 error -> ICMPv4 error. */
static __always_inline int icmp_err_6to4(__u8 type, __u8 code, __u32 rest_in, __u8 *ntype, __u8 *ncode, __u32 *rest)
{
	*rest = 0;
	switch (type) {
	case ICMPV6_DEST_UNREACH:
		*ntype = ICMP_DEST_UNREACH;
		switch (code) {
		case ICMPV6_NOROUTE:
		case ICMPV6_NOT_NEIGHBOUR:
		case ICMPV6_ADDR_UNREACH:
			*ncode = ICMP_HOST_UNREACH;
			return 0;
		case ICMPV6_ADM_PROHIBITED:
			*ncode = ICMP_HOST_ANO;
			return 0;
		case ICMPV6_PORT_UNREACH:
			*ncode = ICMP_PORT_UNREACH;
			return 0;
		}
		return -1;
	case ICMPV6_PKT_TOOBIG:
		*ntype = ICMP_DEST_UNREACH;
		*ncode = ICMP_FRAG_NEEDED;
		*rest = rest_in; /* the MTU is finished by the caller */
		return 0;
	case ICMPV6_TIME_EXCEED:
		*ntype = ICMP_TIME_EXCEEDED;
		*ncode = code;
		return 0;
	case ICMPV6_PARAMPROB:
		if (code == ICMPV6_UNK_NEXTHDR) {
			*ntype = ICMP_DEST_UNREACH;
			*ncode = ICMP_PROT_UNREACH;
			return 0;
		}
		if (code == ICMPV6_HDR_FIELD) {
			int p = ptr_6to4(rest_in);

			if (p < 0)
				return -1;
			*ntype = ICMP_PARAMETERPROB;
			*ncode = 0;
			*rest = (__u32)p << 24;
			return 0;
		}
		return -1;
	}
	return -1;
}

static __always_inline int icmp6_is_error(__u8 type)
{
	return type < 128;
}

static __always_inline int icmp4_is_error(__u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH || type == ICMP_REDIRECT ||
	       type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETERPROB;
}

#endif
