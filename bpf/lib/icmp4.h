/* SPDX-License-Identifier: GPL-2.0 */
/* The ICMPv4 header (RFC 792, RFC 1191) and the type/code values the translator uses.
 *
 * Defined here rather than taken from <linux/icmp.h>: since Linux 5.13 that header includes <linux/if.h>, which pulls
 * in glibc's <sys/socket.h>. Under -target bpf the compiler defines no __x86_64__, glibc then asks for its 32-bit
 * stubs, and the build breaks on any machine without multilib headers. Nothing here depends on the kernel version:
 * these are wire formats. */
#ifndef XLAT_ICMP4_H
#define XLAT_ICMP4_H

#include <linux/types.h>

struct icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	union {
		struct {
			__be16 id;
			__be16 sequence;
		} echo;
		__be32 gateway;
		struct {
			__be16 unused;
			__be16 mtu;
		} frag;
		__u8 reserved[4];
	} un;
};

/* types */
#define ICMP_ECHOREPLY	   0
#define ICMP_DEST_UNREACH  3
#define ICMP_SOURCE_QUENCH 4
#define ICMP_REDIRECT	   5
#define ICMP_ECHO	   8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12

/* Destination Unreachable codes */
#define ICMP_NET_UNREACH    0
#define ICMP_HOST_UNREACH   1
#define ICMP_PROT_UNREACH   2
#define ICMP_PORT_UNREACH   3
#define ICMP_FRAG_NEEDED    4
#define ICMP_SR_FAILED	    5
#define ICMP_NET_UNKNOWN    6
#define ICMP_HOST_UNKNOWN   7
#define ICMP_HOST_ISOLATED  8
#define ICMP_NET_ANO	    9
#define ICMP_HOST_ANO	    10
#define ICMP_NET_UNR_TOS    11
#define ICMP_HOST_UNR_TOS   12
#define ICMP_PKT_FILTERED   13
#define ICMP_PREC_VIOLATION 14
#define ICMP_PREC_CUTOFF    15

/* Time Exceeded codes */
#define ICMP_EXC_TTL	  0
#define ICMP_EXC_FRAGTIME 1

#endif
