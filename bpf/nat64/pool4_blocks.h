/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port blocks (RFC 7422): a new BIB entry of an IPv6 source inside a block
 * entry's range takes its port from its subscriber's block and nowhere else.
 * A deterministic block comes from the formula (nat64/rfc7422.h); a dynamic
 * one is taken at the subscriber's first flow (the first free block from its
 * number on) and given back when its last BIB entry goes, each an event in
 * nat64_events. A full block refuses the subscriber's new flows only
 * (XLAT_C_DROP_BLOCK_FULL); a dynamic entry without a free block refuses new
 * subscribers (XLAT_C_DROP_NO_FREE_BLOCK).
 *
 * As in pool4.h, the walk is global functions whose loops carry nothing but
 * their counter (older verifiers), with their arguments in a per-CPU map. The
 * hook is bib_create_call (pool4.h), before the pool4 walk; a namespace
 * without block entries pays one array lookup per new BIB entry.
 */
#ifndef XLAT_NAT64_POOL4_BLOCKS_H
#define XLAT_NAT64_POOL4_BLOCKS_H

#include "nat64/pool4.h"
#include "nat64/rfc7422.h"

/* A dynamic block to give references of back, or to send an event about: its keys and ports, in map memory (the
 * functions that use it run deep in call chains, where every value kept across a call takes stack). */
struct nat64_blk_put {
	struct nat64_blk_use_key uk;
	struct nat64_blk_sub_key sk; /* filled from the block's entry when it goes */
	__u32 first;		     /* its first port */
	__u32 bs;		     /* its size */
};

/* One block allocation's arguments and scratch (per CPU). */
struct nat64_blk_arg {
	struct nat64_blk_entry e; /* the subscriber's entry, copied */
	struct lpm6_key k6;	  /* the lookup key, here rather than on the (deep) stack */
	__be32 addr;		  /* its block: address, */
	__u32 first;		  /* first port, */
	__u32 home;		  /* where the walk in the block starts */
	__u32 k;		  /* the subscriber's number */
	__u32 block;		  /* dynamic: the block's number on its address */
	__u32 _pad;
	__u64 total; /* dynamic: the entry's blocks */
	/* Dynamic: keys and values of the table operations, here rather than on the (deep) stack. */
	struct nat64_blk_sub_key sk;
	struct nat64_blk_sub s;
	struct nat64_blk_use_key uk;
	/* A new block's struct nat64_blk_use, as bytes: a per-CPU map's value may hold no bpf_spin_lock. */
	__u64 u[sizeof(struct nat64_blk_use) / 8];
	struct nat64_blk_put put; /* the allocation's block, to give back or tell about */
	/* xlat_nat64_blk_gone's own (it runs under an allocation's sweep, whose fields above are in use). */
	struct nat64_blk_put gone;
	struct nat64_event ev; /* the event being sent (and struct nat64_event's BTF, which the CLI checks) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat64_blk_arg);
} nat64_blk_arg SEC(".maps");

static __always_inline struct nat64_blk_arg *nat64_blk_arg_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nat64_blk_arg, &zero);
}

/* Tries port slot of the block (counted from home, wrapping inside the block). An ALLOC_* code. Inlined into
 * the probe, as pool4.h's slot probe is: one call frame less keeps the deepest chain within 6.1's stack limit. */
static __always_inline int nat64_blk_slot(__u64 slot)
{
	struct nat64_blk_arg *b = nat64_blk_arg_get();
	__u32 port;

	if (!b || !b->e.block_size)
		return ALLOC_NO_POOL4;
	port = b->first + (__u32)((b->home + slot) % b->e.block_size);
	return xlat_nat64_bib_insert(b->addr, bpf_htons((__u16)port));
}

/* Tries slots first .. first + n - 1 (n <= NAT64_PROBE_CHUNK). */
__attribute__((noinline)) int xlat_nat64_blk_probe(__u64 first, __u32 n)
{
	__u32 i;
	int r;

	for (i = 0; i < NAT64_PROBE_CHUNK; i++) {
		if (i >= n)
			break;
		r = nat64_blk_slot(first + i);
		if (r != ALLOC_MORE)
			return r;
	}
	return ALLOC_MORE;
}

/* Every port of the block from home on (block_size <= NAT64_ITER_MAX). ALLOC_MORE: all taken. */
__attribute__((noinline)) int xlat_nat64_blk_walk(__u32 bs)
{
	__u32 i;
	int r;

	for (i = 0; i < NAT64_ITER_MAX / NAT64_PROBE_CHUNK; i++) {
		if (i * NAT64_PROBE_CHUNK >= bs)
			break;
		r = xlat_nat64_blk_probe(i * NAT64_PROBE_CHUNK, bs - i * NAT64_PROBE_CHUNK);
		if (r != ALLOC_MORE)
			return r;
	}
	return ALLOC_MORE;
}

/* ------------------------------------------------------------ dynamic blocks */

/* One event into the ring buffer; when it has no room (nobody reads it), the loss is counted. */
static __always_inline void blk_event(__u8 type, const struct nat64_blk_use *u, const struct nat64_blk_put *p)
{
	struct nat64_blk_arg *b = nat64_blk_arg_get();
	struct nat64_event *ev;

	if (!b)
		return;
	ev = &b->ev;
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->time = bpf_ktime_get_ns();
	__builtin_memcpy(ev->sub, u->sub, 16);
	ev->addr = p->uk.addr;
	ev->port_min = (__u16)p->first;
	ev->port_max = (__u16)(p->first + p->bs - 1);
	ev->id = u->id;
	ev->sub_len = u->sub_len;
	ev->type = type;
	if (bpf_ringbuf_output(&nat64_events, ev, sizeof(*ev), 0))
		nat64_count(XLAT_C_EVENT_LOST);
}

static __always_inline void blk_used_add(__u32 id, __s64 n)
{
	__u64 *v = bpf_map_lookup_elem(&nat64_blk_used, &id);

	if (v)
		__sync_fetch_and_add(v, n);
}

/*
 * Gives n references of the block p back; the last one releases it: the
 * subscriber's entry and the block's go, an event tells. Returns 1 when
 * released.
 */
static __always_inline int blk_put(struct nat64_blk_put *p, __u32 n)
{
	struct nat64_blk_use *u = bpf_map_lookup_elem(&nat64_blk_use, &p->uk);
	struct nat64_blk_sub *s;
	int release;

	if (!u)
		return 0;
	bpf_spin_lock(&u->lock);
	u->refs = u->refs > n ? u->refs - n : 0;
	release = !u->refs && !u->released;
	if (release)
		u->released = 1;
	bpf_spin_unlock(&u->lock);
	if (!release)
		return 0;
	__builtin_memcpy(p->sk.prefix, u->sub, 16);
	p->sk.id = u->id;
	s = bpf_map_lookup_elem(&nat64_blk_sub, &p->sk);
	if (s && s->addr == p->uk.addr && s->block == p->uk.block)
		bpf_map_delete_elem(&nat64_blk_sub, &p->sk);
	blk_event(NAT64_EV_BLOCK_RELEASE, u, p);
	blk_used_add(u->id, -1);
	bpf_map_delete_elem(&nat64_blk_use, &p->uk);
	nat64_count(XLAT_C_BLOCK_RELEASED);
	return 1;
}

/* The BIB entry of addr#port is gone: when its port is in a dynamic block, one reference of the block goes back. */
__attribute__((noinline)) int xlat_nat64_blk_gone(__u32 addr, __u32 port)
{
	struct nat64_blk_ctl *ctl = nat64_blk_ctl_get();
	struct nat64_blk_arg *b;
	struct nat64_blk_entry *e;
	__u32 p = bpf_ntohs((__be16)port);

	if (!ctl || !ctl->dynamic)
		return 0;
	e = blk4_entry((__be32)addr);
	if (!e || e->mode != NAT64_BLK_DYNAMIC || !e->block_size || p < e->port_min)
		return 0;
	b = nat64_blk_arg_get();
	if (!b)
		return 0;
	b->gone.uk.addr = (__be32)addr;
	b->gone.uk.block = (p - e->port_min) / e->block_size;
	b->gone.first = e->port_min + b->gone.uk.block * e->block_size;
	b->gone.bs = e->block_size;
	return blk_put(&b->gone, 1);
}

/* Claims block number slot of the entry (slot < b->total) for the subscriber: 0 done (b->addr, b->block,
 * b->first set), 1 taken, 2 table full. The claim is the insertion: one CPU wins a block. */
static __always_inline int blk_claim(struct nat64_blk_arg *b, __u64 slot)
{
	int err;

	if (!b->e.blocks_per_addr)
		return 2;
	b->uk.addr = bpf_htonl(bpf_ntohl(b->e.addr) + (__u32)(slot / b->e.blocks_per_addr));
	b->uk.block = (__u32)(slot % b->e.blocks_per_addr);
	err = bpf_map_update_elem(&nat64_blk_use, &b->uk, b->u, BPF_NOEXIST);
	if (err == -EEXIST_)
		return 1;
	if (err)
		return 2;
	b->addr = b->uk.addr;
	b->block = b->uk.block;
	b->first = b->e.port_min + b->block * b->e.block_size;
	return 0;
}

/* Claims the first free block of slots first .. first + n - 1 (n <= NAT64_PROBE_CHUNK, wrapping at b->total). */
__attribute__((noinline)) int xlat_nat64_blk_find(__u64 first, __u32 n)
{
	struct nat64_blk_arg *b = nat64_blk_arg_get();
	__u32 i;
	int r;

	if (!b || !b->total)
		return 2;
	for (i = 0; i < NAT64_PROBE_CHUNK; i++) {
		if (i >= n)
			break;
		r = blk_claim(b, (first + i) % b->total);
		if (r != 1)
			return r;
	}
	return 1;
}

/* A new block for the subscriber: the first free one from its number on (up to NAT64_ITER_MAX tried). */
__attribute__((noinline)) int xlat_nat64_blk_alloc(__u64 start, __u32 budget)
{
	__u32 i;
	int r = 1;

	for (i = 0; i < NAT64_ITER_MAX / NAT64_PROBE_CHUNK; i++) {
		if (i * NAT64_PROBE_CHUNK >= budget)
			break;
		r = xlat_nat64_blk_find(start + i * NAT64_PROBE_CHUNK, budget - i * NAT64_PROBE_CHUNK);
		if (r != 1)
			return r;
	}
	return r;
}

/* Takes a reference on the subscriber's block (key b->sk) if it has one alive: 1 (b->addr, b->block,
 * b->first set), else 0 (a leftover subscriber entry of a block being released is deleted). */
static __always_inline int blk_ref(struct nat64_blk_arg *b)
{
	struct nat64_blk_sub *s = bpf_map_lookup_elem(&nat64_blk_sub, &b->sk);
	struct nat64_blk_use *u;
	int ok;

	if (!s)
		return 0;
	b->uk.addr = s->addr;
	b->uk.block = s->block;
	u = bpf_map_lookup_elem(&nat64_blk_use, &b->uk);
	if (!u) {
		bpf_map_delete_elem(&nat64_blk_sub, &b->sk);
		return 0;
	}
	bpf_spin_lock(&u->lock);
	ok = !u->released;
	if (ok)
		u->refs++;
	bpf_spin_unlock(&u->lock);
	if (!ok) {
		/* Being released: its subscriber entry goes now (the releasing CPU may not be there yet). */
		bpf_map_delete_elem(&nat64_blk_sub, &b->sk);
		return 0;
	}
	b->addr = b->uk.addr;
	b->block = b->uk.block;
	b->first = b->e.port_min + b->block * b->e.block_size;
	return 1;
}

/*
 * Dynamic: a reference on the subscriber's block (b->sk), which is allocated
 * now if it has none (an event tells). 0, ALLOC_NO_BLOCK or ALLOC_FULL.
 */
__attribute__((noinline)) int xlat_nat64_blk_hold(void)
{
	struct nat64_blk_arg *b = nat64_blk_arg_get();
	struct nat64_blk_use *u;
	__u64 *used;
	__u32 id;
	int r, err;

	if (!b)
		return ALLOC_FULL;
	if (blk_ref(b))
		return 0;
	id = b->e.id;
	used = bpf_map_lookup_elem(&nat64_blk_used, &id);
	if (!used || *used >= b->total)
		return ALLOC_NO_BLOCK; /* every block taken: no walk */
	u = (struct nat64_blk_use *)b->u;
	__builtin_memset(b->u, 0, sizeof(b->u));
	u->refs = 1; /* this allocation's, until its BIB entry holds the block */
	__builtin_memcpy(u->sub, b->sk.prefix, 16);
	u->id = b->e.id;
	u->sub_len = b->e.sub_len;
	u->since = bpf_ktime_get_ns();
	r = xlat_nat64_blk_alloc(b->k % b->total, b->total < NAT64_ITER_MAX ? (__u32)b->total : NAT64_ITER_MAX);
	if (r)
		return r == 1 ? ALLOC_NO_BLOCK : ALLOC_FULL;
	b->s.addr = b->addr;
	b->s.block = b->block;
	err = bpf_map_update_elem(&nat64_blk_sub, &b->sk, &b->s, BPF_NOEXIST);
	if (err) {
		/* Another CPU gave the subscriber a block first (or the table is full): the one claimed goes back. */
		b->uk.addr = b->addr;
		b->uk.block = b->block;
		bpf_map_delete_elem(&nat64_blk_use, &b->uk);
		if (err == -EEXIST_ && blk_ref(b))
			return 0;
		return ALLOC_FULL;
	}
	blk_used_add(id, 1);
	b->put.uk.addr = b->addr;
	b->put.uk.block = b->block;
	b->put.first = b->first;
	b->put.bs = b->e.block_size;
	blk_event(NAT64_EV_BLOCK_ALLOC, u, &b->put);
	nat64_count(XLAT_C_BLOCK_ALLOCATED);
	return 0;
}

/* ------------------------------------------------------------ the hook */

/* The mapping in the block b->addr, b->first. An ALLOC_* code. */
static __always_inline int blk_walk_block(struct nat64_blk_arg *b)
{
	int r = xlat_nat64_blk_walk(b->e.block_size);

	return r == ALLOC_MORE ? ALLOC_BLOCK_FULL : r;
}

/*
 * Creates the BIB entry of a->t6 in its subscriber's block when its source is
 * inside a block entry's range; ALLOC_NOT_BLOCK otherwise. A dynamic
 * subscriber's reference on its block (held, or allocated, here) stays with
 * the BIB entry made; otherwise it goes back at once. ALLOC_FULL (the BIB
 * full) and ALLOC_NO_BLOCK (every dynamic block taken) get the sweeper's
 * second chance from the caller (pool4.h's bib_create_call), a call level
 * higher: the sweeper under this function, with a block's release under the
 * sweeper, was over the 512 bytes of stack of 5.15 and 6.1.
 */
__attribute__((noinline)) int xlat_nat64_blk_create(void)
{
	struct nat64_alloc *a = nat64_alloc();
	struct nat64_blk_arg *b = nat64_blk_arg_get();
	struct nat64_blk_ctl *ctl = nat64_blk_ctl_get();
	struct nat64_blk_scratch *x;
	struct nat64_blk_entry *e;
	int r;

	if (!a || !b || !ctl || !ctl->entries)
		return ALLOC_NOT_BLOCK;
	b->k6.prefixlen = 128;
	__builtin_memcpy(b->k6.addr, a->t6.addr, 16);
	e = bpf_map_lookup_elem(&nat64_blk6, &b->k6);
	if (!e)
		return ALLOC_NOT_BLOCK;
	b->e = *e;
	a->created = 0;
	b->k = rfc7422_index(&b->e, a->t6.addr);
	b->home = rfc7422_home(&b->e, a->t6.addr, bpf_ntohs(a->t6.port));
	if (b->e.mode != NAT64_BLK_DYNAMIC) {
		if (rfc7422_block(&b->e, b->k, &b->addr, &b->first))
			return ALLOC_EXHAUSTED; /* beyond the pool: the CLI never configures that */
		return blk_walk_block(b);
	}
	rfc7422_prefix(&b->e, a->t6.addr, b->sk.prefix);
	b->sk.id = b->e.id;
	b->total = ((__u64)1 << ((32 - b->e.prefix_len) & 63)) * b->e.blocks_per_addr;
	r = xlat_nat64_blk_hold();
	if (r)
		return r;
	x = nat64_blk_scratch_get();
	if (!x)
		return ALLOC_FULL;
	x->gone = 0;
	r = blk_walk_block(b);
	/* The references of the expired BIB entries the walk deleted (all in this block), and this allocation's own
	 * unless the entry made here holds it now. The block is held meanwhile: it cannot go before the last. */
	b->put.uk.addr = b->addr;
	b->put.uk.block = b->block;
	b->put.first = b->first;
	b->put.bs = b->e.block_size;
	blk_put(&b->put, x->gone + (r != ALLOC_OK || !a->created ? 1 : 0));
	return r;
}

#endif
