/* See serve.h. */
#include "core/serve.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/container.h"
#include "core/evloop.h"
#include "core/httpd.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/otlp.h"
#include "core/webassets.h"

#define MAX_PUBLISHERS 16
#define MAX_DOCS       4

static struct {
	serve_publish_fn fn;
	void *ctx;
} publishers[MAX_PUBLISHERS];
static int npublishers;
static bool http_on, spans_on;

/* The UI's view of recent spans and documents: written by the event loop,
 * read by the HTTP thread, both under this lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct otlp_span *ring;
static unsigned ring_next, ring_count;
static struct {
	const char *name;
	struct json_object *doc;
} docs[MAX_DOCS];

int serve_parse_option(const char *arg, void *dest)
{
	char norm[128];

	if (httpd_normalize_spec(arg, norm, sizeof(norm))) {
		log_error("--serve: expected [ADDR:]PORT (numeric address, [v6]:PORT), got '%s'",
			  arg);
		return -1;
	}
	*(const char **)dest = arg;
	return 0;
}

bool serve_metrics_on(void)
{
	return http_on;
}

bool serve_spans_on(void)
{
	return spans_on;
}

int serve_add_publisher(serve_publish_fn fn, void *ctx)
{
	if (npublishers == MAX_PUBLISHERS)
		return -E2BIG;
	publishers[npublishers].fn = fn;
	publishers[npublishers++].ctx = ctx;
	return 0;
}

static void publish_exporter(void)
{
	struct otlp_stats st;

	if (!otlp_running())
		return;
	otlp_get_stats(&st);
	metrics_family("bpfscope_otlp_spans_exported_total", METRIC_COUNTER,
		       "spans accepted by the OTLP endpoint");
	metrics_family("bpfscope_otlp_spans_dropped_total", METRIC_COUNTER,
		       "spans lost: queue full or export failed after retries");
	metrics_family("bpfscope_otlp_queue_spans", METRIC_GAUGE, "spans waiting for export");
	metrics_set("bpfscope_otlp_spans_exported_total", NULL, 0, (double)st.exported);
	metrics_set("bpfscope_otlp_spans_dropped_total",
		    &(struct metric_label){"reason", "queue_full"}, 1, (double)st.dropped_queue);
	metrics_set("bpfscope_otlp_spans_dropped_total",
		    &(struct metric_label){"reason", "export_failed"}, 1,
		    (double)st.dropped_export);
	metrics_set("bpfscope_otlp_queue_spans", NULL, 0, st.depth);
}

void serve_publish(void)
{
	for (int i = 0; i < npublishers; i++)
		publishers[i].fn(publishers[i].ctx);
	publish_exporter();
}

static void on_background(void *ctx)
{
	(void)ctx;
	serve_publish();
}

void serve_span(const struct otlp_span *span)
{
	if (otlp_running())
		otlp_submit(span);
	if (!http_on || !ring)
		return;
	pthread_mutex_lock(&lock);
	ring[ring_next] = *span;
	ring_next = (ring_next + 1) % SERVE_SPAN_RING;
	if (ring_count < SERVE_SPAN_RING)
		ring_count++;
	pthread_mutex_unlock(&lock);
}

void serve_set_doc(const char *name, struct json_object *doc)
{
	int slot = -1;

	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_DOCS && slot < 0; i++)
		if (!docs[i].name || !strcmp(docs[i].name, name))
			slot = i;
	if (slot >= 0) {
		json_object_put(docs[slot].doc);
		docs[slot].name = name;
		docs[slot].doc = doc;
	} else {
		json_object_put(doc);
	}
	pthread_mutex_unlock(&lock);
}

static int reply_json(struct httpd_response *resp, struct json_object *doc)
{
	size_t len;
	const char *text;

	if (!doc)
		return -ENOMEM;
	text = json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN, &len);
	resp->body = malloc(len + 1);
	if (resp->body) {
		memcpy(resp->body, text, len + 1);
		resp->len = len;
	}
	resp->content_type = "application/json";
	json_object_put(doc);
	return resp->body ? 0 : -ENOMEM;
}

static int get_metrics(void *ctx, const struct httpd_request *req, struct httpd_response *resp)
{
	(void)ctx;
	(void)req;
	resp->body = metrics_render_text(&resp->len);
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return resp->body ? 0 : -ENOMEM;
}

static int get_metrics_json(void *ctx, const struct httpd_request *req, struct httpd_response *resp)
{
	(void)ctx;
	(void)req;
	return reply_json(resp, metrics_to_json());
}

static const char *attr_of(const struct otlp_span *s, const char *key)
{
	for (int i = 0; i < s->nattrs; i++)
		if (!strcmp(s->attrs[i].key, key) && s->attrs[i].kind == OTLP_STR)
			return s->attrs[i].str;
	return NULL;
}

static struct json_object *span_row(const struct otlp_span *s)
{
	struct json_object *o = json_object_new_object(), *attrs = json_object_new_object();
	char hex[33];

	otlp_hex(s->trace_id, 16, hex);
	json_object_object_add(o, "trace_id", json_object_new_string(hex));
	otlp_hex(s->span_id, 8, hex);
	json_object_object_add(o, "span_id", json_object_new_string(hex));
	otlp_hex(s->parent_span_id, 8, hex);
	json_object_object_add(o, "parent_span_id", json_object_new_string(hex));
	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "pid", json_object_new_int64(s->pid));
	json_object_object_add(o, "comm", json_object_new_string(s->comm));
	json_object_object_add(o, "start_unix_ns", json_object_new_uint64(s->start_unix_ns));
	json_object_object_add(o, "duration_ns",
			       json_object_new_uint64(s->end_unix_ns - s->start_unix_ns));
	for (int i = 0; i < s->nattrs; i++)
		json_object_object_add(attrs, s->attrs[i].key,
				       s->attrs[i].kind == OTLP_STR
					   ? json_object_new_string(s->attrs[i].str)
					   : json_object_new_int64(s->attrs[i].i));
	json_object_object_add(o, "attributes", attrs);
	return o;
}

static int64_t int_attr_of(const struct otlp_span *s, const char *key)
{
	for (int i = 0; i < s->nattrs; i++)
		if (!strcmp(s->attrs[i].key, key) && s->attrs[i].kind == OTLP_INT)
			return s->attrs[i].i;
	return 0;
}

/* Newest first. */
static int get_spans(void *ctx, const struct httpd_request *req, struct httpd_response *resp)
{
	struct json_object *arr = json_object_new_array(), *root = json_object_new_object();

	(void)ctx;
	(void)req;
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < ring_count; i++)
		json_object_array_add(
		    arr, span_row(&ring[(ring_next + SERVE_SPAN_RING - 1 - i) % SERVE_SPAN_RING]));
	pthread_mutex_unlock(&lock);
	json_object_object_add(root, "spans", arr);
	return reply_json(resp, root);
}

/* first_ns/last_ns of an edge: the window its calls/s is measured over. */
static void edge_window(struct json_object *e, const struct otlp_span *s)
{
	struct json_object *v;

	if (!json_object_object_get_ex(e, "first_ns", &v) ||
	    json_object_get_int64(v) > (int64_t)s->start_unix_ns)
		json_object_object_add(e, "first_ns",
				       json_object_new_int64((int64_t)s->start_unix_ns));
	if (!json_object_object_get_ex(e, "last_ns", &v) ||
	    json_object_get_int64(v) < (int64_t)s->end_unix_ns)
		json_object_object_add(e, "last_ns",
				       json_object_new_int64((int64_t)s->end_unix_ns));
}

/* caller (comm) -> peer (server.address:port): calls, total latency and
 * the time window of the spans kept that have a peer. */
static int get_servicemap(void *ctx, const struct httpd_request *req, struct httpd_response *resp)
{
	struct json_object *edges = json_object_new_object(), *root = json_object_new_object();
	struct json_object *list = json_object_new_array();

	(void)ctx;
	(void)req;
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < ring_count; i++) {
		const struct otlp_span *s = &ring[i];
		const char *addr = attr_of(s, "server.address");
		char key[300], peer[160];
		struct json_object *e;

		if (!addr) /* a call without a peer is not an edge */
			continue;
		snprintf(peer, sizeof(peer), "%s:%lld", addr,
			 (long long)int_attr_of(s, "server.port"));
		snprintf(key, sizeof(key), "%s\t%s", s->comm[0] ? s->comm : "?", peer);
		if (!json_object_object_get_ex(edges, key, &e)) {
			e = json_object_new_object();
			json_object_object_add(e, "from", json_object_new_string(s->comm));
			json_object_object_add(e, "to", json_object_new_string(peer));
			json_object_object_add(e, "calls", json_object_new_int64(0));
			json_object_object_add(e, "total_ns", json_object_new_int64(0));
			json_object_object_add(edges, key, e);
		}
		json_object_object_add(
		    e, "calls",
		    json_object_new_int64(
			json_object_get_int64(json_object_object_get(e, "calls")) + 1));
		json_object_object_add(
		    e, "total_ns",
		    json_object_new_int64(
			json_object_get_int64(json_object_object_get(e, "total_ns")) +
			(int64_t)(s->end_unix_ns - s->start_unix_ns)));
		edge_window(e, s);
	}
	pthread_mutex_unlock(&lock);
	json_object_object_foreach(edges, k, v)
	{
		(void)k;
		json_object_array_add(list, json_object_get(v));
	}
	json_object_put(edges);
	json_object_object_add(root, "edges", list);
	return reply_json(resp, root);
}

/* The document is rendered under the lock: json-c's reference counts and
 * print buffers are not thread-safe, and the event loop replaces documents. */
static int get_doc(void *ctx, const struct httpd_request *req, struct httpd_response *resp)
{
	const char *name = ctx, *text;
	size_t len = 0;
	bool found = false;

	(void)req;
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_DOCS && !found; i++) {
		if (!docs[i].name || strcmp(docs[i].name, name) || !docs[i].doc)
			continue;
		found = true;
		text = json_object_to_json_string_length(docs[i].doc, JSON_C_TO_STRING_PLAIN, &len);
		resp->body = malloc(len + 1);
		if (resp->body)
			memcpy(resp->body, text, len + 1);
	}
	pthread_mutex_unlock(&lock);
	if (!found)
		return reply_json(resp, json_object_new_object());
	resp->len = len;
	resp->content_type = "application/json";
	return resp->body ? 0 : -ENOMEM;
}

static void add_summary_counter(struct json_object *root, const char *family, const char *key)
{
	double v;

	if (metrics_get(family, NULL, 0, &v))
		json_object_object_add(root, key, json_object_new_double(v));
}

static int get_summary(void *ctx, const struct httpd_request *req, struct httpd_response *resp)
{
	struct json_object *root = json_object_new_object();
	struct otlp_stats st;

	(void)ctx;
	(void)req;
	add_summary_counter(root, "bpfscope_events_total", "events");
	add_summary_counter(root, "bpfscope_ringbuf_drops_total", "drops");
	add_summary_counter(root, "bpfscope_program_misses_total", "misses");
	add_summary_counter(root, "bpfscope_read_errors_total", "errors");
	if (otlp_running()) {
		otlp_get_stats(&st);
		json_object_object_add(root, "otlp_exported", json_object_new_uint64(st.exported));
		json_object_object_add(
		    root, "otlp_dropped",
		    json_object_new_uint64(st.dropped_queue + st.dropped_export));
	}
	return reply_json(resp, root);
}

static int get_asset(void *ctx, const struct httpd_request *req, struct httpd_response *resp)
{
	const struct web_asset *a =
	    web_asset_find(strcmp(req->path, "/") ? req->path : "/index.html");

	(void)ctx;
	if (!a) {
		resp->status = 404;
		resp->static_body = "not found\n";
		resp->len = strlen("not found\n");
		return 0;
	}
	resp->static_body = a->data;
	resp->len = a->len;
	resp->content_type = a->content_type;
	return 0;
}

static int add_routes(void)
{
	int err = 0;

	err = err ?: httpd_route("/metrics", false, get_metrics, NULL);
	err = err ?: httpd_route("/api/metrics", false, get_metrics_json, NULL);
	err = err ?: httpd_route("/api/spans", false, get_spans, NULL);
	err = err ?: httpd_route("/api/servicemap", false, get_servicemap, NULL);
	err = err ?: httpd_route("/api/flame", false, get_doc, "flame");
	err = err ?: httpd_route("/api/net", false, get_doc, "net");
	err = err ?: httpd_route("/api/crashes", false, get_doc, "crashes");
	err = err ?: httpd_route("/api/summary", false, get_summary, NULL);
	err = err ?: httpd_route("/", true, get_asset, NULL);
	return err;
}

static void publish_loss(void *ctx)
{
	struct evloop_stats st;

	evloop__stats(ctx, &st);
	metrics_family("bpfscope_events_total", METRIC_COUNTER,
		       "events submitted by the BPF programs");
	metrics_family("bpfscope_ringbuf_drops_total", METRIC_COUNTER,
		       "events lost because the ring buffer was full");
	metrics_family("bpfscope_program_misses_total", METRIC_COUNTER,
		       "BPF program runs skipped by the kernel (recursion misses)");
	metrics_family("bpfscope_read_errors_total", METRIC_COUNTER,
		       "failed memory reads in BPF programs");
	metrics_set("bpfscope_events_total", NULL, 0, (double)st.submitted);
	metrics_set("bpfscope_ringbuf_drops_total", NULL, 0, (double)st.drops);
	metrics_set("bpfscope_program_misses_total", NULL, 0, (double)st.misses);
	metrics_set("bpfscope_read_errors_total", NULL, 0, (double)st.errors);
}

int serve_k8s_labels(uint32_t pid, struct metric_label *labels, int n, int max,
		     struct k8s_names *names)
{
	k8s_names_of(0, (pid_t)pid, names);
	if (strcmp(names->container, "-") && n < max)
		labels[n++] = (struct metric_label){"container", names->container};
	if (strcmp(names->pod, "-") && n + 1 < max) {
		labels[n++] = (struct metric_label){"pod", names->pod};
		labels[n++] = (struct metric_label){"namespace", names->ns};
	}
	return n;
}

int serve_start_static(const char *spec, const char *token_file)
{
	int err = add_routes();

	if (!err)
		err = httpd_start(spec, token_file);
	http_on = !err;
	if (!err && !ring)
		ring = calloc(SERVE_SPAN_RING, sizeof(*ring));
	return err;
}

int serve_start(const struct common_opts *opts)
{
	int err = 0;

	if (opts->otlp_protobuf && !opts->otlp) {
		log_error("--otlp-protobuf needs --otlp");
		return -EINVAL;
	}
	if (opts->token_file && !opts->serve) {
		log_error("--token-file needs --serve");
		return -EINVAL;
	}
	if (opts->serve && (err = serve_start_static(opts->serve, opts->token_file)))
		return err;
	if (opts->otlp && (err = otlp_start(opts->otlp, opts->otlp_protobuf))) {
		serve_stop();
		return err;
	}
	spans_on = http_on || otlp_running();
	if (http_on || spans_on)
		evloop_set_background(on_background, NULL, 1.0);
	return 0;
}

/* The loss counters of a session's loop (session.c calls it). */
int serve_watch_loop(struct evloop *loop)
{
	return http_on ? serve_add_publisher(publish_loss, loop) : 0;
}

void serve_stop(void)
{
	if (http_on || otlp_running())
		serve_publish();
	evloop_set_background(NULL, NULL, 0);
	if (otlp_running()) {
		struct otlp_stats st;

		otlp_stop(5.0);
		otlp_get_stats(&st);
		fprintf(stderr,
			"bpfscope: otlp: %llu spans exported, %llu dropped (%llu queue full or "
			"unsent at exit, %llu export failed), %llu retries\n",
			(unsigned long long)st.exported,
			(unsigned long long)(st.dropped_queue + st.dropped_export),
			(unsigned long long)st.dropped_queue, (unsigned long long)st.dropped_export,
			(unsigned long long)st.retries);
	}
	httpd_stop();
	http_on = spans_on = false;
	npublishers = 0;
	pthread_mutex_lock(&lock);
	free(ring);
	ring = NULL;
	ring_count = ring_next = 0;
	for (int i = 0; i < MAX_DOCS; i++) {
		json_object_put(docs[i].doc);
		docs[i].doc = NULL;
		docs[i].name = NULL;
	}
	pthread_mutex_unlock(&lock);
}
