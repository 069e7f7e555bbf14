/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 6 seconds of RFC 6146 3.5.2.2 without a process: an IPv4 SYN held for
 * want of a BIB entry (nat64/filter.h) is itself sent into a delay line, a
 * veth pair the CLI makes in the namespace (xlat-syn0 -> xlat-syn1) whose
 * egress queue is a netem qdisc holding each packet for 6 s. The kernel keeps
 * the packet meanwhile; when it comes out at xlat-syn1's ingress, this
 * program looks at its record again: still there (no IPv6 SYN came), it is
 * answered with ICMP port unreachable on the interface it arrived on; gone,
 * it is dropped. Without the delay line (its map entry unset: a kernel without
 * sch_netem), held SYNs are dropped and answered at the sender's next
 * retransmission, as before.
 */
#ifndef XLAT_NAT64_SYN_DELAY_H
#define XLAT_NAT64_SYN_DELAY_H

#include "nat64/filter.h"
#include "nat64/icmp_gen.h"

/* A held SYN in the delay line carries this in its mark's high half and its ingress ifindex in the low half. */
#define XLAT_SYN_DELAY_MARK  0x78730000 /* "xs" */
#define XLAT_SYN_DELAY_MASK  0xffff0000
/* A SYN may come back this much before its record's deadline (the clocks of netem and of the record differ). */
#define XLAT_SYN_DELAY_SLACK 200000000ULL

/* The delay line's two ends (ifindexes), written by the CLI; both 0: none. */
struct nat64_syn_delay {
	__u32 out_if;  /* xlat-syn0: held SYNs are redirected to its egress (the netem queue) */
	__u32 back_if; /* xlat-syn1: where they come back, at ingress */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat64_syn_delay);
} nat64_syn_delay SEC(".maps");

static __always_inline struct nat64_syn_delay *syn_delay(void)
{
	__u32 zero = 0;
	struct nat64_syn_delay *d = bpf_map_lookup_elem(&nat64_syn_delay, &zero);

	return d && d->out_if && d->back_if ? d : NULL;
}

/* Whether held SYNs go into the delay line (XDP then leaves them to tc, which can redirect an skb). */
static __always_inline int syn_delay_on(void)
{
	return syn_delay() != NULL;
}

/* Sends a held SYN into the delay line: TC_ACT_REDIRECT, or TC_ACT_SHOT without one. */
__attribute__((noinline)) int xlat_nat64_syn_delay(struct __sk_buff *skb)
{
	struct nat64_syn_delay *d = syn_delay();

	if (!d || skb->ifindex > 0xffff)
		return TC_ACT_SHOT;
	skb->mark = XLAT_SYN_DELAY_MARK | skb->ifindex;
	return bpf_redirect(d->out_if, 0);
}

/*
 * A held SYN back from the delay line (at back_if's ingress): ICMP port
 * unreachable from the interface it first arrived on if its record is still
 * there and due, or dropped. A NAT64_RES; the packet was counted already
 * (tcp-syn-held), so only the answer is: tcp-syn-unreachable. NAT64_CONTINUE
 * when the packet did not come from the delay line.
 */
__attribute__((noinline)) int xlat_nat64_syn_timeout(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip4 = data + sizeof(struct ethhdr);
	struct nat64_syn4_key k = {};
	struct nat64_session_key sk = {};
	struct nat64_syn4_value *v;
	struct tcphdr *th;
	__u32 ifindex = skb->mark & ~XLAT_SYN_DELAY_MASK;
	struct nat64_syn_delay *d = syn_delay();

	if (!d || skb->ifindex != d->back_if)
		return NAT64_CONTINUE; /* not from our delay line: an ordinary packet */
	skb->mark = 0;
	if ((void *)(ip4 + 1) > data_end || ip4->ihl != 5 || ip4->protocol != IPPROTO_TCP)
		return NAT64_RES(V_DROP, NAT64_NO_COUNT);
	th = (void *)(ip4 + 1);
	if ((void *)(th + 1) > data_end)
		return NAT64_RES(V_DROP, NAT64_NO_COUNT);
	k.remote4 = ip4->saddr;
	k.local4 = ip4->daddr;
	k.rport = th->source;
	k.lport = th->dest;
	v = bpf_map_lookup_elem(&nat64_syn4, &k);
	if (!v || v->expires > bpf_ktime_get_ns() + XLAT_SYN_DELAY_SLACK)
		return NAT64_RES(V_DROP, NAT64_NO_COUNT); /* an IPv6 SYN came (or a newer record): nothing to say */
	syn4_forget(&k);
	/* The two SYNs met (a simultaneous open made the session): RFC 6146 3.5.2.2 drops the stored one silently. */
	sk.local4 = k.local4;
	sk.lport = k.lport;
	sk.remote4 = k.remote4;
	sk.rport = k.rport;
	sk.proto = IPPROTO_TCP;
	if (bpf_map_lookup_elem(&nat64_sessions, &sk))
		return NAT64_RES(V_DROP, NAT64_NO_COUNT);
	nat64_count(XLAT_C_TCP_SYN_UNREACHABLE);
	if (nat64_send_icmp(skb, ifindex, 0, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0) == TC_ACT_REDIRECT)
		return NAT64_RES(NAT64_V_SENT, NAT64_NO_COUNT);
	return NAT64_RES(V_DROP, NAT64_NO_COUNT);
}

#endif
