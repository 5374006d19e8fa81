/* execsnoop: event shared by src/bpf/execsnoop.bpf.c and src/tools/execsnoop.c */
#ifndef BPFSCOPE_EXECSNOOP_H
#define BPFSCOPE_EXECSNOOP_H

#include "bpf/common.h"

#define EXECSNOOP_MAX_ARGS 32
#define EXECSNOOP_ARG_SIZE 128
#define EXECSNOOP_ARGS_SIZE 4096 /* power of two: lets the verifier bound offsets */

struct exec_event {
	__u64 ts_ns;
	__u64 cgroup_id; /* cgroup v2 of the task, for -K */ /* CLOCK_MONOTONIC at exec return */
	__u32 pid, tid, ppid, uid;
	__s32 retval;
	__u32 args_count;
	__u32 args_size; /* bytes used in args: NUL-terminated argv strings */
	__u32 truncated; /* more arguments than EXECSNOOP_MAX_ARGS */
	char comm[TASK_COMM_LEN];
	char args[EXECSNOOP_ARGS_SIZE];
};

#endif
