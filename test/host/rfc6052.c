/* Host test driver for bpf/lib/rfc6052.h (and bpf/lib/csum.h): one line per question on stdin, one answer out.
 *   embed PREFIX40HEX V4HEX     -> the IPv6 address (hex), or "no" (struct rfc6052_prefix as userspace encodes it)
 *   extract PREFIX40HEX V6HEX   -> the IPv4 address (hex), or "no"
 *   hdr4 HEX20                  -> the IPv4 header checksum the data plane computes (hex, network order)
 *   pseudo6 SRCHEX DSTHEX LEN PROTO -> the folded sum of the IPv6 pseudo-header (hex)
 * Compiled and fed by test/unit/host-logic.test.mjs. */
#include <stdio.h>
#include <string.h>
#include "lib/common.h"
#include "lib/csum.h"
#include "lib/rfc6052.h"

static int unhex(const char *s, void *out, size_t n)
{
	__u8 *o = out;
	unsigned v;

	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		o[i] = v;
	}
	return 0;
}

static void hex(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", ((const __u8 *)p)[i]);
	printf("\n");
}

int main(void)
{
	char op[16], a[256], b[256];
	unsigned len, proto;

	while (scanf("%15s", op) == 1) {
		if (!strcmp(op, "embed") || !strcmp(op, "extract")) {
			struct rfc6052_prefix p;
			struct in6_addr v6;
			__be32 v4;

			if (scanf("%255s %255s", a, b) != 2 || unhex(a, &p, sizeof(p)))
				return 2;
			if (op[1] == 'm') {
				if (unhex(b, &v4, 4))
					return 2;
				if (prefix_embed(&p, v4, &v6))
					printf("no\n");
				else
					hex(&v6, 16);
			} else {
				if (unhex(b, &v6, 16))
					return 2;
				if (prefix_extract(&p, &v6, &v4))
					printf("no\n");
				else
					hex(&v4, 4);
			}
		} else if (!strcmp(op, "hdr4")) {
			struct iphdr h;
			__u16 c;

			if (scanf("%255s", a) != 1 || unhex(a, &h, sizeof(h)))
				return 2;
			h.check = 0;
			c = ipv4_hdr_csum(&h);
			hex(&c, 2);
		} else if (!strcmp(op, "pseudo6")) {
			struct in6_addr s6, d6;
			__u16 c;

			if (scanf("%255s %255s %u %u", a, b, &len, &proto) != 4 || unhex(a, &s6, 16) ||
			    unhex(b, &d6, 16))
				return 2;
			c = csum_fold32(pseudo6_sum(&s6, &d6, len, proto));
			hex(&c, 2);
		} else {
			return 2;
		}
	}
	return 0;
}
