/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 6056 algorithm 3 as NAT64 port allocation uses it: the keyed hash of the
 * fields f-args selects (where the walk over pool4 starts), and the number of
 * transport addresses a pool4 range holds. Pure logic: no maps, no helpers
 * (test/host runs it on the host).
 */
#ifndef XLAT_NAT64_RFC6056_H
#define XLAT_NAT64_RFC6056_H

#include "abi/nat64.h"

static __always_inline __u64 range_slots(const struct nat64_pool4_range *r)
{
	__u64 addrs = 1ULL << ((32 - r->prefix_len) & 63);
	__u64 ports = (__u64)r->port_max - r->port_min + 1;

	if (r->port_max < r->port_min)
		return 0;
	return addrs * ports;
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
static __always_inline __u32 fargs_hash(const struct nat64_config *cfg, const struct nat64_taddr6 *src, __be32 dst4,
					__be16 dport)
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

#endif
