/* bpfscope runqlat: run-queue latency histograms, aggregated in the kernel. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "bpf/runqlat.h"
#include "core/clock.h"
#include "core/container.h"
#include "core/cmd.h"
#include "core/hist.h"
#include "core/log.h"
#include "core/mapdrain.h"
#include "core/metrics.h"
#include "core/output.h"
#include "core/serve.h"
#include "core/session.h"
#include "runqlat.skel.h"

static bool per_process, per_thread, msecs;

static const struct opt_def options[] = {
	{ "pids", 'P', OPT_FLAG, &per_process, NULL, "one histogram per process" },
	{ "tids", 'L', OPT_FLAG, &per_thread, NULL, "one histogram per thread" },
	{ "milliseconds", 'm', OPT_FLAG, &msecs, NULL, "histogram in milliseconds (default usecs)" },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "runqlat",
	.summary = "histogram of run-queue latency (wakeup to running)",
	.opts = options,
	.common = COMMON_ALL | COMMON_BTF | COMMON_SERVE,
	.max_args = 0,
};

struct printer {
	struct runqlat_bpf *skel;
	enum out_format format;
	int ncpus;
	bool drained; /* entries handed to publish_one were removed from the map */
};

/* --serve: bpfscope_runqlat_seconds{pid|tid,comm}; no sum is kept in the
 * kernel, so _sum is estimated from slot midpoints (core/hist). */
static void publish_one(const struct printer *p, __u32 key, const char *comm,
			const uint64_t *slots)
{
	struct hist_view view = { HIST_LOG2, 0, 1, slots, HIST_SLOTS, "usecs" };
	struct metric_hist h = { slots, hist_mean(&view) * (double)hist_total(&view),
				 msecs ? 1e-3 : 1e-6 };
	struct metric_label labels[5];
	struct k8s_names k8s;
	char id[16];
	int n = 0;

	if (!serve_metrics_on())
		return;
	if (per_process || per_thread) {
		snprintf(id, sizeof(id), "%u", key);
		labels[n++] = (struct metric_label){ per_process ? "pid" : "tid", id };
		labels[n++] = (struct metric_label){ "comm", comm };
		n = serve_k8s_labels(key, labels, n, 5, &k8s);
	}
	metrics_family("bpfscope_runqlat_seconds", METRIC_HISTOGRAM,
		       "run-queue latency: wakeup to running");
	metrics_hist_update("bpfscope_runqlat_seconds", labels, n, &h, p->drained);
}

static void print_one(const struct printer *p, __u32 key, const struct runqlat_hist *h,
		      const uint64_t *slots)
{
	struct hist_view view = { HIST_LOG2, 0, 1, slots, HIST_SLOTS, msecs ? "msecs" : "usecs" };
	const char *label = per_process ? "pid" : "tid";
	struct json_object *obj;

	if (p->format == OUT_TEXT) {
		if (per_process || per_thread)
			printf("\n%s = %u %s\n", label, key, h->comm);
		hist_print(stdout, &view);
		return;
	}
	obj = json_object_new_object();
	if (per_process || per_thread) {
		json_object_object_add(obj, label, json_object_new_uint64(key));
		json_object_object_add(obj, "comm", json_object_new_string(h->comm));
	}
	json_object_object_add(obj, "hist", hist_to_json(&view));
	out_json_line(stdout, obj);
}

/* One key's per-CPU copies: summed, the comm taken from any CPU that set it. */
static void print_entry(void *ctx, const void *key, const void *value)
{
	const struct printer *p = ctx;
	const struct runqlat_hist *vals = value;
	const struct runqlat_hist *named = &vals[0];
	uint64_t slots[HIST_SLOTS];

	for (int s = 0; s < HIST_SLOTS; s++) {
		slots[s] = 0;
		for (int c = 0; c < p->ncpus; c++)
			slots[s] += vals[c].hist.slots[s];
	}
	for (int c = 0; c < p->ncpus && !named->comm[0]; c++)
		named = &vals[c];
	publish_one(p, *(const __u32 *)key, named->comm, slots);
	if (p->drained)
		print_one(p, *(const __u32 *)key, named, slots);
}

static void publish_hists(void *ctx)
{
	struct printer snap = *(const struct printer *)ctx;
	struct bpf_map *map = snap.skel->maps.hists;

	snap.drained = false;
	bpfmap_read(bpf_map__fd(map), sizeof(__u32), snap.ncpus * sizeof(struct runqlat_hist),
		    bpf_map__max_entries(map), print_entry, &snap);
}

/* Prints every key and clears exactly the keys printed (core/mapdrain), so
 * samples counted while printing go to the next interval. */
static int print_hists(void *ctx)
{
	const struct printer *p = ctx;
	struct bpf_map *map = p->skel->maps.hists;
	char now[32];
	int n;

	if (p->format == OUT_TEXT) {
		clock_format_time(clock_wall_ns(), now, sizeof(now));
		printf("\n%s\n", now);
	}
	n = bpfmap_drain(bpf_map__fd(map), sizeof(__u32), p->ncpus * sizeof(struct runqlat_hist),
			 bpf_map__max_entries(map), print_entry, (void *)p);
	fflush(stdout);
	return n < 0 ? n : 0;
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct bpf_object_open_opts open_opts = { .sz = sizeof(open_opts),
						  .btf_custom_path = opts->btf };
	struct runqlat_bpf *skel = runqlat_bpf__open_opts(&open_opts);
	struct printer printer = { skel, opts->format, libbpf_num_possible_cpus(), true };
	struct session s = { 0 };
	int err;

	(void)argc;
	(void)argv;
	if (per_process && per_thread) {
		log_error("-P and -L cannot be combined");
		return 2;
	}
	if (!skel) {
		log_error("cannot open BPF object");
		return 1;
	}
	skel->rodata->group_by = per_process ? RUNQLAT_PER_PROCESS
				 : per_thread ? RUNQLAT_PER_THREAD
					      : RUNQLAT_ALL;
	skel->rodata->in_msecs = msecs;
	err = session_start(&s, skel->skeleton, opts);
	if (!err && serve_metrics_on())
		err = serve_add_publisher(publish_hists, &printer);
	if (!err)
		err = session_run(&s, print_hists, &printer);
	if (!err)
		err = print_hists(&printer);
	session_end(&s);
	runqlat_bpf__destroy(skel);
	return err ? 1 : 0;
}

static const struct command cmd_runqlat = { &spec, run, true };
REGISTER_COMMAND(cmd_runqlat);
