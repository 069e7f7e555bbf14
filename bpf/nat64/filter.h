/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 6146 3.5.1.1 and 3.5.2.2: filtering of what IPv4 may start. Held
 * externally initiated SYNs (nat64_syn4) and address-dependent filtering
 * (nat64_adf), and the scan that cleans those small tables when full.
 */
#ifndef XLAT_NAT64_FILTER_H
#define XLAT_NAT64_FILTER_H

#include "nat64/session.h"

#define NAT64_RECLAIM_PAUSE 1000000000ULL /* a full-table scan waits this long before the next */

/* Tables a full-table scan may clean (nat64_runtime.reclaim_after): the small, short-lived ones only. The BIB
 * and session tables are cleaned by the sweeper, never scanned. */
enum nat64_table { T_FRAG = 3, T_ADF = 4 };

struct reclaim_ctx {
	__u64 now;
	__u32 deleted; /* 0 or 1: keeps the verifier's view of the callback small */
};

static long reclaim_frag_cb(struct bpf_map *map, struct nat64_frag_key *key, struct nat64_frag_value *v,
			    struct reclaim_ctx *c)
{
	struct nat64_frag_key k = *key;

	if (v->expires >= c->now)
		return 0;
	bpf_map_delete_elem(&nat64_frags, &k);
	c->deleted = 1;
	return 0;
}

static long reclaim_adf_cb(struct bpf_map *map, struct nat64_adf_key *key, __u64 *v, struct reclaim_ctx *c)
{
	struct nat64_adf_key k = *key;

	if (*v >= c->now)
		return 0;
	bpf_map_delete_elem(&nat64_adf, &k);
	c->deleted = 1;
	return 0;
}

/*
 * A full fragment or address-dependent-filtering table: one pass deleting
 * every expired entry, at most one pass per table per NAT64_RECLAIM_PAUSE,
 * whatever it found. Returns whether it freed anything.
 */
static __always_inline __u32 nat64_reclaim(int table, __u64 now)
{
	struct nat64_runtime *rt = nat64_rt();
	struct reclaim_ctx c = {.now = now};
	int i = table & 7;

	if (!rt)
		return 0;
	if (rt->reclaim_after[i] > now)
		return 0;
	rt->reclaim_after[i] = now + NAT64_RECLAIM_PAUSE;
	if (table == T_FRAG)
		bpf_for_each_map_elem(&nat64_frags, reclaim_frag_cb, &c, 0);
	else
		bpf_for_each_map_elem(&nat64_adf, reclaim_adf_cb, &c, 0);
	if (c.deleted)
		nat64_count(XLAT_C_RECLAIMED);
	return c.deleted;
}

/*
 * RFC 6146 3.5.2.2, an IPv4 SYN to a pool4 transport address without a BIB
 * entry: BPF cannot queue the packet, so it is recorded in nat64_syn4 and
 * dropped; the sender's retransmissions do the waiting (see abi/nat64.h).
 * rt->syn4_live counts the records: +1 by the CPU whose insert succeeded, -1 by
 * the CPU whose delete succeeded, and recounted by every sweep (which also
 * heals it if userspace removed records). Concurrent SYNs on several CPUs can
 * pass the limit check together: the limit may be overshot by a few.
 */
enum { SYN4_HELD = 0, SYN4_WAITING, SYN4_EXPIRED, SYN4_FULL };

/* The sender's index entry goes with its record (when it still points there). */
static __always_inline void syn4r_forget(const struct nat64_syn4_key *k)
{
	struct nat64_syn4r_key rk = {.remote4 = k->remote4, .rport = k->rport};
	struct nat64_syn4r_value *rv = bpf_map_lookup_elem(&nat64_syn4r, &rk);

	if (rv && rv->local4 == k->local4 && rv->lport == k->lport)
		bpf_map_delete_elem(&nat64_syn4r, &rk);
}

static __always_inline void syn4_forget(const struct nat64_syn4_key *k)
{
	struct nat64_runtime *rt = nat64_rt();

	syn4r_forget(k);
	if (!bpf_map_delete_elem(&nat64_syn4, k) && rt && rt->syn4_live)
		__sync_fetch_and_add(&rt->syn4_live, -1);
}

/* The live count goes straight into rt->syn4_live (a map value): a count on the
 * stack would be a constant the verifier follows through every iteration. */
static long sweep_syn4_cb(struct bpf_map *map, struct nat64_syn4_key *key, struct nat64_syn4_value *v,
			  struct reclaim_ctx *c)
{
	struct nat64_syn4_key k = *key;
	struct nat64_runtime *rt;

	if (v->expires < c->now) {
		syn4r_forget(&k);
		bpf_map_delete_elem(&nat64_syn4, &k);
		return 0;
	}
	rt = nat64_rt();
	if (rt)
		__sync_fetch_and_add(&rt->syn4_live, 1);
	return 0;
}

/*
 * Deletes the expired records (their SYNs then count as new ones) and
 * recounts the live ones. A sweep that leaves the limit reached blocks the
 * next one for NAT64_RECLAIM_PAUSE. Returns the live count.
 */
static __always_inline __u32 syn4_sweep(struct nat64_runtime *rt, __u32 limit, __u64 now)
{
	struct reclaim_ctx c = {.now = now};

	if (rt->syn4_sweep_after > now)
		return rt->syn4_live;
	rt->syn4_live = 0;
	bpf_for_each_map_elem(&nat64_syn4, sweep_syn4_cb, &c, 0);
	if (rt->syn4_live >= limit)
		rt->syn4_sweep_after = now + NAT64_RECLAIM_PAUSE;
	return rt->syn4_live;
}

/*
 * The held-SYN decision, as a global function (scalars only): remote4 and
 * local4 as received, ports = rport << 16 | lport (network order halves).
 * Only in_tc deletes an expired record: XDP hands that SYN to tc untouched.
 */
__attribute__((noinline)) int xlat_nat64_syn4(__u32 remote4, __u32 local4, __u32 ports, __u32 in_tc)
{
	struct nat64_config *cfg = nat64_cfg();
	struct nat64_runtime *rt = nat64_rt();
	struct nat64_syn4_value nv = {}, *v;
	struct nat64_syn4_key k = {};
	__u64 now = bpf_ktime_get_ns(), life;
	__u32 limit;
	int err;

	if (!cfg || !rt)
		return SYN4_FULL;
	k.remote4 = (__be32)remote4;
	k.local4 = (__be32)local4;
	k.rport = (__be16)(ports >> 16);
	k.lport = (__be16)(ports & 0xffff);
	v = bpf_map_lookup_elem(&nat64_syn4, &k);
	if (v) {
		if (v->expires >= now)
			return SYN4_WAITING;
		if (in_tc)
			syn4_forget(&k);
		return SYN4_EXPIRED;
	}
	limit = cfg->max_simultaneous_opens;
	if (rt->syn4_live >= limit && syn4_sweep(rt, limit, now) >= limit)
		return SYN4_FULL;
	life = cfg->tcp_syn_timeout ? cfg->tcp_syn_timeout : XLAT_NAT64_SYN4_TIMEOUT;
	nv.expires = now + life;
	err = bpf_map_update_elem(&nat64_syn4, &k, &nv, BPF_NOEXIST);
	if (err == -EEXIST_)
		return SYN4_WAITING; /* another CPU recorded it meanwhile */
	if (err)
		return SYN4_FULL; /* nat64_syn4 is full (XLAT_NAT64_SYN4_MAX) */
	__sync_fetch_and_add(&rt->syn4_live, 1);
	{
		/* Indexed by its sender, for an IPv6 SYN towards it (a simultaneous open, nat64/pool4.h). */
		struct nat64_syn4r_key rk = {.remote4 = k.remote4, .rport = k.rport};
		struct nat64_syn4r_value rv = {.local4 = k.local4, .lport = k.lport};

		bpf_map_update_elem(&nat64_syn4r, &rk, &rv, BPF_ANY);
	}
	return SYN4_HELD;
}

/* A SYN that found a BIB entry: a record for it (an open that became simultaneous) is done. */
static __always_inline void syn4_done(__be32 remote4, __be32 local4, __be16 rport, __be16 lport)
{
	struct nat64_runtime *rt = nat64_rt();
	struct nat64_syn4_key k = {.remote4 = remote4, .local4 = local4, .rport = rport, .lport = lport};

	if (rt && rt->syn4_live)
		syn4_forget(&k);
}

/* address-dependent-filtering: the session's remote address is one its pool4 transport address talks to. */
static __always_inline void adf_note(const struct nat64_session_key *k, __u64 expires, __u64 now)
{
	struct nat64_adf_key a = {.local4 = k->local4, .remote4 = k->remote4, .lport = k->lport, .proto = k->proto};
	__u64 *v = bpf_map_lookup_elem(&nat64_adf, &a);

	if (v) {
		if (*v < expires)
			*v = expires;
		return;
	}
	if (bpf_map_update_elem(&nat64_adf, &a, &expires, BPF_NOEXIST) == -E2BIG_ && nat64_reclaim(T_ADF, now))
		bpf_map_update_elem(&nat64_adf, &a, &expires, BPF_NOEXIST);
}

/* May a packet from this remote address reach the pool4 transport address (whatever its port)? */
static __always_inline int adf_allows(const struct nat64_session_key *k, __u64 now)
{
	struct nat64_adf_key a = {.local4 = k->local4, .remote4 = k->remote4, .lport = k->lport, .proto = k->proto};
	__u64 *v = bpf_map_lookup_elem(&nat64_adf, &a);

	return v && *v >= now;
}

#endif
