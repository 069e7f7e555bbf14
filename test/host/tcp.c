/* Host test driver for bpf/nat64/tcp.h: one line per packet on stdin, "STATE EXPIRES_IN FROM FLAGS" (a
 * session in STATE with EXPIRES_IN seconds left gets a packet from v6|v4 with TCP flags FLAGS, hex), one line
 * out: "STATE EXPIRES_IN". Timeouts: est 7200 s, trans 240 s. Compiled and fed by test/unit/host-logic.test.mjs. */
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "nat64/tcp.h"

#define S 1000000000ULL

int main(void)
{
	struct nat64_config cfg = {.tcp_est_timeout = 7200 * S, .tcp_trans_timeout = 240 * S};
	char from[4], flags_rst[8];
	unsigned state, flags;
	long long left;
	const __u64 now = 1000000 * S;

	while (scanf("%u %lld %3s %x %7s", &state, &left, from, &flags, flags_rst) == 5) {
		struct nat64_session s = {.state = state, .expires = now + left * S};

		cfg.flags = strcmp(flags_rst, "rstfin") == 0 ? NAT64_F_RST_DURING_FIN_RCV : 0;
		tcp_step(&cfg, &s, from[1] == '6', flags, now);
		printf("%u %lld\n", s.state, (long long)((s.expires - now) / S));
	}
	return 0;
}
