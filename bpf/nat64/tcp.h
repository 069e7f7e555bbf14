/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 6146 3.5.2: the TCP state machine of a session and the lifetime each
 * state gives it. Pure logic on the session and the configuration: no maps,
 * no helpers (test/host runs it on the host).
 */
#ifndef XLAT_NAT64_TCP_H
#define XLAT_NAT64_TCP_H

#include <linux/in.h>
#include "abi/nat64.h"

/*
 * A session's lifetime in a state. ESTABLISHED includes the transitory
 * period: past tcp-est-timeout the session counts as TRANS (tcp_step), so an
 * idle connection outlives tcp-est-timeout by tcp-trans-timeout (RFC 6146
 * 3.5.2.2, RFC 5382 REQ-5: 2 h 4 min) and the next packet revives it.
 */
static __always_inline __u64 nat64_timeout(const struct nat64_config *cfg, __u8 proto, __u8 state)
{
	if (proto == IPPROTO_UDP)
		return cfg->udp_timeout;
	if (proto == IPPROTO_ICMP)
		return cfg->icmp_timeout;
	switch (state) {
	case NAT64_TCP_ESTABLISHED:
		return cfg->tcp_est_timeout + cfg->tcp_trans_timeout;
	case NAT64_TCP_V4_FIN_RCV:
	case NAT64_TCP_V6_FIN_RCV:
		return cfg->tcp_est_timeout;
	}
	return cfg->tcp_trans_timeout;
}

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_ACK 0x10

/*
 * RFC 6146 section 3.5.2: one packet of an existing TCP session. Moves the
 * state and refreshes the lifetime where the state machine says so (as Jool
 * does; ESTABLISHED's lifetime includes the transitory period, see
 * nat64_timeout).
 */
static __always_inline void tcp_step(const struct nat64_config *cfg, struct nat64_session *s, int from_v6, __u8 flags,
				     __u64 now)
{
	__u8 st = s->state;
	int fin = flags & TCPF_FIN, syn = flags & TCPF_SYN, rst = flags & TCPF_RST;
	__u64 est = now + cfg->tcp_est_timeout + cfg->tcp_trans_timeout, fin_rcv = now + cfg->tcp_est_timeout;
	__u64 trans = now + cfg->tcp_trans_timeout;

	/* Idle past tcp-est-timeout: the session is in its transitory period (RFC 6146 3.5.2.2). */
	if (st == NAT64_TCP_ESTABLISHED && s->expires < trans)
		st = NAT64_TCP_TRANS;

	switch (st) {
	case NAT64_TCP_V4_INIT:
		if (from_v6 && syn) {
			s->state = NAT64_TCP_ESTABLISHED;
			s->expires = est;
		}
		break;
	case NAT64_TCP_V6_INIT:
		if (!from_v6 && syn) {
			s->state = NAT64_TCP_ESTABLISHED;
			s->expires = est;
		} else if (from_v6 && syn) {
			s->expires = trans;
		}
		break;
	case NAT64_TCP_ESTABLISHED:
		if (fin)
			s->state = from_v6 ? NAT64_TCP_V6_FIN_RCV : NAT64_TCP_V4_FIN_RCV;
		else if (rst) {
			s->state = NAT64_TCP_TRANS;
			s->expires = trans;
		} else
			s->expires = est;
		break;
	case NAT64_TCP_V4_FIN_RCV:
	case NAT64_TCP_V6_FIN_RCV:
		if (fin && from_v6 == (st == NAT64_TCP_V4_FIN_RCV)) {
			s->state = NAT64_TCP_V4_FIN_V6_FIN_RCV;
			s->expires = trans;
		} else if (rst && (cfg->flags & NAT64_F_RST_DURING_FIN_RCV)) {
			/* Jool's handle-rst-during-fin-rcv: the state stays, only the lifetime shortens. */
			s->expires = trans;
		} else
			s->expires = fin_rcv;
		break;
	case NAT64_TCP_V4_FIN_V6_FIN_RCV:
		break;
	case NAT64_TCP_TRANS:
		if (!rst) {
			s->state = NAT64_TCP_ESTABLISHED;
			s->expires = est;
		} else {
			s->state = NAT64_TCP_TRANS;
		}
		break;
	}
}

#endif
