/* See cpuclock.h. */
#include "core/cpuclock.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/log.h"

struct cpuclock {
	int ncpus; /* possible CPUs: size of links */
	int attached;
	struct bpf_link **links;
};

static int open_cpu_clock(int cpu, unsigned freq_hz)
{
	struct perf_event_attr attr = {
	    .type = PERF_TYPE_SOFTWARE,
	    .config = PERF_COUNT_SW_CPU_CLOCK,
	    .size = sizeof(attr),
	    .freq = 1,
	    .sample_freq = freq_hz,
	};

	return syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* The kernel lowers this limit by itself when sampling takes too long. */
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

struct cpuclock *cpuclock__attach(struct bpf_program *prog, unsigned freq_hz)
{
	struct cpuclock *cc = calloc(1, sizeof(*cc));
	int last_err = 0;

	if (!cc)
		return NULL;
	cc->ncpus = libbpf_num_possible_cpus();
	cc->links = cc->ncpus > 0 ? calloc(cc->ncpus, sizeof(*cc->links)) : NULL;
	for (int cpu = 0; cc->links && cpu < cc->ncpus; cpu++) {
		int fd = open_cpu_clock(cpu, freq_hz);

		if (fd < 0) {
			if (errno != ENODEV) /* ENODEV: CPU offline */
				last_err = errno;
			continue;
		}
		cc->links[cpu] = bpf_program__attach_perf_event(prog, fd);
		if (!cc->links[cpu]) {
			last_err = errno;
			close(fd);
			continue;
		}
		cc->attached++;
	}
	if (!cc->attached) {
		if (last_err == EINVAL && (int)freq_hz > max_sample_rate())
			log_error("-F %u is above kernel.perf_event_max_sample_rate (%d)", freq_hz,
				  max_sample_rate());
		else
			log_error("cannot sample CPUs with the cpu-clock perf event: %s",
				  strerror(last_err ? last_err : ENOMEM));
		cpuclock__free(cc);
		return NULL;
	}
	return cc;
}

int cpuclock__cpus(const struct cpuclock *cc)
{
	return cc->attached;
}

void cpuclock__free(struct cpuclock *cc)
{
	if (!cc)
		return;
	for (int cpu = 0; cc->links && cpu < cc->ncpus; cpu++)
		bpf_link__destroy(cc->links[cpu]);
	free(cc->links);
	free(cc);
}
