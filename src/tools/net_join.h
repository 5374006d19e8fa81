/* Joins boundary records (net_record.h) from one or several hosts into
 * messages with per-segment latencies. Used by `bpfscope net` (one host)
 * and `bpfscope collect` (all hosts).
 *
 * Identity of bytes: TCP bytes are named by their flow (4-tuple in data
 * direction) and sequence number; a record covers [seq, seq+len). A message
 * is one send call; its time at any boundary is when its LAST byte crossed
 * it (the packet or receive call covering byte seq+len-1), so a write split
 * into segments, several writes coalesced into one super-segment, and reads
 * in other chunk sizes are all attributed. UDP datagrams are named by
 * payload length and the hash of the payload head; ports are checked where
 * a record knows them.
 *
 * Chains: from each send (1) in time order: the first egress (2) on the same
 * host after it; then the first ingress (3) on another host after that with
 * the same addresses; on that host either the receive (4) ends the chain,
 * or the bytes leave again: a router (egress of the same bytes) or a relay
 * application (UDP: receive, send of the same payload, egress towards a
 * different peer than the one it came from; an echo back to the sender
 * ends the chain). Each 3 -> 2 on such a host is a relay dwell, each
 * 2 -> 3 a network hop. UDP records are used at most once, so an echo's
 * reply starts its own chain. Receives that no chain reached get a host-RX
 * only message from the latest ingress before them on the same host.
 *
 * Nothing is derived from round trips: every number is a difference of two
 * one-way timestamps. */
#ifndef BPFSCOPE_NET_JOIN_H
#define BPFSCOPE_NET_JOIN_H

#include <stddef.h>
#include <stdint.h>

#include "tools/net_record.h"

#define NET_MAX_HOPS 4

struct net_hop {
	uint16_t host;
	uint64_t t_in, t_out; /* ingress (3) and egress (2) on a relay/router */
};

struct net_msg {
	uint8_t proto, family;
	uint8_t have; /* bit b set: t[b] valid (1 send, 2 egress, 3 ingress, 4 recv) */
	uint8_t nhops;
	uint16_t origin, final; /* hosts of t1/t2 and of t3/t4 */
	uint32_t len;
	uint16_t sport, dport; /* flow of the first record */
	uint8_t saddr[16], daddr[16];
	uint32_t seq;  /* TCP: sequence number of the message's last byte */
	uint64_t hash; /* UDP: payload head hash */
	uint64_t t[5];
	uint64_t net_ns, relay_ns; /* sums over network hops / relay dwells */
	struct net_hop hops[NET_MAX_HOPS];
};

#define NET_HAVE(m, b) (((m)->have >> (b)) & 1)

struct net_join_counts {
	uint64_t records[5];  /* by boundary */
	uint64_t no_match[5]; /* chains that stopped looking for this boundary */
	uint64_t orphans[5];  /* UDP records and receives no message used */
};

struct net_join;

struct net_join *net_join__new(void);
/* Index of a host by name, added when new; -1 when the table is full. */
int net_join__host(struct net_join *j, const char *name);
const char *net_join__host_name(const struct net_join *j, int host);
int net_join__add(struct net_join *j, const struct net_rec *r);
size_t net_join__count(const struct net_join *j);
/* Builds the messages (sorted by t of their first boundary). multi_host:
 * a chain missing boundary 3 counts as a miss (not in single-host mode). */
int net_join__run(struct net_join *j, int multi_host);
const struct net_msg *net_join__msgs(const struct net_join *j, size_t *n);
const struct net_join_counts *net_join__counts(const struct net_join *j);
void net_join__free(struct net_join *j);

/* Segment values of a message, -1 when unknown. */
int64_t net_msg_app(const struct net_msg *m);	/* 1 -> 4 */
int64_t net_msg_tx(const struct net_msg *m);	/* 1 -> 2 */
int64_t net_msg_rx(const struct net_msg *m);	/* 3 -> 4 */
int64_t net_msg_net(const struct net_msg *m);	/* sum of 2 -> 3 hops */
int64_t net_msg_relay(const struct net_msg *m); /* sum of 3 -> 2 dwells */

#endif
