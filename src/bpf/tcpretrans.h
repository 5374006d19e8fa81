/* tcpretrans: event shared by src/bpf/tcpretrans.bpf.c and src/tools/tcpretrans.c */
#ifndef BPFSCOPE_TCPRETRANS_H
#define BPFSCOPE_TCPRETRANS_H

#include "bpf/tcpsock.h"

struct tcpretrans_event {
	__u64 ts_ns;
	__u64 cgroup_id; /* the socket's */
	__s32 state;     /* socket state at the retransmit */
	__u32 pid;       /* current task: usually unrelated (timer softirq) */
	struct sock_addrs addrs; /* s*: local, d*: remote */
};

#endif
