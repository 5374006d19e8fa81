/* `--serve` and `--otlp` for long-running commands: the glue between a
 * command's event loop and the HTTP server (core/httpd), the metric
 * registry (core/metrics) and the span exporter (core/otlp).
 *
 * Threads: the command's event loop calls the publishers once a second
 * (evloop background hook); each publisher reads its BPF state (loss
 * counters, aggregation maps) and stores a snapshot in core/metrics. Spans
 * are handed over as copies (serve_span). The HTTP thread answers from
 * those snapshots only:
 *
 *   /metrics            Prometheus text format
 *   /api/metrics        the same families as JSON (histograms per probe)
 *   /api/spans          the last SERVE_SPAN_RING spans (per-request table)
 *   /api/servicemap     who calls whom: caller -> peer, calls, mean latency
 *   /api/flame          folded stacks published by `profile` (flame graph)
 *   /api/net            one-way breakdown records published by `net`
 *   /api/crashes        the last crash reports (crash/published.h)
 *   /api/summary        events, drops, misses, errors, exporter queue
 *   /, /ui/...          the web UI (assets embedded in the binary)
 *
 * session_start starts it when the command's options ask for it, and
 * session_end stops it: a tool only adds publishers for its own state. */
#ifndef BPFSCOPE_SERVE_H
#define BPFSCOPE_SERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/options.h"

struct otlp_span;
struct json_object;

#define SERVE_SPAN_RING 512

/* Option parser of --serve (syntax only; binding happens at start). */
int serve_parse_option(const char *arg, void *dest);

/* Starts HTTP (opts->serve) and OTLP export (opts->otlp) when asked;
 * 0 when neither is. One error line and < 0 on failure. */
int serve_start(const struct common_opts *opts);
/* Publishes once more, flushes the exporter (bounded), stops all. */
void serve_stop(void);
/* True when metrics are served (publishers are worth running). */
bool serve_metrics_on(void);
/* True when spans are wanted: exported (--otlp) or shown (--serve). */
bool serve_spans_on(void);

/* Registered publishers run on the event-loop thread, once a second and
 * at stop. At most 16. */
typedef void (*serve_publish_fn)(void *ctx);
int serve_add_publisher(serve_publish_fn fn, void *ctx);
/* Runs every publisher now (the evloop hook and serve_stop call it). */
void serve_publish(void);

/* A finished span: queued for OTLP export and kept for the UI. */
void serve_span(const struct otlp_span *span);

/* Replaces a JSON document the UI shows ("flame": folded stacks, "net":
 * breakdown records); ownership of doc is taken. */
void serve_set_doc(const char *name, struct json_object *doc);

/* Publishes the loss counters of a session's event loop (session.c). */
struct evloop;
int serve_watch_loop(struct evloop *loop);

/* container, pod and namespace labels of a process, when it runs in one
 * (core/container: cgroup path, pod log directory): appended to labels
 * (at most max in all) from names, which must outlive the labels. Returns
 * the new count. */
struct k8s_names;
struct metric_label;
int serve_k8s_labels(uint32_t pid, struct metric_label *labels, int n, int max,
		     struct k8s_names *names);

/* For `bpfscope serve FILE`: routes without a session. */
int serve_start_static(const char *spec, const char *token_file);

#endif
