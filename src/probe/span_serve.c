/* See span_serve.h. */
#include "probe/span_serve.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/container.h"
#include "core/hist.h"
#include "core/metrics.h"
#include "core/otlp.h"
#include "core/serve.h"

#define SPAN_SERVE_MAX 64 /* spans per request converted */

static const char *const conn_names[] = {"connect", "accept", "close"};

static void publish_duration(const struct span_run *sr, const struct span_event *ev)
{
	uint64_t slots[METRIC_SLOTS] = {0}, d = ev->end_ns - ev->start_ns;
	struct metric_hist h = {slots, (double)d, 1e-9};
	struct metric_label l[2] = {{"probe", span_probe_name(sr, ev->probe)},
				    {"role", span_probe_role(sr, ev->probe)}};
	slots[hist_log2_slot(d, METRIC_SLOTS)] = 1;
	metrics_family("bpfscope_span_duration_seconds", METRIC_HISTOGRAM,
		       "request and child span durations per probe");
	metrics_hist_update("bpfscope_span_duration_seconds", l, 2, &h, true);
}

/* The peer with the most calls: the span's server.address/port. */
static void add_peer(struct otlp_span *s, const struct span_event *ev)
{
	const struct span_peer *best = NULL;
	char peer[64], *colon;

	for (unsigned i = 0; i < ev->npeers && i < SPAN_PEERS; i++)
		if (!best || ev->peers[i].calls > best->calls)
			best = &ev->peers[i];
	if (!best)
		return;
	span_peer_format(&best->peer, peer, sizeof(peer));
	if ((colon = strrchr(peer, ':')))
		*colon = 0;
	otlp_attr_str(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "server.address",
		      peer[0] == '[' ? peer + 1 : peer);
	if (peer[0] == '[' && strchr(peer, ']'))
		*strchr(s->attrs[s->nattrs - 1].str, ']') = 0;
	otlp_attr_int(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "server.port", best->peer.port);
	otlp_attr_int(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "bpfscope.peer.calls", best->calls);
	otlp_attr_int(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "bpfscope.peer.round_trips",
		      best->round_trips);
}

static void add_conns(struct otlp_span *s, const struct span_request *req, uint64_t span_id)
{
	char peer[64];

	for (int i = 0; i < req->nconns && s->nevents < OTLP_MAX_EVENTS; i++) {
		const struct span_conn_event *c = &req->conns[i].ev;
		struct otlp_event *e;

		if (c->span_id != span_id)
			continue;
		e = &s->events[s->nevents++];
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%s", conn_names[c->event % 3]);
		e->time_unix_ns = clock_mono_to_wall(c->ts_ns);
		otlp_attr_str(e->attrs, &e->nattrs, 2, "net.peer",
			      span_peer_format(&c->peer, peer, sizeof(peer)));
	}
}

static void convert(const struct span_run *sr, const struct span_request *req, int i,
		    const uint8_t trace_id[16], struct otlp_span *s)
{
	const struct span_rec *r = &req->spans[i];
	const struct span_event *ev = &r->ev;
	struct k8s_names k;
	char key[40];

	memset(s, 0, sizeof(*s));
	memcpy(s->trace_id, trace_id, 16);
	otlp_span_id(trace_id, ev->probe, ev->start_ns, ev->tid, s->span_id);
	snprintf(s->name, sizeof(s->name), "%s", span_probe_name(sr, ev->probe));
	s->kind = ev->depth ? OTLP_KIND_INTERNAL : OTLP_KIND_SERVER;
	s->start_unix_ns = clock_mono_to_wall(ev->start_ns);
	s->end_unix_ns = s->start_unix_ns + (ev->end_ns - ev->start_ns);
	s->error = ev->flags & SPAN_F_STALE;
	s->pid = ev->pid;
	snprintf(s->comm, sizeof(s->comm), "%s", ev->comm);
	k8s_names_of(0, (pid_t)ev->pid, &k);
	if (strcmp(k.container, "-"))
		snprintf(s->container_id, sizeof(s->container_id), "%s", k.container);
	if (strcmp(k.pod, "-")) {
		snprintf(s->pod, sizeof(s->pod), "%s", k.pod);
		snprintf(s->k8s_namespace, sizeof(s->k8s_namespace), "%s", k.ns);
	}
	otlp_attr_int(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "thread.id", ev->tid);
	otlp_attr_int(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "bpfscope.self_ns",
		      (int64_t)(ev->end_ns - ev->start_ns - ev->child_ns));
	add_peer(s, ev);
	for (int a = 0; a < r->nattrs; a++) {
		snprintf(key, sizeof(key), "bpfscope.%s", r->attrs[a].name);
		otlp_attr_str(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, key, r->attrs[a].value);
	}
	add_conns(s, req, ev->span_id);
}

void span_serve_request(const struct span_run *sr, const struct span_request *req)
{
	static struct otlp_span spans[SPAN_SERVE_MAX];
	const struct span_event *root;
	uint8_t trace_id[16];
	int n = req->nspans < SPAN_SERVE_MAX ? req->nspans : SPAN_SERVE_MAX;

	if (!req->nspans)
		return;
	for (int i = 0; serve_metrics_on() && i < req->nspans; i++)
		publish_duration(sr, &req->spans[i].ev);
	if (!serve_spans_on())
		return;
	root = &req->spans[req->nspans - 1].ev;
	otlp_trace_id_call(root->pid, root->tid, root->start_ns, trace_id);
	/* the root is last: convert it first so children find their parent */
	for (int i = 0; i < n; i++)
		convert(sr, req, req->nspans - 1 - i, trace_id, &spans[i]);
	for (int i = 1; i < n; i++) {
		const struct span_event *ev = &req->spans[req->nspans - 1 - i].ev;

		for (int p = 0; p < n; p++)
			if (req->spans[req->nspans - 1 - p].ev.span_id == ev->parent_id)
				memcpy(spans[i].parent_span_id, spans[p].span_id, 8);
	}
	for (int i = 0; i < n; i++)
		serve_span(&spans[i]);
}
