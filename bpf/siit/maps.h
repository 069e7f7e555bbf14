/* SPDX-License-Identifier: GPL-2.0 */
/* The SIIT instance's maps. Userspace finds them by name through the attached programs. */
#ifndef XLAT_MAPS_SIIT_H
#define XLAT_MAPS_SIIT_H

#include "lib/common.h"
#include "abi/siit.h"
#include "lib/icmp_gen.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct siit_config);
} siit_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLAT_C__MAX);
	__type(key, enum xlat_counter);
	__type(value, __u64);
} siit_stats SEC(".maps");

/* The namespace's own IPv4 addresses (kept current by the CLI): IPv4 traffic
 * addressed to them belongs to the node and is never translated. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLAT_LOCAL4_MAX);
	__type(key, __u32);
	__type(value, __u8);
} siit_local4 SEC(".maps");

/* EAMT (RFC 7757), both directions; longest prefix wins. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XLAT_EAMT_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm6_key);
	__type(value, struct eamt_entry);
} siit_eamt6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XLAT_EAMT_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm4_key);
	__type(value, struct eamt_entry);
} siit_eamt4 SEC(".maps");

/* denylist4: IPv4 prefixes never translated (RFC 6052 3.1 in spirit: what the operator keeps out). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XLAT_DENYLIST4_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm4_key);
	__type(value, __u8);
} siit_deny4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLAT_IFADDR_MAX);
	__type(key, __u32);
	__type(value, struct xlat_ifaddr);
} siit_ifaddr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLAT_REDIRECT_MAX);
	__type(key, __u32);
	__type(value, __u8);
} siit_redirect SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct icmp_bucket);
} siit_icmp_rl SEC(".maps");

static __always_inline void count(enum xlat_counter reason)
{
	__u64 *v = bpf_map_lookup_elem(&siit_stats, &reason);

	if (v)
		*v += 1; /* per-CPU slot: no atomic needed */
}

/* The configuration, if it is one of this layout (a CLI of another layout writes nothing, but an instance may
 * outlive the CLI that made it): otherwise the programs pass everything untouched. */
static __always_inline struct siit_config *siit_cfg(void)
{
	__u32 zero = 0;
	struct siit_config *cfg = bpf_map_lookup_elem(&siit_config, &zero);

	return cfg && cfg->version == XLAT_SIIT_CONFIG_VERSION ? cfg : NULL;
}

#endif
