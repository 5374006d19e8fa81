/* exitsnoop: event shared by src/bpf/exitsnoop.bpf.c and src/tools/exitsnoop.c */
#ifndef BPFSCOPE_EXITSNOOP_H
#define BPFSCOPE_EXITSNOOP_H

#include "bpf/common.h"

struct exit_event {
	__u64 ts_ns;
	__u64 lifetime_ns; /* since the task started */
	__u32 pid, tid, ppid;
	__u32 exit_code; /* wait status: (status << 8) | core 0x80 | signal */
	char comm[TASK_COMM_LEN];
};

#endif
