/* fileslower: event shared by src/bpf/fileslower.bpf.c and src/tools/fileslower.c */
#ifndef BPFSCOPE_FILESLOWER_H
#define BPFSCOPE_FILESLOWER_H

#include "bpf/common.h"
#include "bpf/fdpath.h"

struct slow_event {
	__u64 ts_ns;
	__u64 latency_ns;
	__s64 ret; /* bytes, or -errno */
	__u32 pid, tid;
	__s32 fd;
	__u32 is_write;
	char comm[TASK_COMM_LEN];
	struct fdpath path;
};

#endif
