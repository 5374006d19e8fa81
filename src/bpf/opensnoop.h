/* opensnoop: event shared by src/bpf/opensnoop.bpf.c and src/tools/opensnoop.c */
#ifndef BPFSCOPE_OPENSNOOP_H
#define BPFSCOPE_OPENSNOOP_H

#include "bpf/common.h"

#define OPENSNOOP_PATH_MAX 256

struct open_event {
	__u64 ts_ns;
	__u64 cgroup_id; /* cgroup v2 of the task, for -K */
	__u32 pid, tid, uid;
	__s32 ret; /* fd, or -errno */
	__u64 flags;
	__u32 mode;
	__u32 pad;
	char comm[TASK_COMM_LEN];
	char path[OPENSNOOP_PATH_MAX];
};

#endif
