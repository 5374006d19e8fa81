/* tcpconnect/tcpconnlat: event shared by src/bpf/tcpconnect.bpf.c,
 * src/bpf/tcpconnlat.bpf.c and their tools. */
#ifndef BPFSCOPE_TCPCONNECT_H
#define BPFSCOPE_TCPCONNECT_H

#include "bpf/tcpsock.h"

/* An active open, reported when it leaves SYN_SENT (the source port is
 * chosen after the SYN_SENT transition, so it is known only then). */
struct tcpconn_event {
	__u64 ts_ns;      /* when connect() started (SYN_SENT) */
	__u64 latency_ns; /* SYN_SENT -> ESTABLISHED (or -> CLOSE: failed) */
	__u64 cgroup_id;
	__u32 pid, uid;
	__s32 result; /* TCPS_ESTABLISHED, or TCPS_CLOSE when refused/timed out */
	__u32 pad;
	struct sock_addrs addrs;
	char comm[TASK_COMM_LEN];
};

#endif
