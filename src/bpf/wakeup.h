/* wakeup: shared by src/bpf/wakeup.bpf.c and src/tools/wakeup.c */
#ifndef BPFSCOPE_WAKEUP_H
#define BPFSCOPE_WAKEUP_H

#include "bpf/hist.h"
#include "bpf/stacks.h"

#define WAKEUP_MAX_PAIRS   4096
#define WAKEUP_MAX_STACKS  16384
#define WAKEUP_MAX_THREADS 65536

/* Who woke whom: threads by process id and thread name. */
struct wakeup_pair {
	__u32 waker_pid, wakee_pid;
	char waker_comm[TASK_COMM_LEN];
	char wakee_comm[TASK_COMM_LEN];
};

struct wakeup_stats {
	__u64 wakeups;
	__u64 runs;	     /* wakeups followed by the wakee running (latency known) */
	__u64 latency_ns;    /* sum over runs */
	struct hist latency; /* wakeup to running, log2 microseconds */
};

/* Key of "waker_stacks": the waker's stack and the thread it woke. */
struct wakeup_stack_key {
	struct stack_key waker;
	__u32 wakee_pid;
	__u32 pad;
	char wakee_comm[TASK_COMM_LEN];
};

#endif
