/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 6146 3.5: sessions, and the sweeper that deletes the expired ones a
 * bounded number at a time (a queue of every session's key, a few looked at
 * per new session): the work a packet does never grows with the table.
 */
#ifndef XLAT_NAT64_SESSION_H
#define XLAT_NAT64_SESSION_H

#include "nat64/bib.h"
#include "nat64/tcp.h"

#define NAT64_SWEEP_STEPS 4  /* sessions the sweeper looks at per new session */
#define NAT64_SWEEP_FULL  64 /* ... and when a table is full, before giving up */

/*
 * Deletes a session whose time has passed, and takes it off its BIB entry's
 * count: a dynamic entry goes with its last session (RFC 6146 3.5.1.1). The
 * count is read back after the decrement: two CPUs may both see zero and both
 * delete (harmless); a session created on the entry in that instant loses it.
 */
static __always_inline void session_expire(const struct nat64_session_key *k, const struct nat64_session *s,
					   struct nat64_taddr4 *t4)
{
	struct nat64_bib4_value *b4;

	__builtin_memset(t4, 0, sizeof(*t4));
	t4->addr = k->local4;
	t4->port = k->lport;
	t4->proto = k->proto;
	if (bpf_map_delete_elem(&nat64_sessions, k))
		return; /* another CPU did */
	nat64_count(XLAT_C_SESSION_EXPIRED);
	b4 = bpf_map_lookup_elem(&nat64_bib4, t4);
	if (!b4 || !session_of(b4, s) || !b4->sessions)
		return;
	__sync_fetch_and_add(&b4->sessions, -1);
	if (!b4->sessions)
		bib_delete(t4, b4);
}

/* ---------------------------------------------------------------- the sweeper */

/* The session at the queue's head: deleted if its time has passed (1), queued again if not (0); -1: the queue
 * is empty. A global function: the sweeper's loop carries nothing from one session to the next, which is what
 * older verifiers (5.15) can walk within their budget (each iteration with a session's branches inline could
 * not be pruned). */
/* The sweeper's key and session copy, per CPU: off the stack of the deepest call chain (tc -> an ICMP error's
 * hairpin -> tc_decide -> allocation -> sweeper -> here -> a dynamic block's release: 512 bytes on 5.15). */
struct nat64_sweep_scratch {
	struct nat64_session_key k;
	struct nat64_session copy;
	struct nat64_taddr4 t4;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat64_sweep_scratch);
} nat64_sweep_scratch SEC(".maps");

__attribute__((noinline)) int xlat_nat64_sweep_one(__u64 now)
{
	__u32 zero = 0;
	struct nat64_sweep_scratch *x = bpf_map_lookup_elem(&nat64_sweep_scratch, &zero);
	struct nat64_session *s;

	if (!x)
		return -1;
	if (bpf_map_pop_elem(&nat64_sessq, &x->k))
		return -1;
	s = bpf_map_lookup_elem(&nat64_sessions, &x->k);
	if (!s)
		return 0; /* deleted by a lookup meanwhile */
	if (s->expires >= now) {
		bpf_map_push_elem(&nat64_sessq, &x->k, BPF_EXIST);
		return 0;
	}
	x->copy = *s;
	session_expire(&x->k, &x->copy, &x->t4);
	return 1;
}

/* The sweeper: looks at up to n sessions from the queue's head. Returns how many it deleted. */
__attribute__((noinline)) int xlat_nat64_sweep(__u32 n)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 i, freed = 0;
	int r;

	for (i = 0; i < NAT64_SWEEP_FULL; i++) {
		if (i >= n)
			break;
		r = xlat_nat64_sweep_one(now);
		if (r < 0)
			break;
		freed += r;
	}
	return (int)freed;
}

/*
 * Inserts one new session (NOEXIST). On a full table the sweeper frees what
 * has expired (sessions, and with them their BIB entries) and the insert is
 * tried once more: a bounded amount of work, however big the table.
 */
static __always_inline int insert_session(const struct nat64_session_key *k, const struct nat64_session *s)
{
	int err = bpf_map_update_elem(&nat64_sessions, k, s, BPF_NOEXIST);

	if (err == -E2BIG_ && xlat_nat64_sweep(NAT64_SWEEP_FULL))
		err = bpf_map_update_elem(&nat64_sessions, k, s, BPF_NOEXIST);
	return err;
}

static __always_inline struct nat64_session *session_get(const struct nat64_session_key *k, __u64 now)
{
	struct nat64_session *s = bpf_map_lookup_elem(&nat64_sessions, k), copy;
	struct nat64_taddr4 t4;

	if (!s || s->expires >= now)
		return s;
	copy = *s;
	session_expire(k, &copy, &t4);
	return NULL;
}

/*
 * Creates a session of the BIB entry whose pool4 side is the key's local
 * transport address (or finds the one another CPU just created), counts it
 * into that entry and queues it for the sweeper, which first looks at a few
 * older sessions. NULL: table full.
 */
static __always_inline struct nat64_session *
session_create(const struct nat64_session_key *k, const struct nat64_taddr6 *t6, __u8 state, __u64 expires, __u64 now)
{
	struct nat64_taddr4 t4 = {.addr = k->local4, .port = k->lport, .proto = k->proto};
	struct nat64_bib4_value *b4;
	struct nat64_session s = {};
	int err;

	__builtin_memcpy(s.addr6, t6->addr, 16);
	s.port6 = t6->port;
	s.state = state;
	s.expires = expires;
	b4 = bpf_map_lookup_elem(&nat64_bib4, &t4);
	if (b4 && taddr6_eq(&b4->t6, t6))
		s.bib_gen = b4->gen;
	xlat_nat64_sweep(NAT64_SWEEP_STEPS);
	err = insert_session(k, &s);
	if (err && err != -EEXIST_)
		return NULL;
	if (!err) {
		nat64_count(XLAT_C_SESSION_CREATED);
		b4 = bpf_map_lookup_elem(&nat64_bib4, &t4);
		if (b4 && b4->gen == s.bib_gen && taddr6_eq(&b4->t6, t6))
			__sync_fetch_and_add(&b4->sessions, 1);
		bpf_map_push_elem(&nat64_sessq, k, BPF_EXIST);
	}
	return bpf_map_lookup_elem(&nat64_sessions, k);
}

#endif
