/* tcpaccept: event shared by src/bpf/tcpaccept.bpf.c and src/tools/tcpaccept.c */
#ifndef BPFSCOPE_TCPACCEPT_H
#define BPFSCOPE_TCPACCEPT_H

#include "bpf/tcpsock.h"

struct tcpaccept_event {
	__u64 ts_ns;
	__u64 cgroup_id;
	__u32 pid, uid;
	struct sock_addrs addrs; /* s*: local, d*: remote */
	char comm[TASK_COMM_LEN];
};

#endif
