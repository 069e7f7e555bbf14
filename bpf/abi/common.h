/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel/user ABI both translators share: what userspace writes into
 * their maps and reads back (the common configuration, RFC 6052 prefixes,
 * interface addresses, LPM keys) and the one counter code space. abi/siit.h
 * and abi/nat64.h hold each translator's own. The TypeScript side mirrors
 * them and a test checks every size, offset and enum value against the BTF
 * of the built objects (src/instance/layout.ts, src/instance/nat64/layout.ts).
 */
#ifndef XLAT_ABI_COMMON_H
#define XLAT_ABI_COMMON_H

#include <linux/types.h>

/*
 * In XDP mode a tc program is attached too, as the slow path: the XDP program
 * leaves one of these values in the packet's metadata when it has already
 * decided (and counted) a packet, and hands everything else to tc untouched.
 * A SIIT and a NAT64 instance may share an interface (one in XDP, both in tc):
 * a packet one translated is no other's business, a packet one passed may be
 * the other's, so a pass is marked with the translator's own value.
 */
#define XLAT_META_XLATED       0x786c6174 /* "xlat": translated; every tc program leaves it alone */
#define XLAT_META_PASSED_SIIT  0x786c7073 /* "xlps": SIIT passed it (counted); NAT64's tc still looks */
#define XLAT_META_PASSED_NAT64 0x786c706e /* "xlpn" */

/*
 * An RFC 6052 prefix with what the data plane needs precomputed by userspace:
 * the mask of the prefix and the byte positions of the four IPv4 octets. The
 * programs then map addresses without branching on the length, which keeps
 * the verifier's path count small.
 */
struct rfc6052_prefix {
	__u8 addr[16]; /* the prefix, host bits zero */
	__u8 mask[16]; /* 0xff for each byte of the prefix */
	__u8 pos[4];   /* byte index in the IPv6 address of IPv4 octets 0..3 */
	__u8 len;      /* 0 = unset; else 32, 40, 48, 56, 64 or 96 */
	__u8 _pad[3];
};

#define XLAT_MTU_PLATEAUS_MAX 16

/*
 * The RFC 7915 settings both translators have (Jool's shared globals), the
 * part of each configuration that lib/rfc7915.h reads. Embedded in
 * struct siit_config and struct nat64_config right after their version.
 */
struct xlat_common_config {
	__u8 enabled;	   /* manually-enabled: 0 passes everything */
	__u8 zeroize_tc;   /* zeroize-traffic-class (4->6) */
	__u8 override_tos; /* override-tos (6->4): use tos below */
	__u8 tos;
	__u16 lowest_ipv6_mtu; /* lowest-ipv6-mtu, >= 1280 */
	__u16 _pad;
	struct rfc6052_prefix pool6;		   /* len 0: unset */
	__u16 mtu_plateaus[XLAT_MTU_PLATEAUS_MAX]; /* descending, 0 after the last */
};

/* Key of the LPM tries (EAMT and denylist, RFC 7757). */
struct lpm6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct lpm4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

/* The addresses of one interface of the namespace (each translator's *_ifaddr
 * map, keyed by ifindex, kept current by the CLI): the source of the ICMP
 * errors the translator originates towards a neighbour on that interface, and
 * NAT64's empty pool4 towards a destination routed through it. */
struct xlat_ifaddr {
	__u8 v6[16];
	__be32 v4;
	__u8 has_v4;
	__u8 has_v6;
	__u8 _pad[2];
};

#define XLAT_IFADDR_MAX	       256
/* Originated ICMP errors: a token bucket per CPU. */
#define XLAT_ICMP_RATE_PER_SEC 100
#define XLAT_ICMP_BURST	       50

/*
 * One code space for both translators (each program counts in its own per-CPU
 * array, index = reason): every packet is counted exactly once, under what
 * happened to it; below XLAT_C__FIRST_EVENT are packets, from it on events
 * counted besides a packet's reason (counters added later follow the events
 * whatever their kind: numbers never move). Names after the XLAT_C_ prefix, in lower
 * case with '-' for '_', are what `stats display` prints; the comment says
 * which translator counts it. The numbers are part of the map layout.
 */
enum xlat_counter {
	/* translated */
	XLAT_C_XLAT_6TO4 = 0,	     /* both */
	XLAT_C_XLAT_4TO6,	     /* both */
	XLAT_C_XLAT_ICMP_ERROR_6TO4, /* both: an ICMP error, its inner packet too */
	XLAT_C_XLAT_ICMP_ERROR_4TO6, /* both */
	XLAT_C_XLAT_HAIRPIN,	     /* both: SIIT through the EAMT, NAT64 through pool4 (RFC 6146 3.8) */
	XLAT_C_XLAT_FRAGMENT_6TO4,   /* NAT64: a later fragment, like its first */
	XLAT_C_XLAT_FRAGMENT_4TO6,   /* NAT64 */
	/* left to the kernel, untouched */
	XLAT_C_PASS_NOT_IP,		 /* both */
	XLAT_C_PASS_DISABLED,		 /* both */
	XLAT_C_PASS_NDP,		 /* both */
	XLAT_C_PASS_DST6_UNTRANSLATABLE, /* SIIT */
	XLAT_C_PASS_SRC6_UNTRANSLATABLE, /* SIIT */
	XLAT_C_PASS_DST4_UNTRANSLATABLE, /* SIIT */
	XLAT_C_PASS_SRC4_UNTRANSLATABLE, /* SIIT */
	XLAT_C_PASS_DST4_LOCAL,		 /* SIIT */
	XLAT_C_PASS_DST4_SPECIAL,	 /* SIIT */
	XLAT_C_PASS_SRC4_SPECIAL,	 /* SIIT */
	XLAT_C_PASS_DST6_NOT_POOL6,	 /* NAT64 */
	XLAT_C_PASS_DST4_NOT_POOL4,	 /* NAT64 */
	XLAT_C_PASS_ICMP_TYPE,		 /* NAT64: ICMP it does not handle (the node's own) */
	XLAT_C_PASS_PROTO,		 /* NAT64: neither TCP, UDP nor ICMP */
	XLAT_C_PASS_FRAGMENT,		 /* NAT64: a fragment whose first fragment was the node's own */
	XLAT_C_PASS_EXT_HEADER,		 /* NAT64: IPv6 extension headers it does not walk */
	XLAT_C_PASS_IPV4_OPTIONS,	 /* NAT64: an ICMPv4 error with IPv4 options */
	XLAT_C_PASS_ICMP_NO_BIB,	 /* NAT64: ICMP to pool4 without a BIB entry (a ping to the node) */
	XLAT_C_PASS_UDP_NO_BIB,		 /* NAT64: UDP to pool4 without a BIB entry: the kernel answers */
	/* dropped */
	XLAT_C_DROP_TRUNCATED,			 /* both: shorter than its headers say */
	XLAT_C_DROP_HOP_LIMIT,			 /* both: would expire here: Time Exceeded sent (RFC 7915 4.1, 5.1) */
	XLAT_C_DROP_TOO_BIG,			 /* both: too big for the path: Packet Too Big / Frag Needed sent */
	XLAT_C_DROP_ICMP_TYPE,			 /* both: an ICMP type RFC 7915 does not translate */
	XLAT_C_DROP_ICMP_FRAGMENT,		 /* both: fragmented ICMP not translated */
	XLAT_C_DROP_ICMP_ERROR_INNER,		 /* both: an ICMP error whose inner packet cannot be translated */
	XLAT_C_DROP_UDP_ZERO_CSUM,		 /* both: IPv4 UDP without checksum that cannot get one */
	XLAT_C_DROP_ROUTING_HEADER,		 /* SIIT */
	XLAT_C_DROP_HEADER_CHAIN,		 /* SIIT */
	XLAT_C_DROP_SRC4_SPECIAL,		 /* NAT64 */
	XLAT_C_DROP_SRC6_POOL6,			 /* NAT64: a translated packet coming back (a loop) */
	XLAT_C_DROP_NO_BIB,			 /* NAT64 */
	XLAT_C_DROP_TCP_NO_SESSION,		 /* NAT64 */
	XLAT_C_DROP_EXTERNALLY_INITIATED_TCP,	 /* NAT64 */
	XLAT_C_DROP_ADDRESS_DEPENDENT_FILTERING, /* NAT64 */
	XLAT_C_DROP_ICMPV6_INFO,		 /* NAT64 */
	XLAT_C_DROP_NO_POOL4,			 /* NAT64 */
	XLAT_C_DROP_POOL4_EXHAUSTED,		 /* NAT64 */
	XLAT_C_DROP_TABLE_FULL,			 /* NAT64 */
	XLAT_C_DROP_MAX_SIMULTANEOUS_OPENS,	 /* NAT64 */
	XLAT_C_TCP_SYN_HELD,			 /* NAT64: an IPv4 SYN recorded and dropped (RFC 6146 3.5.2.2) */
	XLAT_C_TCP_SYN_UNREACHABLE,		 /* NAT64: such a SYN past its 6 s: ICMP 3/3 sent */
	XLAT_C_DROP_ICMP_ERROR_NO_SESSION,	 /* NAT64 */
	XLAT_C_DROP_FRAGMENT_BEFORE_FIRST,	 /* NAT64 */
	XLAT_C_DROP_FRAGMENT_TABLE_FULL,	 /* NAT64 */
	XLAT_C_REASM_HELD,	      /* NAT64: a fragment of an ICMP echo, kept until its message is whole */
	XLAT_C_DROP_REASM_TOO_BIG,    /* NAT64 */
	XLAT_C_DROP_REASM_TABLE_FULL, /* NAT64 */
	XLAT_C_DROP_REASM_OVERLAP,    /* NAT64 */
	XLAT_C_DROP_RESIZE_FAILED,    /* both: the kernel refused to resize the packet */
	XLAT_C_DROP_WRITE_FAILED,     /* both: the kernel refused to rewrite it */
	/* events */
	XLAT_C_XDP_REDIRECT,	  /* both: translated packets XDP forwarded itself */
	XLAT_C_ICMP_SENT,	  /* both: ICMP errors originated */
	XLAT_C_ICMP_RATE_LIMITED, /* both: ... held back by the rate limit */
	XLAT_C_ICMP_NO_SOURCE,	  /* both: ... not sent for want of an address on the interface */
	XLAT_C_BIB_CREATED,	  /* NAT64 */
	XLAT_C_SESSION_CREATED,	  /* NAT64 */
	XLAT_C_BIB_EXPIRED,	  /* NAT64: a dynamic BIB entry deleted (its last session went) */
	XLAT_C_SESSION_EXPIRED,	  /* NAT64: a session deleted once its lifetime had passed */
	XLAT_C_RECLAIMED,	  /* NAT64: a scan of a full small table (fragments, ADF) freed entries */
	XLAT_C_REASM_EXPIRED,	  /* NAT64: a reassembly abandoned after its timeout */
	/* added later, after the events, so that no number moves: each says whether it counts packets or events */
	XLAT_C_DROP_BLOCK_FULL,	    /* NAT64, packet: every port of the subscriber's RFC 7422 block is taken */
	XLAT_C_DROP_NO_FREE_BLOCK,  /* NAT64, packet: dynamic blocks, none free for a new subscriber */
	XLAT_C_BLOCK_ALLOCATED,	    /* NAT64, event: a dynamic block given to a subscriber */
	XLAT_C_BLOCK_RELEASED,	    /* NAT64, event: ... and taken back (its last BIB entry went) */
	XLAT_C_EVENT_LOST,	    /* NAT64, event: a block event the ring buffer had no room for (no reader) */
	XLAT_C_STEERED,		    /* NAT64, packet: sent untranslated to the node owning its subscriber (steer.h) */
	XLAT_C_DROP_STEER_NO_NEIGH, /* NAT64, packet: ... whose MAC address the kernel did not know */
	XLAT_C__MAX,
	XLAT_C__FIRST_EVENT = XLAT_C_XDP_REDIRECT,
};

#endif
