/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMP error translation at tc (RFC 7915 sections 4.2, 4.3, 5.2, 5.3), for a
 * translator that decides the inner packet's new identity itself: the caller
 * fills struct xicmp_inner (the inner packet's new addresses and, for a
 * stateful translator, the port or ICMP identifier that changes with them)
 * and the plan's outer header; this rebuilds the message: ICMP type, code,
 * pointer and MTU mapped (icmp_map.h), inner header translated, RFC 4884
 * extension carried over, the message cut to 576 (IPv4) or 1280 (IPv6) bytes,
 * the inner transport checksum updated and the outer one computed anew.
 *
 * No maps of its own: the caller passes a per-CPU scratch buffer for the
 * RFC 4884 extension. Results are enum xicmp_result; the caller maps them to
 * its own counters. The logic is that of SIIT's siit/icmp_err.h with the
 * address mapping taken out, so that SIIT can move onto it unchanged.
 */
#ifndef XLAT_ICMP_ERR_XLAT_H
#define XLAT_ICMP_ERR_XLAT_H

#include "lib/csum.h"
#include "lib/plan.h"
#include "lib/parse6.h"
#include "lib/icmp_map.h"
#include "lib/skb_csum.h"
#include "lib/rfc7915.h"

#define XICMP_ETH     sizeof(struct ethhdr)
#define XICMP_V4_MAX  576
#define XICMP_V6_MAX  1280
#define XICMP_EXT_MAX 2048
#define XICMP_NO_PORT 0xff

/* What the steps below return: XICMP_OK, or why the message is dropped (enum xlat_counter, never 0). */
#define XICMP_OK 0

/* Per-CPU scratch: the extension, then 128 zero bytes for padding. */
struct xicmp_scratch {
	__u8 data[XICMP_EXT_MAX + 128];
	/* The new ICMP header and inner IP header, built here rather than on the stack the callers share. */
	struct {
		struct icmp6hdr icmp;
		struct ipv6hdr ip6;
		struct ipv6_frag frag;
	} out6;
	struct {
		struct icmphdr icmp;
		struct iphdr ip4;
	} out4;
};

/* What the inner packet becomes. */
struct xicmp_inner {
	struct in6_addr src6, dst6; /* 4->6 */
	__be32 src4, dst4;	    /* 6->4 */
	__u8 port_off;		    /* offset of the port / identifier in the inner L4 header, or XICMP_NO_PORT */
	__u8 _pad;
	__be16 port; /* its new value */
};

/*
 * The MTU for a Fragmentation Needed message that carries none: the largest
 * plateau below the length of the packet that did not fit. `plateaus` is a
 * translator's mtu-plateaus global (XLAT_MTU_PLATEAUS_MAX values, descending,
 * 0 after the last), or NULL for RFC 1191's table.
 */
static __always_inline __u16 xicmp_plateau(__u16 tot_len, const __u16 *plateaus)
{
	static const __u16 rfc1191[] = {65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
	int i;

	if (plateaus) {
#pragma unroll
		for (i = 0; i < XLAT_MTU_PLATEAUS_MAX; i++) {
			if (plateaus[i] == 0)
				break;
			if (plateaus[i] < tot_len)
				return plateaus[i];
		}
		return 68;
	}
#pragma unroll
	for (i = 0; i < (int)(sizeof(rfc1191) / sizeof(rfc1191[0])); i++)
		if (rfc1191[i] < tot_len)
			return rfc1191[i];
	return 68;
}

struct xicmp_ext {
	__u32 op_old; /* bytes of the original datagram field, padding included */
	__u32 ie_len; /* bytes of the extension, 0: none */
};

/* RFC 4884: reads the length field (in units) and saves the extension of the message whose body starts at body_off. */
static __always_inline int xicmp_ext_save(struct __sk_buff *skb, struct xicmp_scratch *buf, __u32 len_units, __u32 unit,
					  __u32 body_off, struct xicmp_ext *x)
{
	__u32 body = skb->len > body_off ? skb->len - body_off : 0;

	x->op_old = len_units * unit;
	x->ie_len = 0;
	if (!len_units || x->op_old >= body)
		return 0;
	x->ie_len = body - x->op_old;
	if (x->ie_len > XICMP_EXT_MAX) {
		x->ie_len = XICMP_EXT_MAX + 1; /* too big to keep in any case */
		return 0;
	}
	return bpf_skb_load_bytes(skb, body_off + x->op_old, buf->data, ((x->ie_len - 1) & (XICMP_EXT_MAX - 1)) + 1)
		       ? -1
		       : 0;
}

/*
 * Sizes the rebuilt body (at body_off, the datagram grown by grow bytes)
 * within limit and re-attaches the extension: the datagram is cut to a
 * multiple of the unit and padded to 128 bytes; when the whole would exceed
 * the limit the datagram gives way first (down to 128), then the extension
 * is dropped whole. Returns the new length field in units (0: none), or -1.
 */
static __always_inline int xicmp_ext_finish(struct __sk_buff *skb, struct xicmp_scratch *buf, __u32 body_off, int grow,
					    __u32 unit, __u32 limit, struct xicmp_ext *x)
{
	__u32 body = skb->len - body_off, op, have;

	if (!x->ie_len) {
		if (body > limit && bpf_skb_change_tail(skb, body_off + limit, 0))
			return -1;
		return 0;
	}
	have = (int)x->op_old + grow > 0 ? x->op_old + grow : 0;
	op = have & ~(unit - 1);
	if (op < 128)
		op = 128;
	if (x->ie_len > XICMP_EXT_MAX || op + x->ie_len > limit) {
		if (x->ie_len <= XICMP_EXT_MAX && 128 + x->ie_len <= limit) {
			op = (limit - x->ie_len) & ~(unit - 1);
		} else {
			op = have > limit ? limit : have;
			return bpf_skb_change_tail(skb, body_off + op, 0) ? -1 : 0;
		}
	}
	if (bpf_skb_change_tail(skb, body_off + op, 0))
		return -1;
	if (op > have) {
		__u32 pad = op - have;

		__builtin_memset(buf->data + XICMP_EXT_MAX, 0, 128);
		if (pad > 128 ||
		    bpf_skb_store_bytes(skb, body_off + have, buf->data + XICMP_EXT_MAX, ((pad - 1) & 127) + 1, 0))
			return -1;
	}
	if (bpf_skb_change_tail(skb, body_off + op + x->ie_len, 0) ||
	    bpf_skb_store_bytes(skb, body_off + op, buf->data, ((x->ie_len - 1) & (XICMP_EXT_MAX - 1)) + 1, 0))
		return -1;
	return op / unit;
}

/* The inner transport header's changes. */
struct xicmp_l4 {
	__u8 csum_off; /* CSUM_NONE: nothing to update */
	__u8 proto;    /* after translation */
	__u8 set_type;
	__u8 type;
	__u32 delta;
};

/* Updates a checksum field by delta unless the size limit cut it off. */
static __always_inline __u32 xicmp_fix_csum(struct __sk_buff *skb, __u32 off, __u32 delta, int udp)
{
	__u16 field, sum;

	if (off + 2 > skb->len)
		return XICMP_OK;
	if (bpf_skb_load_bytes(skb, off, &field, 2))
		return XLAT_C_DROP_TRUNCATED;
	if (udp && field == 0)
		return XICMP_OK;
	sum = csum_update(field, delta);
	if (udp && sum == 0)
		sum = 0xffff;
	return bpf_skb_store_bytes(skb, off, &sum, 2, 0) ? XLAT_C_DROP_WRITE_FAILED : XICMP_OK;
}

/* Reads the inner port / identifier that changes; returns its checksum delta (0 when none). */
static __always_inline __u32 xicmp_port_delta(struct __sk_buff *skb, __u32 inner_l4_off, const struct xicmp_inner *in)
{
	__be16 old;

	if (in->port_off == XICMP_NO_PORT || bpf_skb_load_bytes(skb, inner_l4_off + (in->port_off & 7), &old, 2))
		return 0;
	return csum_sub((__u32)in->port, (__u32)old);
}

static __always_inline __u32 xicmp_store_port(struct __sk_buff *skb, __u32 inner_l4_off, const struct xicmp_inner *in)
{
	__u32 off = inner_l4_off + (in->port_off & 7);

	if (in->port_off == XICMP_NO_PORT || off + 2 > skb->len)
		return XICMP_OK;
	return bpf_skb_store_bytes(skb, off, &in->port, 2, 0) ? XLAT_C_DROP_WRITE_FAILED : XICMP_OK;
}

/* The inner transport header, where the size limit left it: ICMP type, port or identifier, checksum. */
static __always_inline __u32 xicmp_fix_inner_l4(struct __sk_buff *skb, __u32 inner_l4, const struct xicmp_l4 *l4,
						const struct xicmp_inner *in, int udp)
{
	__u32 err;

	if (l4->set_type && inner_l4 < skb->len && bpf_skb_store_bytes(skb, inner_l4, &l4->type, 1, 0))
		return XLAT_C_DROP_WRITE_FAILED;
	if (l4->csum_off == CSUM_NONE)
		return XICMP_OK;
	err = xicmp_store_port(skb, inner_l4, in);
	return err ? err : xicmp_fix_csum(skb, inner_l4 + l4->csum_off, l4->delta, udp);
}

/* The ICMPv6 checksum over the finished message. */
static __always_inline __u32 xicmp_finish6(struct __sk_buff *skb, const struct ipv6hdr *ip6, __u32 base, __u32 plen)
{
	__u32 sum = skb_sum(skb, base, plen);
	__u16 c;

	if (sum == ~0U)
		return XLAT_C_DROP_TRUNCATED;
	c = (__u16)~csum_fold32(csum_add(sum, pseudo6_sum(&ip6->saddr, &ip6->daddr, plen, IPPROTO_ICMPV6)));
	return bpf_skb_store_bytes(skb, base + 2, &c, 2, 0) ? XLAT_C_DROP_WRITE_FAILED : XICMP_OK;
}

/*
 * ICMPv4 error -> ICMPv6 error. The plan holds the outer IPv6 header (its
 * payload length is set here); p->strip is the outer IPv4 options' length.
 */
static __always_inline __u32 xicmp_rebuild_4to6(struct __sk_buff *skb, struct plan *p, const struct xicmp_inner *in,
						struct xicmp_scratch *buf, const __u16 *plateaus)
{
	__u32 ohl = sizeof(struct iphdr) + p->strip;
	__u32 icmp_off = XICMP_ETH + ohl, in_off = icmp_off + 8;
	struct {
		__u8 type, code;
		__u16 csum;
		__be32 rest;
	} ih;
	struct iphdr in4;
	typeof(buf->out6) *out = &buf->out6;
	struct xicmp_l4 l4 = {.csum_off = CSUM_NONE};
	struct xicmp_ext ext = {};
	__u8 ntype, ncode, itype[2];
	__u32 nrest, ihl, nlen, plen, base, inner_l4, err;
	__u16 frag;
	int grow, units;

	if (bpf_skb_load_bytes(skb, icmp_off, &ih, sizeof(ih)) || bpf_skb_load_bytes(skb, in_off, &in4, sizeof(in4)))
		return XLAT_C_DROP_TRUNCATED;
	if (icmp_err_4to6(ih.type, ih.code, bpf_ntohl(ih.rest), &ntype, &ncode, &nrest))
		return XLAT_C_DROP_ICMP_TYPE;
	ihl = in4.ihl * 4;
	if (in4.version != 4 || ihl < sizeof(in4) || ihl > 60)
		return XLAT_C_DROP_ICMP_ERROR_INNER;
	frag = bpf_ntohs(in4.frag_off);
	if (ntype == ICMPV6_PKT_TOOBIG) {
		__u32 mtu = nrest ? nrest : xicmp_plateau(bpf_ntohs(in4.tot_len), plateaus);

		mtu += sizeof(struct ipv6hdr) - sizeof(struct iphdr);
		nrest = mtu < 1280 ? 1280 : mtu;
	}
	__builtin_memset(out, 0, sizeof(*out));
	out->icmp.icmp6_type = ntype;
	out->icmp.icmp6_code = ncode;
	out->icmp.icmp6_dataun.un_data32[0] = bpf_htonl(nrest);
	l4.proto = in4.protocol == IPPROTO_ICMP ? IPPROTO_ICMPV6 : in4.protocol;
	if (!(frag & IP_OFFSET)) {
		__u32 pdelta = xicmp_port_delta(skb, in_off + ihl, in);

		__u32 upper = bpf_ntohs(in4.tot_len) - ihl;

		if (in4.protocol == IPPROTO_TCP || in4.protocol == IPPROTO_UDP) {
			l4.csum_off = in4.protocol == IPPROTO_TCP ? 16 : 6;
			l4.delta = csum_add(
				rfc7915_pseudo_4to6(in4.saddr, in4.daddr, &in->src6, &in->dst6, in4.protocol, upper),
				pdelta);
		} else if (in4.protocol == IPPROTO_ICMP) {
			if (bpf_skb_load_bytes(skb, in_off + ihl, itype, 2))
				return XLAT_C_DROP_TRUNCATED;
			l4.type = rfc7915_echo_4to6(itype[0]);
			if (l4.type == 0xff)
				return XLAT_C_DROP_ICMP_ERROR_INNER; /* errors about errors are not sent */
			l4.set_type = 1;
			l4.csum_off = 2;
			l4.delta = csum_add(csum_add(rfc7915_type_delta(itype[0], l4.type, itype[1]),
						     rfc7915_pseudo_4to6(in4.saddr, in4.daddr, &in->src6, &in->dst6,
									 IPPROTO_ICMP, upper)),
					    pdelta);
		}
	}

	/* The inner packet is translated like any packet (RFC 7915 4.3), its TTL and TOS kept. */
	nlen = rfc7915_hdr6(&out->ip6, &out->frag, rfc7915_tclass(NULL, in4.tos), &in4, &in->src6, &in->dst6, l4.proto,
			    bpf_ntohs(in4.tot_len) - ihl);

	/* RFC 4884: ICMPv4 3, 11 and 12 carry the length (32-bit words) in byte 5; ICMPv6 only 1 and 3. */
	if ((ih.type == ICMP_DEST_UNREACH || ih.type == ICMP_TIME_EXCEEDED || ih.type == ICMP_PARAMETERPROB) &&
	    (ntype == ICMPV6_DEST_UNREACH || ntype == ICMPV6_TIME_EXCEED)) {
		if (xicmp_ext_save(skb, buf, (bpf_ntohl(ih.rest) >> 16) & 0xff, 4, in_off, &ext))
			return XLAT_C_DROP_TRUNCATED;
	}

	/* New layout: [eth][IPv6 40][ICMPv6 8][inner IPv6 nlen][inner L4...] */
	if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 0))
		return XLAT_C_DROP_RESIZE_FAILED;
	grow = (int)(sizeof(struct iphdr) + nlen) - (int)ohl - (int)ihl;
	if (grow && bpf_skb_adjust_room(skb, grow, BPF_ADJ_ROOM_NET, 0))
		return XLAT_C_DROP_RESIZE_FAILED;
	base = XICMP_ETH + sizeof(struct ipv6hdr);
	units = xicmp_ext_finish(skb, buf, base + 8, (int)nlen - (int)ihl, 8, XICMP_V6_MAX - sizeof(struct ipv6hdr) - 8,
				 &ext);
	if (units < 0)
		return XLAT_C_DROP_RESIZE_FAILED;
	if (units)
		out->icmp.icmp6_dataun.un_data8[0] = units; /* ICMPv6 (RFC 4884): 64-bit words, byte 4 */
	plen = skb->len - XICMP_ETH - sizeof(struct ipv6hdr);
	p->h.v6f.v6.payload_len = bpf_htons(plen);

	{
		__be16 proto = bpf_htons(ETH_P_IPV6);

		if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, 2, 0) ||
		    bpf_skb_store_bytes(skb, XICMP_ETH, &p->h.v6f.v6, sizeof(struct ipv6hdr), 0))
			return XLAT_C_DROP_WRITE_FAILED;
	}
	if (nlen == sizeof(struct ipv6hdr)) {
		if (bpf_skb_store_bytes(skb, base, out, 8 + sizeof(struct ipv6hdr), 0))
			return XLAT_C_DROP_WRITE_FAILED;
	} else if (bpf_skb_store_bytes(skb, base, out, sizeof(*out), 0)) {
		return XLAT_C_DROP_WRITE_FAILED;
	}
	inner_l4 = base + 8 + nlen;
	err = xicmp_fix_inner_l4(skb, inner_l4, &l4, in, in4.protocol == IPPROTO_UDP);
	if (err)
		return err;
	return xicmp_finish6(skb, &p->h.v6f.v6, base, plen);
}

/*
 * ICMPv6 error -> ICMPv4 error. The plan holds the outer IPv4 header (its
 * length and checksum are set here); p->strip is the outer IPv6 extension
 * headers' length. The inner IPv6 packet is read from the linear area.
 */
static __always_inline __u32 xicmp_rebuild_6to4(struct __sk_buff *skb, struct plan *p, const struct xicmp_inner *in,
						struct xicmp_scratch *buf)
{
	__u32 icmp_off = XICMP_ETH + sizeof(struct ipv6hdr) + p->strip, in_off = icmp_off + 8;
	void *data, *data_end;
	struct ipv6hdr *in6;
	struct ip6_chain c;
	struct {
		__u8 type, code;
		__u16 csum;
		__be32 rest;
	} ih;
	typeof(buf->out4) *out = &buf->out4;
	struct xicmp_l4 l4 = {.csum_off = CSUM_NONE};
	struct xicmp_ext ext = {};
	__u8 ntype, ncode;
	__u32 nrest, tot, upper, base, inner_l4, err;
	__u16 frag = 0;
	int grow, units;

	if (bpf_skb_load_bytes(skb, icmp_off, &ih, sizeof(ih)))
		return XLAT_C_DROP_TRUNCATED;
	if (icmp_err_6to4(ih.type, ih.code, bpf_ntohl(ih.rest), &ntype, &ncode, &nrest))
		return XLAT_C_DROP_ICMP_TYPE;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	in6 = data + (in_off & (IP6_CHAIN_MAX - 1));
	if ((void *)(in6 + 1) > data_end)
		return XLAT_C_DROP_TRUNCATED;
	if (in6->version != 6 || ip6_walk(in6, data_end, &c) || c.bad)
		return XLAT_C_DROP_ICMP_ERROR_INNER;
	/* The walk saw each header's first 8 bytes only: a chain cut short ends past the packet (found by fuzzing). */
	if (in_off + c.l4_off > skb->len)
		return XLAT_C_DROP_ICMP_ERROR_INNER;
	if (ntype == ICMP_DEST_UNREACH && ncode == ICMP_FRAG_NEEDED) {
		__u32 mtu = nrest - (sizeof(struct ipv6hdr) - sizeof(struct iphdr));

		nrest = mtu > 0xffff ? 0xffff : mtu;
	}
	__builtin_memset(out, 0, sizeof(*out));
	out->icmp.type = ntype;
	out->icmp.code = ncode;
	out->icmp.un.gateway = bpf_htonl(nrest);
	upper = bpf_ntohs(in6->payload_len) + sizeof(struct ipv6hdr) - c.l4_off;
	if (c.has_frag)
		frag = bpf_ntohs(c.frag_off);
	l4.proto = c.proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP : c.proto;
	if ((frag & ~7) == 0) {
		__u8 *t = (void *)in6 + (c.l4_off & (IP6_CHAIN_MAX - 1));
		__u32 pdelta = xicmp_port_delta(skb, in_off + c.l4_off, in);

		if (c.proto == IPPROTO_TCP || c.proto == IPPROTO_UDP) {
			l4.csum_off = c.proto == IPPROTO_TCP ? 16 : 6;
			l4.delta = csum_add(
				rfc7915_pseudo_6to4(&in6->saddr, &in6->daddr, in->src4, in->dst4, c.proto, upper),
				pdelta);
		} else if (c.proto == IPPROTO_ICMPV6) {
			if ((void *)(t + 2) > data_end)
				return XLAT_C_DROP_TRUNCATED;
			l4.type = rfc7915_echo_6to4(t[0]);
			if (l4.type == 0xff)
				return XLAT_C_DROP_ICMP_ERROR_INNER;
			l4.set_type = 1;
			l4.csum_off = 2;
			l4.delta = csum_add(
				csum_add(rfc7915_type_delta(t[0], l4.type, t[1]),
					 rfc7915_pseudo_6to4(&in6->saddr, &in6->daddr, 0, 0, IPPROTO_ICMPV6, upper)),
				pdelta);
		}
	}

	/* The inner packet is translated like any packet (RFC 7915 5.3), its hop limit and traffic class kept. */
	rfc7915_hdr4(&out->ip4, rfc7915_tos(NULL, in6), in6, l4.proto, in->src4, in->dst4, upper + sizeof(struct iphdr),
		     RFC7915_FRAG(c.has_frag, c.frag_off, c.frag_id), RFC7915_ID_ZERO);

	/* RFC 4884: ICMPv6 1 and 3 carry the length (64-bit words) in byte 4. */
	if (ih.type == ICMPV6_DEST_UNREACH || ih.type == ICMPV6_TIME_EXCEED) {
		if (xicmp_ext_save(skb, buf, bpf_ntohl(ih.rest) >> 24, 8, in_off, &ext))
			return XLAT_C_DROP_TRUNCATED;
	}

	/* New layout: [eth][IPv4 20][ICMP 8][inner IPv4 20][inner L4...] */
	grow = -(int)p->strip - (int)(c.l4_off - sizeof(struct iphdr));
	if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 0))
		return XLAT_C_DROP_RESIZE_FAILED;
	if (bpf_skb_adjust_room(skb, grow, BPF_ADJ_ROOM_NET, 0))
		return XLAT_C_DROP_RESIZE_FAILED;
	base = XICMP_ETH + sizeof(struct iphdr);
	units = xicmp_ext_finish(skb, buf, base + 8, -(int)(c.l4_off - sizeof(struct iphdr)), 4,
				 XICMP_V4_MAX - sizeof(struct iphdr) - 8, &ext);
	if (units < 0)
		return XLAT_C_DROP_RESIZE_FAILED;
	if (units)
		((__u8 *)&out->icmp.un.gateway)[1] = units; /* ICMPv4 (RFC 4884): 32-bit words, byte 5 */
	tot = skb->len - XICMP_ETH;
	p->h.v4.tot_len = bpf_htons(tot);
	p->h.v4.check = ipv4_hdr_csum(&p->h.v4);

	{
		__be16 proto = bpf_htons(ETH_P_IP);

		if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, 2, 0) ||
		    bpf_skb_store_bytes(skb, XICMP_ETH, &p->h.v4, sizeof(struct iphdr), 0) ||
		    bpf_skb_store_bytes(skb, base, out, sizeof(*out), 0))
			return XLAT_C_DROP_WRITE_FAILED;
	}
	inner_l4 = base + 8 + sizeof(struct iphdr);
	err = xicmp_fix_inner_l4(skb, inner_l4, &l4, in, c.proto == IPPROTO_UDP);
	if (err)
		return err;
	{
		__u32 sum = skb_sum(skb, base, tot - sizeof(struct iphdr));
		__u16 cs;

		if (sum == ~0U)
			return XLAT_C_DROP_TRUNCATED;
		cs = (__u16)~csum_fold32(sum);
		if (bpf_skb_store_bytes(skb, base + 2, &cs, 2, 0))
			return XLAT_C_DROP_WRITE_FAILED;
	}
	return XICMP_OK;
}

#endif
