/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 6146 3.5.1.1 with RFC 6056 algorithm 3: pool4 and the allocation of a
 * pool4 transport address to a new BIB entry. The walks over pool4 and over
 * its slots are global functions (verified once); their arguments wait in a
 * per-CPU map.
 */
#ifndef XLAT_NAT64_POOL4_H
#define XLAT_NAT64_POOL4_H

#include "nat64/session.h"
#include "nat64/rfc6056.h"

#define NAT64_PROBE_CHUNK 64 /* ports tried per call of the probing global function */

/* Is addr:port (network order) inside a pool4 range of proto? */
static __always_inline int pool4_contains(const struct nat64_config *cfg, __u8 proto, __be32 addr, __be16 port)
{
	__u32 a = bpf_ntohl(addr), p = bpf_ntohs(port), i;

	for (i = 0; i < XLAT_NAT64_POOL4_MAX; i++) {
		struct nat64_pool4_range *r;
		__u32 key = i, base, mask;

		if (i >= cfg->pool4_count)
			break;
		r = bpf_map_lookup_elem(&nat64_pool4, &key);
		if (!r)
			break;
		if (r->proto != proto || p < r->port_min || p > r->port_max)
			continue;
		mask = r->prefix_len ? ~0u << ((32 - r->prefix_len) & 31) : 0;
		base = bpf_ntohl(r->addr);
		if ((a & mask) == (base & mask))
			return 1;
	}
	return blk4_contains(addr, port);
}

/*
 * One allocation's arguments and scratch, in a per-CPU map: the global
 * functions below take scalars only.
 */
struct nat64_alloc {
	struct nat64_taddr6 t6; /* who needs a pool4 transport address */
	__u32 mark;
	__be32 only; /* the default pool4's address towards the destination, or 0: every range */
	__u32 _pad;
	__u64 expires;		    /* the new entry's lifetime */
	__u64 total;		    /* slots of the (proto, mark) set */
	__u64 start;		    /* where the walk began */
	__u32 max_iter;		    /* of the set (every range of it carries the same) */
	__u32 created;		    /* 1 when this CPU created the entry (0: another CPU's was found) */
	struct nat64_bib4_value v4; /* the new halves, built here rather than on the deep call chain's stack */
	struct nat64_bib6_value v6;
	struct nat64_taddr4 t4;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat64_alloc);
} nat64_alloc_arg SEC(".maps");

static __always_inline struct nat64_alloc *nat64_alloc(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nat64_alloc_arg, &zero);
}

static __always_inline int range_in_set(const struct nat64_pool4_range *r, const struct nat64_alloc *a)
{
	return r->proto == a->t6.proto && r->mark == a->mark && (!a->only || r->addr == a->only);
}

/* Slots of the (proto, mark) set (filtered by a->only) into a->total, its max-iterations into a->max_iter. */
__attribute__((noinline)) int xlat_nat64_pool4_total(void)
{
	struct nat64_config *cfg = nat64_cfg();
	struct nat64_alloc *a = nat64_alloc();
	struct nat64_pool4_range *r;
	__u64 total = 0;
	__u32 i, iter = 0;

	if (!cfg || !a)
		return 0;
	for (i = 0; i < XLAT_NAT64_POOL4_MAX; i++) {
		__u32 key = i;

		if (i >= cfg->pool4_count)
			break;
		r = bpf_map_lookup_elem(&nat64_pool4, &key);
		if (!r)
			break;
		if (!range_in_set(r, a))
			continue;
		iter = r->max_iter; /* the same in every range of a set (the CLI writes it so) */
		total += range_slots(r);
	}
	a->total = total;
	a->max_iter = iter;
	return total ? 1 : 0;
}

/* The range holding slot off of the set: (offset inside it << 8) | its index; 0xff: none. */
__attribute__((noinline)) __u64 xlat_nat64_pool4_pick(__u64 off)
{
	struct nat64_config *cfg = nat64_cfg();
	struct nat64_alloc *a = nat64_alloc();
	struct nat64_pool4_range *r;
	__u32 i;

	if (!cfg || !a)
		return 0xff;
	for (i = 0; i < XLAT_NAT64_POOL4_MAX; i++) {
		__u32 key = i;
		__u64 s;

		if (i >= cfg->pool4_count)
			break;
		r = bpf_map_lookup_elem(&nat64_pool4, &key);
		if (!r)
			break;
		if (!range_in_set(r, a))
			continue;
		s = range_slots(r);
		if (off < s)
			return (off << 8) | i;
		off -= s;
	}
	return 0xff;
}

/* Outcome of a BIB creation (and of one probing chunk: ALLOC_MORE, nothing free there). */
enum { ALLOC_OK = 0, ALLOC_NO_POOL4, ALLOC_EXHAUSTED, ALLOC_FULL, ALLOC_MORE };

/*
 * Creates the BIB entry (addr#port, a->t6): both halves, or neither.
 * ALLOC_OK (a->created says whose), ALLOC_MORE (taken: try the next), ALLOC_FULL.
 */
__attribute__((noinline)) int xlat_nat64_bib_insert(__u32 addr, __u32 port)
{
	struct nat64_alloc *a = nat64_alloc();
	__u64 now = bpf_ktime_get_ns();
	int err;

	if (!a)
		return ALLOC_FULL;
	__builtin_memset(&a->t4, 0, sizeof(a->t4));
	a->t4.addr = (__be32)addr;
	a->t4.port = (__be16)port;
	a->t4.proto = a->t6.proto;
	if (bpf_map_lookup_elem(&nat64_bib4, &a->t4) && bib4_get_in(&a->t4, now, 1))
		return ALLOC_MORE; /* in use */
	__builtin_memset(&a->v4, 0, sizeof(a->v4));
	a->v4.t6 = a->t6;
	a->v4.expires = a->expires;
	a->v4.gen = bpf_get_prandom_u32();
	err = bpf_map_update_elem(&nat64_bib4, &a->t4, &a->v4, BPF_NOEXIST);
	if (err == -EEXIST_)
		return ALLOC_MORE; /* another CPU took it meanwhile */
	if (err)
		return ALLOC_FULL;
	__builtin_memset(&a->v6, 0, sizeof(a->v6));
	a->v6.t4 = a->t4;
	a->v6.expires = a->expires;
	err = bpf_map_update_elem(&nat64_bib6, &a->t6, &a->v6, BPF_NOEXIST);
	if (err) {
		bpf_map_delete_elem(&nat64_bib4, &a->t4);
		if (err != -EEXIST_)
			return ALLOC_FULL;
		/* Another CPU created the mapping of t6 first: use it. */
		a->created = 0;
		return ALLOC_OK;
	}
	a->created = 1;
	nat64_count(XLAT_C_BIB_CREATED);
	return ALLOC_OK;
}

/*
 * Tries one slot of the set (an index below a->total): the transport address
 * it stands for, if free, becomes the new entry's. Returns an ALLOC_* code.
 * Each probe finds its range again (a global call) rather than carrying it
 * from the previous one: loops whose iterations carry no state are what older
 * verifiers (5.15, 6.1) can check within their budget.
 */
static __always_inline int probe_slot(__u64 slot)
{
	struct nat64_pool4_range *r;
	__u64 pick, idx, nports;
	__u32 chosen;

	pick = xlat_nat64_pool4_pick(slot);
	chosen = pick & 0xff;
	if (chosen >= XLAT_NAT64_POOL4_MAX)
		return ALLOC_NO_POOL4;
	r = bpf_map_lookup_elem(&nat64_pool4, &chosen);
	if (!r || r->port_max < r->port_min)
		return ALLOC_NO_POOL4;
	nports = (__u64)r->port_max - r->port_min + 1;
	idx = pick >> 8;
	return xlat_nat64_bib_insert(bpf_htonl(bpf_ntohl(r->addr) + (__u32)(idx / nports)),
				     bpf_htons((__u16)(r->port_min + idx % nports)));
}

/*
 * Tries the slots first .. first + n - 1 (n <= NAT64_PROBE_CHUNK) of the set,
 * wrapping at its end and crossing from one range to the next, for a free
 * pool4 transport address. Returns an ALLOC_* code (ALLOC_MORE: none free).
 */
__attribute__((noinline)) int xlat_nat64_probe(__u64 first, __u32 n)
{
	struct nat64_alloc *a = nat64_alloc();
	__u64 total;
	__u32 i;
	int err;

	if (!a || !a->total)
		return ALLOC_NO_POOL4;
	total = a->total;
	for (i = 0; i < NAT64_PROBE_CHUNK; i++) {
		if (i >= n)
			break;
		err = probe_slot((first + i) % total);
		if (err != ALLOC_MORE)
			return err;
	}
	return ALLOC_MORE;
}

/*
 * Walks budget slots from a->start, NAT64_PROBE_CHUNK at a time. Returns an
 * ALLOC_* code (ALLOC_MORE: all taken). Two levels of global calls, not more:
 * every frame of the chain from the program down to here counts against the
 * 512 bytes of stack the verifier allows the deepest one.
 */
__attribute__((noinline)) int xlat_nat64_walk(__u32 budget)
{
	struct nat64_alloc *a = nat64_alloc();
	__u32 i;
	int r;

	if (!a)
		return ALLOC_FULL;
	for (i = 0; i < NAT64_ITER_MAX / NAT64_PROBE_CHUNK; i++) {
		if (i * NAT64_PROBE_CHUNK >= budget)
			break;
		r = xlat_nat64_probe(a->start + i * NAT64_PROBE_CHUNK, budget - i * NAT64_PROBE_CHUNK);
		if (r != ALLOC_MORE)
			return r;
	}
	return ALLOC_MORE;
}

/*
 * Creates the BIB entry of a->t6 (RFC 6146 3.5.1.1 / RFC 6056 algorithm 3):
 * start at F(f-args, secret) + next_ephemeral among the slots of the
 * protocol and mark, then walk them in order, range after range, for at most
 * max-iterations slots (auto: all of them, up to NAT64_ITER_AUTO_MAX; a fixed
 * count is capped at NAT64_ITER_MAX). Returns an ALLOC_* code.
 */
__attribute__((noinline)) int xlat_nat64_bib_create(__u32 dst4, __u32 dport)
{
	struct nat64_config *cfg = nat64_cfg();
	struct nat64_runtime *rt = nat64_rt();
	struct nat64_alloc *a = nat64_alloc();
	__u64 budget;
	__u32 start = 0;
	int r;

	if (!cfg || !a)
		return ALLOC_FULL;
	a->created = 0;
	if (!xlat_nat64_pool4_total())
		return ALLOC_NO_POOL4;
	if (rt) {
		/* A racy read is fine: it only moves the starting point. */
		start = rt->next_ephemeral;
		__sync_fetch_and_add(&rt->next_ephemeral, 1);
	}
	a->start = ((__u64)fargs_hash(cfg, &a->t6, (__be32)dst4, (__be16)dport) + start) % a->total;
	budget = a->max_iter == NAT64_ITER_AUTO ? NAT64_ITER_AUTO_MAX : a->max_iter;
	if (budget > NAT64_ITER_MAX)
		budget = NAT64_ITER_MAX;
	if (budget > a->total)
		budget = a->total;
	r = xlat_nat64_walk((__u32)budget);
	/* The BIB table is full: the sweeper frees expired sessions and their entries, then once more. */
	if (r == ALLOC_FULL && xlat_nat64_sweep(NAT64_SWEEP_FULL))
		r = xlat_nat64_walk((__u32)budget);
	return r == ALLOC_MORE ? ALLOC_EXHAUSTED : r;
}

/*
 * The source the kernel would give a packet to dst4: the IPv4 address of the
 * interface its route leaves through (as kept in nat64_ifaddr), or 0. The
 * default pool4 (no entries for a protocol) allocates only on that address, so
 * a flow never leaves with the source of another interface (RFC 6146 leaves the
 * choice open; Jool's empty pool4 uses the route's source too).
 */
static __always_inline __be32 nat64_route_source4(void *ctx, __u32 ifindex, __be32 dst4)
{
	struct bpf_fib_lookup f = {};
	struct xlat_ifaddr *me;
	long rc;

	f.family = AF_INET;
	f.ifindex = ifindex;
	f.ipv4_dst = dst4;
	rc = bpf_fib_lookup(ctx, &f, sizeof(f), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return 0;
	ifindex = f.ifindex;
	me = bpf_map_lookup_elem(&nat64_ifaddr, &ifindex);
	return me && me->has_v4 ? me->v4 : 0;
}

/*
 * RFC 6146 3.5.2.2, simultaneous open: an IPv6 SYN towards a remote whose own
 * SYN to us is held gets the pool4 transport address that SYN was sent to
 * (when free), so that the two SYNs meet: the remote's next retransmission
 * finds the session. An ALLOC_* code; ALLOC_MORE when no held SYN says where.
 */
__attribute__((noinline)) int xlat_nat64_syn4_meet(__u32 remote4, __u32 rport)
{
	struct nat64_syn4r_key rk = {.remote4 = (__be32)remote4, .rport = (__be16)rport};
	struct nat64_syn4_key k = {.remote4 = (__be32)remote4, .rport = (__be16)rport};
	struct nat64_syn4r_value *rv = bpf_map_lookup_elem(&nat64_syn4r, &rk);
	struct nat64_syn4_value *v;

	if (!rv)
		return ALLOC_MORE;
	k.local4 = rv->local4;
	k.lport = rv->lport;
	v = bpf_map_lookup_elem(&nat64_syn4, &k);
	if (!v || v->expires < bpf_ktime_get_ns())
		return ALLOC_MORE;
	return xlat_nat64_bib_insert(k.local4, k.lport);
}

/* Creates the BIB entry of t6 and returns its bib6 half, or NULL with *err an ALLOC_* code. */
static __always_inline struct nat64_bib6_value *bib_create_call(const struct nat64_taddr6 *t6, __be32 dst4,
								__be16 dport, __u32 mark, __be32 only, __u64 expires,
								int *err)
{
	struct nat64_alloc *a = nat64_alloc();

	if (!a) {
		*err = ALLOC_FULL;
		return NULL;
	}
	a->t6 = *t6;
	a->mark = mark;
	a->only = only;
	a->expires = expires;
	/* A subscriber of a block entry maps inside its block, never elsewhere (nat64/pool4_blocks.h). The BIB full,
	 * or every dynamic block taken: the sweeper frees what has expired (blocks go with their last BIB entry), then
	 * once more. */
	*err = xlat_nat64_blk_create();
	if ((*err == ALLOC_FULL || *err == ALLOC_NO_BLOCK) && xlat_nat64_sweep(NAT64_SWEEP_FULL))
		*err = xlat_nat64_blk_create();
	if (*err == ALLOC_NOT_BLOCK && t6->proto == IPPROTO_TCP && xlat_nat64_syn4_meet(dst4, dport) == ALLOC_OK)
		*err = ALLOC_OK;
	if (*err == ALLOC_NOT_BLOCK)
		*err = xlat_nat64_bib_create(dst4, dport);
	if (*err == ALLOC_NO_POOL4 && only) {
		/* The route's address is not in the default pool4 (after a change of addresses): any of them. */
		a->only = 0;
		*err = xlat_nat64_bib_create(dst4, dport);
	}
	if (*err)
		return NULL;
	return bpf_map_lookup_elem(&nat64_bib6, t6);
}

#endif
