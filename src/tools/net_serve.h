/* `net --serve/--otlp`: the one-way breakdown for the web UI and boundary
 * records as OTLP span events.
 *
 * UI: the join (net_join.c) needs all records and runs once, so while
 * serving, net keeps its own copy of the records and, once a second, joins
 * the copy in a fresh net_join and publishes the per-flow report (the same
 * JSON as `net -o json`) as the "net" document (/api/net). Bounded by
 * --max-records like the local join.
 *
 * OTLP: at exit each joined message becomes one span from its first to its
 * last boundary, with one event per boundary crossing (send, egress,
 * ingress, recv; relay ingress/egress per hop) and the segments as
 * attributes. Its trace id is derived from what both ends of the flow see
 * (core/otlp.h): the 5-tuple normalized by direction plus, for TCP, the
 * sequence number of the message's last byte, for UDP the payload hash; so
 * the agent on each host, exporting on its own, lands in the same trace. */
#ifndef BPFSCOPE_NET_SERVE_H
#define BPFSCOPE_NET_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "tools/net_join.h"
#include "tools/net_record.h"

struct net_serve {
	struct net_rec *recs;
	size_t n, cap, max;
	const char *host;
};

/* Keeps a copy of r (when serving; silently bounded by max). */
void net_serve_add(struct net_serve *ns, const struct net_rec *r);
/* The publisher (core/serve.h) of the "net" document. */
void net_serve_publish(void *ctx);
/* One span per message of a joined net_join (when spans are on). */
void net_serve_spans(const struct net_join *j);
void net_serve_free(struct net_serve *ns);

#endif
