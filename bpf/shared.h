/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything the data plane shares with userspace: map value layouts, counter
 * reasons, program and map names. The TypeScript side mirrors these and a test
 * checks every size, offset and enum value against the BTF of the built objects.
 */
#ifndef XLAT_SHARED_H
#define XLAT_SHARED_H

#include <linux/types.h>

/* Program and map names are what a later CLI process uses to recognise an
 * attached instance (names are cut to 15 characters by the kernel). */
#define XLAT_SIIT_XDP_PROG "xlat_siit_xdp"
#define XLAT_SIIT_TC_PROG  "xlat_siit_tc"

/* Fixed tc filter identity, so that a later process can query and detach it. */
#define XLAT_TC_HANDLE_SIIT   0x5117
#define XLAT_TC_PRIO_SIIT     0x5117

/* Layout version of struct siit_config: bumped when the struct changes so an
 * old CLI never misreads a newer instance. */
#define XLAT_SIIT_CONFIG_VERSION 1

/* One entry, index 0, of the siit_config array map. Addresses in network order. */
struct siit_config {
	__u32 version;          /* XLAT_SIIT_CONFIG_VERSION */
	__u8  enabled;          /* manually-enabled: 0 passes everything */
	__u8  pool6_len;        /* 0 = no pool6; else 32, 40, 48, 56, 64 or 96 */
	__u8  _pad0[2];
	__u8  pool6[16];
};

/* Up to this many IPv4 addresses of the namespace's own interfaces are kept
 * in the local4 map: IPv4 packets addressed to them are the node's own. */
#define XLAT_LOCAL4_MAX 256

/*
 * Every packet is counted exactly once, under one of these reasons, in the
 * per-CPU stats array (index = reason). Names after the XLAT_C_ prefix, in
 * lower case with '-' for '_', are what `stats display` prints.
 */
enum xlat_counter {
	XLAT_C_XLAT_6TO4 = 0,
	XLAT_C_XLAT_4TO6,
	XLAT_C_PASS_NOT_IP,
	XLAT_C_PASS_DISABLED,
	XLAT_C_PASS_NO_POOL6,
	XLAT_C_PASS_DST6_NOT_POOL6,
	XLAT_C_PASS_SRC6_UNTRANSLATABLE,
	XLAT_C_PASS_DST4_LOCAL,
	XLAT_C_PASS_DST4_SPECIAL,
	XLAT_C_PASS_SRC4_SPECIAL,
	XLAT_C_PASS_NDP,
	XLAT_C_PASS_HOP_LIMIT,
	XLAT_C_PASS_ICMP_TYPE,
	XLAT_C_PASS_PROTO,
	XLAT_C_PASS_FRAGMENT,
	XLAT_C_PASS_EXT_HEADER,
	XLAT_C_PASS_IPV4_OPTIONS,
	XLAT_C_DROP_TRUNCATED,
	XLAT_C_DROP_UDP_ZERO_CSUM,
	XLAT_C_DROP_RESIZE_FAILED,
	XLAT_C_DROP_WRITE_FAILED,
	XLAT_C__MAX,
};

#endif
