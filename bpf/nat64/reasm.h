/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fragmented ICMP echo messages (tc only), reassembled before translation.
 *
 * RFC 7915 lets a translator drop fragmented ICMP, but `ping -s 4000` through
 * a NAT64 then fails, while Jool (which has the kernel reassemble first)
 * answers it. An ICMPv6 checksum covers a pseudo-header and an ICMPv4 one does
 * not: translating the first fragment needs the length of the whole message,
 * which only the last fragment tells. So the fragments are kept:
 *
 * - each fragment's bytes are copied into its datagram's buffer (nat64_reasm,
 *   keyed like nat64_frags by the datagram's identity as it arrived) and the
 *   fragment is dropped (counted reasm-held);
 * - the fragment that completes the message becomes the whole message: the
 *   skb grows to the message's length and gets all of its bytes, as an IPv6
 *   atomic fragment (offset 0, no more fragments) or an unfragmented IPv4
 *   packet, and is decided again like any packet (translated, and cut into
 *   IPv6 fragments or left to the kernel's IPv4 fragmentation on the way out).
 *
 * Bounds: XLAT_NAT64_REASM_MAX messages at once, each up to
 * XLAT_NAT64_REASM_MSG bytes and XLAT_NAT64_REASM_FRAGS fragments, abandoned
 * XLAT_NAT64_REASM_TIMEOUT after the first fragment arrived. A fragment that
 * overlaps another (RFC 5722) kills its datagram. What does not fit is counted
 * (drop-reasm-too-big, drop-reasm-table-full).
 *
 * Fragments of one datagram may arrive on several CPUs: each reserves its
 * byte range under the entry's lock, copies without it, then adds its length;
 * the CPU whose addition completes the message rebuilds it.
 */
#ifndef XLAT_NAT64_REASM_H
#define XLAT_NAT64_REASM_H

#include "nat64/frag.h"

#define REASM_CHUNK    256 /* bytes per copy (a fragment is copied in at most REASM_COPY_MAX of them) */
#define REASM_COPY_MAX 64

enum { REASM_OPEN = 0, REASM_DEAD, REASM_DONE };

/* A message's bookkeeping (nat64_reasm) and its bytes (nat64_reasm_buf), two maps under one key: a value
 * holding a lock cannot be copied by a helper, and the bytes are too many for the stack. */
struct nat64_reasm {
	struct bpf_spin_lock lock;
	__u32 total; /* the message's length, once its last fragment arrived; 0 before */
	__u32 have;  /* bytes copied in */
	__u16 nfrags;
	__u8 state; /* REASM_* */
	__u8 _pad;
	__u64 expires;			   /* 0 for an instant while another CPU creates the entry */
	__u16 off[XLAT_NAT64_REASM_FRAGS]; /* byte ranges received, for overlaps */
	__u16 len[XLAT_NAT64_REASM_FRAGS];
};

struct nat64_reasm_buf {
	__u8 data[XLAT_NAT64_REASM_BYTES + REASM_CHUNK]; /* the message from its first byte (slack: see copy) */
};

/* Preallocated: a reassembly never waits for memory in softirq. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLAT_NAT64_REASM_MAX);
	__type(key, struct nat64_frag_key);
	__type(value, struct nat64_reasm);
} nat64_reasm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLAT_NAT64_REASM_MAX);
	__type(key, struct nat64_frag_key);
	__type(value, struct nat64_reasm_buf);
} nat64_reasm_buf SEC(".maps");

/* A buffer to create new ones from (never written). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat64_reasm_buf);
} nat64_reasm_z SEC(".maps");

static __always_inline void reasm_forget(const struct nat64_frag_key *k)
{
	bpf_map_delete_elem(&nat64_reasm_buf, k);
	bpf_map_delete_elem(&nat64_reasm, k);
}

/* One fragment, between the steps (global functions) that handle it. */
struct nat64_reasm_job {
	struct nat64_frag_key key;
	__u32 data_off; /* where its bytes start in the skb */
	__u16 off;	/* their offset in the message */
	__u16 len;
	__u8 more; /* more fragments follow */
	__u8 _pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat64_reasm_job);
} nat64_reasm_arg SEC(".maps");

static __always_inline struct nat64_reasm_job *reasm_job(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nat64_reasm_arg, &zero);
}

/* ---------------------------------------------------------------- which fragments */

/* An IPv6 fragment of an ICMPv6 message to pool6 (the decision checked it). */
static __always_inline __u32 reasm_parse6(struct __sk_buff *skb, struct nat64_reasm_job *j)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct ipv6hdr *ip6 = data + ETH_HLEN_;
	struct ipv6_frag *fh = (void *)(ip6 + 1);
	__u16 fo, plen;
	__u8 *icmp = (void *)(fh + 1);

	if ((void *)(fh + 1) > data_end)
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	fo = bpf_ntohs(fh->frag_off);
	plen = bpf_ntohs(ip6->payload_len);
	if (plen <= sizeof(*fh))
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	if (!(fo & 0xfff8)) {
		/* The first fragment: only echo messages are put together (errors are never translated fragmented). */
		if ((void *)(icmp + 1) > data_end)
			return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
		if (icmp[0] != ICMPV6_ECHO_REQUEST && icmp[0] != ICMPV6_ECHO_REPLY)
			return NAT64_DROP(XLAT_C_DROP_ICMP_FRAGMENT);
	}
	__builtin_memcpy(j->key.src, &ip6->saddr, 16);
	__builtin_memcpy(j->key.dst, &ip6->daddr, 16);
	j->key.id = fh->identification;
	j->key.family = 6;
	j->key.proto = IPPROTO_ICMPV6;
	j->data_off = ETH_HLEN_ + sizeof(*ip6) + sizeof(*fh);
	j->off = fo & 0xfff8;
	j->len = plen - sizeof(*fh);
	j->more = fo & IP6_MF;
	return NAT64_CONTINUE;
}

/*
 * An IPv4 ICMP fragment. Ours when its message is an echo whose identifier is
 * a pool4 one; the node's own otherwise (recorded in nat64_frags for its later
 * fragments, as for TCP and UDP). A later fragment that arrives before its
 * first is kept if its destination is a pool4 ICMP address.
 */
static __always_inline __u32 reasm_parse4(struct __sk_buff *skb, struct nat64_reasm_job *j)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip4 = data + ETH_HLEN_;
	struct nat64_frag_value val = {}, *fv;
	__u8 *icmp = (void *)(ip4 + 1);
	__u16 fo, tot;
	__u64 now = bpf_ktime_get_ns();

	if ((void *)(ip4 + 1) > data_end)
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	fo = bpf_ntohs(ip4->frag_off);
	tot = bpf_ntohs(ip4->tot_len);
	__builtin_memset(&j->key, 0, sizeof(j->key));
	*(__be32 *)j->key.src = ip4->saddr;
	*(__be32 *)j->key.dst = ip4->daddr;
	j->key.id = ip4->id;
	j->key.family = 4;
	j->key.proto = IPPROTO_ICMP;
	if (!(fo & IP_OFFSET)) {
		if ((void *)(icmp + 8) > data_end)
			return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
		if ((icmp[0] != ICMP_ECHO && icmp[0] != ICMP_ECHOREPLY) ||
		    !xlat_nat64_pool4_has(IPPROTO_ICMP, ip4->daddr, *(__be16 *)(icmp + 4))) {
			/* The node's own: so are the later fragments (and any kept already go). */
			reasm_forget(&j->key);
			val.flags = NAT64_FRAG_PASS;
			val.expires = now + XLAT_NAT64_FRAG_TIMEOUT;
			frag_put(&j->key, &val, now);
			return NAT64_PASS(XLAT_C_PASS_DST4_NOT_POOL4);
		}
	} else {
		fv = frag_get(&j->key, now);
		if ((fv && (fv->flags & NAT64_FRAG_PASS)) || !xlat_nat64_pool4_has_addr(IPPROTO_ICMP, ip4->daddr))
			return NAT64_PASS(XLAT_C_PASS_DST4_NOT_POOL4);
	}
	/* Options on a fragment of ours: not worth rebuilding around. */
	if (ip4->ihl != 5)
		return NAT64_DROP(XLAT_C_DROP_ICMP_FRAGMENT);
	if (tot <= sizeof(*ip4))
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	j->data_off = ETH_HLEN_ + sizeof(*ip4);
	j->off = (fo & IP_OFFSET) << 3;
	j->len = tot - sizeof(*ip4);
	j->more = (fo & IP_MF) ? 1 : 0;
	return NAT64_CONTINUE;
}

/* ---------------------------------------------------------------- keeping them */

static long reasm_expire_cb(struct bpf_map *map, struct nat64_frag_key *key, struct nat64_reasm *v,
			    struct reclaim_ctx *c)
{
	struct nat64_frag_key k = *key;

	if (!v->expires || v->expires >= c->now)
		return 0;
	bpf_map_delete_elem(&nat64_reasm_buf, &k);
	if (!bpf_map_delete_elem(&nat64_reasm, &k))
		nat64_count(XLAT_C_REASM_EXPIRED);
	c->deleted = 1;
	return 0;
}

/* The datagram's entry and buffer, created if new (a full table gives up its expired entries first). */
static __always_inline struct nat64_reasm *reasm_entry(const struct nat64_frag_key *k, __u64 now, __u32 *why)
{
	struct nat64_reasm *v = bpf_map_lookup_elem(&nat64_reasm, k), fresh = {};
	struct nat64_reasm_buf *z;
	struct reclaim_ctx c = {.now = now};
	__u32 zero = 0;
	int err;

	if (v && v->expires && v->expires < now) {
		bpf_map_delete_elem(&nat64_reasm_buf, k);
		if (!bpf_map_delete_elem(&nat64_reasm, k))
			nat64_count(XLAT_C_REASM_EXPIRED);
		v = NULL;
	}
	if (v)
		return v;
	fresh.expires = now + XLAT_NAT64_REASM_TIMEOUT;
	err = bpf_map_update_elem(&nat64_reasm, k, &fresh, BPF_NOEXIST);
	if (err && err != -EEXIST_) {
		/* Full (a preallocated map says ENOMEM or E2BIG): the expired ones go, then once more. */
		bpf_for_each_map_elem(&nat64_reasm, reasm_expire_cb, &c, 0);
		err = bpf_map_update_elem(&nat64_reasm, k, &fresh, BPF_NOEXIST);
	}
	if (err && err != -EEXIST_) {
		*why = XLAT_C_DROP_REASM_TABLE_FULL;
		return NULL;
	}
	z = bpf_map_lookup_elem(&nat64_reasm_z, &zero);
	err = z ? bpf_map_update_elem(&nat64_reasm_buf, k, z, BPF_NOEXIST) : -1;
	if (err && err != -EEXIST_) {
		bpf_map_delete_elem(&nat64_reasm, k);
		*why = XLAT_C_DROP_REASM_TABLE_FULL;
		return NULL;
	}
	v = bpf_map_lookup_elem(&nat64_reasm, k);
	if (!v)
		*why = XLAT_C_DROP_REASM_TABLE_FULL;
	return v;
}

/* Under the lock: the fragment's range is free and within the message; reserved. 0: refused (the datagram dies). */
static __always_inline int reasm_reserve(struct nat64_reasm *v, __u32 off, __u32 end, int more)
{
	int ok = 1;
	__u32 i;

	bpf_spin_lock(&v->lock);
	if (v->state != REASM_OPEN || v->nfrags >= XLAT_NAT64_REASM_FRAGS)
		ok = 0;
	if (ok && !more) {
		if (v->total && v->total != end)
			ok = 0;
		else
			v->total = end;
	}
	if (ok && v->total && end > v->total)
		ok = 0;
	for (i = 0; i < XLAT_NAT64_REASM_FRAGS; i++) {
		if (!ok || i >= v->nfrags)
			break;
		if (off < (__u32)v->off[i] + v->len[i] && v->off[i] < end)
			ok = 0;
	}
	if (ok) {
		i = v->nfrags & (XLAT_NAT64_REASM_FRAGS - 1);
		v->off[i] = off;
		v->len[i] = end - off;
		v->nfrags++;
	} else {
		v->state = REASM_DEAD;
	}
	bpf_spin_unlock(&v->lock);
	return ok;
}

/* Under the lock: the fragment's bytes are in. 1: the message is complete and this CPU rebuilds it. */
static __always_inline int reasm_complete(struct nat64_reasm *v, __u32 len)
{
	int done;

	bpf_spin_lock(&v->lock);
	v->have += len;
	done = v->state == REASM_OPEN && v->total && v->have == v->total;
	if (done)
		v->state = REASM_DONE;
	bpf_spin_unlock(&v->lock);
	return done;
}

/* Copies the fragment's bytes into the buffer, REASM_CHUNK at a time. 0 or a drop's counter. */
__attribute__((noinline)) int xlat_nat64_reasm_copy(struct __sk_buff *skb)
{
	struct nat64_reasm_job *j = reasm_job();
	struct nat64_reasm_buf *v;
	__u32 i;

	if (!j)
		return XLAT_C_DROP_WRITE_FAILED;
	v = bpf_map_lookup_elem(&nat64_reasm_buf, &j->key);
	if (!v)
		return XLAT_C_DROP_REASM_TABLE_FULL;
	for (i = 0; i < REASM_COPY_MAX; i++) {
		__u32 done = i * REASM_CHUNK, n, at;

		if (done >= j->len)
			break;
		n = j->len - done;
		if (n > REASM_CHUNK)
			n = REASM_CHUNK;
		/* off + len <= XLAT_NAT64_REASM_MSG was checked: the masks only show the verifier the bounds. */
		at = (j->off + done) & (XLAT_NAT64_REASM_BYTES - 1);
		if (bpf_skb_load_bytes(skb, j->data_off + done, v->data + at, ((n - 1) & (REASM_CHUNK - 1)) + 1))
			return XLAT_C_DROP_TRUNCATED;
	}
	return 0;
}

/* ---------------------------------------------------------------- the whole message */

/*
 * The skb that completed the message becomes all of it: its own headers,
 * made whole (IPv6: an atomic fragment header; IPv4: no fragment fields),
 * then every byte of the message. 0 or a drop's counter; the entry goes.
 */
__attribute__((noinline)) int xlat_nat64_reasm_emit(struct __sk_buff *skb)
{
	struct nat64_reasm_job *j = reasm_job();
	struct nat64_reasm_buf *v;
	struct nat64_reasm *m;
	__u32 total, l3;
	int err = 0;

	if (!j)
		return XLAT_C_DROP_WRITE_FAILED;
	m = bpf_map_lookup_elem(&nat64_reasm, &j->key);
	v = bpf_map_lookup_elem(&nat64_reasm_buf, &j->key);
	if (!m || !v) {
		reasm_forget(&j->key);
		return XLAT_C_DROP_WRITE_FAILED;
	}
	total = m->total;
	if (total == 0 || total > XLAT_NAT64_REASM_MSG) {
		err = XLAT_C_DROP_REASM_TOO_BIG;
		goto out;
	}
	total = ((total - 1) & (XLAT_NAT64_REASM_BYTES - 1)) + 1; /* the same value, bounds the verifier can see */
	l3 = j->key.family == 6 ? sizeof(struct ipv6hdr) + sizeof(struct ipv6_frag) : sizeof(struct iphdr);
	if (bpf_skb_change_tail(skb, ETH_HLEN_ + l3 + total, 0)) {
		err = XLAT_C_DROP_RESIZE_FAILED;
		goto out;
	}
	if (j->key.family == 6) {
		struct ipv6hdr h;
		struct ipv6_frag f;

		if (bpf_skb_load_bytes(skb, ETH_HLEN_, &h, sizeof(h)) ||
		    bpf_skb_load_bytes(skb, ETH_HLEN_ + sizeof(h), &f, sizeof(f))) {
			err = XLAT_C_DROP_TRUNCATED;
			goto out;
		}
		h.payload_len = bpf_htons(sizeof(f) + total);
		f.frag_off = 0;
		if (bpf_skb_store_bytes(skb, ETH_HLEN_, &h, sizeof(h), BPF_F_RECOMPUTE_CSUM) ||
		    bpf_skb_store_bytes(skb, ETH_HLEN_ + sizeof(h), &f, sizeof(f), BPF_F_RECOMPUTE_CSUM) ||
		    bpf_skb_store_bytes(skb, ETH_HLEN_ + sizeof(h) + sizeof(f), v->data, total, BPF_F_RECOMPUTE_CSUM))
			err = XLAT_C_DROP_WRITE_FAILED;
	} else {
		struct iphdr h;

		if (bpf_skb_load_bytes(skb, ETH_HLEN_, &h, sizeof(h))) {
			err = XLAT_C_DROP_TRUNCATED;
			goto out;
		}
		h.tot_len = bpf_htons(sizeof(h) + total);
		h.frag_off = 0;
		h.check = 0;
		h.check = ipv4_hdr_csum(&h);
		if (bpf_skb_store_bytes(skb, ETH_HLEN_, &h, sizeof(h), BPF_F_RECOMPUTE_CSUM) ||
		    bpf_skb_store_bytes(skb, ETH_HLEN_ + sizeof(h), v->data, total, BPF_F_RECOMPUTE_CSUM))
			err = XLAT_C_DROP_WRITE_FAILED;
	}
out:
	reasm_forget(&j->key);
	return err;
}

/*
 * One fragment of a fragmented ICMP echo: kept, or (the last piece of its
 * message) turned into the whole message. NAT64_CONTINUE: decide the skb
 * again, it is whole now; else a NAT64_RES.
 */
__attribute__((noinline)) int xlat_nat64_reasm(struct __sk_buff *skb)
{
	struct nat64_reasm_job *j = reasm_job();
	struct nat64_reasm *v;
	__u64 now = bpf_ktime_get_ns();
	__u32 r, why = 0, end;
	__u16 proto = 0;

	if (!j)
		return NAT64_DROP(XLAT_C_DROP_WRITE_FAILED);
	bpf_skb_load_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto));
	r = proto == bpf_htons(ETH_P_IPV6) ? reasm_parse6(skb, j) : reasm_parse4(skb, j);
	if (r != NAT64_CONTINUE)
		return r;
	end = (__u32)j->off + j->len;
	if (end > XLAT_NAT64_REASM_MSG)
		return NAT64_DROP(XLAT_C_DROP_REASM_TOO_BIG);
	/* RFC 8200 4.5: every fragment but the last carries a multiple of 8 bytes. */
	if (j->more && (j->len & 7))
		return NAT64_DROP(XLAT_C_DROP_TRUNCATED);
	v = reasm_entry(&j->key, now, &why);
	if (!v)
		return NAT64_DROP(why);
	if (!reasm_reserve(v, j->off, end, j->more))
		return NAT64_DROP(XLAT_C_DROP_REASM_OVERLAP);
	r = xlat_nat64_reasm_copy(skb);
	if (r) {
		bpf_spin_lock(&v->lock);
		v->state = REASM_DEAD;
		bpf_spin_unlock(&v->lock);
		return NAT64_DROP(r);
	}
	if (!reasm_complete(v, j->len))
		return NAT64_DROP(XLAT_C_REASM_HELD);
	r = xlat_nat64_reasm_emit(skb);
	if (r)
		return NAT64_DROP(r);
	return NAT64_CONTINUE;
}

#endif
