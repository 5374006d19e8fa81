/* A log2 or linear histogram per u32 key (pid, cpu, disk, flags) with a
 * label (comm), kept in a per-CPU hash; shared by BPF and user space. */
#ifndef BPFSCOPE_KEYHIST_H
#define BPFSCOPE_KEYHIST_H

#include "bpf/common.h"
#include "bpf/hist.h"

#define KEYHIST_MAX_KEYS 4096

struct keyed_hist {
	char label[TASK_COMM_LEN];
	struct hist hist;
};

#endif
