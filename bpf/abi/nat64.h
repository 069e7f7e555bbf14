/* SPDX-License-Identifier: GPL-2.0 */
/* Stateful NAT64's kernel/user ABI (RFC 6146; see abi/common.h): names, the configuration, pool4, BIB,
 * sessions and the data plane's own tables. */
#ifndef XLAT_ABI_NAT64_H
#define XLAT_ABI_NAT64_H

#include "abi/common.h"

#define XLAT_NAT64_XDP_PROG "xlat_nat64_xdp"
#define XLAT_NAT64_TC_PROG  "xlat_nat64_tc"

/* Distinct from SIIT's so both instances can share an interface's clsact hook. */
#define XLAT_TC_HANDLE_NAT64 0x6464
#define XLAT_TC_PRIO_NAT64   0x6464

/* The NAT64 map layout version (see enum xlat_siit_layout). */
enum xlat_nat64_layout { XLAT_NAT64_CONFIG_VERSION = 5 };

/* pool4 ranges the data plane walks (user entries plus the defaults). */
#define XLAT_NAT64_POOL4_MAX 64

/* nat64_config.flags */
#define NAT64_F_ADDR_DEP_FILTERING (1u << 0) /* address-dependent-filtering */
#define NAT64_F_DROP_EXT_TCP	   (1u << 1) /* drop-externally-initiated-tcp */
#define NAT64_F_DROP_ICMPV6_INFO   (1u << 2) /* drop-icmpv6-info */
#define NAT64_F_SRC_ICMPV6_BETTER  (1u << 3) /* source-icmpv6-errors-better */
#define NAT64_F_RST_DURING_FIN_RCV (1u << 4) /* handle-rst-during-fin-rcv */
#define NAT64_F_CLUSTER_STEERING   (1u << 5) /* cluster-steering (nat64/steer.h; TCP pickup, nat64/6to4.h) */
/* (bits 5 and 6 were zeroize-traffic-class and override-tos, now in struct xlat_common_config) */

/* f-args bits (RFC 6056 algorithm 3 inputs), as Jool numbers them. */
#define NAT64_FARG_SRC_ADDR 8
#define NAT64_FARG_SRC_PORT 4
#define NAT64_FARG_DST_ADDR 2
#define NAT64_FARG_DST_PORT 1

/* One entry, index 0, of the nat64_config array map. Times in nanoseconds. */
struct nat64_config {
	enum xlat_nat64_layout version; /* XLAT_NAT64_CONFIG_VERSION (4 bytes) */
	struct xlat_common_config c;	/* pool6 always set for NAT64 */
	__u8 f_args;			/* NAT64_FARG_* */
	__u8 pool4_default;		/* NAT64_POOL4_DEFAULT_*: protocols whose pool4 is the default (no entries) */
	__u16 pool4_count;		/* valid entries of nat64_pool4, from index 0 */
	__u32 flags;			/* NAT64_F_* */
	__u32 max_simultaneous_opens;
	__u32 _pad0[2];
	__u64 udp_timeout;
	__u64 tcp_est_timeout;
	__u64 tcp_trans_timeout;
	__u64 icmp_timeout;
	__u64 tcp_syn_timeout; /* TCP_INCOMING_SYN: held externally initiated SYNs */
	__u32 secret[4];       /* RFC 6056 key, random per instance */
};

/* nat64_config.pool4_default: the protocols without pool4 entries, which use the node's own addresses
 * (the one the route to the destination leaves through). */
#define NAT64_POOL4_DEFAULT_TCP	 (1u << 0)
#define NAT64_POOL4_DEFAULT_UDP	 (1u << 1)
#define NAT64_POOL4_DEFAULT_ICMP (1u << 2)

/* nat64_pool4_range.flags */
#define NAT64_POOL4_DEFAULT 1 /* the namespace's own address, used while pool4 is empty */

/* One pool4 entry: every address of addr/prefix_len with ports port_min..port_max. */
struct nat64_pool4_range {
	__be32 addr;
	__u32 mark;
	__u16 port_min; /* host order */
	__u16 port_max;
	__u8 proto; /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_ICMP */
	__u8 prefix_len;
	__u8 flags; /* NAT64_POOL4_* */
	__u8 _pad;
	__u32 max_iter; /* max-iterations of this entry's (proto, mark) set: 0 auto, else a fixed count */
};

/* max-iterations (Jool's name): how many transport addresses one allocation may try. auto: every slot of the
 * (proto, mark) set up to NAT64_ITER_AUTO_MAX; a fixed count is capped at NAT64_ITER_MAX ("infinity"). */
#define NAT64_ITER_AUTO	    0
#define NAT64_ITER_AUTO_MAX 8192
#define NAT64_ITER_MAX	    65536

/* Transport addresses. Ports (and ICMP identifiers) in network order. */
struct nat64_taddr4 {
	__be32 addr;
	__be16 port;
	__u8 proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
	__u8 _pad;
};

struct nat64_taddr6 {
	__u8 addr[16];
	__be16 port;
	__u8 proto; /* same numbering as nat64_taddr4 (ICMP, not ICMPv6) */
	__u8 _pad;
};

#define NAT64_BIB_STATIC 1
#define NAT64_NEVER	 0xffffffffffffffffULL

/*
 * nat64_bib4: pool4 side -> IPv6 side. This half also keeps the entry's
 * session count: a dynamic entry goes with its last session (RFC 6146 3.5),
 * and while it has one session its lifetime is that session's exactly.
 */
struct nat64_bib4_value {
	struct nat64_taddr6 t6;
	__u32 flags;	/* NAT64_BIB_* */
	__u64 expires;	/* bpf_ktime_get_ns() deadline; NAT64_NEVER for static */
	__u32 sessions; /* sessions counted into this entry (see nat64_session.bib_gen) */
	__u32 gen;	/* random per entry: a session created for an older entry of the same address */
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
	__be32 local4; /* pool4 address */
	__be32 remote4;
	__be16 lport;
	__be16 rport;
	__u8 proto;
	__u8 _pad[3];
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
	__u8 addr6[16]; /* the IPv6 node */
	__be16 port6;
	__u8 state; /* enum nat64_tcp_state */
	__u8 flags;
	__u32 bib_gen; /* gen of the BIB entry that counted this session */
	__u64 expires;
};

/*
 * What `instance add` changed in the namespace's sysctls, per interface
 * (nat64_sysctl, keyed by ifindex), so that `remove` restores it. The data
 * plane never reads it; the tc program only keeps the map alive.
 */
#define XLAT_NAT64_SYSCTL_MAX 256

struct nat64_saved_sysctl {
	__u8 accept_local; /* net.ipv4.conf.IFACE.accept_local before add */
	__u8 changed;	   /* 1: add set it to 1 */
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
#define XLAT_NAT64_FRAG_MAX	 16384
/* nat64_reasm (nat64/reasm.h): fragmented ICMP echo messages being reassembled, at most this many at once, each
 * at most XLAT_NAT64_REASM_MSG bytes long (the ICMP message: ping -s 15864), abandoned XLAT_NAT64_REASM_TIMEOUT
 * after its first fragment. The bound is the kernel's: a tc program cannot grow an skb past about 16 KB
 * (SKB_MAX_ALLOC), and the whole message, translated, must fit in one (Ethernet, IPv6, fragment header). */
#define XLAT_NAT64_REASM_MAX	 64
#define XLAT_NAT64_REASM_BYTES	 16384 /* the buffer: a power of two, for the verifier's bounds */
#define XLAT_NAT64_REASM_MSG	 15872
#define XLAT_NAT64_REASM_FRAGS	 32
#define XLAT_NAT64_REASM_TIMEOUT 2000000000ULL /* ns */
#define XLAT_NAT64_FRAG_TIMEOUT	 2000000000ULL /* ns */

struct nat64_frag_key {
	__u8 src[16]; /* as received; IPv4: the first 4 bytes, the rest zero */
	__u8 dst[16];
	__be32 id;   /* the IPv6 fragment identification, or the IPv4 one in the low-order bytes */
	__u8 family; /* 4 or 6: the family the fragments arrive in */
	__u8 proto;  /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 _pad[2];
};

#define NAT64_FRAG_PASS 1 /* the first fragment was not ours: the later ones go to the kernel too */

struct nat64_frag_value {
	__u8 src[16]; /* the translated addresses; IPv4: the first 4 bytes */
	__u8 dst[16];
	__be16 port; /* the first fragment's new port: pool4 (6->4) or the IPv6 node's (4->6) */
	__u8 flags;  /* NAT64_FRAG_* */
	__u8 _pad;
	__u32 _pad2;
	__u64 expires; /* bpf_ktime_get_ns() deadline */
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
#define XLAT_NAT64_SYN4_MAX	16384
#define XLAT_NAT64_SYN4_TIMEOUT 6000000000ULL /* ns: RFC 6146 3.5.2.2's 6 seconds */

struct nat64_syn4_key {
	__be32 remote4; /* the IPv4 sender */
	__be32 local4;	/* the pool4 address it targets */
	__be16 rport;
	__be16 lport; /* the pool4 port */
};

struct nat64_syn4_value {
	__u64 expires; /* bpf_ktime_get_ns() deadline: after it, the next SYN gets ICMP 3/3 */
};

#endif
