/* bpfscope runqlen: sampled run-queue length histogram, for all CPUs or per
 * CPU, aggregated in the kernel. */
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <stdio.h>

#include "bpf/keyhist.h"
#include "core/cmd.h"
#include "core/cpuclock.h"
#include "core/keyhist.h"
#include "core/log.h"
#include "core/session.h"
#include "runqlen.skel.h"

static bool per_cpu;
static int freq = 99;

static const struct opt_def options[] = {
	{ "cpus", 'C', OPT_FLAG, &per_cpu, NULL, "one histogram per CPU" },
	{ "frequency", 'F', OPT_INT, &freq, "HZ", "samples per second per CPU (default 99)", 1, 10000 },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "runqlen",
	.summary = "histogram of run-queue length, sampled on every CPU",
	.details = "Queue length excludes the running task. Sampling uses the software cpu-clock\n"
		   "event; the CPU's run queue is reached through current->se.cfs_rq->rq (CO-RE).",
	.opts = options,
	.common = COMMON_DURATION | COMMON_INTERVAL | COMMON_OUTPUT,
	.max_args = 0,
};

struct printer {
	struct runqlen_bpf *skel;
	enum out_format format;
};

static void print_one(void *ctx, uint32_t key, const char *label, const uint64_t *slots)
{
	const struct printer *p = ctx;
	struct hist_view view = { HIST_LINEAR, 0, 1, slots, HIST_SLOTS, "runqlen" };
	struct json_object *keys = NULL;
	char heading[32];

	(void)label;
	if (per_cpu) {
		snprintf(heading, sizeof(heading), "cpu = %u", key);
		keys = json_object_new_object();
		json_object_object_add(keys, "cpu", json_object_new_uint64(key));
	}
	keyhist_emit(p->format, per_cpu ? heading : NULL, keys, &view);
}

static int print_hists(void *ctx)
{
	struct printer *p = ctx;
	int n;

	keyhist_time_line(p->format);
	n = keyhist_collect(bpf_map__fd(p->skel->maps.hists), true, print_one, p);
	fflush(stdout);
	return n < 0 ? n : 0;
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct runqlen_bpf *skel = runqlen_bpf__open();
	struct printer printer = { skel, opts->format };
	struct cpuclock *sampler = NULL;
	struct session s = { 0 };
	int err;

	(void)argc;
	(void)argv;
	if (!skel) {
		log_error("cannot open BPF object");
		return 1;
	}
	skel->rodata->per_cpu = per_cpu;
	/* perf_event programs are attached per CPU below, not by the loader */
	bpf_program__set_autoattach(skel->progs.sample_runqueue, false);
	err = session_start(&s, skel->skeleton, opts);
	if (!err && !(sampler = cpuclock__attach(skel->progs.sample_runqueue, freq)))
		err = -1;
	if (!err)
		err = session_run(&s, print_hists, &printer);
	if (!err)
		err = print_hists(&printer);
	session_end(&s);
	cpuclock__free(sampler);
	runqlen_bpf__destroy(skel);
	return err ? 1 : 0;
}

static const struct command cmd_runqlen = { &spec, run, true };
REGISTER_COMMAND(cmd_runqlen);
