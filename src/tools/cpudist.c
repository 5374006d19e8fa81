/* bpfscope cpudist: histogram of on-CPU (or off-CPU) time per scheduling,
 * aggregated in the kernel. */
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <stdio.h>

#include "bpf/keyhist.h"
#include "core/keyhist.h"
#include "cpudist.skel.h"

static bool offcpu, per_process, msecs;

static const struct opt_def options[] = {
    {"offcpu", 'O', OPT_FLAG, &offcpu, NULL, "off-CPU time (switch out to switch in) instead"},
    {"pids", 'P', OPT_FLAG, &per_process, NULL, "one histogram per process"},
    {"milliseconds", 'm', OPT_FLAG, &msecs, NULL, "histogram in milliseconds (default usecs)"},
    {0},
};

static const struct cmd_spec spec = {
    .name = "cpudist",
    .summary = "histogram of on-CPU (or -O off-CPU) time per task scheduling",
    .opts = options,
    .common = COMMON_ALL | COMMON_SERVE,
    .max_args = 0,
};

static void print_one(void *ctx, uint32_t key, const char *label, const uint64_t *slots)
{
	const struct common_opts *opts = ctx;
	struct hist_view view = {HIST_LOG2, 0, 1, slots, HIST_SLOTS, msecs ? "msecs" : "usecs"};
	struct json_object *keys = NULL;
	char heading[64];

	if (per_process) {
		snprintf(heading, sizeof(heading), "pid = %u %s", key, label);
		keys = json_object_new_object();
		json_object_object_add(keys, "pid", json_object_new_uint64(key));
		json_object_object_add(keys, "comm", json_object_new_string(label));
	}
	keyhist_emit(opts->format, per_process ? heading : NULL, keys, &view);
}

/* Checks the options and fills .rodata from them. */
static int setup(struct cpudist_bpf *skel)
{
	skel->rodata->offcpu = offcpu;
	skel->rodata->per_process = per_process;
	skel->rodata->in_msecs = msecs;
	return 0;
}

KEYHIST_COMMAND(cpudist, spec, print_one, setup);
