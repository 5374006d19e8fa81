/* syncsnoop: event shared by src/bpf/syncsnoop.bpf.c and src/tools/syncsnoop.c */
#ifndef BPFSCOPE_SYNCSNOOP_H
#define BPFSCOPE_SYNCSNOOP_H

#include "bpf/common.h"
#include "bpf/fdpath.h"

enum sync_call { SYNC_SYNC, SYNC_FSYNC, SYNC_FDATASYNC, SYNC_SYNCFS, SYNC_MSYNC, SYNC_FILE_RANGE };

struct sync_event {
	__u64 ts_ns;
	__u64 latency_ns;
	__u64 addr; /* msync: start address */
	__u32 pid, tid;
	__s32 fd;   /* -1 for sync and msync */
	__s32 ret;  /* 0, or -errno */
	__u32 call; /* enum sync_call */
	__u32 pad;
	char comm[TASK_COMM_LEN];
	struct fdpath path;
};

#endif
