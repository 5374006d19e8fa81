/* Printing joined messages (net_join.h): per-flow latency histograms and
 * exact percentiles for each segment, a per-second time series that shows
 * steps, slow-message lines, and the miss accounting. Text or JSON lines.
 * Shared by `bpfscope net` and `bpfscope collect`. */
#ifndef BPFSCOPE_NET_REPORT_H
#define BPFSCOPE_NET_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/options.h"
#include "tools/net_join.h"

enum net_seg { SEG_APP, SEG_TX, SEG_NET, SEG_RELAY, SEG_RX, SEG__N };

struct net_report_opts {
	enum out_format format;
	uint64_t slow_ns;	/* slow-message lines above this (0: none) */
	bool histograms;	/* text: log2 histograms per flow and segment */
	bool series;		/* per-second time series */
	const char *clock_note; /* e.g. "clock sync error bound: ..." (may be NULL) */
	uint64_t uncovered;	/* datagrams past the kernel's bounded loops (mmsg, GSO) */
	/* Only the messages keep() accepts (collect -i: one interval); NULL: all */
	bool (*keep)(const struct net_join *j, const struct net_msg *m, void *arg);
	void *keep_arg;
};

const char *net_seg_name(enum net_seg s);
int64_t net_seg_value(const struct net_msg *m, enum net_seg s);
/* "client 10.1.1.1:40000 -> server 10.1.2.2:7000 udp via relay" */
void net_msg_label(const struct net_join *j, const struct net_msg *m, char *buf, size_t len);

void net_report_print(FILE *out, const struct net_join *j, const struct net_report_opts *o,
		      const uint64_t ring_drops);

#endif
