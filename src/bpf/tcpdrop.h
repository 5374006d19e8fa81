/* tcpdrop: event shared by src/bpf/tcpdrop.bpf.c and src/tools/tcpdrop.c */
#ifndef BPFSCOPE_TCPDROP_H
#define BPFSCOPE_TCPDROP_H

#include "bpf/tcpsock.h"

struct tcpdrop_event {
	__u64 ts_ns;
	__u64 location;  /* kernel address that freed the packet */
	__u64 cgroup_id; /* of the socket, when the packet had one */
	__u32 reason;    /* enum skb_drop_reason, named from BTF by user space */
	__s32 state;     /* socket state, or -1 when the packet had no socket */
	__u8 tcpflags;   /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 */
	__u8 pad[7];
	struct sock_addrs addrs; /* the packet's source and destination */
};

#endif
