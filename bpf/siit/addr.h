/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIIT address translation: the EAMT first (RFC 7757, longest prefix), then
 * pool6 (RFC 6052) unless the IPv4 address is denylisted. Used for outer
 * headers and the inner packets of ICMP errors alike.
 */
#ifndef XLAT_SIIT_ADDR_H
#define XLAT_SIIT_ADDR_H

#include "lib/rfc6052.h"
#include "siit/maps.h"

static __always_inline __u64 load_be64(const __u8 *p)
{
	__u64 v;

	__builtin_memcpy(&v, p, 8);
	return bpf_be64_to_cpu(v);
}

static __always_inline void store_be64(__u8 *p, __u64 v)
{
	v = bpf_cpu_to_be64(v);
	__builtin_memcpy(p, &v, 8);
}

/* Bits [start, start + n) of a 128-bit address (hi:lo), n <= 32, as the low bits of the result. */
static __always_inline __u32 bits128(__u64 hi, __u64 lo, __u32 start, __u32 n)
{
	__u64 top;

	if (n == 0)
		return 0;
	start &= 127;
	if (start == 0)
		top = hi;
	else if (start < 64)
		top = (hi << start) | (lo >> (64 - start));
	else if (start == 64)
		top = lo;
	else
		top = lo << (start - 64);
	return (__u32)(top >> (64 - (n & 63)));
}

/* IPv6 -> IPv4 through the EAMT. Returns 0 and *out, or -1 when no entry covers a. */
static __always_inline int eamt_6to4(const struct in6_addr *a, __be32 *out)
{
	struct lpm6_key k = {.prefixlen = 128};
	struct eamt_entry *e;
	__u32 v4, s;

	__builtin_memcpy(k.addr, a, 16);
	e = bpf_map_lookup_elem(&siit_eamt6, &k);
	if (!e)
		return -1;
	s = 32 - (e->v4_len & 63);
	__builtin_memcpy(&v4, e->v4, 4);
	v4 = bpf_ntohl(v4) | bits128(load_be64(k.addr), load_be64(k.addr + 8), e->v6_len, s > 32 ? 32 : s);
	*out = bpf_htonl(v4);
	return 0;
}

/* IPv4 -> IPv6 through the EAMT. */
static __always_inline int eamt_4to6(__be32 a, struct in6_addr *out)
{
	struct lpm4_key k = {.prefixlen = 32};
	struct eamt_entry *e;
	__u64 hi, lo, suffix;
	__u32 s, sh;

	__builtin_memcpy(k.addr, &a, 4);
	e = bpf_map_lookup_elem(&siit_eamt4, &k);
	if (!e)
		return -1;
	s = 32 - (e->v4_len & 63);
	if (s > 32)
		return -1;
	suffix = s == 32 ? bpf_ntohl(a) : bpf_ntohl(a) & ((1U << s) - 1);
	/* The suffix goes right after the IPv6 prefix: bit (v6_len) onwards. */
	sh = 128 - (e->v6_len & 0xff) - s;
	if (sh > 128)
		return -1;
	hi = load_be64(e->v6);
	lo = load_be64(e->v6 + 8);
	if (sh >= 64) {
		hi |= suffix << ((sh - 64) & 63);
	} else {
		lo |= suffix << (sh & 63);
		if (sh && sh + s > 64)
			hi |= suffix >> ((64 - sh) & 63);
	}
	store_be64(out->s6_addr, hi);
	store_be64(out->s6_addr + 8, lo);
	return 0;
}

static __always_inline int ipv4_denylisted(__be32 a)
{
	struct lpm4_key k = {.prefixlen = 32};

	__builtin_memcpy(k.addr, &a, 4);
	return bpf_map_lookup_elem(&siit_deny4, &k) != NULL;
}

/* Addresses that never leave a link or a host (RFC 6890): never the result of a translation. */
static __always_inline int ipv4_is_special(__be32 addr)
{
	__u32 a = bpf_ntohl(addr);

	return (a >> 24) == 0 || (a >> 24) == 127 || (a >> 16) == 0xa9fe /* 169.254/16 */ ||
	       (a >> 28) >= 0xe /* multicast, reserved, broadcast */;
}

/* (LPM trie lookups are the costliest step of a translation: empty tables are not searched.) */
static __always_inline int siit_6to4_addr(const struct siit_config *cfg, const struct in6_addr *a, __be32 *out)
{
	if ((cfg->tables & SIIT_T_EAMT) && !eamt_6to4(a, out))
		return ipv4_is_special(*out) ? -1 : 0;
	if (prefix_extract(&cfg->c.pool6, a, out))
		return -1;
	return ipv4_is_special(*out) || ((cfg->tables & SIIT_T_DENY4) && ipv4_denylisted(*out)) ? -1 : 0;
}

static __always_inline int siit_4to6_addr(const struct siit_config *cfg, __be32 a, struct in6_addr *out)
{
	if ((cfg->tables & SIIT_T_EAMT) && !eamt_4to6(a, out))
		return 0;
	if ((cfg->tables & SIIT_T_DENY4) && ipv4_denylisted(a))
		return -1;
	return prefix_embed(&cfg->c.pool6, a, out);
}

/* Is this IPv4 address the EAMT's, that is, an IPv6 node behind this translator? */
static __always_inline int eamt_has4(const struct siit_config *cfg, __be32 a)
{
	struct lpm4_key k = {.prefixlen = 32};

	if (!(cfg->tables & SIIT_T_EAMT))
		return 0;
	__builtin_memcpy(k.addr, &a, 4);
	return bpf_map_lookup_elem(&siit_eamt4, &k) != NULL;
}

#endif
