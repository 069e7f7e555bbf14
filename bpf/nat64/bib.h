/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 6146 3.5.1: the Binding Information Base. An entry is stored twice
 * (nat64_bib4 by its pool4 side, nat64_bib6 by its IPv6 side), each half
 * refreshed by the traffic of its own direction: the pair is alive while
 * either half is. A dynamic entry counts its sessions and goes with the last
 * one; while it has one, its lifetime is exactly that session's. No timers:
 * every entry carries its deadline, and whoever meets an expired one deletes
 * it.
 */
#ifndef XLAT_NAT64_BIB_H
#define XLAT_NAT64_BIB_H

#include "lib/common.h"
#include "nat64/maps.h"

struct bpf_map;

#define E2BIG_	7
#define EEXIST_ 17

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
 * One dynamic BIB entry is gone (its bib4 half deleted, by this CPU): counted,
 * and the reference it held on a dynamic block goes back (a global call: a
 * single instruction in every caller, and nothing more when no entry is
 * dynamic).
 */
static __always_inline void bib_gone(const struct nat64_taddr4 *t4)
{
	nat64_count(XLAT_C_BIB_EXPIRED);
	xlat_nat64_blk_gone(t4->addr, t4->port);
}

/*
 * The same inside an allocation's walk (pool4.h's xlat_nat64_bib_insert),
 * the deepest call chain, where one frame more is over the 512 bytes of
 * stack 5.15 and 6.1 allow: only counted per CPU. The walk of a dynamic block
 * meets only its own block's entries, whose references its caller, holding
 * the block, gives back at once (pool4_blocks.h); other walks meet none.
 */
static __always_inline void bib_gone_in_walk(void)
{
	struct nat64_blk_scratch *x = nat64_blk_scratch_get();

	nat64_count(XLAT_C_BIB_EXPIRED);
	if (x)
		x->gone++;
}

/* Deletes both halves of the BIB entry whose pool4 side is t4 (dynamic ones only). */
static __always_inline void bib_delete(const struct nat64_taddr4 *t4, struct nat64_bib4_value *b4)
{
	/* b4's own t6 is the key (no copy on the stack: this runs under the sweeper, in the deepest call chain). */
	struct nat64_bib6_value *o = bpf_map_lookup_elem(&nat64_bib6, &b4->t6);

	if (b4->flags & NAT64_BIB_STATIC)
		return;
	if (o && taddr4_eq(&o->t4, t4))
		bpf_map_delete_elem(&nat64_bib6, &b4->t6);
	if (!bpf_map_delete_elem(&nat64_bib4, t4))
		bib_gone(t4);
}

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
		if (!bpf_map_delete_elem(&nat64_bib4, &t4))
			bib_gone(&t4);
	}
	bpf_map_delete_elem(&nat64_bib6, t6);
	return NULL;
}

/* The live BIB entry of a pool4 transport address, or NULL. in_walk: called by an allocation's walk. */
static __always_inline struct nat64_bib4_value *bib4_get_in(const struct nat64_taddr4 *t4, __u64 now, int in_walk)
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
	if (!bpf_map_delete_elem(&nat64_bib4, t4)) {
		if (in_walk)
			bib_gone_in_walk();
		else
			bib_gone(t4);
	}
	return NULL;
}

static __always_inline struct nat64_bib4_value *bib4_get(const struct nat64_taddr4 *t4, __u64 now)
{
	return bib4_get_in(t4, now, 0);
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

#endif
