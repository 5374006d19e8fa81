/* runqlat: map layout shared by src/bpf/runqlat.bpf.c and src/tools/runqlat.c */
#ifndef BPFSCOPE_RUNQLAT_H
#define BPFSCOPE_RUNQLAT_H

#include "bpf/common.h"
#include "bpf/hist.h"

enum runqlat_group { RUNQLAT_ALL, RUNQLAT_PER_PROCESS, RUNQLAT_PER_THREAD };

/* Value of the per-CPU "hists" map, keyed by __u32 (0, tgid or tid). */
struct runqlat_hist {
	char comm[TASK_COMM_LEN];
	struct hist hist;
};

#endif
