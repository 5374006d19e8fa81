/* Socket addresses and TCP states shared by the tcp* tools' BPF programs and
 * user space (src/core/inet.c formats them). */
#ifndef BPFSCOPE_TCPSOCK_H
#define BPFSCOPE_TCPSOCK_H

#include "bpf/common.h"

/* IPv4 addresses use the first 4 bytes. Ports in host order. */
struct sock_addrs {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 family; /* AF_INET or AF_INET6 */
	__u16 sport;
	__u16 dport;
	__u16 pad;
};

#define TCPSOCK_AF_INET 2
#define TCPSOCK_AF_INET6 10
#define TCPSOCK_IPPROTO_TCP 6

/* include/net/tcp_states.h */
enum {
	TCPS_ESTABLISHED = 1,
	TCPS_SYN_SENT,
	TCPS_SYN_RECV,
	TCPS_FIN_WAIT1,
	TCPS_FIN_WAIT2,
	TCPS_TIME_WAIT,
	TCPS_CLOSE,
	TCPS_CLOSE_WAIT,
	TCPS_LAST_ACK,
	TCPS_LISTEN,
	TCPS_CLOSING,
	TCPS_NEW_SYN_RECV,
};

#endif
