/* See span_run.h. */
#include "probe/span_run.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/wire.h"
#include "core/clock.h"
#include "core/loader.h"
#include "core/log.h"
#include "core/session.h"
#include "core/target.h"
#include "core/wireconn.h"
#include "probe.skel.h"
#include "probe/compat.h"
#include "probe/print.h"
#include "wire.skel.h"

#define WIRE_PROTOS ((1u << WIRE_PROTO_MYSQL) | (1u << WIRE_PROTO_MEMCACHE))

int span_run_nprobes(const struct span_run *sr)
{
	return sr->tr.nprobes + (sr->wire_join ? 2 : 0);
}

const char *span_probe_name(const struct span_run *sr, unsigned probe)
{
	if (probe >= (unsigned)span_run_nprobes(sr))
		return "?";
	if (probe >= (unsigned)sr->tr.nprobes)
		return probe == (unsigned)sr->tr.nprobes ? "wire:mysql" : "wire:memcache";
	return sr->tr.probes[probe].ast->function;
}

const char *span_probe_role(const struct span_run *sr, unsigned probe)
{
	if (probe >= (unsigned)span_run_nprobes(sr))
		return "?";
	if (probe >= (unsigned)sr->tr.nprobes)
		return "child";
	return sr->tr.probes[probe].ast->role == ROLE_ROOT ? "root" : "child";
}

/* --wire: the wire capture of `bpfscope wire`, same target filter, loaded
 * and attached next to the span programs; its ring buffer joins the loop
 * at the first tick (the loop exists only once everything is attached). */
static int wire_start(struct span_run *sr)
{
	struct filter_cfg filter;
	int err;

	sr->wire = wire_bpf__open();
	if (!sr->wire) {
		log_error("cannot open the wire BPF object");
		return -ENOMEM;
	}
	sr->wire->rodata->capture_bytes = 16384;
	if ((err = target_filter(sr->tr.opts, &filter)))
		return err;
	if ((err = bpfobj_set_rodata(sr->wire->obj, "filter", &filter, sizeof(filter))))
		return err;
	if (bpf_map__set_max_entries(sr->wire->maps.scratch, libbpf_num_possible_cpus())) {
		log_error("cannot size the wire capture buffers");
		return -EINVAL;
	}
	if ((err = loader_load(sr->wire->skeleton)) || (err = loader_attach(sr->wire->skeleton)))
		return err;
	return 0;
}

static void on_wire_op(void *ctx, const struct wire_conninfo *conn, const struct wire_op *op)
{
	struct span_run *sr = ctx;

	span_wire__op(sr->wire_join, conn->pid, conn->tid, conn->peer, op);
}

static int on_wire_event(void *ctx, const void *data, size_t size)
{
	struct span_run *sr = ctx;

	wireconn__feed_event(sr->wire_conns, data, size);
	return 0;
}

static int wire_tick(struct span_run *sr, uint64_t now)
{
	int err;

	if (!sr->wire_polled) {
		if ((err = evloop__add_ringbuf(sr->tr.session.loop, sr->wire->maps.events,
					       on_wire_event, sr)) ||
		    (err = evloop__add_object(sr->tr.session.loop, sr->wire->obj)))
			return err;
		sr->wire_polled = true;
	}
	return span_wire__release(sr->wire_join, now, SPAN_RUN_EVICT_NS);
}

static int drain_one(void *ctx, void *data, size_t size)
{
	return on_wire_event(ctx, data, size);
}

/* What the loop's last drain did not see (written before the detach, or
 * all of it when the run ended before the first tick). */
static void drain_wire(struct span_run *sr)
{
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(sr->wire->maps.events), drain_one,
						  sr, NULL);

	if (!rb) {
		log_error("cannot read the wire ring buffer: %s", strerror(errno));
		return;
	}
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
}

/* Detached: what is still in flight ends, every held request goes out. */
static int wire_end(struct span_run *sr)
{
	int err;

	wire_bpf__detach(sr->wire);
	drain_wire(sr);
	wireconn__flush(sr->wire_conns);
	err = span_wire__release(sr->wire_join, UINT64_MAX, 0);
	span_wire__stats(sr->wire_join, &sr->wire_stats);
	sr->wire_drops = bpfmap_percpu_sum(bpf_map__fd(sr->wire->maps.stats), STAT_DROPS);
	sr->wire_errors = bpfmap_percpu_sum(bpf_map__fd(sr->wire->maps.stats), STAT_ERRORS);
	fprintf(stderr,
		"bpfscope: spans: %llu wire operations, %llu attached to requests, %llu outside "
		"any request; %llu wire records dropped, %llu wire read errors\n",
		(unsigned long long)sr->wire_stats.ops, (unsigned long long)sr->wire_stats.attached,
		(unsigned long long)sr->wire_stats.outside, (unsigned long long)sr->wire_drops,
		(unsigned long long)sr->wire_errors);
	return err;
}

static int emit_request(void *ctx, const struct span_request *req)
{
	struct span_run *sr = ctx;

	return sr->sink->request ? sr->sink->request(sr->sink->ctx, sr, req) : 0;
}

/* Span probes are functions: entry and return both attached, no condition. */
static int check_probes(struct span_run *sr)
{
	bool root = false;

	for (int i = 0; i < sr->tr.nprobes; i++) {
		struct probe_ast *a = sr->tr.probes[i].ast;

		if (!a->role)
			continue;
		if (a->kind != TARGET_UPROBE && a->kind != TARGET_URETPROBE) {
			log_error("%s: a span is a function call: use u:BINARY:FUNCTION", a->text);
			return -EINVAL;
		}
		if (a->predicate) {
			log_error("%s: 'if' conditions on span probes are not supported", a->text);
			return -EINVAL;
		}
		if (a->action != ACT_NONE && a->action != ACT_ATTR) {
			log_error("%s: span probes take attr(NAME, VALUE) actions only", a->text);
			return -EINVAL;
		}
		root |= a->role == ROLE_ROOT;
	}
	if (!root) {
		log_error("no root span: mark the request handler with 'root', e.g. "
			  "'root u:./server:handle_request'");
		return -EINVAL;
	}
	return 0;
}

static bool is_span_prog(const struct bpf_program *prog)
{
	return !strncmp(bpf_program__name(prog), "span_", 5);
}

static int before_load(struct trace_run *tr)
{
	struct span_run *sr = (struct span_run *)tr;
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, tr->skel->obj)
		if (is_span_prog(prog))
			bpf_program__set_autoload(prog, true);
	/* span probes attach entry and return whatever the user wrote */
	bpf_program__set_autoload(tr->skel->progs.probe_entry, true);
	bpf_program__set_autoload(tr->skel->progs.probe_return, true);
	tr->skel->rodata->span_enabled = true;
	tr->skel->rodata->span_root_sample = sr->root_sample > 1 ? sr->root_sample : 1;
	return 0;
}

static int before_attach(struct trace_run *tr)
{
	struct span_run *sr = (struct span_run *)tr;
	int fd = bpf_map__fd(tr->skel->maps.span_cfgs);
	struct bpf_program *prog;

	for (int i = 0; i < tr->nprobes; i++) {
		const struct probe_ast *a = tr->probes[i].ast;
		struct span_cfg cfg = { SPAN_ROLE_NONE, SPAN_ATTRS_NONE };
		__u32 key = i;

		if (a->role)
			cfg.role = a->role == ROLE_ROOT ? SPAN_ROLE_ROOT : SPAN_ROLE_CHILD;
		if (a->role && a->action == ACT_ATTR)
			cfg.attrs_at = tr->probes[i].cp.cfg.kind == PROBE_URETPROBE ? SPAN_ATTRS_RETURN
										  : SPAN_ATTRS_ENTRY;
		if (bpf_map_update_elem(fd, &key, &cfg, BPF_ANY)) {
			log_error("cannot store the span role of probe %d: %s", i, strerror(errno));
			return -errno;
		}
	}
	bpf_object__for_each_program(prog, tr->skel->obj) {
		struct bpf_link *link;

		if (!is_span_prog(prog) || sr->nio_links == SPAN_RUN_MAX_IO_LINKS)
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			log_error("cannot attach %s: %s", bpf_program__section_name(prog),
				  strerror(errno));
			return -errno;
		}
		sr->io_links[sr->nio_links++] = link;
	}
	if (sr->wire_join) {
		int err = wire_start(sr);

		if (err)
			return err;
	}
	return sr->sink->start ? sr->sink->start(sr->sink->ctx, sr) : 0;
}

static void on_request(void *ctx, const struct span_request *req)
{
	struct span_run *sr = ctx;

	if (!sr->err && sr->wire_join)
		sr->err = span_wire__hold(sr->wire_join, req, clock_mono_ns());
	else if (!sr->err && sr->sink->request)
		sr->err = sr->sink->request(sr->sink->ctx, sr, req);
}

/* An attr(...) record: the probe's fields, span id in duration_ns. */
static int on_attrs(struct span_run *sr, const struct probe_event *h, size_t size)
{
	const struct traced_probe *p = &sr->tr.probes[h->probe];
	char value[600];
	int err = 0;

	if (size < p->cp.cfg.record_size)
		return 0;
	for (int i = 0; i < p->cp.nfields && !err; i++) {
		probe_field_text(&p->cp.fields[i], h, value, sizeof(value));
		err = span_asm__attr(sr->asm_, h->duration_ns, p->cp.fields[i].label, value,
				     h->ts_ns);
	}
	return err;
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct span_run *sr = ctx;
	__u32 kind;
	int err = 0;

	if (size < sizeof(kind))
		return 0;
	memcpy(&kind, data, sizeof(kind));
	if (kind == SPAN_EV_END && size >= sizeof(struct span_event)) {
		sr->peers_dropped += ((const struct span_event *)data)->peers_dropped;
		err = span_asm__end(sr->asm_, data);
	}
	else if (kind == SPAN_EV_CONN && size >= sizeof(struct span_conn_event))
		err = span_asm__conn(sr->asm_, data);
	else if (kind < (unsigned)sr->tr.nprobes && size >= sizeof(struct probe_event))
		err = on_attrs(sr, data, size);
	if (err)
		return err;
	return sr->err;
}

static int on_tick(struct trace_run *tr)
{
	struct span_run *sr = (struct span_run *)tr;
	uint64_t now = clock_mono_ns();

	span_asm__evict(sr->asm_, now, SPAN_RUN_EVICT_NS);
	if (!sr->err && sr->wire_join)
		sr->err = wire_tick(sr, now);
	if (!sr->err && sr->sink->tick)
		sr->err = sr->sink->tick(sr->sink->ctx, sr, now);
	return sr->err;
}

static void print_summary(const struct span_run *sr)
{
	const uint64_t *k = sr->kstats;
	const struct span_asm_stats *a = &sr->asm_stats;

	fprintf(stderr,
		"bpfscope: spans: %llu requests (%llu spans); %llu roots seen, %llu sampled out; "
		"%llu stale, %llu evicted, %llu overflow, %llu records dropped\n",
		(unsigned long long)a->requests, (unsigned long long)a->spans,
		(unsigned long long)k[SPSTAT_ROOTS], (unsigned long long)k[SPSTAT_ROOTS_SAMPLED],
		(unsigned long long)a->stale, (unsigned long long)a->evicted,
		(unsigned long long)a->overflow, (unsigned long long)k[SPSTAT_DROPS]);
	fprintf(stderr,
		"bpfscope: spans: %llu socket calls accounted (%llu to peers beyond %d per span), %llu "
		"not IP sockets, %llu connection events, %llu child calls outside a request, %llu "
		"spans too deep\n",
		(unsigned long long)k[SPSTAT_IO], (unsigned long long)sr->peers_dropped, SPAN_PEERS,
		(unsigned long long)k[SPSTAT_IO_NOT_INET],
		(unsigned long long)k[SPSTAT_CONN], (unsigned long long)k[SPSTAT_OUTSIDE],
		(unsigned long long)k[SPSTAT_TOO_DEEP]);
}

static void *destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

/* Detaching a tracepoint waits for an RCU grace period (~0.1 s here): the
 * syscall links are destroyed from one thread each so the waits overlap
 * (2.5 s -> 0.2 s at exit); serially when a thread cannot be created. */
static void destroy_io_links(struct span_run *sr)
{
	pthread_t threads[SPAN_RUN_MAX_IO_LINKS];
	bool started[SPAN_RUN_MAX_IO_LINKS] = { false };

	for (int i = 0; i < sr->nio_links; i++)
		started[i] = !pthread_create(&threads[i], NULL, destroy_link, sr->io_links[i]);
	for (int i = 0; i < sr->nio_links; i++) {
		if (started[i])
			pthread_join(threads[i], NULL);
		else
			bpf_link__destroy(sr->io_links[i]);
	}
	sr->nio_links = 0;
}

static int at_end(struct trace_run *tr)
{
	struct span_run *sr = (struct span_run *)tr;
	int fd = bpf_map__fd(tr->skel->maps.span_stats);
	int err = 0;

	destroy_io_links(sr);
	for (int i = 0; i < SPSTAT__COUNT; i++)
		sr->kstats[i] = bpfmap_percpu_sum(fd, (uint32_t)i);
	span_asm__evict(sr->asm_, UINT64_MAX, 0); /* what is still open counts as evicted */
	span_asm__stats(sr->asm_, &sr->asm_stats);
	if (sr->wire_join && !sr->err)
		sr->err = wire_end(sr);
	print_summary(sr);
	if (sr->sink->end)
		err = sr->sink->end(sr->sink->ctx, sr);
	return sr->err ? sr->err : err;
}

static int prepare(struct span_run *sr, int argc, char **argv, const struct span_run_opts *o)
{
	struct resolve_opts ropts = { sr->tr.opts->pid, o->debug_dir, o->types_path };
	char *text;
	int err;

	if (!argc && !o->script_file) {
		log_error("no probe given: at least one 'root u:BINARY:FUNCTION'");
		return -EINVAL;
	}
	text = trace_script_text(o->script_file, argc, argv);
	if (!text)
		return -EINVAL;
	err = trace_prepare(&sr->tr, text, &ropts);
	free(text);
	if (!err)
		err = check_probes(sr);
	/* after the probes' own errors, like trace: what the programs of
	 * kernels without cookies or bpf_loop cannot do */
	if (!err && probe_compat_check(&sr->tr))
		err = -ENOTSUP;
	for (int i = 0; !err && i < sr->tr.nprobes; i++)
		if (sr->tr.probes[i].ast->role) /* attach entry and return */
			sr->tr.probes[i].ast->kind = TARGET_URETPROBE;
	return err;
}

int span_run_main(const struct common_opts *opts, int argc, char **argv,
		  const struct span_run_opts *o, const struct span_sink *sink)
{
	static const struct trace_hooks hooks_template = {
		before_load, before_attach, on_event, on_tick, at_end, NULL,
	};
	struct trace_hooks hooks = hooks_template;
	struct span_run sr = { .sink = sink };
	int err;

	sr.tr.opts = opts;
	sr.tr.sample_every = 1;
	sr.tr.strsize = o->strsize;
	sr.tr.hooks = &hooks;
	sr.tr.default_role = ROLE_SPAN;
	hooks.ctx = &sr;
	sr.asm_ = span_asm__new(on_request, &sr);
	err = sr.asm_ ? prepare(&sr, argc, argv, o) : -ENOMEM;
	if (!err && o->wire) {
		struct wireconn_opts wo = { WIRE_PROTOS, 3306, 11211 };

		sr.wire_join = span_wire__new((uint32_t)sr.tr.nprobes, o->wire_text ? o->wire_text : 200,
					      emit_request, &sr);
		sr.wire_conns = wireconn__new(&wo, on_wire_op, &sr);
		if (!sr.wire_join || !sr.wire_conns)
			err = -ENOMEM;
	}
	sr.root_sample = o->root_sample;
	if (!err)
		err = trace_execute(&sr.tr);
	destroy_io_links(&sr);
	span_asm__free(sr.asm_);
	span_wire__free(sr.wire_join);
	wireconn__free(sr.wire_conns);
	wire_bpf__destroy(sr.wire);
	trace_cleanup(&sr.tr);
	return err == -EINVAL ? 2 : err ? 1 : 0;
}
