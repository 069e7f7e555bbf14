/* SPDX-License-Identifier: GPL-2.0 */
/* Headers and small definitions every data-plane file uses. */
#ifndef XLAT_COMMON_H
#define XLAT_COMMON_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/icmp4.h"
#include "abi/common.h"

/* Address families for bpf_fib_lookup (the C library's, which BPF programs do not include). */
#define AF_INET	 2
#define AF_INET6 10

#define IP_DF	  0x4000
#define IP_MF	  0x2000
#define IP_OFFSET 0x1fff

/* RFC 7915 5.1: DF is set when the IPv4 packet exceeds what IPv6 guarantees
 * (1280 minus the 20 bytes IPv4 saves); smaller packets may be fragmented. */
#define XLAT_DF_THRESHOLD 1260

/* What the translation logic decided for one packet. */
enum verdict {
	V_PASS = 0, /* hand to the kernel untouched */
	V_DROP,	    /* drop */
	V_XLAT,	    /* translate per the plan */
};

#endif
