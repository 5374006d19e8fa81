/* netpath: per-packet steps shared by src/bpf/netpath.bpf.c and
 * src/tools/netpath.c. */
#ifndef BPFSCOPE_NETPATH_H
#define BPFSCOPE_NETPATH_H

#include "bpf/common.h"

enum netpath_step {
	NP_QUEUE = 1, /* net:net_dev_queue, before the qdisc */
	NP_XMIT,      /* net:net_dev_xmit, the driver took it */
	NP_RECEIVE,   /* net:netif_receive_skb */
	NP_GRO,	      /* net:napi_gro_receive_entry */
	NP_TCP_RCV,   /* tcp:tcp_probe, TCP receive processing on the socket */
	NP_DROP,      /* skb:kfree_skb, with the kernel's drop reason */
};

struct netpath_event {
	__u64 ts_ns;	/* CLOCK_MONOTONIC */
	__u32 seq, len; /* TCP sequence and payload bytes */
	__u32 netns;	/* network namespace inode */
	__u32 ifindex;
	__u32 reason; /* NP_DROP: enum skb_drop_reason */
	__u16 sport, dport;
	__u8 step, family, flags, pad;
	__u8 saddr[16], daddr[16];
};

#endif
