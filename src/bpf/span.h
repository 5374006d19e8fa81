/* Request spans: the contract between src/bpf/span.bpf.h (kernel) and the
 * span assembler in user space (src/probe/spans.c). Plain types only.
 *
 * Ring buffer records of a span session, told apart by their first u32:
 *   < PROBE_MAX      an attribute record: a struct probe_event whose fields
 *                    are the probe's attr(...) values and whose duration_ns
 *                    holds the span id it belongs to;
 *   SPAN_EV_END      struct span_event: a span closed (or found stale);
 *   SPAN_EV_CONN     struct span_conn_event: connect/accept/close of a socket
 *                    inside a span. */
#ifndef BPFSCOPE_BPF_SPAN_H
#define BPFSCOPE_BPF_SPAN_H

#include "bpf/common.h"

#define SPAN_DEPTH 8 /* open spans per thread (power of two) */
#define SPAN_PEERS 4 /* peers accounted per span; more are counted in peers_dropped */
#define SPAN_ARGS 6  /* argument registers saved at entry for attr(...) at return */

#define SPAN_EV_END 0x5350414eu  /* "SPAN" */
#define SPAN_EV_CONN 0x434f4e4eu /* "CONN" */

enum span_role { SPAN_ROLE_NONE, SPAN_ROLE_ROOT, SPAN_ROLE_CHILD };
enum span_attrs_at { SPAN_ATTRS_NONE, SPAN_ATTRS_ENTRY, SPAN_ATTRS_RETURN };

/* Per probe, written by user space into the span_cfgs array map. */
struct span_cfg {
	__u32 role;     /* enum span_role */
	__u32 attrs_at; /* enum span_attrs_at */
};

/* Remote end of a socket: IPv4 in the first 4 bytes of addr. */
struct span_peer_addr {
	__u8 addr[16];
	__u16 family; /* AF_INET or AF_INET6 */
	__u16 port;   /* host order */
	__u32 pad;
};

/* Socket I/O of one span with one peer. */
struct span_peer {
	struct span_peer_addr peer;
	__u32 calls;       /* successful socket syscalls */
	__u32 round_trips; /* receives after a send to this peer in the request (the
			    * receive's span gets it: that is where the request waited) */
	__u64 bytes_out, bytes_in;
	__u64 io_ns;       /* time inside those syscalls */
};

enum span_flags {
	SPAN_F_STALE = 1, /* its return never came (longjmp, exception): end unknown */
};

struct span_event {
	__u32 kind; /* SPAN_EV_END */
	__u32 probe;
	__u32 pid, tid;
	__u64 span_id, parent_id, root_id; /* parent_id 0 for roots */
	__u64 start_ns, end_ns;            /* CLOCK_MONOTONIC */
	__u64 child_ns;                    /* time inside direct child spans */
	__u32 depth;                       /* 0 for roots */
	__u32 flags;                       /* enum span_flags */
	__u32 npeers;
	__u32 peers_dropped;               /* socket calls to peers beyond SPAN_PEERS */
	char comm[TASK_COMM_LEN];
	struct span_peer peers[SPAN_PEERS];
};

enum span_conn_kind { SPAN_CONN_CONNECT, SPAN_CONN_ACCEPT, SPAN_CONN_CLOSE };

struct span_conn_event {
	__u32 kind; /* SPAN_EV_CONN */
	__u32 event; /* enum span_conn_kind */
	__u32 pid, tid;
	__u64 span_id, root_id;
	__u64 ts_ns;
	struct span_peer_addr peer;
};

/* Session-wide counters (span_stats array map). */
enum span_stat {
	SPSTAT_ROOTS,          /* roots seen */
	SPSTAT_ROOTS_SAMPLED,  /* roots skipped by per-root sampling */
	SPSTAT_OUTSIDE,        /* child calls with no open root on the thread */
	SPSTAT_TOO_DEEP,       /* spans beyond SPAN_DEPTH open on a thread */
	SPSTAT_IO,             /* socket syscalls accounted */
	SPSTAT_IO_NOT_INET,    /* non-socket or non-IP descriptors inside spans */
	SPSTAT_CONN,           /* connection events */
	SPSTAT_DROPS,          /* span or connection records lost: ring buffer full */
	SPSTAT__COUNT
};

#endif
