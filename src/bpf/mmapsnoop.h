/* mmapsnoop: event shared by src/bpf/mmapsnoop.bpf.c and src/tools/mmapsnoop.c */
#ifndef BPFSCOPE_MMAPSNOOP_H
#define BPFSCOPE_MMAPSNOOP_H

#include "bpf/common.h"
#include "bpf/fdpath.h"

struct mmap_event {
	__u64 ts_ns;
	__u64 addr; /* the address asked for (hint) */
	__u64 len;
	__u64 offset;
	__s64 ret; /* the mapped address, or -errno */
	__u32 pid, tid;
	__u32 prot, flags;
	__s32 fd;
	__u32 pad;
	char comm[TASK_COMM_LEN];
	struct fdpath path;
};

#endif
