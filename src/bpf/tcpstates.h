/* tcpstates: event shared by src/bpf/tcpstates.bpf.c and src/tools/tcpstates.c */
#ifndef BPFSCOPE_TCPSTATES_H
#define BPFSCOPE_TCPSTATES_H

#include "bpf/tcpsock.h"

struct tcpstates_event {
	__u64 ts_ns;
	__u64 skaddr;   /* identifies the socket across its transitions */
	__u64 delta_ns; /* time in oldstate; 0 when its start was not seen */
	__u64 cgroup_id; /* the socket's cgroup */
	__u32 pid;       /* current task: meaningful only in process context */
	__s32 oldstate, newstate;
	__u32 pad;
	struct sock_addrs addrs;
	char comm[TASK_COMM_LEN];
};

#endif
