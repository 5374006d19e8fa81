/* The local report of `bpfscope net` from the join the kernel made
 * (src/bpf/net_agg.bpf.h): per-flow latency histograms and counters read
 * from the maps, --series from one-second samples of each flow's count and
 * sum, --slow from the ring records of slow messages. Printed with the same
 * pieces as the user-space join (net_report.h). */
#ifndef BPFSCOPE_NET_AGG_H
#define BPFSCOPE_NET_AGG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/clocksync.h"
#include "tools/net_join.h"
#include "tools/net_report.h"

struct net_agg;

/* names: host 0 is this host (labels). Maps by fd: flow_stats, agg_counts. */
struct net_agg *net_agg__new(int stats_fd, int counts_fd, const struct net_join *names,
			     const struct clocksync *clock);
/* A struct net_slow from the ring buffer. */
int net_agg__on_slow(struct net_agg *a, const void *data, size_t size);
/* --series: adds what each flow gained since the last sample as one second. */
int net_agg__sample(struct net_agg *a);
void net_agg__print(FILE *out, struct net_agg *a, const struct net_report_opts *o,
		    uint64_t ring_drops);
void net_agg__free(struct net_agg *a);

#endif
