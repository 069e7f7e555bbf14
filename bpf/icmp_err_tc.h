/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMP error translation at tc (RFC 7915 sections 4.2, 4.3, 5.2, 5.3): the
 * outer header comes from the plan, the ICMP header is mapped (icmp_map.h),
 * the inner packet's header is translated like a packet of its own, the
 * message is cut to what the new family allows (576 bytes for IPv4, 1280
 * for IPv6) and its checksum is computed anew over the result.
 */
#ifndef XLAT_ICMP_ERR_TC_H
#define XLAT_ICMP_ERR_TC_H

#include "csum.h"
#include "plan.h"
#include "parse6.h"
#include "siit_addr.h"
#include "icmp_map.h"
#include "skb_csum.h"
#include "frag_tc.h"

#define ETH_LEN sizeof(struct ethhdr)

/* The headers we write in one store must lie back to back, without padding. */
_Static_assert(sizeof(struct icmp6hdr) + sizeof(struct ipv6hdr) + sizeof(struct ipv6_frag) == 56, "layout");
_Static_assert(sizeof(struct icmphdr) + sizeof(struct iphdr) == 28, "layout");
#define IPV4_ERR_MAX 576
#define IPV6_ERR_MAX 1280

/* The mtu-plateaus global (RFC 1191), for Fragmentation Needed messages that carry no MTU:
 * the largest plateau below the length of the packet that did not fit. */
static __always_inline __u16 mtu_plateau(const struct siit_config *cfg, __u16 tot_len)
{
	int i;

#pragma unroll
	for (i = 0; i < XLAT_MTU_PLATEAUS_MAX; i++) {
		if (cfg->mtu_plateaus[i] == 0)
			break;
		if (cfg->mtu_plateaus[i] < tot_len)
			return cfg->mtu_plateaus[i];
	}
	return 68;
}

/*
 * RFC 4884 extensions (RFC 7915 4.2, 5.2): when the error's length field says
 * where the original datagram ends, what follows is an extension structure,
 * carried as opaque bytes. Saved before the message is rebuilt, re-attached
 * after the translated datagram, which is cut to a multiple of the new
 * family's length unit and padded to the 128 bytes RFC 4884 asks for. When
 * the message would exceed its size limit, the datagram gives way first
 * (down to 128 bytes), then the extension is dropped whole.
 */
#define ICMP_EXT_MAX 2048
#define ICMP_EXT_ZEROS (XLAT_FRAG_SCRATCH - 128)

struct icmp_ext {
	__u32 op_old;    /* bytes of the original datagram field, padding included */
	__u32 ie_len;    /* bytes of the extension, 0: none */
};

/* Reads the length field (in units) and saves the extension of the message whose body starts at body_off. */
static __always_inline int icmp_ext_save(struct __sk_buff *skb, __u32 len_units, __u32 unit, __u32 body_off,
					 struct icmp_ext *x)
{
	__u32 zero = 0, body = skb->len > body_off ? skb->len - body_off : 0;
	struct frag_scratch *buf;

	x->op_old = len_units * unit;
	x->ie_len = 0;
	if (!len_units || x->op_old >= body)
		return 0;
	x->ie_len = body - x->op_old;
	if (x->ie_len > ICMP_EXT_MAX) {
		x->ie_len = ICMP_EXT_MAX + 1; /* too big to keep in any case */
		return 0;
	}
	buf = bpf_map_lookup_elem(&siit_frag_buf, &zero);
	if (!buf)
		return -1;
	return bpf_skb_load_bytes(skb, body_off + x->op_old, buf->data, ((x->ie_len - 1) & (ICMP_EXT_MAX - 1)) + 1) ? -1 : 0;
}

/*
 * Sizes the rebuilt message body (starting at body_off, the datagram grown by
 * grow bytes) within limit, re-attaching the saved extension. Returns the new
 * length field in units (0: no extension), or -1.
 */
static __always_inline int icmp_ext_finish(struct __sk_buff *skb, __u32 body_off, int grow, __u32 unit, __u32 limit,
					   struct icmp_ext *x)
{
	__u32 zero = 0, body = skb->len - body_off, op, have;
	struct frag_scratch *buf;

	if (!x->ie_len) {
		if (body > limit && bpf_skb_change_tail(skb, body_off + limit, 0))
			return -1;
		return 0;
	}
	have = (int)x->op_old + grow > 0 ? x->op_old + grow : 0;
	op = have & ~(unit - 1);
	if (op < 128)
		op = 128;
	if (x->ie_len > ICMP_EXT_MAX || op + x->ie_len > limit) {
		if (x->ie_len <= ICMP_EXT_MAX && 128 + x->ie_len <= limit) {
			op = (limit - x->ie_len) & ~(unit - 1);
		} else {
			/* The extension cannot fit: drop it whole, keep what the datagram can. */
			op = have > limit ? limit : have;
			return bpf_skb_change_tail(skb, body_off + op, 0) ? -1 : 0;
		}
	}
	buf = bpf_map_lookup_elem(&siit_frag_buf, &zero);
	if (!buf || bpf_skb_change_tail(skb, body_off + op, 0))
		return -1;
	if (op > have) {
		__u32 pad = op - have;

		__builtin_memset(buf->data + ICMP_EXT_ZEROS, 0, 128);
		if (pad > 128 || bpf_skb_store_bytes(skb, body_off + have, buf->data + ICMP_EXT_ZEROS, ((pad - 1) & 127) + 1, 0))
			return -1;
	}
	if (bpf_skb_change_tail(skb, body_off + op + x->ie_len, 0) ||
	    bpf_skb_store_bytes(skb, body_off + op, buf->data, ((x->ie_len - 1) & (ICMP_EXT_MAX - 1)) + 1, 0))
		return -1;
	return op / unit;
}

struct inner_l4 {
	__u32 off;       /* from the start of the inner IP header, old layout */
	__u8  csum_off;  /* CSUM_NONE: nothing to update */
	__u8  proto;     /* after translation */
	__u8  set_type;
	__u8  type;
	__u32 delta;
};

static __always_inline __u32 store_csum_field(struct __sk_buff *skb, __u32 off, __u32 delta, int udp)
{
	__u16 field, sum;

	if (off + 2 > skb->len)
		return 0; /* cut off by the size limit: nothing to fix */
	if (bpf_skb_load_bytes(skb, off, &field, 2))
		return XLAT_C_DROP_TRUNCATED;
	if (udp && field == 0)
		return 0;
	sum = csum_update(field, delta);
	if (udp && sum == 0)
		sum = 0xffff;
	if (bpf_skb_store_bytes(skb, off, &sum, 2, 0))
		return XLAT_C_DROP_WRITE_FAILED;
	return 0;
}

/* IPv4 ICMP error -> ICMPv6 error. The plan holds the outer IPv6 header. */
static __always_inline __u32 tc_icmp_err_4to6(struct __sk_buff *skb, const struct siit_config *cfg, struct plan *p)
{
	__u32 ohl = sizeof(struct iphdr) + p->strip;
	__u32 icmp_off = ETH_LEN + ohl, in_off = icmp_off + 8;
	struct {
		__u8 type, code;
		__u16 csum;
		__be32 rest;
	} ih;
	struct {
		struct icmp6hdr icmp;
		struct ipv6hdr ip6;
		struct ipv6_frag frag;
	} out = {};
	struct iphdr in4;
	struct inner_l4 l4 = {.csum_off = CSUM_NONE};
	struct icmp_ext ext = {};
	__u8 ntype, ncode, itype[2];
	__u32 nrest, ihl, nlen, plen, sum;
	__u16 frag;
	int grow;

	if (bpf_skb_load_bytes(skb, icmp_off, &ih, sizeof(ih)) ||
	    bpf_skb_load_bytes(skb, in_off, &in4, sizeof(in4)))
		return XLAT_C_DROP_TRUNCATED;
	if (icmp_err_4to6(ih.type, ih.code, bpf_ntohl(ih.rest), &ntype, &ncode, &nrest))
		return XLAT_C_DROP_ICMP_TYPE;
	ihl = in4.ihl * 4;
	if (in4.version != 4 || ihl < sizeof(in4) || ihl > 60)
		return XLAT_C_DROP_ICMP_ERROR_INNER;
	frag = bpf_ntohs(in4.frag_off);

	if (ntype == ICMPV6_PKT_TOOBIG) {
		__u32 mtu = nrest ? nrest : mtu_plateau(cfg, bpf_ntohs(in4.tot_len));

		/* RFC 7915 4.2: account for the larger IPv6 header; IPv6 never goes below 1280. */
		mtu += sizeof(struct ipv6hdr) - sizeof(struct iphdr);
		nrest = mtu < 1280 ? 1280 : mtu;
	}
	out.icmp.icmp6_type = ntype;
	out.icmp.icmp6_code = ncode;
	out.icmp.icmp6_dataun.un_data32[0] = bpf_htonl(nrest);

	if (siit_4to6_addr(cfg, in4.saddr, &out.ip6.saddr) || siit_4to6_addr(cfg, in4.daddr, &out.ip6.daddr))
		return XLAT_C_DROP_ICMP_ERROR_INNER;
	l4.proto = in4.protocol == IPPROTO_ICMP ? IPPROTO_ICMPV6 : in4.protocol;
	l4.off = ihl;
	if (!(frag & IP_OFFSET)) {
		if (in4.protocol == IPPROTO_TCP || in4.protocol == IPPROTO_UDP) {
			l4.csum_off = in4.protocol == IPPROTO_TCP ? 16 : 6;
			l4.delta = csum_sub(csum_words(&out.ip6.saddr, 8) + csum_words(&out.ip6.daddr, 8),
					    addr4_sum(in4.saddr, in4.daddr));
		} else if (in4.protocol == IPPROTO_ICMP) {
			__u8 o[4] = {0}, n[4] = {0};

			if (bpf_skb_load_bytes(skb, in_off + ihl, itype, 2))
				return XLAT_C_DROP_TRUNCATED;
			if (itype[0] == ICMP_ECHO)
				l4.type = ICMPV6_ECHO_REQUEST;
			else if (itype[0] == ICMP_ECHOREPLY)
				l4.type = ICMPV6_ECHO_REPLY;
			else
				return XLAT_C_DROP_ICMP_ERROR_INNER; /* errors about errors are not sent */
			o[0] = itype[0];
			o[1] = itype[1];
			n[0] = l4.type;
			n[1] = itype[1];
			l4.set_type = 1;
			l4.csum_off = 2;
			l4.delta = csum_add(csum_sub(csum_words(n, 2), csum_words(o, 2)),
					    pseudo6_sum(&out.ip6.saddr, &out.ip6.daddr,
							bpf_ntohs(in4.tot_len) - ihl, IPPROTO_ICMPV6));
		}
	}

	out.ip6.version = 6;
	out.ip6.priority = in4.tos >> 4;
	out.ip6.flow_lbl[0] = (in4.tos & 0xf) << 4;
	out.ip6.hop_limit = in4.ttl;
	out.ip6.nexthdr = l4.proto;
	nlen = sizeof(struct ipv6hdr);
	if (frag & (IP_MF | IP_OFFSET)) {
		out.ip6.nexthdr = IPPROTO_FRAGMENT;
		out.frag.nexthdr = l4.proto;
		out.frag.frag_off = bpf_htons(((frag & IP_OFFSET) << 3) | ((frag & IP_MF) ? IP6_MF : 0));
		out.frag.identification = bpf_htonl(bpf_ntohs(in4.id));
		nlen += sizeof(struct ipv6_frag);
	}
	out.ip6.payload_len = bpf_htons(bpf_ntohs(in4.tot_len) - ihl + nlen - sizeof(struct ipv6hdr));

	/* RFC 4884: types 3, 11 and 12 carry the datagram's length (32-bit words) in byte 5. */
	/* ICMPv6 has the field only in Destination Unreachable and Time Exceeded. */
	if ((ih.type == ICMP_DEST_UNREACH || ih.type == ICMP_TIME_EXCEEDED || ih.type == ICMP_PARAMETERPROB) &&
	    (ntype == ICMPV6_DEST_UNREACH || ntype == ICMPV6_TIME_EXCEED)) {
		if (icmp_ext_save(skb, (bpf_ntohl(ih.rest) >> 16) & 0xff, 4, in_off, &ext))
			return XLAT_C_DROP_TRUNCATED;
	}

	/* New layout: [eth][IPv6 40][ICMPv6 8][inner IPv6 nlen][inner L4...] */
	if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 0))
		return XLAT_C_DROP_RESIZE_FAILED;
	grow = (int)(sizeof(struct iphdr) + nlen) - (int)ohl - (int)ihl;
	if (grow && bpf_skb_adjust_room(skb, grow, BPF_ADJ_ROOM_NET, 0))
		return XLAT_C_DROP_RESIZE_FAILED;
	{
		int units = icmp_ext_finish(skb, ETH_LEN + sizeof(struct ipv6hdr) + 8, (int)nlen - (int)ihl, 8,
					    IPV6_ERR_MAX - sizeof(struct ipv6hdr) - 8, &ext);

		if (units < 0)
			return XLAT_C_DROP_RESIZE_FAILED;
		/* ICMPv6 (RFC 4884): the length, in 64-bit words, is byte 4. */
		if (units)
			out.icmp.icmp6_dataun.un_data8[0] = units;
	}
	plen = skb->len - ETH_LEN - sizeof(struct ipv6hdr);
	p->h.v6f.v6.payload_len = bpf_htons(plen);

	{
		__be16 proto = bpf_htons(ETH_P_IPV6);
		__u32 base = ETH_LEN + sizeof(struct ipv6hdr);

		if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, 2, 0) ||
		    bpf_skb_store_bytes(skb, ETH_LEN, &p->h.v6f.v6, sizeof(struct ipv6hdr), 0))
			return XLAT_C_DROP_WRITE_FAILED;
		if (nlen == sizeof(struct ipv6hdr)) {
			if (bpf_skb_store_bytes(skb, base, &out, 8 + sizeof(struct ipv6hdr), 0))
				return XLAT_C_DROP_WRITE_FAILED;
		} else if (bpf_skb_store_bytes(skb, base, &out, sizeof(out), 0)) {
			return XLAT_C_DROP_WRITE_FAILED;
		}
		/* The inner transport header, where the size limit left it. */
		if (l4.set_type && base + 8 + nlen < skb->len &&
		    bpf_skb_store_bytes(skb, base + 8 + nlen, &l4.type, 1, 0))
			return XLAT_C_DROP_WRITE_FAILED;
		if (l4.csum_off != CSUM_NONE) {
			__u32 err = store_csum_field(skb, base + 8 + nlen + l4.csum_off, l4.delta,
						     in4.protocol == IPPROTO_UDP);
			if (err)
				return err;
		}
		sum = skb_sum(skb, base, plen);
		if (sum == ~0U)
			return XLAT_C_DROP_TRUNCATED;
		sum = csum_add(sum, pseudo6_sum(&p->h.v6f.v6.saddr, &p->h.v6f.v6.daddr, plen, IPPROTO_ICMPV6));
		{
			__u16 c = (__u16)~csum_fold32(sum);

			if (bpf_skb_store_bytes(skb, base + 2, &c, 2, 0))
				return XLAT_C_DROP_WRITE_FAILED;
		}
	}
	return 0;
}

/* ICMPv6 error -> IPv4 ICMP error. The plan holds the outer IPv4 header. */
static __always_inline __u32 tc_icmp_err_6to4(struct __sk_buff *skb, const struct siit_config *cfg, struct plan *p)
{
	__u32 icmp_off = ETH_LEN + sizeof(struct ipv6hdr) + p->strip, in_off = icmp_off + 8;
	void *data, *data_end;
	struct ipv6hdr *in6;
	struct ip6_chain c;
	struct {
		__u8 type, code;
		__u16 csum;
		__be32 rest;
	} ih;
	struct {
		struct icmphdr icmp;
		struct iphdr ip4;
	} out = {};
	struct inner_l4 l4 = {.csum_off = CSUM_NONE};
	struct icmp_ext ext = {};
	__u8 ntype, ncode;
	__u32 nrest, tot, sum, upper;
	__u16 frag = 0;
	int grow;

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
	if (siit_6to4_addr(cfg, &in6->saddr, &out.ip4.saddr) || siit_6to4_addr(cfg, &in6->daddr, &out.ip4.daddr))
		return XLAT_C_DROP_ICMP_ERROR_INNER;
	if (ntype == ICMP_DEST_UNREACH && ncode == ICMP_FRAG_NEEDED) {
		/* RFC 7915 5.2: account for the smaller IPv4 header. */
		__u32 mtu = nrest - (sizeof(struct ipv6hdr) - sizeof(struct iphdr));

		nrest = mtu > 0xffff ? 0xffff : mtu;
	}
	out.icmp.type = ntype;
	out.icmp.code = ncode;
	out.icmp.un.gateway = bpf_htonl(nrest);

	upper = bpf_ntohs(in6->payload_len) + sizeof(struct ipv6hdr) - c.l4_off;
	if (c.has_frag)
		frag = bpf_ntohs(c.frag_off);
	l4.proto = c.proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP : c.proto;
	l4.off = c.l4_off;
	if ((frag & ~7) == 0) {
		__u8 *t = (void *)in6 + (c.l4_off & (IP6_CHAIN_MAX - 1));

		if (c.proto == IPPROTO_TCP || c.proto == IPPROTO_UDP) {
			l4.csum_off = c.proto == IPPROTO_TCP ? 16 : 6;
			l4.delta = csum_sub(addr4_sum(out.ip4.saddr, out.ip4.daddr),
					    csum_words(&in6->saddr, 8) + csum_words(&in6->daddr, 8));
		} else if (c.proto == IPPROTO_ICMPV6) {
			__u8 o[4] = {0}, n[4] = {0};

			if ((void *)(t + 2) > data_end)
				return XLAT_C_DROP_TRUNCATED;
			if (t[0] == ICMPV6_ECHO_REQUEST)
				l4.type = ICMP_ECHO;
			else if (t[0] == ICMPV6_ECHO_REPLY)
				l4.type = ICMP_ECHOREPLY;
			else
				return XLAT_C_DROP_ICMP_ERROR_INNER;
			o[0] = t[0];
			o[1] = t[1];
			n[0] = l4.type;
			n[1] = t[1];
			l4.set_type = 1;
			l4.csum_off = 2;
			l4.delta = csum_sub(csum_sub(csum_words(n, 2), csum_words(o, 2)),
					    pseudo6_sum(&in6->saddr, &in6->daddr, upper, IPPROTO_ICMPV6));
		}
	}

	out.ip4.version = 4;
	out.ip4.ihl = 5;
	out.ip4.tos = (in6->priority << 4) | (in6->flow_lbl[0] >> 4);
	out.ip4.tot_len = bpf_htons(upper + sizeof(struct iphdr));
	if (c.has_frag) {
		out.ip4.id = bpf_htons((__u16)bpf_ntohl(c.frag_id));
		out.ip4.frag_off = bpf_htons((frag >> 3) | ((frag & IP6_MF) ? IP_MF : 0));
	} else if (upper + sizeof(struct iphdr) > XLAT_DF_THRESHOLD) {
		out.ip4.frag_off = bpf_htons(IP_DF);
	}
	out.ip4.ttl = in6->hop_limit;
	out.ip4.protocol = l4.proto;
	out.ip4.check = ipv4_hdr_csum(&out.ip4);

	/* RFC 4884: types 1 and 3 carry the datagram's length (64-bit words) in byte 4. */
	if (ih.type == ICMPV6_DEST_UNREACH || ih.type == ICMPV6_TIME_EXCEED) {
		if (icmp_ext_save(skb, bpf_ntohl(ih.rest) >> 24, 8, in_off, &ext))
			return XLAT_C_DROP_TRUNCATED;
	}

	/* New layout: [eth][IPv4 20][ICMP 8][inner IPv4 20][inner L4...] */
	/* After change_proto: [IPv4 room 20][outer ext][ICMP 8][inner IPv6 + ext]; keep 20 + 8 + 20. */
	grow = -(int)p->strip - (int)(c.l4_off - sizeof(struct iphdr));
	if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 0))
		return XLAT_C_DROP_RESIZE_FAILED;
	if (bpf_skb_adjust_room(skb, grow, BPF_ADJ_ROOM_NET, 0))
		return XLAT_C_DROP_RESIZE_FAILED;
	{
		int units = icmp_ext_finish(skb, ETH_LEN + sizeof(struct iphdr) + 8, -(int)(c.l4_off - sizeof(struct iphdr)), 4,
					    IPV4_ERR_MAX - sizeof(struct iphdr) - 8, &ext);

		if (units < 0)
			return XLAT_C_DROP_RESIZE_FAILED;
		/* ICMPv4 (RFC 4884): the length, in 32-bit words, is byte 5. */
		if (units)
			((__u8 *)&out.icmp.un.gateway)[1] = units;
	}
	tot = skb->len - ETH_LEN;
	p->h.v4.tot_len = bpf_htons(tot);
	p->h.v4.check = ipv4_hdr_csum(&p->h.v4);

	{
		__be16 proto = bpf_htons(ETH_P_IP);
		__u32 base = ETH_LEN + sizeof(struct iphdr);
		__u32 inner_l4 = base + 8 + sizeof(struct iphdr);

		if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, 2, 0) ||
		    bpf_skb_store_bytes(skb, ETH_LEN, &p->h.v4, sizeof(struct iphdr), 0) ||
		    bpf_skb_store_bytes(skb, base, &out, sizeof(out), 0))
			return XLAT_C_DROP_WRITE_FAILED;
		if (l4.set_type && inner_l4 < skb->len && bpf_skb_store_bytes(skb, inner_l4, &l4.type, 1, 0))
			return XLAT_C_DROP_WRITE_FAILED;
		if (l4.csum_off != CSUM_NONE) {
			__u32 err = store_csum_field(skb, inner_l4 + l4.csum_off, l4.delta, c.proto == IPPROTO_UDP);
			if (err)
				return err;
		}
		sum = skb_sum(skb, base, tot - sizeof(struct iphdr));
		if (sum == ~0U)
			return XLAT_C_DROP_TRUNCATED;
		{
			__u16 cs = (__u16)~csum_fold32(sum);

			if (bpf_skb_store_bytes(skb, base + 2, &cs, 2, 0))
				return XLAT_C_DROP_WRITE_FAILED;
		}
	}
	return 0;
}

#endif
