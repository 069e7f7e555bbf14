/* Host test driver for bpf/nat64/rfc7422.h: one line per question on stdin, one answer out.
 *   map SUB6HEX SUB6LEN SUBLEN ADDR4HEX PREFIXLEN PORTMIN PORTMAX BLOCKSIZE SRC6HEX PORT6
 *       -> "k addr4hex first home" (addr4hex "-" when k is beyond the pool)
 * Compiled and fed by test/unit/host-logic.test.mjs, which compares with src/model/rfc7422.ts. */
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "nat64/rfc7422.h"

static int hex(const char *s, __u8 *out, unsigned n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (sscanf(s + 2 * i, "%2hhx", &out[i]) != 1)
			return -1;
	return 0;
}

int main(void)
{
	char op[16], sub6[40], addr4[16], src6[40];
	unsigned sub6_len, sub_len, prefix_len, pmin, pmax, bs, port6;

	while (scanf("%15s", op) == 1) {
		struct nat64_blk_entry e = {};
		__u8 src[16], a4[4];
		__be32 addr;
		__u32 k, first;

		if (strcmp(op, "map"))
			return 2;
		if (scanf("%39s %u %u %15s %u %u %u %u %39s %u", sub6, &sub6_len, &sub_len, addr4, &prefix_len, &pmin,
			  &pmax, &bs, src6, &port6) != 10 ||
		    hex(sub6, e.sub6, 16) || hex(addr4, a4, 4) || hex(src6, src, 16))
			return 2;
		memcpy(&e.addr, a4, 4);
		e.sub6_len = sub6_len;
		e.sub_len = sub_len;
		e.prefix_len = prefix_len;
		e.port_min = pmin;
		e.port_max = pmax;
		e.block_size = bs;
		e.blocks_per_addr = (pmax - pmin + 1) / bs;
		e.mode = NAT64_BLK_DETERMINISTIC;
		k = rfc7422_index(&e, src);
		if (rfc7422_block(&e, k, &addr, &first))
			printf("%u - - %u\n", k, rfc7422_home(&e, src, port6));
		else
			printf("%u %08x %u %u\n", k, bpf_ntohl(addr), first, rfc7422_home(&e, src, port6));
	}
	return 0;
}
