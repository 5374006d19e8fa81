/* bpfscope offcputime: time threads spend off CPU (blocked, sleeping,
 * preempted), summed per user+kernel stack at the moment they left. */
#include <stdio.h>

#include "bpf/offcputime.h"
#include "core/log.h"
#include "core/skelcmd.h"
#include "core/stacktool.h"
#include "offcputime.skel.h"

static uint64_t min_block_us = 1, max_block_us;

static const struct opt_def options[] = {
    {"min-block", 'm', OPT_U64, &min_block_us, "US",
     "count only blocks of at least US microseconds (default 1)", 0, 1e15},
    {"max-block", 'M', OPT_U64, &max_block_us, "US", "count only blocks of at most US microseconds",
     1, 1e15},
    STACK_REPORT_OPTIONS,
    {0},
};

static const struct cmd_spec spec = {
    .name = "offcputime",
    .summary = "time spent off CPU (blocked, sleeping) by user+kernel stack",
    .details = "Values are total microseconds off CPU per stack, from the moment a thread was\n"
	       "switched out to the moment it ran again.",
    .opts = options,
    .common = COMMON_ALL,
    .max_args = 0,
};

static int run(struct offcputime_bpf *skel, const struct common_opts *opts)
{
	struct stack_tool tool = {
	    .skel = skel->skeleton,
	    .counts_map = "counts",
	    .divisor = 1000,
	    .report = {"us", "blocks", "Off-CPU time", opts->format},
	};

	if (max_block_us && max_block_us < min_block_us) {
		log_error("--max-block %llu is below --min-block %llu",
			  (unsigned long long)max_block_us, (unsigned long long)min_block_us);
		return 2;
	}
	skel->rodata->min_block_ns = min_block_us * 1000;
	if (max_block_us)
		skel->rodata->max_block_ns = max_block_us * 1000;
	return stack_tool_run(&tool, opts);
}

SKEL_COMMAND(offcputime, spec, run);
