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

#include "common.h"
#include "maps_nat64.h"

struct bpf_map;

#define NAT64_PROBES        64        /* ports tried per allocation */
#define NAT64_RECLAIM_PAUSE 1000000000ULL /* a fruitless scan waits this long before the next */

#define E2BIG_ 7
#define EEXIST_ 17

enum { T_BIB4 = 0, T_BIB6 = 1, T_SESS = 2, T_FRAG = 3 };

static __always_inline int taddr6_eq(const struct nat64_taddr6 *a, const struct nat64_taddr6 *b)
{
	const __u32 *x = (const void *)a, *y = (const void *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4];
}

static __always_inline int taddr4_eq(const struct nat64_taddr4 *a, const struct nat64_taddr4 *b)
{
	return a->addr == b->addr && a->port == b->port && a->proto == b->proto;
}

static __always_inline __u64 nat64_timeout(const struct nat64_config *cfg, __u8 proto, __u8 state)
{
	if (proto == IPPROTO_UDP)
		return cfg->udp_timeout;
	if (proto == IPPROTO_ICMP)
		return cfg->icmp_timeout;
	switch (state) {
	case NAT64_TCP_ESTABLISHED:
	case NAT64_TCP_V4_FIN_RCV:
	case NAT64_TCP_V6_FIN_RCV:
		return cfg->tcp_est_timeout;
	}
	return cfg->tcp_trans_timeout;
}

/* ---------------------------------------------------------------- reclaim */

struct reclaim_ctx {
	__u64 now;
	__u32 deleted;     /* 0 or 1: keeps the verifier's view of the callback small */
};

static long reclaim_bib4_cb(struct bpf_map *map, struct nat64_taddr4 *key, struct nat64_bib4_value *v,
			    struct reclaim_ctx *c)
{
	struct nat64_taddr6 t6;
	struct nat64_bib6_value *o;
	struct nat64_taddr4 k = *key;

	if (v->expires >= c->now)
		return 0;
	t6 = v->t6;
	o = bpf_map_lookup_elem(&nat64_bib6, &t6);
	if (o && taddr4_eq(&o->t4, &k) && o->expires >= c->now)
		return 0; /* the other half is alive */
	bpf_map_delete_elem(&nat64_bib4, &k);
	if (o && taddr4_eq(&o->t4, &k))
		bpf_map_delete_elem(&nat64_bib6, &t6);
	c->deleted = 1;
	return 0;
}

static long reclaim_bib6_cb(struct bpf_map *map, struct nat64_taddr6 *key, struct nat64_bib6_value *v,
			    struct reclaim_ctx *c)
{
	struct nat64_taddr4 t4;
	struct nat64_bib4_value *o;
	struct nat64_taddr6 k = *key;

	if (v->expires >= c->now)
		return 0;
	t4 = v->t4;
	o = bpf_map_lookup_elem(&nat64_bib4, &t4);
	if (o && taddr6_eq(&o->t6, &k) && o->expires >= c->now)
		return 0;
	bpf_map_delete_elem(&nat64_bib6, &k);
	if (o && taddr6_eq(&o->t6, &k))
		bpf_map_delete_elem(&nat64_bib4, &t4);
	c->deleted = 1;
	return 0;
}

static long reclaim_sess_cb(struct bpf_map *map, struct nat64_session_key *key, struct nat64_session *v,
			    struct reclaim_ctx *c)
{
	struct nat64_session_key k = *key;

	if (v->expires >= c->now)
		return 0;
	bpf_map_delete_elem(&nat64_sessions, &k);
	c->deleted = 1;
	return 0;
}

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

/*
 * Deletes every expired entry of a full table (one pass); returns whether it
 * freed any. A pass that frees nothing blocks further passes on that table for
 * NAT64_RECLAIM_PAUSE, so a table full of live entries costs one scan a second.
 */
static __always_inline __u32 nat64_reclaim(int table, __u64 now)
{
	struct nat64_runtime *rt = nat64_rt();
	struct reclaim_ctx c = {.now = now};
	int i = table & 3;

	if (!rt)
		return 0;
	if (rt->reclaim_after[i] > now)
		return 0;
	if (table == T_BIB4)
		bpf_for_each_map_elem(&nat64_bib4, reclaim_bib4_cb, &c, 0);
	else if (table == T_BIB6)
		bpf_for_each_map_elem(&nat64_bib6, reclaim_bib6_cb, &c, 0);
	else if (table == T_FRAG)
		bpf_for_each_map_elem(&nat64_frags, reclaim_frag_cb, &c, 0);
	else
		bpf_for_each_map_elem(&nat64_sessions, reclaim_sess_cb, &c, 0);
	if (c.deleted)
		nat64_count(NAT64_C_RECLAIMED);
	else
		rt->reclaim_after[i] = now + NAT64_RECLAIM_PAUSE;
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
	bpf_map_delete_elem(&nat64_bib4, t4);
	return NULL;
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
 * The pool4 walks of an allocation, as global functions (scalars only): the
 * verifier checks each loop once instead of once per path reaching it.
 */
/* Transport addresses in the pool4 ranges of proto and mark. */
__attribute__((noinline)) __u64 xlat_nat64_pool4_total(__u32 proto, __u32 mark)
{
	struct nat64_config *cfg = nat64_cfg();
	struct nat64_pool4_range *r;
	__u64 total = 0;
	__u32 i;

	if (!cfg)
		return 0;
	for (i = 0; i < XLAT_NAT64_POOL4_MAX; i++) {
		__u32 key = i;

		if (i >= cfg->pool4_count)
			break;
		r = bpf_map_lookup_elem(&nat64_pool4, &key);
		if (!r)
			break;
		if (r->proto == proto && r->mark == mark)
			total += range_slots(r);
	}
	return total;
}

/* The range holding slot off of proto and mark: (offset inside it << 8) | its index; 0xff: none. */
__attribute__((noinline)) __u64 xlat_nat64_pool4_pick(__u32 proto, __u32 mark, __u64 off)
{
	struct nat64_config *cfg = nat64_cfg();
	struct nat64_pool4_range *r;
	__u32 i;

	if (!cfg)
		return 0xff;
	for (i = 0; i < XLAT_NAT64_POOL4_MAX; i++) {
		__u32 key = i;
		__u64 s;

		if (i >= cfg->pool4_count)
			break;
		r = bpf_map_lookup_elem(&nat64_pool4, &key);
		if (!r)
			break;
		if (r->proto != proto || r->mark != mark)
			continue;
		s = range_slots(r);
		if (off < s)
			return (off << 8) | i;
		off -= s;
	}
	return 0xff;
}

/* Outcome of a BIB creation. */
enum { ALLOC_OK = 0, ALLOC_NO_POOL4, ALLOC_EXHAUSTED, ALLOC_FULL };

/* Inserts one new table entry: NOEXIST; on a full table, reclaim once and retry. */
static __always_inline int insert_new(void *map, int table, const void *key, const void *val, __u64 now)
{
	int err = bpf_map_update_elem(map, key, val, BPF_NOEXIST);

	if (err == -E2BIG_ && nat64_reclaim(table, now))
		err = bpf_map_update_elem(map, key, val, BPF_NOEXIST);
	return err;
}

/*
 * Creates the BIB entry of t6 (RFC 6146 3.5.1.1 / RFC 6056 algorithm 3):
 * start at F(f-args, secret) + next_ephemeral inside the pool4 slots of the
 * protocol and mark, then probe linearly inside that range. On success *out
 * is the bib6 value (a concurrent creator's one if it won the race).
 */
static __always_inline int bib_create(const struct nat64_config *cfg, const struct nat64_taddr6 *t6,
				      __be32 dst4, __be16 dport, __u32 mark, __u64 expires, __u64 now,
				      struct nat64_bib6_value **out)
{
	struct nat64_runtime *rt = nat64_rt();
	struct nat64_pool4_range *r, range;
	__u64 total, off, n, nports, pick;
	__u32 i, chosen, start = 0;
	int err;

	total = xlat_nat64_pool4_total(t6->proto, mark);
	if (!total)
		return ALLOC_NO_POOL4;
	if (rt) {
		/* A racy read is fine: it only moves the starting point (no fetch-add: -mcpu=v1). */
		start = rt->next_ephemeral;
		__sync_fetch_and_add(&rt->next_ephemeral, 1);
	}
	off = ((__u64)fargs_hash(cfg, t6, dst4, dport) + start) % total;
	pick = xlat_nat64_pool4_pick(t6->proto, mark, off);
	chosen = pick & 0xff;
	off = pick >> 8;
	if (chosen >= XLAT_NAT64_POOL4_MAX)
		return ALLOC_NO_POOL4;
	r = bpf_map_lookup_elem(&nat64_pool4, &chosen);
	if (!r)
		return ALLOC_NO_POOL4;
	range = *r;
	n = range_slots(&range);
	nports = (__u64)range.port_max - range.port_min + 1;
	if (!n || !nports)
		return ALLOC_NO_POOL4;

	for (i = 0; i < NAT64_PROBES; i++) {
		struct nat64_bib4_value v4 = {}, *old;
		struct nat64_bib6_value v6 = {};
		struct nat64_taddr4 t4 = {};
		__u64 idx;

		if (i >= n)
			break;
		idx = (off + i) % n;
		t4.addr = bpf_htonl(bpf_ntohl(range.addr) + (__u32)(idx / nports));
		t4.port = bpf_htons((__u16)(range.port_min + idx % nports));
		t4.proto = t6->proto;
		old = bpf_map_lookup_elem(&nat64_bib4, &t4);
		if (old && bib4_get(&t4, now))
			continue; /* in use */
		v4.t6 = *t6;
		v4.expires = expires;
		err = insert_new(&nat64_bib4, T_BIB4, &t4, &v4, now);
		if (err == -EEXIST_)
			continue; /* another CPU took it meanwhile */
		if (err)
			return ALLOC_FULL;
		v6.t4 = t4;
		v6.expires = expires;
		err = insert_new(&nat64_bib6, T_BIB6, t6, &v6, now);
		if (err) {
			bpf_map_delete_elem(&nat64_bib4, &t4);
			if (err != -EEXIST_)
				return ALLOC_FULL;
			/* Another CPU created the mapping of t6 first: use it. */
		}
		*out = bpf_map_lookup_elem(&nat64_bib6, t6);
		if (!*out)
			return ALLOC_FULL;
		if (rt)
			__sync_fetch_and_add(&rt->next_ephemeral, i);
		if (!err)
			nat64_count(NAT64_C_BIB_CREATED);
		return ALLOC_OK;
	}
	return ALLOC_EXHAUSTED;
}

/*
 * bib_create as a global function, verified once for every path and program
 * that allocates: its arguments are scalars, the IPv6 transport address waits
 * in a per-CPU map. Returns an ALLOC_* code; the new entry is then looked up.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat64_taddr6);
} nat64_alloc_arg SEC(".maps");

__attribute__((noinline)) int xlat_nat64_bib_create(__u32 dst4, __u32 dport, __u32 mark, __u64 expires)
{
	struct nat64_config *cfg = nat64_cfg();
	struct nat64_bib6_value *b6;
	struct nat64_taddr6 *t6;
	__u32 zero = 0;

	t6 = bpf_map_lookup_elem(&nat64_alloc_arg, &zero);
	if (!cfg || !t6)
		return ALLOC_FULL;
	return bib_create(cfg, t6, (__be32)dst4, (__be16)dport, mark, expires, bpf_ktime_get_ns(), &b6);
}

static __always_inline struct nat64_bib6_value *bib_create_call(const struct nat64_taddr6 *t6, __be32 dst4,
								__be16 dport, __u32 mark, __u64 expires, int *err)
{
	struct nat64_taddr6 *arg;
	__u32 zero = 0;

	arg = bpf_map_lookup_elem(&nat64_alloc_arg, &zero);
	if (!arg) {
		*err = ALLOC_FULL;
		return NULL;
	}
	*arg = *t6;
	*err = xlat_nat64_bib_create(dst4, dport, mark, expires);
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
	struct nat64_session *s = bpf_map_lookup_elem(&nat64_sessions, k);

	if (!s || s->expires >= now)
		return s;
	bpf_map_delete_elem(&nat64_sessions, k);
	return NULL;
}

/* Creates a session (or finds the one another CPU just created). NULL: table full. */
static __always_inline struct nat64_session *session_create(const struct nat64_session_key *k,
							    const struct nat64_taddr6 *t6, __u8 state,
							    __u64 expires, __u64 now)
{
	struct nat64_session s = {};
	int err;

	__builtin_memcpy(s.addr6, t6->addr, 16);
	s.port6 = t6->port;
	s.state = state;
	s.expires = expires;
	err = insert_new(&nat64_sessions, T_SESS, k, &s, now);
	if (err && err != -EEXIST_)
		return NULL;
	if (!err)
		nat64_count(NAT64_C_SESSION_CREATED);
	return bpf_map_lookup_elem(&nat64_sessions, k);
}

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_ACK 0x10

/*
 * RFC 6146 section 3.5.2: one packet of an existing TCP session. Moves the
 * state and refreshes the lifetime where the state machine says so.
 */
static __always_inline void tcp_step(const struct nat64_config *cfg, struct nat64_session *s, int from_v6,
				     __u8 flags, __u64 now)
{
	__u8 st = s->state;
	int fin = flags & TCPF_FIN, syn = flags & TCPF_SYN, rst = flags & TCPF_RST;
	__u64 est = now + cfg->tcp_est_timeout, trans = now + cfg->tcp_trans_timeout;

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
			s->state = NAT64_TCP_TRANS;
			s->expires = trans;
		} else
			s->expires = est;
		break;
	case NAT64_TCP_V4_FIN_V6_FIN_RCV:
		break;
	case NAT64_TCP_TRANS:
		if (!rst) {
			s->state = NAT64_TCP_ESTABLISHED;
			s->expires = est;
		}
		break;
	}
}

#endif
