/* bpfscope profile: CPU sampling with user and kernel stacks, counted in the
 * kernel; text, JSON, folded stacks or an SVG flame graph. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf/profile.h"
#include "core/cmd.h"
#include "core/log.h"
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

struct timers {
	struct bpf_program *prog;
	struct bpf_link **links;
	int nlinks;
};

static int open_cpu_clock(int cpu)
{
	struct perf_event_attr attr = {
	    .type = PERF_TYPE_SOFTWARE,
	    .config = PERF_COUNT_SW_CPU_CLOCK,
	    .size = sizeof(attr),
	    .sample_freq = frequency,
	    .freq = 1,
	};

	return syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static int max_sample_rate(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_max_sample_rate", "re");
	int rate = 0;

	if (f && fscanf(f, "%d", &rate) != 1)
		rate = 0;
	if (f)
		fclose(f);
	return rate;
}

/* One timer per CPU; offline CPUs (ENODEV) are skipped. */
static int attach_timers(void *ctx)
{
	struct timers *p = ctx;
	int ncpus = libbpf_num_possible_cpus();

	p->links = calloc(ncpus, sizeof(*p->links));
	if (!p->links)
		return -ENOMEM;
	for (int cpu = 0; cpu < ncpus; cpu++) {
		int fd = open_cpu_clock(cpu), err = -errno;

		if (fd < 0 && err == -ENODEV)
			continue;
		if (fd < 0) {
			if (err == -EINVAL && frequency > max_sample_rate())
				log_error("-F %d is above kernel.perf_event_max_sample_rate (%d)",
					  frequency, max_sample_rate());
			else
				log_error("cannot open a cpu-clock perf event on CPU %d: %s", cpu,
					  strerror(-err));
			return err;
		}
		p->links[p->nlinks] = bpf_program__attach_perf_event(p->prog, fd);
		if (!p->links[p->nlinks]) {
			err = -errno;
			close(fd);
			log_error("cannot attach to the perf event on CPU %d: %s", cpu,
				  strerror(-err));
			return err;
		}
		p->nlinks++;
	}
	return 0;
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct profile_bpf *skel = profile_bpf__open();
	struct timers timers = {0};
	struct stack_tool tool = {
	    .counts_map = "counts",
	    .divisor = 1,
	    .report = {"samples", NULL, "CPU profile", opts->format},
	    .attach = attach_timers,
	    .ctx = &timers,
	};
	int rc;

	(void)argc;
	(void)argv;
	if (!skel) {
		log_error("cannot open BPF object");
		return 1;
	}
	skel->rodata->include_idle = idle;
	timers.prog = skel->progs.on_sample;
	bpf_program__set_autoattach(timers.prog, false);
	tool.skel = skel->skeleton;
	rc = stack_tool_run(&tool, opts);
	for (int i = 0; i < timers.nlinks; i++)
		bpf_link__destroy(timers.links[i]);
	free(timers.links);
	profile_bpf__destroy(skel);
	return rc;
}

static const struct command cmd_profile = {&spec, run, true};
REGISTER_COMMAND(cmd_profile);
