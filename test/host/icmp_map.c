/* Host test driver for bpf/lib/icmp_map.h: one line per message on stdin, "4to6|6to4 TYPE CODE REST",
 * one line out, "TYPE CODE REST" or "drop". Compiled and fed by test/unit/host-logic.test.mjs. */
#include <stdio.h>
#include "lib/common.h"
#include "lib/icmp_map.h"

int main(void)
{
	char dir[8];
	unsigned t, c, r;

	while (scanf("%7s %u %u %u", dir, &t, &c, &r) == 4) {
		__u8 nt = 0, nc = 0;
		__u32 nr = 0;
		int rc = dir[0] == '4' ? icmp_err_4to6(t, c, r, &nt, &nc, &nr) : icmp_err_6to4(t, c, r, &nt, &nc, &nr);

		if (rc)
			printf("drop\n");
		else
			printf("%u %u %u\n", nt, nc, nr);
	}
	return 0;
}
