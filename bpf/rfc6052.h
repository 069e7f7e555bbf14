/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 6052 section 2.2: IPv4 addresses embedded in IPv6 prefixes of length
 * 32, 40, 48, 56, 64 or 96. Bits 64-71 (the u-octet, byte 8) are skipped.
 */
#ifndef XLAT_RFC6052_H
#define XLAT_RFC6052_H

#include "common.h"

/* Does addr fall inside prefix/len? len is a multiple of 8 (validated by the CLI). */
static __always_inline int prefix6_contains(const __u8 *prefix, __u8 len, const struct in6_addr *addr)
{
	const __u8 *a = addr->s6_addr;
	int i;

#pragma unroll
	for (i = 0; i < 12; i++) {
		if (i * 8 >= len)
			break;
		if (a[i] != prefix[i])
			return 0;
	}
	return 1;
}

/* Byte positions of the four IPv4 octets for each prefix length. */
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

/* IPv6 -> IPv4: the address must be inside the prefix. Returns 0 on success. */
static __always_inline int rfc6052_extract(const __u8 *prefix, __u8 len, const struct in6_addr *addr, __be32 *out)
{
	const __u8 *a = addr->s6_addr;
	int p0, p1, p2, p3;
	__u8 v[4];

	if (rfc6052_positions(len, &p0, &p1, &p2, &p3) || !prefix6_contains(prefix, len, addr))
		return -1;
	v[0] = a[p0 & 15];
	v[1] = a[p1 & 15];
	v[2] = a[p2 & 15];
	v[3] = a[p3 & 15];
	__builtin_memcpy(out, v, 4);
	return 0;
}

/* IPv4 -> IPv6: prefix, the IPv4 octets, and zeros elsewhere (u-octet and suffix). */
static __always_inline int rfc6052_embed(const __u8 *prefix, __u8 len, __be32 v4, struct in6_addr *out)
{
	__u8 *o = out->s6_addr;
	__u8 v[4];
	int p0, p1, p2, p3, i;

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
