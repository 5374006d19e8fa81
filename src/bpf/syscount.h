/* syscount: map layout shared by src/bpf/syscount.bpf.c and src/tools/syscount.c */
#ifndef BPFSCOPE_SYSCOUNT_H
#define BPFSCOPE_SYSCOUNT_H

#include "bpf/common.h"

#define SYSCOUNT_MAX_KEYS 16384

struct syscount_key {
	__u32 pid; /* 0 unless per process */
	__u32 nr;  /* syscall number */
};

/* Per-CPU value of the "counts" map. */
struct syscount_val {
	__u64 count;
	__u64 errors;		  /* calls that returned a negative value */
	__u64 total_ns;		  /* with latency only */
	char comm[TASK_COMM_LEN]; /* per process only */
};

#endif
