/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Does the translated packet fit the path it is about to take? The kernel's
 * FIB answers with the route's MTU (bpf_fib_lookup with tot_len); the caller
 * turns "too big" into the error RFC 7915 asks for.
 */
#ifndef XLAT_MTU_H
#define XLAT_MTU_H

#include "plan.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

/* Length of the packet the plan produces. */
static __always_inline __u32 plan_new_len(const struct plan *p)
{
	if (p->to_v4)
		return bpf_ntohs(p->h.v4.tot_len);
	return sizeof(struct ipv6hdr) + bpf_ntohs(p->h.v6f.v6.payload_len);
}

/* 0 when the packet fits (or the FIB cannot tell), else the path MTU. */
static __always_inline __u32 plan_path_mtu_exceeded(void *ctx, __u32 ifindex, const struct plan *p)
{
	struct bpf_fib_lookup f = {};
	__u32 len = plan_new_len(p);
	long rc;

	/* Every IPv6 path carries 1280 bytes; smaller IPv4 packets go without DF and the kernel may fragment them. */
	if (p->to_v4 ? len <= XLAT_DF_THRESHOLD : len <= 1280)
		return 0;
	f.ifindex = ifindex;
	f.tot_len = len;
	if (p->to_v4) {
		f.family = AF_INET;
		f.ipv4_src = p->h.v4.saddr;
		f.ipv4_dst = p->h.v4.daddr;
	} else {
		f.family = AF_INET6;
		__builtin_memcpy(f.ipv6_src, &p->h.v6f.v6.saddr, 16);
		__builtin_memcpy(f.ipv6_dst, &p->h.v6f.v6.daddr, 16);
	}
	rc = bpf_fib_lookup(ctx, &f, sizeof(f), 0);
	if (rc != BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return 0;
	return f.mtu_result ? f.mtu_result : 1;
}

#endif
