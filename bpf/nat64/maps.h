/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The NAT64 instance's maps. Userspace finds them by name through the attached
 * programs (nat64_ prefix, at most 15 characters). The BIB and session tables
 * are plain hash maps (never LRU: live state is never evicted); their capacity
 * is set by the CLI before load. BPF_F_NO_PREALLOC: memory follows use.
 */
#ifndef XLAT_MAPS_NAT64_H
#define XLAT_MAPS_NAT64_H

#include "lib/common.h"
#include "abi/nat64.h"
#include "lib/icmp_gen.h"

#define NAT64_DEFAULT_CAPACITY 65536

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat64_config);
} nat64_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLAT_C__MAX);
	__type(key, enum xlat_counter);
	__type(value, __u64);
} nat64_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLAT_NAT64_POOL4_MAX);
	__type(key, __u32);
	__type(value, struct nat64_pool4_range);
} nat64_pool4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NAT64_DEFAULT_CAPACITY);
	__type(key, struct nat64_taddr4);
	__type(value, struct nat64_bib4_value);
} nat64_bib4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NAT64_DEFAULT_CAPACITY);
	__type(key, struct nat64_taddr6);
	__type(value, struct nat64_bib6_value);
} nat64_bib6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NAT64_DEFAULT_CAPACITY);
	__type(key, struct nat64_session_key);
	__type(value, struct nat64_session);
} nat64_sessions SEC(".maps");

/* What the first fragment of a datagram became, for its later fragments (see struct nat64_frag_key). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XLAT_NAT64_FRAG_MAX);
	__type(key, struct nat64_frag_key);
	__type(value, struct nat64_frag_value);
} nat64_frags SEC(".maps");

/*
 * The session sweeper's queue: every session's key is pushed when it is
 * created; each new flow pops a few, deletes those whose time has passed and
 * pushes the others back (nat64/session.h). Work per packet stays bounded at any
 * table size. It holds twice the session table (the CLI sizes it), which its
 * live keys and the stale keys of sessions deleted meanwhile never fill while
 * every new session pops more than it pushes. Preallocated (queues always are):
 * 32 bytes per session of capacity.
 */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 2 * NAT64_DEFAULT_CAPACITY);
	__type(value, struct nat64_session_key);
} nat64_sessq SEC(".maps");

/*
 * address-dependent-filtering (RFC 4787, RFC 6146 3.5.1.1 / 3.5.2.2): which
 * remote IPv4 addresses each pool4 transport address has a session with,
 * whatever the remote port. Kept only while the filter is on.
 */
struct nat64_adf_key {
	__be32 local4;
	__be32 remote4;
	__be16 lport;
	__u8 proto;
	__u8 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NAT64_DEFAULT_CAPACITY);
	__type(key, struct nat64_adf_key);
	__type(value, __u64); /* the latest deadline of those sessions */
} nat64_adf SEC(".maps");

/* Externally initiated SYNs waiting for an IPv6 SYN (see struct nat64_syn4_key). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XLAT_NAT64_SYN4_MAX);
	__type(key, struct nat64_syn4_key);
	__type(value, struct nat64_syn4_value);
} nat64_syn4 SEC(".maps");

/* The held SYNs by their sender (remote4, rport): which pool4 transport address
 * the last one targets, for a simultaneous open (nat64/pool4.h). Kept with
 * nat64_syn4 (nat64/filter.h); an entry whose record is gone is ignored. */
struct nat64_syn4r_key {
	__be32 remote4;
	__be16 rport;
	__u16 _pad;
};

struct nat64_syn4r_value {
	__be32 local4;
	__be16 lport;
	__u16 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XLAT_NAT64_SYN4_MAX);
	__type(key, struct nat64_syn4r_key);
	__type(value, struct nat64_syn4r_value);
} nat64_syn4r SEC(".maps");

/* Each interface's own addresses (kept by the CLI, keyed by ifindex): the
 * source of the ICMP errors the NAT64 originates towards a neighbour there. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLAT_IFADDR_MAX);
	__type(key, __u32);
	__type(value, struct xlat_ifaddr);
} nat64_ifaddr SEC(".maps");

/* Originated ICMP errors: a token bucket per CPU (XLAT_ICMP_RATE_PER_SEC, XLAT_ICMP_BURST). */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct icmp_bucket);
} nat64_icmp_rl SEC(".maps");

/* Data-plane bookkeeping, never written by userspace. */
struct nat64_runtime {
	__u32 next_ephemeral;	/* RFC 6056 algorithm 3 counter */
	__u32 syn4_live;	/* records in nat64_syn4 (approximate: recounted by every sweep) */
	__u64 reclaim_after[8]; /* earliest next full-table reclaim, by enum nat64_table */
	__u64 syn4_sweep_after; /* earliest next sweep of nat64_syn4 */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat64_runtime);
} nat64_runtime SEC(".maps");

/* What userspace changed at add and restores at remove (see struct nat64_saved_sysctl). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLAT_NAT64_SYSCTL_MAX);
	__type(key, __u32);
	__type(value, struct nat64_saved_sysctl);
} nat64_sysctl SEC(".maps");

/*
 * A program holds the maps it references: this keeps a map the data plane
 * never reads in the program's map list (the verifier sees a map pointer
 * loaded into a register and nothing else).
 */
#define NAT64_KEEP_MAP(m) asm volatile("" : : "r"(&(m)))

static __always_inline void nat64_count(enum xlat_counter reason)
{
	__u64 *v = bpf_map_lookup_elem(&nat64_stats, &reason);

	if (v)
		*v += 1; /* per-CPU slot */
}

static __always_inline struct nat64_config *nat64_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nat64_config, &zero);
}

static __always_inline struct nat64_runtime *nat64_rt(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nat64_runtime, &zero);
}

#include "nat64/blocks_maps.h"

#endif
