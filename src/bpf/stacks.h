/* Stack capture conventions shared by the stack tools' BPF programs
 * (src/bpf/stacks.bpf.h) and user space (src/core/stacks.c). Plain types. */
#ifndef BPFSCOPE_BPF_STACKS_H
#define BPFSCOPE_BPF_STACKS_H

#include "bpf/common.h"

#define STACKS_MAX_DEPTH 127  /* PERF_MAX_STACK_DEPTH */
#define STACKS_NONE	 (-1) /* no stack of this kind (kernel thread, user-mode sample) */

/* Identifies one stack of one process: the key of every tool's counting map
 * (tools embed it first in their own key when they need more). */
struct stack_key {
	__u32 pid;	       /* tgid */
	__s32 user_stack_id;   /* in the stack_traces map, or STACKS_NONE */
	__s32 kernel_stack_id; /* idem */
	__u32 pad;
	/* At a function's entry (uprobe) the caller's return address is still
	 * at the top of the stack, not in a frame the frame-pointer walk can
	 * see: kept here and inserted after the first user frame. 0: none. */
	__u64 user_caller;
	char comm[TASK_COMM_LEN];
};

/* Value of the tools' counting maps keyed by struct stack_key. */
struct stack_value {
	__u64 value; /* samples, nanoseconds, bytes, ... */
	__u64 count; /* events that added to value */
};

/* Ring-buffer record: a process seen for the first time, so user space can
 * snapshot its memory maps while it still exists. */
struct stacks_pid_event {
	__u32 pid;
	__u32 pad;
};

#endif
