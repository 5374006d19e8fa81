/* See keyhist.h. Keys are read first, sorted, then looked up one by one so
 * that output order is stable between intervals. */
#include "core/keyhist.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/keyhist.h"
#include "core/clock.h"
#include "core/container.h"
#include "core/metrics.h"
#include "core/output.h"
#include "core/serve.h"
#include "core/session.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int read_keys(int fd, uint32_t *keys, int max)
{
	uint32_t key, *prev = NULL;
	int n = 0;

	while (n < max && !bpf_map_get_next_key(fd, prev, &key)) {
		keys[n] = key;
		prev = &keys[n++];
	}
	qsort(keys, n, sizeof(*keys), cmp_u32);
	return n;
}

static void sum_cpus(const struct keyed_hist *vals, int ncpus, uint64_t *slots, const char **label)
{
	*label = "";
	for (int s = 0; s < HIST_SLOTS; s++)
		slots[s] = 0;
	for (int c = 0; c < ncpus; c++) {
		for (int s = 0; s < HIST_SLOTS; s++)
			slots[s] += vals[c].hist.slots[s];
		if (!**label && vals[c].label[0])
			*label = vals[c].label;
	}
}

int keyhist_collect(int map_fd, bool clear, keyhist_fn fn, void *ctx)
{
	int ncpus = libbpf_num_possible_cpus(), n;
	uint32_t *keys = calloc(KEYHIST_MAX_KEYS, sizeof(*keys));
	struct keyed_hist *vals = ncpus > 0 ? calloc(ncpus, sizeof(*vals)) : NULL;
	uint64_t slots[HIST_SLOTS];
	char label[TASK_COMM_LEN + 1];
	const char *first;

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	n = read_keys(map_fd, keys, KEYHIST_MAX_KEYS);
	for (int i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(map_fd, &keys[i], vals))
			continue;
		sum_cpus(vals, ncpus, slots, &first);
		snprintf(label, sizeof(label), "%.*s", TASK_COMM_LEN, first);
		fn(ctx, keys[i], label, slots);
		if (clear)
			bpf_map_delete_elem(map_fd, &keys[i]);
	}
	free(keys);
	free(vals);
	return n;
}

/* Which tool publishes, and whether the map is being read (live) rather
 * than printed and cleared (drained); set by keyhist_run. */
static struct {
	const char *name;
	bool live;
} publishing;

static double unit_scale(const char *unit, const char **suffix)
{
	static const struct {
		const char *unit;
		double scale;
	} times[] = { { "nsecs", 1e-9 }, { "usecs", 1e-6 }, { "msecs", 1e-3 }, { "secs", 1 } };

	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		if (!strcmp(unit, times[i].unit)) {
			*suffix = "seconds";
			return times[i].scale;
		}
	*suffix = unit;
	return 1;
}

/* bpfscope_<tool>_<unit>{<keys>} (+ container/pod of a pid key). */
static void publish_hist(struct json_object *keys, const struct hist_view *view)
{
	struct metric_label labels[METRIC_MAX_LABELS];
	struct metric_hist h = { view->slots, hist_mean(view) * (double)hist_total(view), 1,
				 view->kind == HIST_LINEAR ? view->min : 0,
				 view->kind == HIST_LINEAR ? view->step : 0 };
	char family[128];
	const char *suffix, *pid = NULL;
	struct k8s_names k8s;
	int n = 0;

	if (!publishing.name || !serve_metrics_on())
		return;
	h.scale = unit_scale(view->unit ? view->unit : "", &suffix);
	snprintf(family, sizeof(family), "bpfscope_%s_%s", publishing.name, suffix);
	if (keys) {
		json_object_object_foreach(keys, k, v) {
			if (n == METRIC_MAX_LABELS - 3)
				break;
			labels[n++] = (struct metric_label){ k, json_object_get_string(v) };
			if (!strcmp(k, "pid"))
				pid = json_object_get_string(v);
		}
	}
	if (pid)
		n = serve_k8s_labels((uint32_t)atoi(pid), labels, n, METRIC_MAX_LABELS, &k8s);
	metrics_family(family, METRIC_HISTOGRAM, "log2 histogram of the tool, kernel-aggregated");
	metrics_hist_update(family, labels, n, &h, !publishing.live);
}

void keyhist_emit(enum out_format format, const char *heading, struct json_object *keys,
		  const struct hist_view *view)
{
	publish_hist(keys, view);
	if (publishing.live) {
		json_object_put(keys);
		return;
	}
	if (format == OUT_TEXT) {
		json_object_put(keys);
		if (heading)
			printf("\n%s\n", heading);
		hist_print(stdout, view);
		return;
	}
	if (!keys)
		keys = json_object_new_object();
	json_object_object_add(keys, "hist", hist_to_json(view));
	out_json_line(stdout, keys);
}

void keyhist_time_line(enum out_format format)
{
	char now[32];

	if (format != OUT_TEXT)
		return;
	clock_format_time(clock_wall_ns(), now, sizeof(now));
	printf("\n%s\n", now);
}

struct keyhist_printer {
	const struct keyhist_tool *tool;
	enum out_format format;
	int map_fd;
};

static int print_all(void *ctx)
{
	struct keyhist_printer *p = ctx;
	int n;

	keyhist_time_line(p->format);
	n = keyhist_collect(p->map_fd, true, p->tool->print_one, p->tool->ctx);
	fflush(stdout);
	return n < 0 ? n : 0;
}

/* --serve publisher: every key through print_one, without clearing. */
static void publish_live(void *ctx)
{
	struct keyhist_printer *p = ctx;

	publishing.live = true;
	keyhist_collect(p->map_fd, false, p->tool->print_one, p->tool->ctx);
	publishing.live = false;
}

int keyhist_run(const struct keyhist_tool *tool, const struct common_opts *opts)
{
	struct keyhist_printer printer = {tool, opts->format, -1};
	struct session s = {0};
	struct bpf_map *map;
	int err;

	/* attach_more runs before the "tracing" line: all is attached by then */
	err = tool->attach_more
		  ? session_start_attach(&s, tool->skel, opts, tool->attach_more, tool->ctx)
		  : session_start(&s, tool->skel, opts);
	if (!err) {
		map = bpf_object__find_map_by_name(*tool->skel->obj, tool->map_name);
		printer.map_fd = map ? bpf_map__fd(map) : -1;
		if (printer.map_fd < 0)
			err = -ENOENT;
	}
	publishing.name = tool->name;
	if (!err && tool->name && serve_metrics_on())
		err = serve_add_publisher(publish_live, &printer);
	if (!err)
		err = session_run(&s, print_all, &printer);
	if (!err)
		err = print_all(&printer);
	session_end(&s);
	return err ? 1 : 0;
}
