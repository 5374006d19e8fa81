/* wire: socket reads and writes with their first bytes, shared by
 * src/bpf/wire.bpf.c and src/tools/wire.c. */
#ifndef BPFSCOPE_WIRE_H
#define BPFSCOPE_WIRE_H

#include "bpf/common.h"
#include "bpf/tcpsock.h"

#define WIRE_DATA_MAX 32768 /* bytes copied per syscall at most (power of two) */
#define WIRE_IOV_MAX  8	    /* iovec entries read for readv/writev/sendmsg/recvmsg */
#define WIRE_AF_UNIX  1

/* The client's packets of the MySQL connection phase (sequence id >= 1:
 * handshake response, auth switch data) and COM_CHANGE_USER carry
 * credentials: BPF keeps only their 4-byte header and the 4 capability
 * bytes, so passwords never leave the kernel. */
#define WIRE_AUTH_KEEP 8

enum wire_flags {
	WIRE_F_WRITE = 1,
	WIRE_F_AUTH_DROPPED = 2, /* captured bytes cut to WIRE_AUTH_KEEP */
	WIRE_F_CLOSE = 4,	 /* no data: the process closed the socket */
	WIRE_F_EXIT = 8,	 /* no data: the process exited (its last thread) */
};

struct wire_event {
	__u64 start_ns, end_ns; /* syscall entry, exit */
	__u64 sock;		/* struct sock address: the connection's identity */
	__u64 cgroup_id;
	__u32 pid, tid;
	__u32 len;	/* bytes moved */
	__u32 data_len; /* bytes in data */
	__u32 flags;	/* enum wire_flags */
	__u32 pad;
	struct sock_addrs addrs; /* family AF_UNIX: no addresses */
	char comm[TASK_COMM_LEN];
	char data[]; /* data_len bytes */
};

#endif
