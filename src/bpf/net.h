/* net: boundary records shared by src/bpf/net.bpf.c and src/tools/net*.c.
 * One record per crossing of a responsibility boundary by payload bytes. */
#ifndef BPFSCOPE_NET_H
#define BPFSCOPE_NET_H

#include "bpf/common.h"
#include "bpf/hist.h"

enum net_boundary {
	NET_B_SEND = 1,	   /* send syscall hands data to the kernel (entry time) */
	NET_B_EGRESS = 2,  /* tc egress (clsact) on a chosen interface */
	NET_B_INGRESS = 3, /* XDP (or tc ingress) on a chosen interface */
	NET_B_RECV = 4,	   /* receive syscall returned the bytes (exit time) */
};

/* Bytes of UDP payload hashed (zero-padded) to recognise a datagram. */
#define NET_HASH_BYTES 32
/* Bounded loops: sendmmsg/recvmmsg entries and UDP GSO segments recorded
 * per call or packet; the rest is counted in the "uncovered" map. */
#define NET_MMSG_MAX 8
#define NET_GSO_MAX  16

/* Addresses and ports are in data direction: s = sender of these bytes,
 * d = receiver, also for receive records. Ports in host order; IPv4
 * addresses in the first 4 bytes. A zero address or port means unknown
 * (unconnected UDP socket without a peer address in the call). */
struct net_event {
	__u64 ts_ns; /* CLOCK_TAI or CLOCK_MONOTONIC, see the tai rodata flag */
	__u64 hash;  /* UDP: FNV-1a of the zero-padded payload head; TCP: 0 */
	__u32 seq;   /* TCP: sequence number of the first byte; UDP: 0 */
	__u32 len;   /* payload bytes covered */
	__u32 ifindex;
	__u32 pid;
	__u16 sport, dport;
	__u8 boundary, proto, family, pad; /* family: 4 or 6 */
	__u8 saddr[16], daddr[16];
};

/* ---- the join in the kernel (local mode; net_agg.bpf.h, tools/net_agg.c) ----
 * In local mode (not --export, --join user, --serve or --otlp), the
 * programs match boundaries themselves and keep a latency histogram per
 * flow and segment; only --slow messages reach the ring buffer. */
#define NET_AGG_FLOWS 4096 /* (flow, segment) histograms */
enum net_agg_seg { NET_SEG_TX = 1, NET_SEG_RX = 2 };

/* A flow in data direction (as net_event; v4-mapped addresses as IPv4)
 * and a segment: the key of one histogram. */
struct net_flow_key {
	__u8 saddr[16], daddr[16];
	__u16 sport, dport;
	__u8 proto, family, seg, pad;
} __attribute__((aligned(8)));

/* One per flow and segment; HIST_LOGLIN slots of nanoseconds. */
struct net_agg_stats {
	__u64 count, sum_ns, max_ns;
	__u64 slots[HIST_LOGLIN_SLOTS];
};

/* Counters (a per-CPU array) for the summary line. */
enum net_agg_counter {
	/* 1..4: records seen at each boundary (after the filters) */
	NET_AGG_TX = 5,	     /* sends timed at their egress */
	NET_AGG_RX,	     /* receives timed from their ingress */
	NET_AGG_UDP_EGRESS,  /* UDP datagrams at egress */
	NET_AGG_UDP_INGRESS, /* UDP datagrams at ingress */
	NET_AGG_UDP_TX,	     /* ... of them matched to a send */
	NET_AGG_UDP_RX,	     /* ... of them matched to a receive */
	NET_AGG_QUEUE_FULL,  /* TCP sends not timed: the flow's queue was full */
	NET_AGG_FLOWS_FULL,  /* latencies lost: the flow table was full */
	NET_AGG__N
};

/* --slow: one ring record per message over the threshold. */
struct net_slow {
	__u64 ts_ns;  /* the message's first boundary: send (TX), ingress (RX) */
	__u64 lat_ns; /* the segment's latency */
	__u32 len, pad;
	struct net_flow_key flow;
};

#endif
