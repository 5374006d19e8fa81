/* bpfscope serve FILE: browse a record file (docs/record-schema.md) in the
 * web UI, scrape it as /metrics, or export its spans with --otlp.
 *
 * The story: open the SQLite file read-only, check the schema version, load
 * the spans (ids, parents, probes, peers, attributes), turn each into an
 * OTLP span (trace id from the root's pid, tid and start, as for live
 * spans), publish per-probe duration histograms and the recorded losses as
 * metrics, then serve until Ctrl-C or -d. With --otlp every span is queued
 * (waiting for room, so nothing is dropped for lack of queue) and the run
 * ends once the exporter is done when no --serve was given. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf/common.h"
#include "bpf/hist.h"
#include "core/cmd.h"
#include "core/evloop.h"
#include "core/hist.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/otlp.h"
#include "core/serve.h"

static const struct cmd_spec spec = {
    .name = "serve",
    .summary = "serve a record file: web UI, /metrics, or --otlp export of its spans",
    .args = "FILE",
    .details = "FILE is a record file (bpfscope record -o FILE, docs/record-schema.md).\n"
	       "Example: bpfscope serve --serve 9464 requests.db, then open\n"
	       "http://127.0.0.1:9464/#requests. See docs/serve.md.",
    .opts = (const struct opt_def[]){{0}},
    .common = COMMON_DURATION | COMMON_SERVE,
    .max_args = 1,
};

struct file_span {
	int64_t id, root, parent, probe, pid, tid, start, duration;
	struct otlp_span span;
};

struct record {
	sqlite3 *db;
	struct file_span *spans;
	size_t n;
	char (*probe_names)[64];
	int nprobes;
};

static int64_t col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_int64(st, i);
}

static int open_record(const char *path, struct record *r)
{
	sqlite3_stmt *st = NULL;
	int ok;

	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1,
			       &st, NULL) != SQLITE_OK) {
		log_error("%s: not a record file (%s)", path,
			  r->db ? sqlite3_errmsg(r->db) : "no memory");
		sqlite3_finalize(st);
		return -EINVAL;
	}
	ok = sqlite3_step(st) == SQLITE_ROW &&
	     !strcmp((const char *)sqlite3_column_text(st, 0), "1");
	sqlite3_finalize(st);
	if (!ok) {
		log_error("%s: record schema version is not 1", path);
		return -EINVAL;
	}
	return 0;
}

static int load_probes(struct record *r)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(r->db, "SELECT id, name FROM probes ORDER BY id", -1, &st, NULL))
		return -EINVAL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = col(st, 0);
		char(*grown)[64];

		if (id < 0 || id > 1024)
			continue;
		if (id >= r->nprobes) {
			grown = realloc(r->probe_names, (id + 1) * sizeof(*grown));
			if (!grown)
				break;
			memset(grown + r->nprobes, 0, (id + 1 - r->nprobes) * sizeof(*grown));
			r->probe_names = grown;
			r->nprobes = (int)id + 1;
		}
		snprintf(r->probe_names[id], sizeof(r->probe_names[id]), "%s",
			 (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return 0;
}

static const char *probe_name(const struct record *r, int64_t id)
{
	return id >= 0 && id < r->nprobes && r->probe_names[id][0] ? r->probe_names[id] : "span";
}

static struct file_span *find_span(const struct record *r, int64_t id)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->spans[mid].id == id)
			return &r->spans[mid];
		if (r->spans[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int load_spans(struct record *r)
{
	sqlite3_stmt *st;
	size_t cap = 0;

	if (sqlite3_prepare_v2(r->db,
			       "SELECT id, root_id, coalesce(parent_id, -1), probe_id, pid, "
			       "tid, start_ns, duration_ns FROM spans ORDER BY id",
			       -1, &st, NULL))
		return -EINVAL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct file_span *s;

		if (r->n == cap) {
			struct file_span *grown;

			cap = cap ? 2 * cap : 1024;
			if (!(grown = realloc(r->spans, cap * sizeof(*grown))))
				break;
			r->spans = grown;
		}
		s = &r->spans[r->n++];
		memset(s, 0, sizeof(*s));
		s->id = col(st, 0), s->root = col(st, 1), s->parent = col(st, 2);
		s->probe = col(st, 3), s->pid = col(st, 4), s->tid = col(st, 5);
		s->start = col(st, 6), s->duration = col(st, 7);
	}
	sqlite3_finalize(st);
	return 0;
}

/* Ids: trace from the root (pid, tid, start), span from (trace, probe, start, tid). */
static void make_ids(struct record *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct file_span *s = &r->spans[i], *root = find_span(r, s->root);

		if (!root)
			root = s;
		otlp_trace_id_call((uint32_t)root->pid, (uint32_t)root->tid, (uint64_t)root->start,
				   s->span.trace_id);
		otlp_span_id(s->span.trace_id, (uint32_t)s->probe, (uint64_t)s->start,
			     (uint32_t)s->tid, s->span.span_id);
	}
	for (size_t i = 0; i < r->n; i++) {
		struct file_span *p =
		    r->spans[i].parent >= 0 ? find_span(r, r->spans[i].parent) : NULL;

		if (p)
			memcpy(r->spans[i].span.parent_span_id, p->span.span_id, 8);
	}
}

static void fill_span(struct record *r, struct file_span *s)
{
	struct otlp_span *o = &s->span;

	snprintf(o->name, sizeof(o->name), "%s", probe_name(r, s->probe));
	o->kind = s->parent < 0 ? OTLP_KIND_SERVER : OTLP_KIND_INTERNAL;
	o->start_unix_ns = (uint64_t)s->start;
	o->end_unix_ns = (uint64_t)(s->start + s->duration);
	o->pid = (uint32_t)s->pid;
	snprintf(o->comm, sizeof(o->comm), "%s", probe_name(r, r->spans[0].probe));
	otlp_attr_int(o->attrs, &o->nattrs, OTLP_MAX_ATTRS, "thread.id", s->tid);
}

/* Attributes and the busiest peer (server.address/port) of each span. */
static void load_details(struct record *r)
{
	sqlite3_stmt *st;
	char key[64];

	if (!sqlite3_prepare_v2(r->db, "SELECT span_id, name, value FROM span_attrs", -1, &st,
				NULL)) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct file_span *s = find_span(r, col(st, 0));

			snprintf(key, sizeof(key), "bpfscope.%s",
				 (const char *)sqlite3_column_text(st, 1));
			if (s)
				otlp_attr_str(s->span.attrs, &s->span.nattrs, OTLP_MAX_ATTRS, key,
					      (const char *)sqlite3_column_text(st, 2));
		}
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(r->db,
			       "SELECT span_id, peer, max(calls) FROM span_peers "
			       "GROUP BY span_id",
			       -1, &st, NULL))
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct file_span *s = find_span(r, col(st, 0));
		char peer[96], *colon;

		snprintf(peer, sizeof(peer), "%s", (const char *)sqlite3_column_text(st, 1));
		if (!s || !(colon = strrchr(peer, ':')))
			continue;
		*colon = 0;
		otlp_attr_str(s->span.attrs, &s->span.nattrs, OTLP_MAX_ATTRS, "server.address",
			      peer);
		otlp_attr_int(s->span.attrs, &s->span.nattrs, OTLP_MAX_ATTRS, "server.port",
			      atoi(colon + 1));
	}
	sqlite3_finalize(st);
}

/* bpfscope_span_duration_seconds{probe} from every span of the file, and
 * bpfscope_record_losses_total{probe,what}. */
static void publish_record(struct record *r)
{
	struct hist_view v = {HIST_LOG2, 0, 1, NULL, HIST_SLOTS, "nsecs"};
	sqlite3_stmt *st;

	metrics_family("bpfscope_span_duration_seconds", METRIC_HISTOGRAM,
		       "recorded span durations per probe");
	for (int p = 0; p < r->nprobes; p++) {
		uint64_t slots[HIST_SLOTS] = {0};
		struct metric_hist h = {slots, 0, 1e-9};
		bool any = false;

		v.slots = slots;
		for (size_t i = 0; i < r->n; i++)
			if (r->spans[i].probe == p) {
				hist_add(&v, slots, (uint64_t)r->spans[i].duration);
				h.sum_raw += (double)r->spans[i].duration;
				any = true;
			}
		if (any)
			metrics_hist_update("bpfscope_span_duration_seconds",
					    &(struct metric_label){"probe", probe_name(r, p)}, 1,
					    &h, true);
	}
	metrics_family("bpfscope_record_losses_total", METRIC_COUNTER,
		       "losses the recorder counted");
	if (sqlite3_prepare_v2(r->db, "SELECT coalesce(probe_id, -1), what, count FROM losses", -1,
			       &st, NULL))
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct metric_label l[2] = {
		    {"probe", col(st, 0) < 0 ? "" : probe_name(r, col(st, 0))},
		    {"what", (const char *)sqlite3_column_text(st, 1)},
		};

		metrics_set("bpfscope_record_losses_total", l, 2, (double)col(st, 2));
	}
	sqlite3_finalize(st);
}

/* Every span to the UI ring and the exporter; waits for queue room. */
static void hand_over(struct record *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct otlp_stats st;

		for (int tries = 0; otlp_running() && tries < 500; tries++) {
			otlp_get_stats(&st);
			if (st.depth < OTLP_QUEUE - 1)
				break;
			nanosleep(&(struct timespec){0, 10000000L}, NULL);
		}
		serve_span(&r->spans[i].span);
	}
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct record r = {0};
	struct evloop *loop;
	int err;

	if (argc != 1) {
		log_error("expected one record file (see 'bpfscope serve --help')");
		return 2;
	}
	if (!opts->serve && !opts->otlp) {
		log_error("nothing to do: give --serve [ADDR:]PORT and/or --otlp URL");
		return 2;
	}
	err = open_record(argv[0], &r);
	if (!err)
		err = load_probes(&r) ?: load_spans(&r);
	if (!err) {
		make_ids(&r);
		for (size_t i = 0; i < r.n; i++)
			fill_span(&r, &r.spans[i]);
		load_details(&r);
	}
	if (!err)
		err = serve_start(opts);
	if (!err) {
		publish_record(&r);
		hand_over(&r);
		fprintf(stderr, "bpfscope: %zu spans from %s\n", r.n, argv[0]);
		loop = evloop__new();
		if (opts->serve && loop) /* until Ctrl-C or -d */
			evloop__run(loop, opts->duration, 0, NULL, NULL);
		evloop__free(loop);
		serve_stop(); /* --otlp: waits for the exporter */
	}
	sqlite3_close(r.db);
	free(r.spans);
	free(r.probe_names);
	return err == -EINVAL ? 2 : err ? 1 : 0;
}

static const struct command cmd_serve = {&spec, run, false};
REGISTER_COMMAND(cmd_serve);
