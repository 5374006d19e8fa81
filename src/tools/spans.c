/* bpfscope spans: request spans live. A 'root' probe opens a request on
 * its thread; the other probes are child spans inside it; the socket I/O
 * the thread does meanwhile is attributed, in the kernel, to the remote
 * peer of each socket (docs/spans.md). One line (or JSON object) per
 * finished request: duration, self time, child calls per child probe,
 * peers with calls, round trips and time, connection events. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/cmd.h"
#include "core/output.h"
#include "probe/span_run.h"
#include "probe/span_serve.h"

static struct span_run_opts run_opts = { .root_sample = 1, .strsize = 64 };

static const struct opt_def options[] = {
	SPAN_RUN_OPTIONS(run_opts),
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "spans",
	.summary = "request spans: child calls, peers and connections per request, live",
	.args = "PROBE...",
	.details = "PROBE is 'root u:BINARY:FUNC' (opens a request), or 'u:BINARY:FUNC' (a child\n"
		   "span inside a request), optionally with { attr(NAME, VALUE); ... }.\n"
		   "Example: bpfscope spans 'root u:./server:handle { attr(path, str(arg0)) }' \\\n"
		   "                       u:libmemcached:memcached_mget\n"
		   "See docs/spans.md.",
	.opts = options,
	.common = COMMON_ALL | COMMON_SERVE,
	.max_args = -1,
};

static const char *const conn_names[] = { "connect", "accept", "close" };

static double ms(uint64_t ns)
{
	return ns / 1e6;
}

static void print_text(const struct span_run *sr, const struct span_request *req,
		       const struct span_summary *s)
{
	const struct span_rec *root = &req->spans[req->nspans - 1];
	char when[64], peer[64];

	clock_format_time(clock_mono_to_wall(root->ev.start_ns), when, sizeof(when));
	printf("%s %-16s %7u/%-7u %s %.3fms self=%.3fms", when, root->ev.comm, root->ev.pid,
	       root->ev.tid, span_probe_name(sr, root->ev.probe), ms(s->duration_ns),
	       ms(s->self_ns));
	for (int i = 0; i < root->nattrs; i++)
		printf(" %s=%s", root->attrs[i].name, root->attrs[i].value);
	for (int i = 0; i < s->nchildren; i++)
		printf("%s%s=%llu", i ? " " : " | ", span_probe_name(sr, s->children[i].probe),
		       (unsigned long long)s->children[i].count);
	for (int i = 0; i < s->npeers; i++)
		printf("%s%s calls=%llu rt=%llu io=%.3fms", i ? "; " : " | ",
		       span_peer_format(&s->peers[i].peer, peer, sizeof(peer)),
		       (unsigned long long)s->peers[i].calls,
		       (unsigned long long)s->peers[i].round_trips, ms(s->peers[i].io_ns));
	for (int i = 0; i < req->nconns; i++)
		printf("%s%s %s", i ? ", " : " | ", conn_names[req->conns[i].ev.event % 3],
		       span_peer_format(&req->conns[i].ev.peer, peer, sizeof(peer)));
	putchar('\n');
}

static struct json_object *attrs_json(const struct span_rec *r)
{
	struct json_object *o = json_object_new_object();

	for (int i = 0; i < r->nattrs; i++)
		json_object_object_add(o, r->attrs[i].name, json_object_new_string(r->attrs[i].value));
	return o;
}

static struct json_object *peer_json(const struct span_peer_addr *a, uint64_t calls, uint64_t rt,
				     uint64_t out, uint64_t in, uint64_t io_ns)
{
	struct json_object *o = json_object_new_object();
	char peer[64];

	json_object_object_add(o, "peer",
			       json_object_new_string(span_peer_format(a, peer, sizeof(peer))));
	json_object_object_add(o, "calls", json_object_new_uint64(calls));
	json_object_object_add(o, "round_trips", json_object_new_uint64(rt));
	json_object_object_add(o, "bytes_out", json_object_new_uint64(out));
	json_object_object_add(o, "bytes_in", json_object_new_uint64(in));
	json_object_object_add(o, "io_ns", json_object_new_uint64(io_ns));
	return o;
}

static struct json_object *span_json(const struct span_run *sr, const struct span_rec *r)
{
	struct json_object *o = json_object_new_object(), *peers = json_object_new_array();
	const struct span_event *ev = &r->ev;

	json_object_object_add(o, "id", json_object_new_uint64(ev->span_id));
	json_object_object_add(o, "parent_id", ev->depth ? json_object_new_uint64(ev->parent_id)
							 : NULL);
	json_object_object_add(o, "probe", json_object_new_string(span_probe_name(sr, ev->probe)));
	json_object_object_add(o, "depth", json_object_new_uint64(ev->depth));
	json_object_object_add(o, "duration_ns", json_object_new_uint64(ev->end_ns - ev->start_ns));
	json_object_object_add(o, "child_ns", json_object_new_uint64(ev->child_ns));
	json_object_object_add(o, "attrs", attrs_json(r));
	for (unsigned i = 0; i < ev->npeers && i < SPAN_PEERS; i++) {
		const struct span_peer *p = &ev->peers[i];

		json_object_array_add(peers, peer_json(&p->peer, p->calls, p->round_trips,
						       p->bytes_out, p->bytes_in, p->io_ns));
	}
	json_object_object_add(o, "peers", peers);
	return o;
}

static void print_json(const struct span_run *sr, const struct span_request *req,
		       const struct span_summary *s)
{
	const struct span_rec *root = &req->spans[req->nspans - 1];
	struct json_object *o = json_object_new_object(), *a;
	char when[64], peer[64];

	clock_format_iso(clock_mono_to_wall(root->ev.start_ns), when, sizeof(when));
	json_object_object_add(o, "time", json_object_new_string(when));
	json_object_object_add(o, "comm", json_object_new_string(root->ev.comm));
	json_object_object_add(o, "pid", json_object_new_uint64(root->ev.pid));
	json_object_object_add(o, "tid", json_object_new_uint64(root->ev.tid));
	json_object_object_add(o, "probe",
			       json_object_new_string(span_probe_name(sr, root->ev.probe)));
	json_object_object_add(o, "id", json_object_new_uint64(root->ev.span_id));
	json_object_object_add(o, "duration_ns", json_object_new_uint64(s->duration_ns));
	json_object_object_add(o, "self_ns", json_object_new_uint64(s->self_ns));
	json_object_object_add(o, "attrs", attrs_json(root));
	a = json_object_new_object();
	for (int i = 0; i < s->nchildren; i++)
		json_object_object_add(a, span_probe_name(sr, s->children[i].probe),
				       json_object_new_uint64(s->children[i].count));
	json_object_object_add(o, "children", a);
	a = json_object_new_object();
	for (int i = 0; i < s->nchildren; i++)
		json_object_object_add(a, span_probe_name(sr, s->children[i].probe),
				       json_object_new_uint64(s->children[i].total_ns));
	json_object_object_add(o, "children_ns", a);
	a = json_object_new_array();
	for (int i = 0; i < s->npeers; i++) {
		const struct span_peer_sum *p = &s->peers[i];

		json_object_array_add(a, peer_json(&p->peer, p->calls, p->round_trips, p->bytes_out,
						   p->bytes_in, p->io_ns));
	}
	json_object_object_add(o, "peers", a);
	a = json_object_new_array();
	for (int i = 0; i < req->nconns; i++) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "event",
				       json_object_new_string(conn_names[req->conns[i].ev.event % 3]));
		json_object_object_add(c, "peer", json_object_new_string(span_peer_format(
								  &req->conns[i].ev.peer, peer,
								  sizeof(peer))));
		json_object_object_add(c, "span_id", json_object_new_uint64(req->conns[i].ev.span_id));
		json_object_array_add(a, c);
	}
	json_object_object_add(o, "connections", a);
	a = json_object_new_array();
	for (int i = 0; i < req->nspans; i++)
		json_object_array_add(a, span_json(sr, &req->spans[i]));
	json_object_object_add(o, "spans", a);
	out_json_line(stdout, o);
}

static int on_request(void *ctx, const struct span_run *sr, const struct span_request *req)
{
	const struct common_opts *opts = ctx;
	struct span_summary s;

	span_serve_request(sr, req);
	if (span_summarize(req, &s))
		return -12; /* -ENOMEM */
	if (opts->format == OUT_JSON)
		print_json(sr, req, &s);
	else
		print_text(sr, req, &s);
	span_summary_free(&s);
	return 0;
}

/* Lines reach a pipe (| grep) within a tick, not when a buffer fills. */
static int on_tick(void *ctx, const struct span_run *sr, uint64_t now_ns)
{
	(void)ctx;
	(void)sr;
	(void)now_ns;
	fflush(stdout);
	return 0;
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct span_sink sink = { NULL, on_request, on_tick, NULL, (void *)opts };

	return span_run_main(opts, argc, argv, &run_opts, &sink);
}

static const struct command cmd_spans = { &spec, run, true };
REGISTER_COMMAND(cmd_spans);
