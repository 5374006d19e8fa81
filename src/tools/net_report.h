/* Printing joined messages (net_join.h): per-flow latency histograms and
 * exact percentiles for each segment, a per-second time series that shows
 * steps, slow-message lines, and the miss accounting. Text or JSON lines.
 * Shared by `bpfscope net` and `bpfscope collect`. */
#ifndef BPFSCOPE_NET_REPORT_H
#define BPFSCOPE_NET_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/types.h>

#include "bpf/hist.h"
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

/* The pieces of the report, shared with the kernel join (net_agg.c). */
struct net_flow_sum {
	char label[256];
	uint64_t messages;
	uint64_t count[SEG__N];
	double p50[SEG__N], p90[SEG__N], p99[SEG__N], mean[SEG__N]; /* ns */
	uint64_t log2_us[SEG__N][HIST_SLOTS];			    /* --hist */
};
void net_report_flow(FILE *out, const struct net_flow_sum *f, const struct net_report_opts *o);

struct net_second {
	uint64_t sec, n; /* wall-clock second, messages */
	double sum[SEG__N];
	uint64_t cnt[SEG__N];
};
void net_report_series_head(FILE *out, const char *label, const bool present[SEG__N],
			    const struct net_report_opts *o);
void net_report_second(FILE *out, const char *label, const struct net_second *s,
		       const bool present[SEG__N], const struct net_report_opts *o);

/* seg[g] < 0: segment unknown. */
void net_report_slow(FILE *out, const char *label, uint64_t t_ns, uint32_t len, int64_t total,
		     const int64_t seg[SEG__N], const struct net_report_opts *o);

struct net_summary {
	uint64_t records[5], no_match[5], orphans[5]; /* by boundary */
	uint64_t messages, sends, tx, complete, rx, ring_drops;
	bool kernel_join;
	uint64_t queue_full, flows_full; /* kernel join only */
};
void net_report_summary(FILE *out, const struct net_summary *s, const struct net_report_opts *o);

void net_report_print(FILE *out, const struct net_join *j, const struct net_report_opts *o,
		      const uint64_t ring_drops);

#endif
