/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 7915 4.1: an IPv4 packet without DF that is too big for the IPv6 side
 * (lowest-ipv6-mtu, or the route's MTU if smaller) leaves as IPv6 fragments.
 * The translated packet (with its fragment header) is cut into pieces: the
 * payload after the first piece is saved in a per-CPU scratch buffer, and
 * each piece is cloned back into this interface's ingress (marked, so that
 * this program lets it through to the kernel's IPv6 forwarding), in order:
 * the pieces leave in the order of their offsets. The packet itself is then
 * dropped (the caller returns TC_ACT_SHOT when this returns 0).
 */
#ifndef XLAT_FRAG_TC_H
#define XLAT_FRAG_TC_H

#include "lib/plan.h"

/* What follows the first piece is at most XLAT_FRAG_REST bytes (jumbo frames fit); the buffer is
 * twice that so that the verifier can see every (offset, length) pair stay inside it. */
#define XLAT_FRAG_REST	  16384
#define XLAT_FRAG_SCRATCH (2 * XLAT_FRAG_REST)
#define XLAT_FRAG_MAX	  16 /* pieces per packet */
/* skb->mark of the pieces re-entering ingress (they lose any other mark). */
#define XLAT_FRAG_MARK	  0x786c6672 /* "xlfr" */

struct frag_scratch {
	__u8 data[XLAT_FRAG_SCRATCH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct frag_scratch);
} xlat_frag_buf SEC(".maps");

#define FRAG_HDRS (sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + sizeof(struct ipv6_frag))

/* Writes payload_len and the fragment header of the piece in the skb. */
static __always_inline int frag_set_header(struct __sk_buff *skb, struct plan *p, __u32 piece_len, __u32 off_bytes,
					   int more)
{
	struct ipv6_frag f = p->h.v6f.frag;
	__be16 plen = bpf_htons(sizeof(struct ipv6_frag) + piece_len);
	__u16 base = bpf_ntohs(p->h.v6f.frag.frag_off);

	f.frag_off = bpf_htons(((base & ~7) + off_bytes) | (more ? IP6_MF : 0));
	if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr) + offsetof(struct ipv6hdr, payload_len), &plen, 2, 0) ||
	    bpf_skb_store_bytes(skb, sizeof(struct ethhdr) + sizeof(struct ipv6hdr), &f, sizeof(f), 0))
		return -1;
	return 0;
}

static __always_inline int frag_emit(struct __sk_buff *skb)
{
	__u32 mark = skb->mark;
	long rc;

	skb->mark = XLAT_FRAG_MARK;
	rc = bpf_clone_redirect(skb, skb->ifindex, BPF_F_INGRESS);
	skb->mark = mark;
	return rc ? -1 : 0;
}

/* After tc_apply: the skb is one IPv6 packet with a fragment header. Returns 0 or a counter reason. */
static __always_inline __u32 tc_fragment(struct __sk_buff *skb, struct plan *p)
{
	__u32 zero = 0, total, size = p->frag_size, rest, off;
	struct frag_scratch *buf = bpf_map_lookup_elem(&xlat_frag_buf, &zero);
	int orig_more = bpf_ntohs(p->h.v6f.frag.frag_off) & IP6_MF, i;

	if (!buf)
		return XLAT_C_DROP_WRITE_FAILED;
	total = skb->len - FRAG_HDRS;
	if (size < 8 || total <= size)
		return 0;
	rest = total - size;
	if (rest > XLAT_FRAG_REST)
		return XLAT_C_DROP_TOO_BIG;
	if (bpf_skb_load_bytes(skb, FRAG_HDRS + size, buf->data, ((rest - 1) & (XLAT_FRAG_REST - 1)) + 1))
		return XLAT_C_DROP_TRUNCATED;

	/* The first piece: the packet cut short. */
	if (bpf_skb_change_tail(skb, FRAG_HDRS + size, 0) || frag_set_header(skb, p, size, 0, 1) || frag_emit(skb))
		return XLAT_C_DROP_WRITE_FAILED;

	off = 0;
	for (i = 1; i < XLAT_FRAG_MAX; i++) {
		__u32 n = rest - off > size ? size : rest - off;
		int last = off + n >= rest;

		if (n == 0 || off >= XLAT_FRAG_REST)
			break;
		if (bpf_skb_change_tail(skb, FRAG_HDRS + n, 0) ||
		    bpf_skb_store_bytes(skb, FRAG_HDRS, buf->data + (off & (XLAT_FRAG_REST - 1)),
					((n - 1) & (XLAT_FRAG_REST - 1)) + 1, 0) ||
		    frag_set_header(skb, p, n, size * i, last ? orig_more : 1) || frag_emit(skb))
			return XLAT_C_DROP_WRITE_FAILED;
		if (last)
			return 0;
		off += n;
	}
	return XLAT_C_DROP_TOO_BIG;
}

#endif
