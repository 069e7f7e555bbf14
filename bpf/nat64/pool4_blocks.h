/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deterministic port blocks (RFC 7422): a new BIB entry of an IPv6 source
 * inside a block entry's range takes its port from its subscriber's block and
 * nowhere else (the block comes from the formula, nat64/rfc7422.h). A full
 * block refuses the subscriber's new flows only (XLAT_C_DROP_BLOCK_FULL).
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

/* One block allocation's arguments and scratch (per CPU). */
struct nat64_blk_arg {
	struct nat64_blk_entry e; /* the subscriber's entry, copied */
	struct lpm6_key k6;	  /* the lookup key, here rather than on the (deep) stack */
	__be32 addr;		  /* its block: address, */
	__u32 first;		  /* first port, */
	__u32 home;		  /* where the walk in the block starts */
	__u32 k;		  /* the subscriber's number */
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

/*
 * Creates the BIB entry of a->t6 in its subscriber's block when its source is
 * inside a block entry's range; ALLOC_NOT_BLOCK otherwise. With the sweeper's
 * second chance when the table is full, as pool4.h's walk has.
 */
__attribute__((noinline)) int xlat_nat64_blk_create(void)
{
	struct nat64_alloc *a = nat64_alloc();
	struct nat64_blk_arg *b = nat64_blk_arg_get();
	struct nat64_blk_ctl *ctl = nat64_blk_ctl_get();
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
	if (rfc7422_block(&b->e, b->k, &b->addr, &b->first))
		return ALLOC_EXHAUSTED; /* beyond the pool: the CLI never configures that */
	r = xlat_nat64_blk_walk(b->e.block_size);
	if (r == ALLOC_FULL && xlat_nat64_sweep(NAT64_SWEEP_FULL))
		r = xlat_nat64_blk_walk(b->e.block_size);
	return r == ALLOC_MORE ? ALLOC_BLOCK_FULL : r;
}

#endif
