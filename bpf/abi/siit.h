/* SPDX-License-Identifier: GPL-2.0 */
/* SIIT's kernel/user ABI (see abi/common.h): names, the configuration, EAMT entries, bounds. */
#ifndef XLAT_ABI_SIIT_H
#define XLAT_ABI_SIIT_H

#include "abi/common.h"

/* Program and map names are what a later CLI process uses to recognise an
 * attached instance (names are cut to 15 characters by the kernel). */
#define XLAT_SIIT_XDP_PROG "xlat_siit_xdp"
#define XLAT_SIIT_TC_PROG  "xlat_siit_tc"

/* Fixed tc filter identity, so that a later process can query and detach it. */
#define XLAT_TC_HANDLE_SIIT 0x5117
#define XLAT_TC_PRIO_SIIT   0x5117

/*
 * Map layout versions, one per translator: each covers everything that
 * translator's maps hold (the structs below and in abi/common.h, key and value
 * shapes, counter numbers). Bump it with any change an xlat built before would
 * misread. The CLI stores it in the config struct's first member (an offset no
 * layout may move) and refuses an instance whose number is not its own;
 * `xlat --version` and `instance display` show it. The config struct's
 * `version` member has this enum type so that the number reaches the object's
 * BTF, where the CLI reads it (src/instance/objects.ts): it is written down here
 * and nowhere else.
 */
enum xlat_siit_layout { XLAT_SIIT_CONFIG_VERSION = 5 };

enum eam_hairpin_mode {
	EAM_HAIRPIN_OFF = 0,
	EAM_HAIRPIN_SIMPLE = 1,
	EAM_HAIRPIN_INTRINSIC = 2,
};

/* siit_config.tables: the data plane skips lookups in empty tables. */
#define SIIT_T_EAMT	0x01
#define SIIT_T_DENY4	0x02
#define SIIT_T_REDIRECT 0x04

/* One entry, index 0, of the siit_config array map. Addresses in network order. */
struct siit_config {
	enum xlat_siit_layout version; /* XLAT_SIIT_CONFIG_VERSION (4 bytes) */
	struct xlat_common_config c;
	__u8 amend_udp_zero; /* amend-udp-checksum-zero */
	__u8 eam_hairpin;    /* enum eam_hairpin_mode */
	__u8 randomize_6791; /* randomize-rfc6791-addresses */
	__u8 rfc6791v4_len;  /* 0 = unset */
	__be32 rfc6791v4;    /* rfc6791v4-prefix: source of untranslatable ICMPv6 errors' IPv4 form */
	__u8 rfc6791v6_len;  /* 0 = unset */
	__u8 tables;	     /* SIIT_T_*: which optional tables hold entries (kept by the CLI) */
	__u8 _pad[2];
	__u8 rfc6791v6[16]; /* rfc6791v6-prefix */
};

/* One EAMT entry; the same value sits in siit_eamt6 (keyed by its IPv6
 * prefix) and siit_eamt4 (keyed by its IPv4 prefix). */
struct eamt_entry {
	__u8 v6[16];
	__u8 v4[4];
	__u8 v6_len;
	__u8 v4_len;
	__u8 _pad[2];
};

/* siit_redirect: egress interfaces (by ifindex) the XDP fast path may
 * redirect translated packets to; the CLI lists those where that works
 * (not a veth under native XDP, whose peer may drop redirected frames). */
#define XLAT_REDIRECT_MAX 256

#define XLAT_EAMT_MAX	   65536
#define XLAT_DENYLIST4_MAX 4096

/* Up to this many IPv4 addresses of the namespace's own interfaces are kept
 * in the local4 map: IPv4 packets addressed to them are the node's own. */
#define XLAT_LOCAL4_MAX 256

#endif
