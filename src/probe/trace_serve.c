/* See trace_serve.h. */
#include "probe/trace_serve.h"

#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/container.h"
#include "core/evloop.h"
#include "core/metrics.h"
#include "core/otlp.h"
#include "core/serve.h"
#include "probe.skel.h"
#include "probe/print.h"
#include "probe/trace_run.h"

static const struct {
	int stat;
	const char *family, *help;
} probe_counters[] = {
    {PSTAT_HITS, "bpfscope_probe_hits_total", "times the probe fired"},
    {PSTAT_EMITTED, "bpfscope_probe_emitted_total", "events written or aggregated"},
    {PSTAT_FILTERED, "bpfscope_probe_filtered_total", "hits whose predicate was false"},
    {PSTAT_SAMPLED, "bpfscope_probe_sampled_out_total", "hits skipped by --sample"},
    {PSTAT_DROPS, "bpfscope_probe_dropped_total", "events lost: ring buffer or map full"},
    {PSTAT_STALE, "bpfscope_probe_stale_total", "entries whose return never came"},
    {PSTAT_UNPAIRED, "bpfscope_probe_unpaired_total", "returns without a recorded entry"},
    {PSTAT_ERRORS, "bpfscope_probe_read_errors_total", "failed memory reads"},
};

#define NCOUNTERS (sizeof(probe_counters) / sizeof(probe_counters[0]))

static void publish_counters(struct trace_run *tr)
{
	int fd = bpf_map__fd(tr->skel->maps.probe_stats);

	for (size_t c = 0; c < NCOUNTERS; c++) {
		metrics_family(probe_counters[c].family, METRIC_COUNTER, probe_counters[c].help);
		for (int i = 0; i < tr->nprobes; i++) {
			struct metric_label l = {"probe", tr->probes[i].ast->text};
			uint32_t key = (uint32_t)(i * PSTAT__COUNT + probe_counters[c].stat);

			metrics_set(probe_counters[c].family, &l, 1,
				    (double)bpfmap_percpu_sum(fd, key));
		}
	}
}

static void publish(void *ctx)
{
	struct trace_run *tr = ctx;

	publish_counters(tr);
	trace_snapshot_aggs(tr);
	trace_serve_flush(tr, false);
}

int trace_serve_init(struct trace_run *tr)
{
	return serve_metrics_on() ? serve_add_publisher(publish, tr) : 0;
}

/* probe label + one label per aggregation key (values as printed); a pid
 * key also gets the process's container/pod/namespace when it has them. */
static int agg_labels(const struct traced_probe *p, const struct probe_agg_key *key,
		      struct metric_label *labels, char (*names)[100], char (*vals)[256],
		      struct k8s_names *k8s)
{
	int n = 0, pid_key = -1;

	labels[n++] = (struct metric_label){"probe", p->ast->text};
	for (int i = 0; i < p->cp.nkeys && n < METRIC_MAX_LABELS; i++, n++) {
		const struct field *f = &p->cp.keys[i];

		probe_field_text(f, key->data, vals[n], sizeof(vals[n]));
		snprintf(names[n], sizeof(names[n]), "%s",
			 f->fmt == FMT_SOCKADDR ? "peer" : "key_");
		if (f->fmt != FMT_SOCKADDR)
			snprintf(names[n] + 4, sizeof(names[n]) - 4, "%s", f->label);
		labels[n] = (struct metric_label){names[n], vals[n]};
		if (!strcmp(f->label, "pid"))
			pid_key = n;
	}
	if (pid_key >= 0)
		n = serve_k8s_labels((uint32_t)atoi(vals[pid_key]), labels, n, METRIC_MAX_LABELS,
				     k8s);
	return n;
}

void trace_serve_agg(const struct trace_run *tr, const struct probe_agg_key *key,
		     const struct probe_agg_value *value, bool drained)
{
	const struct traced_probe *p;
	struct metric_label labels[METRIC_MAX_LABELS];
	char names[METRIC_MAX_LABELS][100], vals[METRIC_MAX_LABELS][256];
	struct k8s_names k8s;
	bool duration;
	int n;

	if (!serve_metrics_on() || key->probe >= (unsigned)tr->nprobes)
		return;
	p = &tr->probes[key->probe];
	n = agg_labels(p, key, labels, names, vals, &k8s);
	duration = !strcmp(p->cp.value_label, "duration");
	switch (p->cp.cfg.output) {
	case OUTPUT_HIST: {
		const char *fam =
		    duration ? "bpfscope_probe_duration_seconds" : "bpfscope_probe_value";
		struct metric_hist h = {(const uint64_t *)value->slots, (double)value->sum,
					duration ? 1e-9 : 1};

		metrics_family(fam, METRIC_HISTOGRAM,
			       duration ? "call duration (entry to return)"
					: "distribution of a probe's hist() value");
		metrics_hist_update(fam, labels, n, &h, drained);
		break;
	}
	case OUTPUT_COUNT:
		metrics_family("bpfscope_probe_count_total", METRIC_COUNTER,
			       "count() aggregation of a probe");
		metrics_counter_update("bpfscope_probe_count_total", labels, n,
				       (double)value->count, drained);
		break;
	case OUTPUT_SUM:
		metrics_family("bpfscope_probe_sum_total", METRIC_COUNTER,
			       "sum() aggregation of a probe");
		metrics_counter_update("bpfscope_probe_sum_total", labels, n, (double)value->sum,
				       drained);
		break;
	default: break;
	}
}

/* ---- spans ---- */

struct pending {
	struct otlp_span span;
	uint32_t tid;
	uint64_t start_mono, end_mono;
	bool has_parent;
};

static struct pending *pending;
static int npending;

static void add_field_attrs(struct otlp_span *s, const struct traced_probe *p, const void *rec)
{
	char val[256], key[64];

	for (int i = 0; i < p->cp.nfields; i++) {
		const struct field *f = &p->cp.fields[i];
		char *colon;

		probe_field_text(f, rec, val, sizeof(val));
		if (f->fmt == FMT_SOCKADDR && (colon = strrchr(val, ':'))) {
			*colon = 0;
			otlp_attr_str(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "server.address", val);
			otlp_attr_int(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "server.port",
				      atoi(colon + 1));
			continue;
		}
		snprintf(key, sizeof(key), "probe.%s", f->label);
		otlp_attr_str(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, key, val);
	}
}

static void fill_resource(struct otlp_span *s, uint32_t pid, const char *comm)
{
	struct k8s_names k;

	s->pid = pid;
	snprintf(s->comm, sizeof(s->comm), "%s", comm);
	k8s_names_of(0, (pid_t)pid, &k);
	if (strcmp(k.container, "-"))
		snprintf(s->container_id, sizeof(s->container_id), "%s", k.container);
	if (strcmp(k.pod, "-")) {
		snprintf(s->pod, sizeof(s->pod), "%s", k.pod);
		snprintf(s->k8s_namespace, sizeof(s->k8s_namespace), "%s", k.ns);
	}
}

/* Hands over the pending spans that ended before `before` (all: every
 * one), keeping the others in order. */
static void release(uint64_t before, bool all)
{
	int kept = 0;

	for (int i = 0; i < npending; i++) {
		struct pending *e = &pending[i];

		if (all || e->end_mono < before)
			serve_span(&e->span);
		else if (kept != i)
			pending[kept++] = *e;
		else
			kept++;
	}
	npending = kept;
}

/* The new span adopts the pending spans of its thread inside its interval.
 * Pending spans are in ring-buffer (return) order, and a child returned
 * after its parent started: scan back only that far (the scan is bounded
 * by the spans that ended during the parent). */
static void adopt_children(const struct pending *parent)
{
	for (int i = npending - 1; i >= 0; i--) {
		struct pending *c = &pending[i];

		/* 1 ms of slack: CPUs take time stamps and reserve ring space
		 * in slightly different orders */
		if (c->end_mono + 1000000 < parent->start_mono)
			break;
		if (c == parent || c->tid != parent->tid || c->start_mono < parent->start_mono ||
		    c->end_mono > parent->end_mono)
			continue;
		memcpy(c->span.trace_id, parent->span.trace_id, 16);
		if (!c->has_parent) {
			memcpy(c->span.parent_span_id, parent->span.span_id, 8);
			c->has_parent = true;
		}
	}
}

void trace_serve_event(struct trace_run *tr, const struct traced_probe *p,
		       const struct probe_event *h)
{
	struct pending *e;
	struct otlp_span *s;

	(void)tr;
	if (!serve_spans_on() || p->ast->kind != TARGET_URETPROBE)
		return;
	if (!pending && !(pending = calloc(TRACE_SPAN_PENDING, sizeof(*pending))))
		return;
	if (npending == TRACE_SPAN_PENDING)
		release(0, true); /* a burst: release (unnested) rather than lose */
	e = &pending[npending++];
	memset(e, 0, sizeof(*e));
	s = &e->span;
	e->tid = h->tid;
	e->end_mono = h->ts_ns;
	e->start_mono = h->ts_ns - h->duration_ns;
	otlp_trace_id_call(h->pid, h->tid, e->start_mono, s->trace_id);
	otlp_span_id(s->trace_id, h->probe, e->start_mono, h->tid, s->span_id);
	snprintf(s->name, sizeof(s->name), "%s", p->ast->function);
	s->kind = OTLP_KIND_INTERNAL;
	s->start_unix_ns = clock_mono_to_wall(e->start_mono);
	s->end_unix_ns = s->start_unix_ns + h->duration_ns;
	otlp_attr_str(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "code.function", p->ast->function);
	otlp_attr_str(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "bpfscope.probe", p->ast->text);
	otlp_attr_int(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "thread.id", h->tid);
	add_field_attrs(s, p, h);
	fill_resource(s, h->pid, h->comm);
	adopt_children(e);
}

void trace_serve_flush(struct trace_run *tr, bool final)
{
	uint64_t now = clock_mono_ns();

	(void)tr;
	release(now > TRACE_SPAN_HOLD_NS ? now - TRACE_SPAN_HOLD_NS : 0, final);
	if (final) {
		free(pending);
		pending = NULL;
	}
}
