/* net: boundary records shared by src/bpf/net.bpf.c and src/tools/net*.c.
 * One record per crossing of a responsibility boundary by payload bytes. */
#ifndef BPFSCOPE_NET_H
#define BPFSCOPE_NET_H

#include "bpf/common.h"

enum net_boundary {
	NET_B_SEND = 1,	   /* send syscall hands data to the kernel (entry time) */
	NET_B_EGRESS = 2,  /* tc egress (clsact) on a chosen interface */
	NET_B_INGRESS = 3, /* XDP (or tc ingress) on a chosen interface */
	NET_B_RECV = 4,	   /* receive syscall returned the bytes (exit time) */
};

/* Bytes of UDP payload hashed (zero-padded) to recognise a datagram. */
#define NET_HASH_BYTES 32
/* Bounded loops: sendmmsg/recvmmsg entries and UDP GSO segments recorded
 * per call or packet; the rest is counted in the "uncovered" map. */
#define NET_MMSG_MAX 8
#define NET_GSO_MAX  16

/* Addresses and ports are in data direction: s = sender of these bytes,
 * d = receiver, also for receive records. Ports in host order; IPv4
 * addresses in the first 4 bytes. A zero address or port means unknown
 * (unconnected UDP socket without a peer address in the call). */
struct net_event {
	__u64 ts_ns; /* CLOCK_TAI or CLOCK_MONOTONIC, see the tai rodata flag */
	__u64 hash;  /* UDP: FNV-1a of the zero-padded payload head; TCP: 0 */
	__u32 seq;   /* TCP: sequence number of the first byte; UDP: 0 */
	__u32 len;   /* payload bytes covered */
	__u32 ifindex;
	__u32 pid;
	__u16 sport, dport;
	__u8 boundary, proto, family, pad; /* family: 4 or 6 */
	__u8 saddr[16], daddr[16];
};

#endif
