/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The RFC 7915 core both translators share, as Jool's rfc7915/ is: the new IP
 * header made from the old one (TOS and traffic class, DF and identification,
 * fragments), the ICMP echo type change, and the transport checksum changes
 * that follow the new pseudo-header. Outer packets and the inner packets of
 * ICMP errors go through the same functions. SIIT and NAT64 differ only in the
 * addresses (and for NAT64 the ports and identifiers) they pass in.
 */
#ifndef XLAT_RFC7915_H
#define XLAT_RFC7915_H

#include "lib/csum.h"
#include "lib/plan.h"

/* 5.1: TOS from the traffic class, or the configured one (override-tos). c NULL: copied (inner packets). */
static __always_inline __u8 rfc7915_tos(const struct xlat_common_config *c, const struct ipv6hdr *ip6)
{
	if (c && c->override_tos)
		return c->tos;
	return (ip6->priority << 4) | (ip6->flow_lbl[0] >> 4);
}

/* 4.1: traffic class from the TOS, or 0 (zeroize-traffic-class). c NULL: copied (inner packets). */
static __always_inline __u8 rfc7915_tclass(const struct xlat_common_config *c, __u8 tos)
{
	return c && c->zeroize_tc ? 0 : tos;
}

/* How a translated IPv4 header gets its identification when the IPv6 packet was not a fragment. */
#define RFC7915_WHOLE		      ((struct rfc7915_frag){0})
#define RFC7915_FRAG(has_, off_, id_) ((struct rfc7915_frag){.has = (has_), .frag_off = (off_), .id = (id_)})
enum { RFC7915_ID_RANDOM = 0, RFC7915_ID_ZERO = 1 };

/* The fragment header of the IPv6 packet being translated, if it has one: its fields in network order. */
struct rfc7915_frag {
	__u32 has;
	__be16 frag_off;
	__u16 _pad;
	__be32 id;
};

/*
 * 5.1 and 5.1.1: the IPv4 header of an IPv6 packet that is tot_len bytes once
 * translated. A fragment's header takes its identification, offset and MF. DF
 * is set above XLAT_DF_THRESHOLD bytes, where the IPv6 side could not take the
 * packet fragmented any more. The hop limit is copied: the kernel's
 * forwarding takes one off, and translating and routing count as one hop.
 */
static __always_inline void rfc7915_hdr4(struct iphdr *h, __u8 tos, const struct ipv6hdr *ip6, __u8 proto, __be32 src,
					 __be32 dst, __u32 tot_len, struct rfc7915_frag f, int id_rule)
{
	h->version = 4;
	h->ihl = 5;
	h->tos = tos;
	h->tot_len = bpf_htons(tot_len);
	if (f.has) {
		__u16 frag = bpf_ntohs(f.frag_off);

		h->id = bpf_htons((__u16)bpf_ntohl(f.id));
		h->frag_off = bpf_htons((frag >> 3) | ((frag & IP6_MF) ? IP_MF : 0));
	} else {
		h->frag_off = tot_len > XLAT_DF_THRESHOLD ? bpf_htons(IP_DF) : 0;
		h->id = tot_len > XLAT_DF_THRESHOLD || id_rule == RFC7915_ID_ZERO ? 0 : (__u16)bpf_get_prandom_u32();
	}
	h->ttl = ip6->hop_limit;
	h->protocol = proto;
	h->saddr = src;
	h->daddr = dst;
	h->check = 0;
	h->check = ipv4_hdr_csum(h);
}

/*
 * 4.1: the IPv6 header of an IPv4 packet whose upper layer is upper bytes, and
 * its fragment header when the IPv4 packet is a fragment (identification,
 * offset and MF kept). Returns the new L3 length: 40, or 48 with a fragment
 * header. The TTL is copied, as above.
 */
static __always_inline __u32 rfc7915_hdr6(struct ipv6hdr *h, struct ipv6_frag *fh, __u8 tclass, const struct iphdr *ip4,
					  const struct in6_addr *src, const struct in6_addr *dst, __u8 nexthdr,
					  __u32 upper)
{
	__u16 frag = bpf_ntohs(ip4->frag_off);
	__u32 l3 = sizeof(struct ipv6hdr);

	h->version = 6;
	h->priority = tclass >> 4;
	h->flow_lbl[0] = (tclass & 0xf) << 4;
	h->flow_lbl[1] = 0;
	h->flow_lbl[2] = 0;
	h->nexthdr = nexthdr;
	h->hop_limit = ip4->ttl;
	h->saddr = *src;
	h->daddr = *dst;
	if (frag & (IP_MF | IP_OFFSET)) {
		h->nexthdr = IPPROTO_FRAGMENT;
		fh->nexthdr = nexthdr;
		fh->reserved = 0;
		fh->frag_off = bpf_htons(((frag & IP_OFFSET) << 3) | ((frag & IP_MF) ? IP6_MF : 0));
		fh->identification = bpf_htonl(bpf_ntohs(ip4->id));
		l3 += sizeof(struct ipv6_frag);
	}
	h->payload_len = bpf_htons(upper + l3 - sizeof(struct ipv6hdr));
	return l3;
}

/* ICMP echo types across the families (RFC 7915 4.2, 5.2); 0xff: not an echo message. */
static __always_inline __u8 rfc7915_echo_6to4(__u8 type6)
{
	return type6 == ICMPV6_ECHO_REQUEST ? ICMP_ECHO : type6 == ICMPV6_ECHO_REPLY ? ICMP_ECHOREPLY : 0xff;
}

static __always_inline __u8 rfc7915_echo_4to6(__u8 type4)
{
	return type4 == ICMP_ECHO ? ICMPV6_ECHO_REQUEST : type4 == ICMP_ECHOREPLY ? ICMPV6_ECHO_REPLY : 0xff;
}

/* The checksum change of an echo's type byte (its code byte is the other half of the word). */
static __always_inline __u32 rfc7915_type_delta(__u8 old_type, __u8 new_type, __u8 code)
{
	__u8 o[2] = {old_type, code}, n[2] = {new_type, code};

	return csum_sub(csum_words(n, 1), csum_words(o, 1));
}

/* The plan rewrites an echo's type byte and folds the change into the checksum. */
static __always_inline void plan_echo_type(struct plan *p, const __u8 *icmp, __u8 new_type)
{
	p->icmp_type = new_type;
	p->set_icmp_type = 1;
	p->data_delta = rfc7915_type_delta(icmp[0], new_type, icmp[1]);
}

/*
 * 5.5 / 4.5: the change of a transport checksum across the families. TCP and
 * UDP: the addresses of the pseudo-header change. ICMP: ICMPv6 has a
 * pseudo-header (addresses, length, next header) and ICMPv4 none, so the IPv6
 * one leaves or joins the sum.
 */
static __always_inline __u32 rfc7915_pseudo_6to4(const struct in6_addr *s6, const struct in6_addr *d6, __be32 s4,
						 __be32 d4, __u8 proto6, __u32 upper)
{
	if (proto6 == IPPROTO_ICMPV6)
		return ~pseudo6_sum(s6, d6, upper, IPPROTO_ICMPV6);
	return csum_sub(addr4_sum(s4, d4), csum_words(s6, 8) + csum_words(d6, 8));
}

static __always_inline __u32 rfc7915_pseudo_4to6(__be32 s4, __be32 d4, const struct in6_addr *s6,
						 const struct in6_addr *d6, __u8 proto4, __u32 upper)
{
	if (proto4 == IPPROTO_ICMP)
		return pseudo6_sum(s6, d6, upper, IPPROTO_ICMPV6);
	return csum_sub(csum_words(s6, 8) + csum_words(d6, 8), addr4_sum(s4, d4));
}

#endif
