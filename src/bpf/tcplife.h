/* tcplife: event shared by src/bpf/tcplife.bpf.c and src/tools/tcplife.c */
#ifndef BPFSCOPE_TCPLIFE_H
#define BPFSCOPE_TCPLIFE_H

#include "bpf/tcpsock.h"

struct tcplife_event {
	__u64 ts_ns;       /* close */
	__u64 duration_ns; /* first state change seen -> CLOSE */
	__u64 tx_bytes;    /* tcp_sock.bytes_acked: sent and acknowledged */
	__u64 rx_bytes;    /* tcp_sock.bytes_received */
	__u64 cgroup_id;
	__u32 pid; /* owner: connect() or accept() caller; 0 when unknown */
	__u32 pad;
	struct sock_addrs addrs; /* s*: local, d*: remote */
	char comm[TASK_COMM_LEN];
};

#endif
