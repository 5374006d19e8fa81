/* tcptop: map layout shared by src/bpf/tcptop.bpf.c and src/tools/tcptop.c */
#ifndef BPFSCOPE_TCPTOP_H
#define BPFSCOPE_TCPTOP_H

#include "bpf/tcpsock.h"

/* Keyed by socket, not addresses: a socket closed by the peer is unhashed
 * (ports read 0) while its last bytes still wait to be read. */
struct tcptop_key {
	__u64 skaddr;
	__u32 pid;
	__u32 pad;
};

struct tcptop_val {
	__u64 tx_bytes, rx_bytes;
	__u64 cgroup_id;
	struct sock_addrs addrs; /* s*: local, d*: remote; as last seen hashed */
	char comm[TASK_COMM_LEN];
};

#endif
