/* See net_serve.h. */
#include "tools/net_serve.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/otlp.h"
#include "core/serve.h"
#include "tools/net_report.h"

void net_serve_add(struct net_serve *ns, const struct net_rec *r)
{
	if (!serve_metrics_on() || ns->n >= ns->max)
		return;
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? 2 * ns->cap : 1024;
		struct net_rec *bigger = realloc(ns->recs, cap * sizeof(*bigger));

		if (!bigger)
			return;
		ns->recs = bigger;
		ns->cap = cap;
	}
	ns->recs[ns->n++] = *r;
}

/* The JSON lines of net_report_print: keep the "flow" objects. */
static struct json_object *flows_of(char *text)
{
	struct json_object *doc = json_object_new_object(), *flows = json_object_new_array();
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(line), *type;

		if (o && json_object_object_get_ex(o, "type", &type) &&
		    !strcmp(json_object_get_string(type), "flow"))
			json_object_array_add(flows, o);
		else
			json_object_put(o);
	}
	json_object_object_add(doc, "flows", flows);
	return doc;
}

void net_serve_publish(void *ctx)
{
	struct net_serve *ns = ctx;
	struct net_join *j = net_join__new();
	struct net_report_opts o = {OUT_JSON, 0, false, false, NULL};
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (!j || net_join__host(j, ns->host) != 0) {
		net_join__free(j);
		return;
	}
	for (size_t i = 0; i < ns->n; i++)
		net_join__add(j, &ns->recs[i]);
	out = open_memstream(&text, &len);
	if (out && !net_join__run(j, 0)) {
		net_report_print(out, j, &o, 0);
		fflush(out);
		serve_set_doc("net", flows_of(text));
	}
	if (out)
		fclose(out);
	free(text);
	net_join__free(j);
}

static const char *const boundary_names[5] = {"", "send", "egress", "ingress", "recv"};

static void add_event(struct otlp_span *s, const char *name, uint64_t t, const char *host)
{
	struct otlp_event *e;

	if (s->nevents >= OTLP_MAX_EVENTS)
		return;
	e = &s->events[s->nevents++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->time_unix_ns = t;
	otlp_attr_str(e->attrs, &e->nattrs, 2, "host.name", host);
}

static void message_span(const struct net_join *j, const struct net_msg *m, struct otlp_span *s)
{
	struct otlp_flow flow = {.sport = m->sport, .dport = m->dport, .proto = m->proto};
	char addr[64];
	uint64_t first = 0, last = 0;

	memset(s, 0, sizeof(*s));
	memcpy(flow.saddr, m->saddr, 16);
	memcpy(flow.daddr, m->daddr, 16);
	otlp_trace_id_flow(&flow, m->proto == 6 ? m->seq : (uint32_t)(m->hash ^ (m->hash >> 32)),
			   s->trace_id);
	for (int b = 1; b <= 4; b++) {
		if (!NET_HAVE(m, b))
			continue;
		first = first ? first : m->t[b];
		last = m->t[b];
		add_event(s, boundary_names[b], m->t[b],
			  net_join__host_name(j, b <= 2 ? m->origin : m->final));
	}
	for (int h = 0; h < m->nhops; h++) {
		add_event(s, "relay.ingress", m->hops[h].t_in,
			  net_join__host_name(j, m->hops[h].host));
		add_event(s, "relay.egress", m->hops[h].t_out,
			  net_join__host_name(j, m->hops[h].host));
	}
	otlp_span_id(s->trace_id, m->have, first, m->origin, s->span_id);
	snprintf(s->name, sizeof(s->name), "net %s message", m->proto == 6 ? "tcp" : "udp");
	s->kind = OTLP_KIND_INTERNAL;
	s->start_unix_ns = first;
	s->end_unix_ns = last;
	net_addr_str(addr, sizeof(addr), m->family, m->saddr);
	otlp_attr_str(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "client.address", addr);
	otlp_attr_int(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "client.port", m->sport);
	net_addr_str(addr, sizeof(addr), m->family, m->daddr);
	otlp_attr_str(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "server.address", addr);
	otlp_attr_int(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "server.port", m->dport);
	otlp_attr_str(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "network.transport",
		      m->proto == 6 ? "tcp" : "udp");
	otlp_attr_int(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, "messaging.message.body.size", m->len);
	for (int seg = 0; seg < SEG__N; seg++) {
		int64_t v = net_seg_value(m, seg);
		char key[48];

		if (v < 0)
			continue;
		snprintf(key, sizeof(key), "bpfscope.net.%s_ns", net_seg_name(seg));
		otlp_attr_int(s->attrs, &s->nattrs, OTLP_MAX_ATTRS, key, v);
	}
	snprintf(s->comm, sizeof(s->comm), "net");
}

void net_serve_spans(const struct net_join *j)
{
	const struct net_msg *msgs;
	struct otlp_span span;
	size_t n;

	if (!serve_spans_on())
		return;
	msgs = net_join__msgs(j, &n);
	for (size_t i = 0; i < n; i++) {
		message_span(j, &msgs[i], &span);
		serve_span(&span);
	}
}

void net_serve_free(struct net_serve *ns)
{
	free(ns->recs);
	ns->recs = NULL;
	ns->n = ns->cap = 0;
}
