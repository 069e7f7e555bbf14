/* Host test driver for bpf/nat64/rfc6056.h: one line per question on stdin, one answer out.
 *   slots PREFIXLEN PORTMIN PORTMAX               -> the transport addresses of such a pool4 range
 *   hash FARGS SRC6HEX SPORT PROTO DST4HEX DPORT  -> F() with a fixed secret (hex)
 * Compiled and fed by test/unit/host-logic.test.mjs. */
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "nat64/rfc6056.h"

int main(void)
{
	char op[16], a[64], b[16];
	unsigned x, y, z, fargs, sport, proto, dport;

	while (scanf("%15s", op) == 1) {
		if (!strcmp(op, "slots")) {
			struct nat64_pool4_range r = {};

			if (scanf("%u %u %u", &x, &y, &z) != 3)
				return 2;
			r.prefix_len = x;
			r.port_min = y;
			r.port_max = z;
			printf("%llu\n", (unsigned long long)range_slots(&r));
		} else if (!strcmp(op, "hash")) {
			struct nat64_config cfg = {.secret = {0x01234567, 0x89abcdef, 0x0f1e2d3c, 0x4b5a6978}};
			struct nat64_taddr6 t6 = {};
			__be32 d4;

			if (scanf("%u %63s %u %u %15s %u", &fargs, a, &sport, &proto, b, &dport) != 6 ||
			    strlen(a) != 32 || strlen(b) != 8)
				return 2;
			for (int i = 0; i < 16; i++)
				sscanf(a + 2 * i, "%2hhx", &t6.addr[i]);
			sscanf(b, "%8x", &x);
			d4 = bpf_htonl(x);
			cfg.f_args = fargs;
			t6.port = bpf_htons(sport);
			t6.proto = proto;
			printf("%08x\n", fargs_hash(&cfg, &t6, d4, bpf_htons(dport)));
		} else {
			return 2;
		}
	}
	return 0;
}
