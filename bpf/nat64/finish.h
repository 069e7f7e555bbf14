/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The last steps of every NAT64 translation, tc side: the path check (an
 * error to send back, or IPv6 fragments to make), the rewrite, the UDP
 * checksum a datagram without one gets.
 */
#ifndef XLAT_NAT64_FINISH_H
#define XLAT_NAT64_FINISH_H

#include "nat64/plan.h"
#include "nat64/apply.h"
#include "nat64/icmp_gen.h"
#include "lib/mtu.h"
#include "lib/frag.h"
#include "lib/udp_amend.h"

/*
 * The last steps of a TCP/UDP/ICMP translation decided in w->p and w->rw:
 * the path check, then the error to send back, or the rewrite and, when the
 * IPv6 side needs it, the cut into fragments. Returns NAT64_RES.
 */
static __always_inline __u32 nat64_finish(struct __sk_buff *skb, const struct nat64_config *cfg, struct nat64_work *w)
{
	struct plan *p = &w->p;
	__u32 err;

	/* GSO packets are segmented later, each segment on its own; the check is for single packets. */
	if (!skb->gso_size)
		plan_check_path(skb, p, cfg->c.lowest_ipv6_mtu, XLAT_C_DROP_TOO_BIG, 1);
	if (p->gen) {
		nat64_count(p->reason);
		return NAT64_RES(nat64_send_error(skb, p) == TC_ACT_REDIRECT ? NAT64_V_SENT : V_DROP, NAT64_NO_COUNT);
	}
	err = nat64_tc_apply(skb, p, &w->rw);
	if (!err && p->amend_udp)
		err = tc_amend_udp(skb, p);
	if (err)
		return NAT64_DROP(err);
	if (p->frag_size) {
		err = tc_fragment(skb, p);
		if (err)
			return NAT64_DROP(err);
		return NAT64_RES(NAT64_V_SPENT, p->reason);
	}
	return NAT64_XLAT(p->reason);
}

#endif
