/* biosnoop: event shared by src/bpf/biosnoop.bpf.c and src/tools/biosnoop.c */
#ifndef BPFSCOPE_BIOSNOOP_H
#define BPFSCOPE_BIOSNOOP_H

#include "bpf/blk.h"

struct bio_event {
	__u64 ts_ns;
	__u64 sector;
	__u64 latency_ns; /* issue to completion */
	__u64 queued_ns;  /* creation/insert to issue, 0 when not seen */
	__u32 bytes;
	__u32 dev;
	__u32 flags; /* bpf/blk.h normalised */
	__u32 pid;   /* submitter (see bpf/blk.bpf.h) */
	char comm[TASK_COMM_LEN];
	char disk[BLK_DISK_NAME_LEN];
};

#endif
