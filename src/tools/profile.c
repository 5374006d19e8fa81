/* bpfscope profile: CPU sampling with user and kernel stacks, counted in the
 * kernel; text, JSON, folded stacks or an SVG flame graph. */
#include <bpf/libbpf.h>

#include "bpf/profile.h"
#include "core/cpuclock.h"
#include "core/skelcmd.h"
#include "core/stacktool.h"
#include "profile.skel.h"

static int frequency = 49;
static bool idle;

static const struct opt_def options[] = {
    /* Capped: each sample walks two stacks; at 90 kHz on this 2-CPU machine
     * the samples alone starved every task, bpfscope's own loop included. */
    {"frequency", 'F', OPT_INT, &frequency, "HZ",
     "samples per second per CPU, 1..5000 (default 49)", 1, 5000},
    {"idle", 0, OPT_FLAG, &idle, NULL, "include the idle task"},
    STACK_REPORT_OPTIONS,
    {0},
};

static const struct cmd_spec spec = {
    .name = "profile",
    .summary = "sample on-CPU stacks at a fixed rate (flame graphs)",
    .details = "Samples every CPU with a software cpu-clock timer (works in VMs) and counts\n"
	       "user+kernel stacks per process in the kernel. Prints at the end, or every -i.",
    .opts = options,
    .common = COMMON_ALL | COMMON_SERVE,
    .max_args = 0,
};

struct sampler {
	struct bpf_program *prog;
	struct cpuclock *clock;
};

/* After load: one cpu-clock event per CPU drives the sampling program. */
static int attach_sampler(void *ctx)
{
	struct sampler *s = ctx;

	s->clock = cpuclock__attach(s->prog, frequency);
	return s->clock ? 0 : -1;
}

static int run(struct profile_bpf *skel, const struct common_opts *opts)
{
	struct sampler sampler = {skel->progs.on_sample, NULL};
	struct stack_tool tool = {
	    .skel = skel->skeleton,
	    .counts_map = "counts",
	    .divisor = 1,
	    .report = {"samples", NULL, "CPU profile", opts->format},
	    .attach = attach_sampler,
	    .ctx = &sampler,
	};
	int rc;

	skel->rodata->include_idle = idle;
	/* perf_event programs are attached per CPU by attach_sampler, not by the loader */
	bpf_program__set_autoattach(sampler.prog, false);
	rc = stack_tool_run(&tool, opts);
	cpuclock__free(sampler.clock);
	return rc;
}

SKEL_COMMAND(profile, spec, run);
