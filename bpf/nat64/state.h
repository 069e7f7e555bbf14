/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT64 state (RFC 6146 section 3): BIB and session tables with lazy expiry,
 * pool4 lookups and RFC 6056 port allocation.
 *
 * No timers: every entry carries its deadline (bpf_ktime_get_ns). A lookup
 * that finds an expired entry deletes it and reports it absent. A BIB entry is
 * stored twice (nat64_bib4, nat64_bib6), each half refreshed by the traffic of
 * its own direction; the pair is alive while either half is. When a table is
 * full, a bounded, rate-limited scan deletes expired entries and the insert is
 * retried once; live entries are never evicted.
 */
#ifndef XLAT_NAT64_STATE_H
#define XLAT_NAT64_STATE_H

#include "lib/common.h"
#include "nat64/maps.h"

struct bpf_map;

#define NAT64_PROBE_CHUNK   64        /* ports tried per call of the probing global function */
#define NAT64_RECLAIM_PAUSE 1000000000ULL /* a full-table scan waits this long before the next */
#define NAT64_SWEEP_STEPS   4         /* sessions the sweeper looks at per new session */
#define NAT64_SWEEP_FULL    64        /* ... and when a table is full, before giving up */

#define E2BIG_ 7
#define EEXIST_ 17

/* Tables a full-table reclaim may scan (nat64_runtime.reclaim_after). */
/* Tables a full-table scan may clean (nat64_runtime.reclaim_after): the small, short-lived ones only. The BIB
 * and session tables are cleaned by the sweeper (a bounded number of entries per new session), never scanned. */
enum nat64_table { T_FRAG = 3, T_ADF = 4 };

static __always_inline int taddr6_eq(const struct nat64_taddr6 *a, const struct nat64_taddr6 *b)
{
	const __u32 *x = (const void *)a, *y = (const void *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4];
}

static __always_inline int taddr4_eq(const struct nat64_taddr4 *a, const struct nat64_taddr4 *b)
{
	return a->addr == b->addr && a->port == b->port && a->proto == b->proto;
}

/* Does session s (of the IPv6 node addr6#port6) belong to the BIB entry b4? */
static __always_inline int session_of(const struct nat64_bib4_value *b4, const struct nat64_session *s)
{
	const __u32 *x = (const void *)b4->t6.addr, *y = (const void *)s->addr6;

	return b4->gen == s->bib_gen && b4->t6.port == s->port6 && x[0] == y[0] && x[1] == y[1] && x[2] == y[2] &&
	       x[3] == y[3];
}

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

/* ---------------------------------------------------------------- deleting */

/* Deletes both halves of the BIB entry whose pool4 side is t4 (dynamic ones only). */
static __always_inline void bib_delete(const struct nat64_taddr4 *t4, struct nat64_bib4_value *b4)
{
	struct nat64_taddr6 t6 = b4->t6;
	struct nat64_bib6_value *o = bpf_map_lookup_elem(&nat64_bib6, &t6);

	if (b4->flags & NAT64_BIB_STATIC)
		return;
	if (o && taddr4_eq(&o->t4, t4))
		bpf_map_delete_elem(&nat64_bib6, &t6);
	if (!bpf_map_delete_elem(&nat64_bib4, t4))
		nat64_count(XLAT_C_BIB_EXPIRED);
}

/*
 * Deletes a session whose time has passed, and takes it off its BIB entry's
 * count: a dynamic entry goes with its last session (RFC 6146 3.5.1.1). The
 * count is read back after the decrement: two CPUs may both see zero and both
 * delete (harmless); a session created on the entry in that instant loses it.
 */
static __always_inline void session_expire(const struct nat64_session_key *k, const struct nat64_session *s)
{
	struct nat64_taddr4 t4 = {.addr = k->local4, .port = k->lport, .proto = k->proto};
	struct nat64_bib4_value *b4;

	if (bpf_map_delete_elem(&nat64_sessions, k))
		return; /* another CPU did */
	nat64_count(XLAT_C_SESSION_EXPIRED);
	b4 = bpf_map_lookup_elem(&nat64_bib4, &t4);
	if (!b4 || !session_of(b4, s) || !b4->sessions)
		return;
	__sync_fetch_and_add(&b4->sessions, -1);
	if (!b4->sessions)
		bib_delete(&t4, b4);
}

/* ---------------------------------------------------------------- the sweeper */

/* Looks at up to n sessions from the queue's head: deletes the expired ones, queues the others again.
 * Returns how many it deleted. */
static __always_inline __u32 nat64_sweep(__u32 n, __u64 now)
{
	__u32 i, freed = 0;

	for (i = 0; i < NAT64_SWEEP_FULL; i++) {
		struct nat64_session_key k;
		struct nat64_session *s, copy;

		if (i >= n || bpf_map_pop_elem(&nat64_sessq, &k))
			break;
		s = bpf_map_lookup_elem(&nat64_sessions, &k);
		if (!s)
			continue; /* deleted by a lookup meanwhile */
		if (s->expires >= now) {
			bpf_map_push_elem(&nat64_sessq, &k, BPF_EXIST);
			continue;
		}
		copy = *s;
		session_expire(&k, &copy);
		freed++;
	}
	return freed;
}

/* The sweeper as a global function: its loop is verified once. */
__attribute__((noinline)) int xlat_nat64_sweep(__u32 n)
{
	return (int)nat64_sweep(n, bpf_ktime_get_ns());
}

/* ---------------------------------------------------------------- reclaim (small tables) */

struct reclaim_ctx {
	__u64 now;
	__u32 deleted;     /* 0 or 1: keeps the verifier's view of the callback small */
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

/* ---------------------------------------------------------------- BIB */

/* The live BIB entry of an IPv6 transport address, or NULL (expired pairs are deleted). */
static __always_inline struct nat64_bib6_value *bib6_get(const struct nat64_taddr6 *t6, __u64 now)
{
	struct nat64_bib6_value *v = bpf_map_lookup_elem(&nat64_bib6, t6);
	struct nat64_bib4_value *o;
	struct nat64_taddr4 t4;

	if (!v || v->expires >= now)
		return v;
	t4 = v->t4;
	o = bpf_map_lookup_elem(&nat64_bib4, &t4);
	if (o && taddr6_eq(&o->t6, t6)) {
		if (o->expires >= now) {
			v->expires = o->expires;
			return v;
		}
		bpf_map_delete_elem(&nat64_bib4, &t4);
		nat64_count(XLAT_C_BIB_EXPIRED);
	}
	bpf_map_delete_elem(&nat64_bib6, t6);
	return NULL;
}

/* The live BIB entry of a pool4 transport address, or NULL. */
static __always_inline struct nat64_bib4_value *bib4_get(const struct nat64_taddr4 *t4, __u64 now)
{
	struct nat64_bib4_value *v = bpf_map_lookup_elem(&nat64_bib4, t4);
	struct nat64_bib6_value *o;
	struct nat64_taddr6 t6;

	if (!v || v->expires >= now)
		return v;
	t6 = v->t6;
	o = bpf_map_lookup_elem(&nat64_bib6, &t6);
	if (o && taddr4_eq(&o->t4, t4)) {
		if (o->expires >= now) {
			v->expires = o->expires;
			return v;
		}
		bpf_map_delete_elem(&nat64_bib6, &t6);
	}
	if (!bpf_map_delete_elem(&nat64_bib4, t4))
		nat64_count(XLAT_C_BIB_EXPIRED);
	return NULL;
}

/*
 * A session's lifetime became shorter (a TCP connection closing): when it is
 * its BIB entry's only session, the entry's lifetime follows it exactly, so a
 * closed connection's pool4 port is free again when its session has gone.
 * With several sessions the entry keeps the longest lifetime it has seen, until
 * the sweeper has deleted the others.
 */
static __always_inline void bib_follow(const struct nat64_session_key *k, const struct nat64_session *s)
{
	struct nat64_taddr4 t4 = {.addr = k->local4, .port = k->lport, .proto = k->proto};
	struct nat64_bib4_value *b4 = bpf_map_lookup_elem(&nat64_bib4, &t4);
	struct nat64_bib6_value *b6;
	struct nat64_taddr6 t6;

	if (!b4 || (b4->flags & NAT64_BIB_STATIC) || b4->sessions > 1 || !session_of(b4, s))
		return;
	b4->expires = s->expires;
	t6 = b4->t6;
	b6 = bpf_map_lookup_elem(&nat64_bib6, &t6);
	if (b6 && taddr4_eq(&b6->t4, &t4))
		b6->expires = s->expires;
}

/* ---------------------------------------------------------------- pool4 */

static __always_inline __u64 range_slots(const struct nat64_pool4_range *r)
{
	__u64 addrs = 1ULL << ((32 - r->prefix_len) & 63);
	__u64 ports = (__u64)r->port_max - r->port_min + 1;

	if (r->port_max < r->port_min)
		return 0;
	return addrs * ports;
}

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
	return 0;
}

/* A keyed hash (MurmurHash3-style mixing of 32-bit words). Not cryptographic:
 * the key is a random 128-bit secret chosen when the instance is created. */
static __always_inline __u32 mix_word(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51;
	k = (k << 15) | (k >> 17);
	k *= 0x1b873593;
	h ^= k;
	h = (h << 13) | (h >> 19);
	return h * 5 + 0xe6546b64;
}

static __always_inline __u32 mix_final(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* RFC 6056 F(): the fields f-args selects, keyed by the secret. */
static __always_inline __u32 fargs_hash(const struct nat64_config *cfg, const struct nat64_taddr6 *src,
					__be32 dst4, __be16 dport)
{
	const __u32 *a = (const void *)src->addr;
	__u32 h = cfg->secret[0];

	h = mix_word(h, cfg->secret[1]);
	if (cfg->f_args & NAT64_FARG_SRC_ADDR) {
		h = mix_word(h, a[0]);
		h = mix_word(h, a[1]);
		h = mix_word(h, a[2]);
		h = mix_word(h, a[3]);
	}
	if (cfg->f_args & NAT64_FARG_SRC_PORT)
		h = mix_word(h, src->port);
	if (cfg->f_args & NAT64_FARG_DST_ADDR)
		h = mix_word(h, dst4);
	if (cfg->f_args & NAT64_FARG_DST_PORT)
		h = mix_word(h, dport);
	h = mix_word(h, cfg->secret[2]);
	h = mix_word(h, cfg->secret[3] ^ src->proto);
	return mix_final(h);
}

/*
 * One allocation's arguments and scratch, in a per-CPU map: the global
 * functions below take scalars only.
 */
struct nat64_alloc {
	struct nat64_taddr6 t6;   /* who needs a pool4 transport address */
	__u32 mark;
	__be32 only;              /* the default pool4's address towards the destination, or 0: every range */
	__u32 _pad;
	__u64 expires;            /* the new entry's lifetime */
	__u64 total;              /* slots of the (proto, mark) set */
	__u64 start;              /* where the walk began */
	__u32 max_iter;           /* of the set's first range */
	__u32 created;            /* 1 when this CPU created the entry (0: another CPU's was found) */
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
	__u32 i, iter = 0, seen = 0;

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
		if (!seen) {
			iter = r->max_iter;
			seen = 1;
		}
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
 * Inserts one new session (NOEXIST). On a full table the sweeper frees what
 * has expired (sessions, and with them their BIB entries) and the insert is
 * tried once more: a bounded amount of work, however big the table.
 */
static __always_inline int insert_session(const struct nat64_session_key *k, const struct nat64_session *s)
{
	int err = bpf_map_update_elem(&nat64_sessions, k, s, BPF_NOEXIST);

	if (err == -E2BIG_ && xlat_nat64_sweep(NAT64_SWEEP_FULL))
		err = bpf_map_update_elem(&nat64_sessions, k, s, BPF_NOEXIST);
	return err;
}

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
	if (bpf_map_lookup_elem(&nat64_bib4, &a->t4) && bib4_get(&a->t4, now))
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
 * Tries the slots first .. first + n - 1 (n <= NAT64_PROBE_CHUNK) of the set,
 * wrapping at its end and crossing from one range to the next, for a free
 * pool4 transport address. Returns an ALLOC_* code (ALLOC_MORE: none free).
 */
__attribute__((noinline)) int xlat_nat64_probe(__u64 first, __u32 n)
{
	struct nat64_alloc *a = nat64_alloc();
	struct nat64_pool4_range *r;
	__u64 idx = 0, slots = 0, nports = 1, global;
	__u32 i, chosen, base = 0, pmin = 0;
	int err;

	if (!a || !a->total)
		return ALLOC_NO_POOL4;
	global = first % a->total;
	for (i = 0; i < NAT64_PROBE_CHUNK; i++) {
		__u64 pick;

		if (i >= n)
			break;
		if (i == 0 || idx >= slots) {
			/* The first probe, or off the end of a range: find the range of this slot. */
			pick = xlat_nat64_pool4_pick(global);
			chosen = pick & 0xff;
			if (chosen >= XLAT_NAT64_POOL4_MAX)
				return ALLOC_NO_POOL4;
			r = bpf_map_lookup_elem(&nat64_pool4, &chosen);
			if (!r)
				return ALLOC_NO_POOL4;
			slots = range_slots(r);
			nports = (__u64)r->port_max - r->port_min + 1;
			base = bpf_ntohl(r->addr);
			pmin = r->port_min;
			idx = pick >> 8;
			if (!slots || !nports)
				return ALLOC_NO_POOL4;
		}
		err = xlat_nat64_bib_insert(bpf_htonl(base + (__u32)(idx / nports)),
					    bpf_htons((__u16)(pmin + idx % nports)));
		if (err != ALLOC_MORE)
			return err;
		idx++;
		global = global + 1 >= a->total ? 0 : global + 1;
	}
	return ALLOC_MORE;
}

/* Up to NAT64_PROBE_CHUNK probes of NAT64_PROBE_CHUNK slots from first: n slots in all. */
__attribute__((noinline)) int xlat_nat64_probe_wide(__u64 first, __u32 n)
{
	__u32 i, done;
	int r;

	for (i = 0; i < NAT64_PROBE_CHUNK; i++) {
		done = i * NAT64_PROBE_CHUNK;
		if (done >= n)
			break;
		r = xlat_nat64_probe(first + done, n - done > NAT64_PROBE_CHUNK ? NAT64_PROBE_CHUNK : n - done);
		if (r != ALLOC_MORE)
			return r;
	}
	return ALLOC_MORE;
}

#define NAT64_PROBE_WIDE (NAT64_PROBE_CHUNK * NAT64_PROBE_CHUNK)

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
	__u64 budget, done;
	__u32 i, start = 0, retried = 0;
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
	for (i = 0; i < NAT64_ITER_MAX / NAT64_PROBE_WIDE; i++) {
		done = (__u64)i * NAT64_PROBE_WIDE;
		if (done >= budget)
			break;
		r = xlat_nat64_probe_wide(a->start + done,
					  budget - done > NAT64_PROBE_WIDE ? NAT64_PROBE_WIDE : (__u32)(budget - done));
		/* The BIB table is full: the sweeper frees expired sessions and their entries, then once more. */
		if (r == ALLOC_FULL && !retried && xlat_nat64_sweep(NAT64_SWEEP_FULL)) {
			retried = 1;
			r = xlat_nat64_probe_wide(a->start + done, budget - done > NAT64_PROBE_WIDE ? NAT64_PROBE_WIDE
												      : (__u32)(budget - done));
		}
		if (r != ALLOC_MORE)
			return r;
	}
	return ALLOC_EXHAUSTED;
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

/* Creates the BIB entry of t6 and returns its bib6 half, or NULL with *err an ALLOC_* code. */
static __always_inline struct nat64_bib6_value *bib_create_call(const struct nat64_taddr6 *t6, __be32 dst4,
								__be16 dport, __u32 mark, __be32 only,
								__u64 expires, int *err)
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

/* ---------------------------------------------------------------- held SYNs */

/*
 * RFC 6146 3.5.2.2, an IPv4 SYN to a pool4 transport address without a BIB
 * entry: BPF cannot queue the packet, so it is recorded in nat64_syn4 and
 * dropped; the sender's retransmissions do the waiting (see shared.h).
 * rt->syn4_live counts the records: +1 by the CPU whose insert succeeded, -1 by
 * the CPU whose delete succeeded, and recounted by every sweep (which also
 * heals it if userspace removed records). Concurrent SYNs on several CPUs can
 * pass the limit check together: the limit may be overshot by a few.
 */
enum { SYN4_HELD = 0, SYN4_WAITING, SYN4_EXPIRED, SYN4_FULL };

static __always_inline void syn4_forget(const struct nat64_syn4_key *k)
{
	struct nat64_runtime *rt = nat64_rt();

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
		return SYN4_FULL;   /* nat64_syn4 is full (XLAT_NAT64_SYN4_MAX) */
	__sync_fetch_and_add(&rt->syn4_live, 1);
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

/* ---------------------------------------------------------------- sessions */

static __always_inline struct nat64_session *session_get(const struct nat64_session_key *k, __u64 now)
{
	struct nat64_session *s = bpf_map_lookup_elem(&nat64_sessions, k), copy;

	if (!s || s->expires >= now)
		return s;
	copy = *s;
	session_expire(k, &copy);
	return NULL;
}

/*
 * Creates a session of the BIB entry whose pool4 side is the key's local
 * transport address (or finds the one another CPU just created), counts it
 * into that entry and queues it for the sweeper, which first looks at a few
 * older sessions. NULL: table full.
 */
static __always_inline struct nat64_session *session_create(const struct nat64_session_key *k,
							    const struct nat64_taddr6 *t6, __u8 state,
							    __u64 expires, __u64 now)
{
	struct nat64_taddr4 t4 = {.addr = k->local4, .port = k->lport, .proto = k->proto};
	struct nat64_bib4_value *b4;
	struct nat64_session s = {};
	int err;

	__builtin_memcpy(s.addr6, t6->addr, 16);
	s.port6 = t6->port;
	s.state = state;
	s.expires = expires;
	b4 = bpf_map_lookup_elem(&nat64_bib4, &t4);
	if (b4 && taddr6_eq(&b4->t6, t6))
		s.bib_gen = b4->gen;
	xlat_nat64_sweep(NAT64_SWEEP_STEPS);
	err = insert_session(k, &s);
	if (err && err != -EEXIST_)
		return NULL;
	if (!err) {
		nat64_count(XLAT_C_SESSION_CREATED);
		b4 = bpf_map_lookup_elem(&nat64_bib4, &t4);
		if (b4 && b4->gen == s.bib_gen && taddr6_eq(&b4->t6, t6))
			__sync_fetch_and_add(&b4->sessions, 1);
		bpf_map_push_elem(&nat64_sessq, k, BPF_EXIST);
	}
	return bpf_map_lookup_elem(&nat64_sessions, k);
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
static __always_inline void tcp_step(const struct nat64_config *cfg, struct nat64_session *s, int from_v6,
				     __u8 flags, __u64 now)
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
