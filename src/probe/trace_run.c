/* See trace_run.h. */
#include "probe/trace_run.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/features.h"
#include "core/hist.h"
#include "core/log.h"
#include "core/mapdrain.h"
#include "core/output.h"
#include "crash/recorder.h"
#include "probe.skel.h"
#include "probe/fastpath.h"
#include "probe/print.h"
#include "probe/trace_serve.h"

/* A return probe without an action prints its return value. */
static void default_action(struct probe_ast *ast)
{
	struct node *n;

	if (ast->action != ACT_NONE || ast->kind != TARGET_URETPROBE)
		return;
	n = calloc(1, sizeof(*n));
	ast->exprs = calloc(1, sizeof(*ast->exprs));
	if (!n || !ast->exprs) {
		free(n);
		return;
	}
	n->kind = N_IDENT;
	n->name = strdup("retval");
	n->text = strdup("retval");
	ast->exprs[0] = n;
	ast->nexprs = 1;
	ast->action = ACT_PRINT;
}

/* The trigger clauses, once the probes they name are known. */
static int prepare_triggers(struct trace_run *tr)
{
	char err[512];

	for (int i = 0; i < tr->ntrigger_texts; i++)
		if (trigger_parse(tr->trigger_texts[i], tr->nprobes, &tr->triggers[i], err,
				  sizeof(err))) {
			log_error("%s", err);
			return -EINVAL;
		}
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f) {
		log_error("-f: cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

/* The probes from -f and the arguments, one per line. */
char *trace_script_text(const char *script_file, int argc, char **argv)
{
	char *text = script_file ? read_file(script_file) : strdup("");
	size_t len;

	for (int i = 0; text && i < argc; i++) {
		len = strlen(text);
		text = realloc(text, len + strlen(argv[i]) + 2);
		if (text)
			sprintf(text + len, "\n%s", argv[i]);
	}
	return text;
}

int trace_kernel_check(void)
{
	/* the interpreter steps with bpf_loop, probe ids come from attach cookies */
	bool loop = feature_has(FEAT_BPF_LOOP), cookie = feature_has(FEAT_BPF_COOKIE);

	if (!loop || !cookie) {
		log_error("needs bpf_loop (Linux 5.17+) and BPF cookies (5.15+); this kernel lacks %s",
			  !loop && !cookie ? "both" : loop ? "BPF cookies" : "bpf_loop");
		return -1;
	}
	return 0;
}

int trace_prepare(struct trace_run *tr, const char *text, const struct resolve_opts *ropts)
{
	char err[1024], *probes = strdup(text);

	if (!probes)
		return -ENOMEM;
	if (trigger_extract_lines(probes, tr->trigger_texts, TRIGGER_MAX, &tr->ntrigger_texts)) {
		free(probes);
		log_error("at most %d triggers", TRIGGER_MAX);
		return -EINVAL;
	}
	tr->script = probe_parse(probes, err, sizeof(err));
	free(probes);
	if (!tr->script) {
		log_error("%s", err);
		return -EINVAL;
	}
	if (tr->script->nprobes > PROBE_MAX) {
		log_error("at most %d probes", PROBE_MAX);
		return -EINVAL;
	}
	tr->nprobes = tr->script->nprobes;
	tr->probes = calloc(tr->nprobes, sizeof(*tr->probes));
	if (!tr->probes)
		return -ENOMEM;
	for (int i = 0; i < tr->nprobes; i++) {
		struct traced_probe *p = &tr->probes[i];

		p->ast = tr->script->probes[i];
		if (!p->ast->role)
			p->ast->role = tr->default_role;
		if (p->ast->role && !tr->hooks) {
			log_error("%s: 'root' and 'span' probes need 'bpfscope spans' or "
				  "'bpfscope record'", p->ast->text);
			return -EINVAL;
		}
		if (!p->ast->role)
			default_action(p->ast);
		if (probe_resolve(p->ast, ropts, &p->res, err, sizeof(err)) ||
		    probe_compile(p->ast, &p->res.target, tr->strsize, &p->cp, err, sizeof(err)) ||
		    probe_site_prepare(p->ast, &p->res, &p->cp, &tr->site, err, sizeof(err))) {
			log_error("%s", err);
			return -EINVAL;
		}
		if (p->res.site_note[0])
			log_info("%s", p->res.site_note);
		probe_fast_choose(p, i, tr->hooks != NULL);
		p->cp.cfg.sample_every = tr->sample_every;
		if (p->ast->kind == TARGET_URETPROBE && p->res.cxx)
			log_warn("%s: a C++ exception thrown through a function with a return probe "
				 "terminates the program (the kernel's uretprobe trampoline has no unwind "
				 "information); use it only on functions that cannot throw",
				 p->ast->text);
	}
	return prepare_triggers(tr);
}

/* The first probe of a tracepoint event: later ones run through its chain. */
static int tracepoint_head(const struct trace_run *tr, int id)
{
	const struct probe_ast *a = tr->probes[id].ast;

	for (int i = 0; i < id; i++) {
		const struct probe_ast *b = tr->probes[i].ast;

		if (b->kind == TARGET_TRACEPOINT && !strcmp(a->binary, b->binary) &&
		    !strcmp(a->function, b->function))
			return i;
	}
	return id;
}

static int attach_probe(struct trace_run *tr, int id)
{
	struct traced_probe *p = &tr->probes[id];
	struct probe_bpf *skel = tr->skel;
	int pid = tr->opts->pid ? tr->opts->pid : -1;
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = id);
	LIBBPF_OPTS(bpf_usdt_opts, so, .usdt_cookie = id);
	LIBBPF_OPTS(bpf_tracepoint_opts, to, .bpf_cookie = id);

	switch (p->ast->kind) {
	case TARGET_UPROBE:
	case TARGET_URETPROBE:
		p->links[0] = bpf_program__attach_uprobe_opts(
			p->fast ? skel->progs.probe_fast_entry : skel->progs.probe_entry, pid,
			p->res.path, p->res.file_offset, &uo);
		if (p->links[0] && p->ast->kind == TARGET_URETPROBE) {
			uo.retprobe = true;
			p->links[1] = bpf_program__attach_uprobe_opts(
				p->fast ? skel->progs.probe_fast_return : skel->progs.probe_return, pid,
				p->res.path, p->res.file_offset, &uo);
			if (!p->links[1])
				break;
		}
		break;
	case TARGET_USDT:
		p->links[0] = bpf_program__attach_usdt(skel->progs.probe_usdt, pid, p->res.path,
						       p->res.provider, p->ast->function, &so);
		break;
	case TARGET_TRACEPOINT:
		if (tracepoint_head(tr, id) != id)
			return 0; /* runs in the chain of the first probe on this event */
		p->links[0] = bpf_program__attach_tracepoint_opts(skel->progs.probe_tp, p->ast->binary,
								  p->ast->function, &to);
		break;
	}
	if (!p->links[0] || (p->ast->kind == TARGET_URETPROBE && !p->links[1])) {
		log_error("cannot attach %s: %s", p->ast->text, strerror(errno));
		return -errno;
	}
	return 0;
}

static void detach_all(struct trace_run *tr)
{
	/* return links first: a detach takes ~0.1 s in the kernel, and a return
	 * probe left without its entry probe would count every return unpaired */
	for (int i = 0; i < tr->nprobes; i++)
		for (int j = 1; j >= 0; j--) {
			bpf_link__destroy(tr->probes[i].links[j]);
			tr->probes[i].links[j] = NULL;
		}
	tr->attached = false;
}

static int attach_all(struct trace_run *tr)
{
	for (int i = 0; i < tr->nprobes; i++) {
		int err = attach_probe(tr, i);

		if (err) {
			detach_all(tr);
			return err;
		}
	}
	tr->attached = true;
	return 0;
}

static void print_fields_text(const struct traced_probe *p, const void *rec)
{
	char val[600];

	for (int i = 0; i < p->cp.nfields; i++) {
		const struct field *f = &p->cp.fields[i];

		probe_field_text(f, rec, val, sizeof(val));
		printf(" %s=%s%s%s", f->label, f->fmt == FMT_STR ? "\"" : "", val,
		       f->fmt == FMT_STR ? "\"" : "");
	}
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct trace_run *tr = ctx;
	const struct probe_event *h = data;
	const struct traced_probe *p;
	struct json_object *obj, *fields;
	char when[64];

	if (size >= sizeof(struct trigger_notice) && h->probe == TRIGGER_NOTICE_PROBE) {
		const struct trigger_notice *n = data;

		if (n->trigger < (unsigned)tr->ntrigger_texts)
			trigger_print_notice(stdout, tr->opts->format == OUT_JSON,
					     &tr->triggers[n->trigger], n);
		return 0;
	}
	if (size < sizeof(*h) || h->probe >= (unsigned)tr->nprobes)
		return 0;
	p = &tr->probes[h->probe];
	if (size < p->cp.cfg.record_size)
		return 0;
	trace_serve_event(tr, p, h);
	if (tr->opts->format == OUT_TEXT) {
		clock_format_time(clock_mono_to_wall(h->ts_ns), when, sizeof(when));
		printf("%s %-16s %7u/%-7u %s", when, h->comm, h->pid, h->tid, p->ast->text);
		if (p->ast->kind == TARGET_URETPROBE)
			printf(" duration=%.3fus", h->duration_ns / 1000.0);
		print_fields_text(p, data);
		putchar('\n');
		return 0;
	}
	clock_format_iso(clock_mono_to_wall(h->ts_ns), when, sizeof(when));
	obj = json_object_new_object();
	json_object_object_add(obj, "time", json_object_new_string(when));
	json_object_object_add(obj, "probe", json_object_new_string(p->ast->text));
	json_object_object_add(obj, "comm", json_object_new_string(h->comm));
	json_object_object_add(obj, "pid", json_object_new_uint64(h->pid));
	json_object_object_add(obj, "tid", json_object_new_uint64(h->tid));
	if (p->ast->kind == TARGET_URETPROBE)
		json_object_object_add(obj, "duration_ns", json_object_new_uint64(h->duration_ns));
	fields = json_object_new_object();
	for (int i = 0; i < p->cp.nfields; i++)
		json_object_object_add(fields, p->cp.fields[i].label,
				       probe_field_json(&p->cp.fields[i], data));
	json_object_object_add(obj, "fields", fields);
	out_json_line(stdout, obj);
	return 0;
}

struct agg_entry {
	struct probe_agg_key key;
	struct probe_agg_value value; /* summed over CPUs */
};

static int by_count_desc(const void *a, const void *b)
{
	const struct agg_entry *x = a, *y = b;

	if (x->key.probe != y->key.probe)
		return x->key.probe < y->key.probe ? -1 : 1;
	return x->value.count < y->value.count ? 1 : x->value.count > y->value.count ? -1 : 0;
}

struct agg_table {
	struct agg_entry *all;
	int n, cap, ncpus;
	bool failed;
};

/* One key's per-CPU values, summed into the table. */
static void collect_agg(void *ctx, const void *key, const void *value)
{
	struct agg_table *t = ctx;
	const struct probe_agg_value *percpu = value;
	struct agg_entry *e;

	if (t->n == t->cap) {
		struct agg_entry *grown = realloc(t->all, (t->cap ? 2 * t->cap : 64) * sizeof(*grown));

		if (!grown) {
			t->failed = true;
			return;
		}
		t->all = grown;
		t->cap = t->cap ? 2 * t->cap : 64;
	}
	e = &t->all[t->n++];
	memset(e, 0, sizeof(*e));
	e->key = *(const struct probe_agg_key *)key;
	for (int c = 0; c < t->ncpus; c++) {
		e->value.count += percpu[c].count;
		e->value.sum += percpu[c].sum;
		for (int s = 0; s < 64; s++)
			e->value.slots[s] += percpu[c].slots[s];
	}
}

/* Reads, sums and clears every aggregation entry (core/mapdrain: only the
 * keys read are deleted, so what arrives while printing is kept for the next
 * interval), the fast path's with them, sorted by probe, then count. */
static int read_aggs(struct trace_run *tr, struct agg_table *t, bool clear)
{
	struct bpf_map *map = tr->skel->maps.aggs;
	int n;

	t->ncpus = libbpf_num_possible_cpus();
	n = (clear ? bpfmap_drain : bpfmap_read)(bpf_map__fd(map), sizeof(struct probe_agg_key),
						 t->ncpus * sizeof(struct probe_agg_value),
						 bpf_map__max_entries(map), collect_agg, t);
	if (n >= 0)
		n = probe_fast_read(tr->skel, tr->probes, tr->nprobes, t->ncpus, clear, collect_agg, t);
	if (n < 0 || t->failed)
		return n < 0 ? n : -ENOMEM;
	if (t->n)
		qsort(t->all, t->n, sizeof(*t->all), by_count_desc);
	return 0;
}

static struct hist_view agg_hist(const struct traced_probe *p, const struct agg_entry *e)
{
	bool linear = p->cp.cfg.output == OUTPUT_LHIST;

	return (struct hist_view){ linear ? HIST_LINEAR : HIST_LOG2, p->cp.cfg.lhist_min,
				   p->cp.cfg.lhist_step, (const uint64_t *)e->value.slots, 64,
				   p->cp.value_label };
}

static void print_agg_text(const struct traced_probe *p, const struct agg_entry *e)
{
	char val[600];
	struct hist_view h = agg_hist(p, e);

	for (int i = 0; i < p->cp.nkeys; i++) {
		probe_field_text(&p->cp.keys[i], e->key.data, val, sizeof(val));
		printf("%s%s=%s", i ? " " : "  ", p->cp.keys[i].label, val);
	}
	switch (p->cp.cfg.output) {
	case OUTPUT_COUNT: printf("%scount=%llu\n", p->cp.nkeys ? " " : "  ",
				  (unsigned long long)e->value.count); break;
	case OUTPUT_SUM: printf("%ssum=%llu count=%llu\n", p->cp.nkeys ? " " : "  ",
				(unsigned long long)e->value.sum, (unsigned long long)e->value.count);
		break;
	default:
		putchar('\n');
		hist_print(stdout, &h);
	}
}

static void print_agg_json(const struct traced_probe *p, const struct agg_entry *e)
{
	struct json_object *obj = json_object_new_object(), *keys = json_object_new_object();
	struct hist_view h = agg_hist(p, e);

	json_object_object_add(obj, "probe", json_object_new_string(p->ast->text));
	for (int i = 0; i < p->cp.nkeys; i++)
		json_object_object_add(keys, p->cp.keys[i].label,
				       probe_field_json(&p->cp.keys[i], e->key.data));
	json_object_object_add(obj, "keys", keys);
	json_object_object_add(obj, "count", json_object_new_uint64(e->value.count));
	if (p->cp.cfg.output == OUTPUT_SUM)
		json_object_object_add(obj, "sum", json_object_new_uint64(e->value.sum));
	if (p->cp.cfg.output == OUTPUT_HIST || p->cp.cfg.output == OUTPUT_LHIST)
		json_object_object_add(obj, "hist", hist_to_json(&h));
	out_json_line(stdout, obj);
}

/* Prints every aggregating probe's table and clears it, so with -i each
 * print covers one interval. */
static int print_aggregations(struct trace_run *tr)
{
	struct agg_table t = { 0 };
	char when[64];
	int last = -1, err = read_aggs(tr, &t, true);

	for (int i = 0; !err && i < t.n; i++) {
		const struct agg_entry *e = &t.all[i];
		const struct traced_probe *p;

		if (e->key.probe >= (unsigned)tr->nprobes)
			continue;
		trace_serve_agg(tr, &e->key, &e->value, true); /* drained: into the base */
		p = &tr->probes[e->key.probe];
		if (tr->opts->format == OUT_JSON) {
			print_agg_json(p, e);
			continue;
		}
		if ((int)e->key.probe != last) {
			clock_format_time(clock_wall_ns(), when, sizeof(when));
			printf("%s %s\n", when, p->ast->text);
			last = (int)e->key.probe;
		}
		print_agg_text(p, e);
	}
	free(t.all);
	fflush(stdout);
	return err;
}

int trace_snapshot_aggs(struct trace_run *tr)
{
	struct agg_table t = { 0 };
	int err = read_aggs(tr, &t, false);

	for (int i = 0; !err && i < t.n; i++)
		trace_serve_agg(tr, &t.all[i].key, &t.all[i].value, false);
	free(t.all);
	return err;
}

/* Duty cycling: attached for duty_on out of every duty_period seconds. */
static int duty_tick(struct trace_run *tr, double now)
{
	bool want = fmod(now - tr->start, tr->duty_period) < tr->duty_on;
	int err;

	if (want == tr->attached)
		return 0;
	if (tr->attached)
		tr->attached_time += now - tr->last_toggle;
	tr->last_toggle = now;
	/* paused while links come and go: no half-attached pairs at the edges */
	tr->skel->bss->paused = true;
	if (!want) {
		detach_all(tr);
		return 0;
	}
	err = attach_all(tr);
	tr->skel->bss->paused = false;
	return err;
}

static int on_tick(void *ctx)
{
	struct trace_run *tr = ctx;
	double now = clock_mono_s();
	int err = 0;

	if (tr->duty_period > 0)
		err = duty_tick(tr, now);
	if (!err && tr->crash)
		err = crash_rec__tick(tr->crash);
	if (!err && tr->opts->interval > 0 && now >= tr->next_print) {
		tr->next_print += tr->opts->interval;
		err = print_aggregations(tr);
	}
	if (!err && tr->hooks && tr->hooks->on_tick)
		err = tr->hooks->on_tick(tr);
	return err;
}

static uint64_t pstat_of(struct trace_run *tr, int probe, int stat)
{
	return bpfmap_percpu_sum(bpf_map__fd(tr->skel->maps.probe_stats),
				 (uint32_t)(probe * PSTAT__COUNT + stat));
}

/* Per probe, on stderr: nothing is lost silently. */
static void print_accounting(struct trace_run *tr)
{
	static const char *const names[PSTAT__COUNT] = { "hits",  "sampled out", "filtered",
							 "emitted", "dropped", "stale",
							 "unpaired", "read errors",
							 "sampled-out returns" };

	for (int i = 0; i < tr->nprobes; i++) {
		fprintf(stderr, "bpfscope: %s:", tr->probes[i].ast->text);
		for (int s = 0; s < PSTAT__COUNT; s++)
			fprintf(stderr, "%s %llu %s", s ? "," : "",
				(unsigned long long)pstat_of(tr, i, s), names[s]);
		fputc('\n', stderr);
	}
	for (int i = 0; i < tr->ntrigger_texts; i++) {
		struct trigger state;
		__u32 key = i;

		if (!bpf_map_lookup_elem(bpf_map__fd(tr->skel->maps.triggers), &key, &state))
			trigger_print_accounting(stderr, i, &tr->triggers[i], &state);
	}
	if (tr->duty_period > 0)
		fprintf(stderr, "bpfscope: duty cycle %.3g/%.3g s: attached %.1f%% of %.1f s\n",
			tr->duty_on, tr->duty_period,
			100.0 * tr->attached_time / fmax(clock_mono_s() - tr->start, 1e-9),
			clock_mono_s() - tr->start);
}

static bool uses_kind(const struct trace_run *tr, enum probe_target_kind kind)
{
	for (int i = 0; i < tr->nprobes; i++)
		if (tr->probes[i].ast->kind == kind)
			return true;
	return false;
}

static int chain_tracepoints(struct trace_run *tr)
{
	for (int i = 0; i < tr->nprobes; i++) {
		int head = tracepoint_head(tr, i), last = head, len = 1;

		if (tr->probes[i].ast->kind != TARGET_TRACEPOINT || head == i)
			continue;
		while (tr->probes[last].cp.cfg.next != PROBE_MAX) {
			last = (int)tr->probes[last].cp.cfg.next;
			len++;
		}
		if (len >= PROBE_TP_CHAIN) {
			log_error("at most %d probes on one tracepoint (%s)", PROBE_TP_CHAIN,
				  tr->probes[i].ast->text);
			return -1;
		}
		tr->probes[last].cp.cfg.next = (__u32)i;
	}
	return 0;
}

/* Trigger clauses into their map, their probes into the masks. */
static int install_triggers(struct trace_run *tr)
{
	int fd = bpf_map__fd(tr->skel->maps.triggers);

	for (int i = 0; i < tr->ntrigger_texts; i++) {
		const struct trigger *t = &tr->triggers[i].cfg;
		__u32 key = i;

		if (bpf_map_update_elem(fd, &key, t, BPF_ANY)) {
			log_error("cannot store trigger %d: %s", i, strerror(errno));
			return -errno;
		}
		tr->skel->bss->trigger_source_mask[t->source] |= 1u << i;
		tr->skel->bss->trigger_target_mask[t->target] |= 1u << i;
	}
	return 0;
}

/* After load, before the "tracing" line: probe operations, triggers, then links. */
static int store_and_attach(void *ctx)
{
	struct trace_run *tr = ctx;
	int fd = bpf_map__fd(tr->skel->maps.probes);

	if (chain_tracepoints(tr))
		return -EINVAL;
	for (int i = 0; i < tr->nprobes; i++) {
		__u32 key = i;

		if (bpf_map_update_elem(fd, &key, &tr->probes[i].cp.cfg, BPF_ANY)) {
			log_error("cannot store probe %d: %s", i, strerror(errno));
			return -errno;
		}
	}
	if (tr->hooks && tr->hooks->before_attach) {
		int err = tr->hooks->before_attach(tr);

		if (err)
			return err;
	}
	return install_triggers(tr) ? -EINVAL : attach_all(tr);
}

static int load(struct trace_run *tr)
{
	struct bpf_program *prog;

	tr->skel = probe_bpf__open();
	if (!tr->skel) {
		log_error("cannot open the probe BPF object");
		return -ENOMEM;
	}
	bpf_object__for_each_program(prog, tr->skel->obj) {
		bpf_program__set_autoattach(prog, false); /* attached per probe below */
		bpf_program__set_autoload(prog, false);
	}
	/* verify only the programs these probes use: loading is the slow step */
	probe_fast_autoload(tr->skel, tr->probes, tr->nprobes);
	bpf_program__set_autoload(tr->skel->progs.probe_usdt, uses_kind(tr, TARGET_USDT));
	bpf_program__set_autoload(tr->skel->progs.probe_tp, uses_kind(tr, TARGET_TRACEPOINT));
	if (tr->hooks && tr->hooks->before_load) {
		int err = tr->hooks->before_load(tr);

		if (err)
			return err;
	}
	if (crash_rec__configure(tr->crash, tr->skel))
		return -EINVAL;
	return session_start_attach(&tr->session, tr->skel->skeleton, tr->opts, store_and_attach, tr);
}

int trace_execute(struct trace_run *tr)
{
	double tick = tr->duty_period > 0 ? 0.01 : tr->opts->interval;
	int err = load(tr);

	if (tr->hooks && tr->hooks->on_tick && (tick <= 0 || tick > 0.2))
		tick = 0.2;
	if (!err)
		err = session_events(&tr->session, tr->hooks ? tr->hooks->on_event : on_event,
				     tr->hooks ? tr->hooks->ctx : tr);
	if (!err && tr->crash)
		err = crash_rec__start(tr->crash, tr);
	if (!err)
		err = trace_serve_init(tr);
	if (err)
		return err;
	if (tr->crash && (tick <= 0 || tick > 0.1))
		tick = 0.1; /* reaps --exec commands; aggregations still print every -i */
	tr->start = tr->last_toggle = clock_mono_s();
	tr->next_print = tr->start + tr->opts->interval;
	err = evloop__run(tr->session.loop, tr->opts->duration, tick, tick > 0 ? on_tick : NULL, tr);
	if (tr->attached)
		tr->attached_time += clock_mono_s() - tr->last_toggle;
	tr->skel->bss->paused = true; /* see duty_tick */
	detach_all(tr);
	if (!err && tr->hooks && tr->hooks->at_end)
		err = tr->hooks->at_end(tr);
	if (!err)
		err = print_aggregations(tr);
	print_accounting(tr);
	if (tr->crash)
		crash_rec__finish(tr->crash);
	trace_serve_flush(tr, true);
	session_end(&tr->session);
	return err;
}

void trace_cleanup(struct trace_run *tr)
{
	if (tr->probes)
		detach_all(tr);
	free(tr->probes);
	for (int i = 0; i < tr->ntrigger_texts; i++)
		free(tr->trigger_texts[i]);
	script_free(tr->script);
	probe_bpf__destroy(tr->skel);
	probe_resolve_cleanup();
}
