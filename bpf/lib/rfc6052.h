/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 6052 section 2.2: IPv4 addresses embedded in IPv6 prefixes of length
 * 32, 40, 48, 56, 64 or 96; bits 64-71 (the u-octet, byte 8) are skipped.
 * Userspace precomputes the prefix's mask and octet positions (struct
 * rfc6052_prefix) so that nothing here branches on the prefix length.
 */
#ifndef XLAT_RFC6052_H
#define XLAT_RFC6052_H

#include "lib/common.h"

static __always_inline int prefix6_contains(const struct rfc6052_prefix *p, const struct in6_addr *addr)
{
	const __u32 *a = addr->s6_addr32, *m = (const __u32 *)p->mask, *x = (const __u32 *)p->addr;

	return (((a[0] & m[0]) ^ x[0]) | ((a[1] & m[1]) ^ x[1]) | ((a[2] & m[2]) ^ x[2]) | ((a[3] & m[3]) ^ x[3])) == 0;
}

/* IPv6 -> IPv4: the address must be inside the prefix. Returns 0 on success. */
static __always_inline int prefix_extract(const struct rfc6052_prefix *p, const struct in6_addr *addr, __be32 *out)
{
	struct in6_addr copy;
	const __u8 *a = copy.s6_addr;
	__u8 v[4];

	/* Work on a stack copy: indexing a packet by a map value defeats the verifier's range tracking. */
	__builtin_memcpy(&copy, addr, sizeof(copy));
	if (!p->len || !prefix6_contains(p, &copy))
		return -1;
	v[0] = a[p->pos[0] & 15];
	v[1] = a[p->pos[1] & 15];
	v[2] = a[p->pos[2] & 15];
	v[3] = a[p->pos[3] & 15];
	__builtin_memcpy(out, v, 4);
	return 0;
}

/* IPv4 -> IPv6: prefix, the IPv4 octets, and zeros elsewhere (u-octet and suffix). */
static __always_inline int prefix_embed(const struct rfc6052_prefix *p, __be32 v4, struct in6_addr *out)
{
	__u8 *o = out->s6_addr;
	__u8 v[4];

	if (!p->len)
		return -1;
	__builtin_memcpy(out, p->addr, 16);
	__builtin_memcpy(v, &v4, 4);
	o[p->pos[0] & 15] = v[0];
	o[p->pos[1] & 15] = v[1];
	o[p->pos[2] & 15] = v[2];
	o[p->pos[3] & 15] = v[3];
	return 0;
}

#endif
