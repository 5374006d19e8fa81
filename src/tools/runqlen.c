/* bpfscope runqlen: sampled run-queue length histogram, for all CPUs or per
 * CPU, aggregated in the kernel. */
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <stdio.h>

#include "bpf/keyhist.h"
#include "core/cpuclock.h"
#include "core/keyhist.h"
#include "runqlen.skel.h"

static bool per_cpu;
static int freq = 99;

static const struct opt_def options[] = {
    {"cpus", 'C', OPT_FLAG, &per_cpu, NULL, "one histogram per CPU"},
    {"frequency", 'F', OPT_INT, &freq, "HZ", "samples per second per CPU (default 99)", 1, 10000},
    {0},
};

static const struct cmd_spec spec = {
    .name = "runqlen",
    .summary = "histogram of run-queue length, sampled on every CPU",
    .details = "Queue length excludes the running task. Sampling uses the software cpu-clock\n"
	       "event; the CPU's run queue is reached through current->se.cfs_rq->rq (CO-RE).",
    .opts = options,
    .common = COMMON_DURATION | COMMON_INTERVAL | COMMON_OUTPUT | COMMON_SERVE,
    .max_args = 0,
};

struct runqlen_ctx {
	const struct common_opts *opts;
	struct runqlen_bpf *skel;
	struct cpuclock *sampler;
};

static void print_one(void *ctx, uint32_t key, const char *label, const uint64_t *slots)
{
	const struct runqlen_ctx *rc = ctx;
	struct hist_view view = {HIST_LINEAR, 0, 1, slots, HIST_SLOTS, "runqlen"};
	struct json_object *keys = NULL;
	char heading[32];

	(void)label;
	if (per_cpu) {
		snprintf(heading, sizeof(heading), "cpu = %u", key);
		keys = json_object_new_object();
		json_object_object_add(keys, "cpu", json_object_new_uint64(key));
	}
	keyhist_emit(rc->opts->format, per_cpu ? heading : NULL, keys, &view);
}

/* After load: one cpu-clock event per CPU drives the sampling program. */
static int attach_sampler(void *ctx)
{
	struct runqlen_ctx *rc = ctx;

	rc->sampler = cpuclock__attach(rc->skel->progs.sample_runqueue, freq);
	return rc->sampler ? 0 : -1;
}

static int run(struct runqlen_bpf *skel, const struct common_opts *opts)
{
	struct runqlen_ctx ctx = {opts, skel, NULL};
	struct keyhist_tool tool = {skel->skeleton, "hists", print_one, &ctx, attach_sampler,
				    "runqlen"};
	int rc;

	skel->rodata->per_cpu = per_cpu;
	/* perf_event programs are attached per CPU by attach_sampler, not by the loader */
	bpf_program__set_autoattach(skel->progs.sample_runqueue, false);
	rc = keyhist_run(&tool, opts);
	cpuclock__free(ctx.sampler);
	return rc;
}

SKEL_COMMAND(runqlen, spec, run);
