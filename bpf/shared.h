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

/* In XDP mode a tc program is attached too, as the slow path: the XDP program
 * leaves this value in the packet's metadata when it has already decided (and
 * counted) a packet, and hands everything else to tc untouched. */
#define XLAT_META_DONE 0x786c6174 /* "xlat" */

/*
 * Map layout versions, one per translator: each covers everything that
 * translator's maps hold (the structs below, key and value shapes, counter
 * numbers). Bump it with any change an xlat built before would misread. The
 * CLI stores it in the config struct's first member (an offset no layout may
 * move) and refuses an instance whose number is not its own; `xlat --version`
 * and `instance display` show it. The config struct's `version` member has this
 * enum type so that the number reaches the object's BTF, where the CLI reads
 * it (src/instance/objects.ts): it is written down here and nowhere else.
 */
enum xlat_siit_layout { XLAT_SIIT_CONFIG_VERSION = 4 };

/*
 * An RFC 6052 prefix with what the data plane needs precomputed by userspace:
 * the mask of the prefix and the byte positions of the four IPv4 octets. The
 * programs then map addresses without branching on the length, which keeps
 * the verifier's path count small.
 */
struct rfc6052_prefix {
	__u8 addr[16];          /* the prefix, host bits zero */
	__u8 mask[16];          /* 0xff for each byte of the prefix */
	__u8 pos[4];            /* byte index in the IPv6 address of IPv4 octets 0..3 */
	__u8 len;               /* 0 = unset; else 32, 40, 48, 56, 64 or 96 */
	__u8 _pad[3];
};

enum eam_hairpin_mode {
	EAM_HAIRPIN_OFF = 0,
	EAM_HAIRPIN_SIMPLE = 1,
	EAM_HAIRPIN_INTRINSIC = 2,
};

#define XLAT_MTU_PLATEAUS_MAX 16

/* siit_config.tables: the data plane skips lookups in empty tables. */
#define SIIT_T_EAMT     0x01
#define SIIT_T_DENY4    0x02
#define SIIT_T_REDIRECT 0x04

/* One entry, index 0, of the siit_config array map. Addresses in network order. */
struct siit_config {
	enum xlat_siit_layout version; /* XLAT_SIIT_CONFIG_VERSION (4 bytes) */
	__u8  enabled;            /* manually-enabled: 0 passes everything */
	__u8  zeroize_tc;         /* zeroize-traffic-class (4->6) */
	__u8  override_tos;       /* override-tos (6->4): use tos below */
	__u8  tos;
	struct rfc6052_prefix pool6;
	__u8  amend_udp_zero;     /* amend-udp-checksum-zero */
	__u8  eam_hairpin;        /* enum eam_hairpin_mode */
	__u8  randomize_6791;     /* randomize-rfc6791-addresses */
	__u8  rfc6791v4_len;      /* 0 = unset */
	__be32 rfc6791v4;         /* rfc6791v4-prefix: source of untranslatable ICMPv6 errors' IPv4 form */
	__u8  rfc6791v6_len;      /* 0 = unset */
	__u8  tables;             /* SIIT_T_*: which optional tables hold entries (kept by the CLI) */
	__u16 lowest_ipv6_mtu;    /* lowest-ipv6-mtu, >= 1280 */
	__u8  rfc6791v6[16];      /* rfc6791v6-prefix */
	__u16 mtu_plateaus[XLAT_MTU_PLATEAUS_MAX]; /* descending, 0 after the last */
};

/* Key of the EAMT and denylist LPM tries (RFC 7757). */
struct lpm6_key {
	__u32 prefixlen;
	__u8  addr[16];
};

struct lpm4_key {
	__u32 prefixlen;
	__u8  addr[4];
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

/* The addresses of one interface of the namespace (siit_ifaddr, keyed by
 * ifindex, kept current by the CLI): the source of the ICMP errors this
 * translator originates towards a neighbour on that interface. */
struct xlat_ifaddr {
	__u8   v6[16];
	__be32 v4;
	__u8   has_v4;
	__u8   has_v6;
	__u8   _pad[2];
};

#define XLAT_IFADDR_MAX 256
/* siit_redirect: egress interfaces (by ifindex) the XDP fast path may
 * redirect translated packets to; the CLI lists those where that works
 * (not a veth under native XDP, whose peer may drop redirected frames). */
#define XLAT_REDIRECT_MAX 256
/* Originated ICMP errors: a token bucket per CPU. */
#define XLAT_ICMP_RATE_PER_SEC 100
#define XLAT_ICMP_BURST 50

#define XLAT_EAMT_MAX 65536
#define XLAT_DENYLIST4_MAX 4096

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
	XLAT_C_XLAT_ICMP_ERROR_6TO4,
	XLAT_C_XLAT_ICMP_ERROR_4TO6,
	XLAT_C_PASS_NOT_IP,
	XLAT_C_PASS_DISABLED,
	XLAT_C_XLAT_HAIRPIN,
	XLAT_C_PASS_DST6_UNTRANSLATABLE,
	XLAT_C_PASS_SRC6_UNTRANSLATABLE,
	XLAT_C_PASS_DST4_UNTRANSLATABLE,
	XLAT_C_PASS_SRC4_UNTRANSLATABLE,
	XLAT_C_PASS_DST4_LOCAL,
	XLAT_C_PASS_DST4_SPECIAL,
	XLAT_C_PASS_SRC4_SPECIAL,
	XLAT_C_PASS_NDP,
	XLAT_C_DROP_HOP_LIMIT,         /* hop limit / TTL would expire here: Time Exceeded sent (RFC 7915 4.1, 5.1) */
	XLAT_C_DROP_ICMP_TYPE,
	XLAT_C_DROP_ICMP_FRAGMENT,
	XLAT_C_DROP_ICMP_ERROR_INNER,
	XLAT_C_DROP_ROUTING_HEADER,
	XLAT_C_DROP_HEADER_CHAIN,
	XLAT_C_DROP_TRUNCATED,
	XLAT_C_DROP_UDP_ZERO_CSUM,
	XLAT_C_DROP_RESIZE_FAILED,
	XLAT_C_DROP_WRITE_FAILED,
	XLAT_C_DROP_TOO_BIG,
	/* Not packets received: events. Translated packets XDP forwarded itself (bpf_fib_lookup + redirect), */
	XLAT_C_XDP_REDIRECT,
	/* ICMP errors this translator originated, or did not for the rate limit. */
	XLAT_C_ICMP_SENT,
	XLAT_C_ICMP_RATE_LIMITED,
	XLAT_C_ICMP_NO_SOURCE,
	XLAT_C__MAX,
};

/* ------------------------------------------------------------------------
 * Stateful NAT64 (RFC 6146). Everything below is NAT64's; nothing above changes.
 */
#define XLAT_NAT64_XDP_PROG "xlat_nat64_xdp"
#define XLAT_NAT64_TC_PROG  "xlat_nat64_tc"

/* Distinct from SIIT's so both instances can share an interface's clsact hook. */
#define XLAT_TC_HANDLE_NAT64  0x6464
#define XLAT_TC_PRIO_NAT64    0x6464

/* The NAT64 map layout version (see enum xlat_siit_layout). */
enum xlat_nat64_layout { XLAT_NAT64_CONFIG_VERSION = 2 };

/* pool4 ranges the data plane walks (user entries plus the defaults). */
#define XLAT_NAT64_POOL4_MAX 64

/* nat64_config.flags */
#define NAT64_F_ADDR_DEP_FILTERING   (1u << 0)  /* address-dependent-filtering */
#define NAT64_F_DROP_EXT_TCP         (1u << 1)  /* drop-externally-initiated-tcp */
#define NAT64_F_DROP_ICMPV6_INFO     (1u << 2)  /* drop-icmpv6-info */
#define NAT64_F_SRC_ICMPV6_BETTER    (1u << 3)  /* source-icmpv6-errors-better */
#define NAT64_F_RST_DURING_FIN_RCV   (1u << 4)  /* handle-rst-during-fin-rcv */
#define NAT64_F_ZEROIZE_TC           (1u << 5)  /* zeroize-traffic-class */
#define NAT64_F_OVERRIDE_TOS         (1u << 6)  /* override-tos */

/* f-args bits (RFC 6056 algorithm 3 inputs), as Jool numbers them. */
#define NAT64_FARG_SRC_ADDR 8
#define NAT64_FARG_SRC_PORT 4
#define NAT64_FARG_DST_ADDR 2
#define NAT64_FARG_DST_PORT 1

/* One entry, index 0, of the nat64_config array map. Times in nanoseconds. */
struct nat64_config {
	enum xlat_nat64_layout version; /* XLAT_NAT64_CONFIG_VERSION (4 bytes) */
	__u8  enabled;            /* manually-enabled */
	__u8  pool6_len;          /* 32, 40, 48, 56, 64 or 96 (always set for NAT64) */
	__u8  f_args;             /* NAT64_FARG_* */
	__u8  tos;                /* tos (with override-tos) */
	__u8  pool6[16];
	__u32 flags;              /* NAT64_F_* */
	__u16 lowest_ipv6_mtu;
	__u16 pool4_count;        /* valid entries of nat64_pool4, from index 0 */
	__u32 max_simultaneous_opens;
	__u8  pool4_default;      /* NAT64_POOL4_DEFAULT_*: protocols whose pool4 is the default (no entries) */
	__u8  _pad0[3];
	__u64 udp_timeout;
	__u64 tcp_est_timeout;
	__u64 tcp_trans_timeout;
	__u64 icmp_timeout;
	__u64 tcp_syn_timeout;    /* TCP_INCOMING_SYN: held externally initiated SYNs */
	__u32 secret[4];          /* RFC 6056 key, random per instance */
};

/* nat64_config.pool4_default: the protocols without pool4 entries, which use the node's own addresses
 * (the one the route to the destination leaves through). */
#define NAT64_POOL4_DEFAULT_TCP  (1u << 0)
#define NAT64_POOL4_DEFAULT_UDP  (1u << 1)
#define NAT64_POOL4_DEFAULT_ICMP (1u << 2)

/* nat64_pool4_range.flags */
#define NAT64_POOL4_DEFAULT 1    /* the namespace's own address, used while pool4 is empty */

/* One pool4 entry: every address of addr/prefix_len with ports port_min..port_max. */
struct nat64_pool4_range {
	__be32 addr;
	__u32  mark;
	__u16  port_min;          /* host order */
	__u16  port_max;
	__u8   proto;             /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_ICMP */
	__u8   prefix_len;
	__u8   flags;             /* NAT64_POOL4_* */
	__u8   _pad;
	__u32  max_iter;          /* max-iterations of this entry's (proto, mark) set: 0 auto, else a fixed count */
};

/* max-iterations (Jool's name): how many transport addresses one allocation may try. auto: every slot of the
 * (proto, mark) set up to NAT64_ITER_AUTO_MAX; a fixed count is capped at NAT64_ITER_MAX ("infinity"). */
#define NAT64_ITER_AUTO       0
#define NAT64_ITER_AUTO_MAX   8192
#define NAT64_ITER_MAX        65536

/* Transport addresses. Ports (and ICMP identifiers) in network order. */
struct nat64_taddr4 {
	__be32 addr;
	__be16 port;
	__u8   proto;             /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
	__u8   _pad;
};

struct nat64_taddr6 {
	__u8   addr[16];
	__be16 port;
	__u8   proto;             /* same numbering as nat64_taddr4 (ICMP, not ICMPv6) */
	__u8   _pad;
};

#define NAT64_BIB_STATIC 1
#define NAT64_NEVER      0xffffffffffffffffULL

/*
 * nat64_bib4: pool4 side -> IPv6 side. This half also keeps the entry's
 * session count: a dynamic entry goes with its last session (RFC 6146 3.5),
 * and while it has one session its lifetime is that session's exactly.
 */
struct nat64_bib4_value {
	struct nat64_taddr6 t6;
	__u32 flags;              /* NAT64_BIB_* */
	__u64 expires;            /* bpf_ktime_get_ns() deadline; NAT64_NEVER for static */
	__u32 sessions;           /* sessions counted into this entry (see nat64_session.bib_gen) */
	__u32 gen;                /* random per entry: a session created for an older entry of the same address */
};

/* nat64_bib6: IPv6 side -> pool4 side. */
struct nat64_bib6_value {
	struct nat64_taddr4 t4;
	__u32 flags;
	__u32 _pad;
	__u64 expires;
};

/* nat64_sessions key: the IPv4 view of a flow (for ICMP both ports are the identifier). */
struct nat64_session_key {
	__be32 local4;            /* pool4 address */
	__be32 remote4;
	__be16 lport;
	__be16 rport;
	__u8   proto;
	__u8   _pad[3];
};

/* TCP states of RFC 6146 section 3.5.2 (UDP and ICMP sessions stay ESTABLISHED). */
enum nat64_tcp_state {
	NAT64_TCP_CLOSED = 0,
	NAT64_TCP_V4_INIT,
	NAT64_TCP_V6_INIT,
	NAT64_TCP_ESTABLISHED,
	NAT64_TCP_V4_FIN_RCV,
	NAT64_TCP_V6_FIN_RCV,
	NAT64_TCP_V4_FIN_V6_FIN_RCV,
	NAT64_TCP_TRANS,
};

/*
 * An ESTABLISHED TCP session's deadline includes tcp-trans-timeout: past
 * tcp-est-timeout it counts as TRANS (RFC 6146 3.5.2.2's alternative to a
 * probe), and any packet but a RST takes it back to ESTABLISHED.
 */
struct nat64_session {
	__u8   addr6[16];         /* the IPv6 node */
	__be16 port6;
	__u8   state;             /* enum nat64_tcp_state */
	__u8   flags;
	__u32  bib_gen;           /* gen of the BIB entry that counted this session */
	__u64  expires;
};

/*
 * What `instance add` changed in the namespace's sysctls, per interface
 * (nat64_sysctl, keyed by ifindex), so that `remove` restores it. The data
 * plane never reads it; the tc program only keeps the map alive.
 */
#define XLAT_NAT64_SYSCTL_MAX 256

struct nat64_saved_sysctl {
	__u8 accept_local;        /* net.ipv4.conf.IFACE.accept_local before add */
	__u8 changed;             /* 1: add set it to 1 */
	__u8 _pad[2];
};

/*
 * Fragments (RFC 6146 3.4 and 3.5 need the ports, which only the first
 * fragment carries). The first fragment is translated through the BIB and
 * session tables; what it became is kept in nat64_frags, keyed by the
 * fragment's identity as it arrived, for a short while (lazy expiry, never
 * evicted while alive); later fragments look it up and get the same
 * addresses. Only the data plane reads it.
 */
#define XLAT_NAT64_FRAG_MAX      16384
/* nat64_reasm (nat64_reasm.h): fragmented ICMP echo messages being reassembled, at most this many at once, each
 * at most XLAT_NAT64_REASM_MSG bytes long (the ICMP message: ping -s 15864), abandoned XLAT_NAT64_REASM_TIMEOUT
 * after its first fragment. The bound is the kernel's: a tc program cannot grow an skb past about 16 KB
 * (SKB_MAX_ALLOC), and the whole message, translated, must fit in one (Ethernet, IPv6, fragment header). */
#define XLAT_NAT64_REASM_MAX     64
#define XLAT_NAT64_REASM_BYTES   16384 /* the buffer: a power of two, for the verifier's bounds */
#define XLAT_NAT64_REASM_MSG     15872
#define XLAT_NAT64_REASM_FRAGS   32
#define XLAT_NAT64_REASM_TIMEOUT 2000000000ULL /* ns */
#define XLAT_NAT64_FRAG_TIMEOUT  2000000000ULL /* ns */

struct nat64_frag_key {
	__u8   src[16];           /* as received; IPv4: the first 4 bytes, the rest zero */
	__u8   dst[16];
	__be32 id;                /* the IPv6 fragment identification, or the IPv4 one in the low-order bytes */
	__u8   family;            /* 4 or 6: the family the fragments arrive in */
	__u8   proto;             /* IPPROTO_TCP or IPPROTO_UDP */
	__u8   _pad[2];
};

#define NAT64_FRAG_PASS 1         /* the first fragment was not ours: the later ones go to the kernel too */

struct nat64_frag_value {
	__u8   src[16];           /* the translated addresses; IPv4: the first 4 bytes */
	__u8   dst[16];
	__be16 port;              /* the first fragment's new port: pool4 (6->4) or the IPv6 node's (4->6) */
	__u8   flags;             /* NAT64_FRAG_* */
	__u8   _pad;
	__u32  _pad2;
	__u64  expires;           /* bpf_ktime_get_ns() deadline */
};

/*
 * Externally initiated TCP (RFC 6146 3.5.2.2): an IPv4 SYN to a pool4
 * transport address without a BIB entry cannot be kept by BPF, so it is
 * recorded (nat64_syn4, keyed by the remote and the pool4 transport address
 * it targets) and dropped. The sender's retransmissions find either a BIB
 * entry an IPv6 SYN made meanwhile (translated normally, the record goes) or
 * the record: within XLAT_NAT64_SYN4_TIMEOUT dropped again, after it answered
 * with ICMP port unreachable (and the record goes). Plain hash map, lazy
 * expiry, at most maximum-simultaneous-opens live records. Data plane only.
 */
#define XLAT_NAT64_SYN4_MAX      16384
#define XLAT_NAT64_SYN4_TIMEOUT  6000000000ULL /* ns: RFC 6146 3.5.2.2's 6 seconds */

struct nat64_syn4_key {
	__be32 remote4;           /* the IPv4 sender */
	__be32 local4;            /* the pool4 address it targets */
	__be16 rport;
	__be16 lport;             /* the pool4 port */
};

struct nat64_syn4_value {
	__u64 expires;            /* bpf_ktime_get_ns() deadline: after it, the next SYN gets ICMP 3/3 */
};

/* Counters of the NAT64 instance, indexes of nat64_stats; names as for SIIT after NAT64_C_. */
enum nat64_counter {
	NAT64_C_XLAT_6TO4 = 0,
	NAT64_C_XLAT_4TO6,
	NAT64_C_XLAT_HAIRPIN,
	NAT64_C_PASS_NOT_IP,
	NAT64_C_PASS_DISABLED,
	NAT64_C_PASS_DST6_NOT_POOL6,
	NAT64_C_PASS_DST4_NOT_POOL4,
	NAT64_C_PASS_NDP,
	NAT64_C_DROP_HOP_LIMIT,        /* hop limit / TTL would expire here: Time Exceeded sent (RFC 7915 4.1, 5.1) */
	NAT64_C_PASS_ICMP_TYPE,
	NAT64_C_PASS_PROTO,
	NAT64_C_PASS_FRAGMENT,
	NAT64_C_PASS_EXT_HEADER,
	NAT64_C_PASS_IPV4_OPTIONS,
	NAT64_C_PASS_ICMP_NO_BIB,
	NAT64_C_DROP_TRUNCATED,
	NAT64_C_DROP_UDP_ZERO_CSUM,
	NAT64_C_DROP_RESIZE_FAILED,
	NAT64_C_DROP_WRITE_FAILED,
	NAT64_C_DROP_NO_BIB,
	NAT64_C_DROP_TCP_NO_SESSION,
	NAT64_C_DROP_EXTERNALLY_INITIATED_TCP,
	NAT64_C_DROP_ADDRESS_DEPENDENT_FILTERING,
	NAT64_C_DROP_ICMPV6_INFO,
	NAT64_C_DROP_NO_POOL4,
	NAT64_C_DROP_POOL4_EXHAUSTED,
	NAT64_C_DROP_TABLE_FULL,
	NAT64_C_DROP_SRC4_SPECIAL,
	NAT64_C_TCP_SYN_HELD,          /* an IPv4 SYN without a BIB entry, recorded in nat64_syn4 (or a retransmission within its 6 s) and dropped */
	NAT64_C_DROP_MAX_SIMULTANEOUS_OPENS, /* such a SYN while maximum-simultaneous-opens records are live (or nat64_syn4 is full) */
	NAT64_C_DROP_ICMP_ERROR,
	NAT64_C_XLAT_ICMP_ERROR_6TO4,  /* an ICMP error translated through the session tables */
	NAT64_C_XLAT_ICMP_ERROR_4TO6,
	NAT64_C_DROP_ICMP_ERROR_NO_SESSION, /* an ICMP error about a flow without a session */
	NAT64_C_DROP_ICMP_TYPE,        /* an ICMP error type RFC 7915 does not translate */
	NAT64_C_BIB_CREATED,      /* events, counted besides the packet's own reason */
	NAT64_C_SESSION_CREATED,
	NAT64_C_RECLAIMED,
	/* Fragments (appended: the values above never move). */
	NAT64_C_XLAT_FRAGMENT_6TO4,    /* a later fragment, translated like its first fragment was */
	NAT64_C_XLAT_FRAGMENT_4TO6,
	NAT64_C_DROP_FRAGMENT_BEFORE_FIRST, /* a later fragment whose first fragment was not seen (yet) */
	NAT64_C_DROP_ICMP_FRAGMENT,    /* fragmented ICMP (not translated, RFC 7915) */
	NAT64_C_DROP_FRAGMENT_TABLE_FULL, /* a first fragment that found no room in nat64_frags */
	/* Errors the NAT64 originates (RFC 7915 4.4, 5.4). */
	NAT64_C_DROP_TOO_BIG,          /* too big for the path with DF (or IPv6): the sender got Frag Needed / PTB */
	NAT64_C_ICMP_SENT,             /* events: ICMP errors sent, held back by the rate limit, */
	NAT64_C_ICMP_RATE_LIMITED,
	NAT64_C_ICMP_NO_SOURCE,        /* or not sent for want of an address on the ingress interface */
	/* Held SYNs (RFC 6146 3.5.2.2). */
	NAT64_C_TCP_SYN_UNREACHABLE,   /* a SYN whose record's 6 s had passed with no IPv6 SYN: the sender got ICMP 3/3 */
	/* Real traffic (appended). */
	NAT64_C_DROP_SRC6_POOL6,       /* an IPv6 source inside pool6: a translated packet coming back (a loop) */
	NAT64_C_PASS_UDP_NO_BIB,       /* UDP to a pool4 transport address without a BIB entry: the kernel's (port unreachable) */
	NAT64_C_REASM_HELD,            /* a fragment of an ICMP echo kept until its datagram is whole (nat64_reasm.h) */
	NAT64_C_DROP_REASM_TOO_BIG,    /* a fragmented ICMP echo longer than XLAT_NAT64_REASM_BYTES */
	NAT64_C_DROP_REASM_TABLE_FULL, /* no room to reassemble one more ICMP echo (XLAT_NAT64_REASM_MAX at once) */
	NAT64_C_DROP_REASM_OVERLAP,    /* a fragment overlapping another of its datagram (RFC 5722): the datagram is dropped */
	NAT64_C_REASM_EXPIRED,         /* events: a reassembly abandoned after XLAT_NAT64_REASM_TIMEOUT, */
	NAT64_C_SESSION_EXPIRED,       /* a session deleted once its lifetime had passed, */
	NAT64_C_BIB_EXPIRED,           /* a dynamic BIB entry deleted with its last session (or its own lifetime) */
	NAT64_C__MAX,
};

#endif
