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

	return (((a[0] & m[0]) ^ x[0]) | ((a[1] & m[1]) ^ x[1]) | ((a[2] & m[2]) ^ x[2]) |
		((a[3] & m[3]) ^ x[3])) == 0;
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

/*
 * The same mapping from a bare prefix and length. It branches on the length,
 * so a program calling it many times gives the verifier more paths to walk;
 * prefer struct rfc6052_prefix.
 */
static __always_inline int rfc6052_positions(__u8 len, int *p0, int *p1, int *p2, int *p3)
{
	switch (len) {
	case 32: *p0 = 4;  *p1 = 5;  *p2 = 6;  *p3 = 7;  return 0;
	case 40: *p0 = 5;  *p1 = 6;  *p2 = 7;  *p3 = 9;  return 0;
	case 48: *p0 = 6;  *p1 = 7;  *p2 = 9;  *p3 = 10; return 0;
	case 56: *p0 = 7;  *p1 = 9;  *p2 = 10; *p3 = 11; return 0;
	case 64: *p0 = 9;  *p1 = 10; *p2 = 11; *p3 = 12; return 0;
	case 96: *p0 = 12; *p1 = 13; *p2 = 14; *p3 = 15; return 0;
	}
	return -1;
}

static __always_inline int rfc6052_extract(const __u8 *prefix, __u8 len, const struct in6_addr *addr, __be32 *out)
{
	const __u8 *a = addr->s6_addr;
	int p0, p1, p2, p3, i;
	__u8 v[4];

	if (rfc6052_positions(len, &p0, &p1, &p2, &p3))
		return -1;
#pragma unroll
	for (i = 0; i < 12; i++)
		if (i * 8 < len && a[i] != prefix[i])
			return -1;
	v[0] = a[p0 & 15];
	v[1] = a[p1 & 15];
	v[2] = a[p2 & 15];
	v[3] = a[p3 & 15];
	__builtin_memcpy(out, v, 4);
	return 0;
}

static __always_inline int rfc6052_embed(const __u8 *prefix, __u8 len, __be32 v4, struct in6_addr *out)
{
	__u8 *o = out->s6_addr;
	int p0, p1, p2, p3, i;
	__u8 v[4];

	if (rfc6052_positions(len, &p0, &p1, &p2, &p3))
		return -1;
	__builtin_memcpy(v, &v4, 4);
#pragma unroll
	for (i = 0; i < 16; i++)
		o[i] = (i * 8 < len) ? prefix[i] : 0;
	o[p0 & 15] = v[0];
	o[p1 & 15] = v[1];
	o[p2 & 15] = v[2];
	o[p3 & 15] = v[3];
	return 0;
}

#endif
