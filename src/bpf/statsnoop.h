/* statsnoop: event shared by src/bpf/statsnoop.bpf.c and src/tools/statsnoop.c */
#ifndef BPFSCOPE_STATSNOOP_H
#define BPFSCOPE_STATSNOOP_H

#include "bpf/common.h"

#define STATSNOOP_PATH_MAX 256

enum stat_call {
	STAT_CALL_STAT,
	STAT_CALL_LSTAT,
	STAT_CALL_FSTATAT,
	STAT_CALL_STATX,
	STAT_CALL_STATFS
};

struct stat_event {
	__u64 ts_ns;
	__u32 pid, tid;
	__s32 ret;   /* 0, or -errno */
	__u32 call;  /* enum stat_call */
	__s32 dirfd; /* fstatat/statx: the fd an empty path means (fstat) */
	__u32 pad;
	char comm[TASK_COMM_LEN];
	char path[STATSNOOP_PATH_MAX];
};

#endif
