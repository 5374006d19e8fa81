/* bpfscope wakeup: who wakes a process, how often, how long the woken
 * thread then waits for a CPU, and from which stacks the wakers wake it. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "bpf/wakeup.h"
#include "core/hist.h"
#include "core/log.h"
#include "core/output.h"
#include "core/skelcmd.h"
#include "core/stacks.h"
#include "core/stacktool.h"
#include "wakeup.skel.h"

static int hist_pairs = 5;

static const struct opt_def options[] = {
    {"histograms", 'H', OPT_INT, &hist_pairs, "N",
     "latency histograms for the N busiest pairs (default 5, text only)", 0, 1e6},
    STACK_REPORT_OPTIONS,
    {0},
};

static const struct cmd_spec spec = {
    .name = "wakeup",
    .summary = "who wakes a process, how often, wakeup-to-run latency, waker stacks",
    .details = "-p/-c/--cgroup select the woken process. Prints (waker -> wakee) pairs with\n"
	       "counts and latency, then the wakers' stacks (--folded/--svg: stacks only).",
    .opts = options,
    .common = COMMON_ALL,
    .max_args = 0,
};

struct pair {
	struct wakeup_pair key;
	struct wakeup_stats stats;
};

struct wakeup {
	struct wakeup_bpf *skel;
	enum out_format format;
};

static int by_wakeups(const void *pa, const void *pb)
{
	const struct pair *a = pa, *b = pb;

	return a->stats.wakeups < b->stats.wakeups   ? 1
	       : a->stats.wakeups > b->stats.wakeups ? -1
						     : 0;
}

/* Reads and clears the pairs map, busiest first. */
static struct pair *read_pairs(int fd, size_t *n)
{
	struct wakeup_pair key, next, *prev = NULL;
	struct pair *v = NULL, *grown;
	size_t cap = 0;

	*n = 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(grown = realloc(v, cap * sizeof(*v))))
				break;
			v = grown;
		}
		v[*n].key = key;
		if (!bpf_map_lookup_elem(fd, &key, &v[*n].stats))
			(*n)++;
	}
	while (!bpf_map_get_next_key(fd, NULL, &next))
		bpf_map_delete_elem(fd, &next);
	if (*n)
		qsort(v, *n, sizeof(*v), by_wakeups);
	return v;
}

static void print_pairs_text(const struct pair *v, size_t n)
{
	printf("%-16s %7s    %-16s %7s %9s %11s\n", "WAKER", "PID", "WAKEE", "PID", "WAKEUPS",
	       "AVG_LAT_US");
	for (size_t i = 0; i < n; i++) {
		const struct wakeup_stats *s = &v[i].stats;

		printf("%-16.16s %7u -> %-16.16s %7u %9llu %11.1f\n", v[i].key.waker_comm,
		       v[i].key.waker_pid, v[i].key.wakee_comm, v[i].key.wakee_pid,
		       (unsigned long long)s->wakeups,
		       s->runs ? s->latency_ns / 1e3 / s->runs : 0.0);
	}
	for (size_t i = 0; i < n && i < (size_t)hist_pairs; i++) {
		struct hist_view h = {HIST_LOG2,  0,
				      1,	  (const uint64_t *)v[i].stats.latency.slots,
				      HIST_SLOTS, "usecs"};

		printf("\n%.16s (%u) -> %.16s (%u): wakeup-to-run latency\n", v[i].key.waker_comm,
		       v[i].key.waker_pid, v[i].key.wakee_comm, v[i].key.wakee_pid);
		hist_print(stdout, &h);
	}
	printf("\n");
}

static void print_pairs_json(const struct pair *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct hist_view h = {HIST_LOG2,  0,
				      1,	  (const uint64_t *)v[i].stats.latency.slots,
				      HIST_SLOTS, "usecs"};
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "waker", json_object_new_string(v[i].key.waker_comm));
		json_object_object_add(o, "waker_pid", json_object_new_uint64(v[i].key.waker_pid));
		json_object_object_add(o, "wakee", json_object_new_string(v[i].key.wakee_comm));
		json_object_object_add(o, "wakee_pid", json_object_new_uint64(v[i].key.wakee_pid));
		json_object_object_add(o, "wakeups", json_object_new_uint64(v[i].stats.wakeups));
		json_object_object_add(o, "latency", hist_to_json(&h));
		out_json_line(stdout, o);
	}
}

/* Waker stacks under the label "waker>wakee". */
static int print_stacks(int fd, struct stacks *st, const struct stack_report_opts *ro)
{
	struct stack_report *r = stack_report__new(ro);
	struct wakeup_stack_key key, next, *prev = NULL;
	char label[STACK_LABEL_LEN];
	struct stack_value v;
	int err = r ? 0 : -ENOMEM;

	while (!err && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		snprintf(label, sizeof(label), "%.16s>%.16s", key.waker.comm, key.wakee_comm);
		err = stack_report__add(r, st, &key.waker, label, v.value, v.count);
	}
	while (!bpf_map_get_next_key(fd, NULL, &next))
		bpf_map_delete_elem(fd, &next);
	if (!err)
		err = stack_report__print(r, stdout);
	stack_report__free(r);
	return err;
}

static int print_report(void *ctx, struct stacks *st)
{
	struct wakeup *w = ctx;
	struct stack_report_opts ro = {"wakeups", NULL, "Wakers", w->format};
	size_t n;
	struct pair *pairs = read_pairs(bpf_map__fd(w->skel->maps.pairs), &n);

	if (!stack_cli.folded && w->format == OUT_JSON)
		print_pairs_json(pairs, n);
	else if (!stack_cli.folded)
		print_pairs_text(pairs, n);
	free(pairs);
	return print_stacks(bpf_map__fd(w->skel->maps.waker_stacks), st, &ro);
}

static int run(struct wakeup_bpf *skel, const struct common_opts *opts)
{
	struct wakeup w = {skel, opts->format};
	struct stack_tool tool = {.skel = skel->skeleton, .print = print_report, .ctx = &w};

	return stack_tool_run(&tool, opts);
}

SKEL_COMMAND(wakeup, spec, run);
