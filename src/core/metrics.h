/* In-process metric registry behind `--serve` (/metrics, the web UI's JSON
 * APIs).
 *
 * Design: the event-loop thread is the only writer. Publishers (see
 * core/serve.h) read the BPF side (aggregation maps, loss counters) once per
 * second and store a snapshot here; the HTTP thread only renders what is
 * stored, under one mutex held for memory copies, so a slow or hostile
 * scraper never stalls the ring-buffer drain.
 *
 * Histograms mirror the kernel's log2 slots (bpf/hist.h). Kernel maps are
 * drained when a tool prints an interval (-i), so each series keeps a base
 * (everything drained so far) plus the live map content read at the last
 * publish: the exported value is base + live, monotonic as Prometheus
 * counters must be.
 *
 * Cardinality: each family holds at most metrics_series_limit() series; an
 * update that would create one more is refused and counted in
 * bpfscope_metric_series_overflow_total{metric="<family>"}. */
#ifndef BPFSCOPE_METRICS_H
#define BPFSCOPE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

#define METRIC_MAX_LABELS 8
#define METRIC_SLOTS	  64

struct metric_label {
	const char *name;  /* sanitized on store: [a-zA-Z_][a-zA-Z0-9_]* */
	const char *value; /* any bytes; escaped on output */
};

/* Declares a family (idempotent). name must be a valid metric name. */
int metrics_family(const char *name, enum metric_type type, const char *help);

/* Counter or gauge: set to value (counters: the cumulative value read from
 * the kernel). */
int metrics_set(const char *family, const struct metric_label *labels, int nlabels, double value);

/* A counter mirrored from a kernel map that tools drain per interval:
 * value is the drained amount (added to the base) or the map's current
 * content (live); exported as base + live. */
int metrics_counter_update(const char *family, const struct metric_label *labels, int nlabels,
			   double value, bool drained);

/* A log2 histogram (slot k >= 1 holds [2^(k-1), 2^k - 1], slot 0 the value
 * 0), values in raw units; scale converts a raw value to the exported unit
 * (1e-9 for nanoseconds -> seconds). sum_raw is the sum of raw values.
 * drained: these counts were removed from the kernel map (add them to the
 * base, forget the live part); otherwise they are the map's current content. */
struct metric_hist {
	const uint64_t *slots; /* METRIC_SLOTS entries */
	double sum_raw;
	double scale;
	/* linear slots instead (step > 0): slot k holds [min + k*step,
	 * min + (k+1)*step - 1], as core/hist's HIST_LINEAR */
	uint64_t linear_min, linear_step;
};
int metrics_hist_update(const char *family, const struct metric_label *labels, int nlabels,
			const struct metric_hist *h, bool drained);

/* Prometheus text exposition format 0.0.4; malloc'ed, *len set. */
char *metrics_render_text(size_t *len);
/* {"families":[{"name","type","help","series":[{"labels":{..},"value"} or
 *  {"labels","count","sum","buckets":[{"le":..,"count":..}] (non-cumulative)}]}]} */
struct json_object *metrics_to_json(void);

/* Value of one series (tests, UI): returns false when absent. For
 * histograms, the count. */
bool metrics_get(const char *family, const struct metric_label *labels, int nlabels, double *value);

void metrics_set_series_limit(int limit);
int metrics_series_limit(void);
/* Forgets everything (tests, end of a session). */
void metrics_reset(void);

/* Exposed for tests: Prometheus escaping of a label value / HELP text and
 * sanitizing of a label name, into buf (always NUL-terminated). */
void metrics_escape_label(const char *in, char *buf, size_t len);
void metrics_escape_help(const char *in, char *buf, size_t len);
void metrics_sanitize_name(const char *in, char *buf, size_t len);

#endif
