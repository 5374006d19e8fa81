/* `trace --serve/--otlp`: what the probe engine publishes.
 *
 * Metrics (core/metrics), refreshed once a second by a publisher on the
 * event-loop thread:
 *   bpfscope_probe_{hits,emitted,filtered,dropped,stale,unpaired,read_errors}_total{probe}
 *   bpfscope_probe_duration_seconds{probe,<keys>}   hist(duration), log2 buckets
 *   bpfscope_probe_value{probe,<keys>}              hist()/lhist() of other values
 *   bpfscope_probe_count_total / _sum_total{probe,<keys>}  count() / sum()
 * Aggregation keys become labels (key_<name>; a socket address key is
 * "peer"), bounded by the registry's series limit.
 *
 * Spans: every paired return event (r: probes) is a span from entry to
 * return. Spans of one thread nest by time: a span whose interval lies
 * inside a later-returning span of the same thread becomes its child and
 * takes its trace id. Since children return first, finished spans wait in
 * a bounded pending list and are released once no span of their thread
 * can contain them any more: TRACE_SPAN_HOLD_NS after they ended, or when
 * the run stops. */
#ifndef BPFSCOPE_PROBE_TRACE_SERVE_H
#define BPFSCOPE_PROBE_TRACE_SERVE_H

#include <stdbool.h>

#include "bpf/probe.h"

struct trace_run;
struct traced_probe;

#define TRACE_SPAN_HOLD_NS 2000000000ULL
#define TRACE_SPAN_PENDING 4096

/* Registers the publisher when --serve is on. */
int trace_serve_init(struct trace_run *tr);
/* Aggregation entry summed over CPUs; drained: it was removed from the map. */
void trace_serve_agg(const struct trace_run *tr, const struct probe_agg_key *key,
		     const struct probe_agg_value *value, bool drained);
/* A probe event (only return events make spans). */
void trace_serve_event(struct trace_run *tr, const struct traced_probe *p,
		       const struct probe_event *h);
/* Releases pending spans (all of them when final). */
void trace_serve_flush(struct trace_run *tr, bool final);

#endif
