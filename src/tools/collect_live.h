/* collect -i: a report per interval while the agents stream (collect_live.c). */
#ifndef BPFSCOPE_COLLECT_LIVE_H
#define BPFSCOPE_COLLECT_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "tools/collect_store.h"
#include "tools/net_report.h"

struct live_done {
	uint64_t key, start_ns;
};

struct collect_live {
	uint64_t max_age_ns; /* an incomplete chain waits at most this long */
	uint64_t cut_ns;     /* messages starting before it were decided already */
	struct live_done *done; /* reported messages at or after cut_ns, by key */
	size_t ndone, cap;
	const struct net_msg *msgs; /* the current interval's join */
	uint8_t *show;              /* per message of it: in this interval's report */
};

/* Joins what arrived and prints the messages decided in this interval:
 * those that reached a receive, and those older than max_age that never
 * will (with their missing boundaries). now_ns: UTC ns. */
int collect_live_report(struct collect_live *l, struct store *st, struct net_report_opts o,
			uint64_t now_ns);
void collect_live_free(struct collect_live *l);
/* The identity of a message across the joins of successive intervals. */
uint64_t collect_live_key(const struct net_msg *m, uint64_t *start_ns);

#endif
