/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The maps of NAT64 port blocks (abi/nat64_blocks.h) and the small checks the
 * rest of NAT64 makes through them: is an IPv4 transport address a block
 * one (pool4.h, plan.h), a BIB entry gone (bib.h: a dynamic block may go
 * with it). The allocation itself is nat64/pool4_blocks.h. Included at the
 * end of nat64/maps.h.
 */
#ifndef XLAT_NAT64_BLOCKS_MAPS_H
#define XLAT_NAT64_BLOCKS_MAPS_H

#include "abi/nat64_blocks.h"

/* Block entries by their IPv6 range (the subscribers) and by their IPv4 prefix (the pool4 side). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XLAT_NAT64_BLOCKS_MAX);
	__type(key, struct lpm6_key);
	__type(value, struct nat64_blk_entry);
} nat64_blk6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XLAT_NAT64_BLOCKS_MAX);
	__type(key, struct lpm4_key);
	__type(value, struct nat64_blk_entry);
} nat64_blk4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat64_blk_ctl);
} nat64_blk_ctl SEC(".maps");

/* Dynamic blocks in use, both ways (abi/nat64_blocks.h). A block holds a BIB entry at least: as big as the BIB. */
#define XLAT_NAT64_BLK_USE_MAX 65536

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XLAT_NAT64_BLK_USE_MAX);
	__type(key, struct nat64_blk_sub_key);
	__type(value, struct nat64_blk_sub);
} nat64_blk_sub SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XLAT_NAT64_BLK_USE_MAX);
	__type(key, struct nat64_blk_use_key);
	__type(value, struct nat64_blk_use);
} nat64_blk_use SEC(".maps");

/* Dynamic blocks in use per entry (by id): a full entry refuses a new subscriber without a walk. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLAT_NAT64_BLOCKS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} nat64_blk_used SEC(".maps");

/* Block allocations and releases (struct nat64_event), for `xlat nat64 log follow`. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XLAT_NAT64_EVENTS_BYTES);
} nat64_events SEC(".maps");

/* Outcomes of a block allocation, beyond pool4.h's ALLOC_* codes. */
#define ALLOC_NOT_BLOCK	 8  /* the source is no block subscriber: pool4 as usual */
#define ALLOC_BLOCK_FULL 9  /* every port of the subscriber's block is taken */
#define ALLOC_NO_BLOCK	 10 /* dynamic: no free block for a new subscriber */

/* The mapping of a->t6 in its subscriber's block, if it has one (nat64/pool4_blocks.h): an ALLOC_* code. */
__attribute__((noinline)) int xlat_nat64_blk_create(void);

/* The BIB entry of addr#port (network order) is gone: its dynamic block's reference goes back (pool4_blocks.h). */
__attribute__((noinline)) int xlat_nat64_blk_gone(__u32 addr, __u32 port);

static __always_inline struct nat64_blk_ctl *nat64_blk_ctl_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nat64_blk_ctl, &zero);
}

/* Per CPU: the key of the check below, which runs deep in call chains (here, not on the stack), and the BIB
 * entries an allocation's walk deleted (bib.h), whose references its caller gives back. */
struct nat64_blk_scratch {
	struct lpm4_key k4;
	__u32 gone;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat64_blk_scratch);
} nat64_blk_scratch SEC(".maps");

static __always_inline struct nat64_blk_scratch *nat64_blk_scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nat64_blk_scratch, &zero);
}

/* The block entry whose IPv4 prefix holds addr, or NULL (at once when there are none). */
static __always_inline struct nat64_blk_entry *blk4_entry(__be32 addr)
{
	struct nat64_blk_ctl *ctl = nat64_blk_ctl_get();
	struct nat64_blk_scratch *x;

	if (!ctl || !ctl->entries)
		return NULL;
	x = nat64_blk_scratch_get();
	if (!x)
		return NULL;
	x->k4.prefixlen = 32;
	__builtin_memcpy(x->k4.addr, &addr, 4);
	return bpf_map_lookup_elem(&nat64_blk4, &x->k4);
}

/* Is addr#port (network order) one of a block entry's transport addresses? */
static __always_inline int blk4_contains(__be32 addr, __be16 port)
{
	struct nat64_blk_entry *e = blk4_entry(addr);
	__u32 p = bpf_ntohs(port);

	return e && p >= e->port_min && (__u64)p < (__u64)e->port_min + (__u64)e->blocks_per_addr * e->block_size;
}

#endif
