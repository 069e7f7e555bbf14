/* SPDX-License-Identifier: GPL-2.0 */
/* SIIT's use of icmp_gen.h: its maps (siit_ifaddr, siit_icmp_rl) and counters. */
#ifndef XLAT_ICMP_GEN_TC_H
#define XLAT_ICMP_GEN_TC_H

#include "lib/plan.h"
#include "siit/maps.h"
#include "lib/icmp_gen.h"

/* Turns the received packet into the error p describes and sends it back. Returns a tc verdict. */
static __always_inline int tc_send_error(struct __sk_buff *skb, struct plan *p)
{
	__u32 ifindex = skb->ifindex, zero = 0;
	/* p->to_v4 is the direction the packet was going: the error goes back in the sender's family. */
	int r = icmp_gen(skb, bpf_map_lookup_elem(&siit_ifaddr, &ifindex), bpf_map_lookup_elem(&siit_icmp_rl, &zero),
			 p->to_v4, p->gen_type, p->gen_code, p->gen_rest);

	switch (r) {
	case ICMP_GEN_SENT:
		count(XLAT_C_ICMP_SENT);
		return bpf_redirect(ifindex, 0);
	case ICMP_GEN_NO_SOURCE:
		count(XLAT_C_ICMP_NO_SOURCE);
		break;
	case ICMP_GEN_RATE_LIMITED:
		count(XLAT_C_ICMP_RATE_LIMITED);
		break;
	}
	return TC_ACT_SHOT;
}

#endif
