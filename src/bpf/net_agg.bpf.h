/* net: the join in the kernel (local mode, `agg` set by net.c).
 *
 * Shipping every boundary record to user space and joining there costs a
 * ring record per packet and a busy consumer (bench/RESULTS-net.md: TCP
 * bulk at 0.65-0.80 of its untraced rate, 0.85-0.89 when the same programs
 * record nothing).
 * In local mode the programs match the boundaries themselves, with the
 * rules of tools/net_join.c, and add each latency to a per-flow histogram
 * (struct net_agg_stats); user space reads the maps at the end.
 *
 * host TX (1 -> 2), time of the message's last byte at egress:
 *   TCP: per flow (tcp_tx) a ring of the last NET_SEG_RING egress segments
 *     and a queue of sends whose last byte has not left yet. A send exit
 *     looks in the ring first (TCP usually transmits inside the call) and
 *     queues the message otherwise; an egress adds its segment and
 *     completes the queued messages it reaches. A message takes the first
 *     segment after its send that covers its last byte.
 *   UDP: the datagram's (hash, length, source port) in a slot of
 *     udp_slots, by whichever of send exit and egress comes first; the other
 *     completes.
 * host RX (3 -> 4), per receive call:
 *   TCP: per flow (tcp_rx) a ring of ingress segments; a receive takes the
 *     latest segment before it covering its last byte.
 *   UDP: ingress stores (hash, length, destination port) in its slot;
 *     the receive takes it.
 *
 * No locks (tracing programs cannot take bpf_spin_lock): a flow's egress
 * runs under its socket lock and its sends come from one writer in
 * practice; a send whose egress slipped in between its ring check and its
 * queue entry is completed by the flow's next egress. What is not matched
 * is counted (summary: sends without egress, receives without ingress,
 * queue full, flow table full), never dropped silently. */
#ifndef BPFSCOPE_NET_AGG_BPF_H
#define BPFSCOPE_NET_AGG_BPF_H

#include "bpf/hist.bpf.h"
#include "bpf/net.h"

#define NET_TX_QUEUE 64 /* power of two: sends a flow may have in its socket buffer */
#define NET_SEG_RING 16 /* power of two */

const volatile bool agg = false;    /* join here instead of the ring */
const volatile __u64 slow_ns = 0;   /* --slow in ns, 0: none */

struct tcp_seg {
	__u32 seq, len;
	__u64 ts;
};

struct tcp_msg {
	__u32 end, len; /* sequence number after the last byte */
	__u64 ts;	/* send entry */
};

struct tcp_tx {
	__u32 head, tail, nseg, pad;
	struct tcp_msg q[NET_TX_QUEUE];
	struct tcp_seg seg[NET_SEG_RING];
};

struct tcp_rx {
	__u32 nseg, pad;
	struct tcp_seg seg[NET_SEG_RING];
};

/* A UDP datagram waiting for its other boundary, in a direct-mapped slot
 * of udp_slots chosen by (hash, length, port, segment): no allocation and
 * no lock per datagram (an LRU hash insert and delete per datagram cost
 * more than the ring record they replace). Two datagrams in flight on one
 * slot: the older is overwritten and counted as unmatched. */
struct udp_pending {
	__u64 hash;
	__u32 len;
	__u16 port; /* TX: source port, RX: destination port */
	__u8 seg, from_pkt;
	__u64 ts;		  /* 0: free */
	struct net_flow_key flow; /* the packet's, when it came first */
};

#define NET_UDP_SLOTS 65536 /* power of two */

/* Shared, not per CPU: a per-CPU 2 KiB value would cost 2 KiB x CPUs per
 * flow; the few atomic adds per latency are cheaper than that memory.
 * Preallocated (8 MiB): before 6.1 a tracing program must not allocate. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NET_AGG_FLOWS);
	__type(key, struct net_flow_key);
	__type(value, struct net_agg_stats);
} flow_stats SEC(".maps");

/* Zeroes to create entries from: as big as any value they create. */
_Static_assert(sizeof(struct net_agg_stats) >= sizeof(struct tcp_tx) &&
		       sizeof(struct net_agg_stats) >= sizeof(struct tcp_rx),
	       "agg_zero must cover every value agg_entry() creates");
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct net_agg_stats);
} agg_zero SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NET_AGG__N);
	__type(key, __u32);
	__type(value, __u64);
} agg_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct net_flow_key);
	__type(value, struct tcp_tx);
} tcp_tx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct net_flow_key);
	__type(value, struct tcp_rx);
} tcp_rx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NET_UDP_SLOTS);
	__type(key, __u32);
	__type(value, struct udp_pending);
} udp_slots SEC(".maps");

/* The join's state of one call, per CPU and per boundary, in a map value
 * rather than on the stack or in arguments: a syscall exit program already
 * uses up to 392 of the 512 bytes of stack the whole call chain may have,
 * and the global functions take only scalars (5.10 verifies no pointer
 * argument, and verifies them even when nothing calls them). One slot per
 * boundary: the syscall programs run in task context with preemption off;
 * tc and XDP run with bottom halves off (softirq, or process context
 * inside a send), so they may interrupt a syscall program on its CPU but
 * never each other. */
struct agg_scratch {
	struct net_event e;	/* the record, handed over by emit() */
	struct net_slow ev;	/* agg_add: the --slow record */
	struct net_flow_key k;	/* the boundary's flow */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NET_B_RECV + 1);
	__type(key, __u32);
	__type(value, struct agg_scratch);
} agg_scratch SEC(".maps");

static __always_inline struct agg_scratch *scratch(__u32 boundary)
{
	return bpf_map_lookup_elem(&agg_scratch, &boundary);
}

static __always_inline void agg_count(__u32 index)
{
	__u64 *v = bpf_map_lookup_elem(&agg_counts, &index);

	if (v)
		(*v)++;
}

/* The entry of key in map, created from agg_zero when missing (the
 * values are too big for zeroes on the stack). */
static __always_inline void *agg_entry(void *map, const void *key)
{
	__u32 zero = 0;
	void *v = bpf_map_lookup_elem(map, key), *z;

	if (v || !(z = bpf_map_lookup_elem(&agg_zero, &zero)))
		return v;
	return map_lookup_or_create(map, key, z); /* looks once more: rare */
}

static __always_inline bool v4_mapped(const __u8 *a)
{
	return !*(const __u64 *)a && *(const __u32 *)(a + 8) == bpf_htonl(0xffff);
}

static __always_inline void unmap_v4(__u8 *a)
{
	*(__u32 *)a = *(__u32 *)(a + 12);
	*(__u32 *)(a + 8) = 0;
	*(__u32 *)(a + 12) = 0;
}

/* As tools/net_record.c: v4-mapped on either side (the other v4-mapped or
 * unknown) is IPv4, as on the wire. */
static __always_inline void flow_of(const struct net_event *e, __u8 seg, struct net_flow_key *k)
{
	bool ms, md;

	__builtin_memcpy(k->saddr, e->saddr, 16);
	__builtin_memcpy(k->daddr, e->daddr, 16);
	k->sport = e->sport;
	k->dport = e->dport;
	k->proto = e->proto;
	k->family = e->family;
	k->seg = seg;
	if (k->family != 6)
		return;
	ms = v4_mapped(k->saddr);
	md = v4_mapped(k->daddr);
	if (!(ms || md) || !(ms || addr_zero(k->saddr)) || !(md || addr_zero(k->daddr)))
		return;
	if (ms)
		unmap_v4(k->saddr);
	if (md)
		unmap_v4(k->daddr);
	k->family = 4;
}

/* One latency of a message of the flow in scratch slot `boundary`'s k, that
 * started (first boundary) at first_ts. Global, so verified once: it is
 * called inside loops. */
__noinline int agg_add(__u64 lat, __u64 first_ts, __u32 len, __u32 boundary)
{
	struct agg_scratch *sc = scratch(boundary);
	struct net_agg_stats *s;
	__u32 slot = hist_loglin_slot(lat);

	if (!sc)
		return 0;
	s = agg_entry(&flow_stats, &sc->k);
	agg_count(sc->k.seg == NET_SEG_TX ? NET_AGG_TX : NET_AGG_RX);
	if (!s) {
		agg_count(NET_AGG_FLOWS_FULL);
		return 0;
	}
	__sync_fetch_and_add(&s->count, 1);
	__sync_fetch_and_add(&s->sum_ns, lat);
	if (lat > s->max_ns)
		s->max_ns = lat; /* a race may keep a smaller maximum: it only clamps p99 */
	barrier_var(slot); /* a mask 6.1's verifier can see (hist.bpf.h) */
	__sync_fetch_and_add(&s->slots[slot & (HIST_LOGLIN_SLOTS - 1)], 1);
	if (slow_ns && lat > slow_ns) {
		sc->ev.ts_ns = first_ts;
		sc->ev.lat_ns = lat;
		sc->ev.len = len;
		sc->ev.flow = sc->k;
		event_output(&sc->ev, sizeof(sc->ev));
	}
	return 0;
}

static __always_inline void seg_push(__u32 *nseg, struct tcp_seg *ring, const struct net_event *e)
{
	struct tcp_seg *s = &ring[(*nseg)++ & (NET_SEG_RING - 1)];

	s->seq = e->seq;
	s->len = e->len;
	s->ts = e->ts_ns;
}

/* Time of the first segment at or after `after` covering byte, 0: none. */
static __always_inline __u64 seg_first(const struct tcp_seg *ring, __u32 byte, __u64 after)
{
	__u64 best = 0;

	for (int i = 0; i < NET_SEG_RING; i++) {
		__u64 ts = ring[i].ts;

		if (ts >= after && byte - ring[i].seq < ring[i].len && (!best || ts < best))
			best = ts;
	}
	return best;
}

/* Time of the latest segment at or before `before` covering byte, 0: none. */
static __always_inline __u64 seg_last(const struct tcp_seg *ring, __u32 byte, __u64 before)
{
	__u64 best = 0;

	for (int i = 0; i < NET_SEG_RING; i++) {
		__u64 ts = ring[i].ts;

		if (ts && ts <= before && byte - ring[i].seq < ring[i].len && ts > best)
			best = ts;
	}
	return best;
}

/* A queued send of the egress slot's flow completed: its time at egress.
 * Global, so verified once: the egress calls it in its queue loop. */
__noinline int tcp_tx_done(__u32 end, __u32 len, __u64 ts)
{
	struct agg_scratch *sc = scratch(NET_B_EGRESS);
	struct tcp_tx *st;
	__u64 out;

	if (!sc || !(st = bpf_map_lookup_elem(&tcp_tx, &sc->k)))
		return 0;
	out = seg_first(st->seg, end - 1, ts);
	if (out)
		agg_add(out - ts, ts, len, NET_B_EGRESS);
	return 0;
}

static __always_inline void tcp_send(const struct net_event *e, struct agg_scratch *sc)
{
	struct tcp_tx *st;
	__u32 end = e->seq + e->len, tail;
	__u64 out;

	/* Only an egress creates a flow's state: a flow on an interface that
	 * is not traced would fill a queue nobody empties. A send whose flow
	 * has not been seen at egress yet (its bytes still queued when the
	 * call returns, as the first send of a corked flow) has no egress. */
	flow_of(e, NET_SEG_TX, &sc->k);
	if (!(st = bpf_map_lookup_elem(&tcp_tx, &sc->k)))
		return;
	/* not through tcp_tx_done: one call level less of stack */
	if ((out = seg_first(st->seg, end - 1, e->ts_ns))) {
		agg_add(out - e->ts_ns, e->ts_ns, e->len, NET_B_SEND);
		return;
	}
	tail = st->tail;
	if (tail - st->head >= NET_TX_QUEUE) {
		agg_count(NET_AGG_QUEUE_FULL);
		return;
	}
	st->q[tail & (NET_TX_QUEUE - 1)] = (struct tcp_msg){end, e->len, e->ts_ns};
	/* the entry before the index that publishes it: a compiler barrier,
	 * enough on x86 (stores are not reordered); a weaker CPU may let an
	 * egress see the index first and time a stale entry */
	barrier();
	st->tail = tail + 1;
}

static __always_inline void tcp_egress(const struct net_event *e, struct agg_scratch *sc)
{
	struct tcp_tx *st;
	__u32 end = e->seq + e->len;

	flow_of(e, NET_SEG_TX, &sc->k);
	if (!(st = agg_entry(&tcp_tx, &sc->k)))
		return;
	seg_push(&st->nseg, st->seg, e);
	for (int i = 0; i < NET_TX_QUEUE; i++) {
		__u32 head = st->head;
		struct tcp_msg m;

		if (head == st->tail)
			break;
		m = st->q[head & (NET_TX_QUEUE - 1)];
		if ((__s32)(m.end - end) > 0)
			break; /* its last byte has not left yet */
		st->head = head + 1;
		tcp_tx_done(m.end, m.len, m.ts);
	}
}

static __always_inline void tcp_ingress(const struct net_event *e, struct agg_scratch *sc)
{
	struct tcp_rx *st;

	flow_of(e, NET_SEG_RX, &sc->k);
	if ((st = agg_entry(&tcp_rx, &sc->k)))
		seg_push(&st->nseg, st->seg, e);
}

static __always_inline void tcp_recv(const struct net_event *e, struct agg_scratch *sc)
{
	struct tcp_rx *st;
	__u64 in;

	flow_of(e, NET_SEG_RX, &sc->k);
	if ((st = bpf_map_lookup_elem(&tcp_rx, &sc->k)) &&
	    (in = seg_last(st->seg, e->seq + e->len - 1, e->ts_ns)))
		agg_add(e->ts_ns - in, in, e->len, NET_B_RECV);
}

static __always_inline __u32 udp_slot(__u64 hash, __u32 len, __u16 port, __u8 seg)
{
	__u64 mix = hash ^ ((__u64)len * 0x9e3779b97f4a7c15ULL) ^ ((__u64)port << 40) ^ seg;

	return (__u32)(mix ^ (mix >> 32)) & (NET_UDP_SLOTS - 1);
}

/* UDP: the first of a datagram's two boundaries waits in its slot of
 * udp_slots for the other; pkt: this one is a packet (egress, ingress),
 * else a call. */
static __always_inline void udp_boundary(const struct net_event *e, struct agg_scratch *sc,
					 __u8 seg, bool pkt)
{
	__u16 port = seg == NET_SEG_TX ? e->sport : e->dport;
	__u32 idx = udp_slot(e->hash, e->len, port, seg);
	struct udp_pending *p = bpf_map_lookup_elem(&udp_slots, &idx);
	bool first_is_pkt = seg == NET_SEG_RX; /* ingress comes before its receive */
	__u64 ts;

	if (pkt)
		agg_count(seg == NET_SEG_TX ? NET_AGG_UDP_EGRESS : NET_AGG_UDP_INGRESS);
	if (!p)
		return;
	ts = p->ts;
	if (ts && p->from_pkt != pkt && p->hash == e->hash && p->len == e->len &&
	    p->port == port && p->seg == seg) {
		__u64 early = pkt == first_is_pkt ? e->ts_ns : ts;
		__u64 late = pkt == first_is_pkt ? ts : e->ts_ns;

		if (early <= late) {
			if (pkt)
				flow_of(e, seg, &sc->k);
			else
				sc->k = p->flow;
			p->ts = 0; /* used */
			agg_count(seg == NET_SEG_TX ? NET_AGG_UDP_TX : NET_AGG_UDP_RX);
			agg_add(late - early, early, e->len, e->boundary);
			return;
		}
	}
	if (seg == NET_SEG_RX && !pkt)
		return; /* a receive without its ingress */
	p->ts = 0; /* the fields before the time that marks them valid */
	barrier();
	p->hash = e->hash;
	p->len = e->len;
	p->port = port;
	p->seg = seg;
	p->from_pkt = pkt;
	flow_of(e, seg, &p->flow);
	barrier();
	p->ts = e->ts_ns;
}

/* One global function per boundary, verified once per program, taking
 * the record from its scratch slot; emit() picks one by the boundary, a
 * compile-time constant at every call site, so a program calls only its
 * own. */
#define AGG_BOUNDARY(name, boundary, udp_seg, udp_pkt, tcp_fn)                                     \
	__noinline int name(void)                                                                  \
	{                                                                                          \
		struct agg_scratch *sc = scratch(boundary);                                        \
                                                                                                   \
		if (!sc)                                                                           \
			return 0;                                                                  \
		agg_count(boundary);                                                               \
		if (sc->e.proto == IPPROTO_UDP)                                                    \
			udp_boundary(&sc->e, sc, udp_seg, udp_pkt);                                \
		else                                                                               \
			tcp_fn(&sc->e, sc);                                                        \
		return 0;                                                                          \
	}
AGG_BOUNDARY(agg_send, NET_B_SEND, NET_SEG_TX, false, tcp_send)
AGG_BOUNDARY(agg_egress, NET_B_EGRESS, NET_SEG_TX, true, tcp_egress)
AGG_BOUNDARY(agg_ingress, NET_B_INGRESS, NET_SEG_RX, true, tcp_ingress)
AGG_BOUNDARY(agg_recv, NET_B_RECV, NET_SEG_RX, false, tcp_recv)

static __always_inline void agg_record(const struct net_event *e, const __u8 boundary)
{
	struct agg_scratch *sc = scratch(boundary);

	if (!sc)
		return;
	sc->e = *e;
	switch (boundary) {
	case NET_B_SEND: agg_send(); break;
	case NET_B_EGRESS: agg_egress(); break;
	case NET_B_INGRESS: agg_ingress(); break;
	default: agg_recv();
	}
}

#endif
