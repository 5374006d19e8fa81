/* bpfscope runqlat: run-queue latency histograms, aggregated in the kernel. */
#include <json-c/json.h>
#include <stdio.h>

#include "bpf/keyhist.h"
#include "bpf/runqlat.h"
#include "core/keyhist.h"
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
	.common = COMMON_ALL | COMMON_BTF,
	.max_args = 0,
};

static void print_one(void *ctx, uint32_t key, const char *label, const uint64_t *slots)
{
	const struct common_opts *opts = ctx;
	struct hist_view view = { HIST_LOG2, 0, 1, slots, HIST_SLOTS, msecs ? "msecs" : "usecs" };
	const char *name = per_process ? "pid" : "tid";
	struct json_object *keys = NULL;
	char heading[64];

	if (per_process || per_thread) {
		snprintf(heading, sizeof(heading), "%s = %u %s", name, key, label);
		keys = json_object_new_object();
		json_object_object_add(keys, name, json_object_new_uint64(key));
		json_object_object_add(keys, "comm", json_object_new_string(label));
	}
	keyhist_emit(opts->format, keys ? heading : NULL, keys, &view);
}

/* Checks the options and fills .rodata from them. */
static int setup(struct runqlat_bpf *skel)
{
	if (per_process && per_thread) {
		log_error("-P and -L cannot be combined");
		return -1;
	}
	skel->rodata->group_by = per_process ? RUNQLAT_PER_PROCESS
				 : per_thread ? RUNQLAT_PER_THREAD
					      : RUNQLAT_ALL;
	skel->rodata->in_msecs = msecs;
	return 0;
}

KEYHIST_COMMAND(runqlat, spec, print_one, setup);
